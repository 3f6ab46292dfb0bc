#ifndef HASHSKETCH_DETAIL_PRESTO_CODEC_HPP
#define HASHSKETCH_DETAIL_PRESTO_CODEC_HPP

// The bytes of Airlift's HyperLogLog (io.airlift.stats.cardinality, the
// `HyperLogLog` type of Presto and Trino), read into and written from one-byte
// registers of the top-bits/leading-zeros layout. Format facts from Airlift's
// Format.java, DenseHll.java and SparseHll.java (docs/presto.md has the layout
// field by field); the code is our own. All integers are little-endian.
//
//   DENSE_V2  (tag 3): tag, p, baseline (i8), m/2 bytes of 4-bit deltas (even
//                      bucket in the high nibble), u16 c, c × u16 overflow
//                      buckets (ascending), c × i8 overflow values.
//   DENSE_V1  (tag 1): tag, p, baseline, m/2 delta bytes, one i16 bucket and
//                      one i8 value (used when bucket ≥ 0 and value > 0).
//   SPARSE_V2 (tag 2): tag, p, i16 k, k × u32 entries (prefix << 6) | v,
//                      prefix = top 26 hash bits, v = leading zeros of the
//                      other 38 (0..38), entries in ascending prefix order.
//   SPARSE_V1 (tag 0): retired by Airlift; rejected.
//
// A SPARSE_V2 entry is bit for bit this library's token of the default layout
// (detail/tokens.hpp: index26 << 6 | (rank26 − 1), index26 = hash >> 38,
// rank26 − 1 = leading zeros of the low 38 bits capped at 38), so sparse
// images are written from and read into the sparse state without conversion.
//
// Register value = baseline + delta, + the overflow value when delta = 15.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../addressing.hpp"
#include "../errors.hpp"
#include "bits.hpp"
#include "bytes.hpp"

