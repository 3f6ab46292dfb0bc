#ifndef HASHSKETCH_DETAIL_KERNELS_AVX2_HPP
#define HASHSKETCH_DETAIL_KERNELS_AVX2_HPP

// AVX2 kernels: 32-byte max for merge, a shuffle + sum-of-absolute-differences
// formulation of register_stats (pruned per block by value range), the
// histogram by compares per value range, 6-bit pack/unpack 32 registers per
// step, 4-bit pack/unpack 64 per step, and XXH3 of four 8-byte keys per vector with
// the 64-bit multiply built from three 32×32→64 multiplies. Every function
// carries target("avx2"), so the including TU needs no -mavx2. Compiles to
// nothing off x86.

#include "kernels_scalar.hpp"

#if defined(HASHSKETCH_ARCH_X86)
#include <immintrin.h>

namespace hashsketch {
namespace detail {

HASHSKETCH_TARGET("avx2")
inline void merge_max_avx2(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    __m256i d0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i));
    __m256i d1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i + 32));
    __m256i d2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i + 64));
    __m256i d3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i + 96));
    d0 = _mm256_max_epu8(d0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
    d1 = _mm256_max_epu8(d1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32)));
    d2 = _mm256_max_epu8(d2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 64)));
    d3 = _mm256_max_epu8(d3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 96)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), d0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 32), d1);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 64), d2);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 96), d3);
  }
  for (; i + 32 <= n; i += 32) {
    const __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + i));
    const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_max_epu8(d, s));
  }
  merge_max_scalar(dst + i, src + i, n - i);
}

HASHSKETCH_TARGET("avx2")
inline void merge_max_into_avx2(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b,
                                std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i + 32));
    const __m256i y0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
    const __m256i y1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i + 32));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_max_epu8(x0, y0));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i + 32), _mm256_max_epu8(x1, y1));
  }
  merge_max_into_scalar(out + i, a + i, b + i, n - i);
}

HASHSKETCH_TARGET("avx2")
inline void merge_histogram_avx2(const std::uint8_t* a, const std::uint8_t* b, std::size_t n,
                                 std::uint32_t* counts) noexcept {
  for (std::size_t v = 0; v < 64; ++v) counts[v] = 0;
  alignas(64) std::uint8_t chunk[1024];
  for (std::size_t i = 0; i < n; i += sizeof chunk) {
    const std::size_t len = n - i < sizeof chunk ? n - i : sizeof chunk;
    merge_max_into_avx2(chunk, a + i, b + i, len);
    accumulate_histogram_split(chunk, len, counts);
  }
}

// register_stats, 32 registers per step. With t = q − r (a byte; 0xFF for the
// saturated r = q + 1), 2^(q−r) has the single bit t & 7 set in byte t >> 3.
// A shuffle gives that bit's value, a compare per byte group keeps it where
// t >> 3 == j, and a sum of absolute differences against zero adds eight
// bytes into a 64-bit lane: acc_j sums byte j of every 2^(q−r) (≤ 128 per
// register, so never overflows), and weighted = Σ_j acc_j·256^j (mod 2^64).
// r = 0 gives t = q, counted as 2^q and subtracted at the end; t = 0xFF
// falls into group 31, which no j matches. zeros/saturated are byte counters
// (compare = −1) flushed through SAD before they can wrap (255 steps).
struct avx2_stats_acc {
  __m256i group[8];
  __m256i zeros, saturated;
};

HASHSKETCH_TARGET("avx2")
inline void avx2_stats_step(__m256i r, __m256i qv, __m256i q1v, unsigned groups, __m256i& zb, __m256i& sb,
                            avx2_stats_acc& acc) noexcept {
  const __m256i zero = _mm256_setzero_si256();
  zb = _mm256_sub_epi8(zb, _mm256_cmpeq_epi8(r, zero));
  sb = _mm256_sub_epi8(sb, _mm256_cmpeq_epi8(r, q1v));
  const __m256i t = _mm256_sub_epi8(qv, r);
  const __m256i bit_lut = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                           1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i bit = _mm256_shuffle_epi8(bit_lut, _mm256_and_si256(t, _mm256_set1_epi8(7)));
  const __m256i grp = _mm256_and_si256(_mm256_srli_epi16(t, 3), _mm256_set1_epi8(0x1F));
  for (unsigned j = 0; j < groups; ++j) {
    const __m256i sel = _mm256_and_si256(_mm256_cmpeq_epi8(grp, _mm256_set1_epi8(static_cast<char>(j))), bit);
    acc.group[j] = _mm256_add_epi64(acc.group[j], _mm256_sad_epu8(sel, zero));
  }
}

