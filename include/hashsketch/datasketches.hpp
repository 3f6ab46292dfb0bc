#ifndef HASHSKETCH_DATASKETCHES_HPP
#define HASHSKETCH_DATASKETCHES_HPP

// Apache DataSketches HLL compatibility: sketches that Spark SQL
// (hll_sketch_agg / hll_union_agg / hll_sketch_estimate), Apache Druid
// (HLLSketch), the Hive and BigQuery UDFs can read and merge, and the reverse.
//
//   hashsketch::datasketches_hyperloglog<12> s;     // 4 KiB, ±1.6 % (1.04/√4096)
//   s.add(std::uint64_t{42});                       // same register as hll_sketch::update(uint64_t{42})
//   s.add(std::string_view("user-7"));
//   auto bytes = hashsketch::to_datasketches(s);    // an HLL_8 image Spark reads
//   auto back = hashsketch::from_datasketches<12>(bytes.data(), bytes.size());
//
// This is the library's one sketch core (basic_sketch) with two policies in
// DataSketches' layout, plus a codec for DataSketches' serialised format:
//   - murmur3_128_hasher: MurmurHash3_x64_128, seed 9001, over exactly the
//     bytes DataSketches hashes for each input;
//   - datasketches_addressing: register = low lg_k bits of the first half h1,
//     value = min(leading zeros of the second half h2, 62) + 1 (1..63).
// Because the value does not depend on the register index, folding a sketch
// to a coarser precision is a plain max over the registers that share their
// low bits: exact, and equal to the sketch built at the coarser precision.
//
// The byte layout is DataSketches' public HLL serialisation format, which the
// Java and C++ implementations share (datasketches-java PreambleUtil.java
// header comment; datasketches-cpp hll/include/HllUtil.hpp constants). It is
// described field by field in docs/datasketches.md.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "basic_sketch.hpp"
#include "detail/bits.hpp"
#include "detail/bytes.hpp"
#include "detail/murmur3.hpp"
#include "errors.hpp"
#include "estimators.hpp"
#include "hyperloglog.hpp"

namespace hashsketch {

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// The 128-bit MurmurHash3 result (h1 = first 64-bit half, h2 = second), or
/// the reserved "no hash" value (`none == true`) for inputs that DataSketches
/// ignores. Aggregate: `murmur3_128_hash{h1, h2}` is a real hash.
struct murmur3_128_hash {
  std::uint64_t h1;
  std::uint64_t h2;
  /// True for the reserved value: datasketches_addressing maps it to rank 0,
  /// and basic_sketch only stores ranks above a register's value, so adding it
  /// changes nothing — exactly like DataSketches ignoring the input.
  bool none = false;

  friend constexpr bool operator==(const murmur3_128_hash& a, const murmur3_128_hash& b) noexcept {
    return a.none == b.none && (a.none || (a.h1 == b.h1 && a.h2 == b.h2));
  }
  friend constexpr bool operator!=(const murmur3_128_hash& a, const murmur3_128_hash& b) noexcept { return !(a == b); }
};

/// DataSketches' hashing: MurmurHash3_x64_128 with seed 9001 (the value every
/// DataSketches HLL sketch uses; its images do not record a seed, so only
/// seed-9001 sketches can be written with to_datasketches).
///
/// What is hashed, as in DataSketches' hll_sketch::update:
///  - integers: the 8 little-endian bytes of the value widened to int64;
///    signed types sign-extend, narrower unsigned types are first cast to the
///    signed type of their width (so std::uint32_t{0xFFFFFFFF} hashes like -1).
///    operator()(std::uint64_t) hashes the 8 bytes as they are; the other
///    integer types go through datasketches_key().
///  - bytes / strings: the raw bytes, no terminating NUL.
///  - empty input (size 0, or null data) returns the reserved "no hash"
///    value, so the sketch ignores it, as DataSketches does for empty strings
///    and (Java) empty arrays. One C++-only quirk is deliberately not mirrored
///    by operator(): datasketches-cpp's update(const void*, 0) with a non-null
///    pointer hashes the zero-length input; hash_bytes(p, 0) reproduces that
///    for the rare caller who needs it (sketch.add_hash(hasher.hash_bytes(p, 0))).
///
/// Stateless apart from the seed; safe to share between threads. O(size).
struct murmur3_128_hasher {
  using result_type = murmur3_128_hash;
  static constexpr std::uint8_t id = 3;
  static constexpr const char* name = "murmur3-x64-128";
  /// DataSketches' DEFAULT_UPDATE_SEED.
  static constexpr std::uint64_t default_seed = 9001;

