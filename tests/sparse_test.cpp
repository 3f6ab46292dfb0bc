// The sparse state of the register core (issue 14, docs/sparse.md): a new
// basic_sketch keeps tokens, promotes itself to dense registers once, and
// every operation gives the same registers in both states and across them.
//
// What is checked, for every family and layout where it is cheap:
//  - promotion is lossless: for P = 4..16 and n across the promotion point,
//    the sketch that went sparse → dense equals, register for register (and
//    in its estimate once both are dense), the one dense from its first key;
//    add_many equals add in both states, state included;
//  - merge / operator| / merge_all / estimate_union / reduce<Q> / merge<Q>
//    give the registers of the sketch of the union for every state pair
//    (sparse×sparse, sparse×dense, dense×sparse, dense×dense), and the
//    documented states (sparse ∪ sparse stays sparse while small, a dense
//    operand makes it dense, reduce keeps the tokens);
//  - the sparse-state estimate: |estimate − n| ≤ max(1, 10^-3·n) in ≥ 99 %
//    of seeded trials for n ≤ 10^4, and its confidence interval;
//  - memory_bytes() ≤ sizeof + 4 bytes per distinct key + 64 while sparse;
//    the 1440-bucket × 300-key time_window within 2 MiB;
//  - registers(), ==, clear(), moves, refresh()/current() in the sparse state.
#include <hashsketch/datasketches.hpp>
#include <hashsketch/dynamic_hyperloglog.hpp>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/loglog.hpp>
#include <hashsketch/parallel.hpp>
#include <hashsketch/presto.hpp>
#include <hashsketch/redis.hpp>
#include <hashsketch/set_operations.hpp>
#include <hashsketch/time_window.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/precisions.hpp"
#include "support/random_keys.hpp"
#include "support/splitmix64.hpp"

namespace hs = hashsketch;
using hashsketch_test::splitmix64;

namespace {

using hashsketch_test::random_keys;

template <class S>
bool same_registers(const S& a, const S& b) {
  const hs::register_view ra = a.registers(), rb = b.registers();
  return ra.size() == rb.size() && std::memcmp(ra.data(), rb.data(), ra.size()) == 0;
}

template <class S>
S build(const std::vector<std::uint64_t>& keys, std::size_t from, std::size_t to, bool dense) {
  S s;
  if (dense) s.densify();
  for (std::size_t i = from; i < to; ++i) s.add(keys[i]);
  return s;
}

// The number of keys of `keys` after which a sketch fed them in order is dense.
template <class S>
std::size_t promotion_point(const std::vector<std::uint64_t>& keys) {
  S s;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    s.add(keys[i]);
    if (!s.is_sparse()) return i + 1;
  }
  FAIL("no promotion within " << keys.size() << " keys");
  return 0;
}

template <class S>
void check_promotion_lossless(std::uint64_t seed) {
  const std::vector<std::uint64_t> keys = random_keys(2 * S::register_count + 64, seed);
  const std::size_t np = promotion_point<S>(keys);
  // The rule: the token store's heap bytes exceed m. Its tokens cost ≤ 4
  // bytes each and more than 1 (a gap of ≤ 16 bits + a rank, Rice-coded, at
  // n ≤ m): so at least ≈ m/4 − 16 keys fit and never more than m.
  CHECK(np + 16 >= S::register_count / 4);
  CHECK(np <= S::register_count);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, np / 2, np - 1, np, np + 1, 2 * np + 3}) {
    INFO("n = " << n << ", promotion after " << np << " keys");
    const S via_sparse = build<S>(keys, 0, n, false);
    const S dense = build<S>(keys, 0, n, true);
    CHECK(via_sparse.is_sparse() == (n < np));
    CHECK_FALSE(dense.is_sparse());
    CHECK(via_sparse == dense);
    CHECK(same_registers(via_sparse, dense));
    S promoted = via_sparse;
    promoted.densify();
    CHECK_FALSE(promoted.is_sparse());
    CHECK(same_registers(promoted, dense));
    CHECK(promoted.histogram() == dense.histogram());
    CHECK(promoted.estimate() == dense.estimate());  // dense in both: the same estimator, bit for bit
    if (n >= np) CHECK(via_sparse.estimate() == dense.estimate());
    CHECK(via_sparse.histogram() == dense.histogram());
    // add_many equals add, in both states (the promotion at the same key).
    S many;
    many.add_many(keys.data(), n);
    CHECK(many.is_sparse() == via_sparse.is_sparse());
    CHECK(many == via_sparse);
    CHECK(many.estimate() == via_sparse.estimate());
    S many_dense;
    many_dense.densify();
    many_dense.add_many(keys.data(), n);
    CHECK(many_dense == dense);
    CHECK(many_dense.estimate() == dense.estimate());
  }
}

