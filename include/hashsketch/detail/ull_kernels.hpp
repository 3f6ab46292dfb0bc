#ifndef HASHSKETCH_DETAIL_ULL_KERNELS_HPP
#define HASHSKETCH_DETAIL_ULL_KERNELS_HPP

// UltraLogLog register kernels: the union of two registers, one scalar
// reference and one SIMD kernel per instruction set (SSE2, AVX2, AVX-512BW,
// NEON), each tested equal to the scalar one (tests/ultraloglog_test.cpp);
// the register histogram; the FGRA register pass (the estimate after a
// merge: gathers on AVX2/AVX-512, bit-equal sums in every set).
// The set in use follows the main kernel table (detail/dispatch.hpp), so
// HASHSKETCH_FORCE_ISA / HASHSKETCH_PIN_ISA choose these too.
//
// The register byte (hash4j's stored encoding, see ultraloglog.hpp) is
// r = 4·t + h: t = the highest set bit of the register's "hash prefix" (the
// set of bits t = rank + P − 2 of every hash it saw), h = whether bits t − 1
// (h & 2) and t − 2 (h & 1) are set too; r = 0 is the empty register.
//
// Why the union needs no 64-bit prefix: OR-ing two prefixes keeps the larger
// top bit t_hi = max(t_a, t_b); the smaller register contributes its three
// known bits w = 4 | (h_lo) at positions t_lo, t_lo − 1, t_lo − 2, i.e. at
// offsets d = t_hi − t_lo below t_hi. Shifted into the two history positions
// of the result they are (w >> d) & 3, which is 0 for d ≥ 3. So
//   union(a, b) = hi | ((4 | (lo & 3)) >> d & 3),  hi = max(a, b), lo = min(a, b),
// with d = (hi >> 2) − (lo >> 2). An empty lo (0) gives d = t_hi ≥ P − 1 ≥ 3
// and therefore adds nothing; two empty registers give 0. Unlike HyperLogLog's
// byte max this is not monotone in the byte, hence its own kernel.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dispatch.hpp"
#include "kernels_scalar.hpp"

#if defined(HASHSKETCH_ARCH_X86)
#include <immintrin.h>
#endif
#if defined(HASHSKETCH_ARCH_AARCH64)
#include <arm_neon.h>
#endif

namespace hashsketch {
namespace detail {

/// The union of two UltraLogLog register bytes (see the top of this file).
constexpr std::uint8_t ull_union_byte(std::uint8_t a, std::uint8_t b) noexcept {
  const unsigned hi = a > b ? a : b;
  const unsigned lo = a > b ? b : a;
  const unsigned d = (hi >> 2) - (lo >> 2);
  const unsigned extra = d < 3u ? ((4u | (lo & 3u)) >> d) & 3u : 0u;
  return static_cast<std::uint8_t>(hi | extra);
}

/// For each register byte r, the 64-bit mask over prefix bits t of the
/// hashes that change it: the bits above its top t_r = r >> 2, and t_r − 1 /
/// t_r − 2 where that history bit is not set yet (~r & 3: bit 1 for t_r − 1,
/// bit 0 for t_r − 2, shifted up to t_r − 2). An empty register (r = 0,
/// t_r = 0) has no history: every t ≥ 1 changes it. Does not
/// depend on P (t = rank + P − 2 does). 2 KiB; ultraloglog::update reads one
/// entry per add.
struct ull_change_mask_table {
  std::uint64_t mask[256];
};
constexpr ull_change_mask_table make_ull_change_masks() noexcept {
  ull_change_mask_table t{};
  for (unsigned r = 0; r < 256; ++r) {
    const unsigned top = r >> 2;
    const std::uint64_t above = ~std::uint64_t{1} << top;
    // Shift up by top − 2, not up by top then down by 2: at top = 63 that
    // would drop the t − 1 bit off the top of the word.
    const std::uint64_t missing = top >= 2 ? static_cast<std::uint64_t>(~r & 3u) << (top - 2) : 0;
    t.mask[r] = above | missing;
  }
  return t;
}
inline constexpr ull_change_mask_table ull_change_mask_values = make_ull_change_masks();
inline constexpr const std::uint64_t* ull_change_masks = ull_change_mask_values.mask;

/// dst[i] = union(dst[i], src[i]) for i < n. The scalar reference.
inline void ull_merge_scalar(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) dst[i] = ull_union_byte(dst[i], src[i]);
}

/// counts[v] = number of i < n with regs[i] == v, for v < 256 (overwritten).
/// Four split tables break the store-to-load chain through one counter.
inline void ull_histogram_scalar(const std::uint8_t* regs, std::size_t n, std::uint32_t* counts) noexcept {
  std::uint32_t c[4][256] = {};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    ++c[0][regs[i]];
    ++c[1][regs[i + 1]];
    ++c[2][regs[i + 2]];
    ++c[3][regs[i + 3]];
  }
  for (; i < n; ++i) ++c[0][regs[i]];
  for (std::size_t v = 0; v < 256; ++v) counts[v] = c[0][v] + c[1][v] + c[2][v] + c[3][v];
}

