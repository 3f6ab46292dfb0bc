#ifndef HASHSKETCH_PRESTO_HPP
#define HASHSKETCH_PRESTO_HPP

// Presto / Trino HyperLogLog interoperability: the bytes of the `HyperLogLog`
// SQL type (Airlift's io.airlift.stats.cardinality format), in and out.
//
//   hashsketch::presto_hyperloglog<12> users;     // = approx_set(x): 4096 buckets
//   users.add(std::int64_t{42});                  // = approx_set(bigint 42)
//   users.add(std::string_view("user-7"));        // = approx_set(varchar 'user-7')
//   auto bytes = hashsketch::to_presto(users);    // = cast(approx_set(x) as varbinary): SPARSE_V2 here
//   auto back = hashsketch::from_presto<12>(bytes.data(), bytes.size());
//
// A Presto sketch is an ordinary sketch of this library with two policies:
//   - presto_hasher: MurmurHash3_x64_128, seed 0, first 64-bit half h1
//     (Airlift's Murmur3Hash128.hash64), over the 8 little-endian bytes of a
//     bigint or the UTF-8 bytes of a varchar;
//   - leading_zeros_addressing, the library's default layout: Airlift's dense
//     rule (DenseHll.insertHash: index = top p bits, value = leading zeros of
//     the other 64 − p bits + 1) is exactly it, checked register for register
//     against Airlift's own images (tests/presto_test.cpp).
// So add, merge (exact max; across P by the exact fold), estimate, reduce<Q>()
// and the SIMD kernels work unchanged; only to_presto / from_presto know the
// bytes (detail/presto_codec.hpp, layout in docs/presto.md).
//
// Writing: to_presto writes SPARSE_V2 (tag 2) when Airlift would still be
// sparse — the sketch is in its sparse state and holds at most
// presto_format::sparse_max_entries(P) tokens (251 / 511 / 2051 / 8191 at
// P = 11 / 12 / 14 / 16: where Airlift's sketch fed the same keys one by one
// turns dense) — and DENSE_V2 (tag 3) otherwise. Both are byte for byte what
// Airlift writes for the same keys added from empty: a SPARSE_V2 entry is
// exactly this layout's token (index26 << 6 | rank26 − 1), and the dense
// image is canonical for the registers. Airlift's own switch also depends on
// history (a merged or deserialised sketch stays sparse up to 2^(P−3) + 4
// entries) and on the JVM's object layout; there we write DENSE_V2 where
// Airlift may still write SPARSE_V2 — both read the same in Presto/Trino.
// (At P = 4 and 5 the sparse state promotes at its first token, so there a
// one-key sketch writes DENSE_V2 where Airlift writes SPARSE_V2.)
// Reading: DENSE_V2, DENSE_V1 (tag 1) and SPARSE_V2; a SPARSE_V2 image gives
// a sparse sketch holding exactly its entries as tokens (dense when it has
// more than the sparse state keeps), so it writes back unchanged.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "addressing.hpp"
#include "basic_sketch.hpp"
#include "detail/bytes.hpp"
#include "detail/murmur3.hpp"
#include "detail/presto_codec.hpp"
#include "errors.hpp"
#include "hyperloglog.hpp"

namespace hashsketch {

/// Airlift's hash64: MurmurHash3_x64_128 with seed 0, returning h1 (the first
/// 64-bit word of the 128-bit result). What is hashed, as approx_set does:
///  - bigint (std::int64_t / std::uint64_t): its 8 little-endian bytes;
///  - varchar: its UTF-8 bytes, no length, no terminator; the empty string
///    hashes to 0 and is added like any other key (Airlift does the same);
///  - double: hash the integer std::bit_cast<std::int64_t>(v) after mapping
///    every NaN to 0x7ff8000000000000 (Java's doubleToLongBits).
/// Stateless apart from the seed; safe to share between threads. O(size).
struct presto_hasher {
  using result_type = std::uint64_t;
  static constexpr std::uint8_t id = 5;
  static constexpr const char* name = "murmur3-x64-128-h1";
  /// Airlift's Murmur3Hash128.DEFAULT_SEED; the only seed Presto/Trino use.
  static constexpr std::uint64_t presto_seed = 0;