template <unsigned P>
using redis_layout = hs::hyperloglog<P, hs::murmur64a_hasher, std::allocator<std::uint8_t>, hs::redis_addressing>;
template <unsigned P>
using presto_layout = hs::hyperloglog<P, hs::presto_hasher>;

}  // namespace

TEMPLATE_TEST_CASE_SIG("promotion sparse → dense is lossless, every layout and family", "[sparse][promotion]",
                       ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  SECTION("hyperloglog, default layout") { check_promotion_lossless<hs::hyperloglog<P>>(P); }
  SECTION("loglog") { check_promotion_lossless<hs::loglog<P>>(100 + P); }
  SECTION("superloglog") { check_promotion_lossless<hs::superloglog<P>>(200 + P); }
  SECTION("Redis layout") { check_promotion_lossless<redis_layout<P>>(300 + P); }
  SECTION("DataSketches layout") { check_promotion_lossless<hs::datasketches_hyperloglog<P>>(400 + P); }
  SECTION("Presto hasher") { check_promotion_lossless<presto_layout<P>>(500 + P); }
}

namespace {

// Every state pair: a built from keys[0, na), b from keys[nb0, nb1) (they
// overlap), each sparse or dense as asked; the union and its properties.
template <class S>
void check_state_pairs(std::uint64_t seed) {
  constexpr std::size_t m = S::register_count;
  const std::vector<std::uint64_t> keys = random_keys(4 * m + 100, seed);
  // Small enough to stay sparse even united (≤ m/16 keys each, ≥ 1).
  const std::size_t small = std::max<std::size_t>(1, m / 16);
  for (int state = 0; state < 4; ++state) {
    const bool a_dense = (state & 1) != 0, b_dense = (state & 2) != 0;
    INFO("a " << (a_dense ? "dense" : "sparse") << ", b " << (b_dense ? "dense" : "sparse"));
    for (std::size_t scale : {std::size_t{1}, 4 * m}) {  // small sets, then large ones (promotions)
      const std::size_t na = std::min(scale == 1 ? small : scale, keys.size());
      const std::size_t nb0 = na / 2, nb1 = std::min(nb0 + na, keys.size());
      const S a = build<S>(keys, 0, na, a_dense);
      const S b = build<S>(keys, nb0, nb1, b_dense);
      const S truth = build<S>(keys, 0, nb1, true);  // the sketch of A ∪ B
      const S u = a | b;
      CHECK(u == truth);
      S ab = a;
      ab.merge(b);
      S ba = b;
      ba |= a;
      CHECK(ab == truth);
      CHECK(ba == truth);
      const std::vector<const S*> both{&a, &b};
      const S all = hs::merge_all(both.begin(), both.end());
      CHECK(all == truth);
      CHECK(all.current());
      CHECK(hs::estimate_union(a, b) == u.estimate());
      // States: sparse ∪ sparse of small sets stays sparse; a dense side makes
      // it dense. (At P ≤ 6 the store's first block already exceeds m: no
      // sparse state holds even one token there.)
      const bool sparse_possible = build<S>(keys, 0, nb1, false).is_sparse();
      if (scale == 1 && sparse_possible) {
        CHECK(u.is_sparse() == (!a_dense && !b_dense));
        CHECK(ab.is_sparse() == (!a_dense && !b_dense));
        CHECK(all.is_sparse() == (!a_dense && !b_dense));
        if (!a_dense && !b_dense) {
          // Both sparse: the union's estimate is the sparse one of the union's tokens.
          const S sparse_truth = build<S>(keys, 0, nb1, false);
          REQUIRE(sparse_truth.is_sparse());
          CHECK(u.estimate() == sparse_truth.estimate());
          CHECK(hs::detail::sparse_access::token_count(u) == hs::detail::sparse_access::token_count(sparse_truth));
        }
      } else {
        CHECK_FALSE(u.is_sparse());
      }
      // Self-merge changes nothing, in either state.
      S self = a;
      self.merge(self);
      CHECK(self == a);
      CHECK(self.is_sparse() == a.is_sparse());
      // reduce<Q> is the sketch built at Q, in both states (Q = 4 and P − 1).
      if constexpr (S::precision > 4) {
        using coarse = std::remove_cv_t<decltype(a.template reduce<S::precision - 1>())>;
        const coarse r = a.template reduce<S::precision - 1>();
        CHECK(r == build<coarse>(keys, 0, na, true));
        const auto r4 = a.template reduce<4>();
        CHECK(r4 == build<std::remove_cv_t<decltype(r4)>>(keys, 0, na, true));
        // merge<Q>(finer): b at P into a sketch at P − 1 built from a's keys.
        coarse c = build<coarse>(keys, 0, na, a_dense);
        c.merge(b);
        CHECK(c == build<coarse>(keys, 0, nb1, true));
        // Sparse at P − 1 only where the coarser limit holds the union's tokens.
        const bool coarse_sparse_possible = build<coarse>(keys, 0, nb1, false).is_sparse();
        if (scale == 1 && sparse_possible && coarse_sparse_possible && !a_dense && !b_dense) {
          CHECK(r.is_sparse());  // the same tokens, still small at P − 1
          CHECK(hs::detail::sparse_access::token_count(r) == hs::detail::sparse_access::token_count(a));
          CHECK(c.is_sparse());  // tokens are precision-free: sparse finer into sparse coarser
        }
        if (a_dense) CHECK_FALSE(r.is_sparse());
      }
    }
  }
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("merge, union, merge_all, reduce across every state pair", "[sparse][merge]", ((unsigned P), P), HASHSKETCH_TEST_EVEN_PRECISIONS) {
  SECTION("hyperloglog") { check_state_pairs<hs::hyperloglog<P>>(1000 + P); }
  SECTION("superloglog") { check_state_pairs<hs::superloglog<P>>(2000 + P); }
  SECTION("Redis layout") { check_state_pairs<redis_layout<P>>(3000 + P); }
  SECTION("DataSketches layout") { check_state_pairs<hs::datasketches_hyperloglog<P>>(4000 + P); }
}

// Issue 14's bound: for n ≤ 10^4, |estimate − n| ≤ max(1, 10^-3·n) in 99 % of
// seeded trials. The estimator is linear counting over the 2^26 token
// buckets (detail/tokens.hpp): n differs from the distinct-token count k only
// by index collisions, ≈ Poisson(n²/2^27) of them (0.75 at n = 10^4), and
// the estimate adds their expectation back, so the error is (expected −
// actual collisions): |error| > 10 at n = 10^4 needs ≥ 11 collisions
// (p < 10^-10), |error| > 1 at n = 1000 needs ≥ 2 (p ≈ 3·10^-5). So the
// 99 % bound holds with a wide margin; 200 trials per n, deterministic seeds.
// The trials at n ≥ 2000 build the sketch from its token set
// (sparse_access::assign_tokens: the same store state an add sequence
// reaches, far faster under the sanitizers); the others through add().
TEST_CASE("sparse-state estimate: |estimate − n| ≤ max(1, 10^-3 n) in ≥ 99 % of trials, n ≤ 10^4",
          "[sparse][estimate]") {
  using S = hs::hyperloglog<16>;  // sparse up to ≈ 16 000 keys
  constexpr int trials = 200;
  for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{10}, std::size_t{100}, std::size_t{1000},
                        std::size_t{2000}, std::size_t{5000}, std::size_t{10000}}) {
    int within = 0, covered = 0;
    for (int t = 0; t < trials; ++t) {
      const std::vector<std::uint64_t> keys = random_keys(n, 77000 + 1000 * n + static_cast<std::uint64_t>(t));
      S s;
      if (n < 2000) {
        for (std::uint64_t k : keys) s.add(k);
      } else {
        std::vector<std::uint32_t> tokens;
        for (std::uint64_t k : keys) tokens.push_back(hs::leading_zeros_addressing::token(s.hasher()(k)));
        std::sort(tokens.begin(), tokens.end());
        // One token per index26, the largest rank (the last of equal indexes).
        std::vector<std::uint32_t> unique;
        for (std::size_t i = 0; i < tokens.size(); ++i)
          if (i + 1 == tokens.size() || (tokens[i + 1] >> 6) != (tokens[i] >> 6)) unique.push_back(tokens[i]);
        hs::detail::sparse_access::assign_tokens(s, unique.data(), unique.size());
      }
      REQUIRE(s.is_sparse());
      const double e = s.estimate();
      const double allowed = std::max(1.0, 1e-3 * static_cast<double>(n));
      if (std::fabs(e - static_cast<double>(n)) <= allowed) ++within;
      const hs::interval ci = s.confidence_interval(0.95);
      CHECK(ci.lower <= e);
      CHECK(e <= ci.upper);
      CHECK(ci.lower >= static_cast<double>(hs::detail::sparse_access::token_count(s)));
      if (ci.lower <= static_cast<double>(n) && static_cast<double>(n) <= ci.upper) ++covered;
    }
    INFO("n = " << n << ": " << within << " of " << trials << " within the bound, " << covered << " covered");
    CHECK(within >= trials * 99 / 100);
    // Coverage of the 95 % interval: at n = 10^4 it is P(C ≤ 2) ≈ 0.96 for C ~
    // Poisson(0.745) collisions (the interval is ±1.69 keys around k + 0.745);
    // smaller n are covered almost always. ≥ 92 % allows the binomial noise
    // of 200 trials (sd 1.4 %).
    CHECK(covered >= trials * 92 / 100);
  }
}

