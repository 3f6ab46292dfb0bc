#ifndef HASHSKETCH_TOOLS_KEY_HASH_HPP
#define HASHSKETCH_TOOLS_KEY_HASH_HPP

// key_hasher: XXH3-64 with a seed, the value hashsketch::xxh3_hasher gives
// for the same bytes, with the short inputs (4..16 bytes: user ids, IPs,
// hostnames' labels) computed inline.
//
// Why: xxh3_hasher calls XXH3_64bits_withSeed, which holds every length's
// path (up to the 240+ byte loop) and is therefore not inlined: one call per
// key, and the length tests run again inside it — a quarter of `count -f 3`'s
// CPU time on a web log, whose keys are 8-9 bytes. Here the two short
// formulas of XXH3 (xxhash 0.8's definition: the 4..8 byte one ending in
// rrmxmx, the 9..16 byte one ending in the avalanche), with their seed- and
// secret-dependent parts computed once in the constructor; other lengths go
// to xxh3_hasher. tests/tools_test.cpp checks equality with xxh3_hasher for
// every length 0..300 and several seeds.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <hashsketch/hash.hpp>

namespace hashsketch_cli {

class key_hasher {
 public:
  explicit key_hasher(std::uint64_t seed) noexcept : full_(seed) {
    const std::uint64_t lo = seed & 0xFFFFFFFFu;
    const std::uint64_t swapped = ((lo & 0xFFu) << 24) | ((lo & 0xFF00u) << 8) | ((lo >> 8) & 0xFF00u) | (lo >> 24);
    flip_4to8_ = (secret_word(8) ^ secret_word(16)) - (seed ^ (swapped << 32));
    flip_9to16_lo_ = (secret_word(24) ^ secret_word(32)) + seed;
    flip_9to16_hi_ = (secret_word(40) ^ secret_word(48)) - seed;
  }

  /// XXH3-64 of [p, p + n) with the seed; equal to xxh3_hasher(seed)(p, n).
  HASHSKETCH_FORCE_INLINE std::uint64_t operator()(const char* p, std::size_t n) const noexcept {
#if defined(__SIZEOF_INT128__)
    if (n - 4u <= 12u) {  // 4..16 bytes (n < 4 wraps around to a large value)
      if (n <= 8) {
        const std::uint64_t first = read32(p), last = read32(p + n - 4);
        std::uint64_t x = (last + (first << 32)) ^ flip_4to8_;
        x ^= rotl(x, 49) ^ rotl(x, 24);
        x *= rrmxmx_multiplier;
        x ^= (x >> 35) + n;
        x *= rrmxmx_multiplier;
        return x ^ (x >> 28);
      }
      const std::uint64_t a = read64(p) ^ flip_9to16_lo_;
      const std::uint64_t b = read64(p + n - 8) ^ flip_9to16_hi_;
      __extension__ using u128 = unsigned __int128;  // __extension__: no -Wpedantic warning
      const u128 product = static_cast<u128>(a) * b;
      std::uint64_t acc = n + bswap64(a) + b + (static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64));
      acc ^= acc >> 37;
      acc *= avalanche_multiplier;
      return acc ^ (acc >> 32);
    }
#endif
    return full_(p, n);
  }

  std::uint64_t seed() const noexcept { return full_.seed(); }

 private:
  static constexpr std::uint64_t rrmxmx_multiplier = 0x9FB21C651E98DF25ULL;
  static constexpr std::uint64_t avalanche_multiplier = 0x165667919E3779F9ULL;

  static std::uint64_t rotl(std::uint64_t v, unsigned r) noexcept { return (v << r) | (v >> (64u - r)); }
  static std::uint64_t bswap64(std::uint64_t v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_bswap64(v);
#else
    std::uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r = (r << 8) | ((v >> (8 * i)) & 0xFFu);
    return r;
#endif
  }
  // Little-endian reads (XXH3 reads its input little-endian on every host).
  static std::uint64_t read64(const char* p) noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = bswap64(v);
#endif
    return v;
  }
  static std::uint64_t read32(const char* p) noexcept {
    std::uint32_t v = 0;
    std::memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
  }
  // The little-endian 64-bit word at byte `offset` of XXH3's default secret
  // (xxhash.h's XXH3_kSecret, which hash.hpp includes).
  static std::uint64_t secret_word(std::size_t offset) noexcept {
    return read64(reinterpret_cast<const char*>(XXH3_kSecret) + offset);
  }

  hashsketch::xxh3_hasher full_;
  std::uint64_t flip_4to8_ = 0, flip_9to16_lo_ = 0, flip_9to16_hi_ = 0;
};

}  // namespace hashsketch_cli

#endif  // HASHSKETCH_TOOLS_KEY_HASH_HPP
