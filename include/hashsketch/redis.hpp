#ifndef HASHSKETCH_REDIS_HPP
#define HASHSKETCH_REDIS_HPP

// Redis interoperability: read and write the strings that Redis's PFADD,
// PFCOUNT and PFMERGE keep under a key, byte for byte.
//
//   hashsketch::redis_hyperloglog visitors;        // same registers as a Redis key
//   visitors.add("user-42");                       // == PFADD key user-42
//   std::string bytes = hashsketch::to_redis(visitors);        // SET key <bytes>
//   auto back = hashsketch::from_redis(bytes_from_GET);        // GET key
//   visitors.merge(back);                                      // == PFMERGE
//
// A Redis HyperLogLog is an ordinary sketch of this library with two policies
// (Redis src/hyperloglog.c: hllPatLen / MurmurHash64A):
//   - murmur64a_hasher: MurmurHash64A of the element's raw bytes, seed 0xadc83b19;
//   - redis_addressing: index = the low 14 bits of the hash, rank = trailing
//     zeros of the remaining 50 bits (a sentinel at bit 50 caps it) + 1, 1..51.
// redis_hyperloglog = hyperloglog<14, murmur64a_hasher, …, redis_addressing>:
// add, merge, estimate, confidence_interval, reduce<Q>(), the native
// serialisation and the SIMD kernels all work unchanged. Only to_redis /
// from_redis know Redis's bytes (detail/redis_codec.hpp).
//
// The library itself needs no Redis client; the tests, example and benchmark
// use hiredis.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "addressing.hpp"
#include "basic_sketch.hpp"
#include "detail/bits.hpp"
#include "detail/bytes.hpp"
#include "detail/murmur64a.hpp"
#include "detail/redis_codec.hpp"
#include "errors.hpp"
#include "hyperloglog.hpp"

namespace hashsketch {

/// MurmurHash64A (Appleby) with a 64-bit seed; the default seed 0xadc83b19 is
/// the one Redis hashes PFADD elements with. Hashes the bytes as given (no
/// length prefix, no terminator), so add(std::string_view) matches
/// `PFADD key <those bytes>` exactly. Stateless apart from the seed; safe to
/// share between threads. ≈ 1 multiply-xorshift round per 8 bytes.
struct murmur64a_hasher {
  using result_type = std::uint64_t;
  static constexpr std::uint8_t id = 2;
  static constexpr const char* name = "murmur64a";
  /// Redis's seed (hyperloglog.c, hllPatLen).
  static constexpr std::uint64_t redis_seed = 0xadc83b19ULL;

  constexpr murmur64a_hasher() noexcept = default;
  explicit constexpr murmur64a_hasher(std::uint64_t seed) noexcept : seed_(seed) {}

  constexpr std::uint64_t seed() const noexcept { return seed_; }

  /// MurmurHash64A of [data, data + size) with this seed.
  result_type operator()(const void* data, std::size_t size) const noexcept {
    return detail::murmur64a(data, size, seed_);
  }
  result_type operator()(std::string_view key) const noexcept { return (*this)(key.data(), key.size()); }
  /// Hashes the key's 8 little-endian bytes (so a Redis client must send those
  /// 8 bytes, not the decimal text, to land in the same register).
  result_type operator()(std::uint64_t key) const noexcept {
    unsigned char bytes[8];
    detail::store_le64(bytes, key);
    return (*this)(bytes, sizeof bytes);
  }

  friend constexpr bool operator==(const murmur64a_hasher& a, const murmur64a_hasher& b) noexcept {
    return a.seed_ == b.seed_;
  }
  friend constexpr bool operator!=(const murmur64a_hasher& a, const murmur64a_hasher& b) noexcept {
    return !(a == b);
  }

 private:
  std::uint64_t seed_ = redis_seed;
};

/// Redis's register layout, generalised to any precision p: index = the low p
/// bits of the hash, rank = trailing zeros of hash >> p with a sentinel at bit
/// 64 − p, + 1, so ranks run 1..65 − p (1..51 at Redis's p = 14).
///
/// Low bits fold exactly too: the index bits that a coarser q < p drops
/// (bits q..p−1) are the first bits of the zero run counted at q, so a
/// register's (index, rank) determines what the same hash gives at q, and
/// reduce<Q>() equals the sketch built at Q from the same keys.
struct redis_addressing {
  static constexpr std::uint8_t id = 2;
  static constexpr const char* name = "low-bits/trailing-zeros";

