#ifndef HASHSKETCH_DETAIL_KERNELS_AVX512_HPP
#define HASHSKETCH_DETAIL_KERNELS_AVX512_HPP

// AVX-512 kernels: 64-byte max for merge (AVX-512BW); register_stats pruned
// per block by value range (AVX-512BW, in the table) and with a 64-entry byte
// permute per byte of 2^(q−r) (AVX-512VBMI, kept for comparison); XXH3 of eight keys
// per vector with native 64-bit multiplies (AVX-512DQ) and the rank by vector
// leading-zero count (AVX-512CD); 6-bit pack/unpack 64 registers per step
// (AVX-512VBMI). The dispatcher checks each extension it
// uses; a CPU with AVX-512BW but no VBMI/DQ/CD gets the AVX2 version of those
// kernels. Every function carries its own target attribute. Compiles to
// nothing off x86.

#include "kernels_avx2.hpp"
#include "kernels_scalar.hpp"

#if defined(HASHSKETCH_ARCH_X86)
#include <immintrin.h>

#define HASHSKETCH_TARGET_AVX512BW "avx512f,avx512bw,avx512vl,avx2,popcnt"
#define HASHSKETCH_TARGET_AVX512VBMI "avx512f,avx512bw,avx512vl,avx512vbmi,avx2,popcnt"
#define HASHSKETCH_TARGET_AVX512HASH "avx512f,avx512bw,avx512vl,avx512dq,avx512cd,avx2,popcnt"

// GCC 12's intrinsics headers pass an "undefined" vector (`__m512i __Y = __Y;`)
// as the unused merge operand; once inlined into a function that gets its
// AVX-512 from a target attribute, -Wmaybe-uninitialized flags every use (GCC
// PR 105593). The value is never read, so the warning is silenced here only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace hashsketch {
namespace detail {

/// The byte mask of the first `len` lanes (len ≤ 64) for masked loads/stores.
inline std::uint64_t first_lanes_mask(std::size_t len) noexcept {
  return len >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << len) - 1u;
}

HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512BW)
inline void merge_max_avx512(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 256 <= n; i += 256) {
    __m512i d0 = _mm512_loadu_si512(dst + i);
    __m512i d1 = _mm512_loadu_si512(dst + i + 64);
    __m512i d2 = _mm512_loadu_si512(dst + i + 128);
    __m512i d3 = _mm512_loadu_si512(dst + i + 192);
    d0 = _mm512_max_epu8(d0, _mm512_loadu_si512(src + i));
    d1 = _mm512_max_epu8(d1, _mm512_loadu_si512(src + i + 64));
    d2 = _mm512_max_epu8(d2, _mm512_loadu_si512(src + i + 128));
    d3 = _mm512_max_epu8(d3, _mm512_loadu_si512(src + i + 192));
    _mm512_storeu_si512(dst + i, d0);
    _mm512_storeu_si512(dst + i + 64, d1);
    _mm512_storeu_si512(dst + i + 128, d2);
    _mm512_storeu_si512(dst + i + 192, d3);
  }
  for (; i + 64 <= n; i += 64)
    _mm512_storeu_si512(dst + i, _mm512_max_epu8(_mm512_loadu_si512(dst + i), _mm512_loadu_si512(src + i)));
  if (i < n) {  // masked tail: no scalar loop, no out-of-bounds access
    const __mmask64 m = first_lanes_mask(n - i);
    const __m512i d = _mm512_maskz_loadu_epi8(m, dst + i);
    const __m512i s = _mm512_maskz_loadu_epi8(m, src + i);
    _mm512_mask_storeu_epi8(dst + i, m, _mm512_max_epu8(d, s));
  }
}

HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512BW)
inline void merge_max_into_avx512(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b,
                                  std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    const __m512i x0 = _mm512_loadu_si512(a + i);
    const __m512i x1 = _mm512_loadu_si512(a + i + 64);
    const __m512i y0 = _mm512_loadu_si512(b + i);
    const __m512i y1 = _mm512_loadu_si512(b + i + 64);
    _mm512_storeu_si512(out + i, _mm512_max_epu8(x0, y0));
    _mm512_storeu_si512(out + i + 64, _mm512_max_epu8(x1, y1));
  }
  for (; i < n; i += 64) {
    const std::size_t len = n - i < 64 ? n - i : 64;
    const __mmask64 m = first_lanes_mask(len);
    const __m512i x = _mm512_maskz_loadu_epi8(m, a + i);
    const __m512i y = _mm512_maskz_loadu_epi8(m, b + i);
    _mm512_mask_storeu_epi8(out + i, m, _mm512_max_epu8(x, y));
  }
}

HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512BW)
inline void merge_histogram_avx512(const std::uint8_t* a, const std::uint8_t* b, std::size_t n,
                                   std::uint32_t* counts) noexcept {
  for (std::size_t v = 0; v < 64; ++v) counts[v] = 0;
  alignas(64) std::uint8_t chunk[1024];
  for (std::size_t i = 0; i < n; i += sizeof chunk) {
    const std::size_t len = n - i < sizeof chunk ? n - i : sizeof chunk;
    merge_max_into_avx512(chunk, a + i, b + i, len);
    accumulate_histogram_split(chunk, len, counts);
  }
}

// register_stats, 64 registers per step: byte j of 2^(q−r) (zero unless
// 1 ≤ r ≤ q) is a 64-entry table lookup on r (vpermb), and a sum of absolute
// differences against zero adds each 8 looked-up bytes into a 64-bit lane,
// so acc_j = Σ byte_j(2^(q−r)) and weighted = Σ_j acc_j·256^j (mod 2^64).
//
// Lookups are the cost, so the registers go in 1 KiB blocks, read twice (the
// second time from L1): pass 1 counts zeros and saturated registers (byte
// counters) and finds the block's smallest non-zero and largest value; pass 2
// looks up only the byte groups that range can reach. A sketch's registers
// sit within a few ranks of log2(n/m), so that is almost always ≤ 3 groups
// instead of all (q−1)/8 + 1; blocks with a wider spread take all groups.
HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512VBMI)
inline unsigned avx512_hmax_epu8(__m512i v) noexcept {
  const __m256i x = _mm256_max_epu8(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
  __m128i y = _mm_max_epu8(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
  y = _mm_max_epu8(y, _mm_srli_si128(y, 8));
  y = _mm_max_epu8(y, _mm_srli_si128(y, 4));
  y = _mm_max_epu8(y, _mm_srli_si128(y, 2));
  y = _mm_max_epu8(y, _mm_srli_si128(y, 1));
  return static_cast<unsigned>(_mm_cvtsi128_si32(y)) & 0xFFu;
}

HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512VBMI)
inline unsigned avx512_hmin_epu8(__m512i v) noexcept {
  const __m256i x = _mm256_min_epu8(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
  __m128i y = _mm_min_epu8(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
  y = _mm_min_epu8(y, _mm_srli_si128(y, 8));
  y = _mm_min_epu8(y, _mm_srli_si128(y, 4));
  y = _mm_min_epu8(y, _mm_srli_si128(y, 2));
  y = _mm_min_epu8(y, _mm_srli_si128(y, 1));
  return static_cast<unsigned>(_mm_cvtsi128_si32(y)) & 0xFFu;
}

HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512VBMI)
inline std::uint64_t avx512_hsum64(__m512i v) noexcept {
  alignas(64) std::uint64_t lanes[8];
  _mm512_store_si512(lanes, v);
  std::uint64_t sum = 0;
  for (std::uint64_t lane : lanes) sum += lane;
  return sum;
}

template <bool Merge>
HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512VBMI)
inline void stats_avx512_impl(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                              register_stats* out) noexcept {
  // Groups 8 and 9 stay zero: a three-group window starting at 7 runs past.
  alignas(64) std::uint8_t tables[10][64] = {};
  for (unsigned r = 1; r <= q && r < 64; ++r) {
    const unsigned t = q - r;
    tables[t >> 3][r] = static_cast<std::uint8_t>(1u << (t & 7u));
  }
  const unsigned groups = q == 0 ? 0 : ((q - 1) >> 3) + 1;
  __m512i lut[10], acc[8];
  for (unsigned j = 0; j < 10; ++j) lut[j] = _mm512_load_si512(tables[j]);
  for (unsigned j = 0; j < 8; ++j) acc[j] = _mm512_setzero_si512();
  const __m512i zero = _mm512_setzero_si512();
  const __m512i ones = _mm512_set1_epi8(1);
  const __m512i q1v = _mm512_set1_epi8(static_cast<char>(q + 1));
  // (maskz forms with an all-ones mask: GCC 12 warns about the "undefined"
  // pass-through operand of the unmasked intrinsics.)
  const __mmask64 all = ~__mmask64{0};
  // Absent lanes of a masked tail load read as 0: no table entry, and they
  // are masked out of the zero count.
  const auto load = [&](std::size_t i, __mmask64 m) HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512VBMI) {
    __m512i r = _mm512_maskz_loadu_epi8(m, a + i);
    if (Merge) r = _mm512_max_epu8(r, _mm512_maskz_loadu_epi8(m, b + i));
    return r;
  };
  std::uint64_t zeros = 0, saturated = 0, weighted = 0;
  constexpr std::size_t block = 16 * 64;  // ≤ 16 steps: byte counters cannot wrap
  for (std::size_t i0 = 0; i0 < n; i0 += block) {
    const std::size_t end = n - i0 < block ? n : i0 + block;
    __m512i zc = zero, sc = zero, vmax = zero, vmin_minus1 = _mm512_set1_epi8(-1);
    for (std::size_t i = i0; i < end; i += 64) {
      const __mmask64 m = first_lanes_mask(end - i);
      const __m512i r = load(i, m);
      zc = _mm512_mask_add_epi8(zc, _mm512_mask_cmpeq_epi8_mask(m, r, zero), zc, ones);
      sc = _mm512_mask_add_epi8(sc, _mm512_cmpeq_epi8_mask(r, q1v), sc, ones);
      vmax = _mm512_max_epu8(vmax, r);
      vmin_minus1 = _mm512_min_epu8(vmin_minus1, _mm512_sub_epi8(r, ones));  // 0 wraps to 255: ignored
    }
    zeros += avx512_hsum64(_mm512_sad_epu8(zc, zero));
    saturated += avx512_hsum64(_mm512_sad_epu8(sc, zero));
    const unsigned rmax = avx512_hmax_epu8(vmax);
    const unsigned rmin = avx512_hmin_epu8(vmin_minus1) + 1u;  // 256: all empty
    const unsigned hi = rmax < q ? rmax : q;
    if (rmin > hi) continue;  // nothing in 1..q: no weight
    const unsigned g_lo = (q - hi) >> 3, g_hi = (q - rmin) >> 3;
    if (g_hi - g_lo <= 2) {
      __m512i a0 = zero, a1 = zero, a2 = zero;
      for (std::size_t i = i0; i < end; i += 64) {
        const __m512i r = load(i, first_lanes_mask(end - i));
        a0 = _mm512_add_epi64(a0, _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(all, r, lut[g_lo]), zero));
        a1 = _mm512_add_epi64(a1, _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(all, r, lut[g_lo + 1]), zero));
        a2 = _mm512_add_epi64(a2, _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(all, r, lut[g_lo + 2]), zero));
      }
      weighted += avx512_hsum64(a0) << (8 * g_lo);
      if (g_lo + 1 < 8) weighted += avx512_hsum64(a1) << (8 * (g_lo + 1));
      if (g_lo + 2 < 8) weighted += avx512_hsum64(a2) << (8 * (g_lo + 2));
      continue;
    }
    for (std::size_t i = i0; i < end; i += 64) {
      const __m512i r = load(i, first_lanes_mask(end - i));
      switch (groups) {  // unrolled by hand: the group count is fixed per call
        case 8: acc[7] = _mm512_add_epi64(acc[7], _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(all, r, lut[7]), zero)); [[fallthrough]];
        case 7: acc[6] = _mm512_add_epi64(acc[6], _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(all, r, lut[6]), zero)); [[fallthrough]];
        case 6: acc[5] = _mm512_add_epi64(acc[5], _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(all, r, lut[5]), zero)); [[fallthrough]];
        case 5: acc[4] = _mm512_add_epi64(acc[4], _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(all, r, lut[4]), zero)); [[fallthrough]];
        case 4: acc[3] = _mm512_add_epi64(acc[3], _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(all, r, lut[3]), zero)); [[fallthrough]];
        case 3: acc[2] = _mm512_add_epi64(acc[2], _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(all, r, lut[2]), zero)); [[fallthrough]];
        case 2: acc[1] = _mm512_add_epi64(acc[1], _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(all, r, lut[1]), zero)); [[fallthrough]];
        case 1: acc[0] = _mm512_add_epi64(acc[0], _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(all, r, lut[0]), zero)); [[fallthrough]];
        default: break;
      }
    }
  }
  for (unsigned j = 0; j < groups; ++j) weighted += avx512_hsum64(acc[j]) << (8 * j);
  *out = register_stats{static_cast<std::uint32_t>(zeros), static_cast<std::uint32_t>(saturated), weighted};
}

