// ultraloglog's sparse state on the register core: promotion is lossless
// (register for register equal to a sketch made dense before its first key,
// at every P, across the promotion point, also when several ranks share an
// index26), and merge / reduce / to_hyperloglog agree across every pair of
// states. The martingale keeps its sketch dense.

#include <hashsketch/martingale.hpp>
#include <hashsketch/ultraloglog.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/failing_allocator.hpp"
#include "support/precisions.hpp"
#include "support/random_keys.hpp"
#include "support/splitmix64.hpp"
#include "support/test_files.hpp"

using hashsketch::hyperloglog;
using hashsketch::martingale;
using hashsketch::ultraloglog;
using hashsketch_test::splitmix64;

namespace {

// n seeded 64-bit hashes (tests/support/random_keys.hpp).
std::vector<std::uint64_t> hashes(std::uint64_t seed, std::size_t n) { return hashsketch_test::random_keys(n, seed); }

// Hashes that share index26 values but differ in rank: index26 = x << 16
// (the 16 low index bits zero, so at every P ≤ 16 the rank at P runs into
// the token's rank and the register's history bits see every one of them),
// each with ranks26 1 … 8. A store keeping only the largest rank per index26
// loses the history bits these set.
std::vector<std::uint64_t> shared_index_hashes(std::uint64_t seed, std::size_t groups) {
  splitmix64 g{seed};
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < groups; ++i) {
    const std::uint64_t index26 = (g() >> 54) << 16;  // 10 random top bits
    for (unsigned r = 0; r < 8; ++r) out.push_back(index26 << 38 | (std::uint64_t{1} << (37 - r)) | (g() >> 60));
  }
  return out;
}

template <class S>
std::vector<std::uint8_t> regs(const S& s) {
  const hashsketch::register_view v = s.registers();
  return std::vector<std::uint8_t>(v.begin(), v.end());
}

// Feeds the same keys to a sparse sketch and to one densified first; compares
// the registers after every key around the promotion and every 64 keys
// elsewhere. Returns the number of keys at which the sparse one promoted.
template <unsigned P>
std::size_t check_promotion(const std::vector<std::uint64_t>& keys) {
  ultraloglog<P> sparse, dense;
  dense.densify();
  REQUIRE(sparse.is_sparse());
  REQUIRE_FALSE(dense.is_sparse());
  std::size_t promoted_at = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const bool was_sparse = sparse.is_sparse();
    sparse.add_hash(keys[i]);
    dense.add_hash(keys[i]);
    if (was_sparse && !sparse.is_sparse()) promoted_at = i + 1;
    const bool near = promoted_at != 0 && i + 1 < promoted_at + 4;
    if (near || i % 64 == 0 || i + 1 == keys.size() || (sparse.is_sparse() && keys.size() - i < 4)) {
      INFO("P = " << P << ", key " << i << (sparse.is_sparse() ? " (sparse)" : " (dense)"));
      REQUIRE(regs(sparse) == regs(dense));
    }
  }
  CHECK(sparse == dense);
  CHECK(sparse.state_change_probability() == dense.state_change_probability());
  if (!sparse.is_sparse()) CHECK(sparse.estimate() == dense.estimate());
  return promoted_at;
}

template <unsigned P>
void promotion_at() {
  INFO("P = " << P);
  // Random keys well past the promotion point (m heap bytes ≈ m/4 tokens
  // and fewer where the store codes them in under 4 bytes).
  const std::size_t n = 3 * (std::size_t{1} << P) + 200;
  const std::size_t at = check_promotion<P>(hashes(P, n));
  CHECK(at > 0);
  // Shared index26 values: the every-rank tokens carry the history bits.
  std::vector<std::uint64_t> mixed = shared_index_hashes(100 + P, 12);
  const std::vector<std::uint64_t> more = hashes(200 + P, n);
  mixed.insert(mixed.end(), more.begin(), more.end());
  check_promotion<P>(mixed);
  // Only shared-index keys, still sparse: densify() gives the same registers.
  ultraloglog<P> s, d;
  d.densify();
  for (std::uint64_t h : shared_index_hashes(300 + P, 2)) {
    s.add_hash(h);
    d.add_hash(h);
  }
  ultraloglog<P> t = s;
  t.densify();
  CHECK(regs(t) == regs(d));
  CHECK(regs(s) == regs(d));
}

template <unsigned... Ps>
void promotion_all(std::integer_sequence<unsigned, Ps...>) {
  (void)std::initializer_list<int>{(promotion_at<Ps>(), 0)...};
}

template <unsigned P>
ultraloglog<P> build(std::uint64_t seed, std::size_t n, bool densified) {
  ultraloglog<P> s;
  if (densified) s.densify();
  for (std::uint64_t h : hashes(seed, n)) s.add_hash(h);
  for (std::uint64_t h : shared_index_hashes(seed + 1000, 2)) s.add_hash(h);
  return s;
}

}  // namespace

