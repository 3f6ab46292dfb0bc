// The shared key rules (detail/key_overloads.hpp) on the classes outside the
// register core: ultraloglog, martingale, postgres_hyperloglog, hash_sampler,
// hash_partitioner and time_window. What compiles is checked here with
// static_asserts; the (pointer, size) misuse stops at a static_assert inside
// the overload, so it and a few deleted overloads are compile-fail tests
// (tests/key_overloads_test.cmake, label "compile").
#include <hashsketch/datasketches.hpp>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/key_traits.hpp>
#include <hashsketch/martingale.hpp>
#include <hashsketch/postgresql.hpp>
#include <hashsketch/sampler.hpp>
#include <hashsketch/time_window.hpp>
#include <hashsketch/ultraloglog.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "hashsketch_catch.hpp"

namespace hs = hashsketch;

namespace {

// A user key with padding between its fields (4 bytes after site on every
// ABI we build for): key_traits must hash the fields, never the padding.
struct page_view {
  std::uint32_t site;
  std::uint64_t user;
  std::string path;
};
// A type with no key_traits: not a key anywhere.
struct opaque {
  int x;
};

enum class colour : std::int32_t { red = -3, blue = 70000 };

}  // namespace

template <>
struct hashsketch::key_traits<page_view> {
  static auto fields(const page_view& v) { return std::tie(v.site, v.user, v.path); }
};

namespace {

// --- what compiles ------------------------------------------------------------
template <class S, class K, class = void>
struct can_add : std::false_type {};
template <class S, class K>
struct can_add<S, K, std::void_t<decltype(std::declval<S&>().add(std::declval<K>()))>> : std::true_type {};
template <class S, class K, class = void>
struct can_select : std::false_type {};
template <class S, class K>
struct can_select<S, K, std::void_t<decltype(std::declval<const S&>().selects(std::declval<K>()))>>
    : std::true_type {};
template <class S, class K, class = void>
struct can_bucket : std::false_type {};
template <class S, class K>
struct can_bucket<S, K, std::void_t<decltype(std::declval<const S&>().bucket(std::declval<K>()))>>
    : std::true_type {};
template <class W, class K, class = void>
struct can_window_add : std::false_type {};
template <class W, class K>
struct can_window_add<W, K, std::void_t<decltype(std::declval<W&>().add(std::int64_t{0}, std::declval<K>()))>>
    : std::true_type {};

using ull = hs::ultraloglog<10>;
using mg_hll = hs::martingale<hs::hyperloglog<10>>;
using mg_ull = hs::martingale<hs::ultraloglog<10>>;
using pg = hs::postgres_hyperloglog<10>;
using window = hs::time_window<hs::hyperloglog<10>>;

template <class S>
constexpr bool adds_like_a_sketch() {
  return can_add<S, std::int8_t>::value && can_add<S, std::uint16_t>::value && can_add<S, std::int32_t>::value &&
         can_add<S, std::uint32_t>::value && can_add<S, long long>::value && can_add<S, std::uint64_t>::value &&
         can_add<S, char>::value && can_add<S, colour>::value && can_add<S, const char*>::value &&
         can_add<S, std::string>::value && can_add<S, std::string_view>::value &&
         can_add<S, const char (&)[4]>::value && can_add<S, const page_view&>::value &&
         // No silent conversions: add(3.2) is not add(3), add(flag) not add(1).
         !can_add<S, double>::value && !can_add<S, float>::value && !can_add<S, long double>::value &&
         !can_add<S, bool>::value && !can_add<S, std::nullptr_t>::value && !can_add<S, opaque>::value &&
         // A pointer alone is not a key (it would be hashed as a string or an address).
         !can_add<S, const std::uint64_t*>::value && !can_add<S, const void*>::value;
}
static_assert(adds_like_a_sketch<ull>(), "ultraloglog takes the shared key set");
static_assert(adds_like_a_sketch<mg_hll>(), "martingale<hyperloglog> takes the shared key set");
static_assert(adds_like_a_sketch<mg_ull>(), "martingale<ultraloglog> takes the shared key set");
static_assert(adds_like_a_sketch<hs::hyperloglog<10>>(), "the register core, for reference");

// time_window takes what its sketch takes.
static_assert(can_window_add<window, std::uint64_t>::value && can_window_add<window, std::int16_t>::value &&
                  can_window_add<window, std::string_view>::value && can_window_add<window, const char*>::value &&
                  can_window_add<window, colour>::value && can_window_add<window, const page_view&>::value,
              "time_window keys");
static_assert(!can_window_add<window, double>::value && !can_window_add<window, float>::value &&
                  !can_window_add<window, bool>::value && !can_window_add<window, std::nullptr_t>::value &&
                  !can_window_add<window, opaque>::value,
              "time_window::add(t, 3.2) must not silently be add(t, 3)");
// ... including floating point where the sketch's hasher has a rule.
static_assert(can_window_add<hs::time_window<hs::datasketches_hyperloglog<10>>, double>::value,
              "a DataSketches window hashes doubles as update(double)");

// The samplers.
static_assert(can_select<hs::hash_sampler, std::uint64_t>::value && can_select<hs::hash_sampler, int>::value &&
                  can_select<hs::hash_sampler, colour>::value &&
                  can_select<hs::hash_sampler, std::string_view>::value &&
                  can_select<hs::hash_sampler, const std::string&>::value &&
                  can_select<hs::hash_sampler, const page_view&>::value,
              "sampler keys");
static_assert(!can_select<hs::hash_sampler, double>::value && !can_select<hs::hash_sampler, float>::value &&
                  !can_select<hs::hash_sampler, bool>::value &&
                  !can_select<hs::hash_sampler, std::nullptr_t>::value &&
                  !can_select<hs::hash_sampler, opaque>::value,
              "selects(3.2) must not silently be selects(3)");
static_assert(can_bucket<hs::hash_partitioner, std::uint64_t>::value &&
                  can_bucket<hs::hash_partitioner, std::int8_t>::value &&
                  can_bucket<hs::hash_partitioner, std::string>::value &&
                  can_bucket<hs::hash_partitioner, const page_view&>::value,
              "partitioner keys");
static_assert(!can_bucket<hs::hash_partitioner, double>::value && !can_bucket<hs::hash_partitioner, bool>::value &&
                  !can_bucket<hs::hash_partitioner, std::nullptr_t>::value,
              "bucket(3.2) must not silently be bucket(3)");

// postgres_hyperloglog keeps its SQL overloads (bigint, integer, smallint,
// boolean, text, bytea) and closes the silent conversions.
static_assert(can_add<pg, std::int64_t>::value && can_add<pg, std::int32_t>::value &&
                  can_add<pg, std::int16_t>::value && can_add<pg, bool>::value &&
                  can_add<pg, std::string_view>::value && can_add<pg, const char*>::value &&
                  can_add<pg, colour>::value && can_add<pg, const page_view&>::value,
              "postgres keys");
static_assert(!can_add<pg, std::uint64_t>::value && !can_add<pg, std::uint32_t>::value &&
                  !can_add<pg, std::int8_t>::value && !can_add<pg, double>::value && !can_add<pg, float>::value &&
                  !can_add<pg, std::nullptr_t>::value && !can_add<pg, opaque>::value,
              "postgres: no unsigned, no floating point, no nullptr (strlen(nullptr))");

std::vector<page_view> some_views() {
  std::vector<page_view> out;
  for (std::uint32_t i = 0; i < 400; ++i)
    out.push_back({i % 7, 1000003ULL * i, "/p/" + std::to_string(i % 13)});
  return out;
}

// Adds each view as key_bytes(v) given as bytes.
template <class S>
void add_as_bytes(S& s, const page_view& v) {
  const std::vector<unsigned char> b = hs::key_bytes(v);
  s.add(b.data(), b.size());
}

}  // namespace

