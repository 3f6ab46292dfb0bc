// hyperloglog<P>: exactness properties (merge, reduce, add paths), state,
// confidence_interval arguments and the native binary format (round trip,
// golden files, corruption and truncation). The statistical properties are in
// hyperloglog_accuracy_test.cpp.
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/loglog.hpp>
#include <hashsketch/set_operations.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "data/golden_cases.hpp"
#include "hashsketch_catch.hpp"
#include "support/precisions.hpp"
#include "support/splitmix64.hpp"

using hashsketch::format_error;
using hashsketch::hyperloglog;
using hashsketch::incompatible_sketch_error;
using hashsketch::xxh3_hasher;

namespace {

using hashsketch_test::splitmix64;

std::vector<std::uint64_t> random_keys(std::size_t n, std::uint64_t seed) {
  splitmix64 rng{seed};
  std::vector<std::uint64_t> keys(n);
  for (auto& k : keys) k = rng();
  return keys;
}

// Hashes that exercise the rank edges of every precision: random ones, ones
// whose bits below a random top-16-bit index are mostly zero (high ranks, the
// cap 65 − P, the fold's "low index bits all zero" case), 0, all-ones and
// every single-bit and low-mask value.
std::vector<std::uint64_t> edge_hashes(std::size_t n, std::uint64_t seed) {
  splitmix64 rng{seed};
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(rng());
    const std::uint64_t top = rng() & 0xFFFF000000000000ull;
    const std::uint64_t rest = rng();
    const unsigned shift = 16 + static_cast<unsigned>(rng() % 48);
    out.push_back(top | (rest >> shift));
  }
  out.push_back(0);
  out.push_back(~std::uint64_t{0});
  for (unsigned b = 0; b < 64; ++b) {
    out.push_back(std::uint64_t{1} << b);
    out.push_back((std::uint64_t{1} << b) - 1u);
  }
  return out;
}

template <unsigned P>
hyperloglog<P> sketch_of_keys(const std::vector<std::uint64_t>& keys, std::uint64_t seed = 0) {
  hyperloglog<P> s{xxh3_hasher(seed)};
  for (std::uint64_t k : keys) s.add(k);
  return s;
}

template <unsigned P>
hyperloglog<P> sketch_of_hashes(const std::vector<std::uint64_t>& hashes) {
  hyperloglog<P> s;
  for (std::uint64_t h : hashes) s.add_hash(h);
  return s;
}

template <class Sketch>
std::vector<std::uint8_t> regs(const Sketch& s) {
  const hashsketch::register_view view = s.registers();  // one view: a sparse sketch's is a copy
  return std::vector<std::uint8_t>(view.begin(), view.end());
}

// The histogram recomputed from the registers, independently of the sketch's
// own bookkeeping.
template <class Sketch>
hashsketch::register_histogram histogram_of(const Sketch& s) {
  hashsketch::register_histogram h{};
  for (std::uint8_t r : s.registers()) ++h[r];
  return h;
}

// The reference mapping of the issue, written out bit by bit: index = top P
// bits, rank = leading zeros of the other 64 − P bits + 1 (1 .. 65 − P).
template <unsigned P>
void reference_locate(std::uint64_t hash, std::size_t& index, unsigned& rank) {
  index = static_cast<std::size_t>(hash >> (64 - P));
  rank = 1;
  for (int bit = 63 - static_cast<int>(P); bit >= 0 && !((hash >> bit) & 1u); --bit) ++rank;
}

// Returns what() of the format_error thrown by deserialize, "" when it did
// not throw (any other exception escapes and fails the test).
template <unsigned P>
std::string format_error_of(const std::vector<std::uint8_t>& bytes, std::uint64_t seed = 0) {
  // An exact-size heap copy, so ASan flags any read past the end.
  std::vector<std::uint8_t> exact(bytes);
  exact.shrink_to_fit();
  try {
    (void)hyperloglog<P>::deserialize(exact.data(), exact.size(), xxh3_hasher(seed));
  } catch (const format_error& e) {
    return e.what();
  }
  return "";
}

