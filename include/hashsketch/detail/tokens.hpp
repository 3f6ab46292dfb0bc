#ifndef HASHSKETCH_DETAIL_TOKENS_HPP
#define HASHSKETCH_DETAIL_TOKENS_HPP

// The 32-bit hash token of the sparse state (issue 14, CORE-SHAPE.md):
//
//     token = index26 << 6 | (rank26 - 1)
//
// index26 is the layout's register index at precision 26 (26 bits), rank26 the
// layout's rank at precision 26 (1..64; 1..39 for the default layout, whose
// tokens are exactly hash4j's DistinctCountUtil tokens). Which hash bits give
// index26 and rank26 belongs to the addressing policy; this header only packs,
// unpacks and estimates. Tokens compare as uint32: by index26, then by rank.
//
// The estimator of the sparse state: linear counting over M = 2^26 buckets on
// k = the number of distinct index26 values (Whang, Vander-Zanden, Taylor
// 1990, "A linear-time probabilistic counting algorithm for database
// applications"):
//
//     n^ = -M ln(1 - k/M) = -M log1p(-k/M)
//     Var(n^) ~ M (e^t - t - 1),  t = n/M      (the paper's eq. for the MLE)
//
// Why it meets issue 14's bound (|n^ - n| <= max(1, 1e-3 n) in 99 % of trials
// for n <= 1e4): for t = n/M << 1, e^t - t - 1 ~ t^2/2, so sd(n^) ~ n/sqrt(2M)
// = n / 11585. At n = 1e4 that is 0.86 keys, so the 99 % band (2.58 sd) is
// +-2.2 keys, against an allowed 10 keys; at n = 1e3 sd = 0.086, the band
// +-0.22 against an allowed 1. The bias of the MLE is O(t/M) ~ 1e-11 keys here.
// More exactly: k < n only through collisions of index26 values; the number of
// colliding pairs is ~ Poisson(n^2 / (2M)) (0.75 at n = 1e4, 0.0075 at n =
// 1e3), and each collision is undone by the log term on average, so the
// error is (expected collisions - actual collisions), integer-grained:
// P(error > 1) at n = 1e3 is P(Poisson(0.0075) >= 2) ~ 3e-5, and at n = 1e4
// an error of 10 needs >= 11 collisions when 0.75 are expected (p ~ 1e-11).
// (A rank-aware ML estimator as in hash4j would add nothing at these n:
// the index alone is near exact until n ~ M.)

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace hashsketch {
namespace detail {

/// Index bits of a token: the precision-26 register index.
constexpr unsigned token_index_bits = 26;
/// Number of buckets of the token estimator: M = 2^26.
constexpr double token_bucket_count = 67108864.0;

/// Packs (index26, rank26) into a token. index26 < 2^26, 1 <= rank26 <= 64.
constexpr std::uint32_t make_token(std::uint32_t index26, unsigned rank26) noexcept {
  return (index26 << 6) | ((static_cast<std::uint32_t>(rank26) - 1u) & 63u);
}
/// The precision-26 register index of a token (26 bits).
constexpr std::uint32_t token_index(std::uint32_t t) noexcept { return t >> 6; }
/// The precision-26 rank of a token (1..64).
constexpr unsigned token_rank(std::uint32_t t) noexcept { return (t & 63u) + 1u; }

/// Linear-counting estimate of the number of distinct keys from k distinct
/// index26 values (k <= 2^26): -M log1p(-k/M). k = M (every bucket hit; only
/// reachable beyond any sparse state) gives +infinity.
inline double token_estimate(std::size_t distinct_indexes) noexcept {
  const double k = static_cast<double>(distinct_indexes);
  if (k >= token_bucket_count) return HUGE_VAL;
  return -token_bucket_count * std::log1p(-k / token_bucket_count);
}

/// Asymptotic variance (keys^2) of token_estimate at the estimate n:
/// M (e^t - t - 1), t = n/M; expm1(t) - t keeps the digits for t << 1.
inline double token_estimate_variance(double estimate) noexcept {
  const double t = estimate / token_bucket_count;
  return token_bucket_count * (std::expm1(t) - t);
}

/// Upper end of a two-sided `confidence` interval for n from k distinct
/// index26 values. n − k is the number of keys hidden by index collisions:
/// a count, ≈ Poisson with mean λ = n̂ − k (≈ k²/2^27 for k ≪ 2^26; 0.04 at
/// k = 2 300). The normal band n̂ ± z·sd is far too narrow for it at small λ
/// (±0.9 keys at z = 4.6, while one collision, probability ≈ λ, is 1 key),
/// so the upper end is k + the Poisson(λ) quantile at 1 − (1 − confidence)/2,
/// or the normal band's, whichever is larger. O(quantile) ≤ O(λ + 10·√λ + 40).
inline double token_interval_upper(std::size_t distinct_indexes, double estimate, double half_width,
                                   double confidence) noexcept {
  const double k = static_cast<double>(distinct_indexes);
  const double lambda = estimate > k ? estimate - k : 0.0;
  const double target = 1.0 - (1.0 - confidence) / 2.0;
  // Smallest q with P(X <= q) >= target, X ~ Poisson(lambda).
  double pmf = std::exp(-lambda), cdf = pmf;
  double q = 0.0;
  while (cdf < target && q < 1e6) {
    q += 1.0;
    pmf *= lambda / q;
    cdf += pmf;
    if (pmf == 0.0) break;  // the tail underflowed: cdf is as large as it gets
  }
  const double poisson_upper = k + q;
  const double normal_upper = estimate + half_width;
  return poisson_upper > normal_upper ? poisson_upper : normal_upper;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_TOKENS_HPP