TEST_CASE("key_traits: ultraloglog and martingale add(user struct) = add(key_bytes)", "[key_overloads]") {
  ull a, b;
  mg_hll ma, mb;
  mg_ull ua, ub;
  for (const page_view& v : some_views()) {
    a.add(v);
    add_as_bytes(b, v);
    ma.add(v);
    add_as_bytes(mb, v);
    ua.add(v);
    add_as_bytes(ub, v);
  }
  CHECK(a.estimate() > 100);  // the keys did reach the registers
  CHECK(a == b);
  CHECK(ma.estimate() > 100);
  CHECK(ma.estimate() == mb.estimate());
  CHECK(ma.serialize() == mb.serialize());
  CHECK(ua.serialize() == ub.serialize());
  // The padding is not hashed: equal fields, different padding bytes.
  page_view x{1, 2, "a"}, y{1, 2, "a"};
  unsigned char* px = reinterpret_cast<unsigned char*>(&x);
  unsigned char* py = reinterpret_cast<unsigned char*>(&y);
  px[4] = 0x11;  // offset 4..7: padding between site and user
  py[4] = 0xee;
  ull sx, sy;
  sx.add(x);
  sy.add(y);
  CHECK(sx == sy);
}

TEST_CASE("key_traits: postgres add(user struct) = hll_hash_bytea(key_bytes)", "[key_overloads]") {
  pg a, b;
  for (const page_view& v : some_views()) {
    a.add(v);
    add_as_bytes(b, v);
  }
  CHECK(a.estimate() > 100);
  CHECK(hs::to_postgres(a) == hs::to_postgres(b));
}