TEST_CASE("sparse-state interval: covers n at high confidence despite index collisions", "[sparse][estimate]") {
  // n − k (keys hidden by index collisions) is a count ≈ Poisson(λ), λ ≈
  // n²/2^27 = 0.067 at n = 3000: one hidden key has probability ≈ 6.5 %,
  // while the normal band at 99.9 % is only ±3.29·0.26 = ±0.85 keys, so a
  // normal-only interval misses n in ≈ 6.5 % of sketches (≈ 65 of 1000).
  // With the Poisson upper end a miss needs P(X > q) ≤ 0.05 %: expected
  // ≤ 0.5 of 1000 trials; we allow 5 (P(≥ 6 | mean 0.5) < 2·10^-5).
  // Found by examples/web_analytics (99.9995 % intervals, "new users" cells).
  constexpr std::size_t trials = 1000, n = 3000;
  std::size_t missed = 0, hidden = 0;
  splitmix64 rng{0xC011151u};
  for (std::size_t t = 0; t < trials; ++t) {
    hs::hyperloglog<14> s;
    for (std::size_t i = 0; i < n; ++i) s.add_hash(rng());
    REQUIRE(s.is_sparse());
    const hs::interval ci = s.confidence_interval(0.999);
    CHECK(ci.lower <= ci.estimate);
    CHECK(ci.estimate <= ci.upper);
    if (s.estimate() < static_cast<double>(n) - 0.5) ++hidden;
    if (!(ci.lower <= static_cast<double>(n) && static_cast<double>(n) <= ci.upper)) ++missed;
  }
  INFO("trials with a hidden key: " << hidden << ", intervals missing n: " << missed);
  CHECK(hidden >= 20);  // the case this test is about did occur (expected ≈ 65)
  CHECK(missed <= 5);
}

