#ifndef HASHSKETCH_POSTGRESQL_HPP
#define HASHSKETCH_POSTGRESQL_HPP

// PostgreSQL `hll` extension compatibility (citusdata/postgresql-hll, the
// format of Aggregate Knowledge's "storage spec" schema version 1; Debian's
// postgresql-15-hll): values that hll_union_agg, hll_union and
// hll_cardinality read, byte for byte what hll_add_agg writes for the same
// keys, and the reverse.
//
//   hashsketch::postgres_hyperloglog<11> day;     // log2m 11, regwidth 5 (the SQL defaults)
//   day.add(std::int64_t{user_id});               // = hll_hash_bigint(user_id)
//   day.add(std::string_view("user-7"));          // = hll_hash_text('user-7')
//   auto bytes = hashsketch::to_postgres(day);    // = hll_add_agg(h, 11, 5, -1, 1)
//   auto back = hashsketch::from_postgres<11>(bytes.data(), bytes.size());
//   double n = hashsketch::postgres_count(day);   // = hll_cardinality(bytes)
//
// The pieces, as for the Redis and DataSketches layouts:
//   - postgres_hasher: MurmurHash3_x64_128, seed 0, first 64-bit half, over
//     the bytes each hll_hash_* function hashes;
//   - postgres_addressing<Regwidth>: register = the low log2m bits of the
//     hash, value = trailing zeros of the rest + 1, capped at 2^regwidth − 1,
//     and the fold to a coarser precision;
//   - the small state: EXPLICIT values hold whole hashes, so the sketch keeps
//     the distinct hashes (detail::sorted_entry_set, the entry type chosen by
//     the addressing policy) beside its registers until there are more than
//     the explicit threshold, as the extension does;
//   - the codec (detail/postgres_codec.hpp) for EMPTY, EXPLICIT, SPARSE and
//     FULL, with the extension's rules for which one it writes.
// docs/postgresql.md describes the format, the hashes and the SQL.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "basic_sketch.hpp"
#include "detail/bits.hpp"
#include "detail/bytes.hpp"
#include "detail/key_overloads.hpp"
#include "detail/murmur3.hpp"
#include "detail/sorted_entries.hpp"
#include "errors.hpp"
#include "hyperloglog.hpp"

namespace hashsketch {

namespace detail {
struct postgres_access;
}  // namespace detail

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// The extension's hashing: MurmurHash3_x64_128 of the value's bytes with the
/// SQL seed (0 unless the query passes one: hll_hash_bigint(x, seed)) in both
/// lanes, returning the first 64-bit half (hll.c, hll_hash_1byte … _varlena).
/// The bytes hashed, per SQL function:
///   hll_hash_bigint   operator()(std::int64_t)  8 bytes, little-endian
///   hll_hash_integer  operator()(std::int32_t)  4 bytes
///   hll_hash_smallint operator()(std::int16_t)  2 bytes
///   hll_hash_boolean  operator()(bool)          1 byte, 0 or 1
///   hll_hash_text / hll_hash_bytea  operator()(std::string_view) / (data, size): the payload
/// The server hashes the datum's bytes in its own memory order; every platform
/// PostgreSQL ships binary packages for is little-endian, which is what this
/// hasher always uses. hll_hash_text('') is 0, and 0 is a real hash value.
/// Unsigned and other integer types do not convert silently (SQL has no
/// unsigned types): pick the SQL type you mean. Stateless apart from the
/// seed; safe to share between threads. O(size).
struct postgres_hasher {
  using result_type = std::uint64_t;
  static constexpr std::uint8_t id = 0x50;  // native-format hasher id (docs/postgresql.md)
  static constexpr const char* name = "postgres-murmur3-x64-128";

  constexpr postgres_hasher() noexcept = default;
  /// The SQL seed argument (an int4). Negative seeds hash as the server does
  /// (as the unsigned 32-bit value; the server warns "negative seed values
  /// not compatible").
  explicit constexpr postgres_hasher(std::int32_t sql_seed) noexcept
      : seed_(static_cast<std::uint32_t>(sql_seed)) {}
  /// The lane seed, 0 … 2^32 − 1.
  constexpr std::uint64_t seed() const noexcept { return seed_; }

