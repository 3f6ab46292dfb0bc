// Reproduces the figures quoted in include/hashsketch/intersection.hpp: the
// real RMSE of estimate_intersection against the two standard-error formulas
//   (2) independence:  RSE·√(|A|² + |B|² + |A∪B|²)
//   (1) Minkowski:     RSE·(|A| + |B| + |A∪B|)     (a bound for any correlation)
// over seeded trials at P = 12, for equal-sized and very unequal sets.
//   bin/accuracy_intersection [trials]      (default 300; ~10 s of CPU)
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/intersection.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

int main(int argc, char** argv) {
  using sketch = hashsketch::hyperloglog<12>;
  const int trials = argc > 1 ? std::atoi(argv[1]) : 300;
  if (trials < 2) {
    std::fprintf(stderr, "usage: %s [trials >= 2]\n", argv[0]);
    return 2;
  }
  struct config {
    double a, b, both;
  };
  const config configs[] = {{100000, 100000, 50000}, {100000, 100000, 100000}, {100000, 100000, 0},
                            {100000, 100000, 5000},  {5000, 5000, 2500},       {100000, 10000, 10000},
                            {1000000, 20000, 2000}};
  const double rse = sketch::relative_standard_error();
  std::printf("P = %u (RSE %.4f), %d trials per row (raw, unclamped |A|+|B|-|AuB|)\n", sketch::precision, rse, trials);
  std::printf("%9s %9s %9s %9s %9s %11s %7s %11s %7s\n", "|A|", "|B|", "|A^B|", "bias", "RMSE", "(2) indep.",
              "ratio", "(1) Mink.", "ratio");
  for (const auto& c : configs) {
    double sum = 0, sum_sq = 0;
    for (int t = 0; t < trials; ++t) {
      std::mt19937_64 rng(static_cast<std::uint64_t>(t) * 7919 + 1);
      sketch a, b;
      for (long i = 0; i < static_cast<long>(c.both); ++i) {
        const auto k = rng();
        a.add(k);
        b.add(k);
      }
      for (long i = 0; i < static_cast<long>(c.a - c.both); ++i) a.add(rng());
      for (long i = 0; i < static_cast<long>(c.b - c.both); ++i) b.add(rng());
      const double raw = a.estimate() + b.estimate() - hashsketch::estimate_union(a, b);
      sum += raw - c.both;
      sum_sq += (raw - c.both) * (raw - c.both);
    }
    const double u = c.a + c.b - c.both;
    const double rmse = std::sqrt(sum_sq / trials);
    const double independent = rse * std::sqrt(c.a * c.a + c.b * c.b + u * u);
    const double minkowski = rse * (c.a + c.b + u);
    std::printf("%9.0f %9.0f %9.0f %9.0f %9.0f %11.0f %7.2f %11.0f %7.2f\n", c.a, c.b, c.both, sum / trials, rmse,
                independent, rmse / independent, minkowski, rmse / minkowski);
  }
  return 0;
}
