#ifndef HASHSKETCH_DETAIL_ULL_KERNEL_SETS_HPP
#define HASHSKETCH_DETAIL_ULL_KERNEL_SETS_HPP

// The UltraLogLog SIMD kernels (SSE2, AVX2, AVX-512BW, NEON) and the
// per-ISA tables, apart from detail/ull_kernels.hpp (the register algebra,
// the scalar references and the table type) for the same reason as
// kernel_sets.hpp: only header-only TUs and the one kernels TU
// (HASHSKETCH_KERNELS_IMPLEMENTATION, <hashsketch/kernels.hpp>) compile them,
// so a TU built with HASHSKETCH_EXTERN_KERNELS sees no <immintrin.h>.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dispatch.hpp"
#include "kernels_scalar.hpp"
#include "ull_kernels.hpp"

#if defined(HASHSKETCH_ARCH_X86)
#include <immintrin.h>
#endif
#if defined(HASHSKETCH_ARCH_AARCH64)
#include <arm_neon.h>
#endif

namespace hashsketch {
namespace detail {

#if defined(HASHSKETCH_ARCH_X86)
// Per lane, with SSE2 only (no byte shifts, no byte variable shift):
//   d = (hi >> 2) − (lo >> 2)                     (bytes; ≥ 0 since hi ≥ lo)
//   extra = (d == 0) ? lo & 3 : (d == 1) ? 2 | (lo & 2) >> 1 : (d == 2) ? 1 : 0
// which is (4 | (lo & 3)) >> d & 3 written out for d = 0, 1, 2.
HASHSKETCH_TARGET("sse2")
inline __m128i ull_union_sse2(__m128i a, __m128i b) noexcept {
  const __m128i top = _mm_set1_epi8(static_cast<char>(0xFC));
  const __m128i three = _mm_set1_epi8(3), two = _mm_set1_epi8(2), one = _mm_set1_epi8(1);
  const __m128i hi = _mm_max_epu8(a, b), lo = _mm_min_epu8(a, b);
  // (x >> 2) per byte compared as (x & 0xFC): d = 0/1/2 ⇔ (hi & FC) − (lo & FC) = 0/4/8.
  const __m128i diff = _mm_sub_epi8(_mm_and_si128(hi, top), _mm_and_si128(lo, top));
  const __m128i d0 = _mm_cmpeq_epi8(diff, _mm_setzero_si128());
  const __m128i d1 = _mm_cmpeq_epi8(diff, _mm_set1_epi8(4));
  const __m128i d2 = _mm_cmpeq_epi8(diff, _mm_set1_epi8(8));
  const __m128i lo3 = _mm_and_si128(lo, three);
  // (lo & 2) >> 1 as a 16-bit shift of the masked bytes (no bits cross lanes).
  const __m128i lo_bit1 = _mm_srli_epi16(_mm_and_si128(lo, two), 1);
  __m128i extra = _mm_and_si128(d0, lo3);
  extra = _mm_or_si128(extra, _mm_and_si128(d1, _mm_or_si128(two, lo_bit1)));
  extra = _mm_or_si128(extra, _mm_and_si128(d2, one));
  return _mm_or_si128(hi, extra);
}

HASHSKETCH_TARGET("sse2")
inline void ull_merge_sse2(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(dst + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), ull_union_sse2(a, b));
  }
  ull_merge_scalar(dst + i, src + i, n - i);
}

// AVX2 and AVX-512BW have a byte shuffle, so the three cases become one table
// lookup on one saturating subtraction:
//   index = (hi | 3) − lo = 4·d + 3 − (lo & 3)   (≥ 0: hi ≥ lo; d = 0 … 63)
// which tells d and lo & 3 apart for d ≤ 3; min(index, 15) sends every d ≥ 3
// to the zero entries. ull_extra_table[index] = (4 | (lo & 3)) >> d & 3:
//   index 0–3  (d = 0, lo & 3 = 3 … 0): 3 2 1 0
//   index 4–7  (d = 1, lo & 3 = 3 … 0): 3 3 2 2
//   index 8–11 (d = 2):                 1 1 1 1
//   index 12–15 (d = 3, and d > 3 after the min): 0 0 0 0
// Seven operations a vector (max, min, or, subs, min, shuffle, or) instead
// of HyperLogLog's one max (the earlier kernel took ten).
#define HASHSKETCH_ULL_EXTRA_TABLE_16 3, 2, 1, 0, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0
HASHSKETCH_TARGET("avx2")
inline __m256i ull_union_avx2(__m256i a, __m256i b, __m256i table) noexcept {
  const __m256i hi = _mm256_max_epu8(a, b), lo = _mm256_min_epu8(a, b);
  const __m256i index = _mm256_subs_epu8(_mm256_or_si256(hi, _mm256_set1_epi8(3)), lo);
  const __m256i extra = _mm256_shuffle_epi8(table, _mm256_min_epu8(index, _mm256_set1_epi8(15)));
  return _mm256_or_si256(hi, extra);
}

