// Unit tests of loglog<P> and superloglog<P>: the API they share with
// hyperloglog (one core), their serialised kinds, conversion over the same
// registers, merge/reduce reuse, and the estimator formulas on hand-made
// register histograms.

#include <cmath>
#include <cstdint>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/loglog.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/precisions.hpp"

namespace hs = hashsketch;

namespace {

// SplitMix64 output: distinct, uniformly mixed 64-bit values (a stand-in for
// hashes of distinct keys).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

template <class Sketch>
Sketch filled(std::uint64_t first, std::uint64_t count) {
  Sketch s;
  for (std::uint64_t i = first; i < first + count; ++i) s.add(i);
  return s;
}

hs::register_histogram all_equal(std::size_t m, unsigned v) {
  hs::register_histogram h{};
  h[v] = static_cast<std::uint32_t>(m);
  return h;
}

}  // namespace

TEST_CASE("loglog and superloglog are basic_sketch with their own family", "[loglog]") {
  STATIC_REQUIRE(std::is_same<hs::loglog<12>,
                              hs::basic_sketch<hs::loglog_family, 12, hs::xxh3_hasher, std::allocator<std::uint8_t>,
                                               hs::leading_zeros_addressing>>::value);
  STATIC_REQUIRE(std::is_same<hs::superloglog<12>::family_type, hs::superloglog_family>::value);
  STATIC_REQUIRE(hs::loglog_family::kind_id == 2);
  STATIC_REQUIRE(hs::superloglog_family::kind_id == 3);
  STATIC_REQUIRE(hs::hll_family::kind_id != hs::loglog_family::kind_id);
  STATIC_REQUIRE(hs::loglog<10>::register_count == 1024);
  STATIC_REQUIRE(hs::superloglog<10>::max_rank == 55);
  STATIC_REQUIRE(!hs::loglog_family::has_estimator_choice);
  // 1.30/√m at m = 4096: 1.30/64
  constexpr double ll_rse = hs::loglog<12>::relative_standard_error();  // usable at compile time
  CHECK(ll_rse == Approx(1.30 / 64).epsilon(1e-12));
  // SuperLogLog: 1.10/√m combined with the 0.76 % bias ripple
  CHECK(hs::superloglog<12>::relative_standard_error() ==
        Approx(std::sqrt(1.10 * 1.10 / 4096 + 0.0076 * 0.0076)).epsilon(1e-12));
  CHECK(hs::superloglog<16>::relative_standard_error() > 0.0076);  // does not vanish with m
}

TEST_CASE("loglog / superloglog: add, estimate, clear, empty", "[loglog]") {
  hs::loglog<12> ll;
  hs::superloglog<12> sll;
  CHECK(ll.empty());
  CHECK(ll.estimate() == 0.0);
  CHECK(sll.estimate() == 0.0);
  const std::uint64_t n = 200000;  // ≈ 49·m: asymptotic regime
  for (std::uint64_t i = 0; i < n; ++i) {
    ll.add(i);
    sll.add(i);
  }
  CHECK(!ll.empty());
  // One sketch, fixed keys: the error is one draw of a ≈ normal variable with
  // σ = 1.30/64 = 2.0 % (LogLog) and ≤ 1.21/64 = 1.9 % (SuperLogLog, worst
  // phase) plus ≤ 1.1 % ripple bias; 6σ bounds: 12.2 % and 12.5 %.
  CHECK(std::fabs(ll.estimate() / n - 1.0) < 0.122);
  CHECK(std::fabs(sll.estimate() / n - 1.0) < 0.125);
  // the same keys again change nothing
  const auto before = ll.serialize();
  for (std::uint64_t i = 0; i < 1000; ++i) ll.add(i);
  CHECK(ll.serialize() == before);
  // strings, bytes, add_many all go through the same hasher
  hs::loglog<8> a, b, c;
  const std::vector<std::uint64_t> keys = {1, 2, 3, 42, 1u << 20};
  for (auto k : keys) a.add(k);
  b.add_many(keys.data(), keys.size());
  CHECK(a == b);
  c.add(std::string("hello"));
  hs::loglog<8> d;
  d.add("hello", 5);
  CHECK(c == d);
  ll.clear();
  CHECK(ll.empty());
  CHECK(ll.estimate() == 0.0);
}

