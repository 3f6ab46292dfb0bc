# hiredis for the Redis tests, example and benchmark (never for the library,
# which has no Redis dependency), and a ctest fixture that runs a throwaway
# redis-server. Included from tests/redis_server_test.cmake,
# examples/redis_rollup.cmake and bench/redis.bench.cmake.
include_guard(GLOBAL)

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(HASHSKETCH_HIREDIS QUIET IMPORTED_TARGET GLOBAL hiredis)
endif()
if(NOT TARGET PkgConfig::HASHSKETCH_HIREDIS)
  find_library(HASHSKETCH_HIREDIS_LIBRARY hiredis)
  find_path(HASHSKETCH_HIREDIS_INCLUDE_DIR hiredis/hiredis.h)
endif()
find_program(HASHSKETCH_REDIS_SERVER redis-server)
if(NOT HASHSKETCH_REDIS_SERVER)
  # Keep the bare name: the fixture then fails at run time with a clear
  # message ("cannot run redis-server"), which is what CI must see.
  set(HASHSKETCH_REDIS_SERVER redis-server)
  message(WARNING "redis-server not found: the Redis server tests will fail (scripts/install-deps.sh installs it)")
endif()

# Links hiredis into <target>; without hiredis the target is still built, with
# HASHSKETCH_NO_HIREDIS=1, and reports the missing client as a failure.
function(hashsketch_link_hiredis target)
  if(TARGET PkgConfig::HASHSKETCH_HIREDIS)
    target_link_libraries(${target} PRIVATE PkgConfig::HASHSKETCH_HIREDIS)
  elseif(HASHSKETCH_HIREDIS_LIBRARY AND HASHSKETCH_HIREDIS_INCLUDE_DIR)
    target_link_libraries(${target} PRIVATE ${HASHSKETCH_HIREDIS_LIBRARY})
    target_include_directories(${target} SYSTEM PRIVATE ${HASHSKETCH_HIREDIS_INCLUDE_DIR})
  else()
    message(WARNING "hiredis not found: ${target} is built without Redis and will report that as a failure")
    target_compile_definitions(${target} PRIVATE HASHSKETCH_NO_HIREDIS=1)
  endif()
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/redis)
  target_compile_definitions(${target} PRIVATE HASHSKETCH_REDIS_SERVER="${HASHSKETCH_REDIS_SERVER}")
endfunction()

# hashsketch_add_redis_fixture(<fixture> [<label>]): ctest tests <fixture>_start and
# <fixture>_stop (FIXTURES_SETUP / FIXTURES_CLEANUP <fixture>) that run a
# redis-server on 127.0.0.1, on a free port chosen at run time (so parallel
# ctest runs and other build trees never collide), persistence off, in a
# temporary directory. Sets <fixture>_STATE_DIR in the caller: the directory
# whose file "port" holds the port; tests get it via ENVIRONMENT
# HASHSKETCH_REDIS_STATE=<dir>, or run under `hashsketch_redis_fixture exec`,
# which puts HASHSKETCH_REDIS_PORT in the environment. <label> (default
# "unit") should be the label of the tests that need the server.
function(hashsketch_add_redis_fixture fixture)
  set(label unit)
  if(ARGC GREATER 1)
    set(label ${ARGV1})
  endif()
  if(NOT TARGET hashsketch_redis_fixture)
    add_executable(hashsketch_redis_fixture ${PROJECT_SOURCE_DIR}/tests/redis/redis_fixture.cpp)
    hashsketch_target_defaults(hashsketch_redis_fixture)
    hashsketch_link_hiredis(hashsketch_redis_fixture)
  endif()
  set(state "${PROJECT_BINARY_DIR}/redis-fixtures/${fixture}")
  add_test(NAME ${fixture}_start COMMAND hashsketch_redis_fixture start ${state} ${HASHSKETCH_REDIS_SERVER})
  add_test(NAME ${fixture}_stop COMMAND hashsketch_redis_fixture stop ${state})
  set_tests_properties(${fixture}_start PROPERTIES FIXTURES_SETUP ${fixture} LABELS ${label} TIMEOUT 60)
  set_tests_properties(${fixture}_stop PROPERTIES FIXTURES_CLEANUP ${fixture} LABELS ${label} TIMEOUT 60)
  set(${fixture}_STATE_DIR "${state}" PARENT_SCOPE)
endfunction()