void reseal(std::vector<std::uint8_t>& bytes) {
  // Recomputes the trailing XXH64 so a test reaches the check after it.
  const std::size_t covered = bytes.size() - 8;
  const std::uint64_t sum = XXH64(bytes.data(), covered, 0);
  for (int i = 0; i < 8; ++i) bytes[covered + i] = static_cast<std::uint8_t>(sum >> (8 * i));
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

// ---------------------------------------------------------------------------
// Static facts
// ---------------------------------------------------------------------------

TEST_CASE("the estimators' power-of-two scaling equals std::ldexp bit for bit", "[hyperloglog][estimate]") {
  // ertl_estimate / classic_estimate scale by 2^-q with one multiply by
  // detail::pow2_neg(q) instead of std::ldexp (issue 16: the add path
  // recomputes the estimate on every register change). Same doubles, so no
  // stored or golden estimate changes: checked for every q a layout has and
  // for the values z takes there (sums of register weights and τ terms).
  hashsketch_test::splitmix64 rng{2};
  for (unsigned q = 0; q <= 64; ++q) {
    INFO("q = " << q);
    REQUIRE(hashsketch::detail::pow2_neg(q) == std::ldexp(1.0, -static_cast<int>(q)));
    for (int i = 0; i < 2000; ++i) {
      // integers up to 2^64 (weighted), and fractions (τ terms), both signs of exponent
      const double z = i % 2 == 0 ? static_cast<double>(rng() >> (rng() % 64))
                                  : static_cast<double>(rng() >> 11) * std::ldexp(1.0, -static_cast<int>(rng() % 80));
      REQUIRE(z * hashsketch::detail::pow2_neg(q) == std::ldexp(z, -static_cast<int>(q)));
    }
  }
}

TEMPLATE_TEST_CASE_SIG("hyperloglog static properties", "[hyperloglog]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  using S = hyperloglog<P>;
  STATIC_REQUIRE(S::precision == P);
  STATIC_REQUIRE(S::register_count == (std::size_t{1} << P));
  STATIC_REQUIRE(S::max_rank == 65 - P);
  STATIC_REQUIRE(S::serialized_size() == 24 + (std::size_t{1} << P) + 8);
  // usable in constant expressions
  constexpr double rse = S::relative_standard_error();
  CHECK(rse == Approx(1.04 / std::sqrt(static_cast<double>(std::size_t{1} << P))).epsilon(1e-12));
  S s;
  CHECK(s.registers().size() == S::register_count);
  CHECK(s.registers().end() - s.registers().begin() == static_cast<std::ptrdiff_t>(S::register_count));
  CHECK(s.registers().data() == s.registers().begin());
}

// ---------------------------------------------------------------------------
// Adding
// ---------------------------------------------------------------------------

TEMPLATE_TEST_CASE_SIG("add_hash follows the top-bits / leading-zeros mapping", "[hyperloglog][add]",
                       ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  for (std::uint64_t h : edge_hashes(200, 11 + P)) {
    hyperloglog<P> s;
    s.add_hash(h);
    std::size_t index;
    unsigned rank;
    reference_locate<P>(h, index, rank);
    INFO("hash " << h);
    REQUIRE(rank >= 1);
    REQUIRE(rank <= 65 - P);
    std::size_t wrong = 0;
    // One view: of a sparse sketch each registers() call materialises a copy.
    const hashsketch::register_view regs = s.registers();
    for (std::size_t i = 0; i < regs.size(); ++i) wrong += regs[i] != (i == index ? rank : 0u);
    REQUIRE(wrong == 0);
    CHECK(s.histogram()[0] == s.register_count - 1);
    CHECK(s.histogram()[rank] == 1);
  }
  // The extremes: hash 0 = register 0 at the cap, all-ones = last register rank 1.
  hyperloglog<P> s;
  s.add_hash(0);
  s.add_hash(~std::uint64_t{0});
  CHECK(s.registers()[0] == 65 - P);
  CHECK(s.registers()[s.register_count - 1] == 1);
}

TEMPLATE_TEST_CASE_SIG("add(uint64), add(string_view), add(bytes) and add_hash agree", "[hyperloglog][add]",
                       ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{0x5eed}}) {
    const xxh3_hasher hasher(seed);
    hyperloglog<P> by_int{hasher}, by_view{hasher}, by_bytes{hasher}, by_hash{hasher};
    for (std::uint64_t k : random_keys(3000, 5 + P)) {
      // The documented key encoding: the 8 little-endian bytes, whatever the host.
      unsigned char le[8];
      for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(k >> (8 * i));
      by_int.add(k);
      by_view.add(std::string_view(reinterpret_cast<const char*>(le), 8));
      by_bytes.add(le, 8);
      by_hash.add_hash(XXH3_64bits_withSeed(le, 8, seed));
    }
    CHECK(by_int == by_hash);
    CHECK(by_view == by_hash);
    CHECK(by_bytes == by_hash);
    CHECK(by_int.estimate() == by_hash.estimate());
  }
  // Strings: add(string_view) == add(data, size) == add_hash(XXH3(bytes)), the empty string included.
  hyperloglog<P> a, b, c;
  for (int i = 0; i < 2000; ++i) {
    const std::string key = i == 0 ? std::string() : "key-" + std::to_string(i);
    a.add(std::string_view(key));
    b.add(key.data(), key.size());
    c.add_hash(XXH3_64bits_withSeed(key.data(), key.size(), 0));
  }
  CHECK(a == c);
  CHECK(b == c);
  // A string literal goes to add(string_view): its bytes, without the NUL.
  hyperloglog<P> literal, reference;
  literal.add("a string literal");
  reference.add_hash(XXH3_64bits_withSeed("a string literal", 16, 0));
  CHECK(literal == reference);
}

TEMPLATE_TEST_CASE_SIG("add_many equals n calls of add", "[hyperloglog][add]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  const auto keys = random_keys(70000, 17 + P);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{8},
                        std::size_t{31}, std::size_t{33}, std::size_t{1000}, std::size_t{70000}}) {
    for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{99}}) {
      hyperloglog<P> one_by_one{xxh3_hasher(seed)}, many{xxh3_hasher(seed)};
      for (std::size_t i = 0; i < n; ++i) one_by_one.add(keys[i]);
      many.add_many(keys.data(), n);
      INFO("n = " << n << ", seed " << seed);
      REQUIRE(many == one_by_one);
      REQUIRE(many.histogram() == one_by_one.histogram());
      REQUIRE(many.histogram() == histogram_of(many));
      REQUIRE(many.estimate() == one_by_one.estimate());
      // add_many onto a non-empty sketch (after a merge left the histogram stale, too)
      hyperloglog<P> base = sketch_of_keys<P>(random_keys(500, 3), seed), base2 = base;
      base.merge(base2);
      hyperloglog<P> expect = base;
      for (std::size_t i = 0; i < n; ++i) expect.add(keys[i]);
      base.add_many(keys.data(), n);
      REQUIRE(base == expect);
      REQUIRE(base.histogram() == histogram_of(expect));
    }
  }
}

// The estimate recomputed from the independently counted histogram.
template <unsigned P>
double recomputed_estimate(const hyperloglog<P>& s) {
  return hashsketch::hll_family::estimate(histogram_of(s), hyperloglog<P>::register_count,
                                          hyperloglog<P>::max_rank - 1u);
}

