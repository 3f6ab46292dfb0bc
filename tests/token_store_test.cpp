// detail/token_store.hpp against a std::map reference model (index26 -> max
// token) over seeded random token streams: every operation of the API, at
// sizes around the buffer and flush boundaries, plus the memory bound of
// issue 14 (heap_bytes() <= 4 size() + 64, capacity counted). The
// every-rank mode (token_store<A, true>) against a std::set of tokens.

#include <hashsketch/detail/token_store.hpp>
#include <hashsketch/detail/tokens.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/failing_allocator.hpp"
#include "support/splitmix64.hpp"

namespace hd = hashsketch::detail;
using store = hd::token_store<>;
using model = std::map<std::uint32_t, std::uint32_t>;  // index26 -> max-rank token

namespace {

void model_insert(model& m, std::uint32_t t) {
  auto [it, fresh] = m.emplace(hd::token_index(t), t);
  if (!fresh && t > it->second) it->second = t;
}

std::vector<std::uint32_t> model_tokens(const model& m) {
  std::vector<std::uint32_t> out;
  for (const auto& kv : m) out.push_back(kv.second);
  return out;
}

std::vector<std::uint32_t> store_tokens(const store& s) {
  std::vector<std::uint32_t> out;
  s.for_each([&](std::uint32_t t) { out.push_back(t); });
  return out;
}

// A token stream over `universe` distinct index26 values (so repeats happen
// with a chosen frequency), ranks geometric like real hashes, capped at 39.
struct token_stream {
  hashsketch_test::splitmix64 rng;
  std::uint32_t universe;
  std::uint32_t base;
  std::uint32_t next() {
    const std::uint64_t h = rng();
    const std::uint32_t index = (base + static_cast<std::uint32_t>(h % universe) * 2654435761u) & ((1u << 26) - 1);
    const std::uint64_t low = rng() & ((1ull << 38) - 1);
    unsigned nlz = 38;
    for (unsigned b = 0; b < 38; ++b)
      if (low >> (37 - b) & 1) {
        nlz = b;
        break;
      }
    return hd::make_token(index, nlz + 1);
  }
};

void check_equal(const store& s, const model& m) {
  REQUIRE(s.count_distinct() == m.size());
  REQUIRE(store_tokens(s) == model_tokens(m));
  if (s.flushed()) REQUIRE(s.size() == m.size());
  REQUIRE(s.size() >= m.size());
  REQUIRE(s.heap_bytes() <= 4 * s.count_distinct() + 64);
}

}  // namespace

TEST_CASE("token_store: a new store is empty and allocates nothing", "[token_store]") {
  store s;
  CHECK(s.size() == 0);
  CHECK(s.count_distinct() == 0);
  CHECK(s.flushed());
  CHECK(s.never_flushed());
  CHECK(s.heap_bytes() == 0);
  CHECK(store_tokens(s).empty());
  std::size_t calls = 0;
  s.for_each_in_insertion_order([&](std::uint32_t) { ++calls; });
  CHECK(calls == 0);
  CHECK(s == store{});
}

TEST_CASE("token_store: insert matches the reference model at every step", "[token_store]") {
  for (std::uint32_t universe : {5u, 40u, 1000u, 1u << 20}) {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      token_stream gen{{seed * 1000 + universe}, universe, static_cast<std::uint32_t>(seed * 77)};
      store s;
      model m;
      for (int i = 0; i < 3000; ++i) {
        const std::uint32_t t = gen.next();
        s.insert(t);
        model_insert(m, t);
        if (i < 64 || i % 97 == 0) check_equal(s, m);
      }
      check_equal(s, m);
      s.flush();
      CHECK(s.flushed());
      CHECK(s.size() == m.size());
      check_equal(s, m);
    }
  }
}

TEST_CASE("token_store: the memory bound holds at every size, capacity counted", "[token_store]") {
  hashsketch_test::splitmix64 rng{99};
  store s;
  model m;
  for (std::size_t n = 1; n <= 20000; ++n) {
    const std::uint32_t t = static_cast<std::uint32_t>(rng());
    s.insert(t);
    model_insert(m, t);
    // Bound against the exact distinct count (the real size, not an upper bound).
    if (n < 300 || n % 37 == 0) REQUIRE(s.heap_bytes() <= 4 * m.size() + 64);
  }
  s.flush();
  CHECK(s.heap_bytes() <= 4 * s.size() + 64);
}

TEST_CASE("token_store: insertion order is kept while never flushed", "[token_store]") {
  hashsketch_test::splitmix64 rng{5};
  store s;
  std::vector<std::uint32_t> order;  // first-seen indexes
  model m;
  while (s.never_flushed()) {
    std::uint32_t t = static_cast<std::uint32_t>(rng()) & 0xFC0u;  // 64 indexes: repeats
    t |= 0x40u * static_cast<std::uint32_t>(rng() % 3);
    if (m.find(hd::token_index(t)) == m.end()) order.push_back(hd::token_index(t));
    model_insert(m, t);
    s.insert(t);
    if (!s.never_flushed()) break;
    std::vector<std::uint32_t> seen;
    s.for_each_in_insertion_order([&](std::uint32_t x) {
      seen.push_back(hd::token_index(x));
      CHECK(x == m.at(hd::token_index(x)));  // with the max rank so far
    });
    REQUIRE(seen == order);
  }
  CHECK(order.size() > 1);  // the buffer held several before the first flush
  CHECK_THROWS_AS(s.for_each_in_insertion_order([](std::uint32_t) {}), std::logic_error);
  s.clear();
  CHECK(s.never_flushed());
  CHECK(s.heap_bytes() == 0);
}

