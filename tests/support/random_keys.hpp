#ifndef HASHSKETCH_TESTS_SUPPORT_RANDOM_KEYS_HPP
#define HASHSKETCH_TESTS_SUPPORT_RANDOM_KEYS_HPP

#include <cstddef>
#include <cstdint>
#include <vector>

#include "splitmix64.hpp"

namespace hashsketch_test {

/// n keys from splitmix64 seeded with `seed`: deterministic, distinct with
/// overwhelming probability (64-bit values), the same in every test that uses it.
inline std::vector<std::uint64_t> random_keys(std::size_t n, std::uint64_t seed) {
  splitmix64 rng{seed};
  std::vector<std::uint64_t> keys(n);
  for (auto& k : keys) k = rng();
  return keys;
}

}  // namespace hashsketch_test

#endif  // HASHSKETCH_TESTS_SUPPORT_RANDOM_KEYS_HPP