  constexpr murmur3_128_hasher() noexcept = default;
  explicit constexpr murmur3_128_hasher(std::uint64_t seed) noexcept : seed_(seed) {}
  constexpr std::uint64_t seed() const noexcept { return seed_; }

  /// The reserved value for ignored inputs (maps to rank 0: nothing is added).
  static constexpr result_type no_hash() noexcept { return result_type{0, 0, true}; }

  /// MurmurHash3_x64_128 of the bytes; no_hash() when size is 0 or data is null.
  result_type operator()(const void* data, std::size_t size) const noexcept {
    if (data == nullptr || size == 0) return no_hash();
    return hash_bytes(data, size);
  }
  /// The bytes of a string; the empty string is ignored (no_hash()).
  result_type operator()(std::string_view key) const noexcept { return (*this)(key.data(), key.size()); }
  /// The key's 8 little-endian bytes (int64 semantics: DataSketches' update(uint64_t)).
  result_type operator()(std::uint64_t key) const noexcept {
    unsigned char bytes[8];
    detail::store_le64(bytes, key);
    return hash_bytes(bytes, sizeof bytes);
  }
  /// Floating-point keys have a rule here (basic_sketch::add(double) exists
  /// only for hashers that say so): DataSketches' update(double) and
  /// update(float), see datasketches_key(double).
  static constexpr bool hashes_floating = true;
  result_type operator()(double key) const noexcept;
  result_type operator()(float key) const noexcept;
  /// Every other integer type, widened exactly as DataSketches widens it.
  template <class Int, std::enable_if_t<std::is_integral<Int>::value && !std::is_same<Int, std::uint64_t>::value &&
                                            !std::is_same<Int, bool>::value,
                                        int> = 0>
  result_type operator()(Int key) const noexcept;
  /// Always hashes, even zero bytes (datasketches-cpp's update(ptr, 0) with a
  /// non-null ptr). data may be null only when size is 0.
  result_type hash_bytes(const void* data, std::size_t size) const noexcept {
    result_type r{0, 0, false};
    detail::murmur3_x64_128(data, size, seed_, r.h1, r.h2);
    return r;
  }

  friend constexpr bool operator==(const murmur3_128_hasher& a, const murmur3_128_hasher& b) noexcept {
    return a.seed_ == b.seed_;
  }
  friend constexpr bool operator!=(const murmur3_128_hasher& a, const murmur3_128_hasher& b) noexcept {
    return !(a == b);
  }

 private:
  std::uint64_t seed_ = default_seed;
};

/// The 64-bit value whose 8 little-endian bytes DataSketches hashes for an
/// integer key: int64 widening, with narrower unsigned types first cast to the
/// signed type of their width (DataSketches' update(uint32_t) → int32_t →
/// int64_t). Use it with add(): `s.add(datasketches_key(std::uint16_t{x}))`;
/// basic_sketch::add(std::uint64_t) alone would zero-extend a narrow unsigned
/// key and land elsewhere.
template <class Int, std::enable_if_t<std::is_integral<Int>::value && !std::is_same<Int, bool>::value, int> = 0>
constexpr std::uint64_t datasketches_key(Int v) noexcept {
  using signed_t = std::make_signed_t<Int>;
  // Unsigned → signed of the same width is modular since C++20 and
  // implementation-defined (two's complement on every supported compiler)
  // before; the widening to int64 then sign-extends.
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<signed_t>(v)));
}

/// DataSketches' update(double) / update(float): the value's IEEE bits after
/// canonicalisation (−0.0 → +0.0, every NaN → 0x7ff8000000000000, Java's
/// Double.doubleToLongBits NaN), so equal numbers hash equal on every engine.
inline std::uint64_t datasketches_key(double v) noexcept {
  if (v == 0.0) v = 0.0;
  if (std::isnan(v)) return 0x7ff8000000000000ULL;
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}
inline std::uint64_t datasketches_key(float v) noexcept { return datasketches_key(static_cast<double>(v)); }

/// DataSketches' register layout. slot = the low P bits of h1; value =
/// min(clz64(h2), 62) + 1, so values run 1..63 at every precision (0 =
/// empty). The index and the value come from different halves of the hash, so
/// the value a key reaches does not depend on P: folding P → Q is a plain max
/// over the registers with equal low Q bits, and the fold is exact.
struct datasketches_addressing {
  static constexpr std::uint8_t id = 3;
  static constexpr const char* name = "datasketches (low bits of h1 / leading zeros of h2)";

