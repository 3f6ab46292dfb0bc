# postgres_rollup needs libpq and a PostgreSQL server with the hll extension:
# ctest runs it (instead of the plain example test, hence
# postgres_rollup.manual) against a throwaway server from a fixture, its port
# in HASHSKETCH_PG_PORT.
include(HashsketchPostgres)
hashsketch_link_libpq(${name})
if(HASHSKETCH_BUILD_TESTS)
  hashsketch_add_postgres_fixture(postgres_rollup_server example)
  add_test(NAME example_${name}
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/postgres/pg_fixture.sh exec ${postgres_rollup_server_STATE_DIR}
                   $<TARGET_FILE:${name}>)
  set_tests_properties(example_${name} PROPERTIES
    LABELS "example" TIMEOUT 600
    FIXTURES_REQUIRED postgres_rollup_server)
endif()