TEST_CASE("the sparse estimate is the same for every family and layout", "[sparse][estimate]") {
  const std::vector<std::uint64_t> keys = random_keys(1500, 5);
  hs::hyperloglog<14> h;
  hs::loglog<14> l;
  hs::superloglog<14> s;
  for (std::uint64_t k : keys) {
    h.add(k);
    l.add(k);
    s.add(k);
  }
  REQUIRE(h.is_sparse());
  CHECK(h.estimate() == l.estimate());
  CHECK(h.estimate() == s.estimate());
  CHECK(h.estimate(hs::estimator::classic) == h.estimate());  // no registers to choose an estimator for
  CHECK(std::fabs(h.estimate() - 1500.0) <= 1.5);
  hs::datasketches_hyperloglog<14> d;
  redis_layout<14> r;
  for (std::uint64_t k : keys) {
    d.add(k);
    r.add(k);
  }
  CHECK(std::fabs(d.estimate() - 1500.0) <= 1.5);
  CHECK(std::fabs(r.estimate() - 1500.0) <= 1.5);
  // The family conversion keeps the state.
  const hs::loglog<14> converted(h);
  CHECK(converted.is_sparse());
  CHECK(converted.estimate() == h.estimate());
}

TEST_CASE("memory_bytes(): sizeof + ≤ 4 bytes per distinct key + 64 while sparse", "[sparse][memory]") {
  using S = hs::hyperloglog<14>;
  const std::vector<std::uint64_t> keys = random_keys(10000, 9);
  S s;
  CHECK(s.memory_bytes() == sizeof(S));  // no allocation at all
  std::size_t added = 0;
  for (std::size_t n : {std::size_t{1}, std::size_t{10}, std::size_t{100}, std::size_t{1000}, std::size_t{2000},
                        std::size_t{3000}, std::size_t{4000}, std::size_t{10000}}) {
    for (; added < n; ++added) s.add(keys[added]);
    INFO("n = " << n);
    if (s.is_sparse()) {
      CHECK(s.memory_bytes() <= sizeof(S) + 4 * n + 64);
      CHECK(s.memory_bytes() <= sizeof(S) + S::sparse_limit_bytes);
    } else {
      // Dense: m registers + the summary + the alignment slack, never more
      // than m + 400 bytes beside the object.
      CHECK(s.memory_bytes() >= sizeof(S) + S::register_count);
      CHECK(s.memory_bytes() <= sizeof(S) + S::register_count + 400);
    }
    CHECK(s.memory_bytes() <= sizeof(S) + S::register_count + 400);  // never above the dense size
  }
  CHECK_FALSE(s.is_sparse());
  s.clear();
  CHECK(s.is_sparse());
  CHECK(s.memory_bytes() == sizeof(S));
  // The object itself: no 256-byte histogram inside it any more.
  CHECK(sizeof(S) <= 160);
}

