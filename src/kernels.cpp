// The SIMD kernels compiled once (target hashsketch::kernels): TUs that link
// it see HASHSKETCH_EXTERN_KERNELS and include only the light dispatch half
// (include/hashsketch/kernels.hpp explains both modes).
#define HASHSKETCH_KERNELS_IMPLEMENTATION
#include <hashsketch/kernels.hpp>
