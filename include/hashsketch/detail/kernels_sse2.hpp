#ifndef HASHSKETCH_DETAIL_KERNELS_SSE2_HPP
#define HASHSKETCH_DETAIL_KERNELS_SSE2_HPP

// SSE2 kernels (every x86-64 CPU has them): 16-byte unsigned max for merge.
// The histogram and stats use the split-counter scalar loop (SSE2 has no byte
// shuffle to vectorise them with), hashing the scalar XXH3 formula. Compiles
// to nothing off x86.

#include "kernels_scalar.hpp"

#if defined(HASHSKETCH_ARCH_X86)
#include <emmintrin.h>

namespace hashsketch {
namespace detail {

HASHSKETCH_TARGET("sse2")
inline void merge_max_sse2(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    // Four independent 16-byte lanes per iteration keep both load ports busy.
    __m128i d0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(dst + i));
    __m128i d1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(dst + i + 16));
    __m128i d2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(dst + i + 32));
    __m128i d3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(dst + i + 48));
    d0 = _mm_max_epu8(d0, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
    d1 = _mm_max_epu8(d1, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 16)));
    d2 = _mm_max_epu8(d2, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 32)));
    d3 = _mm_max_epu8(d3, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 48)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), d0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 16), d1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 32), d2);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 48), d3);
  }
  for (; i + 16 <= n; i += 16) {
    const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(dst + i));
    const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_max_epu8(d, s));
  }
  merge_max_scalar(dst + i, src + i, n - i);
}

HASHSKETCH_TARGET("sse2")
inline void merge_max_into_sse2(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b,
                                std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i));
    const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i + 16));
    const __m128i y0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
    const __m128i y1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i + 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_max_epu8(x0, y0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i + 16), _mm_max_epu8(x1, y1));
  }
  merge_max_into_scalar(out + i, a + i, b + i, n - i);
}

/// Histogram of max(a, b): the union is formed 1 KiB at a time in a stack
/// buffer (L1-resident) and counted there; it is never written back.
HASHSKETCH_TARGET("sse2")
inline void merge_histogram_sse2(const std::uint8_t* a, const std::uint8_t* b, std::size_t n,
                                 std::uint32_t* counts) noexcept {
  for (std::size_t v = 0; v < 64; ++v) counts[v] = 0;
  alignas(64) std::uint8_t chunk[1024];
  for (std::size_t i = 0; i < n; i += sizeof chunk) {
    const std::size_t len = n - i < sizeof chunk ? n - i : sizeof chunk;
    merge_max_into_sse2(chunk, a + i, b + i, len);
    accumulate_histogram_split(chunk, len, counts);
  }
}

inline void register_stats_sse2(const std::uint8_t* regs, std::size_t n, unsigned q, register_stats* out) noexcept {
  register_histogram h;
  register_histogram_split(regs, n, h.data());
  *out = stats_of(h, q);
}

inline void merge_stats_sse2(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                             register_stats* out) noexcept {
  register_histogram h;
  merge_histogram_sse2(a, b, n, h.data());
  *out = stats_of(h, q);
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_ARCH_X86
#endif  // HASHSKETCH_DETAIL_KERNELS_SSE2_HPP
