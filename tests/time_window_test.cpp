// time_window: bucket boundaries, wrap-around, out-of-order and too-old
// events, queries equal to sketches built directly from the same events, and
// restart through serialisation (including damaged bytes).
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/loglog.hpp>
#include <hashsketch/time_window.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/failing_allocator.hpp"

namespace {

using sketch = hashsketch::hyperloglog<8>;
using window = hashsketch::time_window<sketch>;

struct event {
  std::int64_t t;
  std::uint64_t key;
};

sketch sketch_of(const std::vector<std::uint64_t>& keys) {
  sketch s;
  for (auto k : keys) s.add(k);
  return s;
}

// Rewrites the trailing XXH64 so a deliberately edited body passes the
// checksum and reaches the field validation behind it.
void reseal(std::vector<std::uint8_t>& bytes) {
  const std::size_t covered = bytes.size() - 8;
  hashsketch::detail::store_le64(bytes.data() + covered, XXH64(bytes.data(), covered, 0));
}

}  // namespace

TEST_CASE("time_window rejects bad shapes", "[time_window]") {
  CHECK_THROWS_AS(window(0, 10), std::invalid_argument);
  CHECK_THROWS_AS(window(-5, 10), std::invalid_argument);
  CHECK_THROWS_AS(window(60, 0), std::invalid_argument);
  CHECK_THROWS_AS(window(60, hashsketch::time_window_format::max_bucket_count + 1), std::invalid_argument);
  window w(60, 10);
  CHECK_THROWS_AS(w.sketch(10, 5), std::invalid_argument);
  CHECK_THROWS_AS(w.sketch_last(0), std::invalid_argument);
  CHECK_THROWS_AS(w.estimate_last(-1), std::invalid_argument);
}

TEST_CASE("time_window: an empty window answers zero", "[time_window]") {
  window w(60, 10);
  CHECK_FALSE(w.started());
  CHECK(w.estimate(0, 1000) == 0.0);
  CHECK(w.estimate_last(600) == 0.0);
  CHECK(w.sketch_last(600).empty());
  CHECK(w.bucket_sketch(0) == nullptr);
  CHECK(w.used_buckets() == 0);
}

TEST_CASE("time_window bucket boundaries are [b*width, (b+1)*width)", "[time_window]") {
  window w(60, 10);
  CHECK(w.add(0, std::uint64_t{1}));
  CHECK(w.add(59, std::uint64_t{2}));
  CHECK(w.add(60, std::uint64_t{3}));
  CHECK(w.add(119, std::uint64_t{4}));
  CHECK(w.add(120, std::uint64_t{5}));
  REQUIRE(w.bucket_sketch(30) != nullptr);
  CHECK(*w.bucket_sketch(0) == sketch_of({1, 2}));
  CHECK(*w.bucket_sketch(59) == sketch_of({1, 2}));
  CHECK(*w.bucket_sketch(60) == sketch_of({3, 4}));
  CHECK(*w.bucket_sketch(120) == sketch_of({5}));
  CHECK(w.used_buckets() == 3);
  // Queries round outward to whole buckets: [59, 61) touches buckets 0 and 1.
  CHECK(w.sketch(59, 61) == sketch_of({1, 2, 3, 4}));
  CHECK(w.sketch(0, 60) == sketch_of({1, 2}));
  CHECK(w.sketch(60, 61) == sketch_of({3, 4}));
  CHECK(w.sketch(0, 0).empty());
  // The last k buckets: ⌈duration / width⌉ of them, the current one included.
  CHECK(w.sketch_last(1) == sketch_of({5}));
  CHECK(w.sketch_last(60) == sketch_of({5}));
  CHECK(w.sketch_last(61) == sketch_of({3, 4, 5}));
  CHECK(w.sketch_last(10 * 60) == sketch_of({1, 2, 3, 4, 5}));
  CHECK(w.sketch_last(std::numeric_limits<std::int64_t>::max()) == sketch_of({1, 2, 3, 4, 5}));
  CHECK(w.estimate_last(600) == sketch_of({1, 2, 3, 4, 5}).estimate());
}

