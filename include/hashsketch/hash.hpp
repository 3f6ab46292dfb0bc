#ifndef HASHSKETCH_HASH_HPP
#define HASHSKETCH_HASH_HPP

// Hasher policies. A hasher turns a key's bytes into a hash value that an
// addressing policy (addressing.hpp) maps to (register index, rank).
//
// The policy contract, checked where it is used:
//   using result_type = ...;                       // what operator() returns
//   static constexpr std::uint8_t id;              // stored in serialised sketches
//   static constexpr const char* name;             // for messages and `info`
//   explicit Hasher(std::uint64_t seed);           // a value: sketches with
//   std::uint64_t seed() const noexcept;           //   different seeds never merge
//   result_type operator()(const void*, std::size_t) const noexcept;
//   result_type operator()(std::uint64_t key) const noexcept;  // 8 little-endian bytes
//   bool operator==(const Hasher&, const Hasher&);

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "detail/bytes.hpp"

// xxHash is used header-only: every function is static inline under private
// names, so this coexists with a program that links libxxhash itself.
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#define HASHSKETCH_DEFINED_XXH_INLINE_ALL
#endif
#include <xxhash.h>
#ifdef HASHSKETCH_DEFINED_XXH_INLINE_ALL
#undef XXH_INLINE_ALL
#undef HASHSKETCH_DEFINED_XXH_INLINE_ALL
#endif
// add_many's SIMD kernels restate XXH3-64 as xxHash 0.8.0 fixed it (before
// 0.8.0 XXH3 was experimental and its output changed between releases), so
// an older xxhash.h would make add_many disagree with add. XXH_VERSION_NUMBER
// is MAJOR·10000 + MINOR·100 + RELEASE: 800 = 0.8.0.
static_assert(XXH_VERSION_NUMBER >= 800, "hashsketch: xxHash 0.8.0 or later is required (xxhash.h is older)");

// Hashing is the whole cost of add()/selects(); clang 14 declines to inline
// the hasher in hot loops without being told (measured: sampler 1.24-1.37x
// of bare XXH3 under clang vs 1.12x under g++).
#if defined(__GNUC__) || defined(__clang__)
#define HASHSKETCH_FORCE_INLINE inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define HASHSKETCH_FORCE_INLINE __forceinline
#else
#define HASHSKETCH_FORCE_INLINE inline
#endif

namespace hashsketch {

/// XXH3-64 with a 64-bit seed (default 0): the library's default hasher.
/// Fast on short keys and well mixed even for sequential integers, which is
/// what HyperLogLog's analysis assumes (independent uniform hash bits).
/// Stateless apart from the seed; safe to share between threads.
struct xxh3_hasher {
  using result_type = std::uint64_t;
  static constexpr std::uint8_t id = 1;
  static constexpr const char* name = "xxh3-64";

  constexpr xxh3_hasher() noexcept = default;
  explicit constexpr xxh3_hasher(std::uint64_t seed) noexcept : seed_(seed) {}

  constexpr std::uint64_t seed() const noexcept { return seed_; }

  /// XXH3-64 of [data, data + size) with this seed.
  HASHSKETCH_FORCE_INLINE result_type operator()(const void* data, std::size_t size) const noexcept {
    return XXH3_64bits_withSeed(data, size, seed_);
  }
  result_type operator()(std::string_view key) const noexcept { return (*this)(key.data(), key.size()); }
  /// Hashes the key's 8 little-endian bytes, so the result is the same on every host.
  HASHSKETCH_FORCE_INLINE result_type operator()(std::uint64_t key) const noexcept {
    unsigned char bytes[8];
    detail::store_le64(bytes, key);
    return (*this)(bytes, sizeof bytes);
  }

  friend constexpr bool operator==(const xxh3_hasher& a, const xxh3_hasher& b) noexcept { return a.seed_ == b.seed_; }
  friend constexpr bool operator!=(const xxh3_hasher& a, const xxh3_hasher& b) noexcept { return !(a == b); }

 private:
  std::uint64_t seed_ = 0;
};

}  // namespace hashsketch

#endif  // HASHSKETCH_HASH_HPP
