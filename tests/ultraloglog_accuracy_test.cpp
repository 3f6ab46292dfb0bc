// ultraloglog<P> and martingale<S> accuracy, label "accuracy": seeded
// Monte-Carlo trials against the bounds of issue 15. The seeds are fixed, so
// the outcome is deterministic; each check allows for the sampling noise of
// its own estimate (stated beside it), so a correct sketch passes with other
// seeds too with the stated confidence.
//
// Bounds (true RMSE·√m, from the issue / hash4j's measurements):
//   FGRA   ≤ 0.85 (P = 4), 0.81 (P = 6), 0.80 (P ≥ 8) for every n in 1 … 10^12,
//          |bias| ≤ 0.25·RSE;
//   ML     ≤ 0.78 (P ≥ 8) (0.85 / 0.81 at P = 4 / 6, like FGRA);
//   martingale ≤ 0.68 (ULL), ≤ 0.85 (HLL) for every n ≥ 1 we test (≤ 20·m,
//          real adds: a martingale needs the arrival order);
//   confidence_interval(0.95) coverage 95 ± 2 % for n ≥ 20·m (simulated: n ≥ 1000·m).
// Sampling noise: every RMSE carries its Monte-Carlo standard error, from
// the trials' own spread (stats::rmse_sd; ≈ RMSE/√(2T) for normal errors:
// 0.008 at P = 8 with 5000 trials, 0.019 at P = 12 with 1000). A pointwise
// check allows 4 of them above the bound (one-sided 4σ: < 3·10^−5 per point,
// < 2·10^−3 over all ~400 points checked). The bias estimate has standard
// deviation RMSE/√T; 4 of them. The MAXIMUM over ~30 such points is biased
// upward by ≈ 2σ even when every point's true RMSE is 0.782 (that is what
// made last round's P = 10/12 maxima read 0.81–0.82); the estimator
// constants are checked instead by the RMSE pooled over the flat range
// n ≥ 100·m, whose standard error is √30 times smaller (see check()).
//
// Simulated sketches hold Poisson(n) keys; stats::mse removes the Poisson
// spread of the key count (1/n) so that every point is the error of a
// sketch of exactly n keys.
//
// Large n by simulation, the first-hit argument of hyperloglog_accuracy_test
// extended to UltraLogLog's history bits (see simulate()).
//
// Cost: ≈ 10^8 adds + 10^8 simulated registers; about 30 s Release (CPU
// time; the 2-core box was loaded).
#include <hashsketch/martingale.hpp>
#include <hashsketch/ultraloglog.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/splitmix64.hpp"

using hashsketch::hyperloglog;
using hashsketch::martingale;
using hashsketch::ull_estimator;
using hashsketch::ultraloglog;

