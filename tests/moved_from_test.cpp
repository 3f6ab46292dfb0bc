// Moved-from objects are valid empty ones: every member of a moved-from
// sketch (each basic_sketch family and layout) and of a moved-from
// time_window works, and works as on a newly constructed object. Run under
// ASan/UBSan in CI: in 0.1.0 a moved-from hyperloglog had no registers,
// estimated ≈ 1, and its next add() wrote through null; a moved-from
// time_window indexed an empty slot array.
#include <hashsketch/datasketches.hpp>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/loglog.hpp>
#include <hashsketch/redis.hpp>
#include <hashsketch/time_window.hpp>

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "hashsketch_catch.hpp"

namespace hs = hashsketch;

namespace {

// Checks that s behaves exactly like a new empty sketch with hasher h, member
// by member, then that it is fully usable (add, merge both ways, clear, copy).
template <class Sketch>
void check_valid_empty(Sketch& s, const typename Sketch::hasher_type& h) {
  const Sketch fresh(h);
  CHECK(s.hasher() == h);
  CHECK(s.empty());
  CHECK(s.estimate() == 0.0);
  const hs::interval ci = s.confidence_interval();
  CHECK(ci.lower == 0.0);
  CHECK(ci.estimate == 0.0);
  CHECK(ci.upper == 0.0);
  CHECK(s.registers().size() == Sketch::register_count);
  for (std::uint8_t r : s.registers()) CHECK(r == 0);
  CHECK(s.histogram()[0] == Sketch::register_count);
  CHECK(s == fresh);
  CHECK_FALSE(s != fresh);
  CHECK(s.serialize() == fresh.serialize());
  CHECK(s.template reduce<4>() == fresh.template reduce<4>());
  CHECK((s | fresh) == fresh);
  static_cast<void>(s.get_allocator());

  // Reads from it: merging it into another sketch changes nothing.
  Sketch other(h);
  other.add(std::uint64_t{12345});
  const Sketch before = other;
  other.merge(s);
  CHECK(other == before);
  other |= s;
  CHECK(other == before);
  // Writes into it.
  s.merge(before);
  CHECK(s == before);
  s.clear();
  CHECK(s == fresh);
  Sketch direct(h);
  std::uint64_t keys[300];
  for (std::uint64_t k = 0; k < 300; ++k) keys[k] = k;
  for (std::uint64_t k = 0; k < 300; ++k) {
    s.add(k);
    direct.add(k);
  }
  s.add(std::string_view("text"));
  direct.add(std::string_view("text"));
  s.add("bytes", 5);
  direct.add("bytes", 5);
  CHECK(s == direct);
  CHECK(s.estimate() == direct.estimate());
  s.clear();
  s.add_many(keys, 300);
  Sketch direct_many(h);
  direct_many.add_many(keys, 300);
  CHECK(s == direct_many);
  const Sketch copy = s;
  CHECK(copy == s);
  const auto bytes = s.serialize();
  CHECK(Sketch::deserialize(bytes.data(), bytes.size(), h) == s);
}

template <class Sketch>
void check_moves(const typename Sketch::hasher_type& h) {
  Sketch filled(h);
  for (std::uint64_t k = 0; k < 1000; ++k) filled.add(k);
  const Sketch original = filled;

  SECTION("move construction") {
    Sketch to(std::move(filled));
    CHECK(to == original);
    CHECK(to.estimate() == original.estimate());
    check_valid_empty(filled, h);
  }
  SECTION("move assignment") {
    Sketch to(h);
    to.add(std::uint64_t{99999});
    to = std::move(filled);
    CHECK(to == original);
    CHECK(to.estimate() == original.estimate());
    check_valid_empty(filled, h);
  }
  SECTION("move assignment from a merged (stale-histogram) sketch") {
    Sketch merged(h);
    merged.merge(original);
    Sketch to(h);
    to = std::move(merged);
    CHECK(to == original);
    CHECK(to.estimate() == original.estimate());
    check_valid_empty(merged, h);
  }
  SECTION("self move assignment keeps the sketch") {
    Sketch& alias = filled;
    filled = std::move(alias);
    CHECK(filled == original);
  }
  SECTION("moving a moved-from sketch") {
    Sketch a(std::move(filled));
    Sketch b(std::move(filled));
    check_valid_empty(b, h);
    check_valid_empty(filled, h);
  }
}

}  // namespace

