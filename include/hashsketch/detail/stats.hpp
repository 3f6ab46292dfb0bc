#ifndef HASHSKETCH_DETAIL_STATS_HPP
#define HASHSKETCH_DETAIL_STATS_HPP

#include <cmath>

namespace hashsketch {
namespace detail {

/// Square root usable in constant expressions (Newton's method).
constexpr double constexpr_sqrt(double x) noexcept {
  double r = x > 1.0 ? x : 1.0;
  for (int i = 0; i < 64; ++i) r = 0.5 * (r + x / r);
  return r;
}

/// z with P(|N(0,1)| ≤ z) = confidence, found by bisection on erf so it needs
/// no tabulated approximation: erf(z/√2) = confidence. 0 < confidence < 1.
inline double normal_quantile_two_sided(double confidence) noexcept {
  double lo = 0.0, hi = 40.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (std::erf(mid / std::sqrt(2.0)) < confidence)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_STATS_HPP
