#ifndef HASHSKETCH_DETAIL_ULL_KERNELS_HPP
#define HASHSKETCH_DETAIL_ULL_KERNELS_HPP

// UltraLogLog register kernels: the union of two registers, one scalar
// reference and one SIMD kernel per instruction set (SSE2, AVX2, AVX-512BW,
// NEON), each tested equal to the scalar one (tests/ultraloglog_test.cpp).
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
};

/// The set named `name` ("scalar", "sse2", "avx2", "avx512", "neon") if this
/// build has it and this CPU runs it, else nullptr (tests compare each with
/// the scalar one).
inline const ull_kernel_table* ull_kernels_for(const char* name) noexcept {
  static const ull_kernel_table scalar{"scalar", &ull_merge_scalar, &ull_histogram_scalar};
  if (std::strcmp(name, "scalar") == 0) return &scalar;
#if defined(HASHSKETCH_ARCH_X86)
  static const ull_kernel_table sse2{"sse2", &ull_merge_sse2, &ull_histogram_scalar};
  static const ull_kernel_table avx2{"avx2", &ull_merge_avx2, &ull_histogram_scalar};
  static const ull_kernel_table avx512{"avx512", &ull_merge_avx512, &ull_histogram_scalar};
  if (std::strcmp(name, "sse2") == 0) return &sse2;
  if (std::strcmp(name, "avx2") == 0) return x86_has("avx2") ? &avx2 : nullptr;
  if (std::strcmp(name, "avx512") == 0) return x86_has("avx512bw") ? &avx512 : nullptr;
#endif
#if defined(HASHSKETCH_ARCH_AARCH64)
  static const ull_kernel_table neon{"neon", &ull_merge_neon, &ull_histogram_scalar};
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
