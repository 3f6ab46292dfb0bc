#ifndef HASHSKETCH_DETAIL_ULL_MATH_HPP
#define HASHSKETCH_DETAIL_ULL_MATH_HPP

// UltraLogLog's estimators (FGRA and maximum likelihood) and their
// constants, from a histogram of register bytes or the FGRA register pass.
// Used by ultraloglog.hpp (ull_family) and by the register policy's running
// FGRA sum (detail/register_policy.hpp).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "ull_kernels.hpp"

namespace hashsketch {

namespace detail {

/// UltraLogLog's estimator constants and formulas (Ertl 2024, sections 3–4;
/// the arithmetic follows hash4j's OptimalFGRAEstimator and
/// MaximumLikelihoodEstimator so that estimates agree to a few ulps).
/// Operation order matters for that agreement: this header does no
/// expression contraction (no std::fma, and the tests build with
/// -ffp-contract=off where the compiler would fuse).
struct ull_math {
  /// τ, the FGRA exponent minimising the asymptotic variance V(τ) (Ertl 2024,
  /// eq. for the optimal τ; hash4j OptimalFGRAEstimator.TAU, found by Brent's
  /// method on V). The η_i and V below are computed from it.
  static constexpr double tau = 0.8194911375910897;

  /// ω_i(τ) of Ertl 2024 (the four history states of a register, i = the two
  /// history bits: 0 none, 1 = u−2 seen, 2 = u−1 seen, 3 both).
  static double omega(int i, double t) noexcept {
    const auto q = [t](double b) { return std::pow(b, -t); };
    switch (i) {
      case 0: return q(7) - q(8);
      case 1: return q(3) - q(4) - q(7) + q(8);
      case 2: return q(5) - q(6) - q(7) + q(8);
      default: return 1 - q(2) - q(3) + q(4) - q(5) + q(6) + q(7) - q(8);
    }
  }
  /// The common factor of the η_i: (ln 2 / Γ(τ)) / Σ_i ω_i(τ)²/ω_i(2τ).
  static double eta_prefactor(double t) noexcept {
    double s = 0;
    for (int i = 0; i < 4; ++i) s += omega(i, t) * omega(i, t) / omega(i, 2 * t);
    return (std::log(2.0) / std::tgamma(t)) / s;
  }
  /// η_i = prefactor · ω_i(τ)/ω_i(2τ): the optimal weight of a register in
  /// history state i (4.6631, 2.1379, 2.7811, 0.9824).
  static const std::array<double, 4>& eta() noexcept {
    static const std::array<double, 4> e = [] {
      std::array<double, 4> r{};
      for (int i = 0; i < 4; ++i) r[i] = eta_prefactor(tau) * (omega(i, tau) / omega(i, 2 * tau));
      return r;
    }();
    return e;
  }
  /// V(τ) = (prefactor · Γ(2τ)/Γ(τ) − 1)/τ², the asymptotic relative variance
  /// times m (0.6118931496978439, the constant of relative_standard_error()).
  static double variance_factor() noexcept {
    return (eta_prefactor(tau) * (std::tgamma(2 * tau) / std::tgamma(tau)) - 1) / (tau * tau);
  }