  static constexpr std::uint8_t max_rank(unsigned p) noexcept { return static_cast<std::uint8_t>(65u - p); }

  template <unsigned P>
  static void locate(std::uint64_t hash, std::size_t& index, std::uint8_t& rank) noexcept {
    index = static_cast<std::size_t>(hash & ((std::uint64_t{1} << P) - 1u));
    const std::uint64_t rest = (hash >> P) | (std::uint64_t{1} << (64u - P));
    rank = static_cast<std::uint8_t>(detail::ctz64_nonzero(rest) + 1u);
  }

  /// The token: index26 = the low 26 bits, rank26 − 1 = the trailing zeros of
  /// hash >> 26 with a sentinel at bit 38 (so rank26 is 1..39).
  static std::uint32_t token(std::uint64_t hash) noexcept {
    const std::uint32_t index26 = static_cast<std::uint32_t>(hash & 0x3FFFFFFu);
    const std::uint64_t rest = (hash >> 26) | (std::uint64_t{1} << 38);
    return index26 << 6 | static_cast<std::uint32_t>(detail::ctz64_nonzero(rest));
  }

  /// index = the low P of the 26 index bits; the other d = 26 − P (bits P..25)
  /// are the lowest bits of the word whose trailing zeros count at P: rank =
  /// (their trailing zeros) + 1 if any is set, else d + rank26. One ctz over
  /// those d bits with a sentinel d + rank26 − 1 places up.
  template <unsigned P>
  static void locate_token(std::uint32_t token, std::size_t& index, std::uint8_t& rank) noexcept {
    static_assert(P >= 1 && P <= 26, "hashsketch: token precision is 26");
    constexpr unsigned d = 26u - P;
    const std::uint32_t index26 = token >> 6;
    index = static_cast<std::size_t>(index26 & ((std::uint32_t{1} << P) - 1u));
    const std::uint64_t word = std::uint64_t{index26 >> P} | (std::uint64_t{1} << (d + (token & 63u)));
    rank = static_cast<std::uint8_t>(detail::ctz64_nonzero(word) + 1u);
  }

  /// Folding p → q (q ≤ p): register i goes to i mod 2^q. The dropped index
  /// bits i >> q (d = p − q of them) are the lowest bits of the word whose
  /// trailing zeros count at q: if any is set the rank is (trailing zeros of
  /// i >> q) + 1, else d + the old rank (the sentinel moves up by d as well).
  static void fold(unsigned from_p, const std::uint8_t* src, unsigned to_p, std::uint8_t* dst) noexcept {
    const unsigned d = from_p - to_p;
    const std::size_t n = std::size_t{1} << from_p;
    const std::size_t low_mask = (std::size_t{1} << to_p) - 1u;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t r = src[i];
      if (r == 0) continue;
      const std::size_t high = i >> to_p;
      const std::uint8_t folded = high == 0 ? static_cast<std::uint8_t>(d + r)
                                            : static_cast<std::uint8_t>(detail::ctz64_nonzero(high) + 1u);
      std::uint8_t& out = dst[i & low_mask];
      if (folded > out) out = folded;
    }
  }
};

/// A Redis-layout HyperLogLog with a chosen allocator.
template <class Allocator>
using basic_redis_hyperloglog = hyperloglog<14, murmur64a_hasher, Allocator, redis_addressing>;

/// The sketch a Redis key holds: 16384 registers, MurmurHash64A seed
/// 0xadc83b19, low-bits/trailing-zeros layout. 16 KiB of registers; relative
/// standard error 1.04/√16384 ≈ 0.81 %. Thread-safety as every sketch: one
/// writer, or concurrent readers.
using redis_hyperloglog = basic_redis_hyperloglog<std::allocator<std::uint8_t>>;

