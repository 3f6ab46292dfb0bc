// hyperloglog add / add_many / estimate, each beside an in-run baseline
// (issue 3). Targets: add ≤ 1.1× BM_baseline_hash_max at the same P;
// estimate() on an added-to sketch ≤ 5 ns at every P (issue 16; beside
// BM_baseline_estimate_recomputed, the O(q) recomputation it replaced), and
// the warm-up cost of keeping it current, BM_add_warmup beside
// BM_baseline_hash_max_warmup. Reproduce with
//   bin/hashsketch_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//     --benchmark_filter='BM_(baseline_hash_max|add|add_many|estimate_after_add|estimate_after_merge|
//     merge_then_estimate|baseline_histogram_pass|baseline_estimate_recomputed|add_warmup|
//     baseline_hash_max_warmup)<'   (one line, no spaces)
#include <benchmark/benchmark.h>
#include <hashsketch/hyperloglog.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace {

std::vector<std::uint64_t> random_keys(std::size_t n) {
  std::mt19937_64 rng(42);
  std::vector<std::uint64_t> keys(n);
  for (auto& k : keys) k = rng();
  return keys;
}

constexpr std::size_t key_count = 1 << 16;

// Baseline: XXH3 of the key's 8 bytes, top P bits as index, one branchless
// max into a byte array — the least any HLL add can do.
template <unsigned P>
void BM_baseline_hash_max(benchmark::State& state) {
  const auto keys = random_keys(key_count);
  std::vector<std::uint8_t> regs(std::size_t{1} << P);
  const hashsketch::xxh3_hasher hasher;
  for (auto _ : state) {
    for (std::uint64_t k : keys) {
      const std::uint64_t h = hasher(k);
      const std::size_t idx = h >> (64 - P);
      const auto rank = static_cast<std::uint8_t>(__builtin_clzll((h << P) | (1ull << (P - 1))) + 1);
      regs[idx] = rank > regs[idx] ? rank : regs[idx];
    }
    benchmark::DoNotOptimize(regs.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * key_count));
}

template <unsigned P>
void BM_add(benchmark::State& state) {
  const auto keys = random_keys(key_count);
  hashsketch::hyperloglog<P> sketch;
  for (auto _ : state) {
    for (std::uint64_t k : keys) sketch.add(k);
    benchmark::DoNotOptimize(sketch.registers().data());
  }
  state.counters["checksum"] = sketch.estimate();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * key_count));
}

template <unsigned P>
void BM_add_many(benchmark::State& state) {
  const auto keys = random_keys(key_count);
  hashsketch::hyperloglog<P> sketch;
  for (auto _ : state) {
    sketch.add_many(keys.data(), keys.size());
    benchmark::DoNotOptimize(sketch.registers().data());
  }
  state.counters["checksum"] = sketch.estimate();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * key_count));
}

// issue 16: estimate() on a sketch that was only added to, target ≤ 5 ns.
// add() keeps the estimate current, so this is a load; the in-run baseline
// below is the O(q) recomputation from the histogram that estimate() did
// before (σ/τ series + Σ C_k·2^−k), the ratio is the speed-up.
template <unsigned P>
void BM_estimate_after_add(benchmark::State& state) {
  const auto keys = random_keys(key_count);
  hashsketch::hyperloglog<P> sketch;
  sketch.add_many(keys.data(), keys.size());
  for (auto _ : state) benchmark::DoNotOptimize(sketch.estimate());
}

template <unsigned P>
void BM_baseline_estimate_recomputed(benchmark::State& state) {
  using sketch_type = hashsketch::hyperloglog<P>;
  const auto keys = random_keys(key_count);
  sketch_type sketch;
  sketch.add_many(keys.data(), keys.size());
  const hashsketch::register_histogram h = sketch.histogram();
  for (auto _ : state) {
    benchmark::DoNotOptimize(&h);  // the histogram may have changed: recompute
    benchmark::DoNotOptimize(hashsketch::hll_family::estimate(h, sketch_type::register_count, sketch_type::max_rank - 1u));
  }
}

// What keeping the estimate current costs add(): 2·m fresh keys into an
// empty sketch, the warm-up where most adds change a register (and so
// recompute the estimate). Baseline: the same keys through XXH3 + max into a
// zeroed array (BM_baseline_hash_max's loop), the memset included in both.
template <unsigned P>
void BM_add_warmup(benchmark::State& state) {
  const auto keys = random_keys(std::size_t{2} << P);
  hashsketch::hyperloglog<P> sketch;
  for (auto _ : state) {
    sketch.clear();
    for (std::uint64_t k : keys) sketch.add(k);
    benchmark::DoNotOptimize(sketch.registers().data());
  }
  state.counters["checksum"] = sketch.estimate();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}

