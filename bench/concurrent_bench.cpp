// concurrent_hyperloglog (issue 18), each beside a baseline measured in the
// same run:
//  1. Uncontended add: BM_concurrent_add<P> vs BM_concurrent_baseline_hll_add<P>
//     (hyperloglog::add on the same key stream). Target: ratio ≤ 1.3.
//  2. T threads on one shared sketch, BM_concurrent_shared/threads:T, vs T
//     private hyperloglogs merged at the end, BM_concurrent_private/threads:T.
//     Compare the per_thread counter (keys/s added by each thread); the
//     private sketches' final merge (T × m bytes, µs) is outside the timing.
//  3. estimate(): BM_concurrent_estimate<P> (relaxed copy + SIMD stats pass)
//     vs BM_concurrent_baseline_estimate_pass<P> (hyperloglog::estimate()
//     right after a merge: the same stats pass over plain bytes), and
//     snapshot() beside hyperloglog's copy constructor.
// Keys are a stream of distinct integers continuing across iterations, so
// the sketches are in the steady state of a long stream (almost every add
// finds its register already large enough), as in production.
// Reproduce with
//   bin/hashsketch_bench --benchmark_filter='BM_concurrent_' --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <hashsketch/concurrent.hpp>
#include <hashsketch/hyperloglog.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace {

constexpr std::uint64_t batch = 4096;  // adds per benchmark iteration

template <unsigned P>
void BM_concurrent_baseline_hll_add(benchmark::State& state) {
  hashsketch::hyperloglog<P> sketch;
  std::uint64_t next = 0;
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < batch; ++i) sketch.add(next++);
    benchmark::DoNotOptimize(sketch.registers().data());
  }
  state.counters["checksum"] = sketch.estimate();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

template <unsigned P>
void BM_concurrent_add(benchmark::State& state) {
  hashsketch::concurrent_hyperloglog<P> sketch;
  std::uint64_t next = 0;
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < batch; ++i) sketch.add(next++);
    benchmark::ClobberMemory();
  }
  state.counters["checksum"] = sketch.estimate();  // equals the baseline's at equal iterations
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

BENCHMARK_TEMPLATE(BM_concurrent_baseline_hll_add, 10);
BENCHMARK_TEMPLATE(BM_concurrent_add, 10);
BENCHMARK_TEMPLATE(BM_concurrent_baseline_hll_add, 14);
BENCHMARK_TEMPLATE(BM_concurrent_add, 14);
BENCHMARK_TEMPLATE(BM_concurrent_baseline_hll_add, 16);
BENCHMARK_TEMPLATE(BM_concurrent_add, 16);

// --- T threads: one shared sketch vs private sketches ------------------------

constexpr unsigned contended_p = 14;

hashsketch::concurrent_hyperloglog<contended_p>& shared_sketch() {
  static hashsketch::concurrent_hyperloglog<contended_p> sketch;
  return sketch;
}

// Thread t adds keys t·2^40, t·2^40 + 1, ...: distinct across threads and runs.
std::uint64_t first_key(const benchmark::State& state, std::uint64_t run) {
  return (static_cast<std::uint64_t>(state.thread_index()) << 40) + (run << 32);
}

void count_per_thread(benchmark::State& state) {
  const auto items = static_cast<double>(state.iterations() * batch);
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
  // Rate per thread: summed over threads, then divided by their number.
  state.counters["per_thread"] =
      benchmark::Counter(items, benchmark::Counter::kIsRate | benchmark::Counter::kAvgThreads);
}

void BM_concurrent_shared(benchmark::State& state) {
  static std::atomic<std::uint64_t> runs{0};
  auto& sketch = shared_sketch();
  std::uint64_t next = first_key(state, runs.fetch_add(1));
  for (auto _ : state)
    for (std::uint64_t i = 0; i < batch; ++i) sketch.add(next++);
  count_per_thread(state);
  if (state.thread_index() == 0) state.counters["checksum"] = sketch.estimate();
}
BENCHMARK(BM_concurrent_shared)->ThreadRange(1, 16)->UseRealTime();

void BM_concurrent_private(benchmark::State& state) {
  static std::atomic<std::uint64_t> runs{0};
  static std::mutex merged_lock;
  static hashsketch::hyperloglog<contended_p> merged;
  hashsketch::hyperloglog<contended_p> own;
  std::uint64_t next = first_key(state, runs.fetch_add(1));
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < batch; ++i) own.add(next++);
    benchmark::DoNotOptimize(own.registers().data());
  }
  {
    std::lock_guard<std::mutex> hold(merged_lock);
    merged.merge(own);
  }
  count_per_thread(state);
}
BENCHMARK(BM_concurrent_private)->ThreadRange(1, 16)->UseRealTime();

// --- estimate() and snapshot() -------------------------------------------------

template <unsigned P>
void fill(hashsketch::concurrent_hyperloglog<P>& c, hashsketch::hyperloglog<P>& plain) {
  for (std::uint64_t k = 0; k < 8 * (std::uint64_t{1} << P); ++k) {
    c.add(k);
    plain.add(k);
  }
}

template <unsigned P>
void BM_concurrent_estimate(benchmark::State& state) {
  hashsketch::concurrent_hyperloglog<P> sketch;
  hashsketch::hyperloglog<P> plain;
  fill(sketch, plain);
  for (auto _ : state) benchmark::DoNotOptimize(sketch.estimate());
  state.counters["checksum"] = sketch.estimate();
}

// hyperloglog::estimate() after a merge: its histogram is stale, so every
// call is the same one-pass SIMD stats kernel over the plain register bytes.
template <unsigned P>
void BM_concurrent_baseline_estimate_pass(benchmark::State& state) {
  hashsketch::concurrent_hyperloglog<P> sketch;
  hashsketch::hyperloglog<P> plain;
  fill(sketch, plain);
  hashsketch::hyperloglog<P> merged;
  merged.merge(plain);
  for (auto _ : state) benchmark::DoNotOptimize(merged.estimate());
  state.counters["checksum"] = merged.estimate();
}

template <unsigned P>
void BM_concurrent_snapshot(benchmark::State& state) {
  hashsketch::concurrent_hyperloglog<P> sketch;
  hashsketch::hyperloglog<P> plain;
  fill(sketch, plain);
  for (auto _ : state) {
    auto copy = sketch.snapshot();
    benchmark::DoNotOptimize(copy.registers().data());
  }
}

// Copying a plain sketch (allocate m bytes + memcpy): the floor for snapshot().
template <unsigned P>
void BM_concurrent_baseline_copy(benchmark::State& state) {
  hashsketch::concurrent_hyperloglog<P> sketch;
  hashsketch::hyperloglog<P> plain;
  fill(sketch, plain);
  for (auto _ : state) {
    auto copy = plain;
    benchmark::DoNotOptimize(copy.registers().data());
  }
}

BENCHMARK_TEMPLATE(BM_concurrent_baseline_estimate_pass, 10);
BENCHMARK_TEMPLATE(BM_concurrent_estimate, 10);
BENCHMARK_TEMPLATE(BM_concurrent_baseline_estimate_pass, 14);
BENCHMARK_TEMPLATE(BM_concurrent_estimate, 14);
BENCHMARK_TEMPLATE(BM_concurrent_baseline_estimate_pass, 16);
BENCHMARK_TEMPLATE(BM_concurrent_estimate, 16);
BENCHMARK_TEMPLATE(BM_concurrent_baseline_copy, 14);
BENCHMARK_TEMPLATE(BM_concurrent_snapshot, 14);

}  // namespace
