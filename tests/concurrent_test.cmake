# Extras for concurrent_test (included by tests/CMakeLists.txt with ${name} set).
# Label "concurrency" as well as "unit": the ThreadSanitizer stage runs
# `ctest -L concurrency` in a -DHASHSKETCH_SANITIZE=thread build.
find_package(Threads REQUIRED)
target_link_libraries(${name} PRIVATE Threads::Threads)
set_tests_properties(${name} PROPERTIES LABELS "unit;concurrency")