HASHSKETCH_TARGET("avx2")
inline std::uint64_t avx2_hsum64(__m256i v) noexcept {
  alignas(32) std::uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), v);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

template <bool Merge>
HASHSKETCH_TARGET("avx2")
inline void stats_avx2_impl(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                            register_stats* out) noexcept {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i qv = _mm256_set1_epi8(static_cast<char>(q));
  const __m256i q1v = _mm256_set1_epi8(static_cast<char>(q + 1));
  const unsigned groups = (q >> 3) + 1;  // t ≤ q, so byte groups 0..q>>3
  avx2_stats_acc acc;
  for (auto& g : acc.group) g = zero;
  acc.zeros = zero;
  acc.saturated = zero;
  std::size_t i = 0;
  while (i + 32 <= n) {
    __m256i zb = zero, sb = zero;
    const std::size_t stop = n - i >= 255 * 32 ? i + 255 * 32 : n - ((n - i) % 32);
    for (; i < stop; i += 32) {
      __m256i r = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
      if (Merge) r = _mm256_max_epu8(r, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)));
      avx2_stats_step(r, qv, q1v, groups, zb, sb, acc);
    }
    acc.zeros = _mm256_add_epi64(acc.zeros, _mm256_sad_epu8(zb, zero));
    acc.saturated = _mm256_add_epi64(acc.saturated, _mm256_sad_epu8(sb, zero));
  }
  std::uint64_t weighted = 0;
  for (unsigned j = 0; j < groups; ++j) weighted += avx2_hsum64(acc.group[j]) << (8 * j);
  std::uint64_t zeros = avx2_hsum64(acc.zeros);
  weighted -= zeros << q;  // empty registers were counted as 2^q
  std::uint64_t saturated = avx2_hsum64(acc.saturated);
  *out = stats_finish_scalar<Merge>(a, b, i, n, q, zeros, saturated, weighted);
}

