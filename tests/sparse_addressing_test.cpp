// The token half of every addressing policy (issue 14): token(h) keeps a hash
// at precision 26, and locate_token<P>(token(h)) must give exactly the
// (index, rank) that locate<P>(h) gives, for every hash, every P = 4..16 and
// every layout — that identity is what makes promotion from the sparse state
// and reduce<Q>() of a sparse sketch exact. Checked on 2^20 seeded hashes per
// layout and precision, plus edge hashes (0, ~0, every single bit, every low
// and high mask, their complements), and against hash4j's own tokens.
#include <hashsketch/addressing.hpp>
#include <hashsketch/datasketches.hpp>
#include <hashsketch/redis.hpp>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/precisions.hpp"
#include "support/splitmix64.hpp"

namespace hs = hashsketch;
using hashsketch_test::splitmix64;

namespace {

constexpr std::size_t random_hashes = std::size_t{1} << 20;

// 0, ~0, every single bit and its complement, every low mask 2^i − 1 and
// high mask ~(2^i − 1) (the zero runs of both lengths at every boundary).
std::vector<std::uint64_t> edge_hashes() {
  std::vector<std::uint64_t> out{0, ~std::uint64_t{0}};
  for (unsigned i = 0; i < 64; ++i) {
    const std::uint64_t bit = std::uint64_t{1} << i;
    const std::uint64_t low = bit - 1u;
    for (std::uint64_t v : {bit, ~bit, low, ~low, bit | 1u, bit | (std::uint64_t{1} << 63)}) out.push_back(v);
  }
  return out;
}

template <class Addressing, unsigned P, class Hash>
void check_one(const Hash& h) {
  std::size_t index = 0, token_index = 0;
  std::uint8_t rank = 0, token_rank = 0;
  Addressing::template locate<P>(h, index, rank);
  const std::uint32_t t = Addressing::token(h);
  Addressing::template locate_token<P>(t, token_index, token_rank);
  // Only a failure is reported, so a million passing checks stay cheap.
  if (index != token_index || rank != token_rank) {
    FAIL_CHECK("P = " << P << " token " << t << ": locate (" << index << ", " << int(rank) << ") vs locate_token ("
                      << token_index << ", " << int(token_rank) << ")");
  }
}

template <class Addressing, unsigned P>
void check_u64_layout() {
  for (std::uint64_t h : edge_hashes()) check_one<Addressing, P>(h);
  splitmix64 rng{0x5eed0000u + P};
  for (std::size_t i = 0; i < random_hashes; ++i) check_one<Addressing, P>(rng());
}

template <unsigned P>
void check_datasketches_layout() {
  using A = hs::datasketches_addressing;
  const std::vector<std::uint64_t> edges = edge_hashes();
  for (std::uint64_t h1 : edges)
    for (std::uint64_t h2 : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{3}, ~std::uint64_t{0}, h1, ~h1})
      check_one<A, P>(hs::murmur3_128_hash{h1, h2, false});
  check_one<A, P>(hs::murmur3_128_hasher::no_hash());
  splitmix64 rng{0xd5000000u + P};
  for (std::size_t i = 0; i < random_hashes; ++i) {
    const std::uint64_t h1 = rng();
    // Every fourth h2 with many leading zeros, so the 62-cap is reached too.
    const std::uint64_t h2 = (i & 3u) == 0 ? rng() >> (rng() & 63u) : rng();
    check_one<A, P>(hs::murmur3_128_hash{h1, h2, false});
  }
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("locate_token<P>(token(h)) == locate<P>(h) for every layout", "[sparse][addressing]",
                       ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  SECTION("default layout (top bits / leading zeros)") { check_u64_layout<hs::leading_zeros_addressing, P>(); }
  SECTION("Redis layout (low bits / trailing zeros)") { check_u64_layout<hs::redis_addressing, P>(); }
  SECTION("DataSketches layout (low bits of h1 / leading zeros of h2)") { check_datasketches_layout<P>(); }
}

TEST_CASE("tokens have the documented fields", "[sparse][addressing]") {
  using D = hs::leading_zeros_addressing;
  using R = hs::redis_addressing;
  using S = hs::datasketches_addressing;
  // Default: index26 = top 26 bits; rank26 − 1 = leading zeros of the low 38, capped at 38.
  CHECK(D::token(0) == 38u);
  CHECK(D::token(~std::uint64_t{0}) == (0x3FFFFFFu << 6 | 0u));
  CHECK(D::token(std::uint64_t{1} << 37) == 0u);
  CHECK(D::token(std::uint64_t{1}) == 37u);
  CHECK(D::token(std::uint64_t{1} << 38) == (1u << 6 | 38u));
  // Redis: index26 = low 26 bits; rank26 − 1 = trailing zeros of hash >> 26, capped at 38.
  CHECK(R::token(0) == 38u);
  CHECK(R::token(std::uint64_t{1} << 26) == 0u);
  CHECK(R::token(std::uint64_t{1} << 63) == 37u);
  CHECK(R::token(0x3FFFFFFu) == (0x3FFFFFFu << 6 | 38u));
  // DataSketches: coupon = rank26 << 26 | index26 with rank26 = min(clz(h2), 62) + 1.
  const std::uint32_t t = S::token(hs::murmur3_128_hash{0x123456789ULL, std::uint64_t{1} << 40, false});
  CHECK((t >> 6) == (0x123456789ULL & 0x3FFFFFFu));
  CHECK((t & 63u) + 1u == 24u);
  CHECK((S::token(hs::murmur3_128_hash{5, 0, false}) & 63u) == 62u);
  CHECK(S::token(hs::murmur3_128_hasher::no_hash()) == hs::detail::null_token);
  CHECK_FALSE(hs::detail::is_key_token(hs::detail::null_token));
  // Every token a key can produce is a key token, and its rank is ≤ max_rank(26).
  splitmix64 rng{99};
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t h = rng() >> (i & 63);
    for (std::uint32_t tok : {D::token(h), R::token(h), S::token(hs::murmur3_128_hash{h, h >> (i & 7), false})})
      CHECK(hs::detail::is_key_token(tok));
    CHECK((D::token(h) & 63u) + 1u <= D::max_rank(26));
    CHECK((R::token(h) & 63u) + 1u <= R::max_rank(26));
  }
}

TEST_CASE("the default layout's token is hash4j's DistinctCountUtil token", "[sparse][addressing]") {
  std::ifstream in(std::string(HASHSKETCH_TEST_DATA_DIR) + "/sparse/hash4j_tokens_s7_first1000.txt");
  REQUIRE(in.good());
  splitmix64 rng{7};  // the manifest's stream: SplitMix64 from state 7
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto expected = static_cast<std::uint32_t>(std::stoul(line, nullptr, 16));
    CHECK(hs::leading_zeros_addressing::token(rng()) == expected);
    ++n;
  }
  CHECK(n == 1000);
}
