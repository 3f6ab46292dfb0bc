// concurrent_hyperloglog: after any interleaving of adds and merges from many
// threads the registers equal those of one hyperloglog fed the same keys;
// estimates read during the adds never decrease per reader, never exceed the
// final estimate and never miss an add that happened-before the read.
//
// Run under ThreadSanitizer too (label "concurrency", docs/concurrency.md):
// the point of these tests there is "no report", so every check that Catch2
// makes happens on the main thread after the workers are joined (Catch2's
// assertion macros are not thread-safe); workers only record what they saw.
#include <hashsketch/concurrent.hpp>
#include <hashsketch/hyperloglog.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/precisions.hpp"
#include "support/splitmix64.hpp"

namespace {

std::vector<std::uint64_t> random_keys(std::size_t n, std::uint64_t seed) {
  hashsketch_test::splitmix64 rng{seed};
  std::vector<std::uint64_t> keys(n);
  for (auto& k : keys) k = rng();
  return keys;
}

/// Lets every thread of a round start only when all have been created, so the
/// threads really overlap instead of running one after the other.
class start_gate {
 public:
  explicit start_gate(unsigned threads) : waiting_(threads) {}
  void arrive_and_wait() noexcept {
    waiting_.fetch_sub(1, std::memory_order_acq_rel);
    while (waiting_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  }

 private:
  std::atomic<unsigned> waiting_;
};

/// How thread t of T adds keys[0 .. n): three ways that all give the same
/// registers for the same key (add, add_many, add_hash of the hasher's value),
/// so keys shared between threads may arrive by different paths.
template <class Concurrent>
void add_slice(Concurrent& sketch, const std::vector<std::uint64_t>& keys, std::size_t first, std::size_t count,
               unsigned flavour) {
  const std::size_t n = keys.size();
  switch (flavour % 3) {
    case 0:
      for (std::size_t i = 0; i < count; ++i) sketch.add(keys[(first + i) % n]);
      break;
    case 1:
      // add_many over the (wrapped) range in batches of at most 100 keys.
      for (std::size_t done = 0; done < count;) {
        const std::size_t at = (first + done) % n;
        const std::size_t len = std::min<std::size_t>({100, count - done, n - at});
        sketch.add_many(keys.data() + at, len);
        done += len;
      }
      break;
    default:
      for (std::size_t i = 0; i < count; ++i) sketch.add_hash(sketch.hasher()(keys[(first + i) % n]));
      break;
  }
}

enum class overlap { disjoint, pairwise, all };

/// Thread t's range [first, first + count) (mod n) of the n keys:
/// disjoint shards; shards of twice the size so every key is added by two
/// threads; or every key by every thread, each starting elsewhere.
void slice_of(overlap mode, unsigned t, unsigned threads, std::size_t n, std::size_t& first, std::size_t& count) {
  const std::size_t begin = n * t / threads, end = n * (t + 1) / threads;
  first = begin;
  count = n;  // overlap::all
  switch (mode) {
    case overlap::disjoint:
      count = end - begin;
      break;
    case overlap::pairwise:
      count = threads == 1 ? n : 2 * (end - begin);
      break;
    case overlap::all:
      break;
  }
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("concurrent adds from 1..8 threads equal one hyperloglog fed every key", "[concurrent]",
                       ((unsigned P), P), HASHSKETCH_TEST_PRECISIONS) {
  using concurrent = hashsketch::concurrent_hyperloglog<P>;
  // Enough keys to fill the small sketches many times over (heavy contention
  // on few words at P = 4) and a good part of the large ones.
  const std::size_t n = std::max<std::size_t>(2000, std::min<std::size_t>(4 * concurrent::register_count, 12000));
  const auto keys = random_keys(n, 0xC0FFEE + P);
  hashsketch::hyperloglog<P> reference;
  reference.densify();  // the concurrent sketch is dense: compare dense estimates (docs/sparse.md)
  for (auto k : keys) reference.add(k);

  for (overlap mode : {overlap::disjoint, overlap::pairwise, overlap::all}) {
    for (unsigned threads = 1; threads <= 8; ++threads) {
      INFO("P = " << P << ", threads = " << threads << ", overlap mode " << static_cast<int>(mode));
      concurrent sketch;
      start_gate gate(threads);
      std::vector<std::thread> workers;
      for (unsigned t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
          std::size_t first = 0, count = 0;
          slice_of(mode, t, threads, n, first, count);
          gate.arrive_and_wait();
          add_slice(sketch, keys, first, count, t);
        });
      for (auto& w : workers) w.join();
      const auto snap = sketch.snapshot();
      CHECK(snap == reference);
      CHECK(sketch.estimate() == reference.estimate());
    }
  }
}

TEST_CASE("bytewise_max_7bit equals the byte-by-byte max", "[concurrent]") {
  using hashsketch::detail::bytewise_max_7bit;
  const auto scalar = [](std::uint32_t a, std::uint32_t b) {
    std::uint32_t out = 0;
    for (unsigned s = 0; s < 32; s += 8) out |= std::max((a >> s) & 0xFFu, (b >> s) & 0xFFu) << s;
    return out;
  };
  // Every pair of 7-bit byte values in every byte position, the other bytes
  // random, then random words.
  hashsketch_test::splitmix64 rng{42};
  for (unsigned s = 0; s < 32; s += 8)
    for (std::uint32_t x = 0; x < 128; ++x)
      for (std::uint32_t y = 0; y < 128; ++y) {
        const std::uint32_t noise_a = static_cast<std::uint32_t>(rng()) & 0x7F7F7F7Fu & ~(0xFFu << s);
        const std::uint32_t noise_b = static_cast<std::uint32_t>(rng()) & 0x7F7F7F7Fu & ~(0xFFu << s);
        const std::uint32_t a = noise_a | x << s, b = noise_b | y << s;
        if (bytewise_max_7bit(a, b) != scalar(a, b)) FAIL("a = " << a << ", b = " << b);
      }
  for (int i = 0; i < 100000; ++i) {
    const std::uint32_t a = static_cast<std::uint32_t>(rng()) & 0x7F7F7F7Fu;
    const std::uint32_t b = static_cast<std::uint32_t>(rng()) & 0x7F7F7F7Fu;
    if (bytewise_max_7bit(a, b) != scalar(a, b)) FAIL("a = " << a << ", b = " << b);
  }
  SUCCEED("all equal");
}

TEMPLATE_TEST_CASE_SIG("single-threaded, every member agrees with hyperloglog", "[concurrent]", ((unsigned P), P), 4,
                       9, 12, 16) {
  using concurrent = hashsketch::concurrent_hyperloglog<P>;
  concurrent sketch;
  hashsketch::hyperloglog<P> reference;
  reference.densify();  // the concurrent sketch is dense: compare dense estimates (docs/sparse.md)
  const auto check_equal = [&] {
    const auto snap = sketch.snapshot();
    REQUIRE(snap == reference);
    CHECK(sketch.empty() == reference.empty());
    CHECK(sketch.estimate() == reference.estimate());
    CHECK(sketch.estimate(hashsketch::estimator::ertl) == reference.estimate(hashsketch::estimator::ertl));
    CHECK(sketch.estimate(hashsketch::estimator::classic) == reference.estimate(hashsketch::estimator::classic));
    for (double c : {0.5, 0.9, 0.95, 0.99, 0.999999}) {
      const auto a = sketch.confidence_interval(c), b = reference.confidence_interval(c);
      CHECK(a.lower == b.lower);
      CHECK(a.estimate == b.estimate);
      CHECK(a.upper == b.upper);
    }
    // The snapshot is a real sketch: its bytes are the reference's bytes.
    CHECK(snap.serialize() == reference.serialize());
  };
  check_equal();  // empty: 0, {0, 0, 0}
  CHECK(sketch.empty());
  CHECK(sketch.estimate() == 0.0);

  hashsketch_test::splitmix64 rng{P};
  std::size_t added = 0;
  for (std::size_t target : {std::size_t{1}, std::size_t{10}, std::size_t{1000}, std::size_t{100000}}) {
    for (; added < target; ++added) {
      const std::uint64_t k = rng();
      switch (added % 4) {
        case 0:
          sketch.add(k);
          reference.add(k);
          break;
        case 1: {
          const std::string s = "user-" + std::to_string(k);
          sketch.add(std::string_view(s));
          reference.add(std::string_view(s));
          break;
        }
        case 2: {
          // 3 bytes of the key's object representation, through the
          // (pointer, size) overload
          const auto* bytes = reinterpret_cast<const unsigned char*>(&k);
          sketch.add(bytes, 3);
          reference.add(bytes, 3);
          break;
        }
        default:
          sketch.add_hash(k);  // k stands in for a uniform hash
          reference.add_hash(k);
          break;
      }
    }
    INFO("n = " << added);
    check_equal();
  }
  // Extreme hashes: the largest rank (65 − P, all bits below the index zero)
  // and the smallest, in the first and last registers.
  for (std::uint64_t h : {std::uint64_t{0}, ~std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1} << (63 - P)}) {
    sketch.add_hash(h);
    reference.add_hash(h);
  }
  CHECK(sketch.snapshot().registers()[0] == concurrent::max_rank);
  check_equal();