TEST_CASE("token_store: merge is the max-rank union, in every state pair", "[token_store]") {
  for (std::size_t na : {0u, 3u, 17u, 200u, 5000u}) {
    for (std::size_t nb : {0u, 1u, 16u, 333u, 4000u}) {
      token_stream ga{{na * 31 + nb}, 3000, 1}, gb{{nb * 7 + na + 1}, 3000, 1};
      store a, b;
      model ma, mb;
      for (std::size_t i = 0; i < na; ++i) {
        const auto t = ga.next();
        a.insert(t);
        model_insert(ma, t);
      }
      for (std::size_t i = 0; i < nb; ++i) {
        const auto t = gb.next();
        b.insert(t);
        model_insert(mb, t);
      }
      model mu = ma;
      for (const auto& kv : mb) model_insert(mu, kv.second);
      store u = a;
      u.merge(b);
      check_equal(u, mu);
      store v = b;
      v.merge(a);
      check_equal(v, mu);
      CHECK(u == v);
      u.merge(u);  // self-merge is a no-op
      check_equal(u, mu);
      // The sources are untouched.
      check_equal(a, ma);
      check_equal(b, mb);
    }
  }
}

TEST_CASE("token_store: assign_sorted replaces the contents, rejects bad input", "[token_store]") {
  hashsketch_test::splitmix64 rng{3};
  model m;
  for (int i = 0; i < 500; ++i) model_insert(m, static_cast<std::uint32_t>(rng()));
  const auto tokens = model_tokens(m);
  store s;
  s.insert(12345);
  s.assign_sorted(tokens.data(), tokens.size());
  check_equal(s, m);
  CHECK(s.flushed());
  CHECK_FALSE(s.never_flushed());
  s.insert(tokens[10] + 1);  // same index, may raise the rank
  model_insert(m, tokens[10] + 1);
  check_equal(s, m);

  std::vector<std::uint32_t> bad = tokens;
  std::swap(bad[3], bad[4]);
  store before = s;
  CHECK_THROWS_AS(s.assign_sorted(bad.data(), bad.size()), std::invalid_argument);
  CHECK(s == before);
  std::vector<std::uint32_t> dup = {hd::make_token(7, 1), hd::make_token(7, 3)};
  CHECK_THROWS_AS(s.assign_sorted(dup.data(), dup.size()), std::invalid_argument);
  s.assign_sorted(nullptr, 0);
  CHECK(s.count_distinct() == 0);
  CHECK(s.never_flushed());
}

TEST_CASE("token_store: copy, move, swap, clear, ==", "[token_store]") {
  token_stream gen{{11}, 1u << 26, 0};
  store s;
  model m;
  for (int i = 0; i < 1234; ++i) {
    const auto t = gen.next();
    s.insert(t);
    model_insert(m, t);
  }
  store c = s;
  check_equal(c, m);
  CHECK(c == s);
  store moved = std::move(c);
  check_equal(moved, m);
  CHECK(c.count_distinct() == 0);  // NOLINT: moved-from is empty, no memory
  CHECK(c.heap_bytes() == 0);
  CHECK(c.never_flushed());
  store assigned;
  assigned = std::move(moved);
  check_equal(assigned, m);
  CHECK(moved.heap_bytes() == 0);  // NOLINT

  // Equality ignores the layout: the same set, flushed or not, is equal.
  store flushed = s;
  flushed.flush();
  CHECK(flushed == s);
  store other = s;
  other.insert(hd::make_token(hd::token_index(m.begin()->second), 64));  // raise one rank
  CHECK(other != s);
  store fewer;
  CHECK(fewer != s);

  store e;
  swap(e, assigned);
  check_equal(e, m);
  CHECK(assigned.count_distinct() == 0);
  e.clear();
  CHECK(e.count_distinct() == 0);
  CHECK(e.heap_bytes() == 0);
  CHECK(e == store{});
  e.insert(77);
  CHECK(e.count_distinct() == 1);
}

namespace {

// Default-layout tokens of random 64-bit hashes (CORE-SHAPE.md: index26 =
// h >> 38, rank26 - 1 = leading zeros of the low 38 bits, capped at 38).
std::uint32_t default_token(std::uint64_t h) {
  const std::uint64_t low = h & ((std::uint64_t{1} << 38) - 1);
  unsigned nlz = 38;
  if (low != 0) nlz = static_cast<unsigned>(__builtin_clzll(low)) - 26;
  return hd::make_token(static_cast<std::uint32_t>(h >> 38), nlz + 1);
}

std::vector<std::uint32_t> sorted_distinct(std::vector<std::uint32_t> t) {
  model m;
  for (auto x : t) model_insert(m, x);
  return model_tokens(m);
}

}  // namespace

