#ifndef HASHSKETCH_DETAIL_KERNEL_TABLE_HPP
#define HASHSKETCH_DETAIL_KERNEL_TABLE_HPP

// The light half of kernel dispatch: the table type, the choice of table and
// the public switches (active_isa, force_isa). It includes no intrinsics and
// no kernel bodies, so every translation unit that includes a sketch header
// pays only for this. The kernel bodies and the per-ISA tables live in
// detail/kernel_sets.hpp (<immintrin.h> and every kernel set: ~1.2 s of g++
// parsing on its own), reached in one of two ways:
//
//  * Header-only (the default): this header includes kernel_sets.hpp at its
//    end, so nothing needs to be linked. Every TU that uses a sketch compiles
//    the kernels.
//  * Kernels compiled once: define HASHSKETCH_EXTERN_KERNELS in every TU (the
//    CMake target hashsketch::kernels does it and links the compiled kernels),
//    or define it yourself and compile exactly one TU with
//        #define HASHSKETCH_KERNELS_IMPLEMENTATION
//        #include <hashsketch/kernels.hpp>
//    Then this header declares isa_table() and best_kernels() and the TU
//    with the implementation defines them (docs/performance.md, "Compile time").
//
// How the kernel set is chosen, in order:
//  1. Compile time: `#define HASHSKETCH_PIN_ISA <name>` (scalar, sse2, avx2,
//     avx512 or neon) before including any hashsketch header pins that set:
//     no CPU detection, no environment lookup; a name this target cannot build
//     is a compile error (static_assert). The user vouches that the CPU has it.
//     Pinned TUs put basic_sketch, kernels() and active_isa() in the inline
//     namespace pin_<name>, so a pinned and an unpinned TU linked into one
//     program each keep their own choice (no ODR violation; sketch types of
//     the two differ, so passing one across is a link error, not a silent
//     change of kernels).
//  2. hashsketch::force_isa("avx2") at run time (returns whether it took).
//  3. HASHSKETCH_FORCE_ISA=scalar|sse2|avx2|avx512|neon in the environment,
//     read once on first use. A name that is unknown, not built for this
//     architecture or not supported by this CPU prints one warning to stderr
//     (naming the sets available) and the best set is used instead. An empty
//     value counts as unset.
//  4. Otherwise the best set the CPU supports, tuned per kernel (best_kernels()).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

#include "../estimators.hpp"  // register_stats
#include "arch.hpp"

#define HASHSKETCH_DISPATCH_CAT2(a, b) a##b
#define HASHSKETCH_DISPATCH_CAT(a, b) HASHSKETCH_DISPATCH_CAT2(a, b)
#define HASHSKETCH_DISPATCH_STR2(a) #a
#define HASHSKETCH_DISPATCH_STR(a) HASHSKETCH_DISPATCH_STR2(a)

// The inline namespace that gives pinned builds their own symbols.
#if defined(HASHSKETCH_PIN_ISA)
#define HASHSKETCH_PIN_NAMESPACE_BEGIN inline namespace HASHSKETCH_DISPATCH_CAT(pin_, HASHSKETCH_PIN_ISA) {
#define HASHSKETCH_PIN_NAMESPACE_END }
#else
#define HASHSKETCH_PIN_NAMESPACE_BEGIN
#define HASHSKETCH_PIN_NAMESPACE_END
#endif

// isa_table() and best_kernels() are inline in header-only use, ordinary
// functions defined once when the kernels are compiled separately.
#if defined(HASHSKETCH_EXTERN_KERNELS) || defined(HASHSKETCH_KERNELS_IMPLEMENTATION)
#define HASHSKETCH_KERNELS_API
#else
#define HASHSKETCH_KERNELS_API inline
#endif

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
/// To add a kernel: a member here, its scalar reference, an entry in each
/// isa_table_*() of kernel_sets.hpp (aggregate order) and its equality test in
/// tests/kernels_test.cpp.
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
  // 6-bit packing of the Redis dense and DataSketches HLL_6 codecs
  // (references and layout: packed6.hpp).
  void (*pack6)(const std::uint8_t* regs, std::size_t n, unsigned char* dst) noexcept;
  bool (*unpack6)(const unsigned char* src, std::size_t n, std::uint8_t* dst, unsigned limit) noexcept;
  // 4-bit packing of the DataSketches HLL_4 codec (references: packed4.hpp).
  void (*pack4)(const std::uint8_t* regs, std::size_t n, unsigned base, unsigned char* dst,
                std::uint64_t* exceptions) noexcept;
  std::size_t (*unpack4)(const unsigned char* src, std::size_t n, unsigned base, std::uint8_t* dst) noexcept;
};

/// Every kernel-set name the library knows, best last.
constexpr const char* all_isa_names[] = {"scalar", "sse2", "avx2", "avx512", "neon"};

/// The kernel set `name` as built for this architecture, whether or not this
/// CPU runs it; nullptr when not built here (or unknown). Defined in
/// kernel_sets.hpp.
HASHSKETCH_KERNELS_API const kernel_table* isa_table(const char* name) noexcept;

/// The default: the best set this CPU supports, tuned per kernel (see
/// kernel_sets.hpp for what is chosen and why). Chosen once; thread-safe.
HASHSKETCH_KERNELS_API const kernel_table& best_kernels() noexcept;