TEST_CASE("key_traits: sampler, partitioner and window decide on key_bytes", "[key_overloads]") {
  const hs::hash_sampler s(0.5, 7);
  const hs::hash_partitioner p({1, 2, 3}, 7);
  window wa(60, 10), wb(60, 10);
  std::size_t kept = 0;
  for (const page_view& v : some_views()) {
    const std::vector<unsigned char> bytes = hs::key_bytes(v);
    CHECK(s.selects(v) == s.selects(bytes.data(), bytes.size()));
    CHECK(p.bucket(v) == p.bucket(bytes.data(), bytes.size()));
    kept += s.selects(v);
    CHECK(wa.add(5, v));
    CHECK(wb.add(5, bytes.data(), bytes.size()));
  }
  CHECK(kept > 100);
  CHECK(kept < 300);  // both answers occur (400 keys at rate 1/2)
  CHECK(wa.serialize() == wb.serialize());
}

TEST_CASE("integer keys: every width hashes as its value widened to 64 bits", "[key_overloads]") {
  // These are the meanings the old add(std::uint64_t) gave through implicit
  // conversion; the typed overloads must keep them (serialised sketches and
  // sampling decisions stay the same).
  const std::uint64_t all_ones = std::numeric_limits<std::uint64_t>::max();
  ull a, b;
  a.add(std::int8_t{-1});
  b.add(all_ones);
  CHECK(a == b);
  ull c, d;
  c.add(std::uint32_t{0xFFFFFFFFu});
  d.add(std::uint64_t{0xFFFFFFFFu});
  CHECK(c == d);
  CHECK_FALSE(c == a);
  ull e, f;
  e.add(colour::blue);
  f.add(std::uint64_t{70000});
  CHECK(e == f);

  mg_hll m1, m2;
  m1.add(std::int16_t{-2});
  m2.add(all_ones - 1);
  CHECK(m1.serialize() == m2.serialize());

  const hs::hash_sampler s(0.5, 3);
  const hs::hash_partitioner p({1, 1, 1, 1}, 3);
  for (int k = -200; k < 200; ++k) {
    const auto u = static_cast<std::uint64_t>(static_cast<std::int64_t>(k));
    CHECK(s.selects(k) == s.selects(u));
    CHECK(s.selects(k) == s.selects_hash(s.hasher()(u)));
    CHECK(p.bucket(static_cast<short>(k)) == p.bucket(u));
  }
  window w1(60, 4), w2(60, 4);
  w1.add(0, std::int32_t{-9});
  w2.add(0, static_cast<std::uint64_t>(-9));
  CHECK(w1.serialize() == w2.serialize());

  // postgres: an enum is its underlying SQL integer type.
  pg q1, q2;
  q1.add(colour::red);
  q2.add(std::int32_t{-3});
  CHECK(hs::to_postgres(q1) == hs::to_postgres(q2));
  pg q3;
  q3.add(std::int64_t{-3});  // hll_hash_bigint(-3) differs from hll_hash_integer(-3)
  CHECK_FALSE(hs::to_postgres(q1) == hs::to_postgres(q3));
}

TEST_CASE("byte overloads: every character and byte pointer hashes the same bytes", "[key_overloads]") {
  const std::string text = "user-42";
  const auto* u = reinterpret_cast<const unsigned char*>(text.data());
  const auto* sc = reinterpret_cast<const signed char*>(text.data());
  const auto* by = reinterpret_cast<const std::byte*>(text.data());
  ull r, s1, s2, s3, s4;
  r.add(std::string_view(text));
  s1.add(text.data(), text.size());
  s2.add(u, text.size());
  s3.add(sc, text.size());
  s4.add(by, text.size());
  CHECK(r.estimate() > 0);
  CHECK(r == s1);
  CHECK(r == s2);
  CHECK(r == s3);
  CHECK(r == s4);

  pg p1, p2;
  p1.add(std::string_view(text));  // hll_hash_text = hll_hash_bytea of the same bytes
  p2.add(by, text.size());
  CHECK(hs::to_postgres(p1) == hs::to_postgres(p2));

  const hs::hash_sampler smp(0.5);
  const hs::hash_partitioner part({1, 1});
  for (int i = 0; i < 200; ++i) {
    const std::string k = "k" + std::to_string(i);
    CHECK(smp.selects(k) == smp.selects(reinterpret_cast<const unsigned char*>(k.data()), k.size()));
    CHECK(part.bucket(k) == part.bucket(reinterpret_cast<const std::byte*>(k.data()), k.size()));
  }
}