TEST_CASE("token_store: the code round-trips every shape of input", "[token_store]") {
  hashsketch_test::splitmix64 rng{2024};
  std::vector<std::vector<std::uint32_t>> inputs;
  for (std::size_t n : {1u, 2u, 3u, 10u, 17u, 100u, 1000u, 4096u, 20000u}) {
    std::vector<std::uint32_t> t;
    for (std::size_t i = 0; i < n; ++i) t.push_back(default_token(rng()));
    inputs.push_back(sorted_distinct(t));
    // Every rank, escapes included (r >= 15).
    for (auto& x : t) x = (x & ~63u) | static_cast<std::uint32_t>(rng() % 64);
    inputs.push_back(sorted_distinct(t));
  }
  // A dense cluster and one far token: small k, a unary run of thousands of bits.
  std::vector<std::uint32_t> cluster;
  for (std::uint32_t i = 0; i < 5000; ++i) cluster.push_back(hd::make_token(i, 1 + i % 3));
  cluster.push_back(hd::make_token((1u << 26) - 1, 2));
  inputs.push_back(cluster);
  // Adversarial for the code: spread indexes, every rank 64 (the plain form wins).
  std::vector<std::uint32_t> high;
  for (std::uint32_t i = 0; i < 300; ++i) high.push_back(hd::make_token(i * 200000u, 64));
  inputs.push_back(high);
  // The extremes of the index range.
  inputs.push_back({hd::make_token(0, 1), hd::make_token((1u << 26) - 1, 64)});
  // Real ranks with a few of the largest (64 = 63 zeros + 1 in the unary
  // stream): still coded.
  std::vector<std::uint32_t> tall;
  for (std::size_t i = 0; i < 3000; ++i) tall.push_back(default_token(rng()));
  tall = sorted_distinct(tall);
  for (std::size_t i = 0; i < tall.size(); i += 50) tall[i] |= 63u;
  inputs.push_back(tall);
  {
    store s;
    s.assign_sorted(tall.data(), tall.size());
    CHECK(s.sorted_is_coded());
    s.assign_sorted(cluster.data(), cluster.size());
    CHECK(s.sorted_is_coded());  // the 8192-bit unary run of the far token included
  }
  bool saw_coded = false, saw_raw = false;
  for (const auto& in : inputs) {
    store s;
    s.assign_sorted(in.data(), in.size());
    saw_coded = saw_coded || s.sorted_is_coded();
    saw_raw = saw_raw || !s.sorted_is_coded();
    REQUIRE(store_tokens(s) == in);
    REQUIRE(s.size() == in.size());
    REQUIRE(s.heap_bytes() <= 4 * in.size() + 64);
    REQUIRE(s.sorted_bytes() <= 4 * in.size());
    // And through the buffer: the same set inserted in random order.
    std::vector<std::uint32_t> shuffled = in;
    for (std::size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng() % i]);
    store t;
    for (auto x : shuffled) t.insert(x);
    REQUIRE(t.count_distinct() == in.size());
    REQUIRE(store_tokens(t) == in);
    REQUIRE(t == s);
  }
  CHECK(saw_coded);
  CHECK(saw_raw);
}

TEST_CASE("token_store: default-layout tokens are coded in < 4 bytes each at n >= 100", "[token_store]") {
  hashsketch_test::splitmix64 rng{77};
  for (std::size_t n : {100u, 1000u, 4096u, 16384u}) {
    std::vector<std::uint32_t> t;
    for (std::size_t i = 0; i < n; ++i) t.push_back(default_token(rng()));
    t = sorted_distinct(t);
    store s;
    s.assign_sorted(t.data(), t.size());
    CHECK(s.sorted_is_coded());
    // Entropy of the gaps ~ log2(e 2^26 / n) bits + 2 bits of rank, + 1 bit
    // of Rice overhead at most: 3.0 bytes at n = 100, 2.1 at 16384.
    const double bits_per_token = 8.0 * static_cast<double>(s.sorted_bytes()) / static_cast<double>(t.size());
    CHECK(bits_per_token <= std::log2(2.718281828 * 67108864.0 / static_cast<double>(n)) + 3.0);
    // The room left is the buffer: at least a fifth of n (or base_buffer).
    CHECK(s.buffer_capacity() >= std::min<std::size_t>(t.size() / 5, store::base_buffer));
  }
}

TEST_CASE("token_store: the memory bound right after every insert, flush and merge", "[token_store]") {
  hashsketch_test::splitmix64 rng{4242};
  store s;
  model m;
  for (std::size_t i = 0; i < 6000; ++i) {
    // Three in four tokens new, one in four a repeat of an earlier index.
    std::uint32_t t = default_token(rng());
    if (i % 4 == 3 && !m.empty()) t = m.begin()->second;
    s.insert(t);
    model_insert(m, t);
    REQUIRE(s.heap_bytes() <= 4 * m.size() + 64);
    if (i % 500 == 0) {
      s.flush();
      REQUIRE(s.flushed());
      REQUIRE(s.size() == m.size());
      REQUIRE(s.heap_bytes() <= 4 * m.size() + 64);
      store other;
      model mo;
      for (int j = 0; j < 300; ++j) {
        const auto x = default_token(rng());
        other.insert(x);
        model_insert(mo, x);
      }
      store u = s;
      u.merge(other);
      model mu = m;
      for (const auto& kv : mo) model_insert(mu, kv.second);
      check_equal(u, mu);
      REQUIRE(u.heap_bytes() <= 4 * mu.size() + 64);
    }
  }
  check_equal(s, m);
}

