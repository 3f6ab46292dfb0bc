# redis_rollup needs hiredis and a redis-server: ctest runs it (instead of the
# plain example test, hence redis_rollup.manual) against a throwaway server
# from a fixture, on a free port passed as "127.0.0.1 <port>" arguments.
include(HashsketchHiredis)
hashsketch_link_hiredis(${name})
if(HASHSKETCH_BUILD_TESTS)
  hashsketch_add_redis_fixture(redis_rollup_server example)
  add_test(NAME example_${name}
           COMMAND hashsketch_redis_fixture exec ${redis_rollup_server_STATE_DIR} $<TARGET_FILE:${name}>)
  set_tests_properties(example_${name} PROPERTIES
    LABELS "example" TIMEOUT 600
    FIXTURES_REQUIRED redis_rollup_server)
endif()
