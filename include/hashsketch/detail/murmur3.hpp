#ifndef HASHSKETCH_DETAIL_MURMUR3_HPP
#define HASHSKETCH_DETAIL_MURMUR3_HPP

// MurmurHash3_x64_128, written from Austin Appleby's published description of
// the algorithm (SMHasher, MurmurHash3.cpp, placed in the public domain): two
// 64-bit lanes h1, h2 mixed 16 bytes at a time, a tail of 0..15 bytes, then
// the 64-bit finaliser fmix64 on both lanes. The constants below are the
// algorithm's published constants (c1, c2, the lane offsets 0x52dce729 and
// 0x38495ab5, and fmix64's two multipliers); nothing here is tuned.
//
// Apache DataSketches seeds both lanes with the full 64-bit seed (9001 for
// HLL); Appleby's reference takes a 32-bit seed and widens it the same way,
// so both agree for seeds below 2^32.

#include <cstddef>
#include <cstdint>

#include "bytes.hpp"

namespace hashsketch {
namespace detail {

constexpr std::uint64_t murmur3_rotl64(std::uint64_t x, unsigned r) noexcept { return (x << r) | (x >> (64u - r)); }

/// The 64-bit finaliser: every input bit affects every output bit.
constexpr std::uint64_t murmur3_fmix64(std::uint64_t k) noexcept {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

constexpr std::uint64_t murmur3_c1 = 0x87c37b91114253d5ULL;
constexpr std::uint64_t murmur3_c2 = 0x4cf5ad432745937fULL;

/// MurmurHash3_x64_128 of [data, data + size) with `seed` in both lanes.
/// Reads exactly `size` bytes (none when size is 0; data may then be null).
/// The result does not depend on the host's byte order: blocks are read as
/// little-endian words, as on the x86-64 hosts the algorithm was defined on.
inline void murmur3_x64_128(const void* data, std::size_t size, std::uint64_t seed, std::uint64_t& out1,
                            std::uint64_t& out2) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t h1 = seed;
  std::uint64_t h2 = seed;
  const std::size_t blocks = size / 16u;
  for (std::size_t i = 0; i < blocks; ++i, p += 16) {
    std::uint64_t k1 = load_le64(p);
    std::uint64_t k2 = load_le64(p + 8);
    k1 *= murmur3_c1;
    k1 = murmur3_rotl64(k1, 31);
    k1 *= murmur3_c2;
    h1 ^= k1;
    h1 = murmur3_rotl64(h1, 27);
    h1 += h2;
    h1 = h1 * 5u + 0x52dce729u;
    k2 *= murmur3_c2;
    k2 = murmur3_rotl64(k2, 33);
    k2 *= murmur3_c1;
    h2 ^= k2;
    h2 = murmur3_rotl64(h2, 31);
    h2 += h1;
    h2 = h2 * 5u + 0x38495ab5u;
  }
  // Tail: bytes 8..14 form k2 and bytes 0..7 form k1, little-endian, each
  // mixed once without the lane rotation/offset step.
  const std::size_t tail = size & 15u;
  std::uint64_t k1 = 0, k2 = 0;
  if (tail >= 8) {
    k1 = load_le64(p);
    k2 = load_le_upto8(p + 8, tail - 8);
  } else {
    k1 = load_le_upto8(p, tail);
  }
  if (tail > 8) {
    k2 *= murmur3_c2;
    k2 = murmur3_rotl64(k2, 33);
    k2 *= murmur3_c1;
    h2 ^= k2;
  }
  if (tail > 0) {
    k1 *= murmur3_c1;
    k1 = murmur3_rotl64(k1, 31);
    k1 *= murmur3_c2;
    h1 ^= k1;
  }
  h1 ^= static_cast<std::uint64_t>(size);
  h2 ^= static_cast<std::uint64_t>(size);
  h1 += h2;
  h2 += h1;
  h1 = murmur3_fmix64(h1);
  h2 = murmur3_fmix64(h2);
  h1 += h2;
  h2 += h1;
  out1 = h1;
  out2 = h2;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_MURMUR3_HPP
