// The native format's encodings (issue 14, item 3; docs/FORMAT.md): decode
// and encode speed of dense_compact (rANS registers) and sparse (Rice-coded
// tokens), beside a baseline measured in the same run: reading the plain
// version-1 image (read_native_dense + a copy of its m bytes, what
// deserialize of encoding::dense costs). Target: dense_compact decoding
// ≥ 500 MB/s of register output (CPU time: on a shared machine the wall
// time also counts the other processes). Images are format version 3 (the
// writers' version); sizes are reported as counters (bytes_per_register,
// bytes_per_key). Reproduce with
//   bin/hashsketch_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//     --benchmark_filter='BM_encodings_'
#include <benchmark/benchmark.h>
#include <hashsketch/detail/native_format.hpp>
#include <hashsketch/hyperloglog.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace {

namespace detail = hashsketch::detail;
using hashsketch::encoding;

// Registers of hyperloglog<P> after n random keys.
template <unsigned P>
std::vector<std::uint8_t> bench_registers(std::size_t n) {
  hashsketch::hyperloglog<P> s;
  std::mt19937_64 rng(P * 1000 + n);
  for (std::size_t i = 0; i < n; ++i) s.add_hash(rng());
  const auto view = s.registers();  // of a sparse sketch: one materialised copy
  return std::vector<std::uint8_t>(view.begin(), view.end());
}

// The default layout's tokens of n random hashes (CORE-SHAPE.md), sorted,
// one per index26.
std::vector<std::uint32_t> bench_tokens(std::size_t n) {
  std::mt19937_64 rng(n);
  std::vector<std::uint32_t> t(n);
  for (auto& x : t) {
    const std::uint64_t h = rng();
    const std::uint64_t low = h & ((std::uint64_t{1} << 38) - 1);
    const unsigned zeros = low == 0 ? 38u : static_cast<unsigned>(__builtin_clzll(low)) - 26u;
    x = static_cast<std::uint32_t>(h >> 38) << 6 | zeros;
  }
  std::sort(t.begin(), t.end());
  std::vector<std::uint32_t> out;
  for (std::uint32_t x : t)
    if (!out.empty() && (out.back() >> 6) == (x >> 6))
      out.back() = x;
    else
      out.push_back(x);
  return out;
}

constexpr std::size_t n_per_register = 10;  // n = 10·m: the "n ≫ m" point

// Baseline: a version-1 image read (header checks, checksum) and its m
// register bytes copied out.
template <unsigned P>
void BM_encodings_baseline_dense_read(benchmark::State& state) {
  constexpr std::size_t m = std::size_t{1} << P;
  const auto id = hashsketch::hyperloglog<P>::native_id(hashsketch::xxh3_hasher{});
  const auto regs = bench_registers<P>(n_per_register * m);
  const auto image = detail::write_native(id, regs.data(), encoding::dense);
  std::vector<std::uint8_t> out(m);
  for (auto _ : state) {
    const unsigned char* p = detail::read_native_dense(image.data(), image.size(), id);
    std::memcpy(out.data(), p, m);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * m));
  state.counters["bytes_per_register"] = double(image.size()) / double(m);
}

// The rANS payload decoder alone: register bytes out per second.
template <unsigned P>
void BM_encodings_compact_decode(benchmark::State& state) {
  constexpr std::size_t m = std::size_t{1} << P;
  const auto regs = bench_registers<P>(n_per_register * m);
  std::vector<std::uint8_t> payload;
  detail::encode_registers(regs.data(), m, payload);
  std::vector<std::uint8_t> out(m);
  for (auto _ : state) {
    detail::decode_registers(payload.data(), payload.size(), m, 65 - P, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (out != regs) state.SkipWithError("decoded registers differ");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * m));
}

// The whole dense_compact image read (header, checksum, decode).
template <unsigned P>
void BM_encodings_compact_read(benchmark::State& state) {
  constexpr std::size_t m = std::size_t{1} << P;
  const auto id = hashsketch::hyperloglog<P>::native_id(hashsketch::xxh3_hasher{});
  const auto regs = bench_registers<P>(n_per_register * m);
  const auto image = detail::write_native(id, regs.data(), encoding::dense_compact);
  for (auto _ : state) {
    auto r = detail::read_native(image.data(), image.size(), id, 65 - P, 39);
    benchmark::DoNotOptimize(r.decoded_registers.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * m));
  state.counters["bytes_per_register"] = double(image.size()) / double(m);
}

template <unsigned P>
void BM_encodings_compact_write(benchmark::State& state) {
  constexpr std::size_t m = std::size_t{1} << P;
  const auto id = hashsketch::hyperloglog<P>::native_id(hashsketch::xxh3_hasher{});
  const auto regs = bench_registers<P>(n_per_register * m);
  std::size_t size = 0;
  for (auto _ : state) {
    auto image = detail::write_native(id, regs.data(), encoding::dense_compact);
    size = image.size();
    benchmark::DoNotOptimize(image.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * m));
  state.counters["bytes_per_register"] = double(size) / double(m);
}

// Sparse images of n keys: read (decode) and write, tokens per second.
void BM_encodings_sparse_read(benchmark::State& state) {
  const auto tokens = bench_tokens(static_cast<std::size_t>(state.range(0)));
  const auto id = hashsketch::hyperloglog<14>::native_id(hashsketch::xxh3_hasher{});
  const auto image = detail::write_native(id, tokens.data(), tokens.size(), encoding::sparse);
  for (auto _ : state) {
    auto r = detail::read_native(image.data(), image.size(), id, 51, 39);
    benchmark::DoNotOptimize(r.tokens.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * tokens.size()));
  state.counters["bytes_per_key"] = double(image.size()) / double(tokens.size());
}

void BM_encodings_sparse_write(benchmark::State& state) {
  const auto tokens = bench_tokens(static_cast<std::size_t>(state.range(0)));
  const auto id = hashsketch::hyperloglog<14>::native_id(hashsketch::xxh3_hasher{});
  for (auto _ : state) {
    auto image = detail::write_native(id, tokens.data(), tokens.size(), encoding::sparse);
    benchmark::DoNotOptimize(image.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * tokens.size()));
}

}  // namespace

BENCHMARK_TEMPLATE(BM_encodings_baseline_dense_read, 12);
BENCHMARK_TEMPLATE(BM_encodings_baseline_dense_read, 14);
BENCHMARK_TEMPLATE(BM_encodings_baseline_dense_read, 16);
BENCHMARK_TEMPLATE(BM_encodings_compact_decode, 12);
BENCHMARK_TEMPLATE(BM_encodings_compact_decode, 14);
BENCHMARK_TEMPLATE(BM_encodings_compact_decode, 16);
BENCHMARK_TEMPLATE(BM_encodings_compact_read, 12);
BENCHMARK_TEMPLATE(BM_encodings_compact_read, 14);
BENCHMARK_TEMPLATE(BM_encodings_compact_read, 16);
BENCHMARK_TEMPLATE(BM_encodings_compact_write, 12);
BENCHMARK_TEMPLATE(BM_encodings_compact_write, 14);
BENCHMARK_TEMPLATE(BM_encodings_compact_write, 16);
BENCHMARK(BM_encodings_sparse_read)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_encodings_sparse_write)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);
