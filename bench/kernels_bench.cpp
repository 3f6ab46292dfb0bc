// The register kernels, one entry per instruction set this CPU runs, each
// beside in-run baselines (the issue 4 targets are ratios within one run):
//   kernels/merge/<isa>/P16/...          vs kernels/baseline/memcpy/P16,
//                                           kernels/baseline/merge_novec/P16 and
//                                           kernels/baseline/read_both/P16 (the floor)
//   kernels/estimate_after_merge/<isa>   vs kernels/baseline/estimate_one_accumulator
//   kernels/estimate_union/<isa>         vs kernels/merge/<isa>
//   kernels/merge_all/<isa>/k1000/P14    vs kernels/baseline/read_registers_once
//   kernels/add_many/<isa>/P14           vs kernels/baseline/hash_max_scalar
//   kernels/api/...                      the public functions (dispatched set)
//   kernels/sweep/api_*/P12..P16         vs kernels/sweep/memcpy/P12..P16 (and the
//                                           merge vs kernels/sweep/read_both/P12..P16)
// Every entry reports bytes/s (register bytes read) or items/s (keys) and a
// checksum counter so nothing is optimised away.
//
// Buffer placement is explicit: the merge entries take "dst_minus_src", the
// distance (mod 4096) of the destination's page offset from the source's.
// 0 puts both arrays at the same offset within a 4 KiB page, which makes
// every load look like it might depend on an earlier store (4K aliasing).
//
// Reproduce (Release build):
//   bin/hashsketch_bench --benchmark_filter='^kernels/' --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/set_operations.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

// The non-vectorised baselines: GCC honours optimize("no-tree-vectorize");
// clang ignores that attribute, so there a loop pragma does the same.
#if defined(__clang__)
#define HASHSKETCH_BENCH_NOVEC
#define HASHSKETCH_BENCH_NOVEC_LOOP _Pragma("clang loop vectorize(disable) interleave(disable)")
#elif defined(__GNUC__)
#define HASHSKETCH_BENCH_NOVEC __attribute__((optimize("no-tree-vectorize", "no-unroll-loops")))
#define HASHSKETCH_BENCH_NOVEC_LOOP
#else
#define HASHSKETCH_BENCH_NOVEC
#define HASHSKETCH_BENCH_NOVEC_LOOP
#endif

namespace kernels_bench {

using hashsketch::detail::kernel_table;

std::vector<const kernel_table*> supported_sets() {
  std::vector<const kernel_table*> out;
  for (const char* name : hashsketch::detail::all_isa_names)
    if (const kernel_table* t = hashsketch::detail::kernels_for(name)) out.push_back(t);
  return out;
}

/// Page-aligned memory in which the benchmark places its arrays by hand.
struct arena {
  explicit arena(std::size_t bytes)
      : data(static_cast<std::uint8_t*>(std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096))) {
    std::memset(data, 0, (bytes + 4095) / 4096 * 4096);
  }
  ~arena() { std::free(data); }
  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;
  std::uint8_t* data;
};

/// Registers of a sketch that saw `keys` random keys (realistic values).
void fill_like_sketch(std::uint8_t* regs, unsigned p, std::size_t keys, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::size_t m = std::size_t{1} << p;
  std::memset(regs, 0, m);
  for (std::size_t i = 0; i < keys; ++i) {
    std::size_t index;
    std::uint8_t rank;
    hashsketch::detail::leading_zeros_locate(rng(), p, index, rank);
    if (rank > regs[index]) regs[index] = rank;
  }
}

std::uint64_t byte_sum(const std::uint8_t* p, std::size_t n) {
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += p[i];
  return s;
}

using hll16 = hashsketch::hyperloglog<16>;
constexpr unsigned merge_p = 16;
constexpr std::size_t merge_m = std::size_t{1} << merge_p;

/// src at page offset 0, dst at page offset `dst_minus_src`, in one arena.
struct merge_buffers {
  explicit merge_buffers(std::size_t dst_minus_src) : mem(2 * merge_m + 2 * 4096) {
    src = mem.data;
    dst = mem.data + merge_m + 4096 + dst_minus_src;
    fill_like_sketch(src, merge_p, 400000, 1);
    fill_like_sketch(dst, merge_p, 400000, 2);
  }
  arena mem;
  std::uint8_t* src;
  std::uint8_t* dst;
};