namespace hashsketch {
namespace detail {

constexpr std::uint8_t presto_tag_sparse_v1 = 0;
constexpr std::uint8_t presto_tag_dense_v1 = 1;
constexpr std::uint8_t presto_tag_sparse_v2 = 2;
constexpr std::uint8_t presto_tag_dense_v2 = 3;
/// The largest delta a nibble holds; a bucket at this delta may have an overflow.
constexpr unsigned presto_max_delta = 15;
/// Bits of the hash kept in a sparse entry's prefix (SparseHll.EXTENDED_PREFIX_BITS).
constexpr unsigned presto_sparse_prefix_bits = 26;
/// The largest v of a sparse entry: all 38 remaining bits zero.
constexpr unsigned presto_sparse_max_zeros = 64 - presto_sparse_prefix_bits;

/// Bytes of a DENSE_V2 image at precision p with `overflows` overflow entries:
/// 3 + m/2 + 2 + 3·overflows (2053 at p = 12 without overflows).
constexpr std::size_t presto_dense_v2_size(unsigned p, std::size_t overflows) noexcept {
  return 3u + (std::size_t{1} << p) / 2u + 2u + 3u * overflows;
}

[[noreturn]] inline void presto_fail(const std::string& what) { throw format_error("Presto/Airlift HLL: " + what); }

inline std::uint16_t presto_load_u16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

inline std::uint32_t presto_load_u32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

/// Airlift's SparseHll.encode of a hash: (hash >>> 38) << 6 | v, v =
/// nlz64((hash << 26) | (1 << 25)) = the leading zeros of the low 38 bits,
/// capped at 38 by the guard bit. 26 + 6 bits, a uint32.
inline std::uint32_t presto_sparse_entry(std::uint64_t hash) noexcept {
  const std::uint64_t guarded = (hash << presto_sparse_prefix_bits) | (std::uint64_t{1} << (presto_sparse_prefix_bits - 1u));
  return static_cast<std::uint32_t>((hash >> presto_sparse_max_zeros) << 6) | clz64_nonzero(guarded);
}

/// Bytes of a SPARSE_V2 image with k entries: 4 + 4k.
constexpr std::size_t presto_sparse_v2_size(std::size_t k) noexcept { return 4u + 4u * k; }

/// The most entries an Airlift sketch of 2^p buckets holds when keys are
/// added one by one from empty, with the default HotSpot layout (compressed
/// oops, 8-byte alignment): 251 / 511 / 2051 / 8191 at p = 11 / 12 / 14 / 16.
/// Airlift converts when SparseHll's in-memory size, 24 + align8(16 + 4c)
/// with c the capacity of its entries array, exceeds DenseHll's,
/// 40 + align8(16 + m/2) (HyperLogLog.makeDenseIfNecessary): i.e. it stays
/// sparse while c ≤ 2^(p−3) + 4. From empty c runs 1, 11, 21, … (it grows by
/// 10 when full), so the largest reachable c within the limit is
/// 1 + 10·⌊(2^(p−3) + 3)/10⌋ and the insert of one more entry converts.
/// (Source: the vectors' README, section 3, from Airlift c4a1adc9
/// SparseHll.insertHash / estimatedInMemorySize; p ≥ 4.)
constexpr std::size_t presto_sparse_max_entries(unsigned p) noexcept {
  return 1u + 10u * (((std::size_t{1} << (p - 3u)) + 3u) / 10u);
}

/// The largest entry count of a sparse Airlift sketch after a sparse+sparse
/// merge or a deserialisation (capacity = k exactly): 2^(p−3) + 4.
constexpr std::size_t presto_sparse_max_merged_entries(unsigned p) noexcept {
  return (std::size_t{1} << (p - 3u)) + 4u;
}

/// Writes the SPARSE_V2 image at precision p of k entries given by
/// `each(emit)`, which must call emit(entry) exactly k times in ascending
/// order, one entry per prefix, each v ≤ 38 (Airlift's order: SparseHll keeps
/// its entries sorted by prefix, and for distinct prefixes that is ascending
/// uint32 order). k ≤ 32767 (i16 count; Airlift never reaches 8197).
/// Throws std::logic_error if `each` emits another count. O(k).
template <class ForEach>
std::vector<std::uint8_t> presto_encode_sparse_v2(unsigned p, std::size_t k, ForEach&& each) {
  if (k > 0x7fffu) throw std::length_error("Presto/Airlift HLL: more than 32767 sparse entries");
  std::vector<std::uint8_t> out(presto_sparse_v2_size(k));
  out[0] = presto_tag_sparse_v2;
  out[1] = static_cast<std::uint8_t>(p);
  out[2] = static_cast<std::uint8_t>(k & 0xffu);
  out[3] = static_cast<std::uint8_t>(k >> 8);
  std::size_t i = 0;
  each([&](std::uint32_t entry) {
    if (i == k) throw std::logic_error("Presto/Airlift HLL: more sparse entries than announced");
    std::uint8_t* o = out.data() + 4 + 4 * i;
    o[0] = static_cast<std::uint8_t>(entry & 0xffu);
    o[1] = static_cast<std::uint8_t>((entry >> 8) & 0xffu);
    o[2] = static_cast<std::uint8_t>((entry >> 16) & 0xffu);
    o[3] = static_cast<std::uint8_t>(entry >> 24);
    ++i;
  });
  if (i != k) throw std::logic_error("Presto/Airlift HLL: fewer sparse entries than announced");
  return out;
}

/// The same from an array of k entries (ascending, one per prefix).
inline std::vector<std::uint8_t> presto_encode_sparse_v2(unsigned p, const std::uint32_t* entries, std::size_t k) {
  return presto_encode_sparse_v2(p, k, [&](auto&& emit) {
    for (std::size_t i = 0; i < k; ++i) emit(entries[i]);
  });
}

/// The hash bits a sparse entry keeps, as a 64-bit hash that the default
/// layout's locate<P> maps to the same (index, rank) as the original hash:
/// the 26-bit prefix on top, then v zero bits, then a one (none when v = 38).
/// Equal to Airlift's SparseHll.eachBucket after its fix c518b7844.
inline std::uint64_t presto_sparse_entry_hash(std::uint32_t entry) noexcept {
  const std::uint64_t prefix = entry >> 6;
  const unsigned v = entry & 0x3fu;
  std::uint64_t h = prefix << presto_sparse_max_zeros;
  if (v < presto_sparse_max_zeros) h |= std::uint64_t{1} << (presto_sparse_max_zeros - 1u - v);
  return h;
}

/// Checks the header of a Presto/Airlift image for a sketch of precision P
/// and returns its tag: presto_tag_dense_v1, presto_tag_sparse_v2 or
/// presto_tag_dense_v2. Reads at most 2 bytes. Throws format_error naming the
/// defect (too short, SPARSE_V1, unknown tag, p outside 4..16 or not P).
template <unsigned P>
std::uint8_t presto_check_header(const std::uint8_t* data, std::size_t size) {
  if (size < 2) presto_fail("truncated: " + std::to_string(size) + " bytes, the header needs at least 2");
  const std::uint8_t tag = data[0];
  if (tag == presto_tag_sparse_v1)
    presto_fail("SPARSE_V1 (tag 0) is not supported (Airlift retired it and refuses it too)");
  if (tag != presto_tag_dense_v1 && tag != presto_tag_sparse_v2 && tag != presto_tag_dense_v2)
    presto_fail("unknown format tag " + std::to_string(tag) + " (expected 1, 2 or 3)");
  const unsigned p = data[1];
  if (p < 4 || p > 16) presto_fail("precision p = " + std::to_string(p) + " outside 4..16");
  if (p != P)
    presto_fail("precision p = " + std::to_string(p) + " but the sketch type has P = " + std::to_string(P));
  return tag;
}

/// The entries of a SPARSE_V2 image whose header (tag 2, p) has been checked
/// by presto_check_header: validated in full before anything is returned, so
/// the result is ascending uint32 with one entry per prefix and every v ≤ 38
/// — exactly a token list of the default layout. Never reads outside
/// [data, data + size). Throws format_error naming the defect (truncation,
/// trailing bytes, a negative count, unsorted or duplicate prefixes, v > 38).
/// O(k); allocates 4k bytes.
inline std::vector<std::uint32_t> presto_sparse_entries(const std::uint8_t* data, std::size_t size) {
  if (size < 4) presto_fail("truncated: sparse header needs 4 bytes, got " + std::to_string(size));
  const auto k_signed = static_cast<std::int16_t>(presto_load_u16(data + 2));
  if (k_signed < 0) presto_fail("negative sparse entry count " + std::to_string(k_signed));
  const std::size_t k = static_cast<std::size_t>(k_signed);
  const std::size_t want = presto_sparse_v2_size(k);
  if (size < want)
    presto_fail("truncated: " + std::to_string(k) + " sparse entries need " + std::to_string(want) +
                " bytes, got " + std::to_string(size));
  if (size > want) presto_fail("trailing bytes: " + std::to_string(size - want) + " after the sparse entries");
  std::vector<std::uint32_t> entries(k);
  for (std::size_t i = 0; i < k; ++i) {
    const std::uint32_t entry = presto_load_u32(data + 4 + 4 * i);
    if ((entry & 0x3fu) > presto_sparse_max_zeros)
      presto_fail("sparse entry " + std::to_string(i) + " has " + std::to_string(entry & 0x3fu) +
                  " leading zeros, more than 38");
    if (i > 0 && (entry >> 6) <= (entries[i - 1] >> 6))
      presto_fail((entry >> 6) == (entries[i - 1] >> 6) ? "duplicate sparse prefix at entry " + std::to_string(i)
                                                         : "unsorted sparse entries at entry " + std::to_string(i));
    entries[i] = entry;
  }
  return entries;
}

/// Reads a Presto/Airlift image of precision P into `regs` (m = 2^P bytes,
/// zero on entry); a sparse image's entries go through eachBucket's rule
/// (presto_sparse_entry_hash, then the default layout's locate<P>). Never
/// reads outside [data, data + size). Throws format_error naming the defect;
/// `regs` may then hold a partial result (the caller discards it).
template <unsigned P>
void presto_decode(const std::uint8_t* data, std::size_t size, std::uint8_t* regs) {
  constexpr std::size_t m = std::size_t{1} << P;
  constexpr unsigned max_rank = leading_zeros_addressing::max_rank(P);
  const std::uint8_t tag = presto_check_header<P>(data, size);

  if (tag == presto_tag_sparse_v2) {
    for (const std::uint32_t entry : presto_sparse_entries(data, size)) {
      std::size_t index;
      std::uint8_t rank;
      leading_zeros_addressing::locate<P>(presto_sparse_entry_hash(entry), index, rank);
      if (rank > regs[index]) regs[index] = rank;
    }
    return;
  }

  // Dense, V1 or V2.
  constexpr std::size_t header = 3;
  constexpr std::size_t deltas = m / 2;
  if (size < header + deltas)
    presto_fail("truncated: dense p = " + std::to_string(P) + " needs " + std::to_string(header + deltas) +
                " bytes before the overflows, got " + std::to_string(size));
  const auto baseline = static_cast<std::int8_t>(data[2]);
  if (baseline < 0 || static_cast<unsigned>(baseline) > max_rank)
    presto_fail("baseline " + std::to_string(baseline) + " outside 0.." + std::to_string(max_rank));
  const std::uint8_t* nibbles = data + header;
  for (std::size_t b = 0; b < m; ++b) {
    const unsigned delta = (b & 1u) ? (nibbles[b >> 1] & 0x0fu) : (nibbles[b >> 1] >> 4);
    const unsigned value = static_cast<unsigned>(baseline) + delta;
    if (value > max_rank)
      presto_fail("register " + std::to_string(b) + " = " + std::to_string(value) + " above " +
                  std::to_string(max_rank) + " (65 - p)");
    regs[b] = static_cast<std::uint8_t>(value);
  }
  const std::uint8_t* rest = data + header + deltas;
  const std::size_t rest_size = size - header - deltas;

  auto apply_overflow = [&](std::size_t which, std::size_t bucket, int value) {
    if (bucket >= m)
      presto_fail("overflow " + std::to_string(which) + " names bucket " + std::to_string(bucket) + ", not below m = " +
                  std::to_string(m));
    if (value <= 0) presto_fail("overflow " + std::to_string(which) + " has value " + std::to_string(value) + " <= 0");
    if (regs[bucket] != static_cast<unsigned>(baseline) + presto_max_delta)
      presto_fail("overflow " + std::to_string(which) + " for bucket " + std::to_string(bucket) +
                  " whose delta is not 15 (Airlift would ignore it)");
    const unsigned total = regs[bucket] + static_cast<unsigned>(value);
    if (total > max_rank)
      presto_fail("overflow " + std::to_string(which) + " makes bucket " + std::to_string(bucket) + " = " +
                  std::to_string(total) + ", above " + std::to_string(max_rank) + " (65 - p)");
    regs[bucket] = static_cast<std::uint8_t>(total);
  };

  if (tag == presto_tag_dense_v1) {
    if (rest_size < 3) presto_fail("truncated: DENSE_V1 overflow slot needs 3 bytes, got " + std::to_string(rest_size));
    if (rest_size > 3) presto_fail("trailing bytes: " + std::to_string(rest_size - 3) + " after the DENSE_V1 image");
    const auto bucket = static_cast<std::int16_t>(presto_load_u16(rest));
    const auto value = static_cast<std::int8_t>(rest[2]);
    // Airlift: the slot is in use only when bucket >= 0 and value > 0.
    if (bucket >= 0 && value > 0) apply_overflow(0, static_cast<std::size_t>(bucket), value);
    return;
  }

  if (rest_size < 2) presto_fail("truncated: the overflow count needs 2 bytes, got " + std::to_string(rest_size));
  const std::size_t c = presto_load_u16(rest);
  if (c > m) presto_fail("overflow count " + std::to_string(c) + " above m = " + std::to_string(m));
  const std::size_t want = 2u + 3u * c;
  if (rest_size < want)
    presto_fail("truncated: " + std::to_string(c) + " overflows need " + std::to_string(want) + " bytes, got " +
                std::to_string(rest_size));
  if (rest_size > want) presto_fail("trailing bytes: " + std::to_string(rest_size - want) + " after the overflows");
  const std::uint8_t* buckets = rest + 2;
  const std::uint8_t* values = rest + 2 + 2 * c;
  std::size_t previous = 0;
  for (std::size_t i = 0; i < c; ++i) {
    const std::size_t bucket = presto_load_u16(buckets + 2 * i);
    if (i > 0 && bucket <= previous)
      presto_fail(bucket == previous ? "duplicate overflow bucket " + std::to_string(bucket)
                                     : "unsorted overflow buckets at overflow " + std::to_string(i));
    previous = bucket;
    apply_overflow(i, bucket, static_cast<std::int8_t>(values[i]));
  }
}

/// The canonical DENSE_V2 image of m = 2^P registers (each ≤ 65 − P):
/// baseline = the smallest register, delta = min(value − baseline, 15),
/// overflow = value − baseline − 15 where that is positive, buckets ascending
/// — what Airlift's DenseHll.serialize writes for the same registers. O(m).
template <unsigned P>
std::vector<std::uint8_t> presto_encode_dense_v2(const std::uint8_t* regs) {
  constexpr std::size_t m = std::size_t{1} << P;
  std::uint8_t baseline = regs[0];
  std::size_t overflows = 0;
  for (std::size_t b = 1; b < m; ++b)
    if (regs[b] < baseline) baseline = regs[b];
  for (std::size_t b = 0; b < m; ++b)
    if (regs[b] - baseline > static_cast<int>(presto_max_delta)) ++overflows;
  // At least one register equals the baseline, so overflows < m ≤ 65536 fits u16.
  std::vector<std::uint8_t> out(presto_dense_v2_size(P, overflows), 0);
  out[0] = presto_tag_dense_v2;
  out[1] = static_cast<std::uint8_t>(P);
  out[2] = baseline;
  std::uint8_t* nibbles = out.data() + 3;
  std::uint8_t* count = nibbles + m / 2;
  std::uint8_t* buckets = count + 2;
  std::uint8_t* values = buckets + 2 * overflows;
  count[0] = static_cast<std::uint8_t>(overflows & 0xffu);
  count[1] = static_cast<std::uint8_t>(overflows >> 8);
  std::size_t o = 0;
  for (std::size_t b = 0; b < m; ++b) {
    const unsigned d = static_cast<unsigned>(regs[b] - baseline);
    const unsigned nibble = d > presto_max_delta ? presto_max_delta : d;
    nibbles[b >> 1] = static_cast<std::uint8_t>(nibbles[b >> 1] | ((b & 1u) ? nibble : nibble << 4));
    if (d > presto_max_delta) {
      buckets[2 * o] = static_cast<std::uint8_t>(b & 0xffu);
      buckets[2 * o + 1] = static_cast<std::uint8_t>(b >> 8);
      values[o] = static_cast<std::uint8_t>(d - presto_max_delta);
      ++o;
    }
  }
  return out;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_PRESTO_CODEC_HPP