  struct fgra_constants {
    double pow_2_tau, pow_2_minus_tau, pow_4_minus_tau, minus_inv_tau;
    double eta_x, eta23x, eta13x, eta3012xx;
    double p4_eta23, p4_eta01, p4_eta3, p4_eta1, p2_eta_x, phi_1, p_initial;
    double p2_eta02, p2_eta13, p2_eta2, p2_eta3;
    std::array<double, 236> contribution;  // register byte − 4P − 4 → η_h·2^(−τu)
    std::array<double, 17> factor;         // estimation_factor(p), p = 4..16
  };
  static const fgra_constants& fgra() noexcept {
    static const fgra_constants c = [] {
      const std::array<double, 4>& e = eta();
      fgra_constants k{};
      k.pow_2_tau = std::pow(2.0, tau);
      k.pow_2_minus_tau = std::pow(2.0, -tau);
      k.pow_4_minus_tau = std::pow(4.0, -tau);
      k.minus_inv_tau = -1 / tau;
      k.eta_x = e[0] - e[1] - e[2] + e[3];
      k.eta23x = (e[2] - e[3]) / k.eta_x;
      k.eta13x = (e[1] - e[3]) / k.eta_x;
      k.eta3012xx = (e[3] * e[0] - e[1] * e[2]) / (k.eta_x * k.eta_x);
      k.p4_eta23 = k.pow_4_minus_tau * (e[2] - e[3]);
      k.p4_eta01 = k.pow_4_minus_tau * (e[0] - e[1]);
      k.p4_eta3 = k.pow_4_minus_tau * e[3];
      k.p4_eta1 = k.pow_4_minus_tau * e[1];
      k.p2_eta_x = k.pow_2_minus_tau * k.eta_x;
      k.phi_1 = e[0] / (k.pow_2_tau * (2. * k.pow_2_tau - 1));
      k.p_initial = k.eta_x * (k.pow_4_minus_tau / (2 - k.pow_2_minus_tau));
      k.p2_eta02 = k.pow_2_minus_tau * (e[0] - e[2]);
      k.p2_eta13 = k.pow_2_minus_tau * (e[1] - e[3]);
      k.p2_eta2 = k.pow_2_minus_tau * e[2];
      k.p2_eta3 = k.pow_2_minus_tau * e[3];
      for (int j = 0; j < 236; ++j) k.contribution[j] = e[j & 3] * std::pow(2.0, -tau * ((j + 12) >> 2));
      for (unsigned p = 4; p <= 16; ++p) k.factor[p] = estimation_factor(p);
      return k;
    }();
    return c;
  }

  /// ψ(z)/η_x of the paper: the expected contribution of a register whose
  /// history is summarised by z and z².
  static double psi_prime(double z, double z2) noexcept {
    const fgra_constants& k = fgra();
    return (z + k.eta23x) * (z2 + k.eta13x) + k.eta3012xx;
  }
  /// σ(z) (small-range correction of empty registers): a series in z^(2^i).
  static double sigma(double z) noexcept {
    const fgra_constants& k = fgra();
    if (z <= 0.) return eta()[3];
    if (z >= 1.) return std::numeric_limits<double>::infinity();
    double pow_z = z, next = z * z, s = 0, pow_tau = k.eta_x;
    for (;;) {
      const double old = s;
      const double next_next = next * next;
      s += pow_tau * (pow_z - next) * psi_prime(next, next_next);
      if (!(s > old)) return s / z;
      pow_z = next;
      next = next_next;
      pow_tau *= k.pow_2_tau;
    }
  }
  /// φ(z) (large-range correction of saturated registers): a series in
  /// z^(2^−i).
  static double phi(double z, double z2) noexcept {
    const fgra_constants& k = fgra();
    if (z <= 0.) return 0.;
    if (z >= 1.) return k.phi_1;
    double prev = z2, pow_z = z, next = std::sqrt(pow_z);
    double p = k.p_initial / (1. + next);
    double ps = psi_prime(pow_z, prev);
    double s = next * (ps + ps) * p;
    for (;;) {
      prev = pow_z;
      pow_z = next;
      const double old = s;
      next = std::sqrt(pow_z);
      const double next_ps = psi_prime(pow_z, prev);
      p *= k.pow_2_minus_tau / (1. + next);
      s += next * ((next_ps + next_ps) - (pow_z + next) * ps) * p;
      if (!(s > old)) return s;
      ps = next_ps;
    }
  }
  static double small_range_z(std::int64_t c0, std::int64_t c4, std::int64_t c8, std::int64_t c10,
                              std::int64_t m) noexcept {
    const std::int64_t alpha = m + 3 * (c0 + c4 + c8 + c10);
    const std::int64_t beta = m - c0 - c4;
    const std::int64_t gamma = 4 * c0 + 2 * c4 + 3 * c8 + c10;
    const double quad_root = (std::sqrt(static_cast<double>(beta * beta + 4 * alpha * gamma)) -
                              static_cast<double>(beta)) /
                             static_cast<double>(2 * alpha);
    const double root = quad_root * quad_root;
    return root * root;
  }
  static double large_range_z(std::int64_t c0, std::int64_t c1, std::int64_t c2, std::int64_t c3,
                              std::int64_t m) noexcept {
    const std::int64_t alpha = m + 3 * (c0 + c1 + c2 + c3);
    const std::int64_t beta = c0 + c1 + 2 * (c2 + c3);
    const std::int64_t gamma = m + 2 * c0 + c2 - c3;
    return std::sqrt((std::sqrt(static_cast<double>(beta * beta + 4 * alpha * gamma)) - static_cast<double>(beta)) /
                     static_cast<double>(2 * alpha));
  }
  static double large_range_contribution(std::int64_t c0, std::int64_t c1, std::int64_t c2, std::int64_t c3,
                                         std::int64_t m, int w) noexcept {
    const fgra_constants& k = fgra();
    const std::array<double, 4>& e = eta();
    const double z = large_range_z(c0, c1, c2, c3, m);
    const double root_z = std::sqrt(z);
    double s = phi(root_z, z) * static_cast<double>(c0 + c1 + c2 + c3);
    s += z * (1 + root_z) *
         (static_cast<double>(c0) * e[0] + static_cast<double>(c1) * e[1] + static_cast<double>(c2) * e[2] +
          static_cast<double>(c3) * e[3]);
    s += root_z * (static_cast<double>(c0 + c1) * (z * k.p2_eta02 + k.p2_eta2) +
                   static_cast<double>(c2 + c3) * (z * k.p2_eta13 + k.p2_eta3));
    return s * std::pow(k.pow_2_minus_tau, w) / ((1 + root_z) * (1 + z));
  }
  /// m·m^(1/τ) / (1 + V(1 + τ)/(2m)): the scale and first-order bias
  /// correction of the FGRA estimate (Ertl 2024, FGRA estimator).
  static double estimation_factor(unsigned p) noexcept {
    const double m = std::ldexp(1.0, static_cast<int>(p));
    const double bias = 1. / (1. + variance_factor() * (1. + tau) / (2. * m));
    return bias * m * std::pow(m, 1. / tau);
  }

