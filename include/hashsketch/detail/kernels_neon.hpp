#ifndef HASHSKETCH_DETAIL_KERNELS_NEON_HPP
#define HASHSKETCH_DETAIL_KERNELS_NEON_HPP

// NEON (AArch64 Advanced SIMD, present on every AArch64 CPU, so no target
// attribute is needed): 16-byte max for merge, and register_stats with a
// 64-entry table lookup (TBL with four registers) per byte of 2^(q−r) and
// pairwise widening adds. Hashing keeps the scalar XXH3 formula (NEON has no
// 64-bit lane multiply). Compiles to nothing off AArch64.

#include "kernels_scalar.hpp"

#if defined(HASHSKETCH_ARCH_AARCH64)
#include <arm_neon.h>

namespace hashsketch {
namespace detail {

inline void merge_max_neon(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const uint8x16x4_t d = vld1q_u8_x4(dst + i);
    const uint8x16x4_t s = vld1q_u8_x4(src + i);
    uint8x16x4_t r;
    r.val[0] = vmaxq_u8(d.val[0], s.val[0]);
    r.val[1] = vmaxq_u8(d.val[1], s.val[1]);
    r.val[2] = vmaxq_u8(d.val[2], s.val[2]);
    r.val[3] = vmaxq_u8(d.val[3], s.val[3]);
    vst1q_u8_x4(dst + i, r);
  }
  for (; i + 16 <= n; i += 16) vst1q_u8(dst + i, vmaxq_u8(vld1q_u8(dst + i), vld1q_u8(src + i)));
  merge_max_scalar(dst + i, src + i, n - i);
}

inline void merge_max_into_neon(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b,
                                std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) vst1q_u8(out + i, vmaxq_u8(vld1q_u8(a + i), vld1q_u8(b + i)));
  merge_max_into_scalar(out + i, a + i, b + i, n - i);
}

inline void merge_histogram_neon(const std::uint8_t* a, const std::uint8_t* b, std::size_t n,
                                 std::uint32_t* counts) noexcept {
  for (std::size_t v = 0; v < 64; ++v) counts[v] = 0;
  alignas(64) std::uint8_t chunk[1024];
  for (std::size_t i = 0; i < n; i += sizeof chunk) {
    const std::size_t len = n - i < sizeof chunk ? n - i : sizeof chunk;
    merge_max_into_neon(chunk, a + i, b + i, len);
    accumulate_histogram_split(chunk, len, counts);
  }
}

// register_stats, 16 registers per step: TBL looks up byte j of 2^(q−r) in a
// 64-byte table (zero unless 1 ≤ r ≤ q), UADALP adds byte pairs into 16-bit
// lanes (≤ 256 per step, flushed to 64 bits every 255 steps before they can
// wrap); weighted = Σ_j acc_j·256^j. zeros/saturated: compare masks (0xFF)
// subtracted from byte counters, flushed on the same schedule.
template <bool Merge>
inline void stats_neon_impl(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                            register_stats* out) noexcept {
  alignas(16) std::uint8_t tables[8][64] = {};
  for (unsigned r = 1; r <= q && r < 64; ++r) {
    const unsigned t = q - r;
    tables[t >> 3][r] = static_cast<std::uint8_t>(1u << (t & 7u));
  }
  const unsigned groups = q == 0 ? 0 : ((q - 1) >> 3) + 1;
  uint8x16x4_t lut[8];
  uint64x2_t acc[8];
  for (unsigned j = 0; j < 8; ++j) {
    lut[j] = vld1q_u8_x4(tables[j]);
    acc[j] = vdupq_n_u64(0);
  }
  const uint8x16_t q1v = vdupq_n_u8(static_cast<std::uint8_t>(q + 1));
  uint64x2_t zeros = vdupq_n_u64(0), saturated = vdupq_n_u64(0);
  std::size_t i = 0;
  while (i + 16 <= n) {
    uint16x8_t part[8];
    for (unsigned j = 0; j < 8; ++j) part[j] = vdupq_n_u16(0);
    uint8x16_t zb = vdupq_n_u8(0), sb = vdupq_n_u8(0);
    const std::size_t stop = n - i >= 255 * 16 ? i + 255 * 16 : n - ((n - i) % 16);
    for (; i < stop; i += 16) {
      uint8x16_t r = vld1q_u8(a + i);
      if (Merge) r = vmaxq_u8(r, vld1q_u8(b + i));
      zb = vsubq_u8(zb, vceqzq_u8(r));
      sb = vsubq_u8(sb, vceqq_u8(r, q1v));
      for (unsigned j = 0; j < groups; ++j) part[j] = vpadalq_u8(part[j], vqtbl4q_u8(lut[j], r));
    }
    for (unsigned j = 0; j < groups; ++j) acc[j] = vpadalq_u32(acc[j], vpaddlq_u16(part[j]));
    zeros = vpadalq_u32(zeros, vpaddlq_u16(vpaddlq_u8(zb)));
    saturated = vpadalq_u32(saturated, vpaddlq_u16(vpaddlq_u8(sb)));
  }
  std::uint64_t weighted = 0;
  for (unsigned j = 0; j < groups; ++j) weighted += vaddvq_u64(acc[j]) << (8 * j);
  *out = stats_finish_scalar<Merge>(a, b, i, n, q, vaddvq_u64(zeros), vaddvq_u64(saturated), weighted);
}

inline void register_stats_neon(const std::uint8_t* regs, std::size_t n, unsigned q, register_stats* out) noexcept {
  stats_neon_impl<false>(regs, nullptr, n, q, out);
}

inline void merge_stats_neon(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                             register_stats* out) noexcept {
  stats_neon_impl<true>(a, b, n, q, out);
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_ARCH_AARCH64
#endif  // HASHSKETCH_DETAIL_KERNELS_NEON_HPP