TEST_CASE("time_window: negative times use floor division", "[time_window]") {
  window w(60, 10);
  w.add(-1, std::uint64_t{7});   // bucket -1: [-60, 0)
  w.add(-60, std::uint64_t{8});  // bucket -1
  w.add(-61, std::uint64_t{9});  // bucket -2
  CHECK(*w.bucket_sketch(-30) == sketch_of({7, 8}));
  CHECK(*w.bucket_sketch(-120) == sketch_of({9}));
  CHECK(w.bucket_sketch(0) == nullptr);
  CHECK(w.oldest_time() == -600);  // head bucket -1, 10 buckets: -10 .. -1
}

TEST_CASE("time_window wrap-around retires old buckets and reuses their slots", "[time_window]") {
  window w(10, 4);  // 4 buckets of 10 ticks
  for (std::uint64_t b = 0; b < 4; ++b) w.add(static_cast<std::int64_t>(b * 10), std::uint64_t{100 + b});
  CHECK(w.used_buckets() == 4);
  CHECK(w.oldest_time() == 0);
  w.add(40, std::uint64_t{104});  // bucket 4 takes bucket 0's slot
  CHECK(w.oldest_time() == 10);
  CHECK(w.bucket_sketch(0) == nullptr);
  CHECK(*w.bucket_sketch(40) == sketch_of({104}));
  CHECK(w.sketch(0, 1000) == sketch_of({101, 102, 103, 104}));
  CHECK(w.sketch_last(40) == sketch_of({101, 102, 103, 104}));
  // A query whose buckets wrap past the end of the ring.
  CHECK(w.sketch(20, 50) == sketch_of({102, 103, 104}));

  w.advance(65);  // head bucket 6: buckets 3..6 remain, 5 and 6 empty
  CHECK(w.used_buckets() == 2);
  CHECK(w.sketch(0, 1000) == sketch_of({103, 104}));
  w.advance(20);  // clock going back: no-op
  CHECK(w.now() == 65);
  CHECK(w.used_buckets() == 2);
  w.advance(1000);  // jump past the whole window
  CHECK(w.used_buckets() == 0);
  CHECK(w.sketch(0, 2000).empty());
  CHECK(w.now() == 1000);
}

TEST_CASE("time_window: out-of-order events land in their bucket, too-old ones are dropped", "[time_window]") {
  window w(60, 10);  // span 600 ticks
  CHECK(w.add(500, std::uint64_t{1}));  // head bucket 8, window buckets -1 .. 8
  CHECK(w.add(100, std::uint64_t{2}));  // late, bucket 1
  CHECK(w.add(-60, std::uint64_t{3}));  // late, bucket -1: the oldest still kept
  CHECK(w.late() == 2);
  CHECK(*w.bucket_sketch(100) == sketch_of({2}));
  CHECK(*w.bucket_sketch(-1) == sketch_of({3}));

  const auto before = w.serialize();
  CHECK_FALSE(w.add(-61, std::uint64_t{4}));  // bucket -2: older than the window
  CHECK_FALSE(w.add(std::numeric_limits<std::int64_t>::min(), std::string_view("x")));
  CHECK(w.dropped() == 2);
  CHECK(w.accepted() == 3);
  // Nothing was misfiled: every bucket is unchanged.
  auto after = w.serialize();
  CHECK(w.sketch(-1000, 1000) == sketch_of({1, 2, 3}));
  // Only the dropped counter (offset 56) and hence the checksum differ.
  REQUIRE(after.size() == before.size());
  for (std::size_t i = 0; i < after.size() - 8; ++i)
    if (i < 56 || i >= 64) CHECK(after[i] == before[i]);
}

TEST_CASE("time_window: late events inside the newest bucket", "[time_window]") {
  window w(60, 3);
  CHECK(w.add(150, std::uint64_t{1}));  // bucket 2 (120..179) is the newest
  CHECK(w.add(121, std::uint64_t{2}));  // earlier than now, same bucket
  CHECK(w.add(179, std::uint64_t{3}));  // later, same bucket: now moves, no bucket retires
  CHECK(w.add(120, std::uint64_t{4}));
  CHECK(w.late() == 2);
  CHECK(w.now() == 179);
  CHECK(w.oldest_time() == 0);
  CHECK(*w.bucket_sketch(120) == sketch_of({1, 2, 3, 4}));
  CHECK(w.add(180, std::uint64_t{5}));  // the next bucket: now the head
  CHECK(w.oldest_time() == 60);
  CHECK(w.add(179, std::uint64_t{6}));  // the previous head, late
  CHECK(*w.bucket_sketch(150) == sketch_of({1, 2, 3, 4, 6}));
  CHECK(*w.bucket_sketch(180) == sketch_of({5}));
  CHECK_FALSE(w.add(59, std::uint64_t{7}));
  CHECK(w.dropped() == 1);
}

