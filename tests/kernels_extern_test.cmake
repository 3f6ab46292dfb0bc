# Built against the compiled kernels instead of the header-only ones.
target_link_libraries(${name} PRIVATE hashsketch::kernels)
