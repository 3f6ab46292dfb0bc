#ifndef HASHSKETCH_TESTS_SUPPORT_WITH_PRECISION_HPP
#define HASHSKETCH_TESTS_SUPPORT_WITH_PRECISION_HPP

#include <type_traits>
#include <utility>

#include "hashsketch_catch.hpp"

namespace hashsketch_test {

/// Calls f(std::integral_constant<unsigned, p>) for a run-time p in 4..16
/// (the precision of a test vector or an image, to a sketch type); a p outside
/// 4..16 fails the test.
template <unsigned P = 4, class F>
void with_p(unsigned p, F&& f) {
  if constexpr (P > 16) {
    (void)f;
    FAIL("precision " << p << " outside 4..16");
  } else {
    if (p == P) {
      f(std::integral_constant<unsigned, P>{});
    } else {
      with_p<P + 1>(p, std::forward<F>(f));
    }
  }
}

}  // namespace hashsketch_test

#endif  // HASHSKETCH_TESTS_SUPPORT_WITH_PRECISION_HPP