HASHSKETCH_TARGET("avx2")
inline unsigned avx2_hmax_epu8(__m256i v) noexcept {
  __m128i y = _mm_max_epu8(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  y = _mm_max_epu8(y, _mm_srli_si128(y, 8));
  y = _mm_max_epu8(y, _mm_srli_si128(y, 4));
  y = _mm_max_epu8(y, _mm_srli_si128(y, 2));
  y = _mm_max_epu8(y, _mm_srli_si128(y, 1));
  return static_cast<unsigned>(_mm_cvtsi128_si32(y)) & 0xFFu;
}

HASHSKETCH_TARGET("avx2")
inline unsigned avx2_hmin_epu8(__m256i v) noexcept {
  __m128i y = _mm_min_epu8(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  y = _mm_min_epu8(y, _mm_srli_si128(y, 8));
  y = _mm_min_epu8(y, _mm_srli_si128(y, 4));
  y = _mm_min_epu8(y, _mm_srli_si128(y, 2));
  y = _mm_min_epu8(y, _mm_srli_si128(y, 1));
  return static_cast<unsigned>(_mm_cvtsi128_si32(y)) & 0xFFu;
}

// register_stats pruned by the value range of each 1 KiB block (the AVX2
// counterpart of the AVX-512 kernel's pruning). Within a block of 1024
// registers a sketch's non-empty values lie in some [lo, hi] that is rarely
// more than ~14 ranks wide (the maximum of Poisson many geometric ranks has a
// tail of ~2^−x above log2(n/m) and a double-exponential one below). Then
// 2^(q−r) = 2^(hi−r)·2^(q−hi), and 2^(hi−r) with hi − r < 8·Bytes is Bytes
// bytes wide: one shuffle per byte per 32 registers looks each byte up, a sum
// of absolute differences adds them, and the block's sum is shifted by
// q − hi — the same integers as the scalar reference (mod 2^64 where that
// wraps, q = 62). Empty registers get an index with the top bit set, which
// the shuffle turns into 0. Pass 1 (min, max) reads the block, pass 2 re-reads
// it from L1. Blocks wider than 24 ranks or holding a saturated register take
// the unpruned kernel above.
template <unsigned Bytes, bool Merge, bool Empties>
HASHSKETCH_TARGET("avx2")
inline std::uint64_t avx2_pruned_block(const std::uint8_t* a, const std::uint8_t* b, std::size_t len, unsigned hi,
                                       std::uint64_t& zeros) noexcept {
  const __m256i zero = _mm256_setzero_si256();
  // lut_low[i] = 2^i (i < 8), lut_high[i] = 2^(i−8) (8 ≤ i < 16); indices ≥ 0x80 give 0.
  const __m256i lut_low = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                           1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i lut_high = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, -128,  //
                                            0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, -128);
  const __m256i hiv = _mm256_set1_epi8(static_cast<char>(hi));
  const __m256i above15 = _mm256_set1_epi8(0x70);  // saturating add: 16..23 → ≥ 0x80
  const __m256i sixteen = _mm256_set1_epi8(16);
  __m256i acc0 = zero, acc1 = zero, acc2 = zero, zc = zero;
  for (std::size_t i = 0; i < len; i += 32) {
    __m256i r = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    if (Merge) r = _mm256_max_epu8(r, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)));
    __m256i idx = _mm256_sub_epi8(hiv, r);  // hi − r < 8·Bytes for non-empty r
    if (Empties) {
      const __m256i empty = _mm256_cmpeq_epi8(r, zero);
      zc = _mm256_sub_epi8(zc, empty);
      idx = _mm256_or_si256(idx, empty);
    }
    const __m256i idx01 = Bytes == 3 ? _mm256_adds_epu8(idx, above15) : idx;
    acc0 = _mm256_add_epi64(acc0, _mm256_sad_epu8(_mm256_shuffle_epi8(lut_low, idx01), zero));
    if (Bytes >= 2) acc1 = _mm256_add_epi64(acc1, _mm256_sad_epu8(_mm256_shuffle_epi8(lut_high, idx01), zero));
    if (Bytes == 3)
      acc2 = _mm256_add_epi64(
          acc2, _mm256_sad_epu8(_mm256_shuffle_epi8(lut_low, _mm256_sub_epi8(idx, sixteen)), zero));  // <16 wraps ≥ 0xF0
  }
  if (Empties) zeros += avx2_hsum64(_mm256_sad_epu8(zc, zero));
  std::uint64_t sum = avx2_hsum64(acc0);
  if (Bytes >= 2) sum += avx2_hsum64(acc1) << 8;
  if (Bytes == 3) sum += avx2_hsum64(acc2) << 16;
  return sum;
}

template <bool Merge>
HASHSKETCH_TARGET("avx2")
inline void stats_avx2_pruned(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                              register_stats* out) noexcept {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi8(1);
  std::uint64_t zeros = 0, saturated = 0, weighted = 0;
  constexpr std::size_t block = 1024;  // 32 vectors: byte counters (≤ 32) cannot wrap
  const std::size_t whole = n - n % 32;
  for (std::size_t i0 = 0; i0 < whole; i0 += block) {
    const std::size_t end = whole - i0 < block ? whole : i0 + block;
    const std::uint8_t* pa = a + i0;
    const std::uint8_t* pb = Merge ? b + i0 : nullptr;
    const std::size_t len = end - i0;
    __m256i vmax = zero, vmin = _mm256_set1_epi8(-1), vmin_nonzero_minus1 = _mm256_set1_epi8(-1);
    for (std::size_t i = 0; i < len; i += 32) {
      __m256i r = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pa + i));
      if (Merge) r = _mm256_max_epu8(r, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pb + i)));
      vmax = _mm256_max_epu8(vmax, r);
      vmin = _mm256_min_epu8(vmin, r);
      vmin_nonzero_minus1 = _mm256_min_epu8(vmin_nonzero_minus1, _mm256_sub_epi8(r, ones));  // 0 wraps to 255
    }
    const unsigned hi = avx2_hmax_epu8(vmax);
    if (hi == 0) {  // all empty
      zeros += len;
      continue;
    }
    const unsigned spread = hi - (avx2_hmin_epu8(vmin_nonzero_minus1) + 1u);  // hi − smallest non-empty
    if (hi > q || spread >= 24) {
      register_stats st;
      stats_avx2_impl<Merge>(pa, pb, len, q, &st);
      zeros += st.zeros;
      saturated += st.saturated;
      weighted += st.weighted;
      continue;
    }
    const bool empties = avx2_hmin_epu8(vmin) == 0;
    std::uint64_t sum;
    if (spread < 8)
      sum = empties ? avx2_pruned_block<1, Merge, true>(pa, pb, len, hi, zeros)
                    : avx2_pruned_block<1, Merge, false>(pa, pb, len, hi, zeros);
    else if (spread < 16)
      sum = empties ? avx2_pruned_block<2, Merge, true>(pa, pb, len, hi, zeros)
                    : avx2_pruned_block<2, Merge, false>(pa, pb, len, hi, zeros);
    else
      sum = empties ? avx2_pruned_block<3, Merge, true>(pa, pb, len, hi, zeros)
                    : avx2_pruned_block<3, Merge, false>(pa, pb, len, hi, zeros);
    weighted += sum << (q - hi);
  }
  *out = stats_finish_scalar<Merge>(a, b, whole, n, q, zeros, saturated, weighted);
}