  /// 63 at every precision (62 leading zeros at most, + 1).
  static constexpr std::uint8_t max_rank(unsigned /*p*/) noexcept { return 63; }

  /// The reserved no-hash value gives rank 0, which never changes a register.
  template <unsigned P>
  static void locate(const murmur3_128_hash& hash, std::size_t& index, std::uint8_t& rank) noexcept {
    index = static_cast<std::size_t>(hash.h1 & ((std::uint64_t{1} << P) - 1u));
    if (hash.none) {
      rank = 0;
      return;
    }
    const unsigned lz = hash.h2 == 0 ? 64u : detail::clz64_nonzero(hash.h2);
    rank = static_cast<std::uint8_t>((lz > 62u ? 62u : lz) + 1u);
  }

  /// The token: index26 = h1 & 0x3FFFFFF, rank26 = min(clz64(h2), 62) + 1 —
  /// DataSketches' coupon is rank26 << 26 | index26, a bijection with it.
  /// The no-hash gives detail::null_token, which a sketch never stores.
  static std::uint32_t token(const murmur3_128_hash& hash) noexcept {
    if (hash.none) return detail::null_token;
    const unsigned lz = hash.h2 == 0 ? 64u : detail::clz64_nonzero(hash.h2);
    return static_cast<std::uint32_t>(hash.h1 & 0x3FFFFFFu) << 6 | (lz > 62u ? 62u : lz);
  }

  /// index = the low P index bits; the rank is rank26 itself (it never
  /// depended on the index). null_token's field 63 wraps to rank 0.
  template <unsigned P>
  static void locate_token(std::uint32_t token, std::size_t& index, std::uint8_t& rank) noexcept {
    static_assert(P >= 1 && P <= 26, "hashsketch: token precision is 26");
    index = static_cast<std::size_t>((token >> 6) & ((std::uint32_t{1} << P) - 1u));
    rank = static_cast<std::uint8_t>(((token & 63u) + 1u) & 63u);
  }

  /// dst[i mod 2^to_p] = max(dst[...], src[i]) for every i < 2^from_p.
  static void fold(unsigned from_p, const std::uint8_t* src, unsigned to_p, std::uint8_t* dst) noexcept {
    const std::size_t n = std::size_t{1} << from_p;
    const std::size_t mask = (std::size_t{1} << to_p) - 1u;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t& out = dst[i & mask];
      if (src[i] > out) out = src[i];
    }
  }
};

/// HyperLogLog in DataSketches' layout, P = 4..16 (DataSketches' lg_k).
/// Every basic_sketch member applies (add, merge, merge<Q>, reduce<Q>,
/// estimate, confidence_interval, the native serialize/deserialize); the
/// estimator is the library's (Ertl 2017, relative standard error 1.04/√m).
/// Memory: 2^P bytes + 256. Thread-safety: one writer or many readers.
template <unsigned P>
using datasketches_hyperloglog = hyperloglog<P, murmur3_128_hasher, std::allocator<std::uint8_t>, datasketches_addressing>;

/// DataSketches' target register types: 4, 6 or 8 bits per register.
enum class ds_target { hll_4 = 0, hll_6 = 1, hll_8 = 2 };

/// The lg_k (4..21) of a DataSketches HLL image, after checking the 8-byte
/// preamble (size, preamble ints, serial version, family, lg_k, flags, mode).
/// O(1). Throws format_error naming the defect.
int datasketches_lg_k(const void* data, std::size_t size);

/// Reads a DataSketches HLL image (any mode: LIST, SET, HLL; any target type:
/// HLL_4 with its aux exceptions, HLL_6, HLL_8; compact or updatable; empty)
/// into a datasketches_hyperloglog<P>. An image with lg_k > P (up to 21) is
/// folded to P — lossy only as any reduction to fewer registers is; lg_k < P
/// is a format_error (precision cannot grow).
///
/// A LIST or SET image (DataSketches' coupons: 26-bit address + value) gives a
/// sparse sketch holding exactly those coupons as tokens (one per address, the
/// largest value), so its estimate stays near exact and every later add,
/// merge or promotion equals that of a sketch fed the same keys; it is dense
/// only if the coupons pass the sparse limit of P. Coupon images are checked
/// as DataSketches writes them (detail::ds_decode_coupon_body: list slots,
/// SET table size and probe placement, count limits, duplicates, values).
///
/// Every header field that is used, every length and every index is checked
/// before use, and nothing outside [data, data + size) is read; a defect
/// throws format_error naming it (truncation, trailing bytes, wrong family /
/// version / preamble size / mode, coupon or register value out of range, aux
/// entry outside the sketch or duplicated or not matching an exception
/// nibble, counts that disagree with the entries, unknown flag bits, ...).
/// Fields that only feed DataSketches' own HIP estimator (HIP accumulator,
/// kxq0/kxq1, num_at_cur_min) are checked for plausibility but never trusted:
/// the registers are the sketch. O(size + 2^P); allocates 2^P bytes (+ a
/// sorted copy of the HLL_4 aux entries) only after the header and the size
/// it implies have been checked. The register histogram is left to be
/// computed by the first estimate() (O(2^P) there).
template <unsigned P>
datasketches_hyperloglog<P> from_datasketches(const void* data, std::size_t size);

