#ifndef HASHSKETCH_HYPERLOGLOG_HPP
#define HASHSKETCH_HYPERLOGLOG_HPP

// hyperloglog<P>: HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007) with
// Ertl's improved estimator (2017) by default.
//
//   hashsketch::hyperloglog<14> visitors;       // 16 KiB, ±0.81 % (1.04/√16384)
//   visitors.add("user-42");
//   visitors.merge(other_shard);                // exact union
//   double n = visitors.estimate();
//
// Memory: m = 2^P bytes of registers (+ a 256-byte histogram). Relative
// standard error ≈ 1.04/√m. Thread-safety: none internally — one writer, or
// any number of concurrent readers while nobody writes.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "basic_sketch.hpp"
#include "detail/stats.hpp"
#include "estimators.hpp"

namespace hashsketch {

/// The HyperLogLog family: register semantics shared with loglog/superloglog,
/// harmonic-mean estimators.
struct hll_family {
  /// Serialised sketch kind (docs/FORMAT.md).
  static constexpr std::uint8_t kind_id = 1;
  /// For messages and `info`.
  static constexpr const char* name = "hyperloglog";
  /// estimate(estimator) is available: Ertl's (default) or the classic one.
  static constexpr bool has_estimator_choice = true;

  /// The estimate from a register histogram (counts[k] = registers holding k,
  /// q + 1 the largest rank): Ertl 2017 or Flajolet et al. 2007, see
  /// estimators.hpp. O(q), no allocation, pure.
  static double estimate(const register_histogram& counts, std::size_t m, unsigned q,
                         estimator e = estimator::ertl) noexcept {
    return e == estimator::classic ? classic_estimate(counts, m, q) : ertl_estimate(counts, m, q);
  }
  /// The same estimators from register_stats (equal to the histogram overload
  /// when register_stats_fit(m, q)); basic_sketch uses it so that estimate()
  /// after a merge needs one SIMD stats pass instead of a histogram.
  static double estimate(const register_stats& stats, std::size_t m, unsigned q,
                         estimator e = estimator::ertl) noexcept {
    return e == estimator::classic ? classic_estimate(stats, m, q) : ertl_estimate(stats, m, q);
  }
  /// 1.04/√m (Flajolet et al. 2007: β_∞ = √(3 ln 2 − 1) ≈ 1.03896).
  static constexpr double relative_standard_error(std::size_t m) noexcept {
    return 1.04 / detail::constexpr_sqrt(static_cast<double>(m));
  }
};

/// HyperLogLog with 2^P registers. See basic_sketch for the members.
template <unsigned P, class Hasher = xxh3_hasher, class Allocator = std::allocator<std::uint8_t>,
          class Addressing = leading_zeros_addressing>
using hyperloglog = basic_sketch<hll_family, P, Hasher, Allocator, Addressing>;

}  // namespace hashsketch

#endif  // HASHSKETCH_HYPERLOGLOG_HPP