/// The FGRA register pass (the estimate right after a merge, when no
/// histogram is current): Σ_i contribution[regs[i]] and the counts of the
/// bytes the estimator treats apart (the small- and large-range registers).
///   contribution: 256 doubles, η_h·2^(−τu) for an ordinary byte, 0 for the
///                 special ones (ultraloglog<P>::pass_table()).
///   special:      the 8 byte values counted apart (0, 4P − 4, 4P, 4P + 2,
///                 252 … 255); counts[k] = number of i with regs[i] == special[k].
/// The sum is kept in 8 lanes, lane j holding the registers i ≡ j (mod 8) in
/// index order, and the lanes are added as ((l0 + l1) + (l2 + l3)) + ((l4 +
/// l5) + (l6 + l7)): every instruction set adds the same doubles in the same
/// order, so all return the same bits (tested).
struct ull_pass_result {
  double sum;
  std::uint32_t counts[8];
};
inline double ull_pass_reduce(const double* l) noexcept {
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}
/// Adds regs[i] for i in [from, n) into lanes and counts (the scalar body,
/// also the SIMD kernels' tail: `from` is a multiple of 8, so lane i & 7 is
/// the lane the SIMD body would have used).
inline void ull_pass_tail(const std::uint8_t* regs, std::size_t from, std::size_t n, const double* contribution,
                          const std::uint8_t* special, double* lanes, std::uint32_t* counts) noexcept {
  // Local lanes: `contribution` may alias `lanes` as far as the compiler
  // knows, which would keep them in memory (a store and a reload per add).
  double l[8];
  for (int j = 0; j < 8; ++j) l[j] = lanes[j];
  bool any_special = false;
  std::size_t i = from;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) {
      const double c = contribution[regs[i + static_cast<std::size_t>(j)]];
      l[j] += c;
      // Every ordinary byte contributes > 0 (η_h·2^(−τu) ≥ 10^−15): a zero
      // entry is a special byte, counted below.
      any_special |= c == 0.0;
    }
  }
  for (std::size_t k = i; k < n; ++k) {
    const double c = contribution[regs[k]];
    l[k & 7] += c;
    any_special |= c == 0.0;
  }
  for (int j = 0; j < 8; ++j) lanes[j] = l[j];
  if (any_special)
    for (std::size_t k = from; k < n; ++k)
      if (contribution[regs[k]] == 0.0)
        for (int c = 0; c < 8; ++c) counts[c] += regs[k] == special[c];
}
/// The scalar reference.
inline ull_pass_result ull_pass_scalar(const std::uint8_t* regs, std::size_t n, const double* contribution,
                                       const std::uint8_t* special) noexcept {
  double lanes[8] = {};
  ull_pass_result out{};
  ull_pass_tail(regs, 0, n, contribution, special, lanes, out.counts);
  out.sum = ull_pass_reduce(lanes);
  return out;
}

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
// lookup: index = 4·min(d, 3) + (lo & 3) (4·d is (hi & FC) − (lo & FC)), and
// ull_extra_table[index] = (4 | (lo & 3)) >> d & 3.
//   d = 0: 0 1 2 3   d = 1: 2 2 3 3   d = 2: 1 1 1 1   d ≥ 3: 0 0 0 0
HASHSKETCH_TARGET("avx2")
inline __m256i ull_union_avx2(__m256i a, __m256i b) noexcept {
  const __m256i table = _mm256_setr_epi8(0, 1, 2, 3, 2, 2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0,  //
                                         0, 1, 2, 3, 2, 2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0);
  const __m256i top = _mm256_set1_epi8(static_cast<char>(0xFC));
  const __m256i hi = _mm256_max_epu8(a, b), lo = _mm256_min_epu8(a, b);
  const __m256i lo_top = _mm256_and_si256(lo, top);
  const __m256i four_d = _mm256_sub_epi8(_mm256_and_si256(hi, top), lo_top);
  const __m256i index = _mm256_or_si256(_mm256_min_epu8(four_d, _mm256_set1_epi8(12)), _mm256_xor_si256(lo, lo_top));
  return _mm256_or_si256(hi, _mm256_shuffle_epi8(table, index));
}

