# Extras for ultraloglog_test (included by tests/CMakeLists.txt with ${name} set).
# hash4j's estimates are compared to 1e-10 relative and its martingale bit for
# bit: no fused multiply-adds where Java has none (matters where the target
# has FMA, e.g. aarch64 or -march=native).
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(${name} PRIVATE -ffp-contract=off)
endif()

# Compile-fail checks: ultraloglog<3> and ultraloglog<17> stop at the
# static_assert, with its message.
foreach(p IN ITEMS 3 17)
  add_executable(compile_fail_ultraloglog_precision_${p} EXCLUDE_FROM_ALL
                 ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/ultraloglog_precision.cpp)
  target_compile_definitions(compile_fail_ultraloglog_precision_${p} PRIVATE HASHSKETCH_BAD_P=${p})
  target_link_libraries(compile_fail_ultraloglog_precision_${p} PRIVATE hashsketch::hashsketch)
  add_test(NAME compile_fail_ultraloglog_precision_${p}
           COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target compile_fail_ultraloglog_precision_${p})
  set_tests_properties(compile_fail_ultraloglog_precision_${p} PROPERTIES
    LABELS "compile" PASS_REGULAR_EXPRESSION "precision P must be in 4\\.\\.16")
endforeach()

# ultraloglog::add_hash is noexcept: an allocation failure of the sparse state
# inside it must end in std::terminate (tests/ull_oom_probe.cpp), not return.
add_executable(ull_oom_probe ${CMAKE_CURRENT_SOURCE_DIR}/ull_oom_probe.cpp)
hashsketch_target_defaults(ull_oom_probe)
target_link_libraries(ull_oom_probe PRIVATE hashsketch::hashsketch)
add_test(NAME ull_oom_probe COMMAND ull_oom_probe)
set_tests_properties(ull_oom_probe PROPERTIES LABELS "unit"
  PASS_REGULAR_EXPRESSION "std::terminate on allocation failure inside noexcept add_hash")
