#ifndef HASHSKETCH_TESTS_GOLDEN_CASES_HPP
#define HASHSKETCH_TESTS_GOLDEN_CASES_HPP

// The sketches behind the golden files tests/data/hll_*.hsk, shared by the
// generator (tests/data/make_golden.cpp, run by hand once per format version)
// and by tests/hyperloglog_test.cpp, which rebuilds each sketch from the same
// keys and requires (1) the golden bytes to decode to exactly those registers
// and the recorded estimate, and (2) today's serialize() to reproduce the
// golden bytes. Never edit a case once its file is committed: add a new one.

#include <hashsketch/hyperloglog.hpp>

#include <cstdint>
#include <string>
#include <type_traits>

namespace golden {

template <unsigned P>
using precision = std::integral_constant<unsigned, P>;

/// Calls v(precision<P>{}, file name, hasher seed, fill) for every golden
/// case; fill(sketch) adds the case's keys to an empty hyperloglog<P>.
template <class Visitor>
void for_each_case(Visitor&& v) {
  // 100 sequential integers at the smallest precision: most registers set.
  v(precision<4>{}, "hll_p4_n100.hsk", std::uint64_t{0}, [](auto& s) {
    for (std::uint64_t i = 0; i < 100; ++i) s.add(i);
  });
  // A non-zero seed is part of the header and of every register.
  v(precision<8>{}, "hll_p8_n1000_seed7.hsk", std::uint64_t{7}, [](auto& s) {
    for (std::uint64_t i = 0; i < 1000; ++i) s.add(i);
  });
  // Pre-hashed extremes: hash 0 gives register 0 the largest rank (65 − P),
  // all-ones gives the last register rank 1, plus every single-bit hash.
  v(precision<10>{}, "hll_p10_extremes.hsk", std::uint64_t{0}, [](auto& s) {
    s.add_hash(0);
    s.add_hash(~std::uint64_t{0});
    for (unsigned b = 0; b < 64; ++b) s.add_hash(std::uint64_t{1} << b);
    for (std::uint64_t i = 0; i < 2000; ++i) s.add(i * 0x9E3779B97F4A7C15ull);
  });
  // String keys (the hasher over arbitrary bytes).
  v(precision<12>{}, "hll_p12_strings.hsk", std::uint64_t{0}, [](auto& s) {
    for (int i = 0; i < 5000; ++i) s.add(std::string("user-") + std::to_string(i));
  });
  // Empty sketch.
  v(precision<14>{}, "hll_p14_empty.hsk", std::uint64_t{0}, [](auto&) {});
  // The largest precision, well past the small-range regime.
  v(precision<16>{}, "hll_p16_n300000_seed42.hsk", std::uint64_t{42}, [](auto& s) {
    for (std::uint64_t i = 0; i < 300000; ++i) s.add(i);
  });
}

}  // namespace golden

#endif  // HASHSKETCH_TESTS_GOLDEN_CASES_HPP