TEST_CASE("loglog / superloglog: confidence_interval", "[loglog]") {
  auto s = filled<hs::loglog<10>>(0, 50000);
  const auto ci = s.confidence_interval(0.95);
  CHECK(ci.lower <= ci.estimate);
  CHECK(ci.estimate <= ci.upper);
  CHECK(ci.estimate == s.estimate());
  // It must use LogLog's error, 1.30/√m, not HyperLogLog's 1.04/√m: the
  // relative width is 2·z·RSE to first order (z = 1.96, RSE = 1.30/32; the
  // exact form depends on how the core inverts the band, within RSE² = 0.7 %).
  const double width = (ci.upper - ci.lower) / ci.estimate;
  CHECK(width == Approx(2 * 1.959964 * 1.30 / 32).epsilon(0.02));
  CHECK_THROWS_AS(s.confidence_interval(1.0), std::invalid_argument);
  auto t = filled<hs::superloglog<10>>(0, 50000);
  const auto ci2 = t.confidence_interval(0.5);
  CHECK(ci2.lower < ci2.upper);
}

TEST_CASE("LogLog's alpha_m follows the Gamma-function formula", "[loglog]") {
  // α_∞ = e^−γ·√2/2 (Durand & Flajolet 2003).
  const double euler_gamma = 0.57721566490153286;
  const double alpha_inf = std::exp(-euler_gamma) * std::sqrt(2.0) / 2.0;
  CHECK(alpha_inf == Approx(0.39701).epsilon(1e-5));
  CHECK(std::fabs(hs::detail::loglog_alpha(65536) - alpha_inf) < 1e-5);
  // Expansion in ε = 1/m: Γ(−ε) = −(1/ε)·exp(γε + π²ε²/12 + O(ε³)) and
  // (1 − 2^ε)/ln 2 = −ε·(1 + ε·ln2/2 + ε²·ln²2/6 + O(ε³)), so
  // ln α_m = −(γ + ln2/2) − (π²/12 + ln²2/24)/m + O(1/m²), i.e.
  // α_m = α_∞·(1 − (2π² + ln²2)/(24·m)) + O(1/m²); the O(1/m²) term is
  // α_∞·c²/(2m²) with c ≈ 0.843: ≤ 1.4·10^−7 at m = 1024.
  const double ln2 = std::log(2.0);
  const double pi = 3.14159265358979324;
  for (std::size_t m : {1024u, 4096u, 65536u})
    CHECK(std::fabs(hs::detail::loglog_alpha(m) - alpha_inf * (1.0 - (2 * pi * pi + ln2 * ln2) / (24.0 * m))) <
          2e-7 * (1024.0 / m) * (1024.0 / m) + 1e-10);
  CHECK(hs::detail::loglog_alpha(16) == Approx(0.37603).epsilon(1e-4));
  double previous = 0;
  for (std::size_t m = 16; m <= 65536; m *= 2) {
    const double a = hs::detail::loglog_alpha(m);
    CHECK(a > previous);  // increases towards α_∞
    CHECK(a < alpha_inf);
    previous = a;
  }
}

namespace {
template <std::size_t... Ps>
void check_alpha_folding(std::index_sequence<Ps...>) {
  // m known at compile time (the estimator inlined into a sketch of that P)
  // against m known only at run time: the same value, bit for bit. Before
  // loglog_alpha was kept from being folded, g++ -O2 folded the constant-m
  // case with MPFR and called libm for the other: 7e-12 apart at m = 2^15.
  volatile unsigned hidden_q = 50;
  (void)std::initializer_list<int>{([&] {
    constexpr std::size_t m = std::size_t{1} << Ps;
    volatile std::size_t hidden_m = m;
    for (unsigned r = 1; r <= 3; ++r) {
      hashsketch::register_histogram h{};
      h[0] = static_cast<std::uint32_t>(m - 1);
      h[r] = 1;
      INFO("m = " << m << ", one register of rank " << r);
      CHECK(hashsketch::loglog_estimate(h, m, 50) == hashsketch::loglog_estimate(h, hidden_m, hidden_q));
      CHECK(hashsketch::detail::loglog_alpha(m) == hashsketch::detail::loglog_alpha(hidden_m));
    }
  }(), 0)...};
}
}  // namespace