/// CPU features on x86 (GCC/Clang builtins read cpuid and check that the OS
/// saves the wide registers). MSVC: no detection, SSE2 only.
inline bool x86_has(const char* feature) noexcept {
#if defined(HASHSKETCH_ARCH_X86) && (defined(__GNUC__) || defined(__clang__))
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

/// The pure kernel set `name` if this build has it and this CPU runs it,
/// else nullptr. (Tests use it to check every set against the scalar one.)
inline const kernel_table* kernels_for(const char* name) noexcept {
  if (name == nullptr) return nullptr;
  const kernel_table* t = isa_table(name);
  if (t == nullptr) return nullptr;
  if (std::strcmp(name, "avx2") == 0 && !x86_has("avx2")) return nullptr;
  if (std::strcmp(name, "avx512") == 0 && !x86_has("avx512bw")) return nullptr;
  return t;
}

inline bool known_isa_name(const char* name) noexcept {
  for (const char* known : all_isa_names)
    if (std::strcmp(known, name) == 0) return true;
  return false;
}

/// Applies HASHSKETCH_FORCE_ISA (see the top of this file): a bad value is
/// reported once (this runs once per process) and the best set is used.
/// Defined in kernel_sets.hpp.
HASHSKETCH_KERNELS_API const kernel_table& choose_kernels() noexcept;

#if defined(HASHSKETCH_PIN_ISA)
constexpr bool same_name(const char* a, const char* b) noexcept {
  return *a == *b && (*a == '\0' || same_name(a + 1, b + 1));
}
constexpr bool pinnable(const char* name) noexcept {
#if defined(HASHSKETCH_ARCH_X86)
  return same_name(name, "scalar") || same_name(name, "sse2") || same_name(name, "avx2") || same_name(name, "avx512");
#elif defined(HASHSKETCH_ARCH_AARCH64)
  return same_name(name, "scalar") || same_name(name, "neon");
#else
  return same_name(name, "scalar");
#endif
}
static_assert(pinnable(HASHSKETCH_DISPATCH_STR(HASHSKETCH_PIN_ISA)),
              "hashsketch: HASHSKETCH_PIN_ISA names a kernel set this target cannot build");
#endif

HASHSKETCH_PIN_NAMESPACE_BEGIN

/// The table set by force_isa(), or nullptr (then the one chosen at first use).
inline std::atomic<const kernel_table*>& forced_kernels() noexcept {
  static std::atomic<const kernel_table*> slot{nullptr};
  return slot;
}

/// The kernel set in use (chosen once; thread-safe).
inline const kernel_table& kernels() noexcept {
  if (const kernel_table* t = forced_kernels().load(std::memory_order_acquire)) return *t;
#if defined(HASHSKETCH_PIN_ISA)
  static const kernel_table& table = []() -> const kernel_table& {
    const char* pin = HASHSKETCH_DISPATCH_STR(HASHSKETCH_PIN_ISA);
    const char* forced = std::getenv("HASHSKETCH_FORCE_ISA");
    if (forced != nullptr && *forced != '\0' && std::strcmp(forced, pin) != 0)
      std::fprintf(stderr,
                   "hashsketch: warning: HASHSKETCH_FORCE_ISA=%s ignored: this program pins the kernel set %s at "
                   "compile time (HASHSKETCH_PIN_ISA)\n",
                   forced, pin);
    return *isa_table(pin);  // non-null: checked by the static_assert above
  }();
#else
  static const kernel_table& table = choose_kernels();
#endif
  return table;
}

HASHSKETCH_PIN_NAMESPACE_END

}  // namespace detail

HASHSKETCH_PIN_NAMESPACE_BEGIN

/// Name of the kernel set in use ("scalar", "sse2", "avx2", "avx512", "neon"):
/// the best one this CPU supports, unless force_isa(), HASHSKETCH_FORCE_ISA or
/// HASHSKETCH_PIN_ISA chose another (detail/kernel_table.hpp). Thread-safe.
inline const char* active_isa() noexcept { return detail::kernels().isa; }

/// Uses the kernel set `name` from now on, in this process (every sketch:
/// the choice is global). Returns false, changing nothing, when `name` is not
/// a set this build has and this CPU runs (a program with HASHSKETCH_PIN_ISA
/// takes only its pinned set). force_isa(nullptr) or force_isa("") returns to
/// the set chosen at start-up. Thread-safe; an operation already running
/// finishes with the set it started with.
inline bool force_isa(const char* name) noexcept {
  if (name == nullptr || *name == '\0') {
    detail::forced_kernels().store(nullptr, std::memory_order_release);
    return true;
  }
  const detail::kernel_table* t = detail::kernels_for(name);
#if defined(HASHSKETCH_PIN_ISA)
  if (std::strcmp(name, HASHSKETCH_DISPATCH_STR(HASHSKETCH_PIN_ISA)) != 0) t = nullptr;
#endif
  if (t == nullptr) return false;
  detail::forced_kernels().store(t, std::memory_order_release);
  return true;
}

HASHSKETCH_PIN_NAMESPACE_END

}  // namespace hashsketch

#if !defined(HASHSKETCH_EXTERN_KERNELS) && !defined(HASHSKETCH_KERNELS_IMPLEMENTATION)
#include "kernel_sets.hpp"
#endif

#endif  // HASHSKETCH_DETAIL_KERNEL_TABLE_HPP