void or_fold_portable(const std::uint8_t* p, std::size_t n, std::uint64_t* acc);
#if defined(HASHSKETCH_ARCH_X86)
void or_fold_avx512(const std::uint8_t* p, std::size_t n, std::uint64_t* acc);
#endif

using or_fold_fn = void (*)(const std::uint8_t*, std::size_t, std::uint64_t*);
// The widest-load fold this CPU runs (the read-once baselines use it).
or_fold_fn widest_or_fold() {
#if defined(HASHSKETCH_ARCH_X86)
  if (hashsketch::detail::kernels_for("avx512") != nullptr) return &or_fold_avx512;
#endif
  return &or_fold_portable;
}

// --- merge at P = 16 ---------------------------------------------------------

void merge_isa(benchmark::State& state, const kernel_table* k) {
  merge_buffers b(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    k->merge_max(b.dst, b.src, merge_m);
    benchmark::ClobberMemory();
  }
  state.counters["checksum"] = static_cast<double>(byte_sum(b.dst, merge_m));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_m));
}

/// The public merge (dispatched default set) on two P = 16 sketches.
void api_merge(benchmark::State& state) {
  std::mt19937_64 rng(4);
  hll16 a, b;
  for (int i = 0; i < 200000; ++i) a.add(rng());
  for (int i = 0; i < 200000; ++i) b.add(rng());
  for (auto _ : state) {
    a.merge(b);
    benchmark::ClobberMemory();
  }
  state.counters["checksum"] = static_cast<double>(byte_sum(a.registers().data(), merge_m));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_m));
  state.SetLabel(hashsketch::active_isa());
}

void baseline_memcpy(benchmark::State& state) {
  merge_buffers b(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::memcpy(b.dst, b.src, merge_m);
    benchmark::ClobberMemory();
  }
  state.counters["checksum"] = static_cast<double>(byte_sum(b.dst, merge_m));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_m));
}

/// The floor under any merge: read both arrays once (no stores at all) with
/// the widest loads this CPU has. memcpy reads one array and streams the
/// other's stores; a merge must read both, so it cannot beat this.
void baseline_read_both(benchmark::State& state) {
  merge_buffers b(static_cast<std::size_t>(state.range(0)));
  const or_fold_fn fold = widest_or_fold();
  std::uint64_t acc = 0;
  for (auto _ : state) {
    fold(b.src, merge_m, &acc);
    fold(b.dst, merge_m, &acc);
    benchmark::DoNotOptimize(acc);
  }
  state.counters["checksum"] = static_cast<double>(acc & 0xFFFFFFFFu);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_m));
}

HASHSKETCH_BENCH_NOVEC
void merge_novec(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) {
  HASHSKETCH_BENCH_NOVEC_LOOP
  for (std::size_t i = 0; i < n; ++i) dst[i] = src[i] > dst[i] ? src[i] : dst[i];
}

void baseline_merge_novec(benchmark::State& state) {
  merge_buffers b(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    merge_novec(b.dst, b.src, merge_m);
    benchmark::ClobberMemory();
  }
  state.counters["checksum"] = static_cast<double>(byte_sum(b.dst, merge_m));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_m));
}

// --- estimate right after a merge, P = 16 -----------------------------------

constexpr unsigned q16 = 64 - 16;

/// The estimate a sketch gives right after a merge: one pass of the stats
/// kernel of set k, then the estimator (what hll16::estimate() runs when the
/// histogram is stale).
void estimate_after_merge_isa(benchmark::State& state, const kernel_table* k) {
  merge_buffers b(2112);
  k->merge_max(b.dst, b.src, merge_m);
  double checksum = 0;
  for (auto _ : state) {
    hashsketch::register_stats st;
    k->register_stats(b.dst, merge_m, q16, &st);
    const double e = hashsketch::hll_family::estimate(st, merge_m, q16);
    benchmark::DoNotOptimize(e);
    checksum = e;
  }
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_m));
}

/// Same through the histogram kernel (the path families without a stats
/// estimator take), for comparison.
void estimate_histogram_isa(benchmark::State& state, const kernel_table* k) {
  merge_buffers b(2112);
  k->merge_max(b.dst, b.src, merge_m);
  double checksum = 0;
  for (auto _ : state) {
    hashsketch::register_histogram h;
    k->register_histogram(b.dst, merge_m, h.data());
    const double e = hashsketch::ertl_estimate(h, merge_m, q16);
    benchmark::DoNotOptimize(e);
    checksum = e;
  }
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_m));
}

