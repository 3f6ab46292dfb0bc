# Extras for key_types_test (included by tests/CMakeLists.txt with ${name} set).
# Compile-fail checks: each must NOT compile, and must fail for the stated reason.
#  - add(keys.data(), keys.size()) with std::uint64_t keys: one n-byte key instead
#    of n keys (issue 13 item 3); stopped by the static_assert of basic_sketch::add.
#  - the same mistake through time_window::add(t, pointer, size).
#  - add(double) on a sketch whose hasher has no floating rule: deleted.
foreach(check IN ITEMS pointer window_pointer double)
  add_executable(compile_fail_add_${check} EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/add_misuse.cpp)
  string(TOUPPER ${check} upper)
  target_compile_definitions(compile_fail_add_${check} PRIVATE HASHSKETCH_MISUSE_${upper}=1)
  target_link_libraries(compile_fail_add_${check} PRIVATE hashsketch::hashsketch)
  add_test(NAME compile_fail_add_${check}
           COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target compile_fail_add_${check})
endforeach()
set_tests_properties(compile_fail_add_pointer PROPERTIES LABELS "compile"
  PASS_REGULAR_EXPRESSION "hashes size bytes as ONE key")
set_tests_properties(compile_fail_add_window_pointer PROPERTIES LABELS "compile"
  PASS_REGULAR_EXPRESSION "time_window::add\\(t, pointer, size\\) hashes size bytes as ONE key")
set_tests_properties(compile_fail_add_double PROPERTIES LABELS "compile"
  PASS_REGULAR_EXPRESSION "deleted")
