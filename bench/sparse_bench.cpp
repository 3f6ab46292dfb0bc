// The sparse state's add cost against the dense add, in one run (issue 14:
// amortised sparse add ≤ 3× the dense add). Each iteration builds a fresh
// hyperloglog<P> from n distinct keys, n = the keys it takes just before it
// would promote (the whole life of a sparse sketch):
//
//   sparse/add/P<P>        new sketch (sparse), n × add(uint64)
//   sparse/dense_add/P<P>  new sketch, densify(), the same n × add(uint64)
//   sparse/add_many/P<P>   new sketch (sparse), add_many of the n keys
//   sparse/add_only/P<P>, sparse/dense_add_only/P<P>
//                          the first two without the final estimate (which
//                          in the sparse state sorts and merges the buffer):
//                          the add cost alone; the sketch escapes through
//                          DoNotOptimize so that no add can be elided
//
// Both include constructing and destroying the sketch (the dense one: its
// m + 344-byte block, allocated and zeroed — a few hundred ns against n adds).
// Items = keys, so items/s compare directly; the ratio of the medians is the
// figure (docs/sparse.md).
//
//   bin/hashsketch_bench --benchmark_filter='^sparse/' --benchmark_repetitions=5
//                        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <hashsketch/hyperloglog.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace {

std::vector<std::uint64_t> sparse_bench_keys(std::size_t n) {
  std::uint64_t state = 0x5a55e;
  std::vector<std::uint64_t> keys(n);
  for (auto& k : keys) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    k = z ^ (z >> 31);
  }
  return keys;
}

// The keys a hyperloglog<P> holds while sparse: those before its promotion.
template <unsigned P>
const std::vector<std::uint64_t>& sparse_life_keys() {
  static const std::vector<std::uint64_t> keys = [] {
    std::vector<std::uint64_t> all = sparse_bench_keys(std::size_t{1} << P);
    hashsketch::hyperloglog<P> s;
    std::size_t n = 0;
    while (n < all.size()) {
      s.add(all[n]);
      if (!s.is_sparse()) break;
      ++n;
    }
    all.resize(n);
    return all;
  }();
  return keys;
}

// n adds into a new sketch, sparse or densify()'d first, then (Estimate)
// one estimate, or else the sketch escapes through DoNotOptimize so that no
// add can be elided. sparse_to_the_end: the sparse runs never promoted.
template <unsigned P, bool Dense, bool Estimate>
void BM_adds(benchmark::State& state) {
  const auto& keys = sparse_life_keys<P>();
  bool sparse = true;
  for (auto _ : state) {
    hashsketch::hyperloglog<P> s;
    if (Dense) s.densify();
    for (std::uint64_t k : keys) s.add(k);
    sparse = sparse && s.is_sparse();
    if (Estimate) {
      benchmark::DoNotOptimize(s.estimate());
    } else {
      benchmark::DoNotOptimize(s);
      benchmark::ClobberMemory();
    }
  }
  state.counters["sparse_to_the_end"] = sparse ? 1 : 0;
  state.counters["keys"] = static_cast<double>(keys.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}

template <unsigned P>
void BM_sparse_add_many(benchmark::State& state) {
  const auto& keys = sparse_life_keys<P>();
  for (auto _ : state) {
    hashsketch::hyperloglog<P> s;
    s.add_many(keys.data(), keys.size());
    benchmark::DoNotOptimize(s.estimate());
  }
  state.counters["keys"] = static_cast<double>(keys.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}

}  // namespace

BENCHMARK_TEMPLATE(BM_adds, 12, false, true)->Name("sparse/add/P12");
BENCHMARK_TEMPLATE(BM_adds, 12, true, true)->Name("sparse/dense_add/P12");
BENCHMARK_TEMPLATE(BM_sparse_add_many, 12)->Name("sparse/add_many/P12");
BENCHMARK_TEMPLATE(BM_adds, 12, false, false)->Name("sparse/add_only/P12");
BENCHMARK_TEMPLATE(BM_adds, 12, true, false)->Name("sparse/dense_add_only/P12");
BENCHMARK_TEMPLATE(BM_adds, 14, false, true)->Name("sparse/add/P14");
BENCHMARK_TEMPLATE(BM_adds, 14, true, true)->Name("sparse/dense_add/P14");
BENCHMARK_TEMPLATE(BM_sparse_add_many, 14)->Name("sparse/add_many/P14");
BENCHMARK_TEMPLATE(BM_adds, 14, false, false)->Name("sparse/add_only/P14");
BENCHMARK_TEMPLATE(BM_adds, 14, true, false)->Name("sparse/dense_add_only/P14");
BENCHMARK_TEMPLATE(BM_adds, 16, false, true)->Name("sparse/add/P16");
BENCHMARK_TEMPLATE(BM_adds, 16, true, true)->Name("sparse/dense_add/P16");
BENCHMARK_TEMPLATE(BM_sparse_add_many, 16)->Name("sparse/add_many/P16");
BENCHMARK_TEMPLATE(BM_adds, 16, false, false)->Name("sparse/add_only/P16");
BENCHMARK_TEMPLATE(BM_adds, 16, true, false)->Name("sparse/dense_add_only/P16");
