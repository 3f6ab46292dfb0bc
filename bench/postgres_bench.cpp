// PostgreSQL hll: add (while the sketch lists whole hashes, and after it was
// promoted to registers only), write (to_postgres) and parse (from_postgres)
// of FULL values at log2m 11 and 14, each beside an in-run baseline:
//   - add: the same keys into the bare register core (core_type), i.e. what
//     the small state of whole hashes costs on top of the registers;
//   - write / parse: a plain copy of the same number of bytes into a fresh
//     vector (the bytes have to move once).
//
//   bin/hashsketch_bench --benchmark_filter=postgres --benchmark_repetitions=9
//                        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <hashsketch/postgresql.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

namespace {

// The first `limit` distinct keys go into the EXPLICIT list; benchmark both
// regimes with the automatic limit (160 hashes at P = 11, 1280 at P = 14).
template <unsigned P>
void BM_postgres_add_explicit(benchmark::State& state) {
  using sketch_t = hashsketch::postgres_hyperloglog<P>;
  const std::int64_t n = static_cast<std::int64_t>(sketch_t::auto_explicit_limit);
  for (auto _ : state) {
    sketch_t s;
    for (std::int64_t k = 0; k < n; ++k) s.add(k);
    benchmark::DoNotOptimize(s.registers().data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

template <unsigned P>
void BM_postgres_add_core_baseline(benchmark::State& state) {
  using sketch_t = hashsketch::postgres_hyperloglog<P>;
  const std::int64_t n = static_cast<std::int64_t>(sketch_t::auto_explicit_limit);
  const hashsketch::postgres_hasher h;
  for (auto _ : state) {
    typename sketch_t::core_type s;
    for (std::int64_t k = 0; k < n; ++k) s.add_hash(h(k));
    benchmark::DoNotOptimize(s.registers().data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

template <unsigned P>
hashsketch::postgres_hyperloglog<P> filled_sketch() {
  hashsketch::postgres_hyperloglog<P> s;
  for (std::int64_t k = 0; k < (std::int64_t{16} << P); ++k) s.add(k);
  return s;
}

template <unsigned P>
void BM_postgres_add_promoted(benchmark::State& state) {
  auto s = filled_sketch<P>();
  std::int64_t k = std::int64_t{16} << P;
  for (auto _ : state) s.add(k++);
  benchmark::DoNotOptimize(s.registers().data());
  state.SetItemsProcessed(state.iterations());
}

template <unsigned P>
void BM_postgres_write(benchmark::State& state) {
  const auto s = filled_sketch<P>();
  std::size_t size = 0;
  for (auto _ : state) {
    auto image = hashsketch::to_postgres(s);
    benchmark::DoNotOptimize(image.data());
    size = image.size();
  }
  state.counters["image_bytes"] = static_cast<double>(size);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

template <unsigned P>
void BM_postgres_parse(benchmark::State& state) {
  const auto image = hashsketch::to_postgres(filled_sketch<P>());
  double checksum = 0;
  for (auto _ : state) {
    auto s = hashsketch::from_postgres<P>(image.data(), image.size());
    benchmark::DoNotOptimize(s.registers().data());
    checksum += s.registers()[0];
  }
  state.counters["image_bytes"] = static_cast<double>(image.size());
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * image.size()));
}

template <unsigned P>
void BM_postgres_copy_baseline(benchmark::State& state) {
  const auto image = hashsketch::to_postgres(filled_sketch<P>());
  for (auto _ : state) {
    std::vector<std::uint8_t> copy(image.size());
    std::memcpy(copy.data(), image.data(), image.size());
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * image.size()));
}

BENCHMARK_TEMPLATE(BM_postgres_add_explicit, 11);
BENCHMARK_TEMPLATE(BM_postgres_add_core_baseline, 11);
BENCHMARK_TEMPLATE(BM_postgres_add_explicit, 14);
BENCHMARK_TEMPLATE(BM_postgres_add_core_baseline, 14);
BENCHMARK_TEMPLATE(BM_postgres_add_promoted, 14);
BENCHMARK_TEMPLATE(BM_postgres_write, 11);
BENCHMARK_TEMPLATE(BM_postgres_parse, 11);
BENCHMARK_TEMPLATE(BM_postgres_copy_baseline, 11);
BENCHMARK_TEMPLATE(BM_postgres_write, 14);
BENCHMARK_TEMPLATE(BM_postgres_parse, 14);
BENCHMARK_TEMPLATE(BM_postgres_copy_baseline, 14);

}  // namespace