// Issue 14: the 1440-bucket window of a 300-key-per-minute stream must fit
// in 2 MiB (it was 1440 × (16 KiB + 300 B) ≈ 23 MiB with dense buckets).
TEST_CASE("time_window: 1440 one-minute buckets × 300 keys fit in 2 MiB", "[sparse][time_window]") {
  hs::time_window<hs::hyperloglog<14>> w(60, 1440);
  splitmix64 rng{1440};
  for (std::int64_t minute = 0; minute < 1440; ++minute)
    for (int i = 0; i < 300; ++i) w.add(minute * 60 + i % 60, rng());
  CHECK(w.used_buckets() == 1440);
  INFO("window memory: " << w.memory_bytes() << " bytes");
  CHECK(w.memory_bytes() <= std::size_t{2} << 20);
  const double day = w.estimate_last(86400);
  CHECK(std::fabs(day - 432000.0) <= 432000.0 * 4 * hs::hyperloglog<14>::relative_standard_error());
}

TEST_CASE("a new sketch allocates nothing; moves are noexcept and leave an empty sparse sketch", "[sparse][state]") {
  using S = hs::hyperloglog<14>;
  static_assert(std::is_nothrow_default_constructible<S>::value, "a new sketch allocates nothing");
  static_assert(std::is_nothrow_move_constructible<S>::value, "moves take the storage");
  static_assert(std::is_nothrow_move_assignable<S>::value, "moves take the storage");
  S s;
  CHECK(s.is_sparse());
  CHECK(s.empty());
  CHECK(s.estimate() == 0.0);
  for (std::uint64_t k = 0; k < 100; ++k) s.add(k);
  const S copy = s;
  S moved(std::move(s));
  CHECK(moved == copy);
  CHECK(moved.estimate() == copy.estimate());
  CHECK(s.is_sparse());  // NOLINT(bugprone-use-after-move): moved-from is a valid empty sketch
  CHECK(s.empty());
  CHECK(s.memory_bytes() == sizeof(S));
  S dense = copy;
  dense.densify();
  S target;
  target = std::move(dense);
  CHECK_FALSE(target.is_sparse());
  CHECK(target == copy);
  CHECK(dense.is_sparse());  // NOLINT(bugprone-use-after-move)
  CHECK(dense.memory_bytes() == sizeof(S));
}

