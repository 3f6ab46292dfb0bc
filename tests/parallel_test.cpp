// parallel_add: the result equals the single-threaded sketch register for
// register, for every thread count, key type and shard shape (including
// n = 0 and n smaller than the thread count).
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/parallel.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "hashsketch_catch.hpp"

namespace {

std::vector<std::uint64_t> random_keys(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> keys(n);
  for (auto& k : keys) k = rng();
  return keys;
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("parallel_add equals the single-threaded sketch for 1..8 threads", "[parallel]",
                       ((unsigned P), P), 4, 10, 14, 16) {
  using sketch = hashsketch::hyperloglog<P>;
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{8},
                        std::size_t{1000}, std::size_t{100003}}) {
    const auto keys = random_keys(n, 1000 + n);
    sketch single;
    for (auto k : keys) single.add(k);
    for (unsigned threads = 1; threads <= 8; ++threads) {
      INFO("n = " << n << ", threads = " << threads);
      sketch parallel;
      hashsketch::parallel_add(parallel, keys.data(), keys.size(), threads);
      CHECK(parallel == single);
      CHECK(parallel.estimate() == single.estimate());
      // The result is left current (refresh() after the merges), so its
      // estimate() is the O(1) maintained one, not a pass per call.
      CHECK(parallel.current());
    }
  }
}

TEST_CASE("parallel_add with n = 0 leaves the sketch unchanged", "[parallel]") {
  hashsketch::hyperloglog<12> s;
  s.add(std::uint64_t{5});
  const auto before = s;
  for (unsigned threads : {0u, 1u, 4u}) {
    hashsketch::parallel_add(s, static_cast<const std::uint64_t*>(nullptr), 0, threads);
    CHECK(s == before);
  }
}

TEST_CASE("parallel_add adds to what the sketch already holds", "[parallel]") {
  const auto old_keys = random_keys(5000, 1);
  const auto new_keys = random_keys(20000, 2);
  hashsketch::hyperloglog<12> single, parallel;
  for (auto k : old_keys) {
    single.add(k);
    parallel.add(k);
  }
  for (auto k : new_keys) single.add(k);
  hashsketch::parallel_add(parallel, new_keys.data(), new_keys.size(), 3);
  CHECK(parallel == single);
}

TEST_CASE("parallel_add with string keys and a seeded hasher", "[parallel]") {
  using sketch = hashsketch::hyperloglog<11>;
  std::vector<std::string> owned;
  for (int i = 0; i < 3001; ++i) owned.push_back("user-" + std::to_string(i * 7919));
  std::vector<std::string_view> views(owned.begin(), owned.end());
  const hashsketch::xxh3_hasher seeded(12345);
  sketch single(seeded);
  for (const auto& s : owned) single.add(s);
  for (unsigned threads = 1; threads <= 8; ++threads) {
    INFO("threads = " << threads);
    sketch from_strings(seeded), from_views(seeded);
    hashsketch::parallel_add(from_strings, owned.data(), owned.size(), threads);
    hashsketch::parallel_add(from_views, views.data(), views.size(), threads);
    CHECK(from_strings == single);
    CHECK(from_views == single);
    CHECK(from_strings.hasher() == seeded);
  }
}

TEST_CASE("parallel_add with threads = 0 uses the hardware concurrency", "[parallel]") {
  const auto keys = random_keys(50000, 3);
  hashsketch::hyperloglog<14> single, parallel;
  single.add_many(keys.data(), keys.size());
  hashsketch::parallel_add(parallel, keys.data(), keys.size());
  CHECK(parallel == single);
}

TEST_CASE("parallel_add leaves a sketch that a merge made stale current", "[parallel][refresh]") {
  const auto keys = random_keys(1000, 7);
  for (unsigned threads : {1u, 3u}) {
    hashsketch::hyperloglog<12> s, other;
    // Dense: merges with a sparse side unite tokens or apply them key by
    // key and leave nothing stale (docs/sparse.md); only dense ∪ dense
    // leaves the summary stale.
    s.densify();
    other.densify();
    other.add(std::uint64_t{1});
    s.merge(other);
    REQUIRE_FALSE(s.current());
    // n = 0 changes no register; the result must still come back current.
    hashsketch::parallel_add(s, keys.data(), 0, threads);
    CHECK(s.current());
    s.merge(other);
    hashsketch::parallel_add(s, keys.data(), keys.size(), threads);
    CHECK(s.current());
  }
}