TEMPLATE_TEST_CASE_SIG("the maintained histogram and estimate stay current through add, merge, refresh, clear, copy",
                       "[hyperloglog][refresh]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  // The dense state's maintained summary (the sparse state has none to
  // keep: tests/sparse_test.cpp covers its refresh()/current()).
  hyperloglog<P> s;
  s.densify();
  REQUIRE(s.current());
  REQUIRE(s.estimate() == 0.0);
  splitmix64 rng{P};
  // A hash whose remaining 64 − P bits are zero: rank max_rank, so register
  // `index` changes (unless already saturated) — the saturating branch of
  // the maintained register_stats.
  const auto saturating = [](std::uint64_t index) { return index << (64 - P); };
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 3000; ++i) s.add_hash(rng());
    s.add_hash(saturating(rng() >> (64 - P)));
    REQUIRE(s.current());
    REQUIRE(s.histogram() == histogram_of(s));
    REQUIRE(s.estimate() == recomputed_estimate(s));
    hyperloglog<P> other;
    other.densify();
    for (int i = 0; i < 1000; ++i) other.add_hash(rng());
    hyperloglog<P> lazy = s;
    lazy.merge(other);
    s.merge(other);
    // Stale after a merge: histogram() and estimate() recompute (not what
    // this test is about, but they must agree).
    REQUIRE_FALSE(s.current());
    REQUIRE(s.histogram() == histogram_of(s));
    REQUIRE(s.estimate() == recomputed_estimate(s));
    // refresh() makes the maintained summary current; what histogram() and
    // estimate() return from here on is that maintained state itself.
    s.refresh();
    REQUIRE(s.current());
    REQUIRE(s.histogram() == histogram_of(s));
    REQUIRE(s.estimate() == recomputed_estimate(s));
    s.refresh();  // a no-op when current
    REQUIRE(s.histogram() == histogram_of(s));
    // Without refresh(): the first register change rebuilds the summary.
    for (int i = 0; i < 1000; ++i) {
      const std::uint64_t h = rng();
      s.add_hash(h);
      lazy.add_hash(h);
    }
    // Saturate a register that is not yet saturated: a certain change.
    const auto regs_now = s.registers();
    const auto open = std::find_if(regs_now.begin(), regs_now.end(),
                                   [](std::uint8_t r) { return r < hyperloglog<P>::max_rank; });
    REQUIRE(open != regs_now.end());
    const auto open_index = static_cast<std::uint64_t>(open - regs_now.begin());
    s.add_hash(saturating(open_index));
    lazy.add_hash(saturating(open_index));
    REQUIRE(lazy == s);
    REQUIRE(lazy.current());
    REQUIRE(lazy.histogram() == histogram_of(lazy));
    REQUIRE(lazy.estimate() == recomputed_estimate(lazy));
    REQUIRE(s.histogram() == histogram_of(s));
    const hyperloglog<P> copy = s;
    REQUIRE(copy.current());
    REQUIRE(copy.histogram() == histogram_of(s));
    REQUIRE(copy.estimate() == s.estimate());
  }
  s.clear();
  REQUIRE(s.current());
  REQUIRE(s.histogram() == histogram_of(s));
  REQUIRE(s.estimate() == 0.0);
  REQUIRE(s.is_sparse());  // clear() goes back to the empty sparse sketch
}

// issue 16: estimate() on an added-to sketch returns a value kept current by
// add(); it must be the exact estimate of the registers after every single
// add, for both estimators and the interval. The reference is a stale copy
// (merged into an empty sketch), whose estimate() recomputes from one pass.
TEMPLATE_TEST_CASE_SIG("the estimate kept current by add() equals the recomputed one after every add",
                       "[hyperloglog][refresh]", ((unsigned P), P), HASHSKETCH_TEST_EVEN_PRECISIONS) {
  constexpr std::size_t m = hyperloglog<P>::register_count;
  hyperloglog<P> s;
  s.densify();  // the dense state's maintained estimate
  splitmix64 rng{900 + P};
  // Every add at small P, ~300 checkpoints at large P (each check is O(m)).
  const std::size_t n = 6 * m + 2000, step = std::max<std::size_t>(1, n / 300);
  for (std::size_t i = 0; i < n; ++i) {
    // One add in 8 saturates its register, so every branch of the
    // maintained stats (empty, weighted, saturated) is taken often.
    std::uint64_t h = rng();
    if (i % 8 == 7) h = (h >> (64 - P)) << (64 - P);
    s.add_hash(h);
    if (i % step != 0 && i + 1 != n) continue;
    hyperloglog<P> stale;
    stale.densify();
    stale.merge(s);
    REQUIRE_FALSE(stale.current());
    INFO("P = " << P << ", after add " << i);
    REQUIRE(s.current());
    REQUIRE(s.estimate() == stale.estimate());
    REQUIRE(s.estimate() == recomputed_estimate(s));
    REQUIRE(s.estimate(hashsketch::estimator::classic) == stale.estimate(hashsketch::estimator::classic));
    const auto a = s.confidence_interval(0.9), b = stale.confidence_interval(0.9);
    REQUIRE(a.lower == b.lower);
    REQUIRE(a.estimate == b.estimate);
    REQUIRE(a.upper == b.upper);
  }
}

