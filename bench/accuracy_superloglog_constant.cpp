// Calibrates SuperLogLog's constant α̃_m (include/hashsketch/loglog.hpp,
// detail::superloglog_alpha) and prints the table that header carries.
//
//   accuracy_superloglog_constant [--draws 16777216] [--phases 32] [--seed 1]
//                                 [--p-min 4] [--p-max 16]
//
// The derivation. SuperLogLog estimates E = α̃·m·2^T, T the mean of the
// m₀ = ⌊0.7·m⌋ smallest registers (Durand & Flajolet 2003, section 5).
//
// 1. Poissonise: with Poisson(n) items instead of n, the m registers are
//    independent, each with P(M ≤ k) = exp(−λ·2^−k), λ = n/m (our ranks are
//    1-based, P(rank > k) = 2^−k; 0 = empty). Sampling M directly: with
//    X ~ Exp(1), M = max(0, ⌈log2 λ − log2 X⌉) (capped at 65 − P).
//    Poissonisation changes E[E]/n by O(1/n), nothing at n ≥ 10·m.
// 2. Periodicity: λ → 2λ adds exactly 1 to every register (once P(M = 0) is
//    negligible: e^−λ), so g(λ) = E[2^T]/λ is periodic in log2 λ. We sample one
//    whole octave λ = 2^(10 + i/F), i = 0 … F−1, far from both the empty
//    (λ ≲ 8) and the capped (λ ≈ 2^(64−P)) ends.
// 3. The best constant at one n is 1/g(λ); no single constant fits every
//    phase. We choose the equal-ripple constant α̃ = 2/(g_max + g_min): then
//    the bias α̃·g − 1 lies in [−δ, +δ] with δ = (g_max − g_min)/(g_max + g_min),
//    the smallest worst-case bias any constant can have. (Zeroing the
//    octave-averaged bias, α̃ = 1/mean g, is printed too; it leaves a larger
//    worst case because g's ripple is asymmetric.)
// 4. The m → ∞ limit needs no simulation: T → (1/θ₀)∫₀^θ₀ F⁻¹(u) du with the
//    discrete F above, integrated exactly; printed as the "limit" row.
//    Finite m moves the constant by O(1/m): E[2^T] > 2^E[T] (Jensen) and the
//    mean of the lowest order statistics is biased. Those are what the
//    per-m simulation measures.
//
// Common random numbers: the same exponentials serve every phase, so the
// shape of g over the octave is measured with much less noise than its level.
// The level's standard error is ≈ σ/√(draws) with σ·√m ≈ 1.1, i.e. ≈ 0.03 %
// at the default 2^24 register draws per P. Runtime ≈ 20 s single-threaded.
// The std·√m columns are indicative only at large P (2^24/m samples per phase,
// 256 at P = 16: ±4 %); bench/accuracy measures the error properly.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <hashsketch/loglog.hpp>
#include <vector>

#include "accuracy_support.hpp"

namespace {

// m → ∞: g(λ) = 2^T(λ)/λ with T the exact θ₀-trimmed mean of the register law.
double limit_g(double lambda) {
  const double theta = 0.7;
  double sum = 0.0, previous = 0.0;
  for (int k = 0;; ++k) {
    const double f = std::exp(-lambda * std::ldexp(1.0, -k));
    sum += k * (std::min(f, theta) - std::min(previous, theta));
    previous = f;
    if (f >= theta) break;
  }
  return std::exp2(sum / theta) / lambda;
}

struct result {
  double equal_ripple, zero_mean, ripple, std_min, std_max, std_mean;
};

result summarise(const std::vector<double>& g, const std::vector<double>& sd, double m) {
  const double g_max = *std::max_element(g.begin(), g.end());
  const double g_min = *std::min_element(g.begin(), g.end());
  double g_sum = 0.0;
  for (double v : g) g_sum += v;
  result r{};
  r.equal_ripple = 2.0 / (g_max + g_min);
  r.zero_mean = static_cast<double>(g.size()) / g_sum;
  r.ripple = (g_max - g_min) / (g_max + g_min);
  r.std_min = 1e300;
  r.std_max = 0.0;
  double ssq = 0.0;
  for (double s : sd) {
    const double rel = r.equal_ripple * s * std::sqrt(m);
    r.std_min = std::min(r.std_min, rel);
    r.std_max = std::max(r.std_max, rel);
    ssq += rel * rel;
  }
  r.std_mean = std::sqrt(ssq / static_cast<double>(sd.size()));
  return r;
}

}  // namespace

