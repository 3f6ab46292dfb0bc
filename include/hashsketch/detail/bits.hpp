#ifndef HASHSKETCH_DETAIL_BITS_HPP
#define HASHSKETCH_DETAIL_BITS_HPP

#include <cstdint>

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif

namespace hashsketch {
namespace detail {

/// Leading zeros of a non-zero 64-bit word (undefined for 0: callers guard).
inline unsigned clz64_nonzero(std::uint64_t x) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  return static_cast<unsigned>(__builtin_clzll(x));
#else
  unsigned long idx;
  _BitScanReverse64(&idx, x);
  return 63u - static_cast<unsigned>(idx);
#endif
}

/// Trailing zeros of a non-zero 64-bit word.
inline unsigned ctz64_nonzero(std::uint64_t x) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  return static_cast<unsigned>(__builtin_ctzll(x));
#else
  unsigned long idx;
  _BitScanForward64(&idx, x);
  return static_cast<unsigned>(idx);
#endif
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_BITS_HPP