TEST_CASE("ultraloglog sparse: promotion is lossless at every P, also with several ranks per index26",
          "[ultraloglog][sparse]") {
  promotion_all(hashsketch_test::test_precisions{});  // P = 4..16 (a subset in the sanitizer trees)
}

TEST_CASE("ultraloglog sparse: a new sketch is sparse and allocates nothing; its estimate is the token estimate",
          "[ultraloglog][sparse]") {
  ultraloglog<14> s;
  CHECK(s.is_sparse());
  CHECK(s.memory_bytes() == sizeof(s));
  CHECK(s.empty());
  CHECK(s.estimate() == 0.0);
  for (std::uint64_t h : hashes(7, 1000)) s.add_hash(h);
  REQUIRE(s.is_sparse());
  // Near exact (1000 keys in 2^26 token buckets: ≈ 0.007 expected index
  // collisions): the dense FGRA estimate is off by ~1 %.
  CHECK(std::fabs(s.estimate() - 1000.0) <= 1.0);
  CHECK(s.estimate(hashsketch::ull_estimator::ml) == s.estimate());
  const hashsketch::interval ci = s.confidence_interval(0.99);
  CHECK(ci.lower <= 1000.0);
  CHECK(ci.upper >= 1000.0);
  CHECK(s.memory_bytes() < ultraloglog<14>::register_count);
  s.clear();
  CHECK(s.is_sparse());
  CHECK(s.empty());
}

TEST_CASE("ultraloglog sparse: merge, |, reduce and to_hyperloglog across every pair of states",
          "[ultraloglog][sparse]") {
  constexpr unsigned P = 12;
  for (int sa = 0; sa < 2; ++sa)
    for (int sb = 0; sb < 2; ++sb) {
      // 300 + 16 keys keep a sketch sparse at P = 12; densified ones are dense.
      const ultraloglog<P> a = build<P>(1, 300, sa == 1);
      const ultraloglog<P> b = build<P>(2, 300, sb == 1);
      INFO("a " << (a.is_sparse() ? "sparse" : "dense") << ", b " << (b.is_sparse() ? "sparse" : "dense"));
      REQUIRE(a.is_sparse() == (sa == 0));
      REQUIRE(b.is_sparse() == (sb == 0));
      // The reference: one dense sketch fed both key sets.
      ultraloglog<P> both = build<P>(1, 300, true);
      for (std::uint64_t h : hashes(2, 300)) both.add_hash(h);
      for (std::uint64_t h : shared_index_hashes(1002, 2)) both.add_hash(h);
      ultraloglog<P> m = a;
      m.merge(b);
      CHECK(regs(m) == regs(both));
      CHECK(regs(a | b) == regs(both));
      // reduce<Q> and merge of a finer sketch, from either state.
      const ultraloglog<8> ra = a.reduce<8>();
      CHECK(regs(ra) == regs(build<P>(1, 300, true).reduce<8>()));
      ultraloglog<8> coarse = b.reduce<8>();
      coarse.merge(a);
      CHECK(regs(coarse) == regs(both.reduce<8>()));
      // to_hyperloglog equals the hyperloglog of the same keys.
      hyperloglog<P> h;
      h.densify();
      for (std::uint64_t x : hashes(1, 300)) h.add_hash(x);
      for (std::uint64_t x : shared_index_hashes(1001, 2)) h.add_hash(x);
      CHECK(regs(a.to_hyperloglog()) == regs(h));
      CHECK(a.to_hyperloglog().is_sparse() == a.is_sparse());
    }
}

TEST_CASE("ultraloglog sparse: a sparse sketch serialises its registers (hash4j's bytes) and reads back dense",
          "[ultraloglog][sparse][format]") {
  const ultraloglog<10> s = build<10>(5, 100, false);
  REQUIRE(s.is_sparse());
  ultraloglog<10> d = s;
  d.densify();
  const std::vector<std::uint8_t> b = s.serialize();
  CHECK(b == d.serialize());
  const ultraloglog<10> back = ultraloglog<10>::deserialize(b.data(), b.size());
  CHECK_FALSE(back.is_sparse());
  CHECK(back == s);
}

TEST_CASE("ultraloglog sparse: the martingale keeps its sketch dense and sees keys in arrival order",
          "[ultraloglog][sparse][martingale]") {
  martingale<ultraloglog<12>> m;
  CHECK_FALSE(m.sketch().is_sparse());
  // HIP from empty, key by key: at n ≪ m nearly every key changes a register
  // with probability ≈ 1, so the estimate is ≈ the number of distinct keys.
  for (std::uint64_t h : hashes(11, 50)) m.add_hash(h);
  CHECK(std::fabs(m.estimate() - 50.0) < 1.0);
  martingale<hyperloglog<12>> mh;
  CHECK_FALSE(mh.sketch().is_sparse());
  const std::vector<std::uint8_t> bytes = m.serialize();
  const auto back = martingale<ultraloglog<12>>::deserialize(bytes.data(), bytes.size());
  CHECK_FALSE(back.sketch().is_sparse());
  CHECK(back == m);
}

