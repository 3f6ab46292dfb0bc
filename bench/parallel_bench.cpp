// parallel_add speed-up: one sketch built from 2^22 64-bit keys (and from
// 2^20 string keys) on 1, 2, 4, 8 and 16 threads, beside the in-run baselines
// of the single-threaded add over the same keys (what parallel_add with 1
// thread must equal in speed) and of merely reading the 64-bit keys.
// Wall-clock time (UseRealTime): the work happens on threads that the
// benchmark's CPU timer would not see. Compare the medians of
//   hashsketch_bench --benchmark_filter='parallel|baseline_(add|read|thread)'
//                    --benchmark_repetitions=7 --benchmark_report_aggregates_only=true
// speed-up(t) = time(BM_baseline_add_many_single) / time(BM_parallel_add/threads:t),
// and likewise for the _strings pair.
#include <benchmark/benchmark.h>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/parallel.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t parallel_key_count = std::size_t{1} << 22;  // 32 MiB of keys: larger than the caches

const std::vector<std::uint64_t>& parallel_keys() {
  static const std::vector<std::uint64_t> keys = [] {
    std::mt19937_64 rng(2022);
    std::vector<std::uint64_t> k(parallel_key_count);
    for (auto& x : k) x = rng();
    return k;
  }();
  return keys;
}

void BM_baseline_add_many_single(benchmark::State& state) {
  const auto& keys = parallel_keys();
  double checksum = 0;
  for (auto _ : state) {
    hashsketch::hyperloglog<14> s;
    s.add_many(keys.data(), keys.size());
    benchmark::DoNotOptimize(s.registers().data());
    checksum = s.estimate();
  }
  state.counters["checksum"] = checksum;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}
BENCHMARK(BM_baseline_add_many_single)->UseRealTime()->Unit(benchmark::kMillisecond);

// parallel_add over one key set (integers or strings), state.range(0) threads.
template <class KeySet>
void run_parallel_add(benchmark::State& state, const KeySet& keys) {
  const auto threads = static_cast<unsigned>(state.range(0));
  double checksum = 0;
  for (auto _ : state) {
    hashsketch::hyperloglog<14> s;
    hashsketch::parallel_add(s, keys.data(), keys.size(), threads);
    benchmark::DoNotOptimize(s.registers().data());
    checksum = s.estimate();
  }
  state.counters["checksum"] = checksum;  // equal for every thread count
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}

void BM_parallel_add(benchmark::State& state) { run_parallel_add(state, parallel_keys()); }
BENCHMARK(BM_parallel_add)->ArgName("threads")->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Arg(16)->UseRealTime()->Unit(
    benchmark::kMillisecond);

// The fixed price of each extra thread: start one and join it (the figure
// quoted in parallel.hpp's cost note).
void BM_baseline_thread_start_join(benchmark::State& state) {
  for (auto _ : state) {
    std::thread t([] {});
    t.join();
  }
}
BENCHMARK(BM_baseline_thread_start_join)->UseRealTime()->Unit(benchmark::kMicrosecond);

// What reading the keys alone costs (one pass, summing): when add_many is
// close to it, a single thread is already memory-bound and more threads can
// only gain what extra memory bandwidth the machine has.
void BM_baseline_read_keys(benchmark::State& state) {
  const auto& keys = parallel_keys();
  std::uint64_t sum = 0;
  for (auto _ : state) {
    for (auto k : keys) sum += k;
    benchmark::DoNotOptimize(sum);
  }
  state.counters["checksum"] = static_cast<double>(sum & 0xffff);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}
BENCHMARK(BM_baseline_read_keys)->UseRealTime()->Unit(benchmark::kMillisecond);

// String keys ("user-<n>", 10–12 bytes): hashing, not memory, is the cost,
// which is where threads pay off.
constexpr std::size_t string_key_count = std::size_t{1} << 20;

const std::vector<std::string>& string_keys() {
  static const std::vector<std::string> keys = [] {
    std::mt19937_64 rng(2023);
    std::vector<std::string> k(string_key_count);
    for (auto& x : k) x = "user-" + std::to_string(rng() % 100000000);
    return k;
  }();
  return keys;
}

void BM_baseline_add_strings_single(benchmark::State& state) {
  const auto& keys = string_keys();
  double checksum = 0;
  for (auto _ : state) {
    hashsketch::hyperloglog<14> s;
    for (const auto& k : keys) s.add(k);
    benchmark::DoNotOptimize(s.registers().data());
    checksum = s.estimate();
  }
  state.counters["checksum"] = checksum;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}
BENCHMARK(BM_baseline_add_strings_single)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_parallel_add_strings(benchmark::State& state) { run_parallel_add(state, string_keys()); }
BENCHMARK(BM_parallel_add_strings)->ArgName("threads")->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Arg(16)->UseRealTime()->Unit(
    benchmark::kMillisecond);

}  // namespace
