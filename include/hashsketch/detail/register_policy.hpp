#ifndef HASHSKETCH_DETAIL_REGISTER_POLICY_HPP
#define HASHSKETCH_DETAIL_REGISTER_POLICY_HPP

// Register semantics of basic_sketch (its last template parameter): what a
// register holds and how it changes. The core owns the storage (sparse tokens
// or dense one-byte registers with a histogram of register values); a policy
// says
//   - the register value after a key of rank `rank` reaches it (update) and,
//     cheaper, whether it changes at all (changes: the fast rejection of the
//     add path, exact: changes(r, k) == (update(r, k) != r));
//   - the union of two register arrays (merge, merge_into: SIMD kernels);
//   - the exact fold of registers to a coarser precision (reduce<Q>);
//   - how many histogram bins the register values need (the dense summary);
//   - which bytes are valid registers (deserialize's check);
//   - optionally (has_summary) a running summary of the registers' estimator
//     contributions, kept current on every register change in O(1), so that
//     the estimate after adds costs O(q) instead of a histogram sum.
// Tokens become registers through update: a token's (index, rank) at
// precision P (the addressing policy's locate_token<P>) is applied as a key of
// that rank, so promotion gives exactly the registers of a dense sketch fed
// the same keys, whatever the policy, as long as the token store keeps every
// (index, rank) pair the policy can tell apart (needs_every_rank).
//
//   hll_registers: HyperLogLog / LogLog / SuperLogLog — a register is the
//     largest rank seen (max); the main kernel table's merge_max kernels.
//   ull_registers: UltraLogLog — a register is hash4j's byte 4t + history
//     (detail/ull_kernels.hpp); the union kernels of ull_kernels().

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <cmath>

#include "../estimators.hpp"
#include "bits.hpp"
#include "kernel_table.hpp"
#include "ull_kernels.hpp"
#include "ull_math.hpp"

namespace hashsketch {
namespace detail {
HASHSKETCH_PIN_NAMESPACE_BEGIN

/// Max registers (HyperLogLog and its relatives).
struct hll_registers {
  /// No summary of its own: the core keeps HyperLogLog's register_stats.
  static constexpr bool has_summary = false;
  /// One histogram bin per register value 0..63.
  using histogram_type = register_histogram;
  /// The token store may keep one token per index26 (the largest rank): a
  /// max register needs no smaller rank.
  static constexpr bool needs_every_rank = false;
  /// add_many may update registers by the branch-free bulk max kernel.
  static constexpr bool has_bulk_max_update = true;

  template <unsigned P>
  static bool changes(std::uint8_t reg, std::uint8_t rank) noexcept {
    return rank > reg;
  }
  /// The value after a key of `rank` (only called where changes() holds).
  template <unsigned P>
  static std::uint8_t update(std::uint8_t, std::uint8_t rank) noexcept {
    return rank;
  }
  /// Register values this layout can hold at precision P.
  template <unsigned P, class Addressing>
  static constexpr bool valid_value(unsigned v) noexcept {
    return v <= Addressing::max_rank(P);
  }
  /// The largest register value at precision P.
  template <unsigned P, class Addressing>
  static constexpr unsigned max_value() noexcept {
    return Addressing::max_rank(P);
  }
  static void merge(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
    kernels().merge_max(dst, src, n);
  }
  static void merge_into(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b, std::size_t n) noexcept {
    kernels().merge_max_into(out, a, b, n);
  }
  /// dst (2^to_p registers) ∪= src (2^from_p registers) folded to to_p.
  template <class Addressing>
  static void fold(unsigned from_p, const std::uint8_t* src, unsigned to_p, std::uint8_t* dst) noexcept {
    Addressing::fold(from_p, src, to_p, dst);
  }
  static void histogram(const std::uint8_t* regs, std::size_t n, std::uint32_t* counts) noexcept {
    kernels().register_histogram(regs, n, counts);
  }
};

/// UltraLogLog registers in hash4j's byte encoding (docs/ultraloglog.md):
/// a key of rank k at precision P sets bit t = k + P − 2 of the register's
/// hash prefix; the byte keeps the top bit and the two below it.
struct ull_registers {
  /// The FGRA sum Σ η_h·2^(−τu) over the ordinary registers (rank 3 … 64 − P,
  /// bytes 4P + 4 … 251; Ertl 2024, FGRA), in 128-bit fixed point with 100
  /// fraction bits (hi·2^64 + lo = sum·2^100). Integer arithmetic, so the
  /// running sum equals a recount exactly, whatever the order of changes (a
  /// double running sum would drift: the sum shrinks by ~2^−τ per rank while
  /// the rounding errors of the larger early terms stay). Each term is the
  /// double contribution rounded to 2^−100: relative error ≤ 2^−51 for the
  /// smallest term (≈ 2^−49.2), so the sum is within ~3e-16 relative of the
  /// double histogram sum.
  struct summary_type {
    std::uint64_t hi, lo;
  };
  static constexpr bool has_summary = true;
  static constexpr int summary_fraction_bits = 100;