  /// The FGRA estimate from a histogram of register bytes at precision p.
  /// Every register saturated (byte 255 everywhere; only crafted input or
  /// n near 2^64·m reach it): the formula's sum is 0 and hash4j returns +∞;
  /// we return the estimate of registers all at the largest rank with full
  /// history but no large-range correction, m·η_3·2^(−τ(65−p)) as the sum —
  /// finite, and above every estimate of a non-saturated sketch.
  static double fgra_estimate(const std::uint32_t* h, unsigned p) noexcept {
    const fgra_constants& k = fgra();
    std::int64_t c0 = 0;
    for (unsigned r = 0; r < 4 * p - 4; ++r) c0 += h[r];
    double sum = 0;
    for (unsigned r = 4 * p + 4; r < 252; ++r)
      if (h[r] != 0) sum += static_cast<double>(h[r]) * k.contribution[r - 4 * p - 4];
    return fgra_finish(sum, c0, h[4 * p - 4], h[4 * p], h[4 * p + 2], h[252], h[253], h[254], h[255], p);
  }
  /// The FGRA estimate from the register pass (detail::ull_pass_result:
  /// the ordinary registers' sum and the special bytes' counts, in the order
  /// of ull_special_bytes()).
  static double fgra_estimate(const ull_pass_result& r, unsigned p) noexcept {
    const std::uint32_t* c = r.counts;
    return fgra_finish(r.sum, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], p);
  }
  /// FGRA from the sum over ordinary registers (rank ≥ 3, below the top
  /// rank) and the counts of the others: c0 empty, c4 = byte 4P − 4 (rank
  /// 1), c8 = 4P and c10 = 4P + 2 (rank 2), w0..w3 = 252..255 (top rank).
  static double fgra_finish(double sum, std::int64_t c0, std::int64_t c4, std::int64_t c8, std::int64_t c10,
                            std::int64_t w0, std::int64_t w1, std::int64_t w2, std::int64_t w3,
                            unsigned p) noexcept {
    const fgra_constants& k = fgra();
    const std::int64_t m = std::int64_t{1} << p;
    if (c0 == m) return 0.0;
    if (c0 > 0 || c4 > 0 || c8 > 0 || c10 > 0) {
      const double z = small_range_z(c0, c4, c8, c10, m);
      if (c0 > 0) sum += static_cast<double>(c0) * sigma(z);
      if (c4 > 0) sum += static_cast<double>(c4) * k.p2_eta_x * psi_prime(z, z * z);
      if (c8 > 0) sum += static_cast<double>(c8) * (z * k.p4_eta01 + k.p4_eta1);
      if (c10 > 0) sum += static_cast<double>(c10) * (z * k.p4_eta23 + k.p4_eta3);
    }
    if (w0 > 0 || w1 > 0 || w2 > 0 || w3 > 0)
      sum += large_range_contribution(w0, w1, w2, w3, m, 65 - static_cast<int>(p));
    if (!(sum > 0)) sum = static_cast<double>(m) * eta()[3] * std::pow(k.pow_2_minus_tau, 65 - static_cast<int>(p));
    return k.factor[p] * std::pow(sum, k.minus_inv_tau);
  }

