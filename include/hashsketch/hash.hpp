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
  explicit constexpr xxh3_hasher(std::uint64_t seed) noexcept : seed_(seed), flip8_(len8_flip(seed)) {}

  constexpr std::uint64_t seed() const noexcept { return seed_; }

  /// XXH3-64 of [data, data + size) with this seed.
  ///
  /// Keys of 4..16 bytes (user ids, IPv4/IPv6 text, hostnames' labels, web
  /// log fields) take XXH3's two short formulas inline (xxhash.h v0.8:
  /// XXH3_len_4to8_64b ending in XXH3_rrmxmx, XXH3_len_9to16_64b ending in
  /// XXH3_avalanche), with the seed's part of the 4..8 one precomputed in the
  /// constructor. Why: XXH3_64bits_withSeed holds every length's path (up to
  /// the 240+ byte loop), so it is not inlined and tests the length again
  /// inside: a quarter of `hashsketch count -f 3`'s CPU time on a web log,
  /// whose keys are 8-9 bytes. Other lengths call XXH3_64bits_withSeed.
  /// tests/bytes_test.cpp checks equality with it for every length 0..300.
  HASHSKETCH_FORCE_INLINE result_type operator()(const void* data, std::size_t size) const noexcept {
#if defined(__SIZEOF_INT128__)
    if (size - 4u <= 12u) {  // 4..16 bytes (size < 4 wraps around to a large value)
      const unsigned char* p = static_cast<const unsigned char*>(data);
      if (size <= 8) {
        const std::uint64_t first = detail::load_le32(p);
        const std::uint64_t last = detail::load_le32(p + size - 4);
        std::uint64_t x = (last + (first << 32)) ^ flip8_;
        x ^= rotl(x, 49) ^ rotl(x, 24);
        x *= rrmxmx_multiplier;
        x ^= (x >> 35) + size;
        x *= rrmxmx_multiplier;
        return x ^ (x >> 28);
      }
      const std::uint64_t a = detail::load_le64(p) ^ (secret_24_xor_32 + seed_);
      const std::uint64_t b = detail::load_le64(p + size - 8) ^ (secret_40_xor_48 - seed_);
      __extension__ using u128 = unsigned __int128;  // __extension__: no -Wpedantic warning
      const u128 product = static_cast<u128>(a) * b;
      std::uint64_t acc = size + bswap64(a) + b + (static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64));
      acc ^= acc >> 37;
      acc *= avalanche_multiplier;
      return acc ^ (acc >> 32);
    }
#endif
    return XXH3_64bits_withSeed(data, size, seed_);
  }
  result_type operator()(std::string_view key) const noexcept { return (*this)(key.data(), key.size()); }
  /// Hashes the key's 8 little-endian bytes, so the result is the same on every host.
  ///
  /// Computed as XXH3's closed form for an input of exactly 8 bytes
  /// (xxhash.h v0.8, XXH3_len_4to8_64b + XXH3_rrmxmx; equal to
  /// XXH3_64bits_withSeed of those bytes, tests/bytes_test.cpp), with the
  /// seed's part precomputed in the constructor: in a loop that also stores
  /// bytes (a sketch's add), the compiler must assume every byte store may
  /// change the hasher, so it reloads the seed and redoes that part per key
  /// (measured: add(uint64) 1.6–2.1x the XXH3 + max loop at -O2).
  HASHSKETCH_FORCE_INLINE result_type operator()(std::uint64_t key) const noexcept {
    // The key's bytes read as XXH3 reads them: its two little-endian 32-bit
    // halves swapped (input2 + (input1 << 32)), i.e. a rotation by 32.
    std::uint64_t x = ((key << 32) | (key >> 32)) ^ flip8_;
    x ^= rotl(x, 49) ^ rotl(x, 24);
    x *= rrmxmx_multiplier;
    x ^= (x >> 35) + 8u;  // + the input length
    x *= rrmxmx_multiplier;
    return x ^ (x >> 28);
  }

  friend constexpr bool operator==(const xxh3_hasher& a, const xxh3_hasher& b) noexcept { return a.seed_ == b.seed_; }
  friend constexpr bool operator!=(const xxh3_hasher& a, const xxh3_hasher& b) noexcept { return !(a == b); }

 private:
  // XXH3_rrmxmx's multiplier and XXH3_avalanche's (XXH_PRIME_MX1) (xxhash.h v0.8).
  static constexpr std::uint64_t rrmxmx_multiplier = 0x9FB21C651E98DF25ULL;
  static constexpr std::uint64_t avalanche_multiplier = 0x165667919E3779F9ULL;
  // Bytes 8..15 XOR bytes 16..23 of XXH3's default secret (XXH3_kSecret),
  // each read as a little-endian 64-bit word; likewise 24..31 ^ 32..39 and
  // 40..47 ^ 48..55 (XXH3_len_9to16_64b's two bitflips before the seed).
  // (tests/bytes_test.cpp: every length 0..300 equals XXH3_64bits_withSeed.)
  static constexpr std::uint64_t secret_8_xor_16 = 0xC73AB174C5ECD5A2ULL;
  static constexpr std::uint64_t secret_24_xor_32 = 0x6782737BEA4239B9ULL;
  static constexpr std::uint64_t secret_40_xor_48 = 0xAF56BC3B0996523AULL;
  static constexpr std::uint64_t rotl(std::uint64_t v, unsigned r) noexcept { return (v << r) | (v >> (64u - r)); }
  static std::uint64_t bswap64(std::uint64_t v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_bswap64(v);
#else
    std::uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r = (r << 8) | ((v >> (8 * i)) & 0xFFu);
    return r;
#endif
  }
  // XXH3_len_4to8_64b's `bitflip` for this seed: the seed with the byte swap
  // of its low 32 bits xored into its high half, subtracted from the secret's part.
  static constexpr std::uint64_t len8_flip(std::uint64_t seed) noexcept {
    const std::uint64_t lo = seed & 0xFFFFFFFFu;
    const std::uint64_t swapped = ((lo & 0xFFu) << 24) | ((lo & 0xFF00u) << 8) | ((lo >> 8) & 0xFF00u) | (lo >> 24);
    return secret_8_xor_16 - (seed ^ (swapped << 32));
  }

  std::uint64_t seed_ = 0;
  std::uint64_t flip8_ = len8_flip(0);  // derived from seed_; not part of the value
};

}  // namespace hashsketch

#endif  // HASHSKETCH_HASH_HPP
