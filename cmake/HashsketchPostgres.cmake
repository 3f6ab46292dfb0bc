# libpq for the PostgreSQL tests and example (never for the library, which
# has no PostgreSQL dependency), and a ctest fixture that runs a throwaway
# PostgreSQL server with the hll extension (tests/postgres/pg_fixture.sh).
# Included from tests/postgresql_server_test.cmake and
# examples/postgres_rollup.cmake.
include_guard(GLOBAL)

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(HASHSKETCH_LIBPQ QUIET IMPORTED_TARGET GLOBAL libpq)
endif()
if(NOT TARGET PkgConfig::HASHSKETCH_LIBPQ)
  find_library(HASHSKETCH_LIBPQ_LIBRARY pq)
  find_path(HASHSKETCH_LIBPQ_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql)
endif()

# The server binaries (initdb, pg_ctl, psql): Debian keeps them in
# /usr/lib/postgresql/<major>/bin; pg_config (libpq-dev) names the directory.
find_program(HASHSKETCH_PG_CONFIG pg_config)
set(_hashsketch_pg_hints /usr/lib/postgresql/15/bin)
if(HASHSKETCH_PG_CONFIG)
  execute_process(COMMAND ${HASHSKETCH_PG_CONFIG} --bindir OUTPUT_VARIABLE _bindir
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  list(PREPEND _hashsketch_pg_hints ${_bindir})
endif()
find_program(HASHSKETCH_PG_CTL pg_ctl HINTS ${_hashsketch_pg_hints} NO_DEFAULT_PATH)
if(HASHSKETCH_PG_CTL)
  get_filename_component(_bindir ${HASHSKETCH_PG_CTL} DIRECTORY)
  # A cache entry, so that every directory that includes this module (after
  # the include guard) sees it.
  set(HASHSKETCH_PG_BINDIR ${_bindir} CACHE INTERNAL "PostgreSQL server binaries")
else()
  # Keep a path: the fixture then fails at run time with a clear message,
  # which is what CI must see (a missing server is a failure, not a skip).
  set(HASHSKETCH_PG_BINDIR /usr/lib/postgresql/15/bin CACHE INTERNAL "PostgreSQL server binaries")
  message(WARNING "pg_ctl not found: the PostgreSQL server tests will fail (scripts/install-deps.sh installs postgresql-15 postgresql-15-hll)")
endif()

# Links libpq into <target>; without libpq the target is still built, with
# HASHSKETCH_NO_LIBPQ=1, and reports the missing client as a failure.
function(hashsketch_link_libpq target)
  if(TARGET PkgConfig::HASHSKETCH_LIBPQ)
    target_link_libraries(${target} PRIVATE PkgConfig::HASHSKETCH_LIBPQ)
  elseif(HASHSKETCH_LIBPQ_LIBRARY AND HASHSKETCH_LIBPQ_INCLUDE_DIR)
    target_link_libraries(${target} PRIVATE ${HASHSKETCH_LIBPQ_LIBRARY})
    target_include_directories(${target} SYSTEM PRIVATE ${HASHSKETCH_LIBPQ_INCLUDE_DIR})
  else()
    message(WARNING "libpq not found: ${target} is built without PostgreSQL and will report that as a failure")
    target_compile_definitions(${target} PRIVATE HASHSKETCH_NO_LIBPQ=1)
  endif()
endfunction()

# hashsketch_add_postgres_fixture(<fixture> [<label>]): ctest tests
# <fixture>_start and <fixture>_stop (FIXTURES_SETUP / FIXTURES_CLEANUP
# <fixture>, so the server is stopped and its directory removed also when a
# test fails) around a PostgreSQL server: initdb in a temporary directory,
# pg_ctl on 127.0.0.1 on a free port with a private socket directory,
# CREATE EXTENSION hll. Sets <fixture>_STATE_DIR in the caller: its file
# "port" holds the port; tests get it via ENVIRONMENT HASHSKETCH_PG_STATE=<dir>.
function(hashsketch_add_postgres_fixture fixture)
  set(label unit)
  if(ARGC GREATER 1)
    set(label ${ARGV1})
  endif()
  find_program(HASHSKETCH_BASH bash REQUIRED)
  set(script ${PROJECT_SOURCE_DIR}/tests/postgres/pg_fixture.sh)
  set(state "${PROJECT_BINARY_DIR}/postgres-fixtures/${fixture}")
  add_test(NAME ${fixture}_start COMMAND ${HASHSKETCH_BASH} ${script} start ${state} ${HASHSKETCH_PG_BINDIR})
  add_test(NAME ${fixture}_stop COMMAND ${HASHSKETCH_BASH} ${script} stop ${state} ${HASHSKETCH_PG_BINDIR})
  set_tests_properties(${fixture}_start PROPERTIES FIXTURES_SETUP ${fixture} LABELS ${label} TIMEOUT 120)
  set_tests_properties(${fixture}_stop PROPERTIES FIXTURES_CLEANUP ${fixture} LABELS ${label} TIMEOUT 60)
  set(${fixture}_STATE_DIR "${state}" PARENT_SCOPE)
endfunction()