// Four vectors an iteration, each operand loaded once into a register
// (HASHSKETCH_OPAQUE_VECTOR): g++ 12 otherwise folds the load of one
// operand into both max and min, three 32-byte loads per vector instead of
// two. With 1 KiB–16 KiB of registers in L1 the kernel is bound by its
// seven vector operations and these loads, not by memory: measured on an
// AMD EPYC (Zen 3, AVX2, loaded machine; best of 300 blocks of 2000 calls)
// 5–12 % faster than the two-vector loop with folded loads at P = 12 … 16.
HASHSKETCH_TARGET("avx2")
inline void ull_merge_avx2(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  const __m256i table = _mm256_setr_epi8(HASHSKETCH_ULL_EXTRA_TABLE_16, HASHSKETCH_ULL_EXTRA_TABLE_16);
  std::size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i));
    __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i + 32));
    __m256i a2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i + 64));
    __m256i a3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i + 96));
    __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32));
    __m256i b2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 64));
    __m256i b3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 96));
    HASHSKETCH_OPAQUE_VECTOR(a0);
    HASHSKETCH_OPAQUE_VECTOR(a1);
    HASHSKETCH_OPAQUE_VECTOR(a2);
    HASHSKETCH_OPAQUE_VECTOR(a3);
    HASHSKETCH_OPAQUE_VECTOR(b0);
    HASHSKETCH_OPAQUE_VECTOR(b1);
    HASHSKETCH_OPAQUE_VECTOR(b2);
    HASHSKETCH_OPAQUE_VECTOR(b3);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), ull_union_avx2(a0, b0, table));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 32), ull_union_avx2(a1, b1, table));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 64), ull_union_avx2(a2, b2, table));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 96), ull_union_avx2(a3, b3, table));
  }
  for (; i + 32 <= n; i += 32) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    HASHSKETCH_OPAQUE_VECTOR(a);
    HASHSKETCH_OPAQUE_VECTOR(b);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), ull_union_avx2(a, b, table));
  }
  ull_merge_scalar(dst + i, src + i, n - i);
}

// AVX-512BW: the lookup of the AVX2 kernel on 64 bytes, four vectors an
// iteration (as merge_max_avx512), and a masked tail instead of a scalar one.
HASHSKETCH_TARGET("avx512f,avx512bw")
inline __m512i ull_union_avx512(__m512i a, __m512i b, __m512i table) noexcept {
  const __m512i hi = _mm512_max_epu8(a, b), lo = _mm512_min_epu8(a, b);
  const __m512i index = _mm512_subs_epu8(_mm512_or_si512(hi, _mm512_set1_epi8(3)), lo);
  const __m512i extra = _mm512_shuffle_epi8(table, _mm512_min_epu8(index, _mm512_set1_epi8(15)));
  return _mm512_or_si512(hi, extra);
}