TEST_CASE("time_window overloads match the sketch's add overloads", "[time_window]") {
  window w(60, 10);
  sketch direct;
  const std::string s = "user-17";
  w.add(5, std::string_view(s));
  direct.add(std::string_view(s));
  w.add(6, "literal");
  direct.add("literal");
  const char raw[] = {1, 2, 3};
  w.add(7, raw, sizeof raw);
  direct.add(raw, sizeof raw);
  w.add_hash(8, 0x9e3779b97f4a7c15ull);
  direct.add_hash(0x9e3779b97f4a7c15ull);
  w.add(9, std::uint64_t{42});
  direct.add(std::uint64_t{42});
  CHECK(w.sketch_last(60) == direct);
}

TEST_CASE("time_window queries equal sketches built directly from the same events", "[time_window]") {
  const std::int64_t width = 60;
  const std::size_t count = 30;
  window w(width, count);
  std::mt19937_64 rng(20261122);
  std::vector<event> kept;
  std::int64_t clock = 0;
  std::uint64_t dropped = 0;
  for (int i = 0; i < 20000; ++i) {
    clock += static_cast<std::int64_t>(rng() % 3);  // ~1 tick per event on average
    // Mostly on time; some late by up to 40 buckets (some beyond the window).
    std::int64_t t = clock;
    if (rng() % 8 == 0) t -= static_cast<std::int64_t>(rng() % (40 * width));
    const std::uint64_t key = rng() % 5000;
    const std::int64_t new_now = w.started() ? std::max(t, w.now()) : t;
    const std::int64_t oldest_bucket =
        hashsketch::detail::floor_div(new_now, width) - static_cast<std::int64_t>(count) + 1;
    const bool expect_kept = hashsketch::detail::floor_div(t, width) >= oldest_bucket;
    CHECK(w.add(t, key) == expect_kept);
    if (expect_kept)
      kept.push_back({t, key});
    else
      ++dropped;
  }
  CHECK(w.dropped() == dropped);
  CHECK(w.accepted() == kept.size());
  REQUIRE(dropped > 0);

  const std::int64_t oldest = w.oldest_time();
  auto direct = [&](std::int64_t lo_bucket, std::int64_t hi_bucket) {
    sketch s;
    for (const auto& e : kept) {
      const std::int64_t b = hashsketch::detail::floor_div(e.t, width);
      if (b >= lo_bucket && b <= hi_bucket && e.t >= oldest) s.add(e.key);
    }
    return s;
  };
  const std::int64_t head = hashsketch::detail::floor_div(w.now(), width);
  for (std::int64_t k : {1, 2, 7, 29, 30, 31, 1000}) {
    INFO("last " << k << " buckets");
    const std::int64_t kk = std::min<std::int64_t>(k, static_cast<std::int64_t>(count));
    CHECK(w.sketch_last(k * width) == direct(head - kk + 1, head));
  }
  for (int q = 0; q < 50; ++q) {
    const std::int64_t a = oldest - 5 * width + static_cast<std::int64_t>(rng() % (40 * width));
    const std::int64_t b = a + static_cast<std::int64_t>(rng() % (20 * width));
    INFO("query [" << a << ", " << b << ")");
    if (a == b) continue;
    CHECK(w.sketch(a, b) == direct(hashsketch::detail::floor_div(a, width), hashsketch::detail::floor_div(b - 1, width)));
  }
}