int main(int argc, char** argv) try {
  hashsketch_bench::flags f(argc, argv);
  const double draws = f.number("--draws", 16777216.0);
  const int phases = static_cast<int>(f.number("--phases", 32));
  const std::uint64_t seed = static_cast<std::uint64_t>(f.number("--seed", 1));
  const int p_min = static_cast<int>(f.number("--p-min", 4));
  const int p_max = static_cast<int>(f.number("--p-max", 16));
  f.check();
  if (phases < 2 || p_min < 4 || p_max > 16 || p_min > p_max || !(draws >= 1024))
    throw std::invalid_argument("need --phases >= 2, 4 <= --p-min <= --p-max <= 16, --draws >= 1024");
  const double base = 10.0;  // log2 λ of the octave's start

  std::printf("SuperLogLog constant, theta0 = 0.7, octave lambda = n/m in [2^%.0f, 2^%.0f), %d phases\n", base,
              base + 1, phases);
  std::printf("%4s %8s %14s %14s %9s %26s\n", "P", "m", "equal-ripple", "zero-mean", "ripple",
              "std*sqrt(m) min/mean/max");

  std::vector<double> table;
  for (int p = p_min; p <= p_max; ++p) {
    const std::size_t m = std::size_t{1} << p;
    const unsigned q = 64u - static_cast<unsigned>(p);
    const auto samples = static_cast<std::size_t>(std::ceil(draws / static_cast<double>(m)));
    hashsketch_bench::splitmix64 rng(seed * 0x100000001B3ull + static_cast<std::uint64_t>(p));
    std::vector<double> z(m);  // −log2 of the register's exponential
    std::vector<double> sum(phases, 0.0), sum2(phases, 0.0);
    hashsketch::register_histogram h{};
    for (std::size_t s = 0; s < samples; ++s) {
      for (auto& v : z) v = -std::log2(rng.exponential());
      for (int i = 0; i < phases; ++i) {
        const double log2_lambda = base + static_cast<double>(i) / phases;
        h.fill(0);
        for (double v : z) {
          const double k = std::ceil(log2_lambda + v);
          const unsigned r = k <= 0.0 ? 0u : k >= q + 1.0 ? q + 1u : static_cast<unsigned>(k);
          ++h[r];
        }
        // E/n with α̃ = 1: m·2^T/(λ·m) = 2^(T − log2 λ)
        const double ratio = std::exp2(hashsketch::detail::superloglog_truncated_mean(h, m, q) - log2_lambda);
        sum[i] += ratio;
        sum2[i] += ratio * ratio;
      }
    }
    std::vector<double> g(phases), sd(phases);
    for (int i = 0; i < phases; ++i) {
      g[i] = sum[i] / static_cast<double>(samples);
      sd[i] = std::sqrt(std::max(0.0, sum2[i] / static_cast<double>(samples) - g[i] * g[i]));
    }
    const result r = summarise(g, sd, static_cast<double>(m));
    std::printf("%4d %8zu %14.5f %14.5f %8.3f%% %8.3f %8.3f %8.3f\n", p, m, r.equal_ripple, r.zero_mean,
                100.0 * r.ripple, r.std_min, r.std_mean, r.std_max);
    std::fflush(stdout);
    table.push_back(r.equal_ripple);
  }

  // The m → ∞ limit, exactly (a fine grid over the octave).
  std::vector<double> g_limit(4096);
  for (std::size_t i = 0; i < g_limit.size(); ++i)
    g_limit[i] = limit_g(std::exp2(base + static_cast<double>(i) / static_cast<double>(g_limit.size())));
  const result lim = summarise(g_limit, std::vector<double>(1, 0.0), 1.0);
  std::printf("limit %7s %14.5f %14.5f %8.3f%%   (best constant 1/g in [%.5f, %.5f])\n", "inf", lim.equal_ripple,
              lim.zero_mean, 100.0 * lim.ripple, 1.0 / *std::max_element(g_limit.begin(), g_limit.end()),
              1.0 / *std::min_element(g_limit.begin(), g_limit.end()));

  std::printf("\n// paste into detail::superloglog_alpha (P = %d … %d), limit last\n", p_min, p_max);
  for (std::size_t i = 0; i < table.size(); ++i)
    std::printf("%s%.5f,%s", i % 5 == 0 ? "      " : " ", table[i], i % 5 == 4 || i + 1 == table.size() ? "\n" : "");
  std::printf("      limit = %.5f\n", lim.equal_ripple);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "accuracy_superloglog_constant: %s\n", e.what());
  return 2;
}
