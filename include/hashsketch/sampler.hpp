#ifndef HASHSKETCH_SAMPLER_HPP
#define HASHSKETCH_SAMPLER_HPP

// Hash-based selection (RFC 5475, "Sampling and Filtering Techniques for IP
// Packet Selection", section 6.2.3): a record is kept iff the hash of its key
// falls in a fixed selection range. Every record with the same key gets the
// same decision — on every machine, in every file, on every day — so per-key
// metrics (a user's sessions, a flow's packets) survive sampling intact.
//
// In RFC 5475's terms:
//   hash domain     the key's bytes (a user id, 8 little-endian bytes of an
//                   integer), hashed with XXH3-64 and the sampler's seed —
//                   the same xxh3_hasher the sketches use by default;
//   hash range      all 64-bit values [0, 2^64), seen through position(): a
//                   fixed bijection of the range that decorrelates the
//                   decision from the bits a sketch reads (since 0.2.0);
//   selection range [0, T) where T = floor(rate · 2^64), and T = 2^64 (the
//                   whole hash range) at rate 1.
//
// Why position(): the sketches index registers by the top bits of the same
// XXH3 hash. Selecting `hash < T` kept only hashes with about log2(1/rate)
// leading zeros, so a default-seed hyperloglog of a default-seed sample put
// every key into the first rate·m registers (a 1 % sample of 8 762 lines
// counted as 165 distinct in 0.1.0). Selecting on a bijective remix of the
// hash keeps every property below (the remix is a permutation of [0, 2^64),
// so each rate still selects exactly T hashes) while the kept hashes are
// spread over all registers, for every pair of sampler and sketch seeds.
// docs/sampling.md explains the arithmetic and the properties in full.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "detail/key_overloads.hpp"
#include "hash.hpp"

namespace hashsketch {

/// Keeps a key iff position(XXH3-64(key bytes, seed)) < threshold().
///
/// The selected fraction of the hash range is exactly threshold() / 2^64
/// (1 at rate 1), which differs from rate() by less than 2^-64: position() is a
/// bijection of [0, 2^64), so it selects exactly threshold() hashes.
///
/// Properties (tested in tests/sampler_test.cpp):
///  - deterministic: the decision depends only on (key bytes, seed, rate) —
///    not on the process, the machine, its byte order or the compiler;
///  - nested: for one seed, rate a < b ⇒ every key selected at a is selected
///    at b (thresholds are monotone in the rate);
///  - independent across seeds: samples drawn with different seeds overlap as
///    two independent Bernoulli samples would;
///  - independent of the sketches: a sketch of the sample (any seed, the
///    sampler's own included) estimates the number of keys kept.
///
/// Decisions changed in 0.2.0 (position() was added): a 0.1.0 sample is not
/// the 0.2.0 sample of the same rate and seed.
///
/// Cost: one XXH3 of the key, a 64-bit remix (two multiplications) and one
/// comparison; O(1) memory (40 bytes: sizeof(hash_sampler) == 40; the XXH3 hasher keeps its seed and the seed's precomputed mixing).
/// Immutable after construction, so safe to share between threads.
class hash_sampler {
 public:
  using hasher_type = xxh3_hasher;

  /// rate ∈ [0, 1] is the fraction of keys to keep; anything else (negative,
  /// > 1, NaN, ±infinity) throws std::invalid_argument. Rate 0 keeps nothing,
  /// rate 1 keeps everything, including the hash 2^64 − 1.
  explicit hash_sampler(double rate, std::uint64_t seed = 0);