  CHECK_THROWS_AS(sketch.confidence_interval(0.0), std::invalid_argument);
  CHECK_THROWS_AS(sketch.confidence_interval(1.0), std::invalid_argument);
}

TEST_CASE("a saturated concurrent sketch estimates like hyperloglog", "[concurrent]") {
  // Every register at 61 = max_rank: hash index bits = i, all other bits 0.
  hashsketch::concurrent_hyperloglog<4> sketch;
  hashsketch::hyperloglog<4> reference;
  reference.densify();  // the concurrent sketch is dense: compare dense estimates (docs/sparse.md)
  for (std::uint64_t i = 0; i < 16; ++i) {
    sketch.add_hash(i << 60);
    reference.add_hash(i << 60);
  }
  REQUIRE(sketch.snapshot() == reference);
  CHECK(sketch.estimate() == reference.estimate());
  CHECK(std::isfinite(sketch.estimate()));
}

TEST_CASE("a snapshot is a full sketch: adds to it and its estimates match a hyperloglog", "[concurrent]") {
  // snapshot() leaves the copy's histogram to be rebuilt by its first add
  // (as a merge does); the copy must behave exactly like the reference.
  const auto first = random_keys(20000, 21), second = random_keys(3000, 22);
  hashsketch::concurrent_hyperloglog<12> sketch;
  hashsketch::hyperloglog<12> reference;
  reference.densify();  // the concurrent sketch is dense: compare dense estimates (docs/sparse.md)
  for (auto k : first) {
    sketch.add(k);
    reference.add(k);
  }
  auto snap = sketch.snapshot();
  CHECK(snap.estimate() == reference.estimate());
  CHECK(snap.histogram() == reference.histogram());
  for (auto k : second) {
    snap.add(k);
    reference.add(k);
  }
  CHECK(snap == reference);
  CHECK(snap.histogram() == reference.histogram());
  CHECK(snap.estimate() == reference.estimate());
}

TEST_CASE("add_many equals add for every length around the batch size", "[concurrent]") {
  const auto keys = random_keys(1100, 7);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{255}, std::size_t{256}, std::size_t{257},
                        std::size_t{1100}}) {
    hashsketch::concurrent_hyperloglog<10> bulk, single;
    bulk.add_many(keys.data(), n);
    for (std::size_t i = 0; i < n; ++i) single.add(keys[i]);
    CHECK(bulk.snapshot() == single.snapshot());
  }
}