/// Which Redis representation to_redis writes.
enum class redis_encoding {
  automatic,  ///< sparse where Redis keeps a key sparse (≤ 3000 bytes, every value ≤ 32), else dense
  dense,      ///< always the 12304-byte dense string
  sparse      ///< always sparse (throws std::invalid_argument if a register exceeds 32)
};

/// Sizes of Redis's format (Redis src/hyperloglog.c, redis.conf).
namespace redis_format {
/// Bytes of every dense string: 16-byte header + 16384 × 6 bits.
constexpr std::size_t dense_size = detail::redis_dense_size;
/// Redis's default hll-sparse-max-bytes: a PFADD that would grow a sparse
/// string past this converts it to dense. automatic uses the same limit.
constexpr std::size_t sparse_max_bytes = detail::redis_sparse_max_bytes_default;
/// The largest register value a sparse VAL opcode can hold.
constexpr unsigned sparse_max_value = detail::redis_sparse_val_max_value;
}  // namespace redis_format

/// The Redis string for a sketch, ready for `SET key <bytes>`: magic "HYLL",
/// the encoding, three zero bytes, the cardinality PFCOUNT would compute
/// (cached, marked valid, as Redis stores it after a PFCOUNT), then the
/// registers. Sparse is Redis's canonical run encoding (maximal zero runs,
/// equal values in VALs of up to 4 from the left). O(m); allocates ≤ 12304
/// bytes. Throws incompatible_sketch_error when the hasher's seed is not
/// Redis's (Redis would hash the same elements elsewhere), std::invalid_argument
/// for redis_encoding::sparse with a register above 32.
template <class Allocator>
std::string to_redis(const basic_redis_hyperloglog<Allocator>& sketch,
                     redis_encoding encoding = redis_encoding::automatic);

/// Reads a Redis HyperLogLog string (as returned by `GET key`), dense or
/// sparse. Never reads outside `bytes`. Throws format_error naming the defect:
/// shorter than the 16-byte header, magic not "HYLL", encoding not 0/1, dense
/// length not 12304, a dense register above 51, a sparse run past register
/// 16383 (CVE-2025-32023), a truncated XZERO, opcodes not covering exactly
/// 16384 registers. Like Redis, it ignores the cached cardinality and the
/// three unused header bytes. O(size + m). The result is dense (Redis keeps
/// only the 2^14 registers, no finer bits to make tokens of) and its summary is
/// stale until refresh() or the first register change (current() is false):
/// the first estimate() pays one register pass, a merge right after pays none.
redis_hyperloglog from_redis(std::string_view bytes);
/// The same into a sketch with a chosen allocator.
template <class Allocator>
basic_redis_hyperloglog<Allocator> from_redis(std::string_view bytes, const Allocator& alloc);

/// The integer PFCOUNT returns for this sketch's key: Ertl's estimator with
/// α_∞ (no finite-m correction), rounded — what Redis caches in the header.
/// estimate() uses α_m instead; at m = 16384 the two differ by ≈ 0.013 %. O(q)
/// after adds, O(m) after a merge.
template <class Allocator>
std::uint64_t redis_count(const basic_redis_hyperloglog<Allocator>& sketch) noexcept;

/// Merge across policy types, for generic code (std::visit over a variant of
/// sketch types, templates over "any hyperloglog<P>"): merges when the hasher
/// and the register layout are the same (allocators may differ), and throws
/// incompatible_sketch_error when they are not — e.g. a redis_hyperloglog and
/// a hyperloglog<14> with the default xxh3 hasher, whose registers mean
/// different things. (The member a.merge(b) does not even compile for such a
/// pair; this is the run-time form of the same rule.) O(m).
template <class Family, unsigned P, class H1, class A1, class L1, class H2, class A2, class L2>
void merge(basic_sketch<Family, P, H1, A1, L1>& into, const basic_sketch<Family, P, H2, A2, L2>& from);

// ---------------------------------------------------------------------------
// Definitions