/// Writes a DataSketches HLL image of the sketch (target type hll_4, hll_6 or
/// hll_8; compact or updatable) that DataSketches' own deserialiser accepts.
///  - A sparse sketch with at most as many keys as DataSketches keeps as
///    coupons at lg_k = P (7 below P = 8, else 3·2^P/32) is written as
///    DataSketches' own LIST or SET image: its tokens are DataSketches'
///    coupons. Byte for byte serialize_compact() / serialize_updatable() of
///    the same keys for every LIST image and while the sketch has seen at
///    most 16 distinct keys; beyond, the same header, count, table size and
///    coupon set, the cells possibly in another order (DataSketches' order
///    depends on the insertion order, which the sketch no longer has).
///    The empty sketch is DataSketches' empty image (8 / 40 bytes).
///  - Otherwise (dense, or more keys) in HLL mode: cur_min, num_at_cur_min,
///    kxq0 and kxq1 are computed from the registers; the OUT_OF_ORDER flag is
///    set and the HIP accumulator holds this library's estimate (see the
///    comment in the definition for why).
/// Throws incompatible_sketch_error for a seed other than 9001. O(2^P), or
/// O(n) for a coupon image; the result is 8 + 4·n, 12 + 4·n (compact LIST /
/// SET), or 40 + 2^P bytes at most (HLL_8).
template <class Family, unsigned P, class Allocator>
std::vector<std::uint8_t> to_datasketches(
    const basic_sketch<Family, P, murmur3_128_hasher, Allocator, datasketches_addressing>& sketch,
    ds_target target = ds_target::hll_8, bool compact = true);

// Merging a DataSketches-layout sketch with a sketch of any other hasher or
// layout cannot be meaningful (the same key lands in different registers with
// a different rank scale), so it does not compile: basic_sketch::merge takes
// only its own hasher and layout, and these overloads turn `a | b` / `a |= b`
// into a static_assert that says why instead of an overload-resolution dump.
// Sketches of the same layout but different seeds are a run-time property and
// throw incompatible_sketch_error from merge().
template <class F1, unsigned P1, class A1, class F2, unsigned P2, class H2, class A2, class L2,
          std::enable_if_t<!std::is_same<L2, datasketches_addressing>::value, int> = 0>
void operator|(const basic_sketch<F1, P1, murmur3_128_hasher, A1, datasketches_addressing>&,
               const basic_sketch<F2, P2, H2, A2, L2>&);
template <class F1, unsigned P1, class A1, class F2, unsigned P2, class H2, class A2, class L2,
          std::enable_if_t<!std::is_same<L2, datasketches_addressing>::value, int> = 0>
void operator|(const basic_sketch<F2, P2, H2, A2, L2>&,
               const basic_sketch<F1, P1, murmur3_128_hasher, A1, datasketches_addressing>&);
template <class F1, unsigned P1, class A1, class F2, unsigned P2, class H2, class A2, class L2,
          std::enable_if_t<!std::is_same<L2, datasketches_addressing>::value, int> = 0>
void operator|=(basic_sketch<F1, P1, murmur3_128_hasher, A1, datasketches_addressing>&,
                const basic_sketch<F2, P2, H2, A2, L2>&);
template <class F1, unsigned P1, class A1, class F2, unsigned P2, class H2, class A2, class L2,
          std::enable_if_t<!std::is_same<L2, datasketches_addressing>::value, int> = 0>
void operator|=(basic_sketch<F2, P2, H2, A2, L2>&,
                const basic_sketch<F1, P1, murmur3_128_hasher, A1, datasketches_addressing>&);

}  // namespace hashsketch

// ---------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------

#include "detail/datasketches_codec.hpp"

