# redis_server_test talks to a real redis-server started by a ctest fixture
# (cmake/HashsketchHiredis.cmake): free port on 127.0.0.1, persistence off,
# temporary directory. A missing server or client is a failure, not a skip.
include(HashsketchHiredis)
hashsketch_link_hiredis(${name})
hashsketch_add_redis_fixture(redis_server)
set_tests_properties(${name} PROPERTIES
  FIXTURES_REQUIRED redis_server
  ENVIRONMENT "HASHSKETCH_REDIS_STATE=${redis_server_STATE_DIR}")
