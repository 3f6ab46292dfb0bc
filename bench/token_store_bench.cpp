// token_store::insert (the sparse state's add, detail/token_store.hpp)
// against a dense register max-update on the same token stream, in the same
// run (issue 14: sparse add <= 3x dense add).
//
// Stream per size n: n distinct default-layout tokens (random 64-bit hashes,
// index26 = h >> 38, rank26 - 1 = leading zeros of the low 38 bits), then 3n
// repeats of them in random order: 4n inserts per iteration.
//   token_store/insert/N        a fresh store per iteration (its whole life:
//                               allocations, flushes, the final flush)
//   token_store/dense_max/N     the same tokens into P = 14 registers (a warm
//                               16 KiB array: index = top 14 bits of index26,
//                               rank at P = 14 from the token), the floor
// And with the key's hash in the loop, as a sketch's add runs:
//   token_store/xxh3_insert/N   xxh3(key) -> token -> insert (fresh store)
//   token_store/hll_add/N       hyperloglog<14>::add(key), same keys, warm
//
//   token_store/memory/N        not a timing: bytes per distinct key (counters)
//
//   bin/hashsketch_bench --benchmark_filter='^token_store/' --benchmark_repetitions=5
//                        --benchmark_report_aggregates_only=true
// Times are per iteration (4n inserts): the ratio of two medians at one N is
// the ratio of the per-insert costs.
#include <benchmark/benchmark.h>
#include <hashsketch/detail/token_store.hpp>
#include <hashsketch/detail/tokens.hpp>
#include <hashsketch/hash.hpp>
#include <hashsketch/hyperloglog.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <vector>

#if defined(_MSC_VER)
#define HASHSKETCH_TOKEN_BENCH_NOINLINE __declspec(noinline)
#else
#define HASHSKETCH_TOKEN_BENCH_NOINLINE __attribute__((noinline))
#endif

namespace {

namespace hd = hashsketch::detail;

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::uint32_t default_token(std::uint64_t h) {
  const std::uint64_t low = h & ((std::uint64_t{1} << 38) - 1);
  const unsigned nlz = low ? static_cast<unsigned>(__builtin_clzll(low)) - 26 : 38;
  return hd::make_token(static_cast<std::uint32_t>(h >> 38), nlz + 1);
}

// n distinct keys, then 3n draws from them.
struct stream {
  std::vector<std::uint64_t> keys;
  std::vector<std::uint32_t> tokens;  // of xxh3(key)
};

const stream& stream_for(std::size_t n) {
  static std::map<std::size_t, stream> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  stream s;
  std::uint64_t state = 1000 + n;
  for (std::size_t i = 0; i < n; ++i) s.keys.push_back(splitmix64(state));
  for (std::size_t i = 0; i < 3 * n; ++i) s.keys.push_back(s.keys[splitmix64(state) % n]);
  const hashsketch::xxh3_hasher hash{};
  for (auto k : s.keys) s.tokens.push_back(default_token(hash(k)));
  return cache.emplace(n, std::move(s)).first->second;
}

HASHSKETCH_TOKEN_BENCH_NOINLINE std::size_t insert_all(const std::uint32_t* t, std::size_t n) {
  hd::token_store<> store;
  for (std::size_t i = 0; i < n; ++i) store.insert(t[i]);
  store.flush();
  return store.size();
}

// The P = 14 register of a default-layout token: index = top 14 bits of
// index26; rank = leading zeros of the 12 index bits below + 1, or 12 +
// rank26 when those are all zero (the rank counts on into the hash's low bits).
HASHSKETCH_TOKEN_BENCH_NOINLINE void dense_max_all(const std::uint32_t* t, std::size_t n, std::uint8_t* regs) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t index26 = hd::token_index(t[i]);
    const std::uint32_t below = index26 & 0xFFFu;
    const unsigned rank =
        below ? static_cast<unsigned>(__builtin_clz(below)) - 19 : 12 + hd::token_rank(t[i]);
    std::uint8_t& r = regs[index26 >> 12];
    if (rank > r) r = static_cast<std::uint8_t>(rank);
  }
}

