// ultraloglog add / merge / estimate, each beside its HyperLogLog baseline
// measured in the same run (issue 15). Targets: ULL add ≤ 1.15× HLL add,
// ULL merge ≤ 2× HLL merge at the same P. Reproduce with
//   bin/hashsketch_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//     --benchmark_filter='BM_ull_'
#include <benchmark/benchmark.h>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/ultraloglog.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

std::vector<std::uint64_t> ull_random_keys(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> keys(n);
  for (auto& k : keys) k = rng();
  return keys;
}

constexpr std::size_t ull_key_count = 1 << 16;

template <class Sketch>
void add_loop(benchmark::State& state) {
  const auto keys = ull_random_keys(ull_key_count, 42);
  Sketch sketch;
  for (auto _ : state) {
    for (std::uint64_t k : keys) sketch.add(k);
    benchmark::DoNotOptimize(sketch.registers().data());
  }
  state.counters["checksum"] = sketch.estimate();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ull_key_count));
}

// Baseline and subject: add() of 2^16 random 64-bit keys (XXH3 + register
// update + histogram upkeep).
template <unsigned P>
void BM_ull_baseline_hll_add(benchmark::State& state) {
  add_loop<hashsketch::hyperloglog<P>>(state);
}
template <unsigned P>
void BM_ull_add(benchmark::State& state) {
  add_loop<hashsketch::ultraloglog<P>>(state);
}

template <class Sketch>
void merge_loop(benchmark::State& state) {
  Sketch a, b;
  for (std::uint64_t k : ull_random_keys(20 * Sketch::register_count, 1)) a.add(k);
  for (std::uint64_t k : ull_random_keys(20 * Sketch::register_count, 2)) b.add(k);
  for (auto _ : state) {
    a.merge(b);
    benchmark::DoNotOptimize(a.registers().data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * Sketch::register_count));
}

// Baseline: HyperLogLog's byte-max merge (m bytes); subject: ULL's prefix
// union (m bytes), both with the dispatched kernel set.
template <unsigned P>
void BM_ull_baseline_hll_merge(benchmark::State& state) {
  merge_loop<hashsketch::hyperloglog<P>>(state);
}
template <unsigned P>
void BM_ull_merge(benchmark::State& state) {
  merge_loop<hashsketch::ultraloglog<P>>(state);
}

// The union kernel of each instruction set on m = 2^14 registers, beside the
// HLL byte-max kernel of the same set.
void BM_ull_merge_kernel(benchmark::State& state, const char* isa, bool ull) {
  const auto* uk = hashsketch::detail::ull_kernels_for(isa);
  const auto* hk = hashsketch::detail::kernels_for(isa);
  if (uk == nullptr || hk == nullptr) {
    state.SkipWithError("kernel set not available on this CPU");
    return;
  }
  hashsketch::ultraloglog<14> a, b;
  for (std::uint64_t k : ull_random_keys(1 << 18, 1)) a.add(k);
  for (std::uint64_t k : ull_random_keys(1 << 18, 2)) b.add(k);
  std::vector<std::uint8_t> x(a.registers().begin(), a.registers().end());
  const std::vector<std::uint8_t> y(b.registers().begin(), b.registers().end());
  for (auto _ : state) {
    if (ull)
      uk->merge(x.data(), y.data(), x.size());
    else
      hk->merge_max(x.data(), y.data(), x.size());
    benchmark::DoNotOptimize(x.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * x.size()));
}