template <class Allocator>
std::string to_redis(const basic_redis_hyperloglog<Allocator>& sketch, redis_encoding encoding) {
  if (sketch.hasher().seed() != murmur64a_hasher::redis_seed)
    throw incompatible_sketch_error("Redis hashes with MurmurHash64A seed " +
                                    std::to_string(murmur64a_hasher::redis_seed) + ", this sketch uses seed " +
                                    std::to_string(sketch.hasher().seed()));
  // The view owns a materialised copy when the sketch is sparse: keep it.
  const register_view view = sketch.registers();
  const std::uint8_t* regs = view.data();
  register_histogram h;
  if (sketch.is_sparse())
    detail::kernels().register_histogram(regs, view.size(), h.data());
  else
    h = sketch.histogram();
  bool fits_sparse = true;
  for (std::size_t v = detail::redis_sparse_val_max_value + 1; v < h.size(); ++v)
    if (h[v] != 0) fits_sparse = false;
  bool sparse = false;
  switch (encoding) {
    case redis_encoding::dense:
      break;
    case redis_encoding::sparse:
      if (!fits_sparse)
        throw std::invalid_argument(
            "hashsketch: a register holds a value above 32, which Redis's sparse encoding cannot store; use "
            "redis_encoding::dense or automatic");
      sparse = true;
      break;
    case redis_encoding::automatic:
      sparse = fits_sparse && detail::redis_sparse_size(regs, sketch.register_count - h[0],
                                                        detail::redis_sparse_max_bytes_default) <=
                                  detail::redis_sparse_max_bytes_default;
      break;
  }
  std::string out;
  out.reserve(sparse ? detail::redis_sparse_max_bytes_default : detail::redis_dense_size);
  detail::redis_write_header(out, sparse ? detail::redis_encoding_sparse : detail::redis_encoding_dense,
                             detail::redis_cardinality(h));
  if (sparse)
    detail::redis_append_sparse(out, regs);
  else
    detail::redis_append_dense(out, regs);
  return out;
}

template <class Allocator>
basic_redis_hyperloglog<Allocator> from_redis(std::string_view bytes, const Allocator& alloc) {
  basic_redis_hyperloglog<Allocator> out(murmur64a_hasher{}, alloc);
  detail::redis_decode(bytes, detail::redis_decode_writes_all(bytes) ? detail::register_access::data_for_overwrite(out)
                                                                     : detail::register_access::data(out));
  // Stale summary instead of a histogram pass here (as from_datasketches):
  // a read followed by a merge never pays it; refresh() or the first
  // estimate pays one pass (issue 16: from_redis 23-30x -> ~3x memcpy).
  detail::register_access::registers_changed_lazily(out);
  return out;
}

inline redis_hyperloglog from_redis(std::string_view bytes) {
  return from_redis(bytes, std::allocator<std::uint8_t>{});
}

template <class Allocator>
std::uint64_t redis_count(const basic_redis_hyperloglog<Allocator>& sketch) noexcept {
  return detail::redis_cardinality(sketch.histogram());
}

template <class Family, unsigned P, class H1, class A1, class L1, class H2, class A2, class L2>
void merge(basic_sketch<Family, P, H1, A1, L1>& into, const basic_sketch<Family, P, H2, A2, L2>& from) {
  if constexpr (!std::is_same<H1, H2>::value) {
    throw incompatible_sketch_error(std::string("hashers differ (") + H1::name + " vs " + H2::name +
                                    "): the same key lands in different registers");
  } else if constexpr (!std::is_same<L1, L2>::value) {
    throw incompatible_sketch_error(std::string("register layouts differ (") + L1::name + " vs " + L2::name +
                                    "): a register value means different things");
  } else if constexpr (std::is_same<A1, A2>::value) {
    into.merge(from);  // checks the seeds
  } else {
    if (!(into.hasher() == from.hasher()))
      throw incompatible_sketch_error(std::string("hashers differ (") + H1::name + " seed " +
                                      std::to_string(into.hasher().seed()) + " vs seed " +
                                      std::to_string(from.hasher().seed()) +
                                      "): the same key lands in different registers");
    std::uint8_t* dst = detail::register_access::data(into);
    const register_view view = from.registers();  // owns a copy if `from` is sparse
    const std::uint8_t* src = view.data();
    for (std::size_t i = 0; i < view.size(); ++i)
      if (src[i] > dst[i]) dst[i] = src[i];
    detail::register_access::registers_changed(into);
  }
}

}  // namespace hashsketch

#endif  // HASHSKETCH_REDIS_HPP