HASHSKETCH_TARGET("avx2")
inline void ull_merge_avx2(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i));
    const __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i + 32));
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), ull_union_avx2(a0, b0));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 32), ull_union_avx2(a1, b1));
  }
  for (; i + 32 <= n; i += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), ull_union_avx2(a, b));
  }
  ull_merge_scalar(dst + i, src + i, n - i);
}

// AVX-512BW: the table lookup of the AVX2 kernel on 64 bytes.
HASHSKETCH_TARGET("avx512f,avx512bw")
inline void ull_merge_avx512(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  alignas(64) static const std::uint8_t extra[64] = {0, 1, 2, 3, 2, 2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0,  //
                                                     0, 1, 2, 3, 2, 2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0,  //
                                                     0, 1, 2, 3, 2, 2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0,  //
                                                     0, 1, 2, 3, 2, 2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0};
  const __m512i table = _mm512_loadu_si512(extra);
  const __m512i top = _mm512_set1_epi8(static_cast<char>(0xFC)), twelve = _mm512_set1_epi8(12);
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i a = _mm512_loadu_si512(dst + i);
    const __m512i b = _mm512_loadu_si512(src + i);
    const __m512i hi = _mm512_max_epu8(a, b), lo = _mm512_min_epu8(a, b);
    const __m512i lo_top = _mm512_and_si512(lo, top);
    const __m512i four_d = _mm512_sub_epi8(_mm512_and_si512(hi, top), lo_top);
    const __m512i index = _mm512_or_si512(_mm512_min_epu8(four_d, twelve), _mm512_xor_si512(lo, lo_top));
    _mm512_storeu_si512(dst + i, _mm512_or_si512(hi, _mm512_shuffle_epi8(table, index)));
  }
  ull_merge_avx2(dst + i, src + i, n - i);
}

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
// NEON: the table lookup of the AVX2 kernel (vqtbl1q_u8).
inline void ull_merge_neon(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  static const std::uint8_t extra[16] = {0, 1, 2, 3, 2, 2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0};
  const uint8x16_t table = vld1q_u8(extra);
  const uint8x16_t top = vdupq_n_u8(0xFC), twelve = vdupq_n_u8(12);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint8x16_t a = vld1q_u8(dst + i), b = vld1q_u8(src + i);
    const uint8x16_t hi = vmaxq_u8(a, b), lo = vminq_u8(a, b);
    const uint8x16_t lo_top = vandq_u8(lo, top);
    const uint8x16_t four_d = vsubq_u8(vandq_u8(hi, top), lo_top);
    const uint8x16_t index = vorrq_u8(vminq_u8(four_d, twelve), veorq_u8(lo, lo_top));
    vst1q_u8(dst + i, vorrq_u8(hi, vqtbl1q_u8(table, index)));
  }
  ull_merge_scalar(dst + i, src + i, n - i);
}
#endif  // HASHSKETCH_ARCH_AARCH64

/// The UltraLogLog kernels of one instruction set.
struct ull_kernel_table {
  const char* isa;
  void (*merge)(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept;
  void (*histogram)(const std::uint8_t* regs, std::size_t n, std::uint32_t* counts) noexcept;
  /// The FGRA pass (ull_pass_scalar). SSE2 and NEON have no gather: they
  /// carry the scalar one.
  ull_pass_result (*fgra_pass)(const std::uint8_t* regs, std::size_t n, const double* contribution,
                               const std::uint8_t* special) noexcept;
  /// Whether fgra_pass beats the histogram + O(256) sum that ultraloglog
  /// otherwise uses after a merge (bench/ultraloglog_bench.cpp, m = 2^14:
  /// AVX-512 ≈ 0.5–0.7×, AVX2 ≈ 0.7–0.9× of the histogram's time; the scalar
  /// lookups ≈ 2×, so scalar, SSE2 and NEON keep the histogram).
  bool pass_is_faster;
};

/// The set named `name` ("scalar", "sse2", "avx2", "avx512", "neon") if this
/// build has it and this CPU runs it, else nullptr (tests compare each with
/// the scalar one).
inline const ull_kernel_table* ull_kernels_for(const char* name) noexcept {
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

/// The set matching the main kernel table's instruction set (chosen once).
inline const ull_kernel_table& ull_kernels() noexcept {
  static const ull_kernel_table& table = [] () -> const ull_kernel_table& {
    const ull_kernel_table* t = ull_kernels_for(kernels().isa);
    return t != nullptr ? *t : *ull_kernels_for("scalar");
  }();
  return table;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_ULL_KERNELS_HPP
