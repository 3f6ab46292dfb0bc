// dynamic_hyperloglog: the run-time-precision HyperLogLog is hyperloglog<P>
// for every P — same registers, estimates, intervals, bytes and errors —
// plus the precision check, merging across precisions (exact folds),
// conversions both ways and a reader that takes P from the header.
#include <hashsketch/dynamic_hyperloglog.hpp>
#include <hashsketch/hashsketch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/precisions.hpp"
#include "support/random_keys.hpp"
#include "support/splitmix64.hpp"

using hashsketch::dynamic_hyperloglog;
using hashsketch::hyperloglog;
using hashsketch_test::splitmix64;

namespace {

using hashsketch_test::random_keys;

template <class Sketch>
std::vector<std::uint8_t> regs(const Sketch& s) {
  const hashsketch::register_view view = s.registers();  // one view: a sparse sketch's is a copy
  return std::vector<std::uint8_t>(view.begin(), view.end());
}

// Whether s.add(std::declval<Args>()...) compiles, for comparing overload sets.
template <class Sketch, class = void, class... Args>
struct can_add_impl : std::false_type {};
template <class Sketch, class... Args>
struct can_add_impl<Sketch, std::void_t<decltype(std::declval<Sketch&>().add(std::declval<Args>()...))>, Args...>
    : std::true_type {};
template <class Sketch, class... Args>
constexpr bool can_add = can_add_impl<Sketch, void, Args...>::value;

template <class... Args>
constexpr bool same_add = can_add<dynamic_hyperloglog, Args...> == can_add<hyperloglog<12>, Args...>;

struct not_a_key {};

// The forwarding add accepts exactly what hyperloglog<P>::add accepts,
// whatever that overload set is (it is being tightened separately: typed
// integers, deleted floating point, a byte overload that takes no T*).
static_assert(same_add<std::uint64_t>, "add(uint64)");
static_assert(same_add<std::uint32_t>, "add(uint32)");
static_assert(same_add<int>, "add(int)");
static_assert(same_add<std::int8_t>, "add(int8)");
static_assert(same_add<double>, "add(double)");
static_assert(same_add<float>, "add(float)");
static_assert(same_add<bool>, "add(bool)");
static_assert(same_add<std::nullptr_t>, "add(nullptr)");
static_assert(same_add<std::string_view>, "add(string_view)");
static_assert(same_add<const std::string&>, "add(string)");
static_assert(same_add<const char*>, "add(const char*)");
static_assert(same_add<const char (&)[4]>, "add(literal)");
static_assert(same_add<const void*, std::size_t>, "add(const void*, size)");
static_assert(same_add<const char*, std::size_t>, "add(const char*, size)");
static_assert(same_add<const unsigned char*, std::size_t>, "add(const unsigned char*, size)");
static_assert(same_add<const std::byte*, std::size_t>, "add(const byte*, size)");
static_assert(same_add<const std::uint64_t*, std::size_t>, "add(const uint64*, size)");
static_assert(same_add<not_a_key>, "add(struct)");
static_assert(can_add<dynamic_hyperloglog, std::uint64_t> && can_add<dynamic_hyperloglog, std::string_view>,
              "the basic overloads exist");
static_assert(!std::is_convertible<unsigned, dynamic_hyperloglog>::value, "the precision constructor is explicit");
static_assert(std::is_convertible<hyperloglog<12>, dynamic_hyperloglog>::value, "hyperloglog<P> converts implicitly");

}  // namespace

TEST_CASE("dynamic_hyperloglog checks its precision at run time", "[dynamic]") {
  for (unsigned p : {0u, 1u, 3u, 17u, 64u, 1000u}) {
    INFO("precision " << p);
    CHECK_THROWS_AS(dynamic_hyperloglog(p), std::invalid_argument);
    CHECK_THROWS_AS(dynamic_hyperloglog(p, 7), hashsketch::precision_error);
  }
  for (unsigned p = 4; p <= 16; ++p) {
    const dynamic_hyperloglog s(p, 5);
    CHECK(s.precision() == p);
    CHECK(s.register_count() == (std::size_t{1} << p));
    CHECK(s.registers().size() == s.register_count());
    CHECK(s.max_rank() == 65 - p);
    CHECK(s.hasher().seed() == 5);
    CHECK(s.empty());
    CHECK(s.estimate() == 0.0);
    CHECK(s.serialized_size() == 24 + s.register_count() + 8);
  }
}