  constexpr presto_hasher() noexcept = default;
  /// Another seed, for the hasher contract; to_presto refuses such sketches.
  explicit constexpr presto_hasher(std::uint64_t seed) noexcept : seed_(seed) {}
  constexpr std::uint64_t seed() const noexcept { return seed_; }

  /// h1 of MurmurHash3_x64_128 over [data, data + size).
  result_type operator()(const void* data, std::size_t size) const noexcept {
    std::uint64_t h1, h2;
    detail::murmur3_x64_128(data, size, seed_, h1, h2);
    return h1;
  }
  result_type operator()(std::string_view key) const noexcept { return (*this)(key.data(), key.size()); }
  /// The 8 little-endian bytes of the key (Airlift's hash64(long)).
  result_type operator()(std::uint64_t key) const noexcept {
    unsigned char bytes[8];
    detail::store_le64(bytes, key);
    return (*this)(bytes, sizeof bytes);
  }
  /// A signed bigint: the same 8 bytes in two's complement.
  result_type operator()(std::int64_t key) const noexcept { return (*this)(static_cast<std::uint64_t>(key)); }

  friend constexpr bool operator==(const presto_hasher& a, const presto_hasher& b) noexcept {
    return a.seed_ == b.seed_;
  }
  friend constexpr bool operator!=(const presto_hasher& a, const presto_hasher& b) noexcept { return !(a == b); }