inline void register_stats_avx2(const std::uint8_t* regs, std::size_t n, unsigned q, register_stats* out) noexcept {
  stats_avx2_pruned<false>(regs, nullptr, n, q, out);
}

inline void merge_stats_avx2(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                             register_stats* out) noexcept {
  stats_avx2_pruned<true>(a, b, n, q, out);
}

// 6-bit packing (Redis dense, DataSketches HLL_6; reference and layout in
// packed6.hpp): 32 registers ↔ 24 bytes per step, each 128-bit lane doing
// 16 registers ↔ 12 bytes, each 32-bit lane 4 registers ↔ 3 bytes
// w = b0 | b1 << 8 | b2 << 16, register j = bits 6j..6j+5 of w.

/// unpack6_scalar's contract. A shuffle puts (b0, b1, b1, b2) in each 32-bit
/// lane, so its low 16 bits are w[0..15] (registers 0 and 1) and its high 16
/// bits w[8..23] (registers 2 at bit 4 and 3 at bit 10). In every 16-bit lane
/// one register moves right into the low byte (mulhi by 2^(16−s): >> s) and
/// one left into the high byte (mullo by 2^k: << k) — registers 1 | 0 << 8
/// and 3 | 2 << 8 — and a last shuffle swaps each byte pair into order
/// (the multiply formulation of W. Muła and D. Lemire's base64 codecs,
/// arXiv:1704.00605, for this bit order). The vector load starts 4 bytes
/// before its 24 (so lane 1 needs no cross-lane move): the first 8 registers
/// and the tail go through the scalar reference, and no byte outside the
/// 6n/8 is read.
HASHSKETCH_TARGET("avx2")
inline bool unpack6_avx2(const unsigned char* src, std::size_t n, std::uint8_t* dst, unsigned limit) noexcept {
  const std::size_t bytes = n / 8 * 6;
  if (bytes < 6 + 28) return unpack6_scalar(src, n, dst, limit);
  bool above = unpack6_scalar(src, 8, dst, limit);
  std::size_t i = 8, at = 6;
  const __m256i in_order = _mm256_setr_epi8(4, 5, 5, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13, 14, 14, 15,  //
                                            0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11);
  const __m256i out_order = _mm256_setr_epi8(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14,  //
                                             1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
  const __m256i right_mask = _mm256_set1_epi32(static_cast<int>(0xFC000FC0u));  // reg 1 at bit 6, reg 3 at bit 10
  const __m256i right_mul = _mm256_set1_epi32(0x00400400);                      // >> 6, >> 10
  const __m256i left_mask = _mm256_set1_epi32(0x03F0003F);                      // reg 0 at bit 0, reg 2 at bit 4
  __m256i left_mul = _mm256_set1_epi32(0x00100100);                             // << 8, << 4
  // clang 14 rewrites the multiply by these per-lane constants as two shifts
  // and a blend, and the shuffle after the OR as one shuffle per operand:
  // 12 vector operations a step instead of 9, and unpack ~1.7x g++'s time
  // (bench: BM_redis_decode_dense_registers). Hidden constants and an opaque
  // OR keep the code as written on both compilers.
  HASHSKETCH_OPAQUE_VECTOR(left_mul);
  __m256i largest = _mm256_setzero_si256();
  // One counter (steps with at + 28 <= bytes) and the positions computed
  // after the loop: with `at` and `i` as the loop's variables clang 14 keeps
  // eight induction variables for the scalar tail (15 scalar operations a
  // step beside the 9 vector ones).
  const std::size_t steps = (bytes - 6 - 28) / 24 + 1;
  for (std::size_t s = 0; s < steps; ++s) {
    const __m256i x = _mm256_shuffle_epi8(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + at - 4 + 24 * s)), in_order);
    const __m256i right = _mm256_mulhi_epu16(_mm256_and_si256(x, right_mask), right_mul);
    const __m256i left = _mm256_mullo_epi16(_mm256_and_si256(x, left_mask), left_mul);
    __m256i both = _mm256_or_si256(right, left);
    HASHSKETCH_OPAQUE_VECTOR(both);
    const __m256i r = _mm256_shuffle_epi8(both, out_order);
    largest = _mm256_max_epu8(largest, r);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 32 * s), r);
  }
  at += 24 * steps;
  i += 32 * steps;
  above = above || avx2_hmax_epu8(largest) > limit;
  if (i < n) above = unpack6_scalar(src + at, n - i, dst + i, limit) || above;
  return above;
}

