# Extras for datasketches_test (included by tests/CMakeLists.txt with ${name} set).
# Compile-fail check: `datasketches_hyperloglog |= hyperloglog` must stop at the
# static_assert of datasketches.hpp, with its message.
add_executable(compile_fail_datasketches_mix EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/datasketches_mix.cpp)
target_link_libraries(compile_fail_datasketches_mix PRIVATE hashsketch::hashsketch)
add_test(NAME compile_fail_datasketches_mix
         COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target compile_fail_datasketches_mix)
set_tests_properties(compile_fail_datasketches_mix PROPERTIES
  LABELS "compile" WILL_FAIL FALSE
  PASS_REGULAR_EXPRESSION "cannot be merged with a sketch of another hasher or register layout")
