// hyperloglog<P> accuracy (issue 3), label "accuracy": seeded Monte-Carlo
// trials against the stated bounds. Every bound below is derived in the
// comment above its check, with the confidence it holds at. The seeds are
// fixed, so the outcome is deterministic; the derivations say how unlikely a
// failure would be for a correct sketch with other seeds.
//
// Cost (Release, one core): ≈ 8·10^9 register updates in total, most of them
// at P = 16; the large-n points are simulated (see simulate()), not added.
// Measured: 29 s user CPU on the 2-core CI box (budget: 3 minutes).
#include <hashsketch/hyperloglog.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/splitmix64.hpp"

using hashsketch::estimator;
using hashsketch::hyperloglog;

namespace {

using hashsketch_test::splitmix64;

/// Relative errors e/n − 1 collected at one cardinality.
struct error_stats {
  double n = 0;
  std::size_t trials = 0;
  double sum = 0, sum_sq = 0, classic_sum = 0, classic_sum_sq = 0;
  std::size_t covered = 0;  // confidence_interval(0.95) contained n

  double bias() const { return sum / static_cast<double>(trials); }
  double rmse() const { return std::sqrt(sum_sq / static_cast<double>(trials)); }
  double classic_bias() const { return classic_sum / static_cast<double>(trials); }
  double classic_rmse() const { return std::sqrt(classic_sum_sq / static_cast<double>(trials)); }
  double coverage() const { return static_cast<double>(covered) / static_cast<double>(trials); }