template <unsigned P>
void BM_baseline_hash_max_warmup(benchmark::State& state) {
  const auto keys = random_keys(std::size_t{2} << P);
  std::vector<std::uint8_t> regs(std::size_t{1} << P);
  const hashsketch::xxh3_hasher hasher;
  for (auto _ : state) {
    std::fill(regs.begin(), regs.end(), std::uint8_t{0});
    for (std::uint64_t k : keys) {
      const std::uint64_t h = hasher(k);
      const std::size_t idx = h >> (64 - P);
      const auto rank = static_cast<std::uint8_t>(__builtin_clzll((h << P) | (1ull << (P - 1))) + 1);
      regs[idx] = rank > regs[idx] ? rank : regs[idx];
    }
    benchmark::DoNotOptimize(regs.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}

// estimate() right after a merge: the histogram is stale, so every call pays
// one pass over the m registers (nothing is cached by a const method).
template <unsigned P>
void BM_estimate_after_merge(benchmark::State& state) {
  const auto keys = random_keys(key_count);
  hashsketch::hyperloglog<P> a, b;
  a.add_many(keys.data(), keys.size() / 2);
  b.add_many(keys.data() + keys.size() / 2, keys.size() / 2);
  a.merge(b);
  for (auto _ : state) benchmark::DoNotOptimize(a.estimate());
  state.counters["checksum"] = a.estimate();
}

// The whole "merge a shard, read the total" step, for scale.
template <unsigned P>
void BM_merge_then_estimate(benchmark::State& state) {
  const auto keys = random_keys(key_count);
  hashsketch::hyperloglog<P> a, b;
  a.add_many(keys.data(), keys.size() / 2);
  b.add_many(keys.data() + keys.size() / 2, keys.size() / 2);
  for (auto _ : state) {
    a.merge(b);
    benchmark::DoNotOptimize(a.estimate());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (std::size_t{1} << P)));
}

// Baseline for the two above: one plain pass that counts the m register
// values into a histogram (what a non-incremental estimate needs first).
template <unsigned P>
void BM_baseline_histogram_pass(benchmark::State& state) {
  const auto keys = random_keys(key_count);
  hashsketch::hyperloglog<P> a;
  a.add_many(keys.data(), keys.size());
  const std::uint8_t* regs = a.registers().data();
  std::uint32_t counts[64];
  for (auto _ : state) {
    for (auto& c : counts) c = 0;
    for (std::size_t i = 0; i < (std::size_t{1} << P); ++i) ++counts[regs[i] & 63u];
    benchmark::DoNotOptimize(counts);
  }
}

}  // namespace

BENCHMARK_TEMPLATE(BM_baseline_hash_max, 10);
BENCHMARK_TEMPLATE(BM_add, 10);
BENCHMARK_TEMPLATE(BM_add_many, 10);
BENCHMARK_TEMPLATE(BM_baseline_hash_max, 14);
BENCHMARK_TEMPLATE(BM_add, 14);
BENCHMARK_TEMPLATE(BM_add_many, 14);
BENCHMARK_TEMPLATE(BM_baseline_hash_max, 16);
BENCHMARK_TEMPLATE(BM_add, 16);
BENCHMARK_TEMPLATE(BM_add_many, 16);
BENCHMARK_TEMPLATE(BM_baseline_estimate_recomputed, 12);
BENCHMARK_TEMPLATE(BM_estimate_after_add, 12);
BENCHMARK_TEMPLATE(BM_baseline_estimate_recomputed, 14);
BENCHMARK_TEMPLATE(BM_estimate_after_add, 14);
BENCHMARK_TEMPLATE(BM_baseline_estimate_recomputed, 16);
BENCHMARK_TEMPLATE(BM_estimate_after_add, 16);
BENCHMARK_TEMPLATE(BM_baseline_hash_max_warmup, 10);
BENCHMARK_TEMPLATE(BM_add_warmup, 10);
BENCHMARK_TEMPLATE(BM_baseline_hash_max_warmup, 14);
BENCHMARK_TEMPLATE(BM_add_warmup, 14);
BENCHMARK_TEMPLATE(BM_baseline_histogram_pass, 12);
BENCHMARK_TEMPLATE(BM_estimate_after_merge, 12);
BENCHMARK_TEMPLATE(BM_merge_then_estimate, 12);
BENCHMARK_TEMPLATE(BM_baseline_histogram_pass, 14);
BENCHMARK_TEMPLATE(BM_estimate_after_merge, 14);
BENCHMARK_TEMPLATE(BM_merge_then_estimate, 14);
BENCHMARK_TEMPLATE(BM_baseline_histogram_pass, 16);
BENCHMARK_TEMPLATE(BM_estimate_after_merge, 16);
BENCHMARK_TEMPLATE(BM_merge_then_estimate, 16);