HASHSKETCH_TARGET("avx512f,avx512bw")
inline void ull_merge_avx512(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  alignas(64) static const std::uint8_t extra[64] = {HASHSKETCH_ULL_EXTRA_TABLE_16, HASHSKETCH_ULL_EXTRA_TABLE_16,
                                                     HASHSKETCH_ULL_EXTRA_TABLE_16, HASHSKETCH_ULL_EXTRA_TABLE_16};
  const __m512i table = _mm512_load_si512(extra);
  std::size_t i = 0;
  for (; i + 256 <= n; i += 256) {
    const __m512i u0 = ull_union_avx512(_mm512_loadu_si512(dst + i), _mm512_loadu_si512(src + i), table);
    const __m512i u1 = ull_union_avx512(_mm512_loadu_si512(dst + i + 64), _mm512_loadu_si512(src + i + 64), table);
    const __m512i u2 = ull_union_avx512(_mm512_loadu_si512(dst + i + 128), _mm512_loadu_si512(src + i + 128), table);
    const __m512i u3 = ull_union_avx512(_mm512_loadu_si512(dst + i + 192), _mm512_loadu_si512(src + i + 192), table);
    _mm512_storeu_si512(dst + i, u0);
    _mm512_storeu_si512(dst + i + 64, u1);
    _mm512_storeu_si512(dst + i + 128, u2);
    _mm512_storeu_si512(dst + i + 192, u3);
  }
  for (; i + 64 <= n; i += 64)
    _mm512_storeu_si512(dst + i, ull_union_avx512(_mm512_loadu_si512(dst + i), _mm512_loadu_si512(src + i), table));
  if (i < n) {  // masked tail: no scalar loop, no access past n
    const std::size_t left = n - i;
    const __mmask64 m = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1u;
    const __m512i a = _mm512_maskz_loadu_epi8(m, dst + i), b = _mm512_maskz_loadu_epi8(m, src + i);
    _mm512_mask_storeu_epi8(dst + i, m, ull_union_avx512(a, b, table));
  }
}
#undef HASHSKETCH_ULL_EXTRA_TABLE_16

// The FGRA pass with gathers: 8 register bytes widened to 32-bit indices,
// two 4-double gathers (AVX2) or one 8-double gather (AVX-512) from the
// contribution table into lane accumulators that match the scalar lanes.
// The special bytes are all below 4P + 4 or at least 252 (special[3] + 2 =
// 4P + 4 is the first ordinary byte): a block is counted byte by byte only
// when one of its bytes lies outside [4P + 4, 251], which after the first
// n ≫ m keys almost never happens.
HASHSKETCH_TARGET("avx2,popcnt")
inline ull_pass_result ull_pass_avx2(const std::uint8_t* regs, std::size_t n, const double* contribution,
                                     const std::uint8_t* special) noexcept {
  ull_pass_result out{};
  __m256d acc_lo = _mm256_setzero_pd(), acc_hi = _mm256_setzero_pd();
  const __m256d zero = _mm256_setzero_pd();
  const __m256d all = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
  // Unsigned range test per byte: r − first in [0, 251 − first] ⇔ ordinary.
  const std::uint8_t first = static_cast<std::uint8_t>(special[3] + 2);
  const __m256i bias = _mm256_set1_epi8(static_cast<char>(first));
  const __m256i span = _mm256_set1_epi8(static_cast<char>(251 - first));
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(regs + i));
    const __m256i off = _mm256_sub_epi8(v, bias);
    const __m256i ordinary = _mm256_cmpeq_epi8(_mm256_min_epu8(off, span), off);
    if (_mm256_movemask_epi8(ordinary) != -1)
      for (int k = 0; k < 8; ++k) {
        const __m256i eq = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(static_cast<char>(special[k])));
        out.counts[k] += static_cast<std::uint32_t>(
            __builtin_popcount(static_cast<unsigned>(_mm256_movemask_epi8(eq))));
      }
    for (std::size_t j = 0; j < 32; j += 8) {
      const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(regs + i + j));
      const __m256i idx = _mm256_cvtepu8_epi32(bytes);
      // The masked form with a zero source: the unmasked intrinsic starts
      // from _mm256_undefined_pd(), which g++ 12 flags as uninitialised.
      acc_lo = _mm256_add_pd(acc_lo, _mm256_mask_i32gather_pd(zero, contribution, _mm256_castsi256_si128(idx), all, 8));
      acc_hi = _mm256_add_pd(acc_hi,
                             _mm256_mask_i32gather_pd(zero, contribution, _mm256_extracti128_si256(idx, 1), all, 8));
    }
  }
  alignas(32) double lanes[8];
  _mm256_store_pd(lanes, acc_lo);
  _mm256_store_pd(lanes + 4, acc_hi);
  ull_pass_tail(regs, i, n, contribution, special, lanes, out.counts);
  out.sum = ull_pass_reduce(lanes);
  return out;
}