/// pack6_scalar's contract. Per 32-bit lane w = r0 + 64·r1 + 4096·(r2 + 64·r3)
/// by two multiply-adds (maddubs: byte pairs, madd: 16-bit pairs), then a
/// shuffle keeps bytes 0..2 of each lane: 12 bytes per 128-bit lane, stored
/// as two overlapping 16-byte stores whose last 4 bytes the next step (or
/// the scalar tail) overwrites — so the loop stops 4 bytes before the end.
HASHSKETCH_TARGET("avx2")
inline void pack6_avx2(const std::uint8_t* regs, std::size_t n, unsigned char* dst) noexcept {
  const std::size_t bytes = n / 8 * 6;
  const __m256i low6 = _mm256_set1_epi8(0x3F);
  const __m256i pairs = _mm256_set1_epi16(0x4001);    // bytes (1, 64)
  const __m256i quads = _mm256_set1_epi32(0x10000001);  // 16-bit (1, 4096)
  const __m256i keep3 = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,  //
                                         0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
  std::size_t i = 0, o = 0;
  for (; o + 28 <= bytes; i += 32, o += 24) {
    __m256i r = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(regs + i)), low6);
    r = _mm256_shuffle_epi8(_mm256_madd_epi16(_mm256_maddubs_epi16(r, pairs), quads), keep3);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + o), _mm256_castsi256_si128(r));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + o + 12), _mm256_extracti128_si256(r, 1));
  }
  if (i < n) pack6_scalar(regs + i, n - i, dst + o);
}

/// register_histogram_scalar's contract, by compares instead of counter
/// increments (~1.4 cycles per register in the split scalar loop: a store
/// and a reload per register). Per block of 1024 registers, pass 1 finds the
/// value range [lo, hi] (a warm sketch's registers span ~10-20 ranks); pass 2
/// counts each value v of the range, four at a time, by subtracting the
/// compare masks (−1 per match) from byte counters — at most 32 per lane per
/// block, so no overflow — and adds them up with a sum of absolute
/// differences. A block whose range is wider than 28 values costs more that
/// way than the split scalar loop, which then counts it.
HASHSKETCH_TARGET("avx2")
inline void register_histogram_avx2(const std::uint8_t* regs, std::size_t n, std::uint32_t* counts) noexcept {
  constexpr std::size_t block = 1024;
  std::uint32_t c[64] = {};
  std::size_t i = 0;
  const __m256i zero = _mm256_setzero_si256();
  for (; i + block <= n; i += block) {
    const std::uint8_t* b = regs + i;
    __m256i lo_v = _mm256_set1_epi8(-1), hi_v = zero;
    for (std::size_t j = 0; j < block; j += 32) {
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + j));
      lo_v = _mm256_min_epu8(lo_v, x);
      hi_v = _mm256_max_epu8(hi_v, x);
    }
    const unsigned lo = avx2_hmin_epu8(lo_v), hi = avx2_hmax_epu8(hi_v);
    if (hi > 63 || hi - lo >= 28) {
      accumulate_histogram_split(b, block, c);
      continue;
    }
    for (unsigned v = lo; v <= hi; v += 4) {
      const __m256i v0 = _mm256_set1_epi8(static_cast<char>(v)), v1 = _mm256_set1_epi8(static_cast<char>(v + 1));
      const __m256i v2 = _mm256_set1_epi8(static_cast<char>(v + 2)), v3 = _mm256_set1_epi8(static_cast<char>(v + 3));
      __m256i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      for (std::size_t j = 0; j < block; j += 32) {
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + j));
        a0 = _mm256_sub_epi8(a0, _mm256_cmpeq_epi8(x, v0));
        a1 = _mm256_sub_epi8(a1, _mm256_cmpeq_epi8(x, v1));
        a2 = _mm256_sub_epi8(a2, _mm256_cmpeq_epi8(x, v2));
        a3 = _mm256_sub_epi8(a3, _mm256_cmpeq_epi8(x, v3));
      }
      // v + 1..3 may pass hi (their counters are 0) or 63 (not counted).
      c[v] += static_cast<std::uint32_t>(avx2_hsum64(_mm256_sad_epu8(a0, zero)));
      if (v + 1 < 64) c[v + 1] += static_cast<std::uint32_t>(avx2_hsum64(_mm256_sad_epu8(a1, zero)));
      if (v + 2 < 64) c[v + 2] += static_cast<std::uint32_t>(avx2_hsum64(_mm256_sad_epu8(a2, zero)));
      if (v + 3 < 64) c[v + 3] += static_cast<std::uint32_t>(avx2_hsum64(_mm256_sad_epu8(a3, zero)));
    }
  }
  if (i < n) accumulate_histogram_split(regs + i, n - i, c);
  for (std::size_t v = 0; v < 64; ++v) counts[v] = c[v];
}

