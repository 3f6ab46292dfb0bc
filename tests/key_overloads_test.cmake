# Extras for key_overloads_test (included by tests/CMakeLists.txt with ${name} set).
# Compile-fail checks: each must NOT compile, and must fail for the stated reason.
#  - (keys.data(), keys.size()) with std::uint64_t keys on ultraloglog,
#    martingale, postgres_hyperloglog, concurrent_hyperloglog, hash_sampler::selects and
#    hash_partitioner::bucket: one n-byte key instead of n keys (issue 13 item
#    3); stopped by detail::reject_non_byte_pointer's static_assert.
#  - a double key on ultraloglog, postgres_hyperloglog, concurrent_hyperloglog, hash_sampler::selects
#    and time_window::add(t, key): deleted (it used to convert to an integer).
set(key_overload_checks ull_pointer martingale_pointer postgres_pointer sampler_pointer partitioner_pointer
    concurrent_pointer ull_double postgres_double sampler_double window_double concurrent_double)
foreach(check IN LISTS key_overload_checks)
  add_executable(compile_fail_key_${check} EXCLUDE_FROM_ALL
                 ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/key_overloads_misuse.cpp)
  string(TOUPPER ${check} upper)
  target_compile_definitions(compile_fail_key_${check} PRIVATE HASHSKETCH_MISUSE_${upper}=1)
  target_link_libraries(compile_fail_key_${check} PRIVATE hashsketch::hashsketch)
  add_test(NAME compile_fail_key_${check}
           COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target compile_fail_key_${check})
  if(check MATCHES "_pointer$")
    set_tests_properties(compile_fail_key_${check} PROPERTIES LABELS "compile"
      PASS_REGULAR_EXPRESSION "hashes size bytes as ONE key")
  else()
    set_tests_properties(compile_fail_key_${check} PROPERTIES LABELS "compile"
      PASS_REGULAR_EXPRESSION "deleted")
  endif()
endforeach()
# Control: the same file with no misuse selected compiles (so the checks
# above fail for their misuse, not for a broken file).
add_executable(compile_key_overloads_control EXCLUDE_FROM_ALL
               ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/key_overloads_misuse.cpp)
target_link_libraries(compile_key_overloads_control PRIVATE hashsketch::hashsketch)
add_test(NAME compile_key_overloads_control
         COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target compile_key_overloads_control)
set_tests_properties(compile_key_overloads_control PROPERTIES LABELS "compile")