/// The textbook estimate loop: one floating-point accumulator of 2^−r and a
/// zero count, not vectorised; each add waits for the previous one.
HASHSKETCH_BENCH_NOVEC
double estimate_one_accumulator(const std::uint8_t* regs, std::size_t m) {
  static const auto inverse_powers = [] {
    std::array<double, 64> t{};
    for (int r = 0; r < 64; ++r) t[static_cast<std::size_t>(r)] = std::ldexp(1.0, -r);
    return t;
  }();
  double sum = 0;
  std::size_t zeros = 0;
  HASHSKETCH_BENCH_NOVEC_LOOP
  for (std::size_t i = 0; i < m; ++i) {
    sum += inverse_powers[regs[i] & 63u];
    zeros += regs[i] == 0;
  }
  const double md = static_cast<double>(m);
  const double raw = hashsketch::detail::classic_alpha(m) * md * md / sum;
  return raw <= 2.5 * md && zeros > 0 ? md * std::log(md / static_cast<double>(zeros)) : raw;
}

void baseline_estimate_one_accumulator(benchmark::State& state) {
  merge_buffers b(2112);
  hashsketch::detail::merge_max_scalar(b.dst, b.src, merge_m);
  double checksum = 0;
  for (auto _ : state) {
    const double e = estimate_one_accumulator(b.dst, merge_m);
    benchmark::DoNotOptimize(e);
    checksum = e;
  }
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_m));
}

/// The public path: merge (which leaves the histogram stale), then estimate().
/// Timed: estimate() only (the merge is outside the timed region).
void api_estimate_after_merge(benchmark::State& state) {
  std::mt19937_64 rng(5);
  hll16 a, b;
  for (int i = 0; i < 200000; ++i) a.add(rng());
  for (int i = 0; i < 200000; ++i) b.add(rng());
  a.merge(b);
  double checksum = 0;
  for (auto _ : state) {
    const double e = a.estimate();
    benchmark::DoNotOptimize(e);
    checksum = e;
  }
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_m));
  state.SetLabel(hashsketch::active_isa());
}

// --- estimate_union, P = 16 ---------------------------------------------------

void estimate_union_isa(benchmark::State& state, const kernel_table* k) {
  merge_buffers b(2112);
  double checksum = 0;
  for (auto _ : state) {
    hashsketch::register_stats st;
    k->merge_stats(b.dst, b.src, merge_m, q16, &st);
    const double e = hashsketch::hll_family::estimate(st, merge_m, q16);
    benchmark::DoNotOptimize(e);
    checksum = e;
  }
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_m));
}

void api_estimate_union(benchmark::State& state) {
  std::mt19937_64 rng(6);
  hll16 a, b;
  for (int i = 0; i < 200000; ++i) a.add(rng());
  for (int i = 0; i < 200000; ++i) b.add(rng());
  double checksum = 0;
  for (auto _ : state) {
    const double e = hashsketch::estimate_union(a, b);
    benchmark::DoNotOptimize(e);
    checksum = e;
  }
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_m));
  state.SetLabel(hashsketch::active_isa());
}

// --- merge_all of 1000 sketches at P = 14 -----------------------------------

using hll14 = hashsketch::hyperloglog<14>;
constexpr std::size_t merge_all_k = 1000;

const std::vector<hll14>& thousand_sketches() {
  static const std::vector<hll14> sketches = [] {
    std::vector<hll14> v(merge_all_k);
    std::mt19937_64 rng(7);
    std::vector<std::uint64_t> keys(5000);
    for (auto& s : v) {
      for (auto& key : keys) key = rng();
      s.add_many(keys.data(), keys.size());
    }
    return v;
  }();
  return sketches;
}

/// merge_all's loop with kernel set k (the public merge_all uses the
/// dispatched set; see api_merge_all).
void merge_all_isa(benchmark::State& state, const kernel_table* k) {
  const auto& sketches = thousand_sketches();
  std::vector<std::uint8_t> out(hll14::register_count);
  for (auto _ : state) {
    std::memcpy(out.data(), sketches[0].registers().data(), out.size());
    for (std::size_t i = 1; i < sketches.size(); ++i)
      k->merge_max(out.data(), sketches[i].registers().data(), out.size());
    benchmark::ClobberMemory();
  }
  state.counters["checksum"] = static_cast<double>(byte_sum(out.data(), out.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_all_k * hll14::register_count));
}