// 4-bit packing (DataSketches HLL_4; references and layout in packed4.hpp),
// 64 registers ↔ 32 bytes per step.

/// pack4_scalar's contract: subtract base, clamp at 15 (min), then one
/// multiply-add per byte pair gives lo + 16·hi in each 16-bit lane, and a
/// saturating pack (values ≤ 255) with a 64-bit-lane permute puts the 32
/// bytes in order; a compare with 15 and a byte movemask give the 64 bits of
/// the exceptions' bitmap.
HASHSKETCH_TARGET("avx2")
inline void pack4_avx2(const std::uint8_t* regs, std::size_t n, unsigned base, unsigned char* dst,
                       std::uint64_t* exceptions) noexcept {
  const __m256i b = _mm256_set1_epi8(static_cast<char>(base));
  const __m256i fifteen = _mm256_set1_epi8(15);
  const __m256i pairs = _mm256_set1_epi16(0x1001);  // bytes (1, 16)
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(regs + i));
    __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(regs + i + 32));
    x = _mm256_min_epu8(_mm256_sub_epi8(x, b), fifteen);
    y = _mm256_min_epu8(_mm256_sub_epi8(y, b), fifteen);
    exceptions[i / 64] =
        static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, fifteen))) |
        static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(y, fifteen))))
            << 32;
    x = _mm256_maddubs_epi16(x, pairs);
    y = _mm256_maddubs_epi16(y, pairs);
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(x, y), 0xD8);  // lanes 0, 2, 1, 3
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i / 2), packed);
  }
  if (i < n) pack4_scalar(regs + i, n - i, base, dst + i / 2, exceptions + i / 64);
}

/// unpack4_scalar's contract: low and high nibbles of 32 bytes, interleaved
/// back into slot order (unpack within 128-bit lanes, then a lane permute),
/// plus base; the 15s are counted by subtracting compare masks from byte
/// counters (≤ 2 per step per byte: flushed by a sum of absolute
/// differences every 127 steps).
HASHSKETCH_TARGET("avx2")
inline std::size_t unpack4_avx2(const unsigned char* src, std::size_t n, unsigned base, std::uint8_t* dst) noexcept {
  const __m256i b = _mm256_set1_epi8(static_cast<char>(base));
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  const __m256i zero = _mm256_setzero_si256();
  std::uint64_t marked = 0;
  __m256i count = zero;
  unsigned steps = 0;
  std::size_t j = 0;
  for (; j + 64 <= n; j += 64) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + j / 2));
    const __m256i lo = _mm256_and_si256(x, low4);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low4);
    count = _mm256_sub_epi8(count, _mm256_cmpeq_epi8(lo, low4));
    count = _mm256_sub_epi8(count, _mm256_cmpeq_epi8(hi, low4));
    const __m256i a = _mm256_unpacklo_epi8(lo, hi);  // slots 0..15 | 32..47
    const __m256i c = _mm256_unpackhi_epi8(lo, hi);  // slots 16..31 | 48..63
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + j),
                        _mm256_add_epi8(_mm256_permute2x128_si256(a, c, 0x20), b));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + j + 32),
                        _mm256_add_epi8(_mm256_permute2x128_si256(a, c, 0x31), b));
    if (++steps == 127) {
      marked += avx2_hsum64(_mm256_sad_epu8(count, zero));
      count = zero;
      steps = 0;
    }
  }
  marked += avx2_hsum64(_mm256_sad_epu8(count, zero));
  if (j < n) marked += unpack4_scalar(src + j / 2, n - j, base, dst + j);
  return static_cast<std::size_t>(marked);
}

