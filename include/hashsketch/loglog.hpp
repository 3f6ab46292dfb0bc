#ifndef HASHSKETCH_LOGLOG_HPP
#define HASHSKETCH_LOGLOG_HPP

// loglog<P> and superloglog<P>: the two algorithms HyperLogLog grew out of
// (M. Durand, P. Flajolet, "Loglog counting of large cardinalities", ESA 2003,
// LNCS 2832). Same registers, same update, same merge/reduce/serialisation as
// hyperloglog<P> (one core, basic_sketch); only the estimator differs:
//
//   LogLog       E = α_m·m·2^(mean of the m registers)            RSE ≈ 1.30/√m
//   SuperLogLog  E = α̃_m·m·2^(mean of the ⌊0.7·m⌋ smallest)       RSE ≈ 1.10/√m ⊕ 0.76 %
//   HyperLogLog  E = α_m·m²/Σ 2^−M[j]   (harmonic mean)           RSE ≈ 1.04/√m
//
//   hashsketch::hyperloglog<12> h;  /* … add … */
//   hashsketch::loglog<12> ll(h);        // the same registers, LogLog's estimate
//   hashsketch::superloglog<12> sll(h);  // … and SuperLogLog's
//
// They are here so the lineage can be compared on identical registers, not as
// production estimators: at the same memory HyperLogLog (Ertl's estimator)
// beats LogLog at every n and SuperLogLog over every octave of n (SuperLogLog
// dips below it at some phases of its oscillation), and it is the only one of
// the three usable for small n.
//
// Small range, stated honestly: both are asymptotic estimators. An empty
// register counts as 0 in the mean, so the estimate can never drop below
// ≈ α·m (≈ 0.40·m for LogLog, ≈ 0.77·m for SuperLogLog, whose kept registers
// are then all empty) and both overestimate while registers are still empty:
// measured at P = 12 (bench/accuracy, 2000 trials) LogLog is +40 % at
// n = m/2, +10.5 % at n = m, +2.6 % at n = 1.7·m; SuperLogLog +63 %, +16 %,
// +3.9 %. From n ≈ 3·m the bias is below 1 %, and above n ≈ 10·m both are
// within their stated error (docs/accuracy.md has the whole curve). There is
// deliberately no linear-counting patch: these types show what the original
// algorithms do; use hyperloglog for small n. Only the fully empty sketch
// returns 0.
//
// Register convention: our registers hold 1-based ranks (leading zeros + 1 of
// the bits after the index, 0 = empty), which is the paper's ρ ("position of
// the first 1-bit"), so the paper's constants apply unchanged: α_∞ ≈ 0.39701.
// For 0-based counts (number of leading zeros) every register is one smaller,
// 2^mean halves, and the constant doubles: 0.79402.
//
// Memory: m = 2^P bytes (+ a 256-byte histogram). Thread-safety: none
// internally — one writer, or any number of concurrent readers.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "basic_sketch.hpp"
#include "detail/bits.hpp"
#include "detail/stats.hpp"
#include "estimators.hpp"

