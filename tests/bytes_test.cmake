# Extras for bytes_test (included by tests/CMakeLists.txt with ${name} set).
# bytes_codegen: a TU compiled at -O2 (the users' usual flag, whatever this
# build's type) whose probe functions must be straight-line machine code: the
# little-endian helpers one instruction, xxh3_hasher(uint64) and
# murmur64a of a uint64 key without a byte-store loop (issue 16). x86-64
# g++/clang only; objdump from binutils.
find_program(HASHSKETCH_OBJDUMP NAMES objdump)
if(HASHSKETCH_OBJDUMP AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang"
   AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$" AND NOT HASHSKETCH_SANITIZE)
  add_library(bytes_codegen_probe OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/codegen/bytes_probe.cpp)
  target_link_libraries(bytes_codegen_probe PRIVATE hashsketch::hashsketch)
  # After the build type's flags on the command line, so -O2 is what counts.
  target_compile_options(bytes_codegen_probe PRIVATE -O2 -Wall -Wextra -Wpedantic -Wshadow -Werror)
  add_test(NAME bytes_codegen
           COMMAND ${CMAKE_COMMAND} -DOBJDUMP=${HASHSKETCH_OBJDUMP} -DOBJECT=$<TARGET_OBJECTS:bytes_codegen_probe>
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/check_codegen.cmake)
  set_tests_properties(bytes_codegen PROPERTIES LABELS "unit")
endif()
