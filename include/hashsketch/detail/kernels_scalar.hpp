#ifndef HASHSKETCH_DETAIL_KERNELS_SCALAR_HPP
#define HASHSKETCH_DETAIL_KERNELS_SCALAR_HPP

// The scalar reference kernels. Every SIMD kernel is tested equal to these.

#include <cstddef>
#include <cstdint>

namespace hashsketch {
namespace detail {

/// dst[i] = max(dst[i], src[i]) for i < n.
inline void merge_max_scalar(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) dst[i] = src[i] > dst[i] ? src[i] : dst[i];
}

/// out[i] = max(a[i], b[i]) for i < n.
inline void merge_max_into_scalar(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b,
                                  std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] > b[i] ? a[i] : b[i];
}

/// counts[v] = number of i < n with regs[i] == v, for v < 64 (counts is
/// overwritten). Register values are < 64 in every layout.
inline void register_histogram_scalar(const std::uint8_t* regs, std::size_t n, std::uint32_t* counts) noexcept {
  for (std::size_t v = 0; v < 64; ++v) counts[v] = 0;
  for (std::size_t i = 0; i < n; ++i) ++counts[regs[i] & 63u];
}

/// Histogram of max(a[i], b[i]) without writing the union anywhere.
inline void merge_histogram_scalar(const std::uint8_t* a, const std::uint8_t* b, std::size_t n,
                                   std::uint32_t* counts) noexcept {
  for (std::size_t v = 0; v < 64; ++v) counts[v] = 0;
  for (std::size_t i = 0; i < n; ++i) ++counts[(a[i] > b[i] ? a[i] : b[i]) & 63u];
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_KERNELS_SCALAR_HPP