namespace hashsketch {

template <class Int, std::enable_if_t<std::is_integral<Int>::value && !std::is_same<Int, std::uint64_t>::value &&
                                          !std::is_same<Int, bool>::value,
                                      int>>
murmur3_128_hash murmur3_128_hasher::operator()(Int key) const noexcept {
  return (*this)(datasketches_key(key));
}

inline murmur3_128_hash murmur3_128_hasher::operator()(double key) const noexcept {
  return (*this)(datasketches_key(key));
}
inline murmur3_128_hash murmur3_128_hasher::operator()(float key) const noexcept {
  return (*this)(datasketches_key(key));
}

inline int datasketches_lg_k(const void* data, std::size_t size) {
  return static_cast<int>(detail::ds_read_preamble(data, size).lg_k);
}

namespace detail {

/// Our token of a DataSketches coupon and back: coupon = rank26 << 26 |
/// index26, token = index26 << 6 | (rank26 − 1) (CORE-SHAPE.md: the same
/// 26-bit address and 6-bit value, fields swapped). Coupons have value 1..63.
constexpr std::uint32_t ds_token_of_coupon(std::uint32_t coupon) noexcept {
  return ((coupon & ds::address_mask) << 6) | ((coupon >> ds::value_bits_shift) - 1u);
}
constexpr std::uint32_t ds_coupon_of_token(std::uint32_t token) noexcept {
  return (((token & 63u) + 1u) << ds::value_bits_shift) | (token >> 6);
}

/// hll_family::estimate(h, m, q) (Ertl's estimator, the histogram path that
/// DataSketches' q = 62 takes), bit for bit, for the HIP field: the 62-step
/// add-and-halve chain is replaced by its exact integer form where that is
/// exact (exact_sums.hpp: no register at q + 1 and the sum below 2^53, i.e.
/// no register above 53 − P: n up to ~2^(52−P) keys), the library's
/// function otherwise. At
/// P = 12 that chain was ~1/3 of to_datasketches (issue 16). The tests compare
/// the two on every image they write.
inline double ds_hip_estimate(const register_histogram& counts, std::size_t m, unsigned q) noexcept {
  if (register_stats_fit(m, q) || counts[0] == m || counts[q + 1] == m) return hll_family::estimate(counts, m, q);
  const double md = static_cast<double>(m);
  const double start = md * ertl_tau(1.0 - static_cast<double>(counts[q + 1]) / md);
  double z;
  if (!exact_halving_sum(counts.data(), q, m, start, z)) return hll_family::estimate(counts, m, q);
  z += md * ertl_sigma(static_cast<double>(counts[0]) / md);
  return classic_alpha(m) * md * md / z;
}

/// The sorted tokens of LIST/SET coupons, one per 26-bit address (the
/// largest value: DataSketches keeps two coupons of one address with
/// different values, and both give the register the larger one).
inline std::vector<std::uint32_t> ds_tokens_of_coupons(const std::vector<std::uint32_t>& coupons) {
  std::vector<std::uint32_t> t;
  t.reserve(coupons.size());
  for (std::uint32_t c : coupons) t.push_back(ds_token_of_coupon(c));
  std::sort(t.begin(), t.end());
  // Tokens sort by address, then value: keep the last of each address.
  std::size_t out = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (out > 0 && (t[out - 1] >> 6) == (t[i] >> 6)) {
      t[out - 1] = t[i];
    } else {
      t[out++] = t[i];
    }
  }
  t.resize(out);
  return t;
}

}  // namespace detail

template <unsigned P>
datasketches_hyperloglog<P> from_datasketches(const void* data, std::size_t size) {
  // Header and sizes first, so bad input is rejected before 2^P bytes are allocated.
  const detail::ds_header header = detail::ds_validate(data, size, P);
  datasketches_hyperloglog<P> out;
  if (header.pre.cur_mode != detail::ds::mode_hll) {
    // LIST / SET: the coupons are our tokens (26-bit address, exact value),
    // so the result is the sparse sketch of the same keys (dense if the
    // tokens pass the sparse limit of P). O(count log count).
    const std::vector<std::uint32_t> tokens =
        detail::ds_tokens_of_coupons(detail::ds_decode_coupon_body(data, size, header));
    detail::sparse_access::assign_tokens(out, tokens.data(), tokens.size());
    return out;
  }
  detail::ds_decode_body(data, size, header, P,
                         detail::ds_decode_writes_all(header, P) ? detail::register_access::data_for_overwrite(out)
                                                                 : detail::register_access::data(out));
  // Readers mostly merge what they read (which drops the histogram anyway), so
  // it is not rebuilt here; the first estimate() computes it, O(2^P).
  detail::register_access::registers_changed_lazily(out);
  return out;
}