inline void register_stats_avx512(const std::uint8_t* regs, std::size_t n, unsigned q,
                                  register_stats* out) noexcept {
  stats_avx512_impl<false>(regs, nullptr, n, q, out);
}

inline void merge_stats_avx512(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                               register_stats* out) noexcept {
  stats_avx512_impl<true>(a, b, n, q, out);
}

// register_stats pruned per 1 KiB block like stats_avx2_pruned (the same
// integers, the same block rule: spread < 24 and nothing saturated), on
// 64-byte vectors and AVX-512BW only (vpshufb works per 128-bit lane, so no
// VBMI). Empty registers leave the lookups by a zero-masking shuffle instead
// of AVX2's compare + or, and are counted from the same mask (popcount), so
// a block with empties costs one extra op per vector, not three. Why it
// exists: an AMD Zen 4 runs one 512-bit op in about the time of one 256-bit
// one on these byte ops for L1-resident data (the merge is 1.7-2x faster at
// P = 12..14, docs/performance.md), so halving the instruction count halves
// the pass; the VBMI kernel above looks up every byte group of the window
// (3 vpermb per vector) instead of the 1-3 the block's range needs.
HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512BW)
inline unsigned avx512bw_hmax_epu8(__m512i v) noexcept {
  return avx2_hmax_epu8(_mm256_max_epu8(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1)));
}

HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512BW)
inline unsigned avx512bw_hmin_epu8(__m512i v) noexcept {
  return avx2_hmin_epu8(_mm256_min_epu8(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1)));
}

HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512BW)
inline std::uint64_t avx512bw_hsum64(__m512i v) noexcept {
  return avx2_hsum64(_mm256_add_epi64(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1)));
}

template <unsigned Bytes, bool Merge, bool Empties>
HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512BW)
inline std::uint64_t avx512_pruned_block(const std::uint8_t* a, const std::uint8_t* b, std::size_t len,
                                         unsigned hi) noexcept {
  const __m512i zero = _mm512_setzero_si512();
  // lut_low[i] = 2^i (i < 8), lut_high[i] = 2^(i−8) (8 ≤ i < 16) in every
  // 128-bit lane; indices ≥ 0x80 give 0.
  const __m512i lut_low = _mm512_broadcast_i32x4(_mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0));
  const __m512i lut_high = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, -128));
  const __m512i hiv = _mm512_set1_epi8(static_cast<char>(hi));
  const __m512i above15 = _mm512_set1_epi8(0x70);  // saturating add: 16..23 → ≥ 0x80
  const __m512i sixteen = _mm512_set1_epi8(16);
  __m512i acc0 = zero, acc1 = zero, acc2 = zero;
  for (std::size_t i = 0; i < len; i += 64) {
    __m512i r = _mm512_loadu_si512(a + i);
    if (Merge) r = _mm512_max_epu8(r, _mm512_loadu_si512(b + i));
    const __m512i idx = _mm512_sub_epi8(hiv, r);  // hi − r < 8·Bytes for non-empty r
    // (maskz forms with an all-ones mask without empties: GCC 12 warns about
    // the "undefined" pass-through operand of the unmasked intrinsics.)
    const __mmask64 live = Empties ? _mm512_test_epi8_mask(r, r) : ~__mmask64{0};
    const __m512i idx01 = Bytes == 3 ? _mm512_adds_epu8(idx, above15) : idx;
    acc0 = _mm512_add_epi64(acc0, _mm512_sad_epu8(_mm512_maskz_shuffle_epi8(live, lut_low, idx01), zero));
    if (Bytes >= 2)
      acc1 = _mm512_add_epi64(acc1, _mm512_sad_epu8(_mm512_maskz_shuffle_epi8(live, lut_high, idx01), zero));
    if (Bytes == 3)  // idx < 16 wraps to ≥ 0xF0: 0
      acc2 = _mm512_add_epi64(
          acc2, _mm512_sad_epu8(_mm512_maskz_shuffle_epi8(live, lut_low, _mm512_sub_epi8(idx, sixteen)), zero));
  }
  std::uint64_t sum = avx512bw_hsum64(acc0);
  if (Bytes >= 2) sum += avx512bw_hsum64(acc1) << 8;
  if (Bytes == 3) sum += avx512bw_hsum64(acc2) << 16;
  return sum;
}