TEST_CASE("seeded hashers: snapshots keep the seed, merges check it", "[concurrent]") {
  const hashsketch::xxh3_hasher seeded(2026);
  hashsketch::concurrent_hyperloglog<12> sketch(seeded);
  hashsketch::hyperloglog<12> reference(seeded);
  for (auto k : random_keys(5000, 9)) {
    sketch.add(k);
    reference.add(k);
  }
  const auto snap = sketch.snapshot();
  CHECK(snap.hasher() == seeded);
  CHECK(snap == reference);
  // Serialisation round trip through the plain sketch, then back into a
  // concurrent one.
  const auto bytes = snap.serialize();
  const auto read = hashsketch::hyperloglog<12>::deserialize(bytes.data(), bytes.size(), seeded);
  hashsketch::concurrent_hyperloglog<12> restored(read);
  CHECK(restored.hasher() == seeded);
  CHECK(restored.snapshot() == reference);

  // A sketch of another seed is refused and nothing changes.
  hashsketch::hyperloglog<12> other;  // seed 0
  other.add(std::uint64_t{1});
  CHECK_THROWS_AS(sketch.merge_from(other), hashsketch::incompatible_sketch_error);
  CHECK(sketch.snapshot() == reference);
}

TEST_CASE("merge_from equals hyperloglog::merge", "[concurrent]") {
  hashsketch::hyperloglog<14> a, b;
  for (auto k : random_keys(30000, 11)) a.add(k);
  for (auto k : random_keys(60000, 12)) b.add(k);
  hashsketch::concurrent_hyperloglog<14> sketch(a);
  sketch.merge_from(b);
  sketch.merge_from(b);  // idempotent
  a.merge(b);
  CHECK(sketch.snapshot() == a);
  CHECK(sketch.estimate() == a.estimate());
}