  result_type operator()(std::int64_t v) const noexcept { return fixed(static_cast<std::uint64_t>(v), 8); }
  result_type operator()(std::int32_t v) const noexcept {
    return fixed(static_cast<std::uint32_t>(v), 4);
  }
  result_type operator()(std::int16_t v) const noexcept {
    return fixed(static_cast<std::uint16_t>(v), 2);
  }
  result_type operator()(bool v) const noexcept { return fixed(v ? 1u : 0u, 1); }
  result_type operator()(std::string_view text) const noexcept { return (*this)(text.data(), text.size()); }
  result_type operator()(const char* text) const noexcept { return (*this)(std::string_view(text)); }
  result_type operator()(const void* data, std::size_t size) const noexcept {
    std::uint64_t h1, h2;
    detail::murmur3_x64_128(size == 0 ? nullptr : data, size, seed_, h1, h2);
    return h1;
  }
  template <class T, std::enable_if_t<std::is_integral<T>::value && !std::is_same<T, std::int64_t>::value &&
                                          !std::is_same<T, std::int32_t>::value &&
                                          !std::is_same<T, std::int16_t>::value && !std::is_same<T, bool>::value,
                                      int> = 0>
  result_type operator()(T) const noexcept = delete;  // pick the SQL type: std::int64_t, std::int32_t, std::int16_t

  friend constexpr bool operator==(const postgres_hasher& a, const postgres_hasher& b) noexcept {
    return a.seed_ == b.seed_;
  }
  friend constexpr bool operator!=(const postgres_hasher& a, const postgres_hasher& b) noexcept { return !(a == b); }

 private:
  result_type fixed(std::uint64_t v, std::size_t n) const noexcept {
    unsigned char b[8];
    detail::store_le64(b, v);
    return (*this)(b, n);
  }
  std::uint64_t seed_ = 0;
};

/// The extension's register layout (hll.c compressed_add): for m = 2^p,
/// index = h & (m − 1); w = h >> p; value = 0 if w = 0, else
/// min(ctz(w) + 1, 2^Regwidth − 1). Values run 0 … min(2^Regwidth − 1, 64 − p).
///
/// It also names what the small state holds for this layout: whole 64-bit
/// hashes (sparse_entry), ordered as signed integers (the order of EXPLICIT
/// values on disk), up to the extension's automatic explicit threshold.
template <unsigned Regwidth>
struct postgres_addressing {
  static_assert(Regwidth >= 1 && Regwidth <= 7, "hashsketch: PostgreSQL hll regwidth must be in 1..7");
  static constexpr std::uint8_t id = static_cast<std::uint8_t>(0x50 + Regwidth);
  static constexpr const char* name = "postgres (low bits / trailing zeros, capped)";
  static constexpr unsigned regwidth = Regwidth;

  static constexpr std::uint8_t max_rank(unsigned p) noexcept {
    return static_cast<std::uint8_t>((1u << Regwidth) - 1u < 64u - p ? (1u << Regwidth) - 1u : 64u - p);
  }

  template <unsigned P>
  static void locate(std::uint64_t hash, std::size_t& index, std::uint8_t& rank) noexcept {
    index = static_cast<std::size_t>(hash & ((std::uint64_t{1} << P) - 1u));
    const std::uint64_t w = hash >> P;
    rank = w == 0 ? std::uint8_t{0} : cap(detail::ctz64_nonzero(w) + 1u);
  }

  /// Folding p → q (q ≤ p), d = p − q: the hash bits that were index bits
  /// q … p − 1 become the lowest bits of w. Register i with value v > 0 goes
  /// to i mod 2^q; if i >> q ≠ 0 its new value is ctz(i >> q) + 1, else
  /// min(v + d, cap). Exact for every hash with w ≠ 0 at precision p; a hash
  /// below 2^p (w = 0, probability 2^(p−64) per key) left no trace in the
  /// registers, so its value at q is lost.
  static void fold(unsigned from_p, const std::uint8_t* src, unsigned to_p, std::uint8_t* dst) noexcept {
    const unsigned d = from_p - to_p;
    const std::size_t n = std::size_t{1} << from_p;
    const std::size_t mask = (std::size_t{1} << to_p) - 1u;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t v = src[i];
      if (v == 0) continue;
      const std::size_t high = i >> to_p;
      const std::uint8_t folded = high != 0 ? cap(detail::ctz64_nonzero(high) + 1u) : cap(v + d);
      std::uint8_t& out = dst[i & mask];
      if (folded > out) out = folded;
    }
  }