/// a, b: the register arrays (b only when Merge), any alignment (unaligned
/// loads cost nothing extra on the sketches' 64-byte aligned storage).
template <bool Merge>
HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512BW)
inline void stats_avx512_pruned(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                                register_stats* out) noexcept {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i ones = _mm512_set1_epi8(1);
  std::uint64_t zeros = 0, saturated = 0, weighted = 0;
  constexpr std::size_t block = 1024;  // 16 vectors
  const std::size_t whole = n - n % 64;
  for (std::size_t i0 = 0; i0 < whole; i0 += block) {
    const std::size_t len = whole - i0 < block ? whole - i0 : block;
    const std::uint8_t* pa = a + i0;
    const std::uint8_t* pb = Merge ? b + i0 : nullptr;
    __m512i vmax = zero, vmin_nonzero_minus1 = _mm512_set1_epi8(-1);
    std::size_t live = 0;  // non-empty registers in the block
    for (std::size_t i = 0; i < len; i += 64) {
      __m512i r = _mm512_loadu_si512(pa + i);
      if (Merge) r = _mm512_max_epu8(r, _mm512_loadu_si512(pb + i));
      vmax = _mm512_max_epu8(vmax, r);
      vmin_nonzero_minus1 = _mm512_min_epu8(vmin_nonzero_minus1, _mm512_sub_epi8(r, ones));  // 0 wraps to 255
      live += static_cast<std::size_t>(__builtin_popcountll(_mm512_test_epi8_mask(r, r)));
    }
    zeros += len - live;
    const unsigned hi = avx512bw_hmax_epu8(vmax);
    if (hi == 0) continue;  // all empty
    const unsigned spread = hi - (avx512bw_hmin_epu8(vmin_nonzero_minus1) + 1u);  // hi − smallest non-empty
    if (hi > q || spread >= 24) {
      register_stats st;
      stats_avx2_impl<Merge>(pa, pb, len, q, &st);
      // zeros were counted above
      saturated += st.saturated;
      weighted += st.weighted;
      continue;
    }
    const bool empties = live != len;
    std::uint64_t sum;
    if (spread < 8)
      sum = empties ? avx512_pruned_block<1, Merge, true>(pa, pb, len, hi)
                    : avx512_pruned_block<1, Merge, false>(pa, pb, len, hi);
    else if (spread < 16)
      sum = empties ? avx512_pruned_block<2, Merge, true>(pa, pb, len, hi)
                    : avx512_pruned_block<2, Merge, false>(pa, pb, len, hi);
    else
      sum = empties ? avx512_pruned_block<3, Merge, true>(pa, pb, len, hi)
                    : avx512_pruned_block<3, Merge, false>(pa, pb, len, hi);
    weighted += sum << (q - hi);
  }
  *out = stats_finish_scalar<Merge>(a, b, whole, n, q, zeros, saturated, weighted);
}

inline void register_stats_avx512bw(const std::uint8_t* regs, std::size_t n, unsigned q,
                                    register_stats* out) noexcept {
  stats_avx512_pruned<false>(regs, nullptr, n, q, out);
}

inline void merge_stats_avx512bw(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                                 register_stats* out) noexcept {
  stats_avx512_pruned<true>(a, b, n, q, out);
}