TEST_CASE("time_window survives extreme timestamps", "[time_window]") {
  constexpr auto lo = std::numeric_limits<std::int64_t>::min();
  constexpr auto hi = std::numeric_limits<std::int64_t>::max();
  window w(10, 5);  // INT64_MAX is not a multiple of 10: [hi - 1, hi) is the head bucket
  CHECK(w.add(lo, std::uint64_t{1}));
  CHECK(w.oldest_time() == lo);
  CHECK(w.sketch(lo, lo + 1) == sketch_of({1}));
  CHECK(w.add(hi, std::uint64_t{2}));
  CHECK_FALSE(w.add(lo, std::uint64_t{3}));
  CHECK(w.sketch(lo, hi) == sketch_of({2}));
  CHECK(w.sketch_last(hi) == sketch_of({2}));
  CHECK(w.oldest_time() <= hi);
  const auto bytes = w.serialize();
  CHECK(window::deserialize(bytes.data(), bytes.size()).serialize() == bytes);
}

TEST_CASE("time_window copies are independent", "[time_window]") {
  window w(60, 10);
  w.add(0, std::uint64_t{1});
  window c(w);
  c.add(0, std::uint64_t{2});
  CHECK(w.sketch_last(60) == sketch_of({1}));
  CHECK(c.sketch_last(60) == sketch_of({1, 2}));
  w = c;
  CHECK(w.sketch_last(60) == sketch_of({1, 2}));
}

TEST_CASE("time_window restart through serialisation loses nothing", "[time_window]") {
  window w(60, 20, hashsketch::xxh3_hasher(99));
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) w.add(static_cast<std::int64_t>(i / 4) - static_cast<std::int64_t>(rng() % 50), rng() % 3000);
  w.add(-100000, std::uint64_t{5});  // dropped, and the count must survive
  const auto bytes = w.serialize();

  CHECK_THROWS_AS(window::deserialize(bytes.data(), bytes.size()), hashsketch::format_error);  // seed 0 expected
  window r = window::deserialize(bytes.data(), bytes.size(), hashsketch::xxh3_hasher(99));
  CHECK(r.serialize() == bytes);
  CHECK(r.now() == w.now());
  CHECK(r.accepted() == w.accepted());
  CHECK(r.late() == w.late());
  CHECK(r.dropped() == w.dropped());
  CHECK(r.used_buckets() == w.used_buckets());
  CHECK(r.sketch(-100000, 100000) == w.sketch(-100000, 100000));
  for (std::int64_t d : {60, 300, 1200}) CHECK(r.sketch_last(d) == w.sketch_last(d));
  // Both continue identically after the restart.
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t t = 1250 + i - static_cast<std::int64_t>(rng() % 200);
    const std::uint64_t k = rng();
    CHECK(w.add(t, k) == r.add(t, k));
  }
  CHECK(r.serialize() == w.serialize());

  // An empty, never-started window round-trips too.
  window e(5, 3);
  const auto eb = e.serialize();
  window er = window::deserialize(eb.data(), eb.size());
  CHECK_FALSE(er.started());
  CHECK(er.bucket_count() == 3);
  CHECK(er.bucket_width() == 5);
}