 private:
  std::uint64_t seed_ = presto_seed;
};

/// A Presto/Trino-compatible HyperLogLog with a chosen allocator.
template <unsigned P, class Allocator>
using basic_presto_hyperloglog = hyperloglog<P, presto_hasher, Allocator, leading_zeros_addressing>;

/// The registers of a Presto/Trino HyperLogLog with 2^P buckets (P = 4..16).
/// approx_set(x) uses P = 12 (4096 buckets, standard error 1.04/√4096 ≈
/// 1.6 %); approx_set(x, e) in PrestoDB picks P from e. m bytes of registers.
/// add(std::int64_t) goes through add(std::uint64_t): the same 8 bytes.
template <unsigned P>
using presto_hyperloglog = basic_presto_hyperloglog<P, std::allocator<std::uint8_t>>;

/// Sizes of Airlift's format.
namespace presto_format {
/// DENSE_V2 bytes at precision p with `overflows` overflow entries (2053 at
/// p = 12 with none; each overflow adds 3).
constexpr std::size_t dense_size(unsigned p, std::size_t overflows = 0) noexcept {
  return detail::presto_dense_v2_size(p, overflows);
}
/// SPARSE_V2 bytes with k entries: 4 + 4k.
constexpr std::size_t sparse_size(std::size_t k) noexcept { return detail::presto_sparse_v2_size(k); }
/// The most entries a SPARSE_V2 image from to_presto holds at precision p
/// (4..16): Airlift's limit for a sketch fed keys one by one from empty with
/// the default JVM layout, 1 + 10·⌊(2^(p−3) + 3)/10⌋ — 251 / 511 / 2051 /
/// 8191 at p = 11 / 12 / 14 / 16 (detail/presto_codec.hpp derives it).
constexpr std::size_t sparse_max_entries(unsigned p) noexcept { return detail::presto_sparse_max_entries(p); }
/// The precision of Presto/Trino's approx_set (4096 buckets).
constexpr unsigned approx_set_precision = 12;
}  // namespace presto_format

/// The Airlift image of the sketch: what `cast(approx_set(x) as varbinary)`
/// returns for the same keys. SPARSE_V2 (tag 2, 4 + 4k bytes, the tokens in
/// ascending order) while the sketch is sparse with k ≤
/// presto_format::sparse_max_entries(P) tokens, else the canonical DENSE_V2
/// (tag 3, what `cast(... as P4HyperLogLog)` returns always; densify() a copy
/// first to get it for a small sketch). Presto/Trino read both back with
/// `cast(bytes as HyperLogLog)`. O(k) sparse, O(m) dense; allocates the
/// image. Throws incompatible_sketch_error when the hasher's seed is not 0
/// (Presto would hash the same values elsewhere).
template <unsigned P, class Allocator>
std::vector<std::uint8_t> to_presto(const basic_presto_hyperloglog<P, Allocator>& sketch);

/// Reads Airlift bytes (DENSE_V2, DENSE_V1 or SPARSE_V2) of precision P.
/// Never reads outside [data, data + size). Throws format_error naming the
/// defect: empty or truncated input, trailing bytes, SPARSE_V1 (tag 0) or an
/// unknown tag, p outside 4..16 or not P, a negative sparse count, unsorted or
/// duplicate sparse prefixes, a sparse value above 38, a negative baseline,
/// more than m overflows, an overflow bucket ≥ m (Airlift accepts = m),
/// unsorted or duplicate overflow buckets (Airlift accepts them), an overflow
/// on a bucket whose delta is not 15 (Airlift ignores it), an overflow value
/// ≤ 0, a register above 65 − P. A SPARSE_V2 image gives a sparse sketch
/// whose tokens are exactly its entries (dense when they exceed the sparse
/// state's size, as adding them would); DENSE_V1/V2 a dense one. O(size + m);
/// allocates 4k bytes (sparse) or m (dense). Nothing is kept on a throw.
template <unsigned P>
presto_hyperloglog<P> from_presto(const void* data, std::size_t size);
/// The same into a sketch with a chosen allocator.
template <unsigned P, class Allocator>
basic_presto_hyperloglog<P, Allocator> from_presto(const void* data, std::size_t size, const Allocator& alloc);

/// The precision byte of an Airlift image (byte 1), so that a caller can pick
/// from_presto<P>; throws format_error when there is no such byte or it is
/// outside 4..16. O(1).
unsigned presto_precision(const void* data, std::size_t size);

// ---------------------------------------------------------------------------
// Definitions

template <unsigned P, class Allocator>
std::vector<std::uint8_t> to_presto(const basic_presto_hyperloglog<P, Allocator>& sketch) {
  if (sketch.hasher().seed() != presto_hasher::presto_seed)
    throw incompatible_sketch_error("Presto/Trino hash with MurmurHash3 seed 0, this sketch uses seed " +
                                    std::to_string(sketch.hasher().seed()));
  if (detail::sparse_access::is_sparse(sketch)) {
    const std::size_t k = detail::sparse_access::token_count(sketch);
    if (k <= detail::presto_sparse_max_entries(P))
      // The default layout's tokens are Airlift's entries (presto_codec.hpp),
      // ascending and one per 26-bit prefix: the SPARSE_V2 body as it is.
      return detail::presto_encode_sparse_v2(P, k, [&](auto&& emit) { detail::sparse_access::for_each_token(sketch, emit); });
  }
  const auto registers = sketch.registers();  // a sparse sketch's: a materialised copy
  return detail::presto_encode_dense_v2<P>(registers.data());
}

template <unsigned P, class Allocator>
basic_presto_hyperloglog<P, Allocator> from_presto(const void* data, std::size_t size, const Allocator& alloc) {
  if (data == nullptr && size != 0) throw format_error("Presto/Airlift HLL: null data with a non-zero size");
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  basic_presto_hyperloglog<P, Allocator> out(presto_hasher{}, alloc);
  if (detail::presto_check_header<P>(bytes, size) == detail::presto_tag_sparse_v2) {
    // Validated in full (ascending, one per prefix, v ≤ 38) before the sketch
    // sees them: exactly a token list of the default layout.
    const std::vector<std::uint32_t> tokens = detail::presto_sparse_entries(bytes, size);
    detail::sparse_access::assign_tokens(out, tokens.data(), tokens.size());
    return out;
  }
  detail::presto_decode<P>(bytes, size, detail::register_access::data(out));
  detail::register_access::registers_changed(out);
  return out;
}

template <unsigned P>
presto_hyperloglog<P> from_presto(const void* data, std::size_t size) {
  return from_presto<P>(data, size, std::allocator<std::uint8_t>{});
}

inline unsigned presto_precision(const void* data, std::size_t size) {
  if (data == nullptr || size < 2) detail::presto_fail("truncated: no precision byte");
  const unsigned p = static_cast<const std::uint8_t*>(data)[1];
  if (p < 4 || p > 16) detail::presto_fail("precision p = " + std::to_string(p) + " outside 4..16");
  return p;
}

}  // namespace hashsketch

#endif  // HASHSKETCH_PRESTO_HPP
