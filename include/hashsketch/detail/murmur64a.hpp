#ifndef HASHSKETCH_DETAIL_MURMUR64A_HPP
#define HASHSKETCH_DETAIL_MURMUR64A_HPP

// MurmurHash64A (Austin Appleby, MurmurHash2 family, public domain), written
// from the published algorithm: multiplier m = 0xc6a4a7935bd1e995, shift
// r = 47, state h = seed ^ (length · m); every 8-byte block k is mixed as
// k·m, k ^= k >> r, k·m, then h = (h ^ k)·m; the 1..7 tail bytes are xored
// into h at bit 8·i and multiplied once; the finaliser is h ^= h >> r, h·m,
// h ^= h >> r. Blocks are read little-endian on every host, which is what
// Redis does (its copy reads blocks little-endian on big-endian machines
// too), so a hash computed here equals the one a Redis server computes.

#include <cstddef>
#include <cstdint>

#include "bytes.hpp"

namespace hashsketch {
namespace detail {

constexpr std::uint64_t murmur64a_m = 0xc6a4a7935bd1e995ULL;
constexpr unsigned murmur64a_r = 47;

inline std::uint64_t murmur64a(const void* data, std::size_t size, std::uint64_t seed) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  // Unsigned arithmetic: every product wraps modulo 2^64 as the algorithm intends.
  std::uint64_t h = seed ^ (static_cast<std::uint64_t>(size) * murmur64a_m);
  const std::size_t blocks = size / 8;
  for (std::size_t b = 0; b < blocks; ++b) {
    std::uint64_t k = load_le64(p + 8 * b);
    k *= murmur64a_m;
    k ^= k >> murmur64a_r;
    k *= murmur64a_m;
    h ^= k;
    h *= murmur64a_m;
  }
  const unsigned char* tail = p + 8 * blocks;
  const std::size_t rest = size & 7u;
  if (rest != 0) {
    h ^= load_le_upto8(tail, rest);
    h *= murmur64a_m;
  }
  h ^= h >> murmur64a_r;
  h *= murmur64a_m;
  h ^= h >> murmur64a_r;
  return h;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_MURMUR64A_HPP