HASHSKETCH_TARGET("avx512f,avx512bw,popcnt")
inline ull_pass_result ull_pass_avx512(const std::uint8_t* regs, std::size_t n, const double* contribution,
                                       const std::uint8_t* special) noexcept {
  ull_pass_result out{};
  __m512d acc = _mm512_setzero_pd();
  const __m512d zero = _mm512_setzero_pd();  // masked gather: see ull_pass_avx2
  const std::uint8_t first = static_cast<std::uint8_t>(special[3] + 2);
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(first));
  const __m512i span = _mm512_set1_epi8(static_cast<char>(251 - first));
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i v = _mm512_loadu_si512(regs + i);
    if (_mm512_cmpgt_epu8_mask(_mm512_sub_epi8(v, bias), span) != 0)
      for (int k = 0; k < 8; ++k)
        out.counts[k] += static_cast<std::uint32_t>(__builtin_popcountll(
            _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(static_cast<char>(special[k])))));
    for (std::size_t j = 0; j < 64; j += 8) {
      const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(regs + i + j));
      const __m256i idx = _mm256_cvtepu8_epi32(bytes);
      acc = _mm512_add_pd(acc, _mm512_mask_i32gather_pd(zero, 0xFF, idx, contribution, 8));
    }
  }
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, acc);
  ull_pass_tail(regs, i, n, contribution, special, lanes, out.counts);
  out.sum = ull_pass_reduce(lanes);
  return out;
}
#endif  // HASHSKETCH_ARCH_X86

#if defined(HASHSKETCH_ARCH_AARCH64)
// NEON: the lookup of the AVX2 kernel; vqtbl1q_u8 already returns 0 for an
// index ≥ 16 (every d ≥ 4), so no min is needed: six operations a vector.
inline void ull_merge_neon(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  static const std::uint8_t extra[16] = {3, 2, 1, 0, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0};
  const uint8x16_t table = vld1q_u8(extra);
  const uint8x16_t three = vdupq_n_u8(3);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint8x16_t a = vld1q_u8(dst + i), b = vld1q_u8(src + i);
    const uint8x16_t hi = vmaxq_u8(a, b), lo = vminq_u8(a, b);
    const uint8x16_t index = vqsubq_u8(vorrq_u8(hi, three), lo);
    vst1q_u8(dst + i, vorrq_u8(hi, vqtbl1q_u8(table, index)));
  }
  ull_merge_scalar(dst + i, src + i, n - i);
}
#endif  // HASHSKETCH_ARCH_AARCH64

/// Declared and documented in ull_kernels.hpp (tests compare each set with
/// the scalar one).
HASHSKETCH_KERNELS_API const ull_kernel_table* ull_kernels_for(const char* name) noexcept {
  static const ull_kernel_table scalar{"scalar", &ull_merge_scalar, &ull_histogram_scalar, &ull_pass_scalar, false};
  if (std::strcmp(name, "scalar") == 0) return &scalar;
#if defined(HASHSKETCH_ARCH_X86)
  static const ull_kernel_table sse2{"sse2", &ull_merge_sse2, &ull_histogram_scalar, &ull_pass_scalar, false};
  static const ull_kernel_table avx2{"avx2", &ull_merge_avx2, &ull_histogram_scalar, &ull_pass_avx2, true};
  static const ull_kernel_table avx512{"avx512", &ull_merge_avx512, &ull_histogram_scalar, &ull_pass_avx512, true};
  if (std::strcmp(name, "sse2") == 0) return &sse2;
  if (std::strcmp(name, "avx2") == 0) return x86_has("avx2") ? &avx2 : nullptr;
  if (std::strcmp(name, "avx512") == 0) return x86_has("avx512bw") ? &avx512 : nullptr;
#endif
#if defined(HASHSKETCH_ARCH_AARCH64)
  static const ull_kernel_table neon{"neon", &ull_merge_neon, &ull_histogram_scalar, &ull_pass_scalar, false};
  if (std::strcmp(name, "neon") == 0) return &neon;
#endif
  return nullptr;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_ULL_KERNEL_SETS_HPP