  /// The small state's entry: the whole hash (EXPLICIT stores it).
  using sparse_entry = std::uint64_t;
  /// Signed ascending order, as the extension sorts EXPLICIT values (hll.c element_compare).
  struct sparse_entry_less {
    bool operator()(std::uint64_t a, std::uint64_t b) const noexcept {
      return static_cast<std::int64_t>(a) < static_cast<std::int64_t>(b);
    }
  };
  static constexpr sparse_entry sparse_entry_of(std::uint64_t hash) noexcept { return hash; }

  /// The extension's automatic explicit threshold (expthresh −1) for 2^log2m
  /// registers of `width` bits: the number of 8-byte values that fit in the
  /// FULL image's register bytes, ⌊⌈width·m/8⌉/8⌋ (hll.c expthresh_value).
  static constexpr std::size_t auto_explicit_threshold(unsigned log2m, unsigned width) noexcept {
    return ((std::size_t{width} << log2m) + 7u) / 8u / 8u;
  }

 private:
  static constexpr std::uint8_t cap(unsigned v) noexcept {
    return static_cast<std::uint8_t>(v > (1u << Regwidth) - 1u ? (1u << Regwidth) - 1u : v);
  }
};

/// The four storage types of schema version 1 (byte 0, low nibble). UNDEFINED
/// (0) is not a sketch (hll_cardinality returns NULL for it): from_postgres
/// rejects it with format_error.
enum class postgres_type : std::uint8_t { undefined = 0, empty = 1, explicit_ = 2, sparse = 3, full = 4 };

/// The parameters a PostgreSQL hll value records (and that to_postgres writes).
struct postgres_options {
  /// log2m: 4 … the sketch's P (0 = the sketch's P). A smaller one folds.
  unsigned log2m = 0;
  /// Register width in bits: 1 … the sketch's Regwidth (0 = the sketch's). A smaller one caps.
  unsigned regwidth = 0;
  /// Explicit threshold: −1 = automatic (auto_explicit_threshold), 0 = never
  /// EXPLICIT, else a power of two up to 8192 (the extension's limits).
  std::int64_t expthresh = -1;
  /// 1: write SPARSE when it is smaller (or, with max_sparse ≥ 0, when at most
  /// max_sparse registers are non-zero); 0: never SPARSE.
  int sparseon = 1;
  /// The session setting hll_set_max_sparse(n): −1 (the default) = automatic.
  /// Not stored in the value; only to reproduce a session that changed it.
  std::int64_t max_sparse = -1;
};

/// The header of a PostgreSQL hll value (its first three bytes).
struct postgres_header {
  postgres_type type;
  unsigned log2m;         // 0 … 31 as stored
  unsigned regwidth;      // 1 … 8 as stored
  std::int64_t expthresh; // −1 (auto), 0 or 2^k
  int sparseon;           // 0 or 1
};

/// Reads and checks the three header bytes: version 1, a known type, the
/// cutoff byte's unused bit clear and an explicit threshold the extension can
/// produce (−1, 0, 2^0 … 2^13). O(1); throws format_error.
postgres_header postgres_read_header(const void* data, std::size_t size);