TEST_CASE("merge_all returns a current sketch, also for an empty range", "[hyperloglog][refresh]") {
  std::vector<hyperloglog<10>> parts(3);
  splitmix64 rng{77};
  for (auto& p : parts)
    for (int i = 0; i < 2000; ++i) p.add_hash(rng());
  const hyperloglog<10> all = hashsketch::merge_all(parts.begin(), parts.end());
  CHECK(all.current());
  CHECK(all.estimate() == recomputed_estimate(all));
  hyperloglog<10> stale = parts[0];
  stale.merge(parts[1]);
  REQUIRE_FALSE(stale.current());
  const hyperloglog<10> with_init = hashsketch::merge_all(parts.begin() + 2, parts.end(), stale);
  CHECK(with_init.current());
  const hyperloglog<10> unchanged = hashsketch::merge_all(parts.end(), parts.end(), stale);
  CHECK(unchanged.current());
  CHECK(unchanged == stale);
  CHECK(unchanged.estimate() == stale.estimate());
}

TEST_CASE("a converted sketch carries the histogram and recomputes its own family's estimate",
          "[hyperloglog][refresh]") {
  hyperloglog<11> s;
  splitmix64 rng{78};
  for (int i = 0; i < 5000; ++i) s.add_hash(rng());
  const hashsketch::loglog<11> as_loglog(s);
  const hyperloglog<11> back(as_loglog);
  CHECK(back.current());
  CHECK(back.histogram() == histogram_of(s));
  CHECK(back.estimate() == s.estimate());
  CHECK(as_loglog.estimate() != s.estimate());
}

// ---------------------------------------------------------------------------
// Merging
// ---------------------------------------------------------------------------

TEMPLATE_TEST_CASE_SIG("merge(A, B) equals the sketch of A ∪ B", "[hyperloglog][merge]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  // A and B overlap in 2000 keys; sizes straddle m so some registers are set
  // only in A, only in B, in both with either larger.
  auto a_keys = random_keys(5000 + (std::size_t{1} << P), 100 + P);
  auto b_keys = random_keys(3000 + (std::size_t{1} << P) / 2, 200 + P);
  b_keys.insert(b_keys.end(), a_keys.begin(), a_keys.begin() + 2000);
  std::vector<std::uint64_t> union_keys = a_keys;
  union_keys.insert(union_keys.end(), b_keys.begin(), b_keys.end());

  const auto a = sketch_of_keys<P>(a_keys), b = sketch_of_keys<P>(b_keys), u = sketch_of_keys<P>(union_keys);
  REQUIRE(a != b);

  hyperloglog<P> merged = a;
  merged.merge(b);
  CHECK(merged == u);
  CHECK(regs(merged) == regs(u));
  CHECK(merged.histogram() == u.histogram());
  CHECK(merged.estimate() == u.estimate());
  CHECK(merged.estimate(hashsketch::estimator::classic) == u.estimate(hashsketch::estimator::classic));
  CHECK(merged.serialize(hashsketch::encoding::dense) == u.serialize(hashsketch::encoding::dense));

  SECTION("operator| and operator|= equal merge") {
    const hyperloglog<P> piped = a | b;
    CHECK(piped == u);
    CHECK(piped.estimate() == u.estimate());
    hyperloglog<P> assigned = a;
    hyperloglog<P>& ref = (assigned |= b);
    CHECK(&ref == &assigned);
    CHECK(assigned == u);
    CHECK(assigned.histogram() == u.histogram());
  }
  SECTION("commutative, associative, idempotent") {
    const auto c = sketch_of_keys<P>(random_keys(1500, 300 + P));
    CHECK((a | b) == (b | a));
    CHECK(((a | b) | c) == (a | (b | c)));
    CHECK((a | a) == a);
    hyperloglog<P> self = a;
    self.merge(self);  // merging with itself is a no-op
    CHECK(self == a);
    CHECK(self.estimate() == a.estimate());
    hyperloglog<P> twice = a;
    twice.merge(b);
    twice.merge(b);
    CHECK(twice == u);
  }
  SECTION("the empty sketch is the identity") {
    const hyperloglog<P> empty;
    CHECK((a | empty) == a);
    CHECK((empty | a) == a);
    CHECK((empty | empty).empty());
  }
}

TEMPLATE_TEST_CASE_SIG("sketches with different seeds do not merge", "[hyperloglog][merge]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  const auto keys = random_keys(1000, 7);
  hyperloglog<P> a = sketch_of_keys<P>(keys, 1);
  const hyperloglog<P> b = sketch_of_keys<P>(keys, 2);
  const hyperloglog<P> a_before = a;
  CHECK_THROWS_AS(a.merge(b), incompatible_sketch_error);
  CHECK_THROWS_AS(a |= b, incompatible_sketch_error);
  CHECK_THROWS_AS(a | b, incompatible_sketch_error);
  CHECK(a == a_before);  // a failed merge leaves the target untouched
  CHECK_THROWS_WITH(a.merge(b), Catch::Contains("seed"));
  CHECK(a != b);  // same keys, other seed: different sketches
  if constexpr (P < 16) {
    const auto finer = sketch_of_keys<16>(keys, 2);
    CHECK_THROWS_AS(a.merge(finer), incompatible_sketch_error);
    CHECK(a == a_before);
  }
  // Same seed merges fine.
  hyperloglog<P> c = sketch_of_keys<P>(keys, 1);
  CHECK_NOTHROW(c.merge(a));
}