TEMPLATE_TEST_CASE_SIG("dynamic_hyperloglog(P) is hyperloglog<P>: registers, estimates, interval, bytes",
                       "[dynamic]", ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  const auto keys = random_keys(3 * (std::size_t{1} << P) + 500, 10 + P);
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{99}}) {
    dynamic_hyperloglog d(P, seed);
    hyperloglog<P> s{hashsketch::xxh3_hasher(seed)};
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i % 3 == 0) {
        d.add(keys[i]);
        s.add(keys[i]);
      } else if (i % 3 == 1) {
        const std::string text = "key-" + std::to_string(keys[i]);
        d.add(std::string_view(text));
        s.add(std::string_view(text));
      } else {
        d.add_hash(keys[i]);
        s.add_hash(keys[i]);
      }
    }
    d.add_many(keys.data(), 100);
    s.add_many(keys.data(), 100);
    INFO("seed " << seed);
    REQUIRE(regs(d) == regs(s));
    CHECK(d.current());
    CHECK(d.estimate() == s.estimate());
    CHECK(d.estimate(hashsketch::estimator::classic) == s.estimate(hashsketch::estimator::classic));
    CHECK(d.relative_standard_error() == s.relative_standard_error());
    const auto a = d.confidence_interval(0.9), b = s.confidence_interval(0.9);
    CHECK(a.lower == b.lower);
    CHECK(a.estimate == b.estimate);
    CHECK(a.upper == b.upper);
    CHECK_THROWS_AS(d.confidence_interval(1.0), std::invalid_argument);
    CHECK(d.histogram() == s.histogram());
    CHECK(d.serialize() == s.serialize());
    CHECK(d.serialize(hashsketch::encoding::dense).size() == d.serialized_size());
    CHECK(d.serialize().size() <= d.serialized_size());  // automatic: never above the dense size

    // Both readers read both writers.
    const hashsketch::xxh3_hasher h(seed);
    {
      const auto d_bytes = d.serialize();
      CHECK(hyperloglog<P>::deserialize(d_bytes.data(), d_bytes.size(), h) == s);
    }
    const auto bytes = s.serialize();
    const dynamic_hyperloglog back = dynamic_hyperloglog::deserialize(bytes.data(), bytes.size(), h);
    CHECK(back.precision() == P);
    CHECK(back == d);
    CHECK(back.current());
    if (seed != 0) CHECK_THROWS_AS(dynamic_hyperloglog::deserialize(bytes.data(), bytes.size()), hashsketch::format_error);

    // Conversions, both ways.
    const dynamic_hyperloglog from_fixed = s;
    CHECK(from_fixed == d);
    CHECK(from_fixed.precision() == P);
    CHECK(d.template to_hyperloglog<P>() == s);
    dynamic_hyperloglog moved_from = d;
    CHECK(std::move(moved_from).template to_hyperloglog<P>() == s);
    CHECK(d.visit([](const auto& typed) { return typed.precision; }) == P);

    d.clear();
    CHECK(d.empty());
    CHECK(d.precision() == P);
  }
}

