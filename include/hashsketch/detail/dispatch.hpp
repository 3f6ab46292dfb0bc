#ifndef HASHSKETCH_DETAIL_DISPATCH_HPP
#define HASHSKETCH_DETAIL_DISPATCH_HPP

// One dispatch point for the register kernels: a table of function pointers
// chosen once per process, on first use (a function-local static, so the
// choice is thread-safe and costs one indirect call per kernel invocation).
//
// How the table is chosen, in order:
//  1. Compile time: `#define HASHSKETCH_PIN_ISA <name>` (scalar, sse2, avx2,
//     avx512 or neon) before including any hashsketch header pins that kernel
//     set: no CPU detection, no environment lookup, and a name this target
//     cannot build is a compile error. The user vouches that the CPU has it.
//     A HASHSKETCH_FORCE_ISA that names another set then aborts (see 2).
//  2. Run time: HASHSKETCH_FORCE_ISA=scalar|sse2|avx2|avx512|neon in the
//     environment forces that set. A name that is unknown, not built for this
//     architecture or not supported by this CPU is a configuration error that
//     must not pass unnoticed: the process prints the reason and the sets
//     available to stderr and calls std::abort() (kernels() is noexcept and
//     runs inside noexcept sketch operations, so throwing is not an option).
//     An empty value counts as unset.
//  3. Otherwise the fastest set the CPU supports, per kernel (measured with
//     bench/kernels_bench.cpp; see best_kernels()).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

#include "kernels_avx2.hpp"
#include "kernels_avx512.hpp"
#include "kernels_neon.hpp"
#include "kernels_scalar.hpp"
#include "kernels_sse2.hpp"