namespace hashsketch {

/// LogLog's estimate from a register histogram (counts[k] = registers holding
/// k, k = 0 … q + 1): α_m·m·2^((1/m)·Σ_k k·counts[k]), 0 for the empty sketch.
/// Relative standard error ≈ 1.30/√m for n ≳ 10·m, badly biased below ≈ 2·m
/// (see the header comment). O(q).
inline double loglog_estimate(const register_histogram& counts, std::size_t m, unsigned q) noexcept;

/// SuperLogLog's estimate: α̃_m·m·2^(mean of the ⌊0.7·m⌋ smallest register
/// values), 0 for the empty sketch. For n ≳ 10·m: standard deviation
/// ≈ 1.10/√m (the paper says 1.05/√m; it oscillates with log2(n/m) between
/// ≈ 0.97/√m and 1.21/√m) plus a periodic bias within ±0.5 % (m = 256) …
/// ±1.07 % (m → ∞) that no constant removes; badly biased below ≈ 2·m. O(q).
inline double superloglog_estimate(const register_histogram& counts, std::size_t m, unsigned q) noexcept;

// See loglog_alpha.
#if defined(__GNUC__) && !defined(__clang__)
#define HASHSKETCH_DETAIL_NOFOLD __attribute__((noipa))
#elif defined(__clang__)
#define HASHSKETCH_DETAIL_NOFOLD __attribute__((noinline))
#elif defined(_MSC_VER)
#define HASHSKETCH_DETAIL_NOFOLD __declspec(noinline)
#else
#define HASHSKETCH_DETAIL_NOFOLD
#endif

namespace detail {

/// LogLog's α_m (Durand & Flajolet 2003, Theorem 1):
///   α_m = ( Γ(−1/m) · (1 − 2^(1/m)) / ln 2 )^(−m),
/// which makes E asymptotically unbiased up to a periodic term of amplitude
/// < 10^−5 (the paper's bound). α_16 ≈ 0.37603, α_4096 ≈ 0.39693, and
/// α_∞ = e^−γ·√2/2 ≈ 0.39701 (γ Euler's constant). Both Γ(−1/m) < 0 and
/// 1 − 2^(1/m) < 0, so the base is positive. The base is 1 + O(1/m) and is
/// raised to the power −m, so its relative error is multiplied by m: 1 − 2^(1/m)
/// is computed as −expm1(ln 2/m) (no cancellation), which keeps α_m within
/// ≈ 10^−11 (relative) even at m = 65536. m ≥ 2.
///
/// Never inlined nor specialised for a constant m (HASHSKETCH_DETAIL_NOFOLD):
/// where m is known at compile time, g++ folds tgamma/expm1/log/exp with
/// MPFR (correctly rounded), while a call with a run-time m uses libm
/// (tgamma within a few ulps), and the power −m multiplies that ulp by m
/// (≈ 3·10^-12 relative per ulp at m = 2^15). The same registers then gave
/// estimates 7·10^-12 apart depending on where the estimator had been
/// inlined (tests/sparse_test.cpp at g++ -O2; tests/loglog_test.cpp checks it).
HASHSKETCH_DETAIL_NOFOLD inline double loglog_alpha(std::size_t m) noexcept {
  const double md = static_cast<double>(m);
  const double ln2 = 0.69314718055994530942;
  const double base = std::tgamma(-1.0 / md) * -std::expm1(ln2 / md) / ln2;
  return std::exp(-md * std::log(base));
}

/// SuperLogLog's truncation rule (Durand & Flajolet 2003, section 5): the
/// θ₀ = 0.7 fraction of smallest registers, m₀ = ⌊0.7·m⌋ of them, enter the mean.
constexpr std::size_t superloglog_kept(std::size_t m) noexcept { return m * 7u / 10u; }

/// The mean of the m₀ = ⌊0.7·m⌋ smallest register values, from the histogram
/// (values taken from 0 upward; the value at the cut is taken partially).
inline double superloglog_truncated_mean(const register_histogram& counts, std::size_t m, unsigned q) noexcept {
  const std::size_t kept = superloglog_kept(m);
  std::size_t left = kept;
  double sum = 0.0;
  for (unsigned k = 0; k <= q + 1u && left > 0; ++k) {
    const std::size_t take = counts[k] < left ? counts[k] : left;
    sum += static_cast<double>(k) * static_cast<double>(take);
    left -= take;
  }
  return sum / static_cast<double>(kept);
}

/// α̃_m of SuperLogLog with E = α̃_m·m·2^(truncated mean), for m = 2^4 … 2^16.
///
/// Derivation (bench/accuracy_superloglog_constant.cpp has it in full and
/// reproduces every number here). Poissonise (n items → Poisson(n)): registers
/// are independent with P(M ≤ k) = exp(−λ·2^−k), λ = n/m (ranks are 1-based,
/// P(rank > k) = 2^−k). Replacing λ by 2λ shifts every register by exactly
/// one, so once no register is empty (λ ≳ 8) g(λ) = E[2^(truncated mean)]/λ is
/// periodic in log2 λ: no constant makes E unbiased at every n — the best
/// constant 1/g oscillates, between 0.76412 and 0.78068 as m → ∞ (from the
/// exact limit law of the trimmed mean, (1/θ₀)·∫₀^θ₀ F⁻¹(u) du). We take the
/// equal-ripple constant α̃ = 2/(max g + min g) over a whole octave, which
/// bounds the bias at every n ≳ 8m by the smallest possible ±δ: δ = 1.07 % as
/// m → ∞, 0.92 % at m = 4096, 0.52 % at m = 256 (finite m blurs the steps).
/// The constant that zeroes the octave-averaged bias instead (0.76960 as
/// m → ∞) would leave −1.4 % at the worst phase. For finite m the constant
/// moves by O(1/m) — E[2^mean] > 2^E[mean] (Jensen), the order statistics
/// are biased, and m₀ = ⌊0.7·m⌋ is only 0.6875·m for m ≤ 64 — so α̃_m is
/// calibrated per m by simulating g at 32 phases of one octave with 2^24
/// register draws (standard error ≈ 0.03 %):
///   build/bin/accuracy_superloglog_constant --seed 1      (≈ 20 s)
/// The constant is independent of the hasher: it is a property of uniform
/// hash bits.
inline double superloglog_alpha(std::size_t m) noexcept {
  // P = 4 … 16; the limit is the exact m → ∞ value (no simulation error).
  constexpr double table[13] = {
      0.72806, 0.75614, 0.77056, 0.76809, 0.76708,  // P = 4 … 8
      0.76895, 0.77079, 0.77111, 0.77102, 0.77144,  // P = 9 … 13
      0.77162, 0.77185, 0.77196,                    // P = 14 … 16
  };
  constexpr double limit = 0.77231;
  const unsigned p = ctz64_nonzero(static_cast<std::uint64_t>(m));
  return p < 4 ? table[0] : p > 16 ? limit : table[p - 4];
}

}  // namespace detail

inline double loglog_estimate(const register_histogram& counts, std::size_t m, unsigned q) noexcept {
  if (counts[0] == m) return 0.0;
  double sum = 0.0;
  for (unsigned k = 1; k <= q + 1u; ++k) sum += static_cast<double>(k) * static_cast<double>(counts[k]);
  const double md = static_cast<double>(m);
  return detail::loglog_alpha(m) * md * std::exp2(sum / md);
}

inline double superloglog_estimate(const register_histogram& counts, std::size_t m, unsigned q) noexcept {
  if (counts[0] == m) return 0.0;
  return detail::superloglog_alpha(m) * static_cast<double>(m) *
         std::exp2(detail::superloglog_truncated_mean(counts, m, q));
}

/// The LogLog family (kind 2 in the native format): basic_sketch's registers,
/// LogLog's geometric-mean estimator.
struct loglog_family {
  static constexpr std::uint8_t kind_id = 2;
  static constexpr const char* name = "loglog";
  static constexpr bool has_estimator_choice = false;