TEST_CASE("registers(), ==, serialize in the sparse state", "[sparse][state]") {
  using S = hs::hyperloglog<12>;
  S s;
  for (std::uint64_t k = 0; k < 300; ++k) s.add(k);
  REQUIRE(s.is_sparse());
  S d = s;
  d.densify();
  const hs::register_view view = s.registers();
  CHECK(view.owns_copy());  // materialised: the sketch stays sparse (const never writes)
  CHECK(s.is_sparse());
  CHECK(std::memcmp(view.data(), d.registers().data(), S::register_count) == 0);
  CHECK_FALSE(d.registers().owns_copy());
  // A materialised view does not see later changes; a dense one does.
  const hs::register_view dense_view = d.registers();
  s.add(std::uint64_t{123456789});
  d.add(std::uint64_t{123456789});
  CHECK(std::memcmp(dense_view.data(), d.registers().data(), S::register_count) == 0);
  CHECK(std::memcmp(view.data(), s.registers().data(), S::register_count) != 0);
  // Equality is of registers, whatever the state; estimates can differ.
  CHECK(s == d);
  // The dense image of both states is the same bytes, and reads back dense.
  CHECK(s.serialize(hs::encoding::dense) == d.serialize(hs::encoding::dense));
  const std::vector<std::uint8_t> bytes = s.serialize(hs::encoding::dense);
  const S back = S::deserialize(bytes.data(), bytes.size());
  CHECK_FALSE(back.is_sparse());  // the version-1 image is dense
  CHECK(back == s);
  CHECK(back.estimate() == d.estimate());
  // serialize(automatic) keeps the state: the sparse sketch writes its
  // tokens and reads back sparse with the same (near-exact) estimate, the
  // dense one writes registers.
  const std::vector<std::uint8_t> auto_bytes = s.serialize(hs::encoding::automatic);
  CHECK(auto_bytes.size() < bytes.size());
  const S back_sparse = S::deserialize(auto_bytes.data(), auto_bytes.size());
  CHECK(back_sparse.is_sparse());
  CHECK(back_sparse == s);
  CHECK(back_sparse.estimate() == s.estimate());
  CHECK(back_sparse.serialize(hs::encoding::automatic) == auto_bytes);
  const std::vector<std::uint8_t> dense_auto = d.serialize(hs::encoding::automatic);
  CHECK_FALSE(S::deserialize(dense_auto.data(), dense_auto.size()).is_sparse());
  // Sparse sketches with different tokens but equal registers are equal:
  // two keys whose tokens share the register and rank at P = 8.
  hs::hyperloglog<8> x, y;
  x.add_hash(0x1000008000000000ull);  // index 16 at P = 8, rank 17 (bit 39 the first set bit after the index)
  y.add_hash(0x100000C000000000ull);  // the same register and rank, another index26
  CHECK(hs::leading_zeros_addressing::token(0x1000008000000000ull) !=
        hs::leading_zeros_addressing::token(0x100000C000000000ull));
  REQUIRE(x.is_sparse());
  REQUIRE(y.is_sparse());
  CHECK(x == y);
  CHECK_FALSE(x != y);
  // register_access::data() densifies first (what the codecs write is dense).
  S r;
  r.add(std::uint64_t{1});
  CHECK(hs::detail::register_access::data(r) != nullptr);
  CHECK_FALSE(r.is_sparse());
}

