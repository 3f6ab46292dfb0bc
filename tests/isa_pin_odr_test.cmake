# The unpinned TU beside the pinned test TU, linked in both orders.
target_sources(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/support/isa_unpinned_tu.cpp)
add_executable(${name}_reversed ${CMAKE_CURRENT_SOURCE_DIR}/support/isa_unpinned_tu.cpp ${src})
hashsketch_target_defaults(${name}_reversed)
target_link_libraries(${name}_reversed PRIVATE hashsketch_test_main)
add_test(NAME ${name}_reversed COMMAND ${name}_reversed)
set_tests_properties(${name}_reversed PROPERTIES LABELS "unit" TIMEOUT 600)