// The owner's heap limit (insert / flush / merge, a sketch's promotion point)
// only enlarges the buffer where it leaves the room: after every flush the
// block is within the limit whenever the buffer is larger than base_buffer,
// never above the 4n + 64 bound, never a smaller buffer than without the
// limit, and the token set is the model's. Both modes, two limits (P = 16's
// m bytes, and 1 MiB: the buffer reaches max_buffer).
template <bool K>
void check_heap_limit_rooms(std::size_t limit) {
  using S = hd::token_store<std::allocator<std::uint8_t>, K>;
  hashsketch_test::splitmix64 rng{limit + K};
  S with, without;
  std::set<std::uint32_t> tokens;
  bool took_more = false;
  std::size_t heap = 0;
  for (std::size_t i = 0; i < 40000; ++i) {
    const auto t = default_token(rng());
    with.insert(t, limit);
    without.insert(t);
    tokens.insert(t);
    if (with.heap_bytes() == heap) continue;
    heap = with.heap_bytes();
    if (with.never_flushed()) continue;  // the first block: all buffer, 64 bytes
    // A flush just built a new block; flush the one token buffered since, so
    // that the sorted part is all of the store (a room to compare exactly).
    with.flush(limit);
    heap = with.heap_bytes();
    INFO("limit " << limit << ", n = " << tokens.size());
    REQUIRE(with.buffer_capacity() <= S::max_buffer);
    if (with.buffer_capacity() > S::base_buffer) {
      took_more = true;
      REQUIRE(with.heap_bytes() <= limit);
    }
    REQUIRE(with.buffered() == 0);
    REQUIRE(with.heap_bytes() <= 4 * with.size() + 64);
    // Without the limit, the same sorted part gets this room:
    S reference;
    std::vector<std::uint32_t> sorted;
    with.for_each([&](std::uint32_t x) { sorted.push_back(x); });
    reference.assign_sorted(sorted.data(), sorted.size());
    REQUIRE(with.buffer_capacity() >= reference.buffer_capacity());
  }
  CHECK(took_more);
  std::vector<std::uint32_t> got;
  with.for_each([&](std::uint32_t x) { got.push_back(x); });
  std::vector<std::uint32_t> want;
  without.for_each([&](std::uint32_t x) { want.push_back(x); });
  CHECK(got == want);
  if (K) CHECK(got == std::vector<std::uint32_t>(tokens.begin(), tokens.end()));
}

TEST_CASE("token_store: a heap limit enlarges the buffer only within the limit and the bound", "[token_store]") {
  for (std::size_t limit : {std::size_t{65536}, std::size_t{1} << 20}) {
    check_heap_limit_rooms<false>(limit);
    check_heap_limit_rooms<true>(limit);
  }
}

TEST_CASE("token_store: count_distinct and for_each write nothing (concurrent readers)", "[token_store]") {
  hashsketch_test::splitmix64 rng{8};
  store s;
  for (int i = 0; i < 3000; ++i) s.insert(default_token(rng()));
  REQUIRE_FALSE(s.flushed());
  const store before = s;  // a byte copy of the block and members
  const std::size_t heap = s.heap_bytes();
  const std::size_t n = s.count_distinct();
  std::size_t seen = 0;
  s.for_each([&](std::uint32_t) { ++seen; });
  CHECK(seen == n);
  CHECK(s.heap_bytes() == heap);
  CHECK_FALSE(s.flushed());  // still buffered: nothing was flushed by the readers
  CHECK(s.size() == before.size());
  CHECK(s == before);
  static_assert(noexcept(s.count_distinct()), "count_distinct is noexcept");
}

TEST_CASE("token_store: shrink_to_fit keeps the set in the code's size, and grows again", "[token_store]") {
  hashsketch_test::splitmix64 rng{31};
  for (std::size_t n : {0u, 5u, 40u, 1000u, 9000u}) {
    store s;
    model m;
    for (std::size_t i = 0; i < n; ++i) {
      const auto t = default_token(rng());
      s.insert(t);
      model_insert(m, t);
    }
    s.shrink_to_fit();
    check_equal(s, m);
    if (!s.never_flushed()) {
      CHECK(s.buffer_capacity() == 0);
      CHECK(s.heap_bytes() <= s.sorted_bytes() + 8);
      if (n >= 1000) CHECK(s.heap_bytes() < 3 * m.size());  // the code, not the bound
    }
    for (int i = 0; i < 300; ++i) {
      const auto t = default_token(rng());
      s.insert(t);
      model_insert(m, t);
      REQUIRE(s.heap_bytes() <= 4 * m.size() + 64);
    }
    check_equal(s, m);
  }
}

TEST_CASE("token_store: random operation sequences against the model", "[token_store]") {
  // Seeded sequences of every mutation; after each step the store equals
  // the model and keeps the memory bound.
  hashsketch_test::splitmix64 rng{0xF00D};
  for (int run = 0; run < 40; ++run) {
    store s;
    model m;
    const std::uint32_t universe = 1u << (4 + run % 20);  // from 16 to 2^23 indexes: repeats to none
    auto token = [&] {
      const std::uint32_t index = static_cast<std::uint32_t>(rng() % universe) * 37u & ((1u << 26) - 1);
      return (default_token(rng()) & 63u) | (index << 6);
    };
    for (int step = 0; step < 400; ++step) {
      const unsigned op = static_cast<unsigned>(rng() % 100);
      if (op < 80) {
        const int count = static_cast<int>(rng() % 40);
        for (int i = 0; i < count; ++i) {
          const auto t = token();
          s.insert(t);
          model_insert(m, t);
        }
      } else if (op < 85) {
        s.flush();
      } else if (op < 90) {
        store other;
        model mo;
        const int count = static_cast<int>(rng() % 200);
        for (int i = 0; i < count; ++i) {
          const auto t = token();
          other.insert(t);
          model_insert(mo, t);
        }
        s.merge(other);
        for (const auto& kv : mo) model_insert(m, kv.second);
      } else if (op < 93) {
        s.shrink_to_fit();
      } else if (op < 96) {
        store c(s);
        s = std::move(c);
      } else if (op < 98) {
        const auto t = model_tokens(m);
        s.assign_sorted(t.data(), t.size());
      } else {
        s.clear();
        m.clear();
      }
      REQUIRE(s.count_distinct() == m.size());
      REQUIRE(s.heap_bytes() <= 4 * m.size() + 64);
      if (step % 20 == 0) REQUIRE(store_tokens(s) == model_tokens(m));
    }
    check_equal(s, m);
  }
}

// ---------------------------------------------------------------------------
// The every-rank mode (KeepEveryRank = true, for UltraLogLog): every
// distinct token is kept; count_distinct() still counts distinct index26
// values. Reference: a std::set of tokens.