#if defined(__x86_64__) || defined(__aarch64__) || defined(_M_X64) || defined(_M_ARM64)
TEST_CASE("concurrent_hyperloglog is lock-free on x86-64 and AArch64", "[concurrent]") {
  CHECK(hashsketch::concurrent_hyperloglog<14>::is_always_lock_free);
}
#endif

TEMPLATE_TEST_CASE_SIG("estimates read during adds are monotone per reader and bounded", "[concurrent]",
                       ((unsigned P), P), 6, 10, 14) {
  using concurrent = hashsketch::concurrent_hyperloglog<P>;
  constexpr unsigned writers = 3, readers = 2, phases = 6;
  constexpr std::size_t keys_per_phase = 6000;
  const auto keys = random_keys(phases * keys_per_phase, 0xEE + P);
  // reference[k]: the sketch of every key of phases 0 .. k.
  std::vector<hashsketch::hyperloglog<P>> reference(phases);
  for (unsigned k = 0; k < phases; ++k) {
    if (k > 0) reference[k] = reference[k - 1];
    for (std::size_t i = 0; i < keys_per_phase; ++i) reference[k].add(keys[k * keys_per_phase + i]);
  }

  concurrent sketch;
  // phase_done[k] counts the writers that finished phase k (release); a reader
  // that sees `writers` there (acquire) is ordered after all of phase k.
  std::atomic<unsigned> phase_done[phases];
  for (auto& d : phase_done) d.store(0);
  std::atomic<bool> stop{false};

  struct reading {
    double estimate;
    int complete_phase;     // −1 when no phase was known complete before the read
    bool covers_complete;   // snapshot ≥ reference[complete_phase] register-wise
    bool registers_grew;    // snapshot ≥ this reader's previous snapshot register-wise
    bool interval_ordered;  // lower ≤ estimate ≤ upper of a confidence_interval() call
  };
  std::vector<std::vector<reading>> seen(readers);
  start_gate gate(writers + readers);
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      gate.arrive_and_wait();
      for (unsigned k = 0; k < phases; ++k) {
        const std::size_t begin = k * keys_per_phase + keys_per_phase * w / writers;
        const std::size_t end = k * keys_per_phase + keys_per_phase * (w + 1) / writers;
        add_slice(sketch, keys, begin, end - begin, w + k);
        phase_done[k].fetch_add(1, std::memory_order_release);
      }
    });
  for (unsigned r = 0; r < readers; ++r)
    threads.emplace_back([&, r] {
      gate.arrive_and_wait();
      hashsketch::hyperloglog<P> previous;
      bool last = false;
      // Read until told to stop, then once more: that read follows every add.
      while (!last) {
        last = stop.load(std::memory_order_acquire);
        int complete = -1;
        for (unsigned k = 0; k < phases; ++k)
          if (phase_done[k].load(std::memory_order_acquire) == writers) complete = static_cast<int>(k);
        reading x{};
        x.estimate = sketch.estimate();
        const auto ci = sketch.confidence_interval(0.95);
        x.interval_ordered = ci.lower <= ci.estimate && ci.estimate <= ci.upper;
        const auto snap = sketch.snapshot();
        x.complete_phase = complete;
        const auto at_least = [&](const hashsketch::hyperloglog<P>& lower) {
          const auto a = snap.registers(), b = lower.registers();
          for (std::size_t i = 0; i < a.size(); ++i)
            if (a[i] < b[i]) return false;
          return true;
        };
        x.covers_complete = complete < 0 || at_least(reference[static_cast<std::size_t>(complete)]);
        x.registers_grew = at_least(previous);
        previous = snap;
        seen[r].push_back(x);
      }
    });
  for (unsigned w = 0; w < writers; ++w) threads[w].join();
  stop.store(true, std::memory_order_release);
  for (unsigned r = 0; r < readers; ++r) threads[writers + r].join();

  const auto final_sketch = sketch.snapshot();
  REQUIRE(final_sketch == reference[phases - 1]);
  const double final_estimate = sketch.estimate();
  for (unsigned r = 0; r < readers; ++r) {
    INFO("reader " << r << ", " << seen[r].size() << " readings");
    REQUIRE(!seen[r].empty());
    double before = 0.0;
    for (const reading& x : seen[r]) {
      CHECK(x.estimate >= before);
      CHECK(x.estimate <= final_estimate);
      CHECK(x.registers_grew);
      CHECK(x.covers_complete);
      CHECK(x.interval_ordered);
      if (x.complete_phase >= 0) CHECK(x.estimate >= reference[static_cast<std::size_t>(x.complete_phase)].estimate());
      before = x.estimate;
    }
    // The read after `stop` happened-after every add: it sees all of them.
    CHECK(seen[r].back().estimate == final_estimate);
    CHECK(seen[r].back().complete_phase == static_cast<int>(phases) - 1);
  }
}

