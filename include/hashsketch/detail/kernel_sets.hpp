#ifndef HASHSKETCH_DETAIL_KERNEL_SETS_HPP
#define HASHSKETCH_DETAIL_KERNEL_SETS_HPP

// The heavy half of kernel dispatch: every kernel set's table (and through
// it every kernel body and <immintrin.h>), isa_table() and the tuned default
// best_kernels(). Included by kernel_table.hpp in header-only use; compiled
// once instead where HASHSKETCH_EXTERN_KERNELS is set (kernel_table.hpp).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernel_table.hpp"
#include "kernels_avx2.hpp"
#include "kernels_avx512.hpp"
#include "kernels_neon.hpp"
#include "kernels_scalar.hpp"
#include "kernels_sse2.hpp"

namespace hashsketch {
namespace detail {

inline const kernel_table& isa_table_scalar() noexcept {
  static const kernel_table t{"scalar",
                              &merge_max_scalar,
                              &merge_max_into_scalar,
                              &register_histogram_scalar,
                              &merge_histogram_scalar,
                              &register_stats_scalar,
                              &merge_stats_scalar,
                              &xxh3_batch_scalar,
                              &xxh3_max_update_scalar,
                              &pack6_scalar,
                              &unpack6_scalar,
                              &pack4_scalar,
                              &unpack4_scalar};
  return t;
}

#if defined(HASHSKETCH_ARCH_X86)
inline const kernel_table& isa_table_sse2() noexcept {
  static const kernel_table t{"sse2",
                              &merge_max_sse2,
                              &merge_max_into_sse2,
                              &register_histogram_split,
                              &merge_histogram_sse2,
                              &register_stats_sse2,
                              &merge_stats_sse2,
                              &xxh3_batch_scalar,
                              &xxh3_max_update_scalar,
                              &pack6_scalar,
                              &unpack6_scalar,
                              &pack4_scalar,
                              &unpack4_scalar};
  return t;
}

inline const kernel_table& isa_table_avx2() noexcept {
  static const kernel_table t{"avx2",
                              &merge_max_avx2,
                              &merge_max_into_avx2,
                              &register_histogram_avx2,
                              &merge_histogram_avx2,
                              &register_stats_avx2,
                              &merge_stats_avx2,
                              &xxh3_batch_avx2,
                              &xxh3_max_update_avx2,
                              &pack6_avx2,
                              &unpack6_avx2,
                              &pack4_avx2,
                              &unpack4_avx2};
  return t;
}

/// The AVX-512 set: AVX-512BW kernels (merge, the pruned stats pass), plus
/// the VBMI 6-bit packing and the DQ/CD hashing where the CPU has those
/// extensions (AVX2 versions otherwise). The histogram is AVX2's. The VBMI
/// stats kernel (register_stats_avx512) is no longer in the table: the
/// BW pruned one was 2.5x faster on a Zen 4 (docs/performance.md).
inline const kernel_table& isa_table_avx512() noexcept {
  static const kernel_table t = [] {
    kernel_table k{"avx512",
                   &merge_max_avx512,
                   &merge_max_into_avx512,
                   &register_histogram_avx2,
                   &merge_histogram_avx512,
                   &register_stats_avx512bw,
                   &merge_stats_avx512bw,
                   &xxh3_batch_avx2,
                   &xxh3_max_update_avx2,
                   &pack6_avx2,
                   &unpack6_avx2,
                   &pack4_avx2,
                   &unpack4_avx2};
    if (x86_has("avx512vbmi")) {
      k.pack6 = &pack6_avx512;
      k.unpack6 = &unpack6_avx512;
    }
    if (x86_has("avx512dq") && x86_has("avx512cd")) {
      k.xxh3_batch = &xxh3_batch_avx512;
      k.xxh3_max_update = &xxh3_max_update_avx512;
    }
    return k;
  }();
  return t;
}
#endif  // HASHSKETCH_ARCH_X86

#if defined(HASHSKETCH_ARCH_AARCH64)
inline const kernel_table& isa_table_neon() noexcept {
  static const kernel_table t{"neon",
                              &merge_max_neon,
                              &merge_max_into_neon,
                              &register_histogram_split,
                              &merge_histogram_neon,
                              &register_stats_neon,
                              &merge_stats_neon,
                              &xxh3_batch_scalar,
                              &xxh3_max_update_scalar,
                              &pack6_scalar,
                              &unpack6_scalar,
                              &pack4_scalar,
                              &unpack4_scalar};
  return t;
}
#endif

using xxh3_max_update_fn = void (*)(std::uint8_t*, unsigned, const std::uint64_t*, std::size_t,
                                    std::uint64_t) noexcept;

/// add_many's kernel for the default table, chosen once per process by what
/// wins on this CPU: each candidate updates a scratch P = 12 sketch from the
/// same 4096 keys, three rounds taken alternately, best round kept; the
/// fastest wins and a tie goes to the first (the set's own kernel). Every
/// candidate gives the same registers (tests/kernels_test.cpp), so the choice
/// changes speed only. Why measure: the 64-bit multiplies of XXH3 decide it,
/// and whether 4 lanes of three 32×32 multiplies (AVX2) beat one native
/// multiply per key depends on the core — on an AMD Zen 1 (256-bit ops split
/// in two) the scalar loop is 9–15 % faster, on Zen 4 AVX2 is ahead (and
/// AVX-512DQ, native 64-bit lane multiplies, is ~2× AVX2). Costs ~0.1 ms once.
inline xxh3_max_update_fn fastest_max_update(const xxh3_max_update_fn* candidates, std::size_t count) noexcept {
  if (count == 1) return candidates[0];
  constexpr std::size_t keys_n = 4096;
  std::uint64_t keys[keys_n];
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (std::uint64_t& k : keys) k = (x += 0x9E3779B97F4A7C15ULL);
  alignas(64) std::uint8_t regs[std::size_t{1} << 12];
  double best[4] = {1e300, 1e300, 1e300, 1e300};
  for (int round = 0; round < 3; ++round)
    for (std::size_t c = 0; c < count && c < 4; ++c) {
      std::memset(regs, 0, sizeof regs);
      const auto start = std::chrono::steady_clock::now();
      candidates[c](regs, 12, keys, keys_n, 0);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      if (took.count() < best[c]) best[c] = took.count();
    }
  std::size_t winner = 0;
  for (std::size_t c = 1; c < count && c < 4; ++c)
    if (best[c] < best[winner]) winner = c;
  return candidates[winner];
}

using register_stats_fn = void (*)(const std::uint8_t*, std::size_t, unsigned, hashsketch::register_stats*) noexcept;

/// The faster of two register_stats kernels on this CPU, chosen once like
/// fastest_max_update(): each runs on the same P = 14 registers shaped like a
/// sketch after ~6 keys per register (the shape estimate() after a merge
/// sees), best of three rounds; a tie goes to the first. Why measure: the
/// AVX-512 VBMI kernel (vpermb per byte group) was ~1.8× the unpruned AVX2
/// one on a Zen 4, while on an Intel Xeon the AVX2 kernel pruned per block
/// (one shuffle per byte of 2^(hi−r)) beats it (P = 14: 1.6 vs 2.3 µs).
inline register_stats_fn faster_register_stats(register_stats_fn first, register_stats_fn second) noexcept {
  if (first == second) return first;
  constexpr unsigned p = 14, q = 64 - p;
  alignas(64) static std::uint8_t regs[std::size_t{1} << p];
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (std::size_t key = 0; key < (std::size_t{6} << p); ++key) {
    x += 0x9E3779B97F4A7C15ULL;
    std::size_t index;
    std::uint8_t rank;
    leading_zeros_locate(xxh3_len8(x, 0), p, index, rank);  // any well-mixed bits do
    if (rank > regs[index]) regs[index] = rank;
  }
  double best[2] = {1e300, 1e300};
  const register_stats_fn candidates[2] = {first, second};
  for (int round = 0; round < 3; ++round)
    for (int c = 0; c < 2; ++c) {
      hashsketch::register_stats st;
      const auto start = std::chrono::steady_clock::now();
      candidates[c](regs, sizeof regs, q, &st);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      if (took.count() < best[c]) best[c] = took.count();
    }
  return best[1] < best[0] ? second : first;
}

#if !defined(HASHSKETCH_EXTERN_KERNELS) || defined(HASHSKETCH_KERNELS_IMPLEMENTATION)

HASHSKETCH_KERNELS_API const kernel_table* isa_table(const char* name) noexcept {
  if (std::strcmp(name, "scalar") == 0) return &isa_table_scalar();
#if defined(HASHSKETCH_ARCH_X86)
  if (std::strcmp(name, "sse2") == 0) return &isa_table_sse2();
  if (std::strcmp(name, "avx2") == 0) return &isa_table_avx2();
  if (std::strcmp(name, "avx512") == 0) return &isa_table_avx512();
#endif
#if defined(HASHSKETCH_ARCH_AARCH64)
  if (std::strcmp(name, "neon") == 0) return &isa_table_neon();
#endif
  return nullptr;
}

/// The default: the best set the CPU supports, per kernel.
///  * Merge: the widest set's, on every vendor. An earlier rule kept AVX2's
///    merge on AMD AVX-512 CPUs (Zen 4 splits 512-bit operations in two);
///    measured on an AMD EPYC (Zen 4 class) with the sweep of
///    bench/kernels_bench.cpp and a standalone loop, the AVX-512 merge is
///    1.7-2x faster than AVX2 while both arrays are L1-resident (P = 12: 19-25
///    vs 41 ns; P = 14: 85-100 vs 160-190 ns), level from L2 (P = 15, 16:
///    within ±5 %, both placements) and level when 1000 sketches stream from
///    memory (kernels/merge_all: 2.80 vs 2.75 ms), so nothing favours AVX2.
///    On an Intel Xeon the AVX-512 merge was 1.6-1.7x faster at P = 12..14.
///  * The stats pass: the widest set's or AVX2's, whichever is faster on this
///    CPU (faster_register_stats(); the AVX-512BW pruned kernel won on the
///    Zen 4, 1.5-1.6x AVX2's). Batch hashing takes the widest set
///    (native 64-bit multiplies ~2× AVX2).
///  * add_many's bulk update: whichever of the set's own kernel and the
///    narrower sets' wins on this CPU (fastest_max_update()).
HASHSKETCH_KERNELS_API const kernel_table& best_kernels() noexcept {
  static const kernel_table tuned = [] {
    const kernel_table* best = &isa_table_scalar();
    for (std::size_t i = sizeof all_isa_names / sizeof all_isa_names[0]; i-- > 0;)
      if (const kernel_table* t = kernels_for(all_isa_names[i])) {
        best = t;
        break;
      }
    kernel_table k = *best;
#if defined(HASHSKETCH_ARCH_X86)
    // The stats pass (estimate() after a merge, estimate_union): the set's
    // own kernel or AVX2's, whichever is faster here; merge_stats follows.
    if (x86_has("avx2") && k.register_stats != &register_stats_avx2 &&
        faster_register_stats(k.register_stats, &register_stats_avx2) == &register_stats_avx2) {
      k.register_stats = &register_stats_avx2;
      k.merge_stats = &merge_stats_avx2;
    }
    // Candidates for add_many, the set's own first; distinct ones only.
    xxh3_max_update_fn candidates[3] = {k.xxh3_max_update, nullptr, nullptr};
    std::size_t count = 1;
    for (xxh3_max_update_fn f : {static_cast<xxh3_max_update_fn>(&xxh3_max_update_avx2),
                                 static_cast<xxh3_max_update_fn>(&xxh3_max_update_scalar)}) {
      if (f == &xxh3_max_update_avx2 && !x86_has("avx2")) continue;
      bool seen = false;
      for (std::size_t c = 0; c < count; ++c) seen = seen || candidates[c] == f;
      if (!seen) candidates[count++] = f;
    }
    k.xxh3_max_update = fastest_max_update(candidates, count);
#endif
    return k;
  }();
  return tuned;
}

inline void print_available_isas() noexcept {
  std::fprintf(stderr, "; kernel sets available here:");
  for (const char* name : all_isa_names)
    if (kernels_for(name) != nullptr) std::fprintf(stderr, " %s", name);
}

/// Applies HASHSKETCH_FORCE_ISA (see the top of this file): a bad value is
/// reported once (this runs once per process) and the best set is used.
HASHSKETCH_KERNELS_API const kernel_table& choose_kernels() noexcept {
  const char* forced = std::getenv("HASHSKETCH_FORCE_ISA");
  if (forced == nullptr || *forced == '\0') return best_kernels();
  if (const kernel_table* t = kernels_for(forced)) return *t;
  const kernel_table& best = best_kernels();
  std::fprintf(stderr, "hashsketch: warning: HASHSKETCH_FORCE_ISA=%s: %s", forced,
               known_isa_name(forced) ? "not supported by this CPU or not built for this architecture"
                                      : "unknown kernel set");
  print_available_isas();
  std::fprintf(stderr, "; using %s\n", best.isa);
  return best;
}

#endif  // definitions

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_KERNEL_SETS_HPP