template <class Family, unsigned P, class Allocator>
std::vector<std::uint8_t> to_datasketches(
    const basic_sketch<Family, P, murmur3_128_hasher, Allocator, datasketches_addressing>& sketch, ds_target target,
    bool compact) {
  if (sketch.hasher().seed() != murmur3_128_hasher::default_seed)
    throw incompatible_sketch_error("DataSketches HLL images assume seed " +
                                    std::to_string(murmur3_128_hasher::default_seed) + "; this sketch uses seed " +
                                    std::to_string(sketch.hasher().seed()));
  if (detail::sparse_access::is_sparse(sketch) &&
      detail::sparse_access::token_count(sketch) <= detail::ds::max_coupons(P)) {
    // Few enough keys that DataSketches would still hold its coupons: write
    // its own LIST/SET image by replaying its coupon list / hash set. In
    // insertion order while the token store still has it (the first 16
    // distinct keys): then the image is byte for byte serialize_compact() /
    // serialize_updatable() of the same keys. After that in ascending token
    // order: same header, count, lg_arr and coupon set, and the same cells
    // unless a probe collision placed two coupons in the other order
    // (docs/datasketches.md, "Writing").
    detail::ds_coupon_builder coupons(P);
    auto feed = [&coupons](std::uint32_t token) { coupons.add(detail::ds_coupon_of_token(token)); };
    if (detail::sparse_access::never_flushed(sketch)) {
      detail::sparse_access::for_each_token_in_insertion_order(sketch, feed);
    } else {
      detail::sparse_access::for_each_token(sketch, feed);
    }
    if (coupons.in_coupon_mode()) return detail::ds_encode_coupons(coupons, static_cast<unsigned>(target), compact);
  }
  // A sparse sketch materialises its registers once, here (the view owns the copy).
  const register_view regs = sketch.registers();
  register_histogram h;
  if (sketch.is_sparse()) {
    detail::kernels().register_histogram(regs.data(), regs.size(), h.data());
  } else {
    h = sketch.histogram();
  }
  // HIP field: the library's estimate (Ertl 2017) of these registers. The
  // HIP estimator (E. Cohen, "All-distances sketches, revisited: HIP
  // estimators for massive graphs analysis", PODS 2014; D. Ting, "Streamed
  // approximate counting of distinct elements", KDD 2014) is a running sum
  // that only a sketch fed its items one by
  // one from empty can keep; registers that went through merge, reduce or
  // deserialise have no such history, and a made-up HIP value that a reader
  // trusted would be wrong. DataSketches marks such sketches (its own union
  // results) OUT_OF_ORDER, which makes get_estimate() use the composite
  // estimator — a function of the registers alone — so we set that flag too.
  // The field is still filled with an honest estimate rather than 0 so that a
  // reader which ignores the flag reports a sensible number.
  const double hip = detail::ds_hip_estimate(h, std::size_t{1} << P, datasketches_addressing::max_rank(P) - 1u);
  return detail::ds_encode(regs.data(), P, h, static_cast<unsigned>(target), compact, hip);
}

namespace detail {
template <class T>
struct ds_always_false : std::false_type {};
}  // namespace detail

#define HASHSKETCH_DS_MIXED_MERGE_MESSAGE                                                                        \
  "hashsketch: a DataSketches-layout sketch (murmur3_128_hasher + datasketches_addressing) cannot be merged with " \
  "a sketch of another hasher or register layout: the same key lands in different registers. Build both with "    \
  "datasketches_hyperloglog, or re-read the other one from its DataSketches image (from_datasketches)."

template <class F1, unsigned P1, class A1, class F2, unsigned P2, class H2, class A2, class L2,
          std::enable_if_t<!std::is_same<L2, datasketches_addressing>::value, int>>
void operator|(const basic_sketch<F1, P1, murmur3_128_hasher, A1, datasketches_addressing>&,
               const basic_sketch<F2, P2, H2, A2, L2>&) {
  static_assert(detail::ds_always_false<L2>::value, HASHSKETCH_DS_MIXED_MERGE_MESSAGE);
}
template <class F1, unsigned P1, class A1, class F2, unsigned P2, class H2, class A2, class L2,
          std::enable_if_t<!std::is_same<L2, datasketches_addressing>::value, int>>
void operator|(const basic_sketch<F2, P2, H2, A2, L2>&,
               const basic_sketch<F1, P1, murmur3_128_hasher, A1, datasketches_addressing>&) {
  static_assert(detail::ds_always_false<L2>::value, HASHSKETCH_DS_MIXED_MERGE_MESSAGE);
}
template <class F1, unsigned P1, class A1, class F2, unsigned P2, class H2, class A2, class L2,
          std::enable_if_t<!std::is_same<L2, datasketches_addressing>::value, int>>