TEMPLATE_TEST_CASE_SIG("merge_from during adds gives the registers of the union", "[concurrent]", ((unsigned P), P), 4,
                       8, 14, 16) {
  using concurrent = hashsketch::concurrent_hyperloglog<P>;
  constexpr unsigned writers = 3, mergers = 2, chunks = 8;
  const auto added = random_keys(30000, 0xA0 + P);
  const auto merged = random_keys(30000, 0xB0 + P);
  // The merged keys arrive as `chunks` plain sketches, some sharing keys with
  // the added ones (the first 3000 added keys are in chunk 0 too).
  std::vector<hashsketch::hyperloglog<P>> pieces(chunks);
  for (std::size_t i = 0; i < merged.size(); ++i) pieces[i % chunks].add(merged[i]);
  for (std::size_t i = 0; i < 3000; ++i) pieces[0].add(added[i]);
  hashsketch::hyperloglog<P> reference;
  reference.densify();  // the concurrent sketch is dense: compare dense estimates (docs/sparse.md)
  for (auto k : added) reference.add(k);
  for (const auto& p : pieces) reference.merge(p);

  concurrent sketch;
  start_gate gate(writers + mergers + 1);
  std::atomic<bool> done{false};
  std::vector<double> estimates;
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      gate.arrive_and_wait();
      const std::size_t begin = added.size() * w / writers, end = added.size() * (w + 1) / writers;
      // In small steps, so the merges land between them.
      for (std::size_t at = begin; at < end; at += 500)
        add_slice(sketch, added, at, std::min<std::size_t>(500, end - at), w);
    });
  for (unsigned g = 0; g < mergers; ++g)
    threads.emplace_back([&, g] {
      gate.arrive_and_wait();
      // Both mergers merge every piece, in opposite orders: concurrent merges
      // of the same words as well as merges racing with adds.
      for (unsigned c = 0; c < chunks; ++c) sketch.merge_from(pieces[g == 0 ? c : chunks - 1 - c]);
    });
  threads.emplace_back([&] {
    gate.arrive_and_wait();
    while (!done.load(std::memory_order_acquire)) estimates.push_back(sketch.estimate());
  });
  for (unsigned i = 0; i < writers + mergers; ++i) threads[i].join();
  done.store(true, std::memory_order_release);
  threads.back().join();

  CHECK(sketch.snapshot() == reference);
  const double final_estimate = sketch.estimate();
  CHECK(final_estimate == reference.estimate());
  CHECK(std::is_sorted(estimates.begin(), estimates.end()));
  CHECK(std::all_of(estimates.begin(), estimates.end(), [&](double e) { return e <= final_estimate; }));
}

TEST_CASE("rank increases racing on the same words lose no update", "[concurrent]") {
  // The worst case for the compare-and-swap loop: every add raises its
  // register, and T = 4 threads own the 4 bytes of the same words, so every
  // write races with writes of neighbours in its word. A plain load + store
  // (instead of the CAS) would overwrite a neighbour's fresh byte with its
  // old value, leaving some register below max_rank at the end. The threads
  // meet at a barrier before each block of 256 words so they work on the
  // same words at the same time (as far as the scheduler lets them).
  using concurrent = hashsketch::concurrent_hyperloglog<16>;
  constexpr unsigned threads = 4;
  constexpr std::uint64_t words = concurrent::register_count / 4, block = 256;
  concurrent sketch;
  std::atomic<std::uint64_t> arrived{0};
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (std::uint64_t b = 0; b < words / block; ++b) {
        arrived.fetch_add(1, std::memory_order_acq_rel);
        while (arrived.load(std::memory_order_acquire) < threads * (b + 1)) std::this_thread::yield();
        for (unsigned r = 1; r <= concurrent::max_rank; ++r)
          for (std::uint64_t w = b * block; w < (b + 1) * block; ++w) {
            // Register 4w + t (the top 16 bits), rank r: r − 1 zero bits and
            // a one below the index, or all zeros for the largest rank.
            const std::uint64_t index = 4 * w + t;
            const std::uint64_t rank_bits = r < concurrent::max_rank ? std::uint64_t{1} << (48 - r) : 0;
            sketch.add_hash(index << 48 | rank_bits);
          }
      }
    });
  for (auto& w : workers) w.join();
  const auto snap = sketch.snapshot();
  std::size_t below = 0;
  for (auto v : snap.registers()) below += v != concurrent::max_rank;
  CHECK(below == 0);
}
