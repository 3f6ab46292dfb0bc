#ifndef HASHSKETCH_DETAIL_KERNELS_SCALAR_HPP
#define HASHSKETCH_DETAIL_KERNELS_SCALAR_HPP

// The scalar reference kernels. Every SIMD kernel (kernels_sse2/avx2/avx512/
// neon.hpp) is tested equal to these (tests/kernels_test.cpp), and they are
// the kernel set of last resort on any CPU. Plain, obviously-correct loops:
// speed lives in the SIMD headers.
//
// Preconditions shared by every kernel: register values are < 64 (true for
// every layout: the largest rank of any policy is 63); pointers need no
// alignment; n may be any length (odd tails included).

#include <cstddef>
#include <cstdint>

#include "../estimators.hpp"
#include "../hash.hpp"  // xxhash.h (XXH3_kSecret)
#include "arch.hpp"
#include "bits.hpp"
#include "bytes.hpp"
#include "packed4.hpp"  // pack4_scalar / unpack4_scalar, the 4-bit references
#include "packed6.hpp"  // pack6_scalar / unpack6_scalar, the 6-bit references

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

/// The same histogram with four split counter tables: consecutive equal
/// registers (the common case in HyperLogLog) then increment different
/// counters, so the store-to-load chain through one counter is broken. The
/// fast scalar path the SIMD sets use (a histogram does not vectorise well).
inline void register_histogram_split(const std::uint8_t* regs, std::size_t n, std::uint32_t* counts) noexcept {
  std::uint32_t c[4][64] = {};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t w = load_le64(regs + i);
    ++c[0][w & 63u];
    ++c[1][(w >> 8) & 63u];
    ++c[2][(w >> 16) & 63u];
    ++c[3][(w >> 24) & 63u];
    ++c[0][(w >> 32) & 63u];
    ++c[1][(w >> 40) & 63u];
    ++c[2][(w >> 48) & 63u];
    ++c[3][(w >> 56) & 63u];
  }
  for (; i < n; ++i) ++c[0][regs[i] & 63u];
  for (std::size_t v = 0; v < 64; ++v) counts[v] = c[0][v] + c[1][v] + c[2][v] + c[3][v];
}

/// Adds the histogram of regs[0..n) to counts (split counters as above).
inline void accumulate_histogram_split(const std::uint8_t* regs, std::size_t n, std::uint32_t* counts) noexcept {
  std::uint32_t h[64];
  register_histogram_split(regs, n, h);
  for (std::size_t v = 0; v < 64; ++v) counts[v] += h[v];
}

/// Histogram of max(a[i], b[i]) without writing the union anywhere.
inline void merge_histogram_scalar(const std::uint8_t* a, const std::uint8_t* b, std::size_t n,
                                   std::uint32_t* counts) noexcept {
  for (std::size_t v = 0; v < 64; ++v) counts[v] = 0;
  for (std::size_t i = 0; i < n; ++i) ++counts[(a[i] > b[i] ? a[i] : b[i]) & 63u];
}

/// register_stats of regs[0..n) for a layout whose largest rank is q + 1:
/// zeros = #{r = 0}, saturated = #{r = q + 1}, weighted = Σ_{1≤r≤q} 2^(q−r)
/// (mod 2^64; exact when register_stats_fit(n, q)). q ≤ 62.
inline void register_stats_scalar(const std::uint8_t* regs, std::size_t n, unsigned q,
                                  register_stats* out) noexcept {
  std::uint32_t zeros = 0, saturated = 0;
  std::uint64_t weighted = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned r = regs[i];
    if (r == 0)
      ++zeros;
    else if (r == q + 1)
      ++saturated;
    else if (r <= q)
      weighted += std::uint64_t{1} << (q - r);
  }
  *out = register_stats{zeros, saturated, weighted};
}

/// register_stats of max(a[i], b[i]) without writing the union anywhere.
inline void merge_stats_scalar(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                               register_stats* out) noexcept {
  std::uint32_t zeros = 0, saturated = 0;
  std::uint64_t weighted = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned r = a[i] > b[i] ? a[i] : b[i];
    if (r == 0)
      ++zeros;
    else if (r == q + 1)
      ++saturated;
    else if (r <= q)
      weighted += std::uint64_t{1} << (q - r);
  }
  *out = register_stats{zeros, saturated, weighted};
}

/// The last step of every SIMD stats pass (one place, so every kernel set
/// finishes alike): the scalar reference over the registers the vector loop
/// left, [from, n) of a (of max(a, b) when Merge), added to the vector part's
/// counts. b is not read unless Merge.
template <bool Merge>
inline register_stats stats_finish_scalar(const std::uint8_t* a, const std::uint8_t* b, std::size_t from,
                                          std::size_t n, unsigned q, std::uint64_t zeros,
                                          std::uint64_t saturated, std::uint64_t weighted) noexcept {
  register_stats tail;
  if (Merge)
    merge_stats_scalar(a + from, b + from, n - from, q, &tail);
  else
    register_stats_scalar(a + from, n - from, q, &tail);
  return register_stats{static_cast<std::uint32_t>(zeros + tail.zeros),
                        static_cast<std::uint32_t>(saturated + tail.saturated), weighted + tail.weighted};
}