namespace {

using every_store = hd::token_store<std::allocator<std::uint8_t>, true>;
using token_set = std::set<std::uint32_t>;

std::size_t set_indexes(const token_set& m) {
  std::size_t n = 0;
  std::uint32_t last = ~0u;
  for (auto t : m) {
    n += hd::token_index(t) != last;
    last = hd::token_index(t);
  }
  return n;
}

std::vector<std::uint32_t> every_tokens(const every_store& s) {
  std::vector<std::uint32_t> out;
  s.for_each([&](std::uint32_t t) { out.push_back(t); });
  return out;
}

void check_every(const every_store& s, const token_set& m) {
  REQUIRE(every_tokens(s) == std::vector<std::uint32_t>(m.begin(), m.end()));
  REQUIRE(s.count_distinct() == set_indexes(m));
  if (s.flushed()) REQUIRE(s.size() == m.size());
  REQUIRE(s.size() >= m.size());
  // The bound per distinct token (the stored ones).
  REQUIRE(s.heap_bytes() <= 4 * m.size() + 64);
}

// Tokens over `universe` index26 values, each with ranks 1..ranks: several
// ranks per index (what an UltraLogLog sparse state must keep), repeats.
std::uint32_t every_token(hashsketch_test::splitmix64& rng, std::uint32_t universe, unsigned ranks) {
  const std::uint32_t index = static_cast<std::uint32_t>(rng() % universe) * 2654435761u & ((1u << 26) - 1);
  return hd::make_token(index, 1 + static_cast<unsigned>(rng() % ranks));
}

}  // namespace

TEST_CASE("token_store<every rank>: the modes differ only in the dedup key", "[token_store]") {
  static_assert(every_store::keep_every_rank && !store::keep_every_rank, "mode flags");
  every_store e;
  store s;
  for (unsigned r : {3u, 1u, 3u, 2u}) {
    e.insert(hd::make_token(9, r));
    s.insert(hd::make_token(9, r));
  }
  e.insert(hd::make_token(4, 1));
  s.insert(hd::make_token(4, 1));
  CHECK(e.size() == 4);  // (9,3) (9,1) (9,2) (4,1)
  CHECK(e.count_distinct() == 2);
  CHECK(s.size() == 2);
  CHECK(s.count_distinct() == 2);
  std::vector<std::uint32_t> order;
  e.for_each_in_insertion_order([&](std::uint32_t t) { order.push_back(t); });
  CHECK(order == std::vector<std::uint32_t>{hd::make_token(9, 3), hd::make_token(9, 1), hd::make_token(9, 2),
                                            hd::make_token(4, 1)});
  CHECK(every_tokens(e) == std::vector<std::uint32_t>{hd::make_token(4, 1), hd::make_token(9, 1), hd::make_token(9, 2),
                                                      hd::make_token(9, 3)});
  CHECK(store_tokens(s) == std::vector<std::uint32_t>{hd::make_token(4, 1), hd::make_token(9, 3)});
}

TEST_CASE("token_store<every rank>: insert matches a std::set at every step", "[token_store]") {
  for (std::uint32_t universe : {3u, 40u, 1000u, 1u << 20}) {
    for (unsigned ranks : {1u, 3u, 64u}) {
      hashsketch_test::splitmix64 rng{universe * 131 + ranks};
      every_store s;
      token_set m;
      for (int i = 0; i < 4000; ++i) {
        const std::uint32_t t = every_token(rng, universe, ranks);
        s.insert(t);
        m.insert(t);
        REQUIRE(s.heap_bytes() <= 4 * m.size() + 64);
        if (i < 64 || i % 97 == 0) check_every(s, m);
      }
      check_every(s, m);
      s.flush();
      CHECK(s.flushed());
      CHECK(s.size() == m.size());
      CHECK(s.count_distinct() == set_indexes(m));
      check_every(s, m);
    }
  }
}

TEST_CASE("token_store<every rank>: insertion order while never flushed", "[token_store]") {
  hashsketch_test::splitmix64 rng{6};
  every_store s;
  std::vector<std::uint32_t> order;
  token_set m;
  while (true) {
    const std::uint32_t t = every_token(rng, 8, 4);  // 32 tokens: repeats
    if (m.insert(t).second) order.push_back(t);
    s.insert(t);
    if (!s.never_flushed()) break;
    std::vector<std::uint32_t> seen;
    s.for_each_in_insertion_order([&](std::uint32_t x) { seen.push_back(x); });
    REQUIRE(seen == order);
    REQUIRE(s.count_distinct() == set_indexes(m));
  }
  CHECK(order.size() > 1);
  check_every(s, m);
  CHECK_THROWS_AS(s.for_each_in_insertion_order([](std::uint32_t) {}), std::logic_error);
}

TEST_CASE("token_store<every rank>: merge is the set union, in every state pair", "[token_store]") {
  for (std::size_t na : {0u, 3u, 17u, 200u, 5000u}) {
    for (std::size_t nb : {0u, 1u, 16u, 333u, 4000u}) {
      hashsketch_test::splitmix64 ga{na * 31 + nb}, gb{nb * 7 + na + 1};
      every_store a, b;
      token_set ma, mb;
      for (std::size_t i = 0; i < na; ++i) {
        const auto t = every_token(ga, 2000, 3);
        a.insert(t);
        ma.insert(t);
      }
      for (std::size_t i = 0; i < nb; ++i) {
        const auto t = every_token(gb, 2000, 3);
        b.insert(t);
        mb.insert(t);
      }
      token_set mu = ma;
      mu.insert(mb.begin(), mb.end());
      every_store u = a;
      u.merge(b);
      check_every(u, mu);
      every_store v = b;
      v.merge(a);
      check_every(v, mu);
      CHECK(u == v);
      u.merge(u);
      check_every(u, mu);
      check_every(a, ma);
      check_every(b, mb);
      if (ma != mu) CHECK(a != u);
    }
  }
}