// XXH3 of 8-byte keys (formula in kernels_scalar.hpp), eight per vector.
HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512HASH)
inline __m512i avx512_xxh3_len8(__m512i k, __m512i flip) noexcept {
  const __m512i mul = _mm512_set1_epi64(static_cast<long long>(xxh3_rrmxmx_multiplier));
  __m512i x = _mm512_xor_si512(_mm512_ror_epi64(k, 32), flip);
  x = _mm512_ternarylogic_epi64(x, _mm512_rol_epi64(x, 49), _mm512_rol_epi64(x, 24), 0x96);  // a^b^c
  x = _mm512_mullo_epi64(x, mul);
  x = _mm512_xor_si512(x, _mm512_add_epi64(_mm512_srli_epi64(x, 35), _mm512_set1_epi64(8)));
  x = _mm512_mullo_epi64(x, mul);
  return _mm512_xor_si512(x, _mm512_srli_epi64(x, 28));
}

HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512HASH)
inline void xxh3_batch_avx512(const std::uint64_t* keys, std::size_t n, std::uint64_t seed,
                              std::uint64_t* out) noexcept {
  const std::uint64_t flip = xxh3_len8_flip(seed);
  const __m512i fv = _mm512_set1_epi64(static_cast<long long>(flip));
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm512_storeu_si512(out + i, avx512_xxh3_len8(_mm512_loadu_si512(keys + i), fv));
  if (i < n) {
    const __mmask8 m = static_cast<__mmask8>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_epi64(out + i, m, avx512_xxh3_len8(_mm512_maskz_loadu_epi64(m, keys + i), fv));
  }
}

/// add_many's bulk update: hash and locate eight keys per vector (rank by
/// vplzcntq), pack (index << 8 | rank) into 32 bits, then one unconditional
/// max store per key: no branch, no histogram upkeep.
HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512HASH)
inline void xxh3_max_update_avx512(std::uint8_t* regs, unsigned p, const std::uint64_t* keys, std::size_t n,
                                   std::uint64_t seed) noexcept {
  const __m512i fv = _mm512_set1_epi64(static_cast<long long>(xxh3_len8_flip(seed)));
  const __m128i index_shift = _mm_cvtsi32_si128(static_cast<int>(64u - p));
  const __m128i rest_shift = _mm_cvtsi32_si128(static_cast<int>(p));
  const __m512i sentinel = _mm512_set1_epi64(static_cast<long long>(std::uint64_t{1} << (p - 1u)));
  const __m512i one = _mm512_set1_epi64(1);
  alignas(64) std::uint32_t packed[256];
  for (std::size_t i = 0; i < n; i += 256) {
    const std::size_t len = n - i < 256 ? n - i : 256;
    // Full vectors unmasked (a per-iteration mask measured 2× slower here),
    // then one masked vector for the tail of the last block.
    const auto locate8 = [&](__m512i h) HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512HASH) {
      const __m512i index = _mm512_srl_epi64(h, index_shift);
      const __m512i rank =
          _mm512_add_epi64(_mm512_lzcnt_epi64(_mm512_or_si512(_mm512_sll_epi64(h, rest_shift), sentinel)), one);
      return _mm512_cvtepi64_epi32(_mm512_or_si512(_mm512_slli_epi64(index, 8), rank));
    };
    std::size_t j = 0;
    for (; j + 8 <= len; j += 8)
      _mm256_store_si256(reinterpret_cast<__m256i*>(packed + j),
                         locate8(avx512_xxh3_len8(_mm512_loadu_si512(keys + i + j), fv)));
    if (j < len) {
      const __mmask8 m = static_cast<__mmask8>((1u << (len - j)) - 1u);
      _mm256_store_si256(reinterpret_cast<__m256i*>(packed + j),
                         locate8(avx512_xxh3_len8(_mm512_maskz_loadu_epi64(m, keys + i + j), fv)));
    }
    for (std::size_t u = 0; u < len; ++u) {
      const std::uint32_t v = packed[u];
      std::uint8_t& reg = regs[v >> 8];
      const std::uint8_t rank = static_cast<std::uint8_t>(v);
      reg = rank > reg ? rank : reg;
    }
  }
}

