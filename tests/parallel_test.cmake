# Extras for parallel_test (included by tests/CMakeLists.txt with ${name} set).
# parallel_add starts std::threads, so it belongs in the ThreadSanitizer stage
# (`ctest -L concurrency`) as well as in the unit suite.
find_package(Threads REQUIRED)
target_link_libraries(${name} PRIVATE Threads::Threads)
set_tests_properties(${name} PROPERTIES LABELS "unit;concurrency")