TEST_CASE("token_store<every rank>: assign_sorted and the code with many ranks per index", "[token_store]") {
  hashsketch_test::splitmix64 rng{12};
  for (std::size_t n : {1u, 2u, 20u, 300u, 5000u, 30000u}) {
    for (unsigned ranks : {1u, 2u, 5u, 64u}) {
      token_set m;
      while (m.size() < n) m.insert(every_token(rng, static_cast<std::uint32_t>(n / 2 + 1) * 7, ranks));
      const std::vector<std::uint32_t> in(m.begin(), m.end());
      every_store s;
      s.insert(1234);
      s.assign_sorted(in.data(), in.size());
      CHECK_FALSE(s.never_flushed());
      check_every(s, m);
      REQUIRE(s.sorted_bytes() <= 4 * in.size());
      // The same set through the buffer, shuffled, each token twice.
      std::vector<std::uint32_t> shuffled = in;
      shuffled.insert(shuffled.end(), in.begin(), in.end());
      for (std::size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng() % i]);
      every_store t;
      for (auto x : shuffled) {
        t.insert(x);
      }
      check_every(t, m);
      CHECK(t == s);
    }
  }
  // Default-layout tokens with a second and third rank for some indexes
  // (an ULL sketch's tokens): still coded, within the code's bound.
  token_set m;
  for (int i = 0; i < 4000; ++i) {
    const std::uint32_t t = default_token(rng());
    m.insert(t);
    if (i % 3 == 0 && (t & 63u) > 0) m.insert(t - 1);
    if (i % 5 == 0 && (t & 63u) > 1) m.insert(t - 2);
  }
  const std::vector<std::uint32_t> in(m.begin(), m.end());
  every_store s;
  s.assign_sorted(in.data(), in.size());
  CHECK(s.sorted_is_coded());
  CHECK(s.sorted_bytes() < 3 * in.size());
  check_every(s, m);

  // Rejected: a repeated token, a descending pair; same index, rising rank is fine.
  const std::vector<std::uint32_t> ok = {hd::make_token(7, 1), hd::make_token(7, 3), hd::make_token(8, 1)};
  every_store r;
  r.assign_sorted(ok.data(), ok.size());
  CHECK(r.size() == 3);
  CHECK(r.count_distinct() == 2);
  const every_store before = r;
  const std::vector<std::uint32_t> dup = {hd::make_token(7, 1), hd::make_token(7, 1)};
  CHECK_THROWS_AS(r.assign_sorted(dup.data(), dup.size()), std::invalid_argument);
  const std::vector<std::uint32_t> down = {hd::make_token(7, 3), hd::make_token(7, 1)};
  CHECK_THROWS_AS(r.assign_sorted(down.data(), down.size()), std::invalid_argument);
  CHECK(r == before);
  CHECK(every_tokens(r) == ok);
}

TEST_CASE("token_store<every rank>: readers write nothing; copy, move, shrink", "[token_store]") {
  hashsketch_test::splitmix64 rng{21};
  every_store s;
  token_set m;
  for (int i = 0; i < 3000; ++i) {
    const auto t = every_token(rng, 1500, 3);
    s.insert(t);
    m.insert(t);
  }
  REQUIRE_FALSE(s.flushed());
  const every_store before = s;
  const std::size_t heap = s.heap_bytes();
  CHECK(s.count_distinct() == set_indexes(m));
  CHECK(s.heap_bytes() == heap);
  CHECK_FALSE(s.flushed());
  CHECK(s == before);
  every_store moved = std::move(s);
  check_every(moved, m);
  CHECK(s.heap_bytes() == 0);  // NOLINT: moved-from is empty
  moved.shrink_to_fit();
  check_every(moved, m);
  CHECK(moved.buffer_capacity() == 0);
  for (int i = 0; i < 500; ++i) {
    const auto t = every_token(rng, 1500, 3);
    moved.insert(t);
    m.insert(t);
    REQUIRE(moved.heap_bytes() <= 4 * m.size() + 64);
  }
  check_every(moved, m);
}

TEST_CASE("token_store<every rank>: random operation sequences against the set", "[token_store]") {
  hashsketch_test::splitmix64 rng{0xBEEF};
  for (int run = 0; run < 30; ++run) {
    every_store s;
    token_set m;
    const std::uint32_t universe = 1u << (3 + run % 18);
    const unsigned ranks = 1 + static_cast<unsigned>(run % 4);
    for (int step = 0; step < 300; ++step) {
      const unsigned op = static_cast<unsigned>(rng() % 100);
      if (op < 80) {
        const int count = static_cast<int>(rng() % 40);
        for (int i = 0; i < count; ++i) {
          const auto t = every_token(rng, universe, ranks);
          s.insert(t);
          m.insert(t);
        }
      } else if (op < 85) {
        s.flush();
      } else if (op < 90) {
        every_store other;
        const int count = static_cast<int>(rng() % 200);
        for (int i = 0; i < count; ++i) {
          const auto t = every_token(rng, universe, ranks);
          other.insert(t);
          m.insert(t);
        }
        s.merge(other);
      } else if (op < 93) {
        s.shrink_to_fit();
      } else if (op < 96) {
        every_store c(s);
        s = std::move(c);
      } else if (op < 98) {
        const std::vector<std::uint32_t> t(m.begin(), m.end());
        s.assign_sorted(t.data(), t.size());
      } else {
        s.clear();
        m.clear();
      }
      REQUIRE(s.count_distinct() == set_indexes(m));
      REQUIRE(s.heap_bytes() <= 4 * m.size() + 64);
      if (step % 20 == 0) REQUIRE(every_tokens(s) == std::vector<std::uint32_t>(m.begin(), m.end()));
    }
    check_every(s, m);
  }
}