/// HyperLogLog in the extension's layout: the library's register core
/// (hyperloglog<P, postgres_hasher, Allocator, postgres_addressing<Regwidth>>)
/// plus the small state of whole hashes that EXPLICIT values need.
///
/// Memory: 2^P bytes of registers + 256 bytes, plus 8 bytes per distinct hash
/// while there are at most explicit_limit() of them (by default the
/// extension's automatic threshold, ⌊⌈Regwidth·2^P/8⌉/8⌋ values: 160 at
/// P = 11, Regwidth 5, i.e. 1.25 KiB; 5120 = 40 KiB at P = 16), none after.
/// Thread-safety: one writer or many readers, as every sketch.
template <unsigned P, unsigned Regwidth = 5, class Allocator = std::allocator<std::uint8_t>>
class postgres_hyperloglog {
  using addressing = postgres_addressing<Regwidth>;
  using entry_allocator = typename std::allocator_traits<Allocator>::template rebind_alloc<std::uint64_t>;
  using small_state =
      detail::sorted_entry_set<typename addressing::sparse_entry, typename addressing::sparse_entry_less,
                               entry_allocator>;

 public:
  /// The register core: every const member of it (registers(), histogram(),
  /// estimate(estimator), confidence_interval()) is reachable via core().
  using core_type = hyperloglog<P, postgres_hasher, Allocator, addressing>;
  using addressing_type = addressing;
  static constexpr unsigned precision = P;
  static constexpr unsigned regwidth = Regwidth;
  static constexpr std::size_t register_count = std::size_t{1} << P;
  /// The automatic explicit threshold at (P, Regwidth).
  static constexpr std::size_t auto_explicit_limit = addressing::auto_explicit_threshold(P, Regwidth);
  /// The most hashes an EXPLICIT value can hold (the extension's 128 KiB
  /// buffer: 16383 values; an expthresh it accepts is at most 8192, the
  /// automatic one at most 14336).
  static constexpr std::size_t max_explicit_limit = 16383;

  /// An empty sketch that keeps whole hashes while it has at most
  /// explicit_limit distinct ones (use the expthresh your SQL passes; a larger
  /// expthresh in to_postgres needs at least that many). Throws
  /// std::invalid_argument above max_explicit_limit. Allocates 2^P bytes.
  explicit postgres_hyperloglog(std::size_t explicit_limit = auto_explicit_limit,
                                const postgres_hasher& hasher = postgres_hasher{},
                                const Allocator& alloc = Allocator{})
      : core_(hasher, alloc), small_(check_limit(explicit_limit), entry_allocator(alloc)) {}

  // --- adding: each = hll_add(sketch, hll_hash_<type>(key)) ---------------
  void add(std::int64_t key) { add_hash(core_.hasher()(key)); }
  void add(std::int32_t key) { add_hash(core_.hasher()(key)); }
  void add(std::int16_t key) { add_hash(core_.hasher()(key)); }
  void add(bool key) { add_hash(core_.hasher()(key)); }
  void add(std::string_view text) { add_hash(core_.hasher()(text)); }
  void add(const char* text) { add_hash(core_.hasher()(text)); }
  /// hll_hash_bytea: the bytes [data, data + size) as ONE key. Character and
  /// byte pointers only (detail/key_overloads.hpp): add(keys.data(),
  /// keys.size()) with integer keys stops at a static_assert.
  template <class Byte, std::enable_if_t<detail::is_byte_like<Byte>::value, int> = 0>
  void add(const Byte* data, std::size_t size) {
    add_hash(core_.hasher()(static_cast<const void*>(data), size));
  }
  template <class T, std::enable_if_t<!detail::is_byte_like<T>::value, int> = 0>
  void add(const T*, std::size_t) {
    (void)detail::reject_non_byte_pointer<T>();  // static_assert: not a byte pointer
  }
  template <class T, std::enable_if_t<std::is_integral<T>::value && !std::is_same<T, std::int64_t>::value &&
                                          !std::is_same<T, std::int32_t>::value &&
                                          !std::is_same<T, std::int16_t>::value && !std::is_same<T, bool>::value,
                                      int> = 0>
  void add(T) = delete;  // pick the SQL type: std::int64_t (bigint), std::int32_t (integer), std::int16_t (smallint)
  /// Floating point (the extension has no hll_hash_double: cast in SQL and
  /// pick the type here) and nullptr (not a text): deleted, so add(3.2) is
  /// not silently add(std::int64_t{3}) and add(nullptr) does not reach strlen.
  template <class T, std::enable_if_t<std::is_floating_point<T>::value || std::is_same<T, std::nullptr_t>::value,
                                      int> = 0>
  void add(T) = delete;
  /// An enum as its underlying integer (which must be one of the SQL types).
  template <class E, std::enable_if_t<std::is_enum<E>::value, int> = 0>
  void add(E key) {
    add(static_cast<std::underlying_type_t<E>>(key));
  }
  /// A key_traits<T> type: its canonical key_bytes (key_traits.hpp) hashed
  /// as hll_hash_bytea(key_bytes). May allocate.
  template <class T, std::enable_if_t<detail::has_key_traits<T>::value, int> = 0>
  void add(const T& key) {
    add_hash(detail::key_hash(core_.hasher(), key));
  }
  /// hll_add(sketch, h::hll_hashval). O(1) for the registers, O(explicit_limit)
  /// for the sorted insert while the small state is kept. Allocates while
  /// the small state grows.
  void add_hash(std::uint64_t hash) {
    core_.add_hash(hash);
    small_.insert(addressing::sparse_entry_of(hash));
  }