  /// Decision for a key, hashed as hyperloglog::add hashes it (the shared
  /// rules of detail/key_overloads.hpp): an integer as its value in 8
  /// little-endian bytes (so the same on every host), an enum as its
  /// underlying integer, a string's bytes (a user id, a log column), a
  /// key_traits<T> type's key_bytes. bool, nullptr and floating point are
  /// deleted: selects(3.2) is not silently selects(3).
  template <class K, std::enable_if_t<detail::key_is_typed<hasher_type, K>::value, int> = 0>
  bool selects(const K& key) const noexcept(detail::key_add_is_noexcept<K>::value) {
    return selects_hash(detail::key_hash(hasher_, key));
  }
  template <class K, std::enable_if_t<detail::key_is_deleted<hasher_type, K>::value, int> = 0>
  bool selects(const K&) const = delete;
  /// Decision for the bytes [data, data + size) as ONE key; character and
  /// byte pointers only (another pointer stops at a static_assert).
  template <class Byte, std::enable_if_t<detail::is_byte_like<Byte>::value, int> = 0>
  bool selects(const Byte* data, std::size_t size) const noexcept {
    return selects_hash(hasher_(static_cast<const void*>(data), size));
  }
  template <class T, std::enable_if_t<!detail::is_byte_like<T>::value, int> = 0>
  bool selects(const T*, std::size_t) const {
    return detail::reject_non_byte_pointer<T>();  // static_assert: not a byte pointer
  }
  /// Decision for a hash computed elsewhere with hasher() (e.g. hashed once,
  /// then used for a sampler, a partitioner and a sketch's add_hash(): the
  /// decision reads position(hash), so the sketch still sees uniform bits).
  bool selects_hash(std::uint64_t hash) const noexcept {
    // At rate 1 the threshold 2^64 does not fit; the flag stands for it. The
    // branch is loop-invariant, so it is predicted perfectly (or unswitched
    // by the compiler): measured, this is as fast as a bare `hash < t`, where
    // a branch-free masked compare measured up to 15 % slower with g++ 12.
    if (all_) return true;
    return position(hash) < threshold_;
  }

  /// Where a hash lies in the selection order: a fixed bijection of
  /// [0, 2^64) (the same for every seed and rate), and the key is kept iff
  /// position(hash) < threshold(). It is Stafford's "Mix13" finaliser
  /// (D. Stafford, "Better Bit Mixing", 2011; the finaliser of SplitMix64)
  /// applied to hash XOR 0x243f6a8885a308d3 (the first fraction digits of π,
  /// so position(0) != 0). Every step (xor with a constant, x ^= x >> k for
  /// k ≥ 1, multiplication by an odd constant modulo 2^64) is invertible, so
  /// the composition is a permutation; each output bit depends on every input
  /// bit, so the top bits a sketch indexes by are not those that decide.
  static constexpr std::uint64_t position(std::uint64_t hash) noexcept {
    std::uint64_t x = hash ^ 0x243f6a8885a308d3ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  }

  /// The rate given to the constructor (-0.0 is stored as +0.0).
  double rate() const noexcept { return rate_; }
  /// Keep iff position(hash) < threshold(). T = floor(rate · 2^64) for rate < 1, which is
  /// at most 2^64 − 2^11 (the largest double below 1 is 1 − 2^-53). At rate 1
  /// the true threshold 2^64 does not fit in 64 bits: threshold() returns
  /// 2^64 − 1 and the sampler keeps every hash, 2^64 − 1 included.
  /// threshold() == UINT64_MAX therefore means exactly "rate 1, keep all".
  std::uint64_t threshold() const noexcept { return threshold_; }
  /// 1 / rate: how many keys of the population each selected key stands for
  /// (the Horvitz–Thompson weight). +infinity at rate 0.
  double scale() const noexcept { return 1.0 / rate_; }
  /// The XXH3 seed; samplers with different seeds draw independent samples.
  std::uint64_t seed() const noexcept { return hasher_.seed(); }
  /// The hasher (XXH3-64 with seed()), for hashing a key once and passing the
  /// hash to selects_hash() and to sketches built with an equal hasher.
  const hasher_type& hasher() const noexcept { return hasher_; }

  /// T = floor(rate · 2^64), saturated to 2^64 − 1 at rate 1; throws
  /// std::invalid_argument unless 0 ≤ rate ≤ 1. Exposed so tools can print it.
  static std::uint64_t threshold_for(double rate);

