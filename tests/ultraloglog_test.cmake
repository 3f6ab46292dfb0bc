# Extras for ultraloglog_test (included by tests/CMakeLists.txt with ${name} set).
# hash4j's estimates are compared to 1e-10 relative and its martingale bit for
# bit: no fused multiply-adds where Java has none (matters where the target
# has FMA, e.g. aarch64 or -march=native).
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(${name} PRIVATE -ffp-contract=off)
endif()