  // --- merging ------------------------------------------------------------
  /// Union (hll_union): registers max, hashes united; the result keeps whole
  /// hashes while their union has at most explicit_limit() (ours) of them.
  /// O(m + hashes). Throws incompatible_sketch_error for another SQL seed.
  void merge(const postgres_hyperloglog& other) {
    core_.merge(other.core_);
    small_.merge(other.small_);
  }
  /// Union with a finer sketch (Q > P) — something hll_union refuses (it
  /// needs equal log2m); the result is ours, not a value SQL could produce
  /// from these two. Registers fold exactly (see postgres_addressing::fold);
  /// hashes are whole, so they stay exact.
  template <unsigned Q>
  void merge(const postgres_hyperloglog<Q, Regwidth, Allocator>& finer) {
    static_assert(Q > P, "hashsketch: merge the coarser sketch into a finer one's fold instead");
    core_.merge(finer.core());
    if (finer.promoted())
      small_.promote();
    else
      for (std::uint64_t h : finer.explicit_hashes()) small_.insert(h);
  }
  postgres_hyperloglog& operator|=(const postgres_hyperloglog& other) {
    merge(other);
    return *this;
  }
  friend postgres_hyperloglog operator|(postgres_hyperloglog a, const postgres_hyperloglog& b) {
    a.merge(b);
    return a;
  }

  // --- state --------------------------------------------------------------
  /// Our estimate (Ertl 2017, the library's default): better than
  /// postgres_count near m·2.5 and beyond, unbiased for small n. O(q) after adds.
  double estimate() const noexcept { return core_.estimate(); }
  const core_type& core() const noexcept { return core_; }
  /// The core's registers (basic_sketch::registers(): not noexcept, since a
  /// sparse core materialises a copy; this layout has no tokens, so in
  /// practice the view is the registers themselves or the static empty block).
  register_view registers() const { return core_.registers(); }
  const postgres_hasher& hasher() const noexcept { return core_.hasher(); }
  /// Nothing added (EMPTY).
  bool empty() const noexcept { return small_.empty(); }
  /// More than explicit_limit() distinct hashes were added (or the sketch was
  /// read from a SPARSE / FULL value): only the registers are left.
  bool promoted() const noexcept { return small_.promoted(); }
  /// The distinct hashes (signed ascending), while !promoted().
  struct hash_range {
    const std::uint64_t* first;
    const std::uint64_t* last;
    const std::uint64_t* begin() const noexcept { return first; }
    const std::uint64_t* end() const noexcept { return last; }
    std::size_t size() const noexcept { return static_cast<std::size_t>(last - first); }
  };
  hash_range explicit_hashes() const noexcept { return hash_range{small_.begin(), small_.end()}; }
  std::size_t explicit_limit() const noexcept { return small_.limit(); }
  /// Back to empty; keeps the limit and the register memory. O(m).
  void clear() noexcept {
    core_.clear();
    small_.clear();
  }

