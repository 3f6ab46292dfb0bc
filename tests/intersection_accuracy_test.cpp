// intersection_interval: coverage on each side, like
// hyperloglog_accuracy_test does for confidence_interval. The interval is
// estimate ± z·σ with σ from the covariance model in intersection.hpp; if σ
// were overstated (as the old RSE·√(A² + B² + U²) was, 1.7–15×) both miss
// rates would fall near 0, if understated they would rise above 2.5 %.
//
// 1000 seeded trials per configuration at P = 12, every set ≥ 10·m so Ertl's
// estimator is in its asymptotic regime (below ≈ 5·m its error is smaller
// than 1.04/√m and the interval over-covers, as confidence_interval does).
// P = 12 rather than 10 because the normal approximation needs many
// registers where the smaller set raises the larger one's maximum: with
// |B ∖ A| = 20 000 and |A| = 200 000 that is ≈ m/11 ≈ 370 registers, and the
// skew of that count (≈ 1/√370) is small; at P = 10 with a 10× smaller set
// it was ≈ 50 registers and the misses split 4.3 % / 1.5 %.
// Each miss rate is Binomial(1000, 0.025)/1000: sd 0.49 %, so 2.5 % ± 1.5 %
// is a ±3σ band for each side (two-sided 99.7 %; 11 checks, deterministic
// seeds). Disjoint sets (|A ∩ B| = 0) can only miss low (the interval is
// clamped at 0), so only that side is checked there.
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/intersection.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>

#include "hashsketch_catch.hpp"
#include "support/splitmix64.hpp"

namespace {

struct config {
  std::uint64_t a, b, both;
  const char* what;
};

struct misses {
  int low = 0, high = 0;  // truth below the interval's lower end / above its upper end
  double sum_sq = 0, sum_se_sq = 0;
};

misses run(const config& c, int trials) {
  using sketch = hashsketch::hyperloglog<12>;
  misses out;
  for (int t = 0; t < trials; ++t) {
    hashsketch_test::splitmix64 rng{0x1a7e0000u + static_cast<std::uint64_t>(t) * 7919u + c.a + 3 * c.b + 5 * c.both};
    sketch a, b;
    // Uniform random hashes stand in for hashed distinct keys.
    for (std::uint64_t i = 0; i < c.both; ++i) {
      const std::uint64_t h = rng();
      a.add_hash(h);
      b.add_hash(h);
    }
    for (std::uint64_t i = c.both; i < c.a; ++i) a.add_hash(rng());
    for (std::uint64_t i = c.both; i < c.b; ++i) b.add_hash(rng());
    const double truth = static_cast<double>(c.both);
    const hashsketch::interval ci = hashsketch::intersection_interval(a, b, 0.95);
    out.low += truth < ci.lower;
    out.high += truth > ci.upper;
    const double err = hashsketch::estimate_intersection(a, b) - truth;
    const double se = hashsketch::intersection_standard_error(a, b);
    out.sum_sq += err * err;
    out.sum_se_sq += se * se;
  }
  return out;
}

}  // namespace

TEST_CASE("intersection_interval(0.95) misses on each side in 2.5 % ± 1.5 % of trials", "[accuracy][intersection]") {
  constexpr int trials = 1000;
  const config configs[] = {
      {40000, 40000, 40000, "equal sets, identical"},
      {40000, 40000, 20000, "equal sets, 50 % overlap"},
      {40000, 40000, 4000, "equal sets, 10 % overlap"},
      {200000, 40000, 40000, "B 5x smaller, inside A"},
      {200000, 40000, 20000, "B 5x smaller, half inside A"},
      {40000, 40000, 0, "disjoint"},
  };
  for (const config& c : configs) {
    const misses m = run(c, trials);
    const double low = static_cast<double>(m.low) / trials, high = static_cast<double>(m.high) / trials;
    const double ratio = std::sqrt(m.sum_sq / m.sum_se_sq);
    std::printf("%-30s |A|=%6llu |B|=%6llu |A∩B|=%6llu  miss low %.3f  miss high %.3f  RMSE/σ %.3f\n", c.what,
                static_cast<unsigned long long>(c.a), static_cast<unsigned long long>(c.b),
                static_cast<unsigned long long>(c.both), low, high, ratio);
    INFO(c.what << ": miss low " << low << ", miss high " << high << ", RMSE/σ " << ratio);
    CHECK(std::fabs(low - 0.025) <= 0.015);
    if (c.both > 0) CHECK(std::fabs(high - 0.025) <= 0.015);
  }
}