  /// Byte r's term at precision P in the fixed point above (0 for the bytes
  /// FGRA counts apart: empty, rank 1, rank 2, the top rank).
  template <unsigned P>
  static const std::array<summary_type, 256>& summary_terms() noexcept {
    static const std::array<summary_type, 256> t = [] {
      std::array<summary_type, 256> out{};
      for (unsigned r = 4 * P + 4; r < 252; ++r) {
        const double x = ull_math::fgra().contribution[r - 4 * P - 4];  // < 1, > 2^−50
        const double top = std::floor(std::ldexp(x, summary_fraction_bits - 64));
        const double rest = std::ldexp(std::ldexp(x, summary_fraction_bits - 64) - top, 64);  // exact: [0, 2^64)
        out[r].hi = static_cast<std::uint64_t>(top);
        out[r].lo = rest >= 0x1p64 ? ~std::uint64_t{0} : static_cast<std::uint64_t>(rest);
      }
      return out;
    }();
    return t;
  }
  /// s += t·c (c ≤ 2^16 registers: no overflow, the sum stays below 2^117).
  static void summary_add(summary_type& s, const summary_type& t, std::uint64_t c = 1) noexcept {
    // t.lo·c as 96 bits from its 32-bit halves.
    const std::uint64_t a = (t.lo & 0xFFFFFFFFu) * c, b = (t.lo >> 32) * c;
    const std::uint64_t low = a + (b << 32);
    const std::uint64_t carry = (low < a ? 1u : 0u) + (b >> 32);
    const std::uint64_t lo = s.lo + low;
    s.hi += t.hi * c + carry + (lo < s.lo ? 1u : 0u);
    s.lo = lo;
  }
  static void summary_sub(summary_type& s, const summary_type& t) noexcept {
    const std::uint64_t lo = s.lo - t.lo;
    s.hi -= t.hi + (lo > s.lo ? 1u : 0u);
    s.lo = lo;
  }
  /// The summary of registers with histogram h. O(256).
  template <unsigned P>
  static summary_type summary_of(const std::array<std::uint32_t, 256>& h) noexcept {
    const std::array<summary_type, 256>& t = summary_terms<P>();
    summary_type s{0, 0};
    for (unsigned r = 4 * P + 4; r < 252; ++r)
      if (h[r] != 0) summary_add(s, t[r], h[r]);
    return s;
  }
  /// A register changed from `before` to `after`. O(1): two table reads.
  template <unsigned P>
  static void summary_change(summary_type& s, std::uint8_t before, std::uint8_t after) noexcept {
    const std::array<summary_type, 256>& t = summary_terms<P>();
    summary_add(s, t[after]);
    summary_sub(s, t[before]);
  }
  /// The sum as a double (rounded twice: ≤ 2 ulp).
  static double summary_value(const summary_type& s) noexcept {
    return std::ldexp(static_cast<double>(s.hi), 64 - summary_fraction_bits) +
           std::ldexp(static_cast<double>(s.lo), -summary_fraction_bits);
  }

  /// One bin per byte value.
  using histogram_type = std::array<std::uint32_t, 256>;
  /// Two keys with the same index26 but different ranks set different
  /// history bits: the token store must keep every (index26, rank) pair.
  static constexpr bool needs_every_rank = true;
  static constexpr bool has_bulk_max_update = false;

  /// Bit t = rank + P − 2 of detail::ull_change_masks[reg]: one load and a
  /// bit test, as cheap as HyperLogLog's `rank > reg` (t ≤ 63 for every rank
  /// ≤ 65 − P). Equal to update(reg, rank) != reg for every valid byte and
  /// rank (tests/ultraloglog_test.cpp).
  template <unsigned P>
  static bool changes(std::uint8_t reg, std::uint8_t rank) noexcept {
    return (ull_change_masks[reg] >> (rank + P - 2u)) & 1u;
  }
  /// The register holding only bit t is the byte 4t; the union adds it.
  template <unsigned P>
  static std::uint8_t update(std::uint8_t reg, std::uint8_t rank) noexcept {
    return ull_union_byte(reg, static_cast<std::uint8_t>(4u * (rank + P - 2u)));
  }
  /// 0, 4P − 4 (rank 1), 4P or 4P + 2 (rank 2), 4P + 4 … 255 (rank ≥ 3).
  template <unsigned P, class Addressing>
  static constexpr bool valid_value(unsigned r) noexcept {
    return r == 0 || r == 4 * P - 4 || r == 4 * P || r == 4 * P + 2 || (r >= 4 * P + 4 && r <= 255);
  }
  template <unsigned P, class Addressing>
  static constexpr unsigned max_value() noexcept {
    return 255;
  }
  static void merge(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
    ull_kernels().merge(dst, src, n);
  }
  static void merge_into(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b, std::size_t n) noexcept {
    std::memcpy(out, a, n);
    ull_kernels().merge(out, b, n);
  }
  /// dst (2^to_p registers) ∪= src folded from precision from_p ≥ to_p.
  /// Register j of src goes to i = j >> d (d = from_p − to_p). Its low d
  /// index bits k are the first d bits after the index at to_p: k = 0 keeps
  /// the register's prefix unchanged (bits do not depend on P); k ≠ 0 means
  /// some hash had its leading-zero run end inside k, at rank d − width(k) + 1,
  /// i.e. bit t = from_p − 1 − width(k). Only for leading_zeros_addressing.
  template <class Addressing>
  static void fold(unsigned from_p, const std::uint8_t* src, unsigned to_p, std::uint8_t* dst) noexcept {
    const unsigned d = from_p - to_p;
    const std::size_t block = std::size_t{1} << d;
    const std::size_t n = std::size_t{1} << to_p;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t* s = src + (i << d);
      std::uint8_t acc = ull_union_byte(dst[i], s[0]);
      for (std::size_t k = 1; k < block; ++k) {
        if (s[k] == 0) continue;
        const unsigned width = 64u - clz64_nonzero(k);
        acc = ull_union_byte(acc, static_cast<std::uint8_t>(4u * (from_p - 1u - width)));
      }
      dst[i] = acc;
    }
  }
  static void histogram(const std::uint8_t* regs, std::size_t n, std::uint32_t* counts) noexcept {
    ull_kernels().histogram(regs, n, counts);
  }
};

HASHSKETCH_PIN_NAMESPACE_END
}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_REGISTER_POLICY_HPP
