# exact_count_test checks the CLI's exact distinct counter (tools/exact_count.cpp)
# directly, with hashes chosen to hit its corner cases; it compiles that one
# source file into the test (it needs nothing else of the CLI).
target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tools/exact_count.cpp)
target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tools)