TEST_CASE("LogLog's estimate is the same whether m is known at compile time or not", "[loglog]") {
  check_alpha_folding(std::index_sequence<4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16>{});
}

TEST_CASE("SuperLogLog's constant: table converges to the exact limit", "[loglog]") {
  const double limit = 0.77231;
  double last = 0;
  for (unsigned p = 4; p <= 16; ++p) {
    const double a = hs::detail::superloglog_alpha(std::size_t{1} << p);
    CHECK(a > 0.72);
    CHECK(a < 0.78);
    if (p >= 10) CHECK(std::fabs(a / limit - 1.0) < 0.0025);  // within 0.25 % of the m → ∞ value
    last = a;
  }
  CHECK(std::fabs(last / limit - 1.0) < 0.001);
  CHECK(hs::detail::superloglog_kept(16) == 11);
  CHECK(hs::detail::superloglog_kept(4096) == 2867);
}

TEST_CASE("estimators on hand-made histograms", "[loglog]") {
  const std::size_t m = 4096;
  const unsigned q = 64 - 12;
  for (unsigned v : {1u, 5u, 20u, 53u}) {
    const auto h = all_equal(m, v);
    // every register = v: the mean and the truncated mean are v
    CHECK(hs::loglog_estimate(h, m, q) == Approx(hs::detail::loglog_alpha(m) * m * std::exp2(v)).epsilon(1e-12));
    CHECK(hs::superloglog_estimate(h, m, q) ==
          Approx(hs::detail::superloglog_alpha(m) * m * std::exp2(v)).epsilon(1e-12));
  }
  CHECK(hs::loglog_estimate(all_equal(m, 0), m, q) == 0.0);
  CHECK(hs::superloglog_estimate(all_equal(m, 0), m, q) == 0.0);

  // m = 16, m0 = 11: values 1×4, 2×5, 3×4, 9×3 → the 11 smallest are
  // 1,1,1,1,2,2,2,2,2,3,3: mean 20/11. The three 9s do not enter.
  hs::register_histogram h{};
  h[1] = 4;
  h[2] = 5;
  h[3] = 4;
  h[9] = 3;
  CHECK(hs::detail::superloglog_truncated_mean(h, 16, 59) == Approx(20.0 / 11.0));
  CHECK(hs::superloglog_estimate(h, 16, 59) == Approx(hs::detail::superloglog_alpha(16) * 16 * std::exp2(20.0 / 11.0)));
  // LogLog uses all 16: (4 + 10 + 12 + 27)/16
  CHECK(hs::loglog_estimate(h, 16, 59) == Approx(hs::detail::loglog_alpha(16) * 16 * std::exp2(53.0 / 16.0)));
  // raising the largest registers moves LogLog but not SuperLogLog (the point of truncation)
  hs::register_histogram outlier = h;
  outlier[9] = 0;
  outlier[40] = 3;
  CHECK(hs::superloglog_estimate(outlier, 16, 59) == hs::superloglog_estimate(h, 16, 59));
  // LogLog: the mean grows by 3·31/16, the estimate by 2^5.81 ≈ 56
  CHECK(hs::loglog_estimate(outlier, 16, 59) == Approx(std::exp2(93.0 / 16.0) * hs::loglog_estimate(h, 16, 59)));
}

TEST_CASE("small range is documented, not patched", "[loglog]") {
  // One item: one register holds a rank r (≥ 1), the rest 0. LogLog's mean is
  // r/m, so E = α_m·m·2^(r/m) ≈ 0.4·m — the bias the header documents.
  // The estimators over dense registers (a new sketch is sparse and
  // estimates from its tokens instead: 1 here, see docs/sparse.md).
  hs::loglog<10> ll;
  ll.add(std::uint64_t{7});
  CHECK(ll.estimate() == Approx(1.0).epsilon(1e-6));
  ll.densify();
  const double e = ll.estimate();
  CHECK(e > 0.39 * 1024);
  CHECK(e < 0.42 * 1024);
  // SuperLogLog keeps the 716 smallest registers, all still empty: 2^0.
  hs::superloglog<10> sll;
  sll.densify();
  sll.add(std::uint64_t{7});
  CHECK(sll.estimate() == Approx(hs::detail::superloglog_alpha(1024) * 1024));
}

