// Accuracy across the promotion point (issue 14): no bump where a sketch
// goes from the sparse estimate (linear counting over the 2^26 token
// buckets) to the dense one (Ertl's estimator over the m registers).
//
// For each P, T seeded trials each feed one hyperloglog<P> distinct random
// keys and record the relative error at n_p − 1 keys (the last sparse
// estimate), at n_p (the first dense one) and at 1.25·n_p, n_p being the
// trial's own promotion point (≈ m/4). Bound: the mean relative error (the
// bias) at each of the three points within 0.25·RSE (RSE = 1.04/√m), and
// the jump of the bias across the promotion within 0.25·RSE too.
// Why it holds: the sparse estimate's bias is ~10^-11 relative; the dense
// estimator's at n ≈ m/4 is far below 0.25·RSE (tests/hyperloglog_accuracy_test
// bounds it for every n), and the standard error of a mean over T trials
// is ≤ RSE/√T (≤ 0.045·RSE for T ≥ 500), so a failure needs a real bias.
// Release only (label "accuracy"); about 10 s on the development machine.
#include <hashsketch/hyperloglog.hpp>

#include <cmath>
#include <cstdint>

#include "hashsketch_catch.hpp"
#include "support/splitmix64.hpp"

using hashsketch_test::splitmix64;

namespace {

template <unsigned P>
void check_no_bump(int trials) {
  using S = hashsketch::hyperloglog<P>;
  double below = 0, at = 0, above = 0;
  double np_sum = 0;
  for (int t = 0; t < trials; ++t) {
    const std::uint64_t seed = 0xacc0000u + 7919u * P + static_cast<std::uint64_t>(t);
    splitmix64 rng{seed};
    S s;
    std::size_t n = 0;
    while (s.is_sparse()) {
      s.add(rng());
      ++n;
    }
    // n = n_p keys now (dense). The last sparse estimate, at n_p − 1 keys:
    // the same keys again into a new sketch (which stays sparse).
    splitmix64 again{seed};
    S prefix;
    for (std::size_t i = 0; i + 1 < n; ++i) prefix.add(again());
    REQUIRE(prefix.is_sparse());
    const double last_sparse = prefix.estimate();
    const double np = static_cast<double>(n);
    np_sum += np;
    below += last_sparse / (np - 1.0) - 1.0;
    at += s.estimate() / np - 1.0;
    const std::size_t target = n + n / 4;
    for (; n < target; ++n) s.add(rng());
    above += s.estimate() / static_cast<double>(n) - 1.0;
  }
  below /= trials;
  at /= trials;
  above /= trials;
  const double rse = S::relative_standard_error();
  INFO("P = " << P << ", mean promotion point " << np_sum / trials << " keys; bias/RSE below " << below / rse
               << ", at " << at / rse << ", 1.25x above " << above / rse);
  CHECK(std::fabs(below) <= 0.25 * rse);
  CHECK(std::fabs(at) <= 0.25 * rse);
  CHECK(std::fabs(above) <= 0.25 * rse);
  CHECK(std::fabs(at - below) <= 0.25 * rse);
}

}  // namespace

TEST_CASE("no bias bump across the sparse → dense promotion (HyperLogLog)", "[sparse][accuracy]") {
  check_no_bump<8>(4000);
  check_no_bump<10>(2000);
  check_no_bump<12>(1000);
  check_no_bump<14>(500);
}