void api_merge_all(benchmark::State& state) {
  const auto& sketches = thousand_sketches();
  double checksum = 0;
  for (auto _ : state) {
    const hll14 all = hashsketch::merge_all(sketches.begin(), sketches.end());
    benchmark::DoNotOptimize(all.registers().data());
    checksum = all.estimate();
  }
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_all_k * hll14::register_count));
  state.SetLabel(hashsketch::active_isa());
}

/// Reads n bytes (n a multiple of 256) once, folding them with OR into acc:
/// four independent 64-byte accumulators, nothing written to memory.
#if defined(HASHSKETCH_ARCH_X86)
HASHSKETCH_TARGET("avx512f,avx512bw")
void or_fold_avx512(const std::uint8_t* p, std::size_t n, std::uint64_t* acc) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (std::size_t i = 0; i < n; i += 256) {
    a0 = _mm512_or_si512(a0, _mm512_loadu_si512(p + i));
    a1 = _mm512_or_si512(a1, _mm512_loadu_si512(p + i + 64));
    a2 = _mm512_or_si512(a2, _mm512_loadu_si512(p + i + 128));
    a3 = _mm512_or_si512(a3, _mm512_loadu_si512(p + i + 192));
  }
  alignas(64) std::uint64_t lanes[8];
  _mm512_store_si512(lanes, _mm512_or_si512(_mm512_or_si512(a0, a1), _mm512_or_si512(a2, a3)));
  for (std::uint64_t l : lanes) *acc |= l;
}
#endif

void or_fold_portable(const std::uint8_t* p, std::size_t n, std::uint64_t* acc) {
  std::uint64_t a[8] = {};
  for (std::size_t i = 0; i < n; i += 64)
    for (std::size_t j = 0; j < 8; ++j) {
      std::uint64_t w;
      std::memcpy(&w, p + i + 8 * j, 8);
      a[j] |= w;
    }
  for (std::uint64_t l : a) *acc |= l;
}

/// The floor: every register byte of the 1000 sketches read once with the
/// widest loads this CPU has (AVX-512 where available), nothing written.
void baseline_read_registers_once(benchmark::State& state) {
  const auto& sketches = thousand_sketches();
  const or_fold_fn fold = widest_or_fold();
  std::uint64_t checksum = 0;
  for (auto _ : state) {
    std::uint64_t acc = 0;
    for (const auto& s : sketches) fold(s.registers().data(), hll14::register_count, &acc);
    checksum ^= acc;
    benchmark::DoNotOptimize(checksum);
  }
  state.counters["checksum"] = static_cast<double>(checksum & 0xFFFFFFFFu);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * merge_all_k * hll14::register_count));
}

// --- add_many at P = 14 -------------------------------------------------------

constexpr std::size_t add_keys = 1 << 20;

const std::vector<std::uint64_t>& random_keys() {
  static const std::vector<std::uint64_t> keys = [] {
    std::mt19937_64 rng(8);
    std::vector<std::uint64_t> v(add_keys);
    for (auto& key : v) key = rng();
    return v;
  }();
  return keys;
}