// --- XXH3-64 of 8-byte keys ------------------------------------------------
//
// For an input of 4..8 bytes XXH3-64 (xxhash.h v0.8, XXH3_len_4to8_64b and
// XXH3_rrmxmx) is a short closed formula, restated here so the SIMD sets can
// evaluate it in 64-bit lanes. For exactly 8 little-endian bytes k:
//   s'      = seed XOR (byteswap32(low 32 bits of seed) << 32)
//   flip    = (secret[8..16) XOR secret[16..24)) − s'    (secret read as LE u64)
//   x       = rotate(k, 32) XOR flip                     (the two 32-bit halves swapped)
//   x      ^= rotl(x, 49) XOR rotl(x, 24)
//   x      *= M;  x ^= (x >> 35) + 8;  x *= M;  x ^= x >> 28
// with M = 0x9FB21C651E98DF25, the multiplier of XXH3_rrmxmx (xxhash.h). The
// secret is xxhash.h's default one (XXH3_kSecret); with a seed of 0 the
// seeded entry point takes the same branch, so one formula covers every seed.
// tests/kernels_test.cpp checks it against XXH3_64bits_withSeed.

/// XXH3's rrmxmx multiplier (xxhash.h v0.8.x, XXH3_rrmxmx).
constexpr std::uint64_t xxh3_rrmxmx_multiplier = 0x9FB21C651E98DF25ULL;

inline std::uint32_t byteswap32(std::uint32_t x) noexcept {
  return (x >> 24) | ((x >> 8) & 0xFF00u) | ((x << 8) & 0xFF0000u) | (x << 24);
}

/// The seed-dependent constant `flip` of the formula above.
inline std::uint64_t xxh3_len8_flip(std::uint64_t seed) noexcept {
  const std::uint64_t s = seed ^ (static_cast<std::uint64_t>(byteswap32(static_cast<std::uint32_t>(seed))) << 32);
  return (load_le64(XXH3_kSecret + 8) ^ load_le64(XXH3_kSecret + 16)) - s;
}

inline std::uint64_t rotl64(std::uint64_t x, unsigned r) noexcept { return (x << r) | (x >> (64u - r)); }

/// XXH3-64 of the 8 little-endian bytes of `key`, given xxh3_len8_flip(seed).
inline std::uint64_t xxh3_len8(std::uint64_t key, std::uint64_t flip) noexcept {
  std::uint64_t x = rotl64(key, 32) ^ flip;
  x ^= rotl64(x, 49) ^ rotl64(x, 24);
  x *= xxh3_rrmxmx_multiplier;
  x ^= (x >> 35) + 8u;
  x *= xxh3_rrmxmx_multiplier;
  return x ^ (x >> 28);
}

/// out[i] = XXH3_64bits_withSeed(8 LE bytes of keys[i], seed) for i < n.
inline void xxh3_batch_scalar(const std::uint64_t* keys, std::size_t n, std::uint64_t seed,
                              std::uint64_t* out) noexcept {
  const std::uint64_t flip = xxh3_len8_flip(seed);
  for (std::size_t i = 0; i < n; ++i) out[i] = xxh3_len8(keys[i], flip);
}

/// The leading-zeros layout at precision p (leading_zeros_addressing::locate):
/// register = top p bits, rank = leading zeros of the rest + 1, capped at 65 − p.
inline void leading_zeros_locate(std::uint64_t hash, unsigned p, std::size_t& index, std::uint8_t& rank) noexcept {
  index = static_cast<std::size_t>(hash >> (64u - p));
  rank = static_cast<std::uint8_t>(clz64_nonzero((hash << p) | (std::uint64_t{1} << (p - 1u))) + 1u);
}

/// add_many's bulk update: for each key, hash (XXH3, seed), locate in the
/// leading-zeros layout at precision p (4..16) and regs[index] = max(regs[index],
/// rank). No histogram upkeep: the caller rebuilds it once per batch.
inline void xxh3_max_update_scalar(std::uint8_t* regs, unsigned p, const std::uint64_t* keys, std::size_t n,
                                   std::uint64_t seed) noexcept {
  const std::uint64_t flip = xxh3_len8_flip(seed);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t index;
    std::uint8_t rank;
    leading_zeros_locate(xxh3_len8(keys[i], flip), p, index, rank);
    if (rank > regs[index]) regs[index] = rank;
  }
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_KERNELS_SCALAR_HPP
