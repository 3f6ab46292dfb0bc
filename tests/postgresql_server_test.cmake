# postgresql_server_test talks to a real PostgreSQL server with the hll
# extension, started by a ctest fixture (cmake/HashsketchPostgres.cmake): a
# temporary initdb directory, a free port on 127.0.0.1, a private socket
# directory. A missing server, extension or libpq is a failure, not a skip.
include(HashsketchPostgres)
hashsketch_link_libpq(${name})
hashsketch_add_postgres_fixture(postgres_server)
set_tests_properties(${name} PROPERTIES
  FIXTURES_REQUIRED postgres_server
  ENVIRONMENT "HASHSKETCH_PG_STATE=${postgres_server_STATE_DIR}")
