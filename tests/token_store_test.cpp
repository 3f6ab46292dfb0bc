// detail/token_store.hpp against a std::map reference model (index26 -> max
// token) over seeded random token streams: every operation of the API, at
// sizes around the buffer and flush boundaries, plus the memory bound of
// issue 14 (heap_bytes() <= 4 size() + 64, capacity counted).

#include <hashsketch/detail/token_store.hpp>
#include <hashsketch/detail/tokens.hpp>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "hashsketch_catch.hpp"
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
