# bench/memory.cpp (issue 14, docs/memory.md) is a standalone program that
# prints the memory / serialised-size table and writes docs/memory.svg, not a
# Google Benchmark: defined once here (this snippet is included once per
# benchmark binary).
if(NOT TARGET memory)
  add_executable(memory ${CMAKE_CURRENT_SOURCE_DIR}/memory.cpp)
  hashsketch_target_defaults(memory)
endif()