  friend bool operator==(const postgres_hyperloglog& a, const postgres_hyperloglog& b) {
    return a.core_ == b.core_ && a.small_ == b.small_;
  }
  friend bool operator!=(const postgres_hyperloglog& a, const postgres_hyperloglog& b) { return !(a == b); }

 private:
  friend struct detail::postgres_access;
  static std::size_t check_limit(std::size_t limit) {
    if (limit > max_explicit_limit)
      throw std::invalid_argument("hashsketch: PostgreSQL explicit threshold " + std::to_string(limit) +
                                  " is above the extension's maximum " + std::to_string(max_explicit_limit));
    return limit;
  }

  core_type core_;
  small_state small_;
};

/// The value hll_add_agg(hll_hash_*(key), log2m, regwidth, expthresh,
/// sparseon) stores for the sketch's keys (with the defaults: log2m = P,
/// regwidth = Regwidth, expthresh −1, sparseon 1): EMPTY when nothing was
/// added; EXPLICIT (the distinct hashes, 8 bytes each, big-endian, signed
/// ascending) while there are at most the effective threshold of them; else
/// SPARSE if sparseon and nonzero·(log2m + regwidth) < m·regwidth bits (or
/// nonzero ≤ max_sparse when set), else FULL.
/// Throws std::invalid_argument for options the extension rejects, and when
/// the sketch was promoted at a smaller explicit limit than the options ask
/// for (it no longer knows whether its hashes would fit). O(m).
template <unsigned P, unsigned Regwidth, class Allocator>
std::vector<std::uint8_t> to_postgres(const postgres_hyperloglog<P, Regwidth, Allocator>& sketch,
                                      const postgres_options& options = postgres_options{});

/// Reads a PostgreSQL hll value (EMPTY, EXPLICIT, SPARSE, FULL).
///  - EMPTY / EXPLICIT of any log2m and regwidth: exact (whole hashes are added
///    at P). The sketch's explicit limit becomes the value's effective
///    threshold, so further adds follow the server's hll_add.
///  - SPARSE / FULL: log2m ≥ P (a larger one folds, see
///    postgres_addressing::fold) and regwidth ≥ Regwidth (a wider one is
///    capped, exactly); else format_error.
/// Never reads outside [data, data + size). format_error names the defect:
/// truncation, version, type (UNDEFINED included), parameter byte, cutoff
/// byte, size, padding of 8 bits or more or with bits set, unsorted or
/// duplicate EXPLICIT values, more than 16383 of them, SPARSE indices out of
/// order or duplicated, a zero SPARSE value, a register value above the
/// largest possible rank. O(size + 2^log2m).
template <unsigned P, unsigned Regwidth = 5, class Allocator = std::allocator<std::uint8_t>>
postgres_hyperloglog<P, Regwidth, Allocator> from_postgres(const void* data, std::size_t size,
                                                           const postgres_hasher& hasher = postgres_hasher{});

/// hll_cardinality of to_postgres(sketch, options), computed exactly as the
/// extension does (hll.c multiset_card): EMPTY 0; EXPLICIT the number of
/// distinct hashes; else E = α·m²/Σ2^−r (α = 0.673, 0.697, 0.709 for m = 16,
/// 32, 64, else 0.7213/(1 + 1.079/m)), m·ln(m/V) when E < 2.5·m and V zero
/// registers > 0, E up to 2^L/30, above it −2^L·ln(1 − E/2^L), L = 2^regwidth
/// − 2 + log2m. For regwidth ≥ 6, L ≥ 64 and the extension's 64-bit shift
/// 1 << L wraps (x86-64 and AArch64 use L mod 64): every estimate above the
/// linear-counting range is then NaN on the server, and postgres_count
/// returns the same NaN (checked against a real server). estimate() is the
/// better number. O(m). Throws what to_postgres throws for bad options.
template <unsigned P, unsigned Regwidth, class Allocator>
double postgres_count(const postgres_hyperloglog<P, Regwidth, Allocator>& sketch,
                      const postgres_options& options = postgres_options{});

}  // namespace hashsketch

// ---------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------

#include "detail/postgres_codec.hpp"

#endif  // HASHSKETCH_POSTGRESQL_HPP
