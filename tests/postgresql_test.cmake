# postgresql_test reads the extension's reference data, kept gzip-compressed
# in tests/data/postgresql-hll: zlib is linked into this test only.
find_package(ZLIB REQUIRED)
target_link_libraries(${name} PRIVATE ZLIB::ZLIB)

# Compile-fail checks: an unsigned key does not convert to a SQL type, and
# regwidth 8 is rejected by the static_assert of postgres_addressing.
foreach(bad IN ITEMS 1 2)
  add_executable(compile_fail_postgres_key_${bad} EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/postgres_key.cpp)
  target_compile_definitions(compile_fail_postgres_key_${bad} PRIVATE HASHSKETCH_BAD=${bad})
  target_link_libraries(compile_fail_postgres_key_${bad} PRIVATE hashsketch::hashsketch)
  add_test(NAME compile_fail_postgres_key_${bad}
           COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target compile_fail_postgres_key_${bad})
endforeach()
set_tests_properties(compile_fail_postgres_key_1 PROPERTIES LABELS "compile" PASS_REGULAR_EXPRESSION "deleted")
set_tests_properties(compile_fail_postgres_key_2 PROPERTIES LABELS "compile"
  PASS_REGULAR_EXPRESSION "regwidth must be in 1\\.\\.7")