  /// The byte values the FGRA pass counts apart, in fgra_finish's order.
  static std::array<std::uint8_t, 8> special_bytes(unsigned p) noexcept {
    return {0, static_cast<std::uint8_t>(4 * p - 4), static_cast<std::uint8_t>(4 * p),
            static_cast<std::uint8_t>(4 * p + 2), 252, 253, 254, 255};
  }
  /// The pass's lookup table at precision p: η_h·2^(−τu) for the ordinary
  /// bytes 4p + 4 … 251, 0 for every other byte.
  static std::array<double, 256> pass_table(unsigned p) noexcept {
    const fgra_constants& k = fgra();
    std::array<double, 256> t{};
    for (unsigned r = 4 * p + 4; r < 252; ++r) t[r] = k.contribution[r - 4 * p - 4];
    return t;
  }

  // --- maximum likelihood ---------------------------------------------------

  /// Hurwitz ζ(s, q) for s > 1 by Euler–Maclaurin: 40 terms, the tail
  /// integral and the Bernoulli corrections up to B_6 (truncation error
  /// < 1e-20 relative for s ∈ {2, 3}, q = 5/4; rounding dominates).
  static double hurwitz_zeta(double s, double q) noexcept {
    const int n = 40;
    double sum = 0;
    for (int k = 0; k < n; ++k) sum += std::pow(k + q, -s);
    const double x = n + q;
    sum += std::pow(x, 1 - s) / (s - 1) + 0.5 * std::pow(x, -s) + s / 12 * std::pow(x, -s - 1) -
           s * (s + 1) * (s + 2) / 720 * std::pow(x, -s - 3) +
           s * (s + 1) * (s + 2) * (s + 3) * (s + 4) / 30240 * std::pow(x, -s - 5);
    return sum;
  }
  /// 1/√(Fisher information·m) per √m: √(ln 2/ζ(2, 5/4)) = 0.76086 (Ertl 2024).
  static double ml_inv_sqrt_fisher() noexcept {
    static const double v = std::sqrt(std::log(2.0) / hurwitz_zeta(2, 1.25));
    return v;
  }
  /// First-order bias of the ML estimate: 3/2·ln 2·ζ(3, 5/4)/ζ(2, 5/4)² (Ertl 2024).
  static double ml_bias_constant() noexcept {
    static const double v = 1.5 * std::log(2.0) * hurwitz_zeta(3, 1.25) / std::pow(hurwitz_zeta(2, 1.25), 2);
    return v;
  }

