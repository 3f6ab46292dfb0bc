// hyperloglog::add(uint64) and add(string_view) beside two loops written
// here, with no library code in them: XXH3 (xxhash.h, called directly) of the
// key, top P bits as the index, the leading-zero rank, and a max into a plain
// byte array — once with a branch (store only when the rank is larger, the
// fast choice once a sketch is warm) and once without (always store the max).
// Target (issue 16): add ≤ 1.1× the faster of the two, at -O2 and -O3, with
// g++ and clang (bench/targets.txt, scripts/bench.sh).
//
// Every contender is one non-inlined function over the same keys with the
// same loop shape, so each gets the same register context; the keys are
// reused every iteration, as a warm sketch sees mostly known ranks.
//
//   bin/hashsketch_bench --benchmark_filter='^(add|baseline)/' --benchmark_repetitions=5
//                        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <hashsketch/hyperloglog.hpp>

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#if defined(_MSC_VER)
#define HASHSKETCH_ADD_BENCH_NOINLINE __declspec(noinline)
#else
#define HASHSKETCH_ADD_BENCH_NOINLINE __attribute__((noinline))
#endif

namespace {

constexpr std::size_t key_count = 1 << 16;  // 512 KiB of integer keys, 1 MiB of text keys
constexpr std::size_t text_key_bytes = 16;

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

const std::vector<std::uint64_t>& integer_keys() {
  static const std::vector<std::uint64_t> keys = [] {
    std::uint64_t state = 42;
    std::vector<std::uint64_t> k(key_count);
    for (auto& v : k) v = splitmix64(state);
    return k;
  }();
  return keys;
}

// 16-byte printable ids ("u" + 15 hex digits), as string_views into one buffer.
const std::vector<std::string_view>& text_keys() {
  static const std::vector<char> bytes = [] {
    std::uint64_t state = 7;
    std::vector<char> b(key_count * text_key_bytes);
    for (std::size_t i = 0; i < key_count; ++i) {
      std::uint64_t v = splitmix64(state);
      char* k = &b[i * text_key_bytes];
      k[0] = 'u';
      for (std::size_t j = 1; j < text_key_bytes; ++j, v >>= 4) k[j] = "0123456789abcdef"[v & 15u];
    }
    return b;
  }();
  static const std::vector<std::string_view> views = [] {
    std::vector<std::string_view> v(key_count);
    for (std::size_t i = 0; i < key_count; ++i) v[i] = std::string_view(&bytes[i * text_key_bytes], text_key_bytes);
    return v;
  }();
  return views;
}

// The seed reaches the baselines through an opaque value, as it reaches the
// sketch's hasher (a member): neither may fold it into XXH3's constants.
std::uint64_t opaque_zero() {
  std::uint64_t seed = 0;
  benchmark::DoNotOptimize(seed);
  return seed;
}

// XXH3-64 of the key's bytes, straight from xxhash.h. For integers: the 8
// bytes as they lie in memory (little-endian on every host this runs on).
inline std::uint64_t xxh3_of(std::uint64_t key, std::uint64_t seed) {
  unsigned char bytes[8];
  std::memcpy(bytes, &key, sizeof bytes);
  return XXH3_64bits_withSeed(bytes, sizeof bytes, seed);
}
inline std::uint64_t xxh3_of(std::string_view key, std::uint64_t seed) {
  return XXH3_64bits_withSeed(key.data(), key.size(), seed);
}

template <unsigned P>
inline void locate(std::uint64_t h, std::size_t& index, std::uint8_t& rank) {
  index = static_cast<std::size_t>(h >> (64u - P));
  rank = static_cast<std::uint8_t>(__builtin_clzll((h << P) | (std::uint64_t{1} << (P - 1u))) + 1u);
}

template <unsigned P, class Key>
HASHSKETCH_ADD_BENCH_NOINLINE void hash_max_branchy(std::uint8_t* regs, const std::vector<Key>& keys,
                                                    std::uint64_t seed) {
  for (const Key& k : keys) {
    std::size_t index;
    std::uint8_t rank;
    locate<P>(xxh3_of(k, seed), index, rank);
    if (rank > regs[index]) regs[index] = rank;
  }
}

template <unsigned P, class Key>
HASHSKETCH_ADD_BENCH_NOINLINE void hash_max_branchless(std::uint8_t* regs, const std::vector<Key>& keys,
                                                       std::uint64_t seed) {
  for (const Key& k : keys) {
    std::size_t index;
    std::uint8_t rank;
    locate<P>(xxh3_of(k, seed), index, rank);
    const std::uint8_t old = regs[index];
    regs[index] = rank > old ? rank : old;
  }
}

template <unsigned P, class Key>
HASHSKETCH_ADD_BENCH_NOINLINE void sketch_add(hashsketch::hyperloglog<P>& sketch, const std::vector<Key>& keys) {
  for (const Key& k : keys) sketch.add(k);
}

template <class Key>
const std::vector<Key>& keys_of();
template <>
const std::vector<std::uint64_t>& keys_of<std::uint64_t>() {
  return integer_keys();
}
template <>
const std::vector<std::string_view>& keys_of<std::string_view>() {
  return text_keys();
}

template <unsigned P, class Key, bool Branchy>
void BM_baseline_xxh3_max(benchmark::State& state) {
  const auto& keys = keys_of<Key>();
  std::vector<std::uint8_t> regs(std::size_t{1} << P);
  const std::uint64_t seed = opaque_zero();
  for (auto _ : state) {
    if (Branchy)
      hash_max_branchy<P>(regs.data(), keys, seed);
    else
      hash_max_branchless<P>(regs.data(), keys, seed);
    benchmark::DoNotOptimize(regs.data());
  }
  std::size_t nonzero = 0;
  for (auto r : regs) nonzero += r != 0;
  state.counters["checksum"] = static_cast<double>(nonzero);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}

template <unsigned P, class Key>
void BM_sketch_add(benchmark::State& state) {
  const auto& keys = keys_of<Key>();
  hashsketch::hyperloglog<P> sketch;
  for (auto _ : state) {
    sketch_add(sketch, keys);
    benchmark::DoNotOptimize(sketch.registers().data());
  }
  std::size_t nonzero = 0;
  for (auto r : sketch.registers()) nonzero += r != 0;
  state.counters["checksum"] = static_cast<double>(nonzero);  // equals the baselines'
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}

#define HASHSKETCH_ADD_BENCH(P, Key, tag)                                                                  \
  BENCHMARK_TEMPLATE(BM_baseline_xxh3_max, P, Key, true)->Name("baseline/xxh3_max_branchy/" tag "/P" #P); \
  BENCHMARK_TEMPLATE(BM_baseline_xxh3_max, P, Key, false)                                                 \
      ->Name("baseline/xxh3_max_branchless/" tag "/P" #P);                                                \
  BENCHMARK_TEMPLATE(BM_sketch_add, P, Key)->Name("add/" tag "/P" #P);

HASHSKETCH_ADD_BENCH(10, std::uint64_t, "u64")
HASHSKETCH_ADD_BENCH(14, std::uint64_t, "u64")
HASHSKETCH_ADD_BENCH(16, std::uint64_t, "u64")
HASHSKETCH_ADD_BENCH(14, std::string_view, "str16")
HASHSKETCH_ADD_BENCH(16, std::string_view, "str16")

#undef HASHSKETCH_ADD_BENCH

}  // namespace