// ---------------------------------------------------------------------------
// Exception safety: an allocator that fails on demand. A flush (from
// insert, flush() or merge()) that throws leaves the store as it was.

namespace {

using hashsketch_test::failing_allocator;

template <bool Every>
void check_throwing_flushes() {
  using S = hd::token_store<failing_allocator<std::uint8_t>, Every>;
  hashsketch_test::splitmix64 rng{Every ? 77u : 78u};
  for (std::size_t n : {5u, 16u, 17u, 300u, 6000u, 40000u}) {
    for (long fail_at : {0L, 1L}) {
      S s;
      std::vector<std::uint32_t> order;
      for (std::size_t i = 0; i < n; ++i) s.insert(default_token(rng()) | (Every ? 0u : 0u));
      const auto snapshot = [](const S& x) {
        std::vector<std::uint32_t> v;
        x.for_each([&](std::uint32_t t) { v.push_back(t); });
        return v;
      };
      const std::vector<std::uint32_t> before = snapshot(s);
      const bool nf = s.never_flushed();
      if (nf) s.for_each_in_insertion_order([&](std::uint32_t t) { order.push_back(t); });
      // insert until one of them flushes and fails
      bool threw = false;
      for (int i = 0; i < 100000 && !threw; ++i) {
        const std::uint32_t t = default_token(rng());
        const std::vector<std::uint32_t> was = snapshot(s);
        hashsketch_test::allocation_gate::budget = fail_at;
        try {
          s.insert(t);
        } catch (const std::bad_alloc&) {
          threw = true;
          hashsketch_test::allocation_gate::budget = -1;
          REQUIRE(snapshot(s) == was);  // the token is not in, nothing lost
        }
        hashsketch_test::allocation_gate::budget = -1;
      }
      CHECK(threw);
      // flush() and merge() that fail
      s.insert(default_token(rng()));
      const std::vector<std::uint32_t> was = snapshot(s);
      const std::size_t buffered = s.buffered();
      if (!s.flushed()) {
        hashsketch_test::allocation_gate::budget = fail_at;
        CHECK_THROWS_AS(s.flush(), std::bad_alloc);
        hashsketch_test::allocation_gate::budget = -1;
        REQUIRE(snapshot(s) == was);
        REQUIRE(s.buffered() == buffered);
      }
      S other;
      for (int i = 0; i < 200; ++i) other.insert(default_token(rng()));
      other.flush();
      hashsketch_test::allocation_gate::budget = fail_at;
      CHECK_THROWS_AS(s.merge(other), std::bad_alloc);
      hashsketch_test::allocation_gate::budget = -1;
      REQUIRE(snapshot(s) == was);
      s.merge(other);  // and it works once memory is back
      REQUIRE(s.size() >= was.size());
      (void)before;
      (void)nf;
    }
  }
}

}  // namespace

TEST_CASE("token_store: a flush or merge that throws loses nothing, in both modes", "[token_store]") {
  check_throwing_flushes<false>();
  check_throwing_flushes<true>();
  hashsketch_test::allocation_gate::budget = -1;
}

TEST_CASE("token_store: merge without a change keeps the block; never-flushed stores merge in order",
          "[token_store]") {
  hashsketch_test::splitmix64 rng{90};
  store big;
  model m;
  for (int i = 0; i < 5000; ++i) {
    const auto t = default_token(rng());
    big.insert(t);
    model_insert(m, t);
  }
  big.flush();
  // A subset with lower or equal ranks: nothing is raised.
  store sub;
  std::size_t i = 0;
  for (const auto& kv : m)
    if (i++ % 3 == 0) sub.insert(kv.second & ~63u);
  sub.flush();
  const std::size_t heap = big.heap_bytes();
  big.merge(sub);
  check_equal(big, m);
  CHECK(big.heap_bytes() == heap);
  // A never-flushed store into a never-flushed one: insertion order kept.
  store a, b;
  a.insert(hd::make_token(5, 1));
  a.insert(hd::make_token(3, 2));
  b.insert(hd::make_token(9, 1));
  b.insert(hd::make_token(5, 4));
  a.merge(b);
  REQUIRE(a.never_flushed());
  std::vector<std::uint32_t> order;
  a.for_each_in_insertion_order([&](std::uint32_t t) { order.push_back(t); });
  CHECK(order == std::vector<std::uint32_t>{hd::make_token(5, 4), hd::make_token(3, 2), hd::make_token(9, 1)});
  // A flushed store into a never-flushed one: the union, sorted.
  store c;
  c.insert(hd::make_token(7, 1));
  c.merge(big);
  model mc = m;
  model_insert(mc, hd::make_token(7, 1));
  check_equal(c, mc);
  CHECK_FALSE(c.never_flushed());
}