TEST_CASE("clear(), refresh() and current() in the sparse state", "[sparse][state]") {
  using S = hs::hyperloglog<14>;
  S s;
  CHECK(s.current());
  for (std::uint64_t k = 0; k < 1000; ++k) s.add(k);
  REQUIRE(s.is_sparse());
  const double before = s.estimate();
  const hs::interval ci = s.confidence_interval();
  if (!s.current()) {  // tokens in the insertion buffer: estimate() merges them on the fly
    s.refresh();
    CHECK(s.current());
  }
  CHECK(s.estimate() == before);
  CHECK(s.confidence_interval().upper == ci.upper);
  s.densify();
  s.clear();
  CHECK(s.is_sparse());
  CHECK(s.empty());
  CHECK(s.current());
  CHECK(s == S{});
}

TEST_CASE("sparse_access: tokens out and in", "[sparse][access]") {
  using S = hs::datasketches_hyperloglog<12>;
  S s;
  for (std::uint64_t k = 0; k < 200; ++k) s.add(k);
  REQUIRE(s.is_sparse());
  std::vector<std::uint32_t> tokens;
  hs::detail::sparse_access::for_each_token(s, [&](std::uint32_t t) { tokens.push_back(t); });
  CHECK(tokens.size() == hs::detail::sparse_access::token_count(s));
  CHECK(std::is_sorted(tokens.begin(), tokens.end()));
  S t;
  hs::detail::sparse_access::assign_tokens(t, tokens.data(), tokens.size());
  CHECK(t.is_sparse());
  CHECK(t == s);
  CHECK(t.estimate() == s.estimate());
  // Too many tokens for the sparse state: dense, with their registers.
  const std::vector<std::uint64_t> keys = random_keys(3000, 8);
  S big = build<S>(keys, 0, keys.size(), false);
  REQUIRE_FALSE(big.is_sparse());
  std::vector<std::uint32_t> many;
  for (std::uint64_t k : keys) many.push_back(hs::datasketches_addressing::token(big.hasher()(k)));
  std::sort(many.begin(), many.end());
  std::vector<std::uint32_t> unique;
  for (std::size_t i = 0; i < many.size(); ++i)
    if (i + 1 == many.size() || (many[i + 1] >> 6) != (many[i] >> 6)) unique.push_back(many[i]);
  S assigned;
  hs::detail::sparse_access::assign_tokens(assigned, unique.data(), unique.size());
  CHECK_FALSE(assigned.is_sparse());
  CHECK(assigned == big);
  // Bad tokens: the reserved no-key token and unsorted input are refused,
  // the sketch unchanged.
  const std::uint32_t bad[] = {hs::detail::null_token};
  CHECK_THROWS_AS(hs::detail::sparse_access::assign_tokens(t, bad, 1), std::invalid_argument);
  const std::uint32_t unsorted[] = {5u << 6, 3u << 6};
  CHECK_THROWS_AS(hs::detail::sparse_access::assign_tokens(t, unsorted, 2), std::invalid_argument);
  CHECK(t == s);
  hs::hyperloglog<12> h;
  const std::uint32_t rank40[] = {(7u << 6) | 39u};  // rank26 40: beyond the default layout's 39
  CHECK_THROWS_AS(hs::detail::sparse_access::assign_tokens(h, rank40, 1), std::invalid_argument);
  // The DataSketches no-hash (null data) is no key in either state.
  S none;
  none.add(nullptr, 3);
  CHECK(none.empty());
  CHECK(none.estimate() == 0.0);
}