void operator|=(basic_sketch<F1, P1, murmur3_128_hasher, A1, datasketches_addressing>&,
                const basic_sketch<F2, P2, H2, A2, L2>&) {
  static_assert(detail::ds_always_false<L2>::value, HASHSKETCH_DS_MIXED_MERGE_MESSAGE);
}
template <class F1, unsigned P1, class A1, class F2, unsigned P2, class H2, class A2, class L2,
          std::enable_if_t<!std::is_same<L2, datasketches_addressing>::value, int>>
void operator|=(basic_sketch<F2, P2, H2, A2, L2>&,
                const basic_sketch<F1, P1, murmur3_128_hasher, A1, datasketches_addressing>&) {
  static_assert(detail::ds_always_false<L2>::value, HASHSKETCH_DS_MIXED_MERGE_MESSAGE);
}

#undef HASHSKETCH_DS_MIXED_MERGE_MESSAGE

}  // namespace hashsketch

// ===========================================================================
// martingale<datasketches_hyperloglog<P>> and DataSketches' HIP field
// (issue 15; owned by the ultraloglog/martingale work, kept apart from the
// image reader/writer above)
// ===========================================================================
//
// DataSketches' HLL sketch keeps a HIP accumulator (Cohen 2015; Ting 2014):
// on every register increase it adds k/(kxq0 + kxq1) = 1/p, p = Σ 2^−v/k,
// before updating kxq — the martingale's step. It differs from a martingale
// run from the empty sketch in exactly one place, the coupon phase: a sketch
// starts in LIST/SET mode (a list of distinct 32-bit coupons: 26 low bits of
// h1 and the rank), and only when it promotes to HLL mode does the HIP sum
// begin, from the coupon phase's own estimate of the number of keys seen.
// (Measured on the golden images: a martingale from empty is off by a
// constant −1.37 … +2.77 keys per lg_k, the value fixed at promotion.)
// So datasketches_hip_state follows DataSketches' promotion rule and its
// coupon estimate, and from then on adds the martingale's 1/p, which is
// bit for bit DataSketches' k/(kxq0 + kxq1) (p is exact in both: sums of
// powers of two within a double's 53 bits for every reachable register).
//
// Facts from datasketches-cpp (CouponList / CouponHashSet / HllSketchImpl
// Factory; its Java twin is the same):
//   - LIST holds 8 coupons; when full it promotes to HLL if lg_k < 8, else
//     to SET (32 slots, growing ×2 when 4·count > 3·slots); a SET at
//     2^(lg_k − 3) slots promotes to HLL instead of growing, i.e. at the
//     coupon count ⌊3·2^(lg_k − 3)/4⌋ + 1.
//   - At promotion the HIP accumulator is set to the coupon estimate of the
//     coupon count C (the coupon that triggered promotion included).
//   - The coupon estimate is the inverse of the expected number of distinct
//     coupons after n keys, E[C](n) = Σ_v 2^26·(1 − (1 − q_v·2^−26)^n),
//     q_v = 2^−v for ranks v = 1 … 62, 2^−62 for v = 63. DataSketches
//     tabulates it and interpolates; we solve it (Newton), which agrees with
//     the golden images' LIST/SET estimates to ≤ 2e-14 relative.

#include "martingale.hpp"

namespace hashsketch {
namespace detail {

/// n with E[C](n) = c (see above): DataSketches' coupon-mode estimate.
inline double datasketches_coupon_estimate(double c) noexcept {
  if (c <= 1.0) return c;
  double n = c;
  for (int it = 0; it < 60; ++it) {
    double f = -c, df = 0;
    for (int v = 1; v <= 63; ++v) {
      const double q = std::ldexp(1.0, -(v < 63 ? v : 62) - 26);
      const double l = std::log1p(-q);
      f += 0x1p26 * -std::expm1(n * l);
      df += 0x1p26 * -l * std::exp(n * l);
    }
    const double step = f / df;
    n -= step;
    if (std::fabs(step) <= 1e-15 * n) break;
  }
  return n;
}

/// DataSketches' HIP accumulator for a sketch fed from empty (see above).
template <unsigned P>
class datasketches_hip_state {
 public:
  /// The coupon count at which DataSketches leaves coupon mode.
  static constexpr std::size_t promotion_count = P < 8 ? 8 : 3 * (std::size_t{1} << (P - 3)) / 4 + 1;

  datasketches_hip_state() { coupons_.reserve(promotion_count); }

