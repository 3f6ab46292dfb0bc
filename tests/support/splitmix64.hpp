#ifndef HASHSKETCH_TESTS_SUPPORT_SPLITMIX64_HPP
#define HASHSKETCH_TESTS_SUPPORT_SPLITMIX64_HPP

#include <cstdint>

namespace hashsketch_test {

/// SplitMix64 (Steele, Lea, Flood 2014): ~1 ns per 64-bit value, passes
/// BigCrush; the tests' stand-in for the uniform hash bits HyperLogLog assumes
/// and their source of deterministic keys (every test seeds its own).
struct splitmix64 {
  std::uint64_t state;
  std::uint64_t operator()() noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t next() noexcept { return (*this)(); }
  /// Uniform in (0, 1].
  double uniform_open0() noexcept { return (static_cast<double>((*this)() >> 11) + 1.0) * 0x1p-53; }
};

}  // namespace hashsketch_test

#endif  // HASHSKETCH_TESTS_SUPPORT_SPLITMIX64_HPP