TEST_CASE("dynamic_hyperloglog merges across precisions with the exact fold", "[dynamic][merge]") {
  const auto a_keys = random_keys(30000, 1), b_keys = random_keys(20000, 2);
  std::vector<std::uint64_t> both = a_keys;
  both.insert(both.end(), b_keys.begin(), b_keys.end());
  const auto built = [](unsigned p, const std::vector<std::uint64_t>& keys) {
    dynamic_hyperloglog s(p, 3);
    for (auto k : keys) s.add(k);
    return s;
  };
  for (unsigned p : {4u, 9u, 12u, 16u}) {
    for (unsigned q : {4u, 10u, 12u, 16u}) {
      INFO("P = " << p << ", Q = " << q);
      const dynamic_hyperloglog a = built(p, a_keys), b = built(q, b_keys);
      const dynamic_hyperloglog expect = built(std::min(p, q), both);
      dynamic_hyperloglog merged = a;
      merged.merge(b);
      CHECK(merged.precision() == std::min(p, q));
      CHECK(merged == expect);
      CHECK(merged.estimate() == expect.estimate());
      CHECK((a | b) == expect);
      CHECK((b | a) == expect);
      dynamic_hyperloglog assigned = b;
      CHECK(&(assigned |= a) == &assigned);
      CHECK(assigned == expect);
      merged.refresh();
      CHECK(merged.current());
      CHECK(merged.estimate() == expect.estimate());
      // reduce() and the folding conversion agree with building at the coarser P.
      const unsigned r = std::min(p, q);
      CHECK(a.reduce(r) == built(r, a_keys));
      if (p >= 12) CHECK(dynamic_hyperloglog(a.to_hyperloglog<12>()) == built(12, a_keys));
    }
  }
  const dynamic_hyperloglog coarse = built(8, a_keys);
  CHECK_THROWS_AS(coarse.reduce(9), hashsketch::precision_error);
  CHECK_THROWS_AS(coarse.reduce(3), std::invalid_argument);
  CHECK_THROWS_AS(coarse.to_hyperloglog<9>(), hashsketch::precision_error);

  // Different seeds never merge, at equal or different precisions; the
  // target is left unchanged.
  dynamic_hyperloglog x = built(10, a_keys);
  const dynamic_hyperloglog before = x;
  CHECK_THROWS_AS(x.merge(dynamic_hyperloglog(10, 4)), hashsketch::incompatible_sketch_error);
  CHECK_THROWS_AS(x.merge(dynamic_hyperloglog(6, 4)), hashsketch::incompatible_sketch_error);
  CHECK_THROWS_AS(x.merge(dynamic_hyperloglog(12, 4)), hashsketch::incompatible_sketch_error);
  CHECK(x == before);
}

TEST_CASE("dynamic_hyperloglog::deserialize rejects bad bytes like hyperloglog<P>'s reader", "[dynamic][format]") {
  dynamic_hyperloglog s(6);
  for (std::uint64_t k = 0; k < 500; ++k) s.add(k);
  const std::vector<std::uint8_t> good = s.serialize();
  REQUIRE(dynamic_hyperloglog::deserialize(good.data(), good.size()) == s);

  // Every truncation (the empty buffer included) is a format_error; the
  // heap copy of exactly that length lets ASan catch any read past it.
  for (std::size_t len = 0; len < good.size(); ++len) {
    INFO("length " << len);
    const std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len));
    CHECK_THROWS_AS(dynamic_hyperloglog::deserialize(cut.data(), cut.size()), hashsketch::format_error);
  }
  // Every single-bit flip is caught: in the header by the field checks,
  // elsewhere by the checksum.
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<std::uint8_t> bad = good;
      bad[i] = static_cast<std::uint8_t>(bad[i] ^ (1u << bit));
      INFO("byte " << i << " bit " << bit);
      CHECK_THROWS_AS(dynamic_hyperloglog::deserialize(bad.data(), bad.size()), hashsketch::format_error);
    }
  }
  // A precision outside 4..16 is named as such in a version-1 (dense)
  // image; in the coded versions the fixed reader names the precision.
  const std::vector<std::uint8_t> v1 = s.serialize(hashsketch::encoding::dense);
  REQUIRE(good != v1);  // the default is the smaller dense_compact image here
  for (std::uint8_t p : {std::uint8_t{0}, std::uint8_t{3}, std::uint8_t{17}, std::uint8_t{255}}) {
    std::vector<std::uint8_t> bad = v1;
    bad[6] = p;
    CHECK_THROWS_WITH(dynamic_hyperloglog::deserialize(bad.data(), bad.size()),
                      Catch::Contains("outside 4..16"));
    bad = good;
    bad[6] = p;
    CHECK_THROWS_WITH(dynamic_hyperloglog::deserialize(bad.data(), bad.size()), Catch::Contains("precision"));
  }
  // Another kind at a valid precision: the fixed reader's message.
  const auto loglog_bytes = hashsketch::loglog<6>().serialize();
  CHECK_THROWS_WITH(dynamic_hyperloglog::deserialize(loglog_bytes.data(), loglog_bytes.size()),
                    Catch::Contains("is not hyperloglog"));
  // Every precision's bytes are read at their own precision.
  for (unsigned p = 4; p <= 16; ++p) {
    const dynamic_hyperloglog e(p);
    const auto bytes = e.serialize();
    CHECK(dynamic_hyperloglog::deserialize(bytes.data(), bytes.size()).precision() == p);
  }
}