TEST_CASE("time_window deserialize rejects damaged bytes with format_error", "[time_window]") {
  window w(60, 6);
  for (int i = 0; i < 300; ++i) w.add(i, static_cast<std::uint64_t>(i * 31));
  const auto good = w.serialize();
  REQUIRE_NOTHROW(window::deserialize(good.data(), good.size()));

  SECTION("every truncation") {
    for (std::size_t n = 0; n < good.size(); ++n) {
      INFO("length " << n);
      CHECK_THROWS_AS(window::deserialize(good.data(), n), hashsketch::format_error);
    }
    CHECK_THROWS_AS(window::deserialize(nullptr, 0), hashsketch::format_error);
  }
  SECTION("every single flipped bit in the header and a stride of the body") {
    for (std::size_t i = 0; i < good.size(); i += (i < 80 ? 1 : 97)) {
      for (int bit = 0; bit < 8; ++bit) {
        auto bad = good;
        bad[i] ^= static_cast<std::uint8_t>(1u << bit);
        INFO("byte " << i << " bit " << bit);
        CHECK_THROWS_AS(window::deserialize(bad.data(), bad.size()), hashsketch::format_error);
      }
    }
  }
  SECTION("trailing bytes") {
    auto bad = good;
    bad.push_back(0);
    CHECK_THROWS_AS(window::deserialize(bad.data(), bad.size()), hashsketch::format_error);
  }
  SECTION("wrong sketch type") {
    using other = hashsketch::time_window<hashsketch::hyperloglog<9>>;
    CHECK_THROWS_AS(other::deserialize(good.data(), good.size()), hashsketch::format_error);
  }
  SECTION("fields that are wrong although the checksum is right") {
    auto edit = [&](std::size_t offset, std::uint8_t value) {
      auto bad = good;
      bad[offset] = value;
      reseal(bad);
      return bad;
    };
    auto rejects = [](const std::vector<std::uint8_t>& bad) {
      CHECK_THROWS_AS(window::deserialize(bad.data(), bad.size()), hashsketch::format_error);
    };
    rejects(edit(4, 2));     // version
    rejects(edit(16, 0));    // width 60 → 0
    rejects(edit(23, 0x80)); // width negative
    rejects(edit(24, 0));    // count 6 → 0
    rejects(edit(24, 7));    // count 7: one slot more than present
    rejects(edit(24, 5));    // count 5: bytes left over
    rejects(edit(27, 0x40)); // count far beyond the limit
    rejects(edit(28, 2));    // unknown flag
    rejects(edit(28, 0));    // not started, yet counters and buckets
    rejects(edit(29, 1));    // reserved
    rejects(edit(55, 0x01)); // late > accepted
    rejects(edit(64, 2));    // bad bucket flag
    {
      // A bucket length pointing past the end.
      auto bad = good;
      std::size_t at = 64;
      while (bad[at] == 0) ++at;
      hashsketch::detail::store_le32(bad.data() + at + 1, 0xfffffff0u);
      reseal(bad);
      rejects(bad);
    }
    {
      // A bucket whose own sketch bytes are damaged (its checksum catches it).
      auto bad = good;
      std::size_t at = 64;
      while (bad[at] == 0) ++at;
      bad[at + 5 + 30] ^= 1;
      reseal(bad);
      try {
        window::deserialize(bad.data(), bad.size());
        FAIL("no exception");
      } catch (const hashsketch::format_error& e) {
        CHECK(std::string(e.what()).find("slot") != std::string::npos);
      }
    }
  }
}

TEST_CASE("time_window works for other sketch families and moves cheaply", "[time_window]") {
  static_assert(std::is_nothrow_move_constructible<window>::value, "moving a window must not allocate");
  static_assert(std::is_nothrow_move_assignable<window>::value, "moving a window must not allocate");
  using loglog_window = hashsketch::time_window<hashsketch::loglog<10>>;
  loglog_window w(1000, 8);  // e.g. milliseconds: 8 one-second buckets
  hashsketch::loglog<10> direct;
  for (std::uint64_t k = 0; k < 5000; ++k) {
    w.add(static_cast<std::int64_t>(k), k);
    if (k >= 1000) direct.add(k);  // the newest 4 buckets hold ticks 1000..4999
  }
  CHECK(w.sketch_last(4000) == direct);
  const auto bytes = w.serialize();
  CHECK(loglog_window::deserialize(bytes.data(), bytes.size()).serialize() == bytes);
  // A hyperloglog window's bytes are not a loglog window's.
  CHECK_THROWS_AS(window::deserialize(bytes.data(), bytes.size()), hashsketch::format_error);
}

