#ifndef HASHSKETCH_ADDRESSING_HPP
#define HASHSKETCH_ADDRESSING_HPP

// Addressing policies: which bits of a hash choose the register, how the rank
// is counted, the largest rank possible, and how registers fold to a coarser
// precision. Merge, the estimators and the kernels only see registers, so a
// foreign layout (Redis: low bits + trailing zeros; DataSketches: low bits of
// h1 + leading zeros of h2) is one more policy, not another sketch.
//
// Policy contract:
//   static constexpr std::uint8_t id;                    // serialised
//   static constexpr const char* name;
//   static constexpr std::uint8_t max_rank(unsigned p);  // largest register value at precision p
//   template <unsigned P, class Hash>
//   static void locate(const Hash&, std::size_t& index, std::uint8_t& rank) noexcept;
//   static void fold(unsigned from_p, const std::uint8_t* src, unsigned to_p, std::uint8_t* dst) noexcept;
//     // dst[j] = max(dst[j], folded value) for every register of src (to_p <= from_p)

#include <cstddef>
#include <cstdint>

#include "detail/bits.hpp"

namespace hashsketch {

/// The default layout (Flajolet et al. 2007; Ertl 2017): index = the top P
/// bits of the 64-bit hash, rank = leading zeros of the remaining 64 − P bits
/// + 1, so ranks run 1..65−P and 0 means "empty".
///
/// Why the top bits: the bits that a coarser precision Q < P drops from the
/// index are exactly the bits that precede the rank's zero run. A register's
/// (index, rank) therefore determines the (index, rank) the same hash would
/// have had at precision Q, so reduce<Q>() is exact — equal, register for
/// register, to the sketch built at Q from the same keys.
struct leading_zeros_addressing {
  static constexpr std::uint8_t id = 1;
  static constexpr const char* name = "top-bits/leading-zeros";

  static constexpr std::uint8_t max_rank(unsigned p) noexcept { return static_cast<std::uint8_t>(65u - p); }

  template <unsigned P>
  static void locate(std::uint64_t hash, std::size_t& index, std::uint8_t& rank) noexcept {
    index = static_cast<std::size_t>(hash >> (64u - P));
    // A sentinel bit just below the shifted-out index caps the zero run at
    // 64 − P, i.e. the rank at 65 − P, without a branch for the all-zero case.
    const std::uint64_t rest = (hash << P) | (std::uint64_t{1} << (P - 1u));
    rank = static_cast<std::uint8_t>(detail::clz64_nonzero(rest) + 1u);
  }

  /// Folding P → Q (Q ≤ P): register i goes to i >> (P − Q). Its low P − Q
  /// index bits become the first bits of the rank's zero run: if any is set the
  /// new rank is (leading zeros among those bits) + 1, else it is
  /// (P − Q) + the old rank.
  static void fold(unsigned from_p, const std::uint8_t* src, unsigned to_p, std::uint8_t* dst) noexcept {
    const unsigned d = from_p - to_p;
    const std::size_t n = std::size_t{1} << from_p;
    const std::size_t low_mask = (std::size_t{1} << d) - 1u;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t r = src[i];
      if (r == 0) continue;
      const std::size_t low = i & low_mask;
      std::uint8_t folded;
      if (low == 0) {
        folded = static_cast<std::uint8_t>(d + r);
      } else {
        // zeros before the highest set bit of `low`, within d bits
        const unsigned width = 64u - detail::clz64_nonzero(low);
        folded = static_cast<std::uint8_t>(d - width + 1u);
      }
      std::uint8_t& out = dst[i >> d];
      if (folded > out) out = folded;
    }
  }
};

}  // namespace hashsketch

#endif  // HASHSKETCH_ADDRESSING_HPP