  void on_key(const murmur3_128_hash& hash, bool changed, double probability_before) noexcept {
    if (hash.none || !valid_) return;
    if (promoted_) {
      if (changed) hip_ += martingale_increment(probability_before);
      return;
    }
    std::size_t index;
    std::uint8_t rank;
    datasketches_addressing::locate<26>(hash, index, rank);
    const std::uint32_t coupon = static_cast<std::uint32_t>(index) | (std::uint32_t{rank} << 26);
    const auto at = std::lower_bound(coupons_.begin(), coupons_.end(), coupon);
    if (at != coupons_.end() && *at == coupon) return;
    coupons_.insert(at, coupon);  // within the reserved capacity: no allocation
    if (coupons_.size() == promotion_count) {
      promoted_ = true;
      hip_ = datasketches_coupon_estimate(static_cast<double>(promotion_count));
      coupons_.clear();
    }
  }
  /// After deserialisation: the history is gone.
  void lost() noexcept { valid_ = false; }

  /// Whether the value below is DataSketches' (false after deserialise).
  bool valid() const noexcept { return valid_; }
  /// True once DataSketches would be in HLL mode.
  bool promoted() const noexcept { return promoted_; }
  /// DataSketches' HIP accumulator (HLL mode), or its coupon estimate while
  /// it would still be in LIST/SET mode.
  double hip() const noexcept {
    return promoted_ ? hip_ : datasketches_coupon_estimate(static_cast<double>(coupons_.size()));
  }

 private:
  std::vector<std::uint32_t> coupons_;  // sorted distinct coupons, until promotion
  double hip_ = 0.0;
  bool promoted_ = false;
  bool valid_ = true;
};

/// The DataSketches layout: a register holding v changes when a hash brings
/// a rank > v, probability 2^−v/k, 2^(64−P−v) in units of 2^−64 (0 where
/// that is below one unit: v > 64 − P, ranks no real stream reaches).
template <unsigned P, class A>
struct martingale_traits<basic_sketch<hll_family, P, murmur3_128_hasher, A, datasketches_addressing>> {
  using sketch = basic_sketch<hll_family, P, murmur3_128_hasher, A, datasketches_addressing>;
  using side = datasketches_hip_state<P>;
  static constexpr std::uint8_t inner_kind = hll_family::kind_id;
  static std::uint64_t scaled(unsigned v) noexcept { return v > 64u - P ? 0 : std::uint64_t{1} << (64u - P - v); }
  static bool update(sketch& s, const murmur3_128_hash& hash, std::uint64_t& before, std::uint64_t& after) noexcept {
    std::size_t index;
    std::uint8_t rank;
    datasketches_addressing::locate<P>(hash, index, rank);
    const std::uint8_t old = register_access::data(s)[index];
    if (rank <= old) return false;
    s.add_hash(hash);
    before = scaled(old);
    after = scaled(rank);
    return true;
  }
};

}  // namespace detail

/// DataSketches' HLL image of a martingale-tracked DataSketches-layout
/// sketch, with the HIP accumulator DataSketches itself would hold for the
/// same keys in the same order and OUT_OF_ORDER cleared, so that readers
/// (Spark, Druid, DataSketches' get_estimate()) use HIP. The registers and
/// the rest of the preamble are those of to_datasketches(m.sketch(), ...)
/// (always HLL mode; while DataSketches would still be in LIST/SET mode the
/// field holds its coupon estimate). A martingale read back by deserialize
/// has no history: its image keeps OUT_OF_ORDER set, like a union's.
/// Throws what to_datasketches throws. O(2^P).
template <unsigned P>
std::vector<std::uint8_t> to_datasketches(const martingale<datasketches_hyperloglog<P>>& m,
                                          ds_target target = ds_target::hll_8, bool compact = true) {
  std::vector<std::uint8_t> out = to_datasketches(m.sketch(), target, compact);
  // Only an HLL-mode image has a HIP field (a LIST/SET image, written for a
  // sparse sketch, has coupons at bytes 8..15 and no estimator state).
  if (out.size() < 16 || (out[5] & detail::ds::flag_empty) != 0 || (out[7] & 3u) != detail::ds::mode_hll ||
      !m.side().valid())
    return out;
  out[5] = static_cast<std::uint8_t>(out[5] & ~detail::ds::flag_out_of_order);
  const std::uint64_t bits = detail::ds::f64_bits(m.side().hip());
  for (int b = 0; b < 8; ++b) out[8 + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(bits >> (8 * b));
  return out;
}

}  // namespace hashsketch

#endif  // HASHSKETCH_DATASKETCHES_HPP
