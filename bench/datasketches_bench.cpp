// DataSketches HLL image parse (from_datasketches) and write (to_datasketches)
// for HLL_8, HLL_6 and HLL_4 at lg_k 12, 14, 16, each beside an in-run baseline: a
// plain copy of the same number of bytes into a fresh vector (what reading or
// writing the image can never beat: the bytes have to move once).
//
//   bin/hashsketch_bench --benchmark_filter=datasketches --benchmark_repetitions=9
//                        --benchmark_report_aggregates_only=true
//
// The sketches hold 16·2^lg_k random keys, so every register is set and the
// HLL_4 images carry aux (exception) entries, as real day-scale sketches do.
#include <benchmark/benchmark.h>
#include <hashsketch/datasketches.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace {

template <unsigned P>
hashsketch::datasketches_hyperloglog<P> filled_sketch() {
  hashsketch::datasketches_hyperloglog<P> s;
  std::mt19937_64 rng(P);
  for (std::size_t i = 0; i < (std::size_t{16} << P); ++i) s.add(rng());
  return s;
}

template <unsigned P, hashsketch::ds_target T>
void BM_datasketches_parse(benchmark::State& state) {
  const auto image = hashsketch::to_datasketches(filled_sketch<P>(), T);
  double checksum = 0;
  for (auto _ : state) {
    auto s = hashsketch::from_datasketches<P>(image.data(), image.size());
    benchmark::DoNotOptimize(s.registers().data());
    checksum += s.registers()[0];
  }
  state.counters["image_bytes"] = static_cast<double>(image.size());
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * image.size()));
}

template <unsigned P, hashsketch::ds_target T>
void BM_datasketches_write(benchmark::State& state) {
  const auto sketch = filled_sketch<P>();
  std::size_t size = 0;
  for (auto _ : state) {
    auto image = hashsketch::to_datasketches(sketch, T);
    benchmark::DoNotOptimize(image.data());
    size = image.size();
  }
  state.counters["image_bytes"] = static_cast<double>(size);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

// Baseline: copy an image-sized buffer into a new vector (allocation + memcpy),
// the same work shape as parse (which allocates 2^P registers) and write
// (which allocates the image).
template <unsigned P, hashsketch::ds_target T>
void BM_datasketches_copy_baseline(benchmark::State& state) {
  const auto image = hashsketch::to_datasketches(filled_sketch<P>(), T);
  for (auto _ : state) {
    std::vector<std::uint8_t> copy(image.begin(), image.end());
    benchmark::DoNotOptimize(copy.data());
  }
  state.counters["image_bytes"] = static_cast<double>(image.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * image.size()));
}

using hashsketch::ds_target;
#define HASHSKETCH_DS_BENCH(P, T)                                    \
  BENCHMARK_TEMPLATE(BM_datasketches_copy_baseline, P, T)->Unit(benchmark::kMicrosecond); \
  BENCHMARK_TEMPLATE(BM_datasketches_parse, P, T)->Unit(benchmark::kMicrosecond);         \
  BENCHMARK_TEMPLATE(BM_datasketches_write, P, T)->Unit(benchmark::kMicrosecond);

HASHSKETCH_DS_BENCH(12, ds_target::hll_8)
HASHSKETCH_DS_BENCH(12, ds_target::hll_6)
HASHSKETCH_DS_BENCH(12, ds_target::hll_4)
HASHSKETCH_DS_BENCH(14, ds_target::hll_8)
HASHSKETCH_DS_BENCH(14, ds_target::hll_6)
HASHSKETCH_DS_BENCH(14, ds_target::hll_4)
HASHSKETCH_DS_BENCH(16, ds_target::hll_8)
HASHSKETCH_DS_BENCH(16, ds_target::hll_6)
HASHSKETCH_DS_BENCH(16, ds_target::hll_4)

#undef HASHSKETCH_DS_BENCH

}  // namespace