namespace hashsketch {
namespace detail {

/// True when Family has `estimate(const register_stats&, size_t m, unsigned q)`:
/// its estimator reads only register_stats (HyperLogLog), so the one-pass
/// stats kernels replace a histogram after a merge.
template <class Family, class = void>
struct family_has_stats_estimate : std::false_type {};
template <class Family>
struct family_has_stats_estimate<
    Family, decltype(void(Family::estimate(std::declval<const hashsketch::register_stats&>(), std::size_t{}, 0u)))>
    : std::true_type {};

/// The register kernels of one instruction set. Contracts: kernels_scalar.hpp.
struct kernel_table {
  const char* isa;
  void (*merge_max)(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept;
  void (*merge_max_into)(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b, std::size_t n) noexcept;
  void (*register_histogram)(const std::uint8_t* regs, std::size_t n, std::uint32_t* counts) noexcept;
  void (*merge_histogram)(const std::uint8_t* a, const std::uint8_t* b, std::size_t n,
                          std::uint32_t* counts) noexcept;
  void (*register_stats)(const std::uint8_t* regs, std::size_t n, unsigned q, hashsketch::register_stats* out) noexcept;
  void (*merge_stats)(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, unsigned q,
                      hashsketch::register_stats* out) noexcept;
  void (*xxh3_batch)(const std::uint64_t* keys, std::size_t n, std::uint64_t seed, std::uint64_t* out) noexcept;
  void (*xxh3_max_update)(std::uint8_t* regs, unsigned p, const std::uint64_t* keys, std::size_t n,
                          std::uint64_t seed) noexcept;
};

/// Every kernel-set name the library knows, best last.
constexpr const char* all_isa_names[] = {"scalar", "sse2", "avx2", "avx512", "neon"};

inline const kernel_table& isa_table_scalar() noexcept {
  static const kernel_table t{"scalar",
                              &merge_max_scalar,
                              &merge_max_into_scalar,
                              &register_histogram_scalar,
                              &merge_histogram_scalar,
                              &register_stats_scalar,
                              &merge_stats_scalar,
                              &xxh3_batch_scalar,
                              &xxh3_max_update_scalar};
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
                              &xxh3_max_update_scalar};
  return t;
}

inline const kernel_table& isa_table_avx2() noexcept {
  static const kernel_table t{"avx2",
                              &merge_max_avx2,
                              &merge_max_into_avx2,
                              &register_histogram_split,
                              &merge_histogram_avx2,
                              &register_stats_avx2,
                              &merge_stats_avx2,
                              &xxh3_batch_avx2,
                              &xxh3_max_update_avx2};
  return t;
}

/// CPU features on x86 (GCC/Clang builtins read cpuid and check that the OS
/// saves the wide registers). MSVC: no detection, SSE2 only.
inline bool x86_has(const char* feature) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_cpu_init();
  if (std::strcmp(feature, "avx2") == 0) return __builtin_cpu_supports("avx2");
  if (std::strcmp(feature, "avx512bw") == 0)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
  if (std::strcmp(feature, "avx512vbmi") == 0) return __builtin_cpu_supports("avx512vbmi");
  if (std::strcmp(feature, "avx512dq") == 0) return __builtin_cpu_supports("avx512dq");
  if (std::strcmp(feature, "avx512cd") == 0) return __builtin_cpu_supports("avx512cd");
#else
  (void)feature;
#endif
  return false;
}

/// The AVX-512 set: AVX-512BW kernels, plus the VBMI stats and DQ/CD hashing
/// where the CPU has those extensions (AVX2 versions otherwise).
inline const kernel_table& isa_table_avx512() noexcept {
  static const kernel_table t = [] {
    kernel_table k{"avx512",
                   &merge_max_avx512,
                   &merge_max_into_avx512,
                   &register_histogram_split,
                   &merge_histogram_avx512,
                   &register_stats_avx2,
                   &merge_stats_avx2,
                   &xxh3_batch_avx2,
                   &xxh3_max_update_avx2};
    if (x86_has("avx512vbmi")) {
      k.register_stats = &register_stats_avx512;
      k.merge_stats = &merge_stats_avx512;
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
                              &xxh3_max_update_scalar};
  return t;
}
#endif

/// The pure kernel set `name` if this build has it and this CPU runs it,
/// else nullptr. (Tests use it to check every set against the scalar one.)
inline const kernel_table* kernels_for(const char* name) noexcept {
  if (std::strcmp(name, "scalar") == 0) return &isa_table_scalar();
#if defined(HASHSKETCH_ARCH_X86)
  if (std::strcmp(name, "sse2") == 0) return &isa_table_sse2();
  if (std::strcmp(name, "avx2") == 0) return x86_has("avx2") ? &isa_table_avx2() : nullptr;
  if (std::strcmp(name, "avx512") == 0) return x86_has("avx512bw") ? &isa_table_avx512() : nullptr;
#endif
#if defined(HASHSKETCH_ARCH_AARCH64)
  if (std::strcmp(name, "neon") == 0) return &isa_table_neon();
#endif
  return nullptr;
}

/// The default: the best set the CPU supports, per kernel. Measured on an
/// AMD EPYC (Zen 4) with bench/kernels_bench.cpp: AVX-512 wins for the stats
/// pass (vpermb: ~1.8× AVX2) and for batch hashing (native 64-bit multiply:
/// ~2× AVX2), but not for the byte max of merge: 32-byte AVX2 vectors merge
/// 1000 sketches of P = 14 streamed from L3 ~30 % faster than 64-byte ones
/// (240 vs 340 µs) and tie at P = 16 from L2 when both arrays share their
/// offset within a cache line (702 vs 720 ns; at a 16-byte relative offset
/// AVX-512 is ahead, 770 vs 900 ns). Zen 4 splits 512-bit operations. So on an
/// AVX-512 CPU the default set ("avx512") takes AVX2's merge kernels;
/// HASHSKETCH_FORCE_ISA=avx512 gives the pure AVX-512 set.
inline const kernel_table& best_kernels() noexcept {
  static const kernel_table tuned = [] {
    const kernel_table* best = &isa_table_scalar();
    for (std::size_t i = sizeof all_isa_names / sizeof all_isa_names[0]; i-- > 0;)
      if (const kernel_table* t = kernels_for(all_isa_names[i])) {
        best = t;
        break;
      }
    kernel_table k = *best;
#if defined(HASHSKETCH_ARCH_X86)
    if (std::strcmp(k.isa, "avx512") == 0) {
      k.merge_max = &merge_max_avx2;
      k.merge_max_into = &merge_max_into_avx2;
    }
#endif
    return k;
  }();
  return tuned;
}

[[noreturn]] inline void force_isa_failure(const char* requested, const char* why) noexcept {
  std::fprintf(stderr, "hashsketch: HASHSKETCH_FORCE_ISA=%s: %s; kernel sets available here:", requested, why);
  for (const char* name : all_isa_names)
    if (kernels_for(name) != nullptr) std::fprintf(stderr, " %s", name);
  std::fprintf(stderr, "\n");
  std::abort();
}

/// Applies HASHSKETCH_FORCE_ISA (see the top of this file).
inline const kernel_table& choose_kernels() noexcept {
  const char* forced = std::getenv("HASHSKETCH_FORCE_ISA");
  if (forced == nullptr || *forced == '\0') return best_kernels();
  bool known = false;
  for (const char* name : all_isa_names) known = known || std::strcmp(name, forced) == 0;
  if (!known) force_isa_failure(forced, "unknown kernel set");
  const kernel_table* t = kernels_for(forced);
  if (t == nullptr) force_isa_failure(forced, "not supported by this CPU or not built for this architecture");
  return *t;
}

#define HASHSKETCH_DISPATCH_CAT2(a, b) a##b
#define HASHSKETCH_DISPATCH_CAT(a, b) HASHSKETCH_DISPATCH_CAT2(a, b)
#define HASHSKETCH_DISPATCH_STR2(a) #a
#define HASHSKETCH_DISPATCH_STR(a) HASHSKETCH_DISPATCH_STR2(a)

/// The kernel set in use (chosen once; thread-safe).
inline const kernel_table& kernels() noexcept {
#if defined(HASHSKETCH_PIN_ISA)
  static const kernel_table& table = [] () -> const kernel_table& {
    const char* forced = std::getenv("HASHSKETCH_FORCE_ISA");
    if (forced != nullptr && *forced != '\0' && std::strcmp(forced, HASHSKETCH_DISPATCH_STR(HASHSKETCH_PIN_ISA)) != 0)
      force_isa_failure(forced, "this program pins the kernel set " HASHSKETCH_DISPATCH_STR(HASHSKETCH_PIN_ISA)
                                " at compile time (HASHSKETCH_PIN_ISA)");
    return HASHSKETCH_DISPATCH_CAT(isa_table_, HASHSKETCH_PIN_ISA)();
  }();
#else
  static const kernel_table& table = choose_kernels();
#endif
  return table;
}

}  // namespace detail

/// Name of the kernel set in use ("scalar", "sse2", "avx2", "avx512", "neon"):
/// the best one this CPU supports, unless HASHSKETCH_FORCE_ISA or
/// HASHSKETCH_PIN_ISA chose another (detail/dispatch.hpp). Thread-safe.
inline const char* active_isa() noexcept { return detail::kernels().isa; }

}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_DISPATCH_HPP