TEST_CASE("moved-from hyperloglog is a valid empty sketch", "[moved_from]") {
  check_moves<hs::hyperloglog<12>>(hs::xxh3_hasher{});
  check_moves<hs::hyperloglog<12>>(hs::xxh3_hasher{77});  // keeps its seed
}
TEST_CASE("moved-from loglog and superloglog are valid empty sketches", "[moved_from]") {
  check_moves<hs::loglog<10>>(hs::xxh3_hasher{});
  check_moves<hs::superloglog<10>>(hs::xxh3_hasher{});
}
TEST_CASE("moved-from Redis and DataSketches layouts are valid empty sketches", "[moved_from]") {
  check_moves<hs::redis_hyperloglog>(hs::murmur64a_hasher{});
  check_moves<hs::datasketches_hyperloglog<11>>(hs::murmur3_128_hasher{});
}

// --- time_window ------------------------------------------------------------

namespace {
using window = hs::time_window<hs::hyperloglog<10>>;

// Every member of a moved-from window behaves as on a new window of the same
// shape, then the window is fully usable.
void check_valid_empty_window(window& w) {
  const window fresh(60, 10);
  CHECK(w.bucket_width() == 60);
  CHECK(w.bucket_count() == 10);
  CHECK_FALSE(w.started());
  CHECK(w.now() == 0);
  CHECK(w.oldest_time() == 0);
  CHECK(w.accepted() == 0);
  CHECK(w.late() == 0);
  CHECK(w.dropped() == 0);
  CHECK(w.used_buckets() == 0);
  CHECK(w.hasher() == hs::xxh3_hasher{});
  CHECK(w.bucket_sketch(0) == nullptr);
  CHECK(w.estimate_last(600) == 0.0);
  CHECK(w.estimate(0, 600) == 0.0);
  CHECK(w.sketch(0, 600).empty());
  CHECK(w.sketch_last(60).empty());
  CHECK(w.serialize() == fresh.serialize());
  {
    const auto bytes = w.serialize();
    const window back = window::deserialize(bytes.data(), bytes.size());
    CHECK(back.serialize() == fresh.serialize());
  }
  const window copy(w);
  CHECK(copy.serialize() == fresh.serialize());
  // Another window merged into it, and it merged into another.
  window other(60, 10);
  other.add(100, std::uint64_t{5});
  window into(60, 10);
  into.add(100, std::uint64_t{6});
  const auto into_before = into.serialize();
  into.merge(w);  // merging an empty (never started) window changes nothing
  CHECK(into.serialize() == into_before);
}

void check_usable_window(window& w) {
  // advance() first, then queries: the slots must exist (0.1.0 indexed an
  // empty array here).
  w.advance(30);
  CHECK(w.started());
  CHECK(w.bucket_sketch(30) == nullptr);
  CHECK(w.estimate_last(600) == 0.0);
  CHECK(w.used_buckets() == 0);
  w.advance(200);  // retires buckets of a slot array that is not there yet
  CHECK(w.serialize().size() > 0);
  window twin(60, 10);
  twin.advance(30);
  twin.advance(200);
  CHECK(w.serialize() == twin.serialize());
  // Adds of every overload.
  hs::hyperloglog<10> direct;
  const char raw[] = {'a', 'b'};
  w.add(210, std::uint64_t{1});
  w.add(211, std::string_view("two"));
  w.add(212, raw, sizeof raw);
  w.add_hash(213, 0x9e3779b97f4a7c15ull);
  direct.add(std::uint64_t{1});
  direct.add(std::string_view("two"));
  direct.add(raw, sizeof raw);
  direct.add_hash(0x9e3779b97f4a7c15ull);
  CHECK(w.sketch_last(60) == direct);
  CHECK(w.accepted() == 4);
  // Merging a started window into a moved-from one.
  window source(60, 10);
  source.add(215, std::uint64_t{2});
  window target(std::move(source));
  CHECK_FALSE(source.started());
  source.merge(target);
  CHECK(source.sketch_last(60) == target.sketch_last(60));
}
}  // namespace

TEST_CASE("moved-from time_window is a valid empty window", "[moved_from][time_window]") {
  window w(60, 10);
  for (std::int64_t t = 0; t < 600; t += 7) w.add(t, static_cast<std::uint64_t>(t));
  const auto original = w.serialize();

  SECTION("move construction") {
    window to(std::move(w));
    CHECK(to.serialize() == original);
    check_valid_empty_window(w);
    check_usable_window(w);
  }
  SECTION("move assignment") {
    window to(60, 10);
    to.add(5, std::uint64_t{5});
    to = std::move(w);
    CHECK(to.serialize() == original);
    check_valid_empty_window(w);
    check_usable_window(w);
  }
  SECTION("a moved-from window merges into another and is merged into") {
    window to(std::move(w));
    window again(std::move(w));  // moving a moved-from window
    check_valid_empty_window(again);
    w.merge(to);
    CHECK(w.serialize() == original);
  }
}
