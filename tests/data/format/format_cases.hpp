#ifndef HASHSKETCH_TESTS_FORMAT_CASES_HPP
#define HASHSKETCH_TESTS_FORMAT_CASES_HPP

// The states behind the version-2 and version-3 golden files tests/data/format/*.hskt (v3_*),
// shared by their generator (tests/data/format/make_format_golden.cpp, run
// by hand once per format version) and by tests/encodings_test.cpp, which
// rebuilds every state from the same keys and requires (1) each golden file
// to decode to exactly that state and (2) today's writer to reproduce the
// file byte for byte. Never edit a case once its file is committed: add one.

#include <hashsketch/detail/native_format.hpp>
#include <hashsketch/hyperloglog.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace format_cases {

/// The default layout's token of a 64-bit hash (CORE-SHAPE.md; hash4j's
/// DistinctCountUtil token): index26 = the top 26 bits, rank26 − 1 = the
/// leading zeros of the low 38 bits, capped at 38.
inline std::uint32_t default_token(std::uint64_t h) {
  const std::uint32_t index26 = static_cast<std::uint32_t>(h >> 38);
  const std::uint64_t low = h & ((std::uint64_t{1} << 38) - 1);
  unsigned zeros = 38;
  if (low != 0) zeros = static_cast<unsigned>(__builtin_clzll(low)) - 26u;
  return index26 << 6 | zeros;
}

/// The token set of the hashes: one token per index26, the largest rank,
/// ascending (what the token store holds).
inline std::vector<std::uint32_t> token_set(std::vector<std::uint32_t> t) {
  std::sort(t.begin(), t.end());
  std::vector<std::uint32_t> out;
  for (std::uint32_t x : t) {
    if (!out.empty() && (out.back() >> 6) == (x >> 6))
      out.back() = x;  // same index26, larger or equal rank (sorted)
    else
      out.push_back(x);
  }
  return out;
}

/// Tokens of keys first … first + n − 1 under xxh3_hasher(seed).
inline std::vector<std::uint32_t> tokens_of_keys(std::uint64_t first, std::uint64_t n, std::uint64_t seed = 0) {
  const hashsketch::xxh3_hasher h(seed);
  std::vector<std::uint32_t> t;
  t.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) t.push_back(default_token(h(first + i)));
  return token_set(std::move(t));
}

/// The default layout's largest rank26 (38 zeros + 1).
constexpr unsigned default_max_rank26 = 39;

/// Calls v(file name, id, tokens) for every sparse golden case.
template <class Visitor>
void for_each_sparse_case(Visitor&& v) {
  v("sparse_p12_n100.hskt", hashsketch::hyperloglog<12>::native_id(hashsketch::xxh3_hasher{}),
    tokens_of_keys(0, 100));
  v("sparse_p14_n1000_seed7.hskt", hashsketch::hyperloglog<14>::native_id(hashsketch::xxh3_hasher(7)),
    tokens_of_keys(0, 1000, 7));
  v("sparse_p4_empty.hskt", hashsketch::hyperloglog<4>::native_id(hashsketch::xxh3_hasher{}),
    std::vector<std::uint32_t>{});
  // Extremes: index26 0 and 2^26 − 1, the largest rank, adjacent indexes.
  v("sparse_p16_extremes.hskt", hashsketch::hyperloglog<16>::native_id(hashsketch::xxh3_hasher{}),
    std::vector<std::uint32_t>{0u << 6 | 38u, 1u << 6 | 0u, 2u << 6 | 5u, ((1u << 26) - 1u) << 6 | 38u});
}

/// The registers of hyperloglog<P>(seed) after add(0 … n − 1).
template <unsigned P>
std::vector<std::uint8_t> registers_of_keys(std::uint64_t n, std::uint64_t seed = 0) {
  hashsketch::hyperloglog<P> s{hashsketch::xxh3_hasher(seed)};
  for (std::uint64_t i = 0; i < n; ++i) s.add(i);
  const auto view = s.registers();  // of a sparse sketch: one materialised copy
  return std::vector<std::uint8_t>(view.begin(), view.end());
}

/// Calls v(file name, id, registers) for every dense_compact golden case.
template <class Visitor>
void for_each_compact_case(Visitor&& v) {
  v("compact_p4_n100.hskt", hashsketch::hyperloglog<4>::native_id(hashsketch::xxh3_hasher{}),
    registers_of_keys<4>(100));
  v("compact_p12_n40960.hskt", hashsketch::hyperloglog<12>::native_id(hashsketch::xxh3_hasher{}),
    registers_of_keys<12>(40960));
  v("compact_p14_empty.hskt", hashsketch::hyperloglog<14>::native_id(hashsketch::xxh3_hasher{}),
    registers_of_keys<14>(0));
  // P > 12: the model is quantised to 2^12.
  v("compact_p13_n100000_seed42.hskt", hashsketch::hyperloglog<13>::native_id(hashsketch::xxh3_hasher(42)),
    registers_of_keys<13>(100000, 42));
}

}  // namespace format_cases

#endif  // HASHSKETCH_TESTS_FORMAT_CASES_HPP
