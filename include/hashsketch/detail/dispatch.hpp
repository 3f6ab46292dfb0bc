#ifndef HASHSKETCH_DETAIL_DISPATCH_HPP
#define HASHSKETCH_DETAIL_DISPATCH_HPP

// One dispatch point for the register kernels: a table of function pointers
// chosen once per process. (The kernels issue adds the SIMD sets; until then
// this table holds the scalar reference.)

#include <cstddef>
#include <cstdint>

#include "kernels_scalar.hpp"

namespace hashsketch {
namespace detail {

struct kernel_table {
  const char* isa;
  void (*merge_max)(std::uint8_t*, const std::uint8_t*, std::size_t) noexcept;
  void (*merge_max_into)(std::uint8_t*, const std::uint8_t*, const std::uint8_t*, std::size_t) noexcept;
  void (*register_histogram)(const std::uint8_t*, std::size_t, std::uint32_t*) noexcept;
  void (*merge_histogram)(const std::uint8_t*, const std::uint8_t*, std::size_t, std::uint32_t*) noexcept;
};

inline const kernel_table& kernels() noexcept {
  static const kernel_table table{"scalar", &merge_max_scalar, &merge_max_into_scalar, &register_histogram_scalar,
                                  &merge_histogram_scalar};
  return table;
}

}  // namespace detail

/// Name of the kernel set in use ("scalar", "sse2", "avx2", "avx512", "neon").
inline const char* active_isa() noexcept { return detail::kernels().isa; }

}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_DISPATCH_HPP
