#ifndef HASHSKETCH_KERNELS_HPP
#define HASHSKETCH_KERNELS_HPP

// The SIMD kernels compiled once instead of in every translation unit.
//
// Header-only use needs nothing from this header: every sketch header brings
// the kernels with it. That costs each TU that includes a sketch header
// about 1.5-2 s of g++ time (<immintrin.h> and every kernel set; then the
// sparse state's flush, merge and code). To pay it once per program instead:
//
//   1. define HASHSKETCH_EXTERN_KERNELS for every TU of the program (e.g.
//      -DHASHSKETCH_EXTERN_KERNELS), and
//   2. in exactly one .cpp file:
//        #define HASHSKETCH_KERNELS_IMPLEMENTATION
//        #include <hashsketch/kernels.hpp>
//
// With CMake, linking hashsketch::kernels (a small static library built from
// src/kernels.cpp, only in a build tree that add_subdirectory()s or
// FetchContent()s hashsketch) does both. Behaviour is identical either way;
// docs/performance.md ("Compile time") has the measured cost.

#include "detail/kernel_sets.hpp"
#include "detail/ull_kernel_sets.hpp"
#include "detail/kernel_table.hpp"

#if defined(HASHSKETCH_KERNELS_IMPLEMENTATION)
// The sparse state's stores of the default allocator, which
// HASHSKETCH_EXTERN_KERNELS TUs declare extern (detail/token_store.hpp).
#include "detail/token_store.hpp"

namespace hashsketch {
namespace detail {
template class token_store<std::allocator<std::uint8_t>, false>;
template class token_store<std::allocator<std::uint8_t>, true>;
}  // namespace detail
}  // namespace hashsketch
#endif

#endif  // HASHSKETCH_KERNELS_HPP