/// add_many's bulk path with set k: batch hash + branch-free max, then the
/// one histogram rebuild per batch, as hll14::add_many does.
void add_many_isa(benchmark::State& state, const kernel_table* k) {
  const auto& keys = random_keys();
  std::vector<std::uint8_t> regs(hll14::register_count);
  hashsketch::register_histogram h;
  for (auto _ : state) {
    k->xxh3_max_update(regs.data(), 14, keys.data(), keys.size(), 0);
    k->register_histogram(regs.data(), regs.size(), h.data());
    benchmark::DoNotOptimize(h.data());
  }
  state.counters["checksum"] = static_cast<double>(byte_sum(regs.data(), regs.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}

void api_add_many(benchmark::State& state) {
  const auto& keys = random_keys();
  hll14 sketch;
  for (auto _ : state) {
    sketch.add_many(keys.data(), keys.size());
    benchmark::DoNotOptimize(sketch.registers().data());
  }
  state.counters["checksum"] = sketch.estimate();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
  state.SetLabel(hashsketch::active_isa());
}

/// The scalar baseline: xxhash.h's XXH3_64bits_withSeed per key, locate,
/// branch-free max — what add_many would be without batch hashing.
void baseline_hash_max_scalar(benchmark::State& state) {
  const auto& keys = random_keys();
  std::vector<std::uint8_t> regs(hll14::register_count);
  for (auto _ : state) {
    for (std::uint64_t key : keys) {
      unsigned char bytes[8];
      hashsketch::detail::store_le64(bytes, key);
      std::size_t index;
      std::uint8_t rank;
      hashsketch::detail::leading_zeros_locate(XXH3_64bits_withSeed(bytes, 8, 0), 14, index, rank);
      regs[index] = rank > regs[index] ? rank : regs[index];
    }
    benchmark::DoNotOptimize(regs.data());
  }
  state.counters["checksum"] = static_cast<double>(byte_sum(regs.data(), regs.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}

void api_add_loop(benchmark::State& state) {
  const auto& keys = random_keys();
  hll14 sketch;
  for (auto _ : state) {
    for (std::uint64_t key : keys) sketch.add(key);
    benchmark::DoNotOptimize(sketch.registers().data());
  }
  state.counters["checksum"] = sketch.estimate();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
}

// --- public API at P = 12..16, beside memcpy of the same registers ---------
//
// Sketches with the default allocator (64-byte aligned register storage).
// Targets (issue 16): merge ≤ 1.15× memcpy; estimate() right after a merge
// ≤ 5× memcpy (AVX2) at P = 14..16; estimate_union ≤ 1.3× (merge + that
// estimate). Run under HASHSKETCH_FORCE_ISA=avx2 for the AVX2-only figures.

template <unsigned P>
struct sketch_pair {
  hashsketch::hyperloglog<P> a, b;
  sketch_pair() {
    std::mt19937_64 rng(40 + P);
    const std::size_t keys = std::size_t{6} << P;  // ~6 keys per register: every rank band in use
    for (std::size_t i = 0; i < keys; ++i) a.add(rng());
    for (std::size_t i = 0; i < keys; ++i) b.add(rng());
  }
};

template <unsigned P>
void sweep_memcpy(benchmark::State& state) {
  sketch_pair<P> s;
  std::uint8_t* dst = hashsketch::detail::register_access::data(s.a);
  for (auto _ : state) {
    std::memcpy(dst, s.b.registers().data(), s.b.register_count);
    benchmark::ClobberMemory();
  }
  state.counters["checksum"] = static_cast<double>(byte_sum(dst, s.a.register_count));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.a.register_count));
}

// The floor under a merge of these sketches: both register arrays read once,
// no stores (baseline_read_both's widest-load fold). Where memcpy avoids
// reading its destination (glibc's rep movsb on Zen 5 at P >= 15: 1.28-1.67x
// faster than this read of both arrays, docs/performance.md), merge <= 1.15x
// memcpy cannot hold;
// merge / read_both says how close the merge is to what it must do.
template <unsigned P>
void sweep_read_both(benchmark::State& state) {
  sketch_pair<P> s;
  const or_fold_fn fold = widest_or_fold();
  const std::uint8_t* a = s.a.registers().data();
  const std::uint8_t* b = s.b.registers().data();
  std::uint64_t acc = 0;
  for (auto _ : state) {
    fold(a, s.a.register_count, &acc);
    fold(b, s.b.register_count, &acc);
    benchmark::DoNotOptimize(acc);
  }
  state.counters["checksum"] = static_cast<double>(acc & 0xFFFFFFFFu);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.a.register_count));
}

template <unsigned P>
void sweep_merge(benchmark::State& state) {
  sketch_pair<P> s;
  for (auto _ : state) {
    s.a.merge(s.b);
    benchmark::ClobberMemory();
  }
  state.counters["checksum"] = static_cast<double>(byte_sum(s.a.registers().data(), s.a.register_count));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.a.register_count));
  state.SetLabel(hashsketch::active_isa());
}

template <unsigned P>
void sweep_estimate_after_merge(benchmark::State& state) {
  sketch_pair<P> s;
  s.a.merge(s.b);
  double checksum = 0;
  for (auto _ : state) {
    const double e = s.a.estimate();
    benchmark::DoNotOptimize(e);
    checksum = e;
  }
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.a.register_count));
  state.SetLabel(hashsketch::active_isa());
}

template <unsigned P>
void sweep_estimate_union(benchmark::State& state) {
  sketch_pair<P> s;
  double checksum = 0;
  for (auto _ : state) {
    const double e = hashsketch::estimate_union(s.a, s.b);
    benchmark::DoNotOptimize(e);
    checksum = e;
  }
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.a.register_count));
  state.SetLabel(hashsketch::active_isa());
}

