#ifndef HASHSKETCH_DETAIL_ULL_KERNELS_HPP
#define HASHSKETCH_DETAIL_ULL_KERNELS_HPP

// UltraLogLog register kernels: the union of two registers, one scalar
// reference and one SIMD kernel per instruction set (SSE2, AVX2, AVX-512BW,
// NEON), each tested equal to the scalar one (tests/ultraloglog_test.cpp);
// the register histogram; the FGRA register pass (the estimate after a
// merge: gathers on AVX2/AVX-512, bit-equal sums in every set).
// This header holds the register algebra, the scalar references and the
// table type; the SIMD bodies and the tables are in ull_kernel_sets.hpp
// (compiled once with HASHSKETCH_EXTERN_KERNELS, like kernel_sets.hpp).
// The set in use (ull_kernels()) follows the main kernel table
// (detail/kernel_table.hpp), so HASHSKETCH_FORCE_ISA, force_isa() and
// HASHSKETCH_PIN_ISA choose these too.
//
// The register byte (hash4j's stored encoding, see ultraloglog.hpp) is
// r = 4·t + h: t = the highest set bit of the register's "hash prefix" (the
// set of bits t = rank + P − 2 of every hash it saw), h = whether bits t − 1
// (h & 2) and t − 2 (h & 1) are set too; r = 0 is the empty register.
//
// Why the union needs no 64-bit prefix: OR-ing two prefixes keeps the larger
// top bit t_hi = max(t_a, t_b); the smaller register contributes its three
// known bits w = 4 | (h_lo) at positions t_lo, t_lo − 1, t_lo − 2, i.e. at
// offsets d = t_hi − t_lo below t_hi. Shifted into the two history positions
// of the result they are (w >> d) & 3, which is 0 for d ≥ 3. So
//   union(a, b) = hi | ((4 | (lo & 3)) >> d & 3),  hi = max(a, b), lo = min(a, b),
// with d = (hi >> 2) − (lo >> 2). An empty lo (0) gives d = t_hi ≥ P − 1 ≥ 3
// and therefore adds nothing; two empty registers give 0. Unlike HyperLogLog's
// byte max this is not monotone in the byte, hence its own kernel.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernel_table.hpp"

namespace hashsketch {
namespace detail {

/// The union of two UltraLogLog register bytes (see the top of this file).
constexpr std::uint8_t ull_union_byte(std::uint8_t a, std::uint8_t b) noexcept {
  const unsigned hi = a > b ? a : b;
  const unsigned lo = a > b ? b : a;
  const unsigned d = (hi >> 2) - (lo >> 2);
  const unsigned extra = d < 3u ? ((4u | (lo & 3u)) >> d) & 3u : 0u;
  return static_cast<std::uint8_t>(hi | extra);
}

/// For each register byte r, the 64-bit mask over prefix bits t of the
/// hashes that change it: the bits above its top t_r = r >> 2, and t_r − 1 /
/// t_r − 2 where that history bit is not set yet (~r & 3: bit 1 for t_r − 1,
/// bit 0 for t_r − 2, shifted up to t_r − 2). An empty register (r = 0,
/// t_r = 0) has no history: every t ≥ 1 changes it. Does not
/// depend on P (t = rank + P − 2 does). 2 KiB; ultraloglog::update reads one
/// entry per add.
struct ull_change_mask_table {
  std::uint64_t mask[256];
};
constexpr ull_change_mask_table make_ull_change_masks() noexcept {
  ull_change_mask_table t{};
  for (unsigned r = 0; r < 256; ++r) {
    const unsigned top = r >> 2;
    const std::uint64_t above = ~std::uint64_t{1} << top;
    // Shift up by top − 2, not up by top then down by 2: at top = 63 that
    // would drop the t − 1 bit off the top of the word.
    const std::uint64_t missing = top >= 2 ? static_cast<std::uint64_t>(~r & 3u) << (top - 2) : 0;
    t.mask[r] = above | missing;
  }
  return t;
}
inline constexpr ull_change_mask_table ull_change_mask_values = make_ull_change_masks();
inline constexpr const std::uint64_t* ull_change_masks = ull_change_mask_values.mask;

/// dst[i] = union(dst[i], src[i]) for i < n. The scalar reference.
inline void ull_merge_scalar(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) dst[i] = ull_union_byte(dst[i], src[i]);
}

/// counts[v] = number of i < n with regs[i] == v, for v < 256 (overwritten).
/// Four split tables break the store-to-load chain through one counter.
inline void ull_histogram_scalar(const std::uint8_t* regs, std::size_t n, std::uint32_t* counts) noexcept {
  std::uint32_t c[4][256] = {};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    ++c[0][regs[i]];
    ++c[1][regs[i + 1]];
    ++c[2][regs[i + 2]];
    ++c[3][regs[i + 3]];
  }
  for (; i < n; ++i) ++c[0][regs[i]];
  for (std::size_t v = 0; v < 256; ++v) counts[v] = c[0][v] + c[1][v] + c[2][v] + c[3][v];
}