namespace {

using hashsketch_test::splitmix64;

struct stats {
  double n = 0;
  bool poissonised = false;  // simulated: the sketch holds Poisson(n) keys, not n
  std::size_t trials = 0, covered = 0;
  // fgra, ml, ull martingale, hll martingale: Σe, Σe², Σe⁴ of e = estimate/n − 1
  double sum[4] = {}, sum_sq[4] = {}, sum_4[4] = {};
  void record(int k, double estimate) {
    const double e = estimate / n - 1;
    sum[k] += e;
    sum_sq[k] += e * e;
    sum_4[k] += e * e * e * e;
  }
  double t() const { return static_cast<double>(trials); }
  /// Mean squared relative error of a sketch of exactly n keys. A simulated
  /// sketch holds N ~ Poisson(n) keys and its estimate tracks N, not n:
  /// E[(n̂/n − 1)²] = E[(n̂ − N)²]/n² + Var(N)/n² + 2·E[(n̂ − N)(N − n)]/n²,
  /// Var(N)/n² = 1/n exactly, and the cross term vanishes to first order
  /// (E[n̂ − N | N] ≈ N·bias, bias ~10^−3·RSE). Without subtracting 1/n the
  /// first simulated points (n = 20·m … 100·m) read 0.77–0.80 instead of
  /// 0.70–0.78 (RMSE²·m + m/n); cross-checked once against an exact-n
  /// (multinomial) simulation: P = 10, n = 10^4, 2000 trials: 0.7024 exact,
  /// √(0.7726² − 0.1024) = 0.7030 corrected.
  double mse(int k) const {
    const double raw = sum_sq[k] / t();
    return poissonised ? std::max(raw - 1.0 / n, 0.0) : raw;
  }
  double rmse(int k) const { return std::sqrt(mse(k)); }
  double bias(int k) const { return sum[k] / t(); }
  /// Standard error of rmse(k) from the trials' own spread:
  /// sd(mean of e²) = √((E e⁴ − (E e²)²)/T), and d√x = dx/(2√x).
  double rmse_sd(int k) const {
    const double m2 = sum_sq[k] / t(), m4 = sum_4[k] / t();
    return std::sqrt(std::max(m4 - m2 * m2, 0.0) / t()) / (2 * std::max(rmse(k), 1e-300));
  }
};

/// A sketch of Poisson(n) distinct hashes without adding them. Under
/// Poissonisation every (register i, rank r) class is hit independently, with
/// probability 1 − exp(−λ·q_r), λ = n/m, q_r = 2^−r for r < w = 65 − P and
/// q_w = 2^−(w−1). The largest hit rank u has P(u ≤ r) = exp(−λ·2^−r)
/// (hyperloglog_accuracy_test's simulate); the classes below u are
/// independent of the event "none above u was hit", so ranks u − 1 and u − 2
/// are hit with their own probabilities 1 − exp(−λ·2^−r).
template <unsigned P>
ultraloglog<P> simulate(double n, splitmix64& rng) {
  constexpr std::size_t m = ultraloglog<P>::register_count;
  const double lambda = n / static_cast<double>(m);
  const int w = 65 - static_cast<int>(P);
  std::vector<std::uint8_t> bytes = ultraloglog<P>().serialize();
  for (std::size_t i = 0; i < m; ++i) {
    const double x = lambda / -std::log(rng.uniform_open0());
    const int u = x < 1.0 ? 0 : std::min(std::ilogb(x) + 1, w);
    unsigned r = 0;
    if (u > 0) {
      r = 4u * static_cast<unsigned>(u + static_cast<int>(P) - 2);
      const auto hit = [&](int rank) { return rng.uniform_open0() > std::exp(-lambda * std::ldexp(1.0, -rank)); };
      if (u >= 2 && hit(u - 1)) r |= 2u;
      if (u >= 3 && hit(u - 2)) r |= 1u;
    }
    bytes[24 + i] = static_cast<std::uint8_t>(r);
  }
  const std::uint64_t sum = XXH64(bytes.data(), 24 + m, 0);
  for (int b = 0; b < 8; ++b) bytes[24 + m + b] = static_cast<std::uint8_t>(sum >> (8 * b));
  return ultraloglog<P>::deserialize(bytes.data(), bytes.size());
}

/// The largest per-point RMSE·√m over a range, with its Monte-Carlo
/// standard error, and the RMSE pooled over the points (mean of the MSEs).
struct summary {
  double worst = 0, worst_sd = 0, worst_n = 0, pooled = 0, pooled_sd = 0;
};
summary summarise(const std::vector<stats>& st, int k, double sqrt_m, double n_min, double n_max) {
  summary s;
  double mse = 0, var = 0;
  std::size_t points = 0;
  for (const stats& p : st) {
    if (p.n < n_min || p.n > n_max) continue;
    if (p.rmse(k) * sqrt_m > s.worst) {
      s.worst = p.rmse(k) * sqrt_m;
      s.worst_sd = p.rmse_sd(k) * sqrt_m;
      s.worst_n = p.n;
    }
    mse += p.mse(k);
    const double sd_mse = 2 * p.rmse(k) * p.rmse_sd(k);
    var += sd_mse * sd_mse;
    ++points;
  }
  if (points == 0) return s;
  mse /= static_cast<double>(points);
  s.pooled = std::sqrt(mse) * sqrt_m;
  s.pooled_sd = std::sqrt(var) / static_cast<double>(points) / (2 * std::sqrt(mse)) * sqrt_m;
  return s;
}

template <unsigned P>
void check(std::size_t trials, double fgra_bound, double ml_bound) {
  constexpr std::size_t m = ultraloglog<P>::register_count;
  const double md = static_cast<double>(m);
  const double sqrt_m = std::sqrt(md);
  // n = round(10^(k/4)) up to 10^12; real adds up to 20·m, simulation above.
  std::vector<double> grid;
  for (int k = 0; k <= 48; ++k) {
    const double n = std::round(std::pow(10.0, k / 4.0));
    if (grid.empty() || n > grid.back()) grid.push_back(n);
  }
  std::vector<stats> st(grid.size());
  const double add_limit = 20.0 * md;
  for (std::size_t g = 0; g < grid.size(); ++g) {
    st[g].n = grid[g];
    st[g].poissonised = grid[g] > add_limit;
  }
  splitmix64 rng{0x5eed0000u + P};
  for (std::size_t t = 0; t < trials; ++t) {
    martingale<ultraloglog<P>> mu;
    martingale<hyperloglog<P>> mh;
    std::uint64_t added = 0;
    for (std::size_t g = 0; g < grid.size(); ++g) {
      stats& s = st[g];
      if (!s.poissonised) {
        for (; added < static_cast<std::uint64_t>(grid[g]); ++added) {
          const std::uint64_t h = rng();
          mu.add_hash(h);
          mh.add_hash(h);
        }
        s.record(0, mu.sketch().estimate());
        s.record(1, mu.sketch().estimate(ull_estimator::ml));
        s.record(2, mu.estimate());
        s.record(3, mh.estimate());
        const auto ci = mu.sketch().confidence_interval(0.95);
        s.covered += ci.lower <= grid[g] && grid[g] <= ci.upper;
      } else {
        const ultraloglog<P> u = simulate<P>(grid[g], rng);
        s.record(0, u.estimate());
        s.record(1, u.estimate(ull_estimator::ml));
        const auto ci = u.confidence_interval(0.95);
        s.covered += ci.lower <= grid[g] && grid[g] <= ci.upper;
      }
      ++s.trials;
    }
  }
  const double rse = ultraloglog<P>::relative_standard_error();
  for (const stats& s : st) {
    INFO("P = " << P << " n = " << s.n << " fgra " << s.rmse(0) * sqrt_m << " ± " << s.rmse_sd(0) * sqrt_m
                << " ml " << s.rmse(1) * sqrt_m << " mg-ull " << s.rmse(2) * sqrt_m << " mg-hll "
                << s.rmse(3) * sqrt_m << " bias " << s.bias(0) / rse);
    // Pointwise: 4 standard errors of this point's own estimate above the
    // bound (one-sided 4σ: < 3·10^−5 per point, < 2·10^−3 over all points).
    CHECK(s.rmse(0) * sqrt_m <= fgra_bound + 4 * s.rmse_sd(0) * sqrt_m);
    CHECK(std::fabs(s.bias(0)) <= 0.25 * rse + 4 * std::sqrt(s.sum_sq[0] / s.t() / s.t()));
    CHECK(s.rmse(1) * sqrt_m <= ml_bound + 4 * s.rmse_sd(1) * sqrt_m);
    if (!s.poissonised) {
      CHECK(s.rmse(2) * sqrt_m <= 0.68 + 4 * s.rmse_sd(2) * sqrt_m);
      CHECK(s.rmse(3) * sqrt_m <= 0.85 + 4 * s.rmse_sd(3) * sqrt_m);
    }
    // Coverage where the interval's normal approximation holds (n ≥ 20·m)
    // and, for simulated sketches, where the Poisson spread of N no longer
    // widens n̂/n (n ≥ 1000·m: 1/n ≤ 0.16 % of RSE², coverage −0.05 %; at
    // 20·m it would cost 1 %). Binomial noise √(0.95·0.05/T) ≤ 0.7 % at
    // T ≥ 1000: the ±2 % band is ≥ 2.9 of those.
    if (s.n >= 20.0 * md && (!s.poissonised || s.n >= 1000.0 * md)) {
      const double cov = static_cast<double>(s.covered) / s.t();
      CHECK(cov >= 0.93);
      CHECK(cov <= 0.97);
    }
  }
  // Pooled over the asymptotic range n ≥ 100·m (no small-range correction
  // left, RMSE flat in n): the RMSE there must be the theory's √V/√m
  // (0.7822 FGRA, 0.7609 ML) within 4 standard errors of the pooled value
  // (a two-sided check of the estimator constants: a wrong η or τ moves it
  // by more than that) plus the O(1/m) finite-m term (≤ 0.005 at P ≥ 8).
  const summary fg = summarise(st, 0, sqrt_m, 1, 1e300), ml = summarise(st, 1, sqrt_m, 1, 1e300);
  const summary fg_asym = summarise(st, 0, sqrt_m, 100 * md, 1e300);
  const summary ml_asym = summarise(st, 1, sqrt_m, 100 * md, 1e300);
  const summary mu = summarise(st, 2, sqrt_m, 1, add_limit), mh = summarise(st, 3, sqrt_m, 1, add_limit);
  if (P >= 8) {
    INFO("P = " << P << " pooled FGRA " << fg_asym.pooled << " ± " << fg_asym.pooled_sd << ", ML " << ml_asym.pooled
                << " ± " << ml_asym.pooled_sd);
    CHECK(std::fabs(fg_asym.pooled - std::sqrt(0.6118931496978439)) <= 4 * fg_asym.pooled_sd + 0.005);
    CHECK(std::fabs(ml_asym.pooled - 0.7608621) <= 4 * ml_asym.pooled_sd + 0.005);
  }
  CHECK(fg_asym.pooled <= fgra_bound);
  CHECK(ml_asym.pooled <= ml_bound);
  std::printf("P = %2u, %5zu trials, max RMSE*sqrt(m) over n (+- its Monte-Carlo standard error) [n of the max];"
              " pooled over n >= 100m:\n", P, trials);
  std::printf("  FGRA %.3f +- %.3f [%.3g]; pooled %.4f +- %.4f\n", fg.worst, fg.worst_sd, fg.worst_n, fg_asym.pooled,
              fg_asym.pooled_sd);
  std::printf("  ML   %.3f +- %.3f [%.3g]; pooled %.4f +- %.4f\n", ml.worst, ml.worst_sd, ml.worst_n, ml_asym.pooled,
              ml_asym.pooled_sd);
  std::printf("  martingale ULL %.3f +- %.3f [%.3g], HLL %.3f +- %.3f [%.3g] (n <= 20m)\n", mu.worst, mu.worst_sd,
              mu.worst_n, mh.worst, mh.worst_sd, mh.worst_n);
}

}  // namespace

TEST_CASE("ultraloglog accuracy: FGRA, ML, martingale, coverage", "[ultraloglog][accuracy]") {
  check<4>(10000, 0.85, 0.85);
  check<6>(10000, 0.81, 0.81);
  check<8>(5000, 0.80, 0.78);
  check<10>(2000, 0.80, 0.78);
  check<12>(1000, 0.80, 0.78);
}