HASHSKETCH_TOKEN_BENCH_NOINLINE std::size_t xxh3_insert_all(const std::uint64_t* k, std::size_t n,
                                                            const hashsketch::xxh3_hasher& hash) {
  hd::token_store<> store;
  for (std::size_t i = 0; i < n; ++i) store.insert(default_token(hash(k[i])));
  store.flush();
  return store.size();
}

HASHSKETCH_TOKEN_BENCH_NOINLINE void hll_add_all(const std::uint64_t* k, std::size_t n, hashsketch::hyperloglog<14>& h) {
  for (std::size_t i = 0; i < n; ++i) h.add(k[i]);
}

void token_store_insert(benchmark::State& state) {
  const stream& s = stream_for(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(insert_all(s.tokens.data(), s.tokens.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.tokens.size()));
}

void token_store_dense_max(benchmark::State& state) {
  const stream& s = stream_for(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> regs(1u << 14, 0);
  for (auto _ : state) {
    dense_max_all(s.tokens.data(), s.tokens.size(), regs.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.tokens.size()));
}

void token_store_xxh3_insert(benchmark::State& state) {
  const stream& s = stream_for(static_cast<std::size_t>(state.range(0)));
  const hashsketch::xxh3_hasher hash{};
  for (auto _ : state) benchmark::DoNotOptimize(xxh3_insert_all(s.keys.data(), s.keys.size(), hash));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.keys.size()));
}

void token_store_hll_add(benchmark::State& state) {
  const stream& s = stream_for(static_cast<std::size_t>(state.range(0)));
  hashsketch::hyperloglog<14> h;
  for (auto _ : state) {
    hll_add_all(s.keys.data(), s.keys.size(), h);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.keys.size()));
}

// Not a timing: bytes per distinct key at n (counters), for the memory
// table. as_inserted: right after the n-th insert (buffer partly full);
// flushed: after flush() (the block at its bound, 4 n + 64 bytes, the room
// kept for the next inserts); at_rest: after shrink_to_fit() (the code
// only); code: the sorted part alone.
void token_store_memory(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const stream& s = stream_for(n);
  double as_inserted = 0, flushed = 0, at_rest = 0, code = 0, distinct = 0;
  for (auto _ : state) {
    hd::token_store<> store;
    for (std::size_t i = 0; i < n; ++i) store.insert(s.tokens[i]);
    distinct = static_cast<double>(store.count_distinct());
    as_inserted = static_cast<double>(store.heap_bytes());
    store.flush();
    flushed = static_cast<double>(store.heap_bytes());
    code = static_cast<double>(store.sorted_bytes());
    store.shrink_to_fit();
    at_rest = static_cast<double>(store.heap_bytes());
    benchmark::DoNotOptimize(store);
  }
  state.counters["B_per_key_as_inserted"] = as_inserted / distinct;
  state.counters["B_per_key_flushed"] = flushed / distinct;
  state.counters["B_per_key_at_rest"] = at_rest / distinct;
  state.counters["B_per_key_code"] = code / distinct;
  state.counters["bound_B_per_key"] = (4 * distinct + 64) / distinct;
}

}  // namespace

BENCHMARK(token_store_memory)->Name("token_store/memory")->Arg(10)->Arg(100)->Arg(1000)->Arg(4096)->Arg(16384);
BENCHMARK(token_store_insert)->Name("token_store/insert")->Arg(100)->Arg(1000)->Arg(4096)->Arg(16384);
BENCHMARK(token_store_dense_max)->Name("token_store/dense_max")->Arg(100)->Arg(1000)->Arg(4096)->Arg(16384);
BENCHMARK(token_store_xxh3_insert)->Name("token_store/xxh3_insert")->Arg(100)->Arg(1000)->Arg(4096)->Arg(16384);
BENCHMARK(token_store_hll_add)->Name("token_store/hll_add")->Arg(100)->Arg(1000)->Arg(4096)->Arg(16384);