template <unsigned P>
void register_sweep() {
  const std::string p = "/P" + std::to_string(P);
  benchmark::RegisterBenchmark(("kernels/sweep/memcpy" + p).c_str(), sweep_memcpy<P>);
  benchmark::RegisterBenchmark(("kernels/sweep/read_both" + p).c_str(), sweep_read_both<P>);
  benchmark::RegisterBenchmark(("kernels/sweep/api_merge" + p).c_str(), sweep_merge<P>);
  benchmark::RegisterBenchmark(("kernels/sweep/api_estimate_after_merge" + p).c_str(), sweep_estimate_after_merge<P>);
  benchmark::RegisterBenchmark(("kernels/sweep/api_estimate_union" + p).c_str(), sweep_estimate_union<P>);
}

// --- registration -------------------------------------------------------------

const int registered = [] {
  // dst − src page-offset distances: 0 = same 4 KiB offset (4K aliasing),
  // 32 = dst half a line off (64-byte vectors split cache lines, 32-byte
  // ones do not), 48 = a quarter line off (every other 32-byte access
  // splits: what two std::allocator'd sketches 16 bytes apart get),
  // 64 = one line apart, 2112 = about half a page apart.
  const std::vector<std::int64_t> placements = {0, 32, 48, 64, 2112};
  auto with_placements = [&](benchmark::internal::Benchmark* b) {
    for (std::int64_t d : placements) b->Arg(d);
    b->ArgName("dst_minus_src");
  };
  with_placements(benchmark::RegisterBenchmark("kernels/baseline/memcpy/P16", baseline_memcpy));
  with_placements(benchmark::RegisterBenchmark("kernels/baseline/merge_novec/P16", baseline_merge_novec));
  with_placements(benchmark::RegisterBenchmark("kernels/baseline/read_both/P16", baseline_read_both));
  for (const kernel_table* k : supported_sets()) {
    const std::string isa = k->isa;
    with_placements(benchmark::RegisterBenchmark(("kernels/merge/" + isa + "/P16").c_str(), merge_isa, k));
  }
  benchmark::RegisterBenchmark("kernels/api/merge/P16", api_merge);
  benchmark::RegisterBenchmark("kernels/baseline/estimate_one_accumulator/P16", baseline_estimate_one_accumulator);
  for (const kernel_table* k : supported_sets()) {
    const std::string isa = k->isa;
    benchmark::RegisterBenchmark(("kernels/estimate_after_merge/" + isa + "/P16").c_str(), estimate_after_merge_isa, k);
    benchmark::RegisterBenchmark(("kernels/estimate_via_histogram/" + isa + "/P16").c_str(), estimate_histogram_isa, k);
    benchmark::RegisterBenchmark(("kernels/estimate_union/" + isa + "/P16").c_str(), estimate_union_isa, k);
  }
  benchmark::RegisterBenchmark("kernels/api/estimate_after_merge/P16", api_estimate_after_merge);
  benchmark::RegisterBenchmark("kernels/api/estimate_union/P16", api_estimate_union);

  benchmark::RegisterBenchmark("kernels/baseline/read_registers_once/k1000/P14", baseline_read_registers_once)
      ->Unit(benchmark::kMicrosecond);
  for (const kernel_table* k : supported_sets())
    benchmark::RegisterBenchmark(("kernels/merge_all/" + std::string(k->isa) + "/k1000/P14").c_str(), merge_all_isa, k)
        ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("kernels/api/merge_all/k1000/P14", api_merge_all)->Unit(benchmark::kMicrosecond);

  benchmark::RegisterBenchmark("kernels/baseline/hash_max_scalar/P14", baseline_hash_max_scalar)
      ->Unit(benchmark::kMicrosecond);
  for (const kernel_table* k : supported_sets())
    benchmark::RegisterBenchmark(("kernels/add_many/" + std::string(k->isa) + "/P14").c_str(), add_many_isa, k)
        ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("kernels/api/add_many/P14", api_add_many)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("kernels/api/add_loop/P14", api_add_loop)->Unit(benchmark::kMicrosecond);
  register_sweep<12>();
  register_sweep<13>();
  register_sweep<14>();
  register_sweep<15>();
  register_sweep<16>();
  return 0;
}();

}  // namespace kernels_bench