  static double estimate(const register_histogram& counts, std::size_t m, unsigned q) noexcept {
    return loglog_estimate(counts, m, q);
  }
  /// 1.30/√m: Durand & Flajolet's β_∞ = √(π²/6 + (ln 2)²/12) ≈ 1.29806 — the
  /// standard deviation of ln E is ln 2·√(Var M/m), Var M → π²/(6 ln²2) + 1/12.
  static constexpr double relative_standard_error(std::size_t m) noexcept {
    return 1.30 / detail::constexpr_sqrt(static_cast<double>(m));
  }
};

/// The SuperLogLog family (kind 3): the truncation rule θ₀ = 0.7 and a
/// calibrated constant (detail::superloglog_alpha).
///
/// The paper's second rule, restriction (registers capped at
/// B = ⌈log2(N_max/m) + 3⌉ so they fit in fewer bits), is a documented no-op
/// here: registers are bytes and ranks are already capped at 65 − P by the
/// 64-bit hash, i.e. N_max ≈ 2^64, far above any count a sketch will see.
struct superloglog_family {
  static constexpr std::uint8_t kind_id = 3;
  static constexpr const char* name = "superloglog";
  static constexpr bool has_estimator_choice = false;

  static double estimate(const register_histogram& counts, std::size_t m, unsigned q) noexcept {
    return superloglog_estimate(counts, m, q);
  }
  /// √(1.10²/m + 0.0076²): the paper states ≈ 1.05/√m for θ₀ = 0.7; we
  /// measure a standard deviation of ≈ 1.10/√m averaged over an octave of n
  /// (oscillating between ≈ 0.97/√m and 1.21/√m with log2(n/m)), and to it
  /// adds the periodic bias that no constant removes, whose RMS over an
  /// octave is ≤ 1.07 %/√2 = 0.76 % (detail::superloglog_alpha). That bias does
  /// not shrink with m: above P ≈ 12 it dominates, and SuperLogLog's error
  /// stops improving like 1/√m. bench/accuracy and
  /// tests/loglog_accuracy_test.cpp measure both parts.
  static constexpr double relative_standard_error(std::size_t m) noexcept {
    return detail::constexpr_sqrt(1.10 * 1.10 / static_cast<double>(m) + 0.0076 * 0.0076);
  }
};

/// LogLog with 2^P registers. See basic_sketch for the members; convert from
/// and to hyperloglog / superloglog with the explicit converting constructor.
template <unsigned P, class Hasher = xxh3_hasher, class Allocator = std::allocator<std::uint8_t>,
          class Addressing = leading_zeros_addressing>
using loglog = basic_sketch<loglog_family, P, Hasher, Allocator, Addressing>;

/// SuperLogLog with 2^P registers. See basic_sketch for the members.
template <unsigned P, class Hasher = xxh3_hasher, class Allocator = std::allocator<std::uint8_t>,
          class Addressing = leading_zeros_addressing>
using superloglog = basic_sketch<superloglog_family, P, Hasher, Allocator, Addressing>;

}  // namespace hashsketch

#endif  // HASHSKETCH_LOGLOG_HPP
