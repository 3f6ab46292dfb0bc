// time_window queries and adds, each beside an in-run baseline:
//  - a 24-hour query (1440 one-minute buckets of hyperloglog<14>, 23.6 MB of
//    registers) against merge_all + estimate over a plain vector of the same
//    1440 sketches: the ring bookkeeping should cost nothing measurable, so
//    the ratio should be ≈ 1;
//  - add(t, key) into the window, as a live stream, against add(key) into
//    one sketch: the price of finding the bucket (and of creating each
//    bucket's sketch once per minute).
#include <benchmark/benchmark.h>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/set_operations.hpp>
#include <hashsketch/time_window.hpp>

#include <cstdint>
#include <random>
#include <vector>

namespace {

using tw_sketch = hashsketch::hyperloglog<14>;
constexpr std::int64_t tw_width = 60;
constexpr std::size_t tw_buckets = 1440;
constexpr int tw_keys_per_bucket = 300;

void BM_baseline_merge_all_1440_p14(benchmark::State& state) {
  std::mt19937_64 rng(1);
  std::vector<tw_sketch> sketches(tw_buckets);
  for (auto& s : sketches)
    for (int i = 0; i < tw_keys_per_bucket; ++i) s.add(rng());
  double checksum = 0;
  for (auto _ : state) {
    checksum = hashsketch::merge_all(sketches.begin(), sketches.end()).estimate();
    benchmark::DoNotOptimize(checksum);
  }
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * tw_buckets * tw_sketch::register_count));
}
BENCHMARK(BM_baseline_merge_all_1440_p14)->Unit(benchmark::kMicrosecond);

void BM_time_window_last_24h_p14(benchmark::State& state) {
  std::mt19937_64 rng(1);  // the same keys as the baseline, bucket by bucket
  hashsketch::time_window<tw_sketch> w(tw_width, tw_buckets);
  for (std::size_t b = 0; b < tw_buckets; ++b)
    for (int i = 0; i < tw_keys_per_bucket; ++i) w.add(static_cast<std::int64_t>(b) * tw_width, rng());
  double checksum = 0;
  for (auto _ : state) {
    checksum = w.estimate_last(86400);
    benchmark::DoNotOptimize(checksum);
  }
  state.counters["checksum"] = checksum;  // equals the baseline's
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * tw_buckets * tw_sketch::register_count));
}
BENCHMARK(BM_time_window_last_24h_p14)->Unit(benchmark::kMicrosecond);

constexpr std::size_t tw_add_count = 1 << 16;

void BM_baseline_sketch_add(benchmark::State& state) {
  std::mt19937_64 rng(2);
  std::vector<std::uint64_t> keys(tw_add_count);
  for (auto& k : keys) k = rng();
  tw_sketch s;
  for (auto _ : state) {
    for (auto k : keys) s.add(k);
    benchmark::DoNotOptimize(s.registers().data());
  }
  state.counters["checksum"] = s.estimate();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * tw_add_count));
}
BENCHMARK(BM_baseline_sketch_add);

void BM_time_window_add(benchmark::State& state) {
  std::mt19937_64 rng(2);
  std::vector<std::uint64_t> keys(tw_add_count);
  for (auto& k : keys) k = rng();
  // A live stream: 1000 events a minute (so each one-minute bucket's sketch
  // is created once per 1000 adds), 5 % of them up to 10 minutes late; time
  // keeps moving across iterations, so old buckets retire as in production.
  std::vector<std::int64_t> offsets(tw_add_count);
  for (std::size_t i = 0; i < tw_add_count; ++i)
    offsets[i] = static_cast<std::int64_t>(i) * 60 / 1000 - (rng() % 20 == 0 ? static_cast<std::int64_t>(rng() % 600) : 0);
  const std::int64_t span = static_cast<std::int64_t>(tw_add_count) * 60 / 1000;
  hashsketch::time_window<tw_sketch> w(tw_width, tw_buckets);
  std::int64_t base = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < tw_add_count; ++i) w.add(base + offsets[i], keys[i]);
    base += span;
    benchmark::DoNotOptimize(&w);
  }
  state.counters["checksum"] = static_cast<double>(w.accepted());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * tw_add_count));
}
BENCHMARK(BM_time_window_add);

}  // namespace