/// The FGRA register pass (the estimate right after a merge, when no
/// histogram is current): Σ_i contribution[regs[i]] and the counts of the
/// bytes the estimator treats apart (the small- and large-range registers).
///   contribution: 256 doubles, η_h·2^(−τu) for an ordinary byte, 0 for the
///                 special ones (ultraloglog<P>::pass_table()).
///   special:      the 8 byte values counted apart (0, 4P − 4, 4P, 4P + 2,
///                 252 … 255); counts[k] = number of i with regs[i] == special[k].
/// The sum is kept in 8 lanes, lane j holding the registers i ≡ j (mod 8) in
/// index order, and the lanes are added as ((l0 + l1) + (l2 + l3)) + ((l4 +
/// l5) + (l6 + l7)): every instruction set adds the same doubles in the same
/// order, so all return the same bits (tested).
struct ull_pass_result {
  double sum;
  std::uint32_t counts[8];
};
inline double ull_pass_reduce(const double* l) noexcept {
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}
/// Adds regs[i] for i in [from, n) into lanes and counts (the scalar body,
/// also the SIMD kernels' tail: `from` is a multiple of 8, so lane i & 7 is
/// the lane the SIMD body would have used).
inline void ull_pass_tail(const std::uint8_t* regs, std::size_t from, std::size_t n, const double* contribution,
                          const std::uint8_t* special, double* lanes, std::uint32_t* counts) noexcept {
  // Local lanes: `contribution` may alias `lanes` as far as the compiler
  // knows, which would keep them in memory (a store and a reload per add).
  double l[8];
  for (int j = 0; j < 8; ++j) l[j] = lanes[j];
  bool any_special = false;
  std::size_t i = from;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) {
      const double c = contribution[regs[i + static_cast<std::size_t>(j)]];
      l[j] += c;
      // Every ordinary byte contributes > 0 (η_h·2^(−τu) ≥ 10^−15): a zero
      // entry is a special byte, counted below.
      any_special |= c == 0.0;
    }
  }
  for (std::size_t k = i; k < n; ++k) {
    const double c = contribution[regs[k]];
    l[k & 7] += c;
    any_special |= c == 0.0;
  }
  for (int j = 0; j < 8; ++j) lanes[j] = l[j];
  if (any_special)
    for (std::size_t k = from; k < n; ++k)
      if (contribution[regs[k]] == 0.0)
        for (int c = 0; c < 8; ++c) counts[c] += regs[k] == special[c];
}
/// The scalar reference.
inline ull_pass_result ull_pass_scalar(const std::uint8_t* regs, std::size_t n, const double* contribution,
                                       const std::uint8_t* special) noexcept {
  double lanes[8] = {};
  ull_pass_result out{};
  ull_pass_tail(regs, 0, n, contribution, special, lanes, out.counts);
  out.sum = ull_pass_reduce(lanes);
  return out;
}

/// The UltraLogLog kernels of one instruction set.
struct ull_kernel_table {
  const char* isa;
  void (*merge)(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept;
  void (*histogram)(const std::uint8_t* regs, std::size_t n, std::uint32_t* counts) noexcept;
  /// The FGRA pass (ull_pass_scalar). SSE2 and NEON have no gather: they
  /// carry the scalar one.
  ull_pass_result (*fgra_pass)(const std::uint8_t* regs, std::size_t n, const double* contribution,
                               const std::uint8_t* special) noexcept;
  /// Whether fgra_pass beats the histogram + O(256) sum that ultraloglog
  /// otherwise uses after a merge (bench/ultraloglog_bench.cpp, m = 2^14:
  /// AVX-512 ≈ 0.5–0.7×, AVX2 ≈ 0.7–0.9× of the histogram's time; the scalar
  /// lookups ≈ 2×, so scalar, SSE2 and NEON keep the histogram).
  bool pass_is_faster;
};

/// The set named `name` ("scalar", "sse2", "avx2", "avx512", "neon") if this
/// build has it and this CPU runs it, else nullptr. Defined in
/// ull_kernel_sets.hpp: inline in header-only use, once in the kernels TU
/// with HASHSKETCH_EXTERN_KERNELS (this TU then sees no intrinsics). Like
/// kernels_for() it does not depend on HASHSKETCH_PIN_ISA, so it stays outside
/// the pinned namespace: one definition serves pinned and unpinned TUs.
HASHSKETCH_KERNELS_API const ull_kernel_table* ull_kernels_for(const char* name) noexcept;

/// ull_kernels_for(isa), or the scalar set where this build or CPU lacks it.
inline const ull_kernel_table& ull_kernels_by_isa(const char* isa) noexcept {
  const ull_kernel_table* t = ull_kernels_for(isa);
  return t != nullptr ? *t : *ull_kernels_for("scalar");
}

// Pinned TUs (HASHSKETCH_PIN_ISA) get their own ull_kernels(), as they get
// their own kernels(): it reads the TU's main table, so one shared inline
// definition (and its cached choice) would hand every TU the set of
// whichever TU the linker kept (tests/isa_pin_odr_test.cpp). Always inline,
// also with HASHSKETCH_EXTERN_KERNELS: the kernels TU is not pinned.
HASHSKETCH_PIN_NAMESPACE_BEGIN

/// The UltraLogLog set of the main kernel table's instruction set
/// (kernels().isa): follows HASHSKETCH_PIN_ISA, HASHSKETCH_FORCE_ISA and
/// force_isa(), also a force_isa() after the first use. The set for the
/// table in use at the first call is cached (one compare a call: merge()
/// at P = 10 takes ~40 ns); after a force_isa() to another table the name
/// is looked up (a few string compares a call). Thread-safe.
inline const ull_kernel_table& ull_kernels() noexcept {
  const kernel_table& k = kernels();
  struct choice {
    const kernel_table* from;
    const ull_kernel_table* to;
  };
  static const choice first{&k, &ull_kernels_by_isa(k.isa)};
  return first.from == &k ? *first.to : ull_kernels_by_isa(k.isa);
}

HASHSKETCH_PIN_NAMESPACE_END

}  // namespace detail
}  // namespace hashsketch

// Header-only use: the SIMD bodies and the tables come with this header.
#if !defined(HASHSKETCH_EXTERN_KERNELS) && !defined(HASHSKETCH_KERNELS_IMPLEMENTATION)
#include "ull_kernel_sets.hpp"
#endif

#endif  // HASHSKETCH_DETAIL_ULL_KERNELS_HPP