// 6-bit packing (packed6.hpp), 64 registers ↔ 48 bytes per step (AVX-512VBMI).

/// unpack6_scalar's contract. A byte permute gives each 64-bit lane k the 6
/// bytes 6k..6k+5 (8 registers, 48 bits), and vpmultishiftqb copies the byte
/// at bit offset 6j of the lane into byte j (j = 0..7); masking to 6 bits
/// leaves register j. The load is masked to the 48 bytes, so nothing outside
/// the input is read.
HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512VBMI)
inline bool unpack6_avx512(const unsigned char* src, std::size_t n, std::uint8_t* dst, unsigned limit) noexcept {
  alignas(64) static const unsigned char gather[64] = {
      0,  1,  2,  3,  4,  5,  6,  7,  6,  7,  8,  9,  10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
      18, 19, 18, 19, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 30, 31, 30, 31, 32, 33,
      34, 35, 36, 37, 36, 37, 38, 39, 40, 41, 42, 43, 42, 43, 44, 45, 46, 47, 48, 49};
  const __m512i order = _mm512_load_si512(gather);
  const __m512i offsets = _mm512_set1_epi64(0x2A241E18120C0600LL);  // bytes 0, 6, 12, ..., 42
  const __m512i low6 = _mm512_set1_epi8(0x3F);
  const __mmask64 in48 = (std::uint64_t{1} << 48) - 1u;
  __m512i largest = _mm512_setzero_si512();
  std::size_t i = 0, at = 0;
  for (; i + 64 <= n; i += 64, at += 48) {
    const __m512i x = _mm512_permutexvar_epi8(order, _mm512_maskz_loadu_epi8(in48, src + at));
    const __m512i r = _mm512_and_si512(_mm512_multishift_epi64_epi8(offsets, x), low6);
    largest = _mm512_max_epu8(largest, r);
    _mm512_storeu_si512(dst + i, r);
  }
  bool above = _mm512_cmpgt_epu8_mask(largest, _mm512_set1_epi8(static_cast<char>(limit))) != 0;
  if (i < n) above = unpack6_scalar(src + at, n - i, dst + i, limit) || above;
  return above;
}

/// pack6_scalar's contract: the AVX2 kernel's two multiply-adds give
/// w = r0 + 64·r1 + 4096·(r2 + 64·r3) per 32-bit lane, a byte permute keeps
/// bytes 0..2 of each, and a masked store writes exactly the 48 bytes.
HASHSKETCH_TARGET(HASHSKETCH_TARGET_AVX512VBMI)
inline void pack6_avx512(const std::uint8_t* regs, std::size_t n, unsigned char* dst) noexcept {
  alignas(64) static const unsigned char keep3[64] = {
      0,  1,  2,  4,  5,  6,  8,  9,  10, 12, 13, 14, 16, 17, 18, 20, 21, 22, 24, 25, 26, 28,
      29, 30, 32, 33, 34, 36, 37, 38, 40, 41, 42, 44, 45, 46, 48, 49, 50, 52, 53, 54, 56, 57,
      58, 60, 61, 62, 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0};
  const __m512i order = _mm512_load_si512(keep3);
  const __m512i low6 = _mm512_set1_epi8(0x3F);
  const __m512i pairs = _mm512_set1_epi16(0x4001);    // bytes (1, 64)
  const __m512i quads = _mm512_set1_epi32(0x10000001);  // 16-bit (1, 4096)
  const __mmask64 out48 = (std::uint64_t{1} << 48) - 1u;
  std::size_t i = 0, o = 0;
  for (; i + 64 <= n; i += 64, o += 48) {
    __m512i r = _mm512_and_si512(_mm512_loadu_si512(regs + i), low6);
    r = _mm512_madd_epi16(_mm512_maddubs_epi16(r, pairs), quads);
    _mm512_mask_storeu_epi8(dst + o, out48, _mm512_permutexvar_epi8(order, r));
  }
  if (i < n) pack6_scalar(regs + i, n - i, dst + o);
}

}  // namespace detail
}  // namespace hashsketch

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // HASHSKETCH_ARCH_X86
#endif  // HASHSKETCH_DETAIL_KERNELS_AVX512_HPP