  // with_interval: also test confidence_interval(0.95) (its normal quantile
  // costs a few µs, too much to pay at every grid point).
  template <class Sketch>
  void record(const Sketch& s, bool with_interval = false) {
    const double e = s.estimate() / n - 1.0;
    const double c = s.estimate(estimator::classic) / n - 1.0;
    ++trials;
    sum += e;
    sum_sq += e * e;
    classic_sum += c;
    classic_sum_sq += c * c;
    if (with_interval) {
      const auto ci = s.confidence_interval(0.95);
      covered += ci.lower <= n && n <= ci.upper;
    }
  }
};

enum class keys { random_hashes, sequential_integers };

/// Runs `trials` independent sketches through the increasing cardinalities
/// `grid`, recording the estimate at each (one trial visits every point, so
/// its cost is max(grid) updates, not the sum). random_hashes: add_hash of
/// SplitMix64 output; sequential_integers: add(start), add(start + 1), … with
/// a random start per trial — the keys a real user often has, which only a
/// well-mixing hasher turns into uniform bits.
template <unsigned P>
std::vector<error_stats> run_trials(const std::vector<double>& grid, std::size_t trials, keys kind,
                                    std::uint64_t seed, bool with_interval = false) {
  std::vector<error_stats> out(grid.size());
  for (std::size_t g = 0; g < grid.size(); ++g) out[g].n = grid[g];
  splitmix64 rng{seed};
  hyperloglog<P> s;
  for (std::size_t t = 0; t < trials; ++t) {
    s.clear();
    std::uint64_t key = rng();
    std::uint64_t added = 0;
    for (std::size_t g = 0; g < grid.size(); ++g) {
      const auto target = static_cast<std::uint64_t>(grid[g]);
      if (kind == keys::random_hashes) {
        for (; added < target; ++added) s.add_hash(rng());
      } else {
        for (; added < target; ++added) s.add(key++);
      }
      out[g].record(s, with_interval);
    }
  }
  return out;
}

/// The sketch of a Poisson(n) number of distinct items, without adding them.
/// Derivation ("first-hit times"): let items arrive as a unit-rate Poisson
/// process, so that "time" counts items. An item lands in the class
/// (register i, rank r) with probability p = 2^−P·2^−r for r < 65 − P (r − 1
/// zeros, then a one) and 2^−P·2^−(64−P) for the capped rank 65 − P; each class
/// is therefore hit first at an independent exponential time of rate p. At
/// time n, register i holds the largest r whose class was hit, so
///   M_i ≤ r  ⇔  no class (i, r' > r) was hit  ⇔  min of their times > n,
/// and that minimum is exponential with rate Σ_{r'>r} p = 2^−P·2^−r, hence
///   P(M_i ≤ r) = exp(−(n/m)·2^−r)   (0 ≤ r < 65 − P),   M_i ≤ 65 − P.
/// One Exp(1) variable E per register samples it: M_i = the least r ≥ 0 with
/// (n/m)·2^−r < E, i.e. 0 when x = (n/m)/E < 1, else ⌊log2 x⌋ + 1, capped.
/// Registers are independent under Poissonisation; the item count differs
/// from n by ~√n (3·10^−5 relative at 10^9), far below the RSE.
template <unsigned P>
void simulate(hyperloglog<P>& s, double n, splitmix64& rng) {
  std::uint8_t* regs = hashsketch::detail::register_access::data(s);
  const double lambda = n / static_cast<double>(hyperloglog<P>::register_count);
  const int cap = 65 - static_cast<int>(P);
  for (std::size_t i = 0; i < hyperloglog<P>::register_count; ++i) {
    const double x = lambda / -std::log(rng.uniform_open0());
    regs[i] = x < 1.0 ? 0 : static_cast<std::uint8_t>(std::min(std::ilogb(x) + 1, cap));
  }
  hashsketch::detail::register_access::registers_changed(s);
}

/// The geometric grid of issue 3: n = round(10^(k/4)) from 1 to 100·m, plus
/// 100·m itself and the points around 2.5·m where the classic estimator
/// switches from linear counting.
std::vector<double> cardinality_grid(double m) {
  std::vector<double> grid;
  for (int k = 0;; ++k) {
    const double n = std::round(std::pow(10.0, k / 4.0));
    if (n > 100 * m) break;
    grid.push_back(n);
  }
  for (double f : {2.0, 2.25, 2.5, 2.75, 3.0, 3.5, 4.0, 100.0}) grid.push_back(f * m);
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  return grid;
}

/// c_P of issue 3: the allowed RMSE·√m. Ertl's estimator reaches ≈ 1.04 for
/// m → ∞; small m pay a little more (1.10 measured at P = 4 with 20 000 trials).
constexpr double c_p(unsigned p) { return p == 4 ? 1.13 : p == 6 ? 1.07 : 1.05; }

/// Trials per precision on the main grid: at least 500 (issue 3), more where
/// sketches are small and trials cheap, which tightens every bound below.
constexpr std::size_t grid_trials(unsigned p) {
  return p <= 4 ? 20000 : p <= 6 ? 10000 : p <= 8 ? 5000 : p <= 10 ? 2000 : p <= 12 ? 1000 : 500;
}

/// Trials at the tiny cardinalities n ≤ 100, see the heavy-tail derivation.
constexpr std::size_t tiny_trials(unsigned p) {
  return std::max<std::size_t>({5000, std::size_t{5} << p, grid_trials(p)});
}

void print_row(unsigned p, const char* what, const error_stats& st, double rse) {
  std::printf("P=%-2u %-10s n=%-12.0f trials=%-6zu bias/RSE=%+.3f rmse*sqrt(m)=%.3f classic bias/RSE=%+.3f "
              "classic rmse*sqrt(m)=%.3f ci95=%.3f\n",
              p, what, st.n, st.trials, st.bias() / rse, st.rmse() * 1.04 / rse, st.classic_bias() / rse,
              st.classic_rmse() * 1.04 / rse, st.coverage());
}

template <unsigned P>
void check_grid(keys kind) {
  constexpr double m = static_cast<double>(std::size_t{1} << P);
  const double rse = hyperloglog<P>::relative_standard_error();  // 1.04/√m
  const char* what = kind == keys::random_hashes ? "add_hash" : "add(seq)";
  const std::vector<double> grid = cardinality_grid(m);
  std::vector<double> tiny, rest;
  for (double n : grid) (n <= 100 ? tiny : rest).push_back(n);

  const std::uint64_t seed = 0xACC0 + 16 * P + (kind == keys::random_hashes ? 0 : 1);
  auto stats = run_trials<P>(tiny, tiny_trials(P), kind, seed);
  const auto big = run_trials<P>(rest, grid_trials(P), kind, seed + 7);
  stats.insert(stats.end(), big.begin(), big.end());

  for (const error_stats& st : stats) {
    print_row(P, what, st, rse);
    const double T = static_cast<double>(st.trials);
    INFO("P = " << P << ", keys " << what << ", n = " << st.n << ", " << st.trials << " trials");

    // RMSE. For T trials with errors of standard deviation σ, the sample mean
    // square has standard deviation σ²·√(2/T) (normal errors: Var e² = 2σ⁴),
    // so the sample RMSE has ≈ σ/√(2T): the factor 1 + 4/√(2T) is a 4σ margin,
    // a one-sided false-failure probability ≈ 3·10^−5 per point even if the
    // true RMSE sat exactly at c_P/√m. The true values (20 000-trial runs) are
    // ≈ 1.10/√m at P = 4 and 1.03–1.05/√m at P ≥ 6, below c_P.
    //
    // Tiny n, large P (the heavy tail): for n ≪ √m the estimate is almost
    // always within a fraction of a percent, and off by about −1/n only when
    // two of the n items share a register (probability ≈ n²/2m). At n = 2
    // that is a −50 % error with probability 1/m. The sample mean square then
    // exceeds the bound (c_P·1.04)²/m ≈ 1.19/m only if the number k of
    // colliding trials exceeds 4.8·T/m, while k ~ Poisson(T/m); with
    // T ≥ 5·m (tiny_trials) that needs Poisson(5) ≥ 24: probability < 10^−8.
    // At larger tiny n collisions are more frequent and each costs less, and
    // the threshold stays ≥ 2.4× the mean count (n = 3: Poisson(15) ≥ 53), so
    // the same trial count is safe at every n ≤ 100. With only 500 trials a
    // single unlucky collision at n = 2 would fail the check — hence 5·m.
    CHECK(st.rmse() <= c_p(P) * (1.0 + 4.0 / std::sqrt(2.0 * T)) / std::sqrt(m));

    // Bias of Ertl's estimator: |mean relative error| ≤ 0.25·1.04/√m. The
    // sample mean has standard error RMSE/√T ≤ 1.1·RSE/√500 = 0.049·RSE at
    // worst (P ≥ 14, T = 500; 0.008·RSE at P = 4, T = 20 000). The true bias
    // is ≈ −0.15·RSE at P = 4 (what α_m leaves of the small-m bias; with α_∞
    // it would be +0.27·RSE and fail) and ≤ 0.06·RSE at P ≥ 8, so the bound
    // is ≥ 4σ away: false-failure probability < 3·10^−5 per point.
    CHECK(std::fabs(st.bias()) <= 0.25 * rse);
  }
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("Ertl estimator: RMSE and bias over 1 .. 100·m, random hashes via add_hash",
                       "[accuracy]", ((unsigned P), P), 4, 6, 8, 10, 12, 14, 16) {
  check_grid<P>(keys::random_hashes);
}

TEMPLATE_TEST_CASE_SIG("Ertl estimator: RMSE and bias over 1 .. 100·m, sequential integers via add (xxh3)",
                       "[accuracy]", ((unsigned P), P), 4, 6, 8, 10, 12, 14, 16) {
  check_grid<P>(keys::sequential_integers);
}

TEMPLATE_TEST_CASE_SIG("classic estimator: the bias bump at the linear-counting switch near 2.5·m is real",
                       "[accuracy][classic]", ((unsigned P), P), 12, 14, 16) {
  // Shown, not hidden: Flajolet's raw estimator is biased upwards by several
  // percent around n ≈ 2.5·m, and the switch from linear counting happens
  // exactly there, so the classic estimate jumps into that bias. In units of
  // the RSE the bump grows like √m (the bias is a fixed fraction of n, the RSE
  // shrinks): measured +1.4·RSE at P = 12, +2.9·RSE at P = 14, +6.0·RSE at
  // P = 16. We require ≥ 0.75·RSE at n = 2.5·m: the trial-to-trial standard
  // deviation there is √(RMSE² − bias²) ≤ 0.9·RSE (measured), so the mean of
  // T = 1000 trials has standard error ≤ 0.03·RSE and the weakest case
  // (P = 12) sits > 20 standard errors above the threshold, while Ertl's
  // estimator on the very same registers stays within 0.25·RSE, and both agree
  // again far above the switch (n = 10·m: within 0.01·RSE — the classic
  // estimator is then the raw one and Ertl's σ term has all but vanished).
  constexpr double m = static_cast<double>(std::size_t{1} << P);
  const double rse = hyperloglog<P>::relative_standard_error();
  const std::vector<double> grid = {1.0 * m, 2.0 * m, 2.25 * m, 2.5 * m, 2.75 * m, 3.0 * m, 3.5 * m,
                                    4.0 * m, 5.0 * m, 10.0 * m};
  const auto stats = run_trials<P>(grid, 1000, keys::random_hashes, 0xB0B + P);
  double worst_classic = 0, worst_ertl = 0;
  for (const error_stats& st : stats) {
    print_row(P, "bump", st, rse);
    worst_classic = std::max(worst_classic, st.classic_bias() / rse);
    worst_ertl = std::max(worst_ertl, std::fabs(st.bias()) / rse);
  }
  const error_stats& at_switch = stats[3];
  REQUIRE(at_switch.n == 2.5 * m);
  CHECK(at_switch.classic_bias() >= 0.75 * rse);
  CHECK(at_switch.classic_rmse() > at_switch.rmse());
  CHECK(worst_ertl <= 0.25);
  const error_stats& far = stats.back();
  CHECK(std::fabs(far.classic_bias() - far.bias()) <= 0.01 * rse);
  std::printf("P=%u classic bump: max bias %.2f·RSE; Ertl max |bias| %.2f·RSE\n", P, worst_classic, worst_ertl);
}

TEMPLATE_TEST_CASE_SIG("the first-hit simulation matches real adds", "[accuracy][simulation]", ((unsigned P), P), 6,
                       10) {
  // Validates simulate() where both are affordable (n = 30·m): the mean count
  // of registers at each value k, and the mean relative error, must agree
  // within 5 standard errors of their difference (two-sided 6·10^−7 per
  // comparison under normality; ~12 values of k compared).
  constexpr std::size_t m = std::size_t{1} << P;
  const double n = 30.0 * m;
  constexpr std::size_t T = 400;
  std::vector<double> mean_real(64), mean_sim(64), sq_real(64), sq_sim(64);
  double err_real = 0, err_sim = 0, err_sq_real = 0, err_sq_sim = 0;
  splitmix64 rng{0x51 + P};
  hyperloglog<P> real, sim;
  for (std::size_t t = 0; t < T; ++t) {
    real.clear();
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) real.add_hash(rng());
    simulate(sim, n, rng);
    const auto hr = real.histogram(), hs = sim.histogram();
    for (int k = 0; k < 64; ++k) {
      mean_real[k] += hr[k];
      sq_real[k] += double(hr[k]) * hr[k];
      mean_sim[k] += hs[k];
      sq_sim[k] += double(hs[k]) * hs[k];
    }
    const double er = real.estimate() / n - 1, es = sim.estimate() / n - 1;
    err_real += er;
    err_sq_real += er * er;
    err_sim += es;
    err_sq_sim += es * es;
  }
  auto se_of_difference = [&](double s1, double q1, double s2, double q2) {
    const double v1 = q1 / T - (s1 / T) * (s1 / T), v2 = q2 / T - (s2 / T) * (s2 / T);
    return std::sqrt((v1 + v2) / T);
  };
  for (int k = 0; k < 64; ++k) {
    if (mean_real[k] + mean_sim[k] < 5.0 * T) continue;  // values too rare to compare
    INFO("register value " << k);
    const double se = se_of_difference(mean_real[k], sq_real[k], mean_sim[k], sq_sim[k]);
    CHECK(std::fabs(mean_real[k] - mean_sim[k]) / T <= 5.0 * se + 1e-9);
  }
  CHECK(std::fabs(err_real - err_sim) / T <= 5.0 * se_of_difference(err_real, err_sq_real, err_sim, err_sq_sim));
}

TEMPLATE_TEST_CASE_SIG("very large n (10^9, 10^12) by first-hit simulation: bias, RMSE, coverage",
                       "[accuracy][simulation]", ((unsigned P), P), 4, 6, 8, 10, 12, 14, 16) {
  // T = 2000 simulated sketches per point. Bias: standard error of the mean
  // ≤ 1.1·RSE/√2000 = 0.025·RSE, so the 0.25·RSE bound is ≥ 8σ from the
  // measured biases (|bias| ≤ 0.06·RSE here): false failure < 10^−14.
  // RMSE: the bound and its 4σ margin as on the grid. Coverage: see the
  // coverage test (here n ≫ m, where the RSE is the asymptotic one).
  constexpr std::size_t T = 2000;
  const double rse = hyperloglog<P>::relative_standard_error();
  splitmix64 rng{0x1E9 + P};
  hyperloglog<P> s;
  for (double n : {1e9, 1e12}) {
    error_stats st;
    st.n = n;
    for (std::size_t t = 0; t < T; ++t) {
      simulate(s, n, rng);
      st.record(s, true);
    }
    print_row(P, "simulated", st, rse);
    INFO("P = " << P << ", n = " << n);
    CHECK(std::fabs(st.bias()) <= 0.25 * rse);
    CHECK(st.rmse() <= c_p(P) * (1.0 + 4.0 / std::sqrt(2.0 * T)) * rse / 1.04);
    CHECK(std::fabs(st.coverage() - 0.95) <= 0.02);
  }
}

TEMPLATE_TEST_CASE_SIG("confidence_interval(0.95) covers the true n in 95 % ± 2 % of trials", "[accuracy][interval]",
                       ((unsigned P), P), 8, 10, 12) {
  // T = 2000 trials with real adds at n = 20·m and 60·m, where the estimator's
  // RSE has reached the asymptotic 1.04/√m the interval is built from (the
  // simulated test above covers every P at 10^9 and 10^12). The observed
  // coverage is binomial with standard deviation √(0.95·0.05/2000) = 0.0049,
  // so ±2 % is a 4.1σ band: a calibrated interval fails with probability
  // < 5·10^−5. Below ≈ 5·m the estimator is more accurate than 1.04/√m (the
  // linear-counting regime) and the interval is conservative (99 % measured
  // at n = m); there only the lower side, 95 % − 2 %, is required.
  constexpr double m = static_cast<double>(std::size_t{1} << P);
  const double rse = hyperloglog<P>::relative_standard_error();
  const auto stats = run_trials<P>({1.0 * m, 20.0 * m, 60.0 * m}, 2000, keys::random_hashes, 0xC1 + P, true);
  for (const error_stats& st : stats) print_row(P, "coverage", st, rse);
  CHECK(stats[0].coverage() >= 0.95 - 0.02);
  CHECK(std::fabs(stats[1].coverage() - 0.95) <= 0.02);
  CHECK(std::fabs(stats[2].coverage() - 0.95) <= 0.02);
}
