#ifndef HASHSKETCH_ESTIMATORS_HPP
#define HASHSKETCH_ESTIMATORS_HPP

// Cardinality estimators as free functions over a register histogram:
// counts[k] = number of registers holding value k (0 = empty, q + 1 = the
// largest rank of the layout). Every register sketch in the library (HLL,
// LogLog, SuperLogLog, Redis and DataSketches layouts) ends in one of these.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

namespace hashsketch {

/// Which HyperLogLog estimator to use.
enum class estimator {
  ertl,    ///< Ertl 2017 improved raw estimator: accurate over the whole range, no tables
  classic  ///< Flajolet et al. 2007: α_m·m²/Σ2^-r, linear counting below 2.5·m
};

/// counts[k] = number of registers with value k; 64 slots cover every layout
/// (the largest rank of any policy is 63).
using register_histogram = std::array<std::uint32_t, 64>;

/// The three numbers HyperLogLog's estimators read from the registers (Ertl
/// 2017, Algorithm 6 needs only C_0, C_{q+1} and Σ_{k=1..q} C_k·2^−k), kept
/// exact: `weighted` = Σ_{k=1..q} C_k·2^(q−k) as an integer. The SIMD kernels
/// compute them in one pass over the registers, which is what makes
/// estimate() right after a merge cheap (detail/kernels_*.hpp).
struct register_stats {
  std::uint32_t zeros;      ///< C_0: registers still empty
  std::uint32_t saturated;  ///< C_{q+1}: registers at the layout's largest rank
  std::uint64_t weighted;   ///< Σ_{k=1..q} C_k·2^(q−k), exact when register_stats_fit(m, q)
};

/// True when `weighted` cannot overflow 64 bits for any content of m registers:
/// its maximum, m·2^(q−1) (every register at 1), must be ≤ 2^64 − 1. Holds for
/// the default layout (q = 64 − P) and Redis's; not for DataSketches' (q = 62),
/// whose sketches use the histogram path instead.
constexpr bool register_stats_fit(std::size_t m, unsigned q) noexcept {
  return q == 0 || (q <= 64 && static_cast<std::uint64_t>(m) <= (~std::uint64_t{0} >> (q - 1u)));
}

/// The register_stats of a histogram (q + 1 ≤ 63). O(q).
inline register_stats stats_of(const register_histogram& counts, unsigned q) noexcept {
  std::uint64_t weighted = 0;
  for (unsigned k = 1; k <= q; ++k) weighted += static_cast<std::uint64_t>(counts[k]) << (q - k);
  return register_stats{counts[0], counts[q + 1], weighted};
}

namespace detail {

/// α_∞ = 1 / (2 ln 2): the constant of the raw estimator as m → ∞
/// (Flajolet et al. 2007, eq. for α_m; Ertl 2017, eq. 13).
constexpr double alpha_inf = 0.72134752044448170368;

/// σ(x) = x + Σ_{k≥1} x^(2^k)·2^(k−1)  (Ertl 2017, eq. 39). Summed until the
/// terms no longer change the double; diverges at x = 1 (all registers empty).
inline double ertl_sigma(double x) noexcept {
  if (x >= 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0, z = x, previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (z != previous);
  return z;
}

/// τ(x) = (1/3)·(1 − x − Σ_{k≥1} (1 − x^(2^−k))²·2^−k)  (Ertl 2017, eq. 40).
inline double ertl_tau(double x) noexcept {
  if (x <= 0.0 || x >= 1.0) return 0.0;
  double y = 1.0, z = 1.0 - x, previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (z != previous);
  return z / 3.0;
}

/// 2^−q as a double, built from its bits (q ≤ 1022: a normal number). x·2^−q
/// is exact, so it equals std::ldexp(x, −q) bit for bit for every x whose
/// result stays normal — and costs one multiply instead of a libm call, which
/// matters on the add path: every register change recomputes the estimate.
inline double pow2_neg(unsigned q) noexcept {
  const std::uint64_t bits = static_cast<std::uint64_t>(1023u - q) << 52;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

/// α_m of the classic estimator (Flajolet et al. 2007, Fig. 3 / section 4):
/// the published values for m = 16, 32, 64 and α_∞/(1 + 1.079/m) above.
constexpr double classic_alpha(std::size_t m) noexcept {
  return m <= 16 ? 0.673 : m <= 32 ? 0.697 : m <= 64 ? 0.709 : 0.7213 / (1.0 + 1.079 / static_cast<double>(m));
}

/// Every register saturated (only reachable with n near 2^64·m, or with
/// crafted bytes): the σ/τ formula's limit is +∞ there (τ(0) = 0 and no other
/// term remains). We return the largest value the registers can still express
/// instead, α_m·m·2^(q+1) (the raw estimate with every register at q + 1), so
/// that callers never receive an infinity from a valid sketch.
inline double saturated_estimate(std::size_t m, unsigned q) noexcept {
  return classic_alpha(m) * static_cast<double>(m) * std::ldexp(1.0, static_cast<int>(q) + 1);
}

}  // namespace detail

/// Ertl's improved raw estimator (O. Ertl, "New cardinality estimation
/// algorithms for HyperLogLog sketches", 2017, arXiv:1702.01284, Algorithm 6):
///   E = α_m·m² / (m·σ(C_0/m) + Σ_{k=1..q} C_k·2^−k + m·τ(1 − C_{q+1}/m)·2^−q)
/// Finite-m correction: the paper uses α_∞; for small m the harmonic mean is
/// biased by ≈ α_∞/α_m − 1 (+7 % at m = 16, +1.7 % at m = 64, measured by
/// bench/accuracy), which Flajolet's α_m removes, so we use α_m (the same
/// constant as the classic estimator). For m ≥ 1024 the two differ by < 0.11 %.
/// σ takes over where registers are still empty (small n) and τ where they
/// saturate (n near 2^64), so one formula covers 0 … 10^12 and beyond with
/// relative standard error ≈ 1.04/√m and no empirical bias tables.
/// q + 1 is the largest register value of the layout. O(q).
inline double ertl_estimate(const register_stats& s, std::size_t m, unsigned q) noexcept {
  const double md = static_cast<double>(m);
  if (s.zeros == m) return 0.0;
  if (s.saturated == m) return detail::saturated_estimate(m, q);
  // Σ_{k=1..q} C_k·2^−k = weighted·2^−q and the τ term carries 2^−q as well.
  double z = md * detail::ertl_tau(1.0 - static_cast<double>(s.saturated) / md) + static_cast<double>(s.weighted);
  z *= detail::pow2_neg(q);  // = ldexp(z, −q) exactly: z > 0.1 and q ≤ 64 keep the product normal
  z += md * detail::ertl_sigma(static_cast<double>(s.zeros) / md);
  return detail::classic_alpha(m) * md * md / z;
}

/// The same from a histogram. Goes through register_stats whenever they fit,
/// so a sketch gives the same double whichever way it was summarised.
inline double ertl_estimate(const register_histogram& counts, std::size_t m, unsigned q) noexcept {
  if (register_stats_fit(m, q)) return ertl_estimate(stats_of(counts, q), m, q);
  const double md = static_cast<double>(m);
  if (counts[0] == m) return 0.0;
  if (counts[q + 1] == m) return detail::saturated_estimate(m, q);
  double z = md * detail::ertl_tau(1.0 - static_cast<double>(counts[q + 1]) / md);
  for (unsigned k = q; k >= 1; --k) z = 0.5 * (z + static_cast<double>(counts[k]));
  z += md * detail::ertl_sigma(static_cast<double>(counts[0]) / md);
  return detail::classic_alpha(m) * md * md / z;
}

/// The classic HyperLogLog estimator (P. Flajolet, É. Fusy, O. Gandouet,
/// F. Meunier, "HyperLogLog: the analysis of a near-optimal cardinality
/// estimation algorithm", AofA 2007): E = α_m·m²/Σ_j 2^−M[j], replaced by
/// linear counting m·ln(m/V) when E ≤ 2.5·m and V > 0 registers are empty.
/// With a 64-bit hash the large-range correction of the paper is not needed.
/// Known weakness, kept on purpose: a bias bump just above 2.5·m where the
/// switch happens (tests/hyperloglog_accuracy_test shows it).
inline double classic_estimate(const register_stats& s, std::size_t m, unsigned q) noexcept {
  const double md = static_cast<double>(m);
  if (s.zeros == m) return 0.0;
  // Σ_{k=0..q+1} C_k·2^−k = C_0 + weighted·2^−q + C_{q+1}·2^−(q+1)
  const double sum = static_cast<double>(s.zeros) +
                     (static_cast<double>(s.weighted) + 0.5 * static_cast<double>(s.saturated)) *
                         detail::pow2_neg(q);  // = ldexp(·, −q), exact (a normal product)
  const double raw = detail::classic_alpha(m) * md * md / sum;
  if (raw <= 2.5 * md && s.zeros > 0) return md * std::log(md / static_cast<double>(s.zeros));
  return raw;
}

/// The same from a histogram (through register_stats whenever they fit).
inline double classic_estimate(const register_histogram& counts, std::size_t m, unsigned q) noexcept {
  if (register_stats_fit(m, q)) return classic_estimate(stats_of(counts, q), m, q);
  const double md = static_cast<double>(m);
  if (counts[0] == m) return 0.0;
  double sum = 0.0;
  for (unsigned k = q + 1; k >= 1; --k) sum = 0.5 * (sum + static_cast<double>(counts[k]));
  sum += static_cast<double>(counts[0]);
  const double raw = detail::classic_alpha(m) * md * md / sum;
  if (raw <= 2.5 * md && counts[0] > 0) return md * std::log(md / static_cast<double>(counts[0]));
  return raw;
}

}  // namespace hashsketch

#endif  // HASHSKETCH_ESTIMATORS_HPP