TEST_CASE("dynamic_hyperloglog and parallel_add keep the sparse state", "[sparse][dynamic][parallel]") {
  const std::vector<std::uint64_t> keys = random_keys(400, 21);
  hs::dynamic_hyperloglog a(14), b(12);
  for (std::size_t i = 0; i < 200; ++i) a.add(keys[i]);
  for (std::size_t i = 150; i < 400; ++i) b.add(keys[i]);
  REQUIRE(a.is_sparse());
  REQUIRE(b.is_sparse());
  hs::dynamic_hyperloglog u = a;
  u.merge(b);  // finer into coarser: precision 12, tokens united
  CHECK(u.precision() == 12);
  CHECK(u.is_sparse());
  hs::hyperloglog<12> truth;
  truth.densify();
  for (std::uint64_t k : keys) truth.add(k);
  CHECK(u.to_hyperloglog<12>() == truth);
  hs::dynamic_hyperloglog v = b;
  v.merge(a);
  CHECK(v.is_sparse());
  CHECK(v == u);
  const hs::dynamic_hyperloglog r = a.reduce(8);
  CHECK(r.precision() == 8);
  hs::hyperloglog<8> truth8;
  truth8.densify();
  for (std::size_t i = 0; i < 200; ++i) truth8.add(keys[i]);
  CHECK(r.to_hyperloglog<8>() == truth8);
  CHECK(a.to_hyperloglog<10>().is_sparse());
  CHECK(a.memory_bytes() < 2000);

  hs::hyperloglog<14> single, parallel;
  for (std::uint64_t k : keys) single.add(k);
  hs::parallel_add(parallel, keys.data(), keys.size(), 4);
  CHECK(parallel.is_sparse());
  CHECK(parallel == single);
  CHECK(parallel.estimate() == single.estimate());
}

// Found by examples/rolling_dashboard (a time_window restart): a sparse sketch
// whose live store still had buffer room under the promotion limit was read
// back dense (the fresh store took the full 4·n + 64 bound, over m), so
// serialize(deserialize(bytes)) != bytes. Every n up to the promotion must
// read back sparse with the same bytes.
TEST_CASE("serialize → deserialize → serialize is the identity up to the promotion", "[sparse][format]") {
  using S = hs::hyperloglog<14>;
  const std::vector<std::uint64_t> keys = hashsketch_test::random_keys(6000, 77);
  S s;
  std::size_t checked = 0;
  for (std::size_t n = 0; n < keys.size() && s.is_sparse(); ++n) {
    s.add(keys[n]);
    if (n % 97 != 0 && n + 50 < 4500) continue;  // every key near the promotion, sampled below it
    const std::vector<std::uint8_t> bytes = s.serialize();
    const S back = S::deserialize(bytes.data(), bytes.size());
    INFO("n = " << n + 1);
    CHECK(back.is_sparse() == s.is_sparse());
    CHECK(back.serialize() == bytes);
    CHECK(back.estimate() == s.estimate());
    ++checked;
  }
  CHECK(checked > 100);
}