TEST_CASE("ultraloglog sparse: hash4j's token vectors (registers, FGRA, martingale, token estimate)",
          "[ultraloglog][sparse][hash4j]") {
  // tests/data/hash4j/ull_tokens.tsv (make_ull_tokens.py): hash4j's ULL fed
  // the tokens of the first n hashes of seed 7 has the registers of the file;
  // the token estimate is hash4j's estimateDistinctCountFromTokens (another
  // estimator: see the bound below).
  const std::string dir = std::string(HASHSKETCH_TEST_DATA_DIR) + "/hash4j/";
  std::ifstream in(dir + "ull_tokens.tsv");
  REQUIRE(in);
  const auto value = [](const std::string& hex) {
    const std::uint64_t bits = std::stoull(hex, nullptr, 16);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  };
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    unsigned p;
    std::uint64_t seed, n;
    std::string file, fgra, scp, mg, token_estimate;
    ss >> p >> seed >> n >> file >> fgra >> scp >> mg >> token_estimate;
    REQUIRE(p == 14);
    INFO("n = " << n);
    ultraloglog<14> s;
    martingale<ultraloglog<14>> m;
    for (std::uint64_t h : hashes(seed, n)) {
      s.add_hash(h);
      m.add_hash(h);
    }
    const std::vector<std::uint8_t> expected = hashsketch_test::read_binary_file(dir + file);
    CHECK(regs(s) == expected);
    CHECK(regs(m.sketch()) == expected);
    CHECK(s.state_change_probability() == value(scp));
    CHECK(std::fabs(m.estimate() / value(mg) - 1) <= 1e-10);
    ultraloglog<14> d = s;
    d.densify();
    CHECK(std::fabs(d.estimate() / value(fgra) - 1) <= 1e-10);
    // Two near-exact estimators of the same stream (hash4j: ML over the
    // tokens' ranks; ours: linear counting over the index26 values, as
    // hyperloglog's sparse state and tests/tokens_test.cpp): within the
    // sparse state's bound max(1, 1e-3·n).
    if (s.is_sparse())
      CHECK(std::fabs(s.estimate() - value(token_estimate)) <= std::max(1.0, 1e-3 * static_cast<double>(n)));
    ++cases;
  }
  CHECK(cases == 2);
}

// Issue 15's API: add_hash and add_many are noexcept (hash4j's add cannot
// fail). The sparse state may allocate inside them, so an allocation failure
// there ends the program (tests/ull_oom_probe.cpp checks that it does);
// densify() is the way to take the allocation up front, where std::bad_alloc
// is reported and loses nothing, and after it no add allocates.
static_assert(noexcept(std::declval<ultraloglog<12>&>().add_hash(std::uint64_t{1})), "add_hash is noexcept");
static_assert(noexcept(std::declval<ultraloglog<12>&>().add_many(nullptr, 0)), "add_many is noexcept");
static_assert(noexcept(std::declval<ultraloglog<12>&>().add(std::uint64_t{1})), "add(integer) is noexcept");
static_assert(noexcept(std::declval<ultraloglog<12>&>().add(std::string_view{})), "add(string_view) is noexcept");

TEST_CASE("ultraloglog: densify() reports std::bad_alloc and keeps the keys; after it no add allocates", "[ultraloglog][sparse]") {
  using ull = ultraloglog<12, hashsketch::xxh3_hasher, hashsketch_test::failing_allocator<std::uint8_t>>;
  const std::vector<std::uint64_t> first = hashes(31, 200), more = hashes(32, 100000);
  ull s;
  for (std::uint64_t h : first) s.add_hash(h);
  REQUIRE(s.is_sparse());
  const std::vector<std::uint8_t> before = regs(s);
  const double estimate_before = s.estimate();

  hashsketch_test::allocation_gate::budget = 0;
  CHECK_THROWS_AS(s.densify(), std::bad_alloc);
  hashsketch_test::allocation_gate::budget = -1;
  CHECK(s.is_sparse());
  CHECK(regs(s) == before);
  CHECK(s.estimate() == estimate_before);

  s.densify();
  REQUIRE_FALSE(s.is_sparse());
  ultraloglog<12> reference;  // std::allocator, sparse until it promotes
  for (std::uint64_t h : first) reference.add_hash(h);
  const std::size_t allocations = hashsketch_test::allocation_gate::allocations;
  hashsketch_test::allocation_gate::budget = 0;  // any allocation from here on would throw (and terminate)
  for (std::size_t i = 0; i < more.size() / 2; ++i) s.add_hash(more[i]);
  s.add_many(more.data() + more.size() / 2, more.size() - more.size() / 2);
  hashsketch_test::allocation_gate::budget = -1;
  CHECK(hashsketch_test::allocation_gate::allocations == allocations);
  for (std::size_t i = 0; i < more.size() / 2; ++i) reference.add_hash(more[i]);
  reference.add_many(more.data() + more.size() / 2, more.size() - more.size() / 2);
  CHECK(regs(s) == regs(reference));
}