TEST_CASE("serialisation: round trip, and the kinds are not interchangeable", "[loglog]") {
  const auto ll = filled<hs::loglog<11>>(0, 30000);
  const auto sll = filled<hs::superloglog<11>>(0, 30000);
  const auto hll = filled<hs::hyperloglog<11>>(0, 30000);
  // The plain dense image (version 1), whose offsets docs/FORMAT.md names.
  const auto ll_bytes = ll.serialize(hs::encoding::dense);
  const auto sll_bytes = sll.serialize(hs::encoding::dense);
  const auto hll_bytes = hll.serialize(hs::encoding::dense);
  REQUIRE(ll_bytes.size() == hs::loglog<11>::serialized_size());
  CHECK(ll_bytes[5] == 2);  // kind byte (docs/FORMAT.md: offset 5)
  CHECK(sll_bytes[5] == 3);
  CHECK(hll_bytes[5] == 1);
  // same registers, only the kind byte (and so the checksum) differs
  CHECK(std::equal(ll_bytes.begin() + 24, ll_bytes.end() - 8, hll_bytes.begin() + 24));

  const auto ll2 = hs::loglog<11>::deserialize(ll_bytes.data(), ll_bytes.size());
  CHECK(ll2 == ll);
  CHECK(ll2.serialize(hs::encoding::dense) == ll_bytes);
  CHECK(ll2.estimate() == ll.estimate());
  const auto sll2 = hs::superloglog<11>::deserialize(sll_bytes.data(), sll_bytes.size());
  CHECK(sll2 == sll);
  CHECK(sll2.serialize(hs::encoding::dense) == sll_bytes);

  CHECK_THROWS_AS(hs::hyperloglog<11>::deserialize(ll_bytes.data(), ll_bytes.size()), hs::format_error);
  CHECK_THROWS_AS(hs::loglog<11>::deserialize(hll_bytes.data(), hll_bytes.size()), hs::format_error);
  CHECK_THROWS_AS(hs::superloglog<11>::deserialize(ll_bytes.data(), ll_bytes.size()), hs::format_error);
  CHECK_THROWS_AS(hs::loglog<11>::deserialize(sll_bytes.data(), sll_bytes.size()), hs::format_error);
  CHECK_THROWS_AS(hs::hyperloglog<11>::deserialize(sll_bytes.data(), sll_bytes.size()), hs::format_error);
  CHECK_THROWS_WITH(hs::hyperloglog<11>::deserialize(ll_bytes.data(), ll_bytes.size()),
                    Catch::Contains("kind 2") && Catch::Contains("hyperloglog"));
  // other precision, truncation, damage
  CHECK_THROWS_AS(hs::loglog<12>::deserialize(ll_bytes.data(), ll_bytes.size()), hs::format_error);
  for (std::size_t cut : {0u, 4u, 23u, 24u, 100u})
    CHECK_THROWS_AS(hs::loglog<11>::deserialize(ll_bytes.data(), cut), hs::format_error);
  CHECK_THROWS_AS(hs::loglog<11>::deserialize(ll_bytes.data(), ll_bytes.size() - 1), hs::format_error);
  auto damaged = ll_bytes;
  damaged[24 + 17] ^= 1;
  CHECK_THROWS_AS(hs::loglog<11>::deserialize(damaged.data(), damaged.size()), hs::format_error);
  // the empty sketch round-trips too
  const hs::superloglog<11> empty;
  const auto e = empty.serialize();
  CHECK(hs::superloglog<11>::deserialize(e.data(), e.size()).empty());
}