// XXH3 of 8-byte keys (formula in kernels_scalar.hpp), four per vector.

/// Low 64 bits of x·m for a constant m, from 32×32→64 multiplies:
/// lo(x)·lo(m) + ((hi(x)·lo(m) + lo(x)·hi(m)) << 32).
HASHSKETCH_TARGET("avx2")
inline __m256i avx2_mullo64(__m256i x, __m256i m_lo, __m256i m_hi) noexcept {
  const __m256i ll = _mm256_mul_epu32(x, m_lo);
  const __m256i hl = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m_lo);
  const __m256i lh = _mm256_mul_epu32(x, m_hi);
  return _mm256_add_epi64(ll, _mm256_slli_epi64(_mm256_add_epi64(hl, lh), 32));
}

HASHSKETCH_TARGET("avx2")
inline __m256i avx2_xxh3_len8(__m256i k, __m256i flip) noexcept {
  const __m256i m_lo = _mm256_set1_epi64x(static_cast<long long>(xxh3_rrmxmx_multiplier & 0xFFFFFFFFu));
  const __m256i m_hi = _mm256_set1_epi64x(static_cast<long long>(xxh3_rrmxmx_multiplier >> 32));
  __m256i x = _mm256_xor_si256(_mm256_shuffle_epi32(k, 0xB1), flip);  // swap 32-bit halves = rotate by 32
  const __m256i r49 = _mm256_or_si256(_mm256_slli_epi64(x, 49), _mm256_srli_epi64(x, 15));
  const __m256i r24 = _mm256_or_si256(_mm256_slli_epi64(x, 24), _mm256_srli_epi64(x, 40));
  x = _mm256_xor_si256(x, _mm256_xor_si256(r49, r24));
  x = avx2_mullo64(x, m_lo, m_hi);
  x = _mm256_xor_si256(x, _mm256_add_epi64(_mm256_srli_epi64(x, 35), _mm256_set1_epi64x(8)));
  x = avx2_mullo64(x, m_lo, m_hi);
  return _mm256_xor_si256(x, _mm256_srli_epi64(x, 28));
}

HASHSKETCH_TARGET("avx2")
inline void xxh3_batch_avx2(const std::uint64_t* keys, std::size_t n, std::uint64_t seed,
                            std::uint64_t* out) noexcept {
  const std::uint64_t flip = xxh3_len8_flip(seed);
  const __m256i fv = _mm256_set1_epi64x(static_cast<long long>(flip));
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256i k = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), avx2_xxh3_len8(k, fv));
  }
  for (; i < n; ++i) out[i] = xxh3_len8(keys[i], flip);
}

/// Hash 256 keys at a time into an L1 buffer, then locate and update with an
/// unconditional max store (no branch on "did the register grow").
HASHSKETCH_TARGET("avx2")
inline void xxh3_max_update_avx2(std::uint8_t* regs, unsigned p, const std::uint64_t* keys, std::size_t n,
                                 std::uint64_t seed) noexcept {
  alignas(32) std::uint64_t hashes[256];
  const std::uint64_t sentinel = std::uint64_t{1} << (p - 1u);
  for (std::size_t i = 0; i < n; i += 256) {
    const std::size_t len = n - i < 256 ? n - i : 256;
    xxh3_batch_avx2(keys + i, len, seed, hashes);
    for (std::size_t j = 0; j < len; ++j) {
      const std::uint64_t h = hashes[j];
      const std::size_t index = static_cast<std::size_t>(h >> (64u - p));
      const std::uint8_t rank = static_cast<std::uint8_t>(clz64_nonzero((h << p) | sentinel) + 1u);
      const std::uint8_t old = regs[index];
      regs[index] = rank > old ? rank : old;
    }
  }
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_ARCH_X86
#endif  // HASHSKETCH_DETAIL_KERNELS_AVX2_HPP