namespace {

template <unsigned P, unsigned Q>
void check_reduce(const std::vector<std::uint64_t>& hashes, const std::vector<std::uint64_t>& keys) {
  INFO("reduce<" << Q << ">() of hyperloglog<" << P << ">");
  const auto fine = sketch_of_hashes<P>(hashes);
  const auto coarse = sketch_of_hashes<Q>(hashes);
  const hyperloglog<Q> reduced = fine.template reduce<Q>();
  REQUIRE(reduced == coarse);
  REQUIRE(reduced.histogram() == coarse.histogram());
  REQUIRE(reduced.estimate() == coarse.estimate());
  // Through the hasher too, with a seed.
  const auto fine_k = sketch_of_keys<P>(keys, 77);
  const auto coarse_k = sketch_of_keys<Q>(keys, 77);
  REQUIRE(fine_k.template reduce<Q>() == coarse_k);
  REQUIRE(fine_k.template reduce<Q>().hasher() == xxh3_hasher(77));
  // The empty sketch reduces to the empty sketch.
  REQUIRE(hyperloglog<P>().template reduce<Q>().empty());
}

template <unsigned P, unsigned Q>
void check_merge_finer(const std::vector<std::uint64_t>& coarse_hashes, const std::vector<std::uint64_t>& fine_hashes) {
  INFO("hyperloglog<" << P << ">::merge(hyperloglog<" << Q << ">)");
  const auto finer = sketch_of_hashes<Q>(fine_hashes);
  hyperloglog<P> direct = sketch_of_hashes<P>(coarse_hashes);
  hyperloglog<P> via_reduce = direct;
  direct.merge(finer);
  via_reduce.merge(finer.template reduce<P>());
  REQUIRE(direct == via_reduce);
  REQUIRE(direct.histogram() == histogram_of(direct));
  REQUIRE(direct.estimate() == via_reduce.estimate());
  // … and both equal the sketch at P of all the hashes.
  std::vector<std::uint64_t> all = coarse_hashes;
  all.insert(all.end(), fine_hashes.begin(), fine_hashes.end());
  REQUIRE(direct == sketch_of_hashes<P>(all));
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("reduce<Q>() equals the sketch built at Q", "[hyperloglog][reduce]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  // Sizes from nearly empty to saturated at P, with the rank-edge hashes.
  for (std::size_t n : {std::size_t{5}, std::size_t{1} << P, std::size_t{20} << P}) {
    const auto hashes = edge_hashes(n, 1000 + P + n);
    const auto keys = random_keys(n, 2000 + P);
    INFO("n = " << n);
    check_reduce<P, 4>(hashes, keys);
    check_reduce<P, (P + 4) / 2>(hashes, keys);
    check_reduce<P, (P > 4 ? P - 1 : 4)>(hashes, keys);
    check_reduce<P, P>(hashes, keys);
  }
}

TEMPLATE_TEST_CASE_SIG("merging a finer sketch equals merging its reduction", "[hyperloglog][reduce]",
                       ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS_BELOW_16) {
  const auto coarse = edge_hashes(std::size_t{1} << P, 3000 + P);
  const auto fine = edge_hashes(std::size_t{4} << P, 4000 + P);
  check_merge_finer<P, P + 1>(coarse, fine);
  check_merge_finer<P, 16>(coarse, fine);
  check_merge_finer<P, (P + 16) / 2 + (P + 16) % 2>(coarse, fine);
}

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

TEMPLATE_TEST_CASE_SIG("a fully saturated sketch has a finite estimate", "[hyperloglog][estimate]",
                       ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  // hash = index << (64 − P) leaves every bit below the index zero: rank 65 − P,
  // the cap. Ertl's formula tends to +∞ there (found by datasketches_fuzz); the
  // library returns the largest value the registers express, α_m·m·2^(65−P).
  hyperloglog<P> s;
  s.densify();  // the dense estimator's edge (sparse, 2^P keys estimate ≈ 2^P)
  for (std::uint64_t i = 0; i < hyperloglog<P>::register_count; ++i) s.add_hash(i << (64u - P));
  REQUIRE(s.histogram()[hyperloglog<P>::max_rank] == hyperloglog<P>::register_count);
  const double m = static_cast<double>(hyperloglog<P>::register_count);
  const double expected = hashsketch::detail::classic_alpha(hyperloglog<P>::register_count) * m *
                          std::ldexp(1.0, static_cast<int>(hyperloglog<P>::max_rank));
  CHECK(std::isfinite(s.estimate()));
  CHECK(s.estimate() == expected);
  CHECK(std::isfinite(s.estimate(hashsketch::estimator::classic)));
  const auto bytes = s.serialize();
  CHECK(hyperloglog<P>::deserialize(bytes.data(), bytes.size()).estimate() == expected);
}

TEMPLATE_TEST_CASE_SIG("empty and clear", "[hyperloglog]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  hyperloglog<P> s{xxh3_hasher(5)};
  const hyperloglog<P> fresh{xxh3_hasher(5)};
  CHECK(s.empty());
  CHECK(s.estimate() == 0.0);
  CHECK(s.estimate(hashsketch::estimator::classic) == 0.0);
  {
    const hashsketch::register_view view = s.registers();
    CHECK(std::all_of(view.begin(), view.end(), [](std::uint8_t r) { return r == 0; }));
  }
  CHECK(s.histogram()[0] == s.register_count);
  s.add(std::uint64_t{42});
  CHECK_FALSE(s.empty());
  CHECK(s.estimate() > 0.5);
  CHECK(s != fresh);
  s.merge(sketch_of_keys<P>(random_keys(5000, 1), 5));
  CHECK_FALSE(s.empty());
  s.clear();
  CHECK(s.empty());
  CHECK(s == fresh);
  CHECK(s.hasher() == xxh3_hasher(5));  // clear keeps the hasher
  CHECK(s.estimate() == 0.0);
  CHECK(s.histogram() == fresh.histogram());
  CHECK(s.serialize() == fresh.serialize());
  // Merging empties stays empty (the stale-histogram path).
  hyperloglog<P> e1, e2;
  e1.merge(e2);
  CHECK(e1.empty());
  CHECK(e1.estimate() == 0.0);
}

TEMPLATE_TEST_CASE_SIG("confidence_interval", "[hyperloglog][interval]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  hyperloglog<P> s;
  for (double bad : {0.0, 1.0, -0.5, 1.5, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
    INFO("confidence " << bad);
    CHECK_THROWS_AS(s.confidence_interval(bad), std::invalid_argument);
  }
  // Empty: exactly zero, whatever the confidence.
  const auto zero = s.confidence_interval(0.99);
  CHECK(zero.lower == 0.0);
  CHECK(zero.estimate == 0.0);
  CHECK(zero.upper == 0.0);

  for (std::size_t n : {std::size_t{1}, std::size_t{10}, std::size_t{1} << P, std::size_t{50} << P}) {
    s.clear();
    s.densify();  // the dense state's interval (the sparse one: tests/sparse_test.cpp)
    for (std::uint64_t k : random_keys(n, 60 + n)) s.add(k);
    const double rse = hyperloglog<P>::relative_standard_error();
    const auto ci = s.confidence_interval();  // default 0.95
    INFO("n = " << n);
    CHECK(ci.estimate == s.estimate());
    CHECK(ci.lower <= ci.estimate);
    CHECK(ci.estimate <= ci.upper);
    CHECK(ci.lower >= 0.0);
    // Every non-empty register proves at least one distinct item.
    const double non_empty = static_cast<double>(s.register_count - s.histogram()[0]);
    CHECK(ci.lower >= std::min(non_empty, ci.estimate));
    // 1.959963985 = two-sided 95 % normal quantile (erf(z/√2) = 0.95).
    // The interval is {n : |estimate/n − 1| ≤ z·RSE}.
    CHECK(ci.upper == Approx(ci.estimate / (1 - 1.959963985 * rse)).epsilon(1e-8));
    if (ci.estimate / (1 + 1.959963985 * rse) > non_empty)
      CHECK(ci.lower == Approx(ci.estimate / (1 + 1.959963985 * rse)).epsilon(1e-8));
    // Higher confidence, wider interval (nested).
    const auto narrow = s.confidence_interval(0.5), wide = s.confidence_interval(0.999);
    CHECK(wide.lower <= ci.lower);
    CHECK(ci.lower <= narrow.lower);
    CHECK(narrow.upper <= ci.upper);
    CHECK(ci.upper <= wide.upper);
    CHECK(wide.upper == Approx(ci.estimate / (1 - 3.290526731 * rse)).epsilon(1e-8));
    // z·RSE ≥ 1 (z = 5.73 for 1 − 10^−8, RSE = 0.26 at P = 4): no finite upper end.
    const auto extreme = s.confidence_interval(1 - 1e-8);
    if (5.730729 * rse >= 1.0)
      CHECK(std::isinf(extreme.upper));
    else
      CHECK(extreme.upper == Approx(ci.estimate / (1 - 5.730729 * rse)).epsilon(1e-6));
  }
}

// ---------------------------------------------------------------------------
// Native binary format
// ---------------------------------------------------------------------------

TEMPLATE_TEST_CASE_SIG("serialize writes the documented layout and round-trips byte-exact", "[hyperloglog][format]",
                       ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{0x0123456789ABCDEFull}}) {
    for (std::size_t n : {std::size_t{0}, std::size_t{3}, std::size_t{30} << P}) {
      auto s = sketch_of_keys<P>(random_keys(n, 500 + P), seed);
      s.add_hash(0);  // one register at the largest rank
      const auto bytes = s.serialize(hashsketch::encoding::dense);
      INFO("seed " << seed << ", n = " << n);
      // docs/FORMAT.md, field by field.
      REQUIRE(bytes.size() == 24 + s.register_count + 8);
      CHECK(std::memcmp(bytes.data(), "HSKT", 4) == 0);
      CHECK(bytes[4] == 1);   // format version
      CHECK(bytes[5] == 1);   // kind: hyperloglog
      CHECK(bytes[6] == P);   // precision
      CHECK(bytes[7] == 0);   // encoding: dense u8
      CHECK(bytes[8] == 1);   // hasher: xxh3-64
      CHECK(bytes[9] == 1);   // addressing: top bits / leading zeros
      CHECK(bytes[10] == 0);  // reserved
      CHECK(bytes[11] == 0);
      std::uint64_t stored_seed = 0;
      for (int i = 7; i >= 0; --i) stored_seed = (stored_seed << 8) | bytes[12 + i];
      CHECK(stored_seed == seed);
      const std::uint32_t length = static_cast<std::uint32_t>(bytes[20]) | (static_cast<std::uint32_t>(bytes[21]) << 8) |
                                   (static_cast<std::uint32_t>(bytes[22]) << 16) |
                                   (static_cast<std::uint32_t>(bytes[23]) << 24);
      CHECK(length == s.register_count);
      const hashsketch::register_view view = s.registers();  // one view: a sparse sketch's is a copy
      CHECK(std::equal(view.begin(), view.end(), bytes.begin() + 24));
      std::uint64_t stored_sum = 0;
      for (int i = 7; i >= 0; --i) stored_sum = (stored_sum << 8) | bytes[bytes.size() - 8 + i];
      CHECK(stored_sum == XXH64(bytes.data(), bytes.size() - 8, 0));

      const auto back = hyperloglog<P>::deserialize(bytes.data(), bytes.size(), xxh3_hasher(seed));
      CHECK(back == s);
      CHECK(back.hasher() == xxh3_hasher(seed));
      CHECK(back.serialize(hashsketch::encoding::dense) == bytes);
      CHECK(back.histogram() == s.histogram());
      // A version-1 image is dense: back estimates as s does once dense.
      CHECK_FALSE(back.is_sparse());
      auto dense = s;
      dense.densify();
      CHECK(back.estimate() == dense.estimate());
      if (seed == 0) CHECK(hyperloglog<P>::deserialize(bytes.data(), bytes.size()) == s);
    }
  }
}

TEST_CASE("golden files decode to the recorded sketches, and serialize still writes them", "[hyperloglog][format]") {
  // Estimates printed by tests/data/make_golden.cpp when the files were written
  // (format version 1). A change here means old bytes now read differently.
  const std::map<std::string, double> expected_estimate = {
      {"hll_p4_n100.hsk", 98.395377579475749},        {"hll_p8_n1000_seed7.hsk", 1106.8040501407636},
      {"hll_p10_extremes.hsk", 2091.2403257570309},   {"hll_p12_strings.hsk", 4949.1083812323268},
      {"hll_p14_empty.hsk", 0},                       {"hll_p16_n300000_seed42.hsk", 300605.40661635081},
  };
  int cases = 0;
  golden::for_each_case([&](auto precision, const char* name, std::uint64_t seed, auto fill) {
    constexpr unsigned P = decltype(precision)::value;
    INFO(name);
    const auto golden_bytes = read_file(std::string(HASHSKETCH_TEST_DATA_DIR) + "/" + name);
    hyperloglog<P> rebuilt{xxh3_hasher(seed)};
    fill(rebuilt);
    const auto decoded = hyperloglog<P>::deserialize(golden_bytes.data(), golden_bytes.size(), xxh3_hasher(seed));
    CHECK(regs(decoded) == regs(rebuilt));
    CHECK(decoded == rebuilt);
    REQUIRE(expected_estimate.count(name) == 1);
    CHECK(decoded.estimate() == Approx(expected_estimate.at(name)).epsilon(1e-12));
    CHECK(rebuilt.serialize(hashsketch::encoding::dense) == golden_bytes);
    ++cases;
  });
  CHECK(cases == static_cast<int>(expected_estimate.size()));
}

namespace {

// Every single-byte change at `positions` (all 255 other values, or `values`
// sampled ones) must throw format_error. Returns the offending (position,
// value) pairs.
template <unsigned P>
std::vector<std::pair<std::size_t, unsigned>> corruptions_accepted(const std::vector<std::uint8_t>& bytes,
                                                                   const std::vector<std::size_t>& positions,
                                                                   splitmix64* sample_values) {
  std::vector<std::pair<std::size_t, unsigned>> accepted;
  std::vector<std::uint8_t> copy = bytes;
  for (std::size_t pos : positions) {
    const std::uint8_t original = bytes[pos];
    for (unsigned delta = 1; delta < 256; ++delta) {
      if (sample_values && delta > 8) break;
      const unsigned value =
          sample_values ? static_cast<unsigned>(original ^ (1 + (*sample_values)() % 255)) : (original + delta) % 256;
      copy[pos] = static_cast<std::uint8_t>(value);
      if (format_error_of<P>(copy).empty()) accepted.emplace_back(pos, value);
    }
    copy[pos] = original;
  }
  return accepted;
}

template <unsigned P>
std::vector<std::size_t> truncations_accepted(const std::vector<std::uint8_t>& bytes,
                                              const std::vector<std::size_t>& sizes) {
  std::vector<std::size_t> accepted;
  for (std::size_t size : sizes) {
    const std::vector<std::uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
    const std::string what = format_error_of<P>(prefix);
    if (what.empty()) accepted.push_back(size);
  }
  return accepted;
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("every single-byte corruption and every truncation throws format_error",
                       "[hyperloglog][format]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  auto s = sketch_of_keys<P>(random_keys(std::size_t{3} << P, 900 + P));
  s.add_hash(0);
  const auto bytes = s.serialize(hashsketch::encoding::dense);
  const std::size_t size = bytes.size();
  splitmix64 rng{P * 31};

  std::vector<std::size_t> positions, sizes;
  constexpr bool exhaustive = P <= 8;
  if (exhaustive) {
    // P = 4..8: every position × every other value, every shorter length.
    for (std::size_t i = 0; i < size; ++i) positions.push_back(i);
    for (std::size_t i = 0; i < size; ++i) sizes.push_back(i);
  } else {
    // Above: the whole header and checksum, 256 random register positions;
    // every length inside the header and checksum, 256 random ones between.
    for (std::size_t i = 0; i < 24; ++i) positions.push_back(i);
    for (std::size_t i = size - 8; i < size; ++i) positions.push_back(i);
    for (int i = 0; i < 256; ++i) positions.push_back(24 + rng() % s.register_count);
    for (std::size_t i = 0; i <= 25; ++i) sizes.push_back(i);
    for (std::size_t i = size - 9; i < size; ++i) sizes.push_back(i);
    for (int i = 0; i < 256; ++i) sizes.push_back(rng() % size);
  }
  const auto accepted = corruptions_accepted<P>(bytes, positions, nullptr);
  CHECK(accepted.size() == 0);
  if (!accepted.empty()) FAIL("accepted corruption: byte " << accepted[0].first << " = " << accepted[0].second);
  if (!exhaustive) {
    // and a few random values at more random register positions
    std::vector<std::size_t> more;
    for (int i = 0; i < 1024; ++i) more.push_back(24 + rng() % s.register_count);
    CHECK(corruptions_accepted<P>(bytes, more, &rng).empty());
  }
  const auto truncated = truncations_accepted<P>(bytes, sizes);
  CHECK(truncated.size() == 0);
  if (!truncated.empty()) FAIL("accepted truncation to " << truncated[0] << " bytes");

  // Extra bytes after a valid sketch.
  for (std::size_t extra : {std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{100}}) {
    auto longer = bytes;
    longer.resize(size + extra, 0);
    CHECK_THAT(format_error_of<P>(longer), Catch::Contains("trailing bytes"));
  }
  // The unmodified bytes are accepted (so the loops above test the defects).
  CHECK(format_error_of<P>(bytes).empty());
}

TEMPLATE_TEST_CASE_SIG("deserialize names each defect", "[hyperloglog][format]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  const auto s = sketch_of_keys<P>(random_keys(std::size_t{2} << P, 1234));
  const auto good = s.serialize(hashsketch::encoding::dense);
  REQUIRE(format_error_of<P>(good).empty());

  // Each case changes one field and re-seals the checksum, so the message
  // comes from the field's own check, not from the checksum.
  auto with = [&](std::size_t offset, std::uint8_t value) {
    auto b = good;
    b[offset] = value;
    reseal(b);
    return format_error_of<P>(b);
  };
  CHECK_THAT(format_error_of<P>({}), Catch::Contains("truncated"));
  CHECK_THAT(format_error_of<P>({'H', 'S', 'K'}), Catch::Contains("truncated") && Catch::Contains("magic"));
  CHECK_THAT(format_error_of<P>(std::vector<std::uint8_t>(good.begin(), good.begin() + 30)),
             Catch::Contains("truncated") && Catch::Contains("registers"));
  CHECK_THAT(format_error_of<P>(std::vector<std::uint8_t>(good.begin(), good.end() - 1)),
             Catch::Contains("truncated") && Catch::Contains("checksum"));
  CHECK_THAT(with(0, 'X'), Catch::Contains("bad magic"));
  CHECK_THAT(with(4, 4), Catch::Contains("unknown format version 4"));  // 2 and 3: the coded encodings (FORMAT.md)
  CHECK_THAT(with(4, 0), Catch::Contains("unknown format version 0"));
  CHECK_THAT(with(5, 2), Catch::Contains("kind 2") && Catch::Contains("not hyperloglog"));
  CHECK_THAT(with(5, 0), Catch::Contains("kind 0"));
  CHECK_THAT(with(6, static_cast<std::uint8_t>(P == 16 ? 4 : P + 1)), Catch::Contains("precision"));
  CHECK_THAT(with(7, 1), Catch::Contains("unknown register encoding 1"));
  CHECK_THAT(with(7, 2), Catch::Contains("unknown register encoding 2"));
  CHECK_THAT(with(8, 2), Catch::Contains("hasher id 2"));
  CHECK_THAT(with(9, 2), Catch::Contains("register layout id 2"));
  CHECK_THAT(with(10, 1), Catch::Contains("reserved"));
  CHECK_THAT(with(11, 0x80), Catch::Contains("reserved"));
  CHECK_THAT(with(12, 1), Catch::Contains("seed"));
  CHECK_THAT(with(19, 0x80), Catch::Contains("seed"));
  CHECK_THAT(with(20, static_cast<std::uint8_t>(good[20] ^ 1)), Catch::Contains("payload length"));
  CHECK_THAT(with(23, 1), Catch::Contains("payload length"));
  // A register above the largest rank 65 − P (and the largest byte value).
  CHECK_THAT(with(24 + 3, static_cast<std::uint8_t>(66 - P)), Catch::Contains("above the maximum rank"));
  CHECK_THAT(with(24 + s.register_count - 1, 255), Catch::Contains("above the maximum rank"));
  CHECK(with(24 + 3, static_cast<std::uint8_t>(65 - P)).empty());  // the cap itself is valid
  // Checksum: a damaged register, a damaged checksum byte.
  {
    auto b = good;
    b[24] = static_cast<std::uint8_t>(b[24] == 1 ? 2 : 1);
    CHECK_THAT(format_error_of<P>(b), Catch::Contains("checksum mismatch"));
    b = good;
    b[b.size() - 1] ^= 0x40;
    CHECK_THAT(format_error_of<P>(b), Catch::Contains("checksum mismatch"));
  }
  {
    auto b = good;
    b.push_back(0);
    CHECK_THAT(format_error_of<P>(b), Catch::Contains("1 trailing bytes"));
  }
  // Another precision: the same bytes read as another type.
  if constexpr (P < 16) {
    std::vector<std::uint8_t> exact(good);
    CHECK_THROWS_WITH(hyperloglog<P + 1>::deserialize(exact.data(), exact.size()),
                      Catch::Contains("precision " + std::to_string(P)));
  }
  // Another seed: written with seed 9, read expecting the default seed 0 (and
  // the reverse).
  {
    const auto seeded = sketch_of_keys<P>(random_keys(100, 1), 9).serialize(hashsketch::encoding::dense);
    CHECK_THAT(format_error_of<P>(seeded), Catch::Contains("hasher seed 9"));
    CHECK(format_error_of<P>(seeded, 9).empty());
    CHECK_THAT(format_error_of<P>(good, 9), Catch::Contains("seed"));
  }
  // Messages are prefixed so callers can tell where they come from.
  CHECK_THAT(with(0, 'X'), Catch::StartsWith("hashsketch format error: "));
  // A null pointer with a size is "truncated", never a read.
  CHECK_THROWS_AS(hyperloglog<P>::deserialize(nullptr, 100), format_error);
}

TEST_CASE("the fuzz corpus of deserialize holds valid and invalid seeds", "[hyperloglog][format]") {
  // The replay test runs the corpus; this only checks that the corpus keeps
  // at least one valid sketch per fuzzed precision, so mutation starts from
  // real structure.
  const std::string dir = std::string(HASHSKETCH_SOURCE_DIR) + "/tests/fuzz/corpus/deserialize_fuzz/";
  CHECK(format_error_of<4>(read_file(dir + "p4_n100")).empty());
  CHECK(format_error_of<8>(read_file(dir + "p8_n1000")).empty());
  CHECK(format_error_of<12>(read_file(dir + "p12_n5")).empty());
}