TEST_CASE("time_window merge combines collectors' windows", "[time_window]") {
  // One in-order stream over 3 window spans (so buckets retire), its users
  // split between two collectors by key parity.
  const std::int64_t width = 10;
  const std::size_t count = 12;
  window all(width, count), even(width, count), odd(width, count);
  std::mt19937_64 rng(31);
  for (std::int64_t t = 0; t < 3 * width * static_cast<std::int64_t>(count); ++t) {
    for (int i = 0; i < 3; ++i) {
      const std::uint64_t key = rng() % 2000;
      all.add(t, key);
      (key % 2 ? odd : even).add(t, key);
    }
  }
  window merged = even;
  merged.merge(odd);
  CHECK(merged.serialize() == all.serialize());  // buckets, position and counters
  window other_way = odd;
  other_way.merge(even);
  CHECK(other_way.serialize() == all.serialize());

  SECTION("a collector that is behind") {
    window behind(width, count), ahead(width, count);
    for (std::int64_t t = 0; t < 100; ++t) behind.add(t, static_cast<std::uint64_t>(t));
    for (std::int64_t t = 50; t < 200; ++t) ahead.add(t, static_cast<std::uint64_t>(1000 + t));
    window a = ahead, b = behind;
    a.merge(behind);
    b.merge(ahead);
    CHECK(a.serialize() == b.serialize());
    CHECK(a.now() == 199);
    sketch direct;  // the window [80, 200): behind's 80..99 and ahead's 80..199
    for (std::int64_t t = 80; t < 100; ++t) direct.add(static_cast<std::uint64_t>(t));
    for (std::int64_t t = 80; t < 200; ++t) direct.add(static_cast<std::uint64_t>(1000 + t));
    CHECK(a.sketch_last(120) == direct);
    CHECK(a.accepted() == 250);
  }
  SECTION("into a window that never started") {
    window empty(width, count);
    empty.merge(all);
    CHECK(empty.serialize() == all.serialize());
    window still_empty(width, count);
    still_empty.merge(window(width, count));
    CHECK_FALSE(still_empty.started());
  }
  SECTION("mismatched windows are refused and nothing changes") {
    const auto before = merged.serialize();
    CHECK_THROWS_AS(merged.merge(window(width + 1, count)), std::invalid_argument);
    CHECK_THROWS_AS(merged.merge(window(width, count + 1)), std::invalid_argument);
    window seeded(width, count, hashsketch::xxh3_hasher(5));
    seeded.add(0, std::uint64_t{1});
    CHECK_THROWS_AS(merged.merge(seeded), hashsketch::incompatible_sketch_error);
    CHECK(merged.serialize() == before);
  }
}

namespace {
// An allocator that fails while a failing_scope is alive: it stands for
// memory running out exactly when a bucket's sketch is created.
using flaky_sketch = hashsketch::hyperloglog<8, hashsketch::xxh3_hasher,
                                          hashsketch_test::failing_allocator<std::uint8_t>>;
using flaky_window = hashsketch::time_window<flaky_sketch>;
struct failing_scope {
  failing_scope() { hashsketch_test::allocation_gate::budget = 0; }
  ~failing_scope() { hashsketch_test::allocation_gate::budget = -1; }
};
}  // namespace

// 0.1.0 advanced the window (freeing the buckets that left it) before it
// allocated the new bucket's sketch: a bad_alloc there lost the retired
// buckets' data and the event, with no counter saying so. Now the sketch is
// created first, and the event that could not be stored is in dropped().
// Since the sparse state (issue 14) a bucket's sketch takes no memory from
// the allocator when it is created; the allocator is first asked when its
// tokens outgrow the in-object buffer (or it promotes), inside add(). That
// add must count its event as dropped, not accepted, and keep the bucket.
TEST_CASE("time_window::add under bad_alloc keeps the window and counts the event in dropped()", "[time_window]") {
  flaky_window w(10, 4);
  w.add(5, std::uint64_t{1});
  w.add(15, std::uint64_t{2});
  REQUIRE(w.used_buckets() == 2);
  std::uint64_t offered = 2, stored = 0;
  bool threw = false;
  {
    const failing_scope fail;
    // Distinct keys into the head bucket until one needs the allocator.
    for (std::uint64_t k = 100; k < 100000 && !threw; ++k) {
      ++offered;
      try {
        w.add(15, k);
        ++stored;
      } catch (const std::bad_alloc&) {
        threw = true;
      }
    }
  }
  REQUIRE(threw);
  CHECK(w.used_buckets() == 2);  // nothing retired, nothing lost
  CHECK(w.now() == 15);
  CHECK(w.accepted() == 2 + stored);
  CHECK(w.dropped() == 1);
  CHECK(w.accepted() + w.dropped() == offered);  // every event offered is accepted or dropped
  // The buckets hold exactly the accepted keys.
  flaky_window expected(10, 4);
  expected.add(5, std::uint64_t{1});
  expected.add(15, std::uint64_t{2});
  for (std::uint64_t k = 100; k < 100 + stored; ++k) expected.add(15, k);
  CHECK(w.sketch_last(40) == expected.sketch_last(40));
  // With memory back, the same events go in.
  CHECK(w.add(15, 100 + stored));
  CHECK(w.add(1000, std::uint64_t{3}));
  CHECK(w.accepted() == 4 + stored);
  CHECK(w.used_buckets() == 1);
}