 private:
  hasher_type hasher_;
  std::uint64_t threshold_;
  double rate_;
  bool all_;  // rate == 1: keep every hash, 2^64 − 1 included
};

/// Splits keys into size() buckets with probabilities proportional to the
/// weights, by cutting the range [0, 2^64) of hash_sampler::position(hash)
/// into consecutive intervals: bucket i gets [L_i, L_{i+1}) with L_0 = 0, L_size = 2^64 and
/// L_i = floor(2^64 · (w_0 + … + w_{i−1}) / (w_0 + … + w_{n−1})) computed in
/// double with a fixed order of operations (docs/sampling.md). Deterministic
/// like hash_sampler; with weights {r, 1 − r} and r + (1 − r) == 1 in double,
/// bucket 0 is exactly the sample that hash_sampler(r) with the same seed
/// selects.
///
/// Buckets changed in 0.2.0, with the sampler's decisions (position()).
///
/// Cost: one XXH3 of the key, the remix, and a search of the size() − 1 cut points
/// (a branch-free count up to 5 buckets, else binary, O(log size()));
/// memory 16 bytes per bucket.
/// Immutable after construction, so safe to share between threads.
class hash_partitioner {
 public:
  using hasher_type = xxh3_hasher;

  /// weights: at least one, each positive and finite, else
  /// std::invalid_argument. Only their ratios matter.
  hash_partitioner(std::vector<double> weights, std::uint64_t seed = 0);

  /// Bucket in [0, size()) for a key, hashed as hash_sampler::selects hashes
  /// it (detail/key_overloads.hpp: integers as 8 little-endian bytes, enums,
  /// strings, key_traits<T> types; bool, nullptr, floating point deleted).
  template <class K, std::enable_if_t<detail::key_is_typed<hasher_type, K>::value, int> = 0>
  std::size_t bucket(const K& key) const noexcept(detail::key_add_is_noexcept<K>::value) {
    return bucket_of_hash(detail::key_hash(hasher_, key));
  }
  template <class K, std::enable_if_t<detail::key_is_deleted<hasher_type, K>::value, int> = 0>
  std::size_t bucket(const K&) const = delete;
  /// The bytes [data, data + size) as ONE key; character and byte pointers only.
  template <class Byte, std::enable_if_t<detail::is_byte_like<Byte>::value, int> = 0>
  std::size_t bucket(const Byte* data, std::size_t size) const noexcept {
    return bucket_of_hash(hasher_(static_cast<const void*>(data), size));
  }
  template <class T, std::enable_if_t<!detail::is_byte_like<T>::value, int> = 0>
  std::size_t bucket(const T*, std::size_t) const {
    (void)detail::reject_non_byte_pointer<T>();  // static_assert: not a byte pointer
    return 0;
  }
  /// Bucket for a hash computed elsewhere with hasher(): the bucket whose
  /// interval holds hash_sampler::position(hash).
  std::size_t bucket_of_hash(std::uint64_t hash) const noexcept;

  /// Number of buckets (the number of weights).
  std::size_t size() const noexcept { return weights_.size(); }
  /// The weights given to the constructor.
  const std::vector<double>& weights() const noexcept { return weights_; }
  /// Exact fraction of the hash range that bucket i receives, (L_{i+1} − L_i) / 2^64
  /// (position() is a bijection, so this is also the fraction of hashes).
  /// 0 for i ≥ size().
  double share(std::size_t i) const noexcept;
  /// The XXH3 seed; partitioners with different seeds split independently.
  std::uint64_t seed() const noexcept { return hasher_.seed(); }
  /// The hasher (XXH3-64 with seed()), for use with bucket_of_hash().
  const hasher_type& hasher() const noexcept { return hasher_; }

 private:
  hasher_type hasher_;
  std::vector<double> weights_;
  // cuts_[i] = L_{i+1}, i = 0 .. size() − 2: the first hash of bucket i + 1.
  std::vector<std::uint64_t> cuts_;
};

}  // namespace hashsketch

#include "detail/sampler_impl.hpp"

#endif  // HASHSKETCH_SAMPLER_HPP