// Estimates of a sketch of n = range(0)·m keys: 4·m (many small-range
// registers: the FGRA pass counts them apart) and 256·m (none left).
template <class Sketch>
void estimate_after_add(benchmark::State& state) {
  Sketch s;
  const std::size_t n = static_cast<std::size_t>(state.range(0)) * Sketch::register_count;
  for (std::uint64_t k : ull_random_keys(n, 3)) s.add(k);
  for (auto _ : state) benchmark::DoNotOptimize(s.estimate());
}
// Right after a merge: no histogram is current, so every estimate reads the
// registers once (HLL: the SIMD register-stats pass; ULL: the FGRA pass
// kernel on AVX2/AVX-512, else a histogram).
template <class Sketch>
void estimate_after_merge(benchmark::State& state) {
  Sketch a, b;
  const std::size_t n = static_cast<std::size_t>(state.range(0)) * Sketch::register_count / 2;
  for (std::uint64_t k : ull_random_keys(n, 3)) a.add(k);
  for (std::uint64_t k : ull_random_keys(n, 4)) b.add(k);
  a.merge(b);
  for (auto _ : state) benchmark::DoNotOptimize(a.estimate());
}
template <unsigned P>
void BM_ull_baseline_hll_estimate_after_add(benchmark::State& state) {
  estimate_after_add<hashsketch::hyperloglog<P>>(state);
}
template <unsigned P>
void BM_ull_estimate_after_add(benchmark::State& state) {
  estimate_after_add<hashsketch::ultraloglog<P>>(state);
}
template <unsigned P>
void BM_ull_baseline_hll_estimate_after_merge(benchmark::State& state) {
  estimate_after_merge<hashsketch::hyperloglog<P>>(state);
}
template <unsigned P>
void BM_ull_estimate_after_merge(benchmark::State& state) {
  estimate_after_merge<hashsketch::ultraloglog<P>>(state);
}
template <unsigned P>
void BM_ull_estimate_ml_after_add(benchmark::State& state) {
  hashsketch::ultraloglog<P> s;
  for (std::uint64_t k : ull_random_keys(4 * s.register_count, 3)) s.add(k);
  for (auto _ : state) benchmark::DoNotOptimize(s.estimate(hashsketch::ull_estimator::ml));
}

}  // namespace

BENCHMARK_TEMPLATE(BM_ull_baseline_hll_add, 10);
BENCHMARK_TEMPLATE(BM_ull_add, 10);
BENCHMARK_TEMPLATE(BM_ull_baseline_hll_add, 14);
BENCHMARK_TEMPLATE(BM_ull_add, 14);
BENCHMARK_TEMPLATE(BM_ull_baseline_hll_add, 16);
BENCHMARK_TEMPLATE(BM_ull_add, 16);
BENCHMARK_TEMPLATE(BM_ull_baseline_hll_merge, 10);
BENCHMARK_TEMPLATE(BM_ull_merge, 10);
BENCHMARK_TEMPLATE(BM_ull_baseline_hll_merge, 12);
BENCHMARK_TEMPLATE(BM_ull_merge, 12);
BENCHMARK_TEMPLATE(BM_ull_baseline_hll_merge, 14);
BENCHMARK_TEMPLATE(BM_ull_merge, 14);
BENCHMARK_TEMPLATE(BM_ull_baseline_hll_merge, 16);
BENCHMARK_TEMPLATE(BM_ull_merge, 16);
BENCHMARK_CAPTURE(BM_ull_merge_kernel, hll_scalar, "scalar", false);
BENCHMARK_CAPTURE(BM_ull_merge_kernel, ull_scalar, "scalar", true);
#if defined(HASHSKETCH_ARCH_X86)
BENCHMARK_CAPTURE(BM_ull_merge_kernel, hll_sse2, "sse2", false);
BENCHMARK_CAPTURE(BM_ull_merge_kernel, ull_sse2, "sse2", true);
BENCHMARK_CAPTURE(BM_ull_merge_kernel, hll_avx2, "avx2", false);
BENCHMARK_CAPTURE(BM_ull_merge_kernel, ull_avx2, "avx2", true);
BENCHMARK_CAPTURE(BM_ull_merge_kernel, hll_avx512, "avx512", false);
BENCHMARK_CAPTURE(BM_ull_merge_kernel, ull_avx512, "avx512", true);
#endif
#if defined(HASHSKETCH_ARCH_AARCH64)
BENCHMARK_CAPTURE(BM_ull_merge_kernel, hll_neon, "neon", false);
BENCHMARK_CAPTURE(BM_ull_merge_kernel, ull_neon, "neon", true);
#endif
BENCHMARK_TEMPLATE(BM_ull_baseline_hll_estimate_after_add, 14)->Arg(4)->Arg(256);
BENCHMARK_TEMPLATE(BM_ull_estimate_after_add, 14)->Arg(4)->Arg(256);
BENCHMARK_TEMPLATE(BM_ull_baseline_hll_estimate_after_merge, 14)->Arg(4)->Arg(256);
BENCHMARK_TEMPLATE(BM_ull_estimate_after_merge, 14)->Arg(4)->Arg(256);
BENCHMARK_TEMPLATE(BM_ull_estimate_ml_after_add, 14);