TEST_CASE("explicit conversion keeps the registers; only the estimator changes", "[loglog]") {
  STATIC_REQUIRE(!std::is_convertible<hs::hyperloglog<12>, hs::loglog<12>>::value);  // explicit only
  STATIC_REQUIRE(std::is_constructible<hs::loglog<12>, hs::hyperloglog<12>>::value);
  STATIC_REQUIRE(std::is_constructible<hs::superloglog<12>, hs::loglog<12>>::value);
  STATIC_REQUIRE(std::is_constructible<hs::hyperloglog<12>, hs::superloglog<12>>::value);
  const auto hll = filled<hs::hyperloglog<12>>(100, 80000);
  const hs::loglog<12> ll(hll);
  const hs::superloglog<12> sll(ll);
  const hs::hyperloglog<12> back(sll);
  CHECK(back == hll);
  // One view each: a sparse sketch's registers() is a materialised copy.
  const hs::register_view lv = ll.registers(), sv = sll.registers(), hv = hll.registers();
  CHECK(std::equal(lv.begin(), lv.end(), hv.begin()));
  CHECK(std::equal(sv.begin(), sv.end(), hv.begin()));
  CHECK(ll.histogram() == hll.histogram());
  // the converted sketch equals the one built directly from the same keys
  CHECK(ll == filled<hs::loglog<12>>(100, 80000));
  const auto h = hll.histogram();
  CHECK(ll.estimate() == hs::loglog_estimate(h, 4096, 52));
  CHECK(sll.estimate() == hs::superloglog_estimate(h, 4096, 52));
  CHECK(back.estimate() == hll.estimate());
  // after a merge the histogram is stale in the source; conversion must still estimate right
  auto merged = filled<hs::hyperloglog<12>>(0, 1000);
  merged.merge(hll);
  const hs::loglog<12> from_merged(merged);
  CHECK(from_merged.estimate() == hs::loglog_estimate(merged.histogram(), 4096, 52));
  // the seed travels with the registers
  hs::hyperloglog<10> seeded(hs::xxh3_hasher(99));
  seeded.add(std::uint64_t{5});
  const hs::loglog<10> seeded_ll(seeded);
  CHECK(seeded_ll.hasher().seed() == 99);
}

TEST_CASE("merge and reduce are the shared core's", "[loglog]") {
  const auto a = filled<hs::loglog<12>>(0, 20000);
  const auto b = filled<hs::loglog<12>>(10000, 30000);
  const auto ab = filled<hs::loglog<12>>(0, 40000);
  auto m1 = a;
  m1.merge(b);
  CHECK(m1 == ab);
  CHECK((a | b) == ab);
  auto m2 = b;
  m2 |= a;
  CHECK(m2 == ab);
  CHECK(m1.estimate() == ab.estimate());  // histogram rebuilt after merge

  // reduce<Q>() equals the sketch built at Q from the same keys
  CHECK(ab.reduce<9>() == filled<hs::loglog<9>>(0, 40000));
  const auto sll = filled<hs::superloglog<14>>(0, 40000);
  CHECK(sll.reduce<10>() == filled<hs::superloglog<10>>(0, 40000));
  CHECK(sll.reduce<10>().estimate() == filled<hs::superloglog<10>>(0, 40000).estimate());
  // merge of a finer sketch folds it
  auto coarse = filled<hs::superloglog<10>>(0, 5000);
  coarse.merge(filled<hs::superloglog<14>>(5000, 35000));
  CHECK(coarse == filled<hs::superloglog<10>>(0, 40000));

  // different hashers never merge
  hs::loglog<12> other(hs::xxh3_hasher(1));
  other.add(std::uint64_t{3});
  auto c = a;
  CHECK_THROWS_AS(c.merge(other), hs::incompatible_sketch_error);
}

TEMPLATE_TEST_CASE_SIG("round trip and merge at every precision", "[loglog]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  hs::superloglog<P> a;
  hs::superloglog<P> b;
  hs::superloglog<P> all;
  for (std::uint64_t i = 0; i < 3000; ++i) {
    const std::uint64_t h = mix(i);
    (i % 2 ? a : b).add_hash(h);
    all.add_hash(h);
  }
  auto u = a;
  u.merge(b);
  CHECK(u == all);
  const auto bytes = all.serialize();
  CHECK(hs::superloglog<P>::deserialize(bytes.data(), bytes.size()).serialize() == bytes);
  const hs::loglog<P> ll(all);
  const auto ll_bytes = ll.serialize();
  CHECK(hs::loglog<P>::deserialize(ll_bytes.data(), ll_bytes.size()) == ll);
  CHECK_THROWS_AS(hs::superloglog<P>::deserialize(ll_bytes.data(), ll_bytes.size()), hs::format_error);
  CHECK(std::isfinite(ll.estimate()));
  CHECK(all.estimate() > 0);
}