  /// The x maximising e^(−a·x)·Π_k (1 − e^(−x/2^k))^b[k] (b has 64 entries,
  /// a ≥ 0): Ertl 2017 (arXiv:1702.01284) Algorithm 8 — a secant iteration on
  /// g(x) = a·x + Σ b_k·h(x/2^k) − Σ b_k with h(x) = 1 − x/(e^x − 1), h of
  /// the largest argument from its Taylor series and the others by the
  /// doubling identity h(2x) = (x + h(x)(1 − h(x)))/(x + 1 − h(x)). Stops when
  /// the step is below x·relative_error_limit. +∞ when a = 0.
  static double solve_ml(double a, const std::int64_t* b, double relative_error_limit) noexcept {
    if (a == 0.) return std::numeric_limits<double>::infinity();
    int k_max = 63;
    while (k_max >= 0 && b[k_max] == 0) --k_max;
    if (k_max < 0) return 0.;
    int k_min = k_max;
    std::int64_t s1 = 0;
    double s2 = 0;
    for (int k = k_max; k >= 0; --k) {
      if (b[k] > 0) {
        s1 += b[k];
        s2 += std::ldexp(static_cast<double>(b[k]), k);
        k_min = k;
      }
    }
    const double s1d = static_cast<double>(s1);
    // Start between the bounds s1/(s2/2 + a) ≤ x ≤ s1/a (Ertl 2017, sec. on ML).
    double x = s2 <= 1.5 * a ? s1d / (0.5 * s2 + a) : std::log1p(s2 / a) * (s1d / s2);
    double g_previous = 0, delta = x;
    while (delta > x * relative_error_limit) {
      int exponent;
      (void)std::frexp(x, &exponent);  // x = f·2^exponent, f ∈ [0.5, 1)
      const int kappa = exponent + 1;  // x ∈ [2^(kappa−2), 2^(kappa−1))
      const int top = std::max(k_max, kappa);
      // x' = x/2^(top + 1) ≤ 1/4: the Taylor series of h converges fast there.
      double xp = std::ldexp(x, -(top + 1));
      const double xp2 = xp * xp;
      double h = xp + xp2 * (-1. / 3. + xp2 * (1. / 45. - xp2 * (1. / 472.5)));
      for (int k = kappa - 1; k >= k_max; --k) {
        const double hp = 1. - h;
        h = (xp + h * hp) / (xp + hp);
        xp += xp;
      }
      double g = static_cast<double>(b[k_max]) * h;
      for (int k = k_max - 1; k >= k_min; --k) {
        const double hp = 1. - h;
        h = (xp + h * hp) / (xp + hp);
        xp += xp;
        g += static_cast<double>(b[k]) * h;
      }
      g += x * a;
      if (g_previous < g && g <= s1d)
        delta *= (g - s1d) / (g_previous - g);
      else
        delta = 0;
      x += delta;
      g_previous = g;
    }
    return x;
  }

  /// The ML estimate from a histogram of register bytes (Ertl 2024, ML
  /// estimator with first-order bias correction). A register with largest
  /// rank u and history contributes to a the probability mass of the hashes
  /// that would still change it and to b[k] for each rank it has seen.
  /// Saturation (a = 0): hash4j returns +∞; we return the FGRA saturation
  /// value (fgra_estimate's).
  static double ml_estimate(const std::uint32_t* hist, unsigned p) noexcept {
    const std::int64_t m = std::int64_t{1} << p;
    double a = 0;
    std::int64_t b[64] = {};
    for (unsigned r = 0; r < 256; ++r) {
      const std::int64_t c = hist[r];
      if (c == 0) continue;
      const int r2 = static_cast<int>(r) - static_cast<int>(4 * p) - 4;
      double contribution;
      if (r2 < 0) {
        if (r2 == -8) {
          b[1] += c;
          contribution = 0.5;
        } else if (r2 == -4) {
          b[2] += c;
          contribution = 0.75;
        } else if (r2 == -2) {
          b[1] += c;
          b[2] += c;
          contribution = 0.25;
        } else {
          contribution = 1.;
        }
      } else {
        int k;
        contribution = 0;
        if (r < 252) {
          k = (r2 >> 2) + 3;
          b[k] += c;
          contribution += std::ldexp(1.0, -k);
        } else {
          k = 65 - static_cast<int>(p);
          b[k - 1] += c;
        }
        if ((r & 1u) == 0)
          contribution += std::ldexp(1.0, -(k - 2));
        else
          b[k - 2] += c;
        if ((r & 2u) == 0)
          contribution += std::ldexp(1.0, -(k - 1));
        else
          b[k - 1] += c;
      }
      a += static_cast<double>(c) * contribution;
    }
    if (a == 0.) return fgra_estimate(hist, p);
    const double md = static_cast<double>(m);
    return md * solve_ml(a, b, 0.001 * ml_inv_sqrt_fisher() / std::sqrt(md)) / (1. + ml_bias_constant() / md);
  }
};

}  // namespace detail

}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_ULL_MATH_HPP
