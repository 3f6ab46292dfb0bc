# Extra programs beside bin/hashsketch (included by tools/CMakeLists.txt).

# The demo's data generator: a realistic web-analytics log (scripts/demo.sh,
# tests/tools_test.cpp). Deterministic for a seed on every platform.
add_executable(hashsketch_gen_weblog ${CMAKE_CURRENT_SOURCE_DIR}/gen/gen_weblog.cpp)
hashsketch_target_defaults(hashsketch_gen_weblog)

# count and sample scan regular files on several threads (tools/parallel_scan.hpp).
find_package(Threads REQUIRED)
target_link_libraries(hashsketch_cli PRIVATE Threads::Threads)
