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
//   template <class Hash> static std::uint32_t token(const Hash&) noexcept;
//     // the hash at precision 26: index26 << 6 | (rank26 − 1) (the sparse state's token)
//   template <unsigned P>
//   static void locate_token(std::uint32_t token, std::size_t& index, std::uint8_t& rank) noexcept;
//     // (index, rank) at precision P from a token; for every hash h and P ≤ 16:
//     // locate_token<P>(token(h)) == locate<P>(h) (tests/sparse_addressing_test.cpp)
//
// Tokens (CORE-SHAPE, issue 14): a token is the (index, rank) pair a hash gets
// at precision 26, packed into 32 bits as index26 << 6 | (rank26 − 1). Since
// every layout's fold is exact (the index bits a coarser precision drops are
// the first bits of its rank, or the rank does not depend on the index), the
// token determines the (index, rank) at every P ≤ 26; so the sparse state can
// keep tokens and still give, at promotion or reduce<Q>(), exactly the
// registers a dense sketch fed the same keys has.

#include <cstddef>
#include <cstdint>

#include "detail/bits.hpp"

namespace hashsketch {
namespace detail {
/// Index bits of a token (the sparse state's precision).
constexpr unsigned token_precision = 26;
/// The token of "no key" (DataSketches' reserved no-hash, whose rank is 0):
/// index26 0 and rank field 63, a rank no layout reaches (≤ 39 for the
/// top-bits and Redis layouts, ≤ 63 i.e. field ≤ 62 for DataSketches'), so a
/// sketch recognises it and never stores it. locate_token<P>() maps it to
/// (index 0, rank 0), as locate<P>() maps the no-hash.
constexpr std::uint32_t null_token = 63u;
/// True for every token a layout's token() produces for a real key.
constexpr bool is_key_token(std::uint32_t t) noexcept { return (t & 63u) != 63u; }
}  // namespace detail

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

  /// The token: index26 = the top 26 bits, rank26 − 1 = the leading zeros of
  /// the low 38 bits (capped at 38, so rank26 is 1..39). This is hash4j's
  /// DistinctCountUtil token (tests/sparse_addressing_test.cpp checks its
  /// vectors).
  static std::uint32_t token(std::uint64_t hash) noexcept {
    const std::uint32_t index26 = static_cast<std::uint32_t>(hash >> 38);
    // The sentinel at bit 25 caps the zero run of the low 38 bits at 38.
    const std::uint64_t rest = (hash << 26) | (std::uint64_t{1} << 25);
    return index26 << 6 | static_cast<std::uint32_t>(detail::clz64_nonzero(rest));
  }

  /// index = the top P of the 26 index bits; the other d = 26 − P index bits
  /// are the first d bits of the zero run at P: rank = (their leading zeros) + 1
  /// if any is set, else d + rank26. One clz over a word holding those d bits
  /// on top and a sentinel d + rank26 − 1 places below them.
  template <unsigned P>
  static void locate_token(std::uint32_t token, std::size_t& index, std::uint8_t& rank) noexcept {
    static_assert(P >= 1 && P <= 26, "hashsketch: token precision is 26");
    constexpr unsigned d = 26u - P;
    const std::uint32_t index26 = token >> 6;
    index = static_cast<std::size_t>(index26 >> d);
    const std::uint64_t low = index26 & ((std::uint32_t{1} << d) - 1u);
    // d ≥ 10 (P ≤ 16) and rank26 − 1 ≤ 38 keep the shifts in 0..63 — for
    // P up to 26 the sentinel shift 63 − d − 38 ≥ 0 still holds when d ≥ 0.
    const std::uint64_t word = (d == 0 ? 0u : low << ((64u - d) & 63u)) |
                               (std::uint64_t{1} << (63u - d - (token & 63u)));
    rank = static_cast<std::uint8_t>(detail::clz64_nonzero(word) + 1u);
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