namespace {

// Fills the buffer of a flushed store (max_buffer words of room, which a
// generous heap limit gives it) with `shape` tokens, without a flush, and
// checks the const readers (which sort the buffer into a stack copy with
// 16-bit bucket bounds) against the model.
template <bool K>
void check_readers_on_a_full_buffer(int shape) {
  using S = hd::token_store<std::allocator<std::uint8_t>, K>;
  hashsketch_test::splitmix64 rng{static_cast<std::uint64_t>(700 + shape)};
  S s;
  std::set<std::uint32_t> tokens;  // every token inserted
  const std::size_t limit = std::size_t{1} << 20;
  for (int i = 0; i < 20000; ++i) {
    const auto t = default_token(rng());
    s.insert(t, limit);
    tokens.insert(t);
  }
  s.flush(limit);
  REQUIRE(s.buffer_capacity() == S::max_buffer);
  const std::size_t room = s.buffer_capacity();
  for (std::size_t i = 0; i < room; ++i) {
    std::uint32_t t = 0;
    switch (shape) {
      case 0: t = default_token(rng()); break;  // random: ~8 tokens a bucket
      case 1:  // one index26, many ranks: one bucket, all repeats of one key
        t = hd::make_token(123456, 1 + static_cast<unsigned>(rng() % 39));
        break;
      case 2:  // descending, in one top-bits bucket (> 32 tokens: std::sort)
        t = hd::make_token((1u << 26) - 1 - static_cast<std::uint32_t>(i), 1 + static_cast<unsigned>(i % 7));
        break;
      case 3:  // repeats of tokens already stored, ranks raised or not
      {
        auto it = tokens.begin();
        std::advance(it, static_cast<long>(rng() % 2000));
        t = *it + static_cast<std::uint32_t>(rng() % 2);
        if ((t & 63u) == 0 || (t & 63u) > 39) t = *it;
        break;
      }
      default:  // the lowest bucket and the highest: the edges of the shift
        t = hd::make_token(i % 2 ? static_cast<std::uint32_t>(i) : (1u << 26) - 1 - static_cast<std::uint32_t>(i), 2);
    }
    s.insert(t);
    tokens.insert(t);
  }
  REQUIRE(s.buffered() == room);  // still buffered: the readers sort it
  // The reference: the max rank per index26 (K = false) or every token.
  std::vector<std::uint32_t> want;
  std::set<std::uint32_t> indexes;
  for (auto t : tokens) indexes.insert(hd::token_index(t));
  if (K) {
    want.assign(tokens.begin(), tokens.end());
  } else {
    model m;
    for (auto t : tokens) model_insert(m, t);
    want = model_tokens(m);
  }
  std::vector<std::uint32_t> got;
  s.for_each([&](std::uint32_t t) { got.push_back(t); });
  CHECK(got == want);
  CHECK(s.count_distinct() == indexes.size());
  // And the flush (its sort with 32-bit bounds) agrees.
  s.flush();
  got.clear();
  s.for_each([&](std::uint32_t t) { got.push_back(t); });
  CHECK(got == want);
}

}  // namespace

TEST_CASE("token_store: const readers on a full buffer, every bucket shape, both modes",
          "[token_store]") {
  for (int shape = 0; shape < 5; ++shape) {
    INFO("shape " << shape);
    check_readers_on_a_full_buffer<false>(shape);
    check_readers_on_a_full_buffer<true>(shape);
  }
}

// The memory bound over a sketch's whole sparse life, P = 4..16: tokens are
// inserted until heap_bytes() exceeds m = 2^P bytes (basic_sketch's
// promotion rule); after every insert heap_bytes() <= 4 * count_distinct() +
// 64 (checked exactly at every heap change, i.e. every flush, and every 61st
// insert). The insert at which the limit is crossed is pinned to the value
// of the round-5 store (before r6): without a heap limit the store's
// schedule is unchanged (a larger buffer, or a second level holding tokens
// less densely, would move it). With the sketch's limit: the next test.
TEST_CASE("token_store: memory bound across the growth to promotion, P = 4..16; promotion point pinned",
          "[token_store]") {
  const std::size_t pinned[] = {1, 1, 17, 33, 54, 115, 316, 589, 1124, 2209, 4713, 10039, 30539};
  for (unsigned p = 4; p <= 16; ++p) {
    INFO("P = " << p);
    hashsketch_test::splitmix64 rng{1000 + p};
    store s;
    std::size_t n = 0, last_heap = 0;
    while (s.heap_bytes() <= (std::size_t{1} << p)) {
      s.insert(default_token(rng()));
      ++n;
      if (s.heap_bytes() != last_heap || n % 61 == 0) {
        REQUIRE(s.heap_bytes() <= 4 * s.count_distinct() + 64);
        last_heap = s.heap_bytes();
      }
    }
    CHECK(n == pinned[p - 4]);
  }
}

// The same growth with the sketch's heap limit passed to insert (what
// basic_sketch does since round 8): the buffer may take the room left under
// both the bound and the limit; the 4n + 64 bound holds all along, and at
// P <= 14 (a limit that never leaves more than base_buffer words of room)
// the crossing insert is the one pinned above. At P = 15 the bound is the
// tighter of the two almost everywhere (this seed's point does not move);
// at P = 16 the flush points move and the limit is crossed earlier, on
// purpose (docs/sparse.md, round 8). Pinned so that a further change to the
// schedule shows.
TEST_CASE("token_store: growth to promotion under the sketch's heap limit, P = 4..16; promotion point pinned",
          "[token_store]") {
  const std::size_t pinned[] = {1, 1, 17, 33, 54, 115, 316, 589, 1124, 2209, 4713, 10039, 28461};
  for (unsigned p = 4; p <= 16; ++p) {
    INFO("P = " << p);
    const std::size_t limit = std::size_t{1} << p;
    hashsketch_test::splitmix64 rng{1000 + p};
    store s;
    std::size_t n = 0, last_heap = 0;
    while (s.heap_bytes() <= limit) {
      s.insert(default_token(rng()), limit);
      ++n;
      if (s.heap_bytes() != last_heap || n % 61 == 0) {
        REQUIRE(s.heap_bytes() <= 4 * s.count_distinct() + 64);
        last_heap = s.heap_bytes();
      }
    }
    CHECK(n == pinned[p - 4]);
  }
}
