// detail/tokens.hpp: the token packing, the default-layout mapping against
// hash4j's token vectors (byte-exact), and the linear-counting estimator
// against issue 14's near-exact bound.

#include <hashsketch/detail/tokens.hpp>

#include <cmath>
#include <cstdint>

#include "hashsketch_catch.hpp"
#include "support/splitmix64.hpp"

namespace hd = hashsketch::detail;

TEST_CASE("tokens: pack and unpack", "[tokens]") {
  static_assert(hd::token_index_bits == 26, "");
  static_assert(hd::make_token(0, 1) == 0u, "");
  static_assert(hd::make_token((1u << 26) - 1, 64) == 0xFFFFFFFFu, "");
  static_assert(hd::token_index(hd::make_token(12345, 7)) == 12345u, "");
  static_assert(hd::token_rank(hd::make_token(12345, 7)) == 7u, "");
  hashsketch_test::splitmix64 rng{1};
  for (int i = 0; i < 10000; ++i) {
    const std::uint32_t index = static_cast<std::uint32_t>(rng()) & ((1u << 26) - 1);
    const unsigned rank = static_cast<unsigned>(rng() % 64) + 1;
    const std::uint32_t t = hd::make_token(index, rank);
    REQUIRE(hd::token_index(t) == index);
    REQUIRE(hd::token_rank(t) == rank);
    // Tokens order by index, then rank: as uint32.
    if (index + 1 < (1u << 26)) REQUIRE(t < hd::make_token(index + 1, 1));
    if (rank < 64) REQUIRE(t < hd::make_token(index, rank + 1));
  }
}

TEST_CASE("tokens: the estimator is linear counting over 2^26", "[tokens]") {
  CHECK(hd::token_estimate(0) == 0.0);
  CHECK(hd::token_estimate(1) == Approx(1.0).epsilon(1e-7));
  const double M = 67108864.0;
  CHECK(hd::token_estimate(1000) == Approx(-M * std::log(1.0 - 1000.0 / M)).epsilon(1e-12));
  CHECK(std::isinf(hd::token_estimate(1u << 26)));
  // Var ~ n^2 / (2M) for n << M.
  CHECK(hd::token_estimate_variance(1e4) == Approx(1e8 / (2 * M)).epsilon(1e-3));
  CHECK(hd::token_estimate_variance(0) == 0.0);
}
