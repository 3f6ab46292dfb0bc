#ifndef HASHSKETCH_MARTINGALE_HPP
#define HASHSKETCH_MARTINGALE_HPP

// martingale<Sketch>: the martingale (HIP) estimator (Ting 2014, "Streamed
// approximate counting of distinct elements"; Cohen 2015, "All-distances
// sketches, revisited: HIP estimators"; Ertl 2024 for UltraLogLog) over a
// hyperloglog<P> or ultraloglog<P> fed only by add: every time a key changes
// a register, the estimate grows by 1/p, where p is the probability that a
// new distinct key changes some register, and p drops by the changed
// register's share. Arithmetic and the 2^−64-scaled probabilities follow
// hash4j's MartingaleEstimator bit for bit.
//
//   hashsketch::martingale<hashsketch::ultraloglog<12>> visitors;
//   visitors.add("user-42");
//   double n = visitors.estimate();       // 0.658/√m (ULL), 0.833/√m (HLL)
//
// Valid only for a sketch that was never merged (a union has no arrival
// order), so no merge is offered; sketch() gives the registers for merging or
// serialising elsewhere (their own estimators stay valid). The estimate
// depends on arrival order: feeding sorted or replayed tokens gives the same
// registers but a wrong martingale.
// Memory: the sketch + 16 bytes. Thread-safety: as the sketch.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "addressing.hpp"
#include "basic_sketch.hpp"
#include "detail/bytes.hpp"
#include "detail/key_overloads.hpp"
#include "errors.hpp"
#include "hyperloglog.hpp"
#include "ultraloglog.hpp"

namespace hashsketch {

namespace detail {
template <class Sketch>
struct martingale_traits;

/// The martingale (HIP) increment of a key that changed the sketch: 1/p, p
/// the state-change probability just before it (Ting 2014). A saturated
/// sketch's p = 0 counts as 2^−64, the smallest step of p, so the estimate
/// stays finite. One definition for martingale<S> and DataSketches' HIP
/// accumulator (datasketches.hpp), which must add bit-identical terms.
inline double martingale_increment(double probability_before) noexcept {
  return 1.0 / (probability_before > 0 ? probability_before : 0x1p-64);
}
}  // namespace detail

/// The martingale estimator over Sketch = hyperloglog<P, H, A> (default
/// layout), ultraloglog<P, H, A>, or datasketches_hyperloglog<P> (with
/// datasketches.hpp, which also writes its HIP field).
template <class Sketch>
class martingale {
  using traits = detail::martingale_traits<Sketch>;

 public:
  using sketch_type = Sketch;
  using hasher_type = typename Sketch::hasher_type;
  /// Serialised kind (docs/FORMAT.md): a martingale around kind 1 or 4.
  static constexpr std::uint8_t kind_id = 5;

  /// An empty martingale. Its sketch is made dense here (allocates m + the
  /// summary; std::bad_alloc): HIP adds 1/p for every key that changes a
  /// register, so each key must be judged, in arrival order, against the
  /// current value of its register. A sparse sketch would need a token
  /// lookup per key to tell (and its promotion replays sorted tokens: the
  /// right registers, but a wrong martingale), so the martingale never lets
  /// its sketch be sparse.
  explicit martingale(const hasher_type& hasher = hasher_type{}) : sketch_(hasher) { sketch_.densify(); }

  /// Adds a key by the rules every sketch shares (detail/key_overloads.hpp;
  /// the same overloads as the wrapped sketch's add): integers but bool,
  /// enums, floating point only where the hasher has a rule, strings,
  /// key_traits<T> types; bool and nullptr are deleted.
  template <class K, std::enable_if_t<detail::key_is_typed<hasher_type, K>::value, int> = 0>
  void add(const K& key) noexcept(detail::key_add_is_noexcept<K>::value) {
    add_hash(detail::key_hash(sketch_.hasher(), key));
  }
  template <class K, std::enable_if_t<detail::key_is_deleted<hasher_type, K>::value, int> = 0>
  void add(const K&) = delete;
  /// The bytes [data, data + size) as ONE key; character and byte pointers only.
  template <class Byte, std::enable_if_t<detail::is_byte_like<Byte>::value, int> = 0>
  void add(const Byte* data, std::size_t size) noexcept {
    add_hash(sketch_.hasher()(static_cast<const void*>(data), size));
  }
  template <class T, std::enable_if_t<!detail::is_byte_like<T>::value, int> = 0>
  void add(const T*, std::size_t) {
    (void)detail::reject_non_byte_pointer<T>();  // static_assert: not a byte pointer
  }
  /// Adds a hash; on a register change: n̂ += 1/p, then p −= (S_old − S_new)·2^−64
  /// (S = the register's change probability in units of 2^−64), p ≥ 0. O(1).
  ///
  /// Saturation: when p has reached 0 (rounding of the 64-bit decrements can
  /// exhaust it while registers still change, e.g. ULL at P = 4 near 2^64·m)
  /// hash4j adds 1/0 = +∞; we add 2^64 (the inverse of the smallest
  /// representable probability), so the estimate stays finite.
  void add_hash(const typename Sketch::hash_type& hash) noexcept {
    // The sketch is dense (constructor, deserialize): traits::update never
    // allocates.
    std::uint64_t before = 0, after = 0;
    const bool changed = traits::update(sketch_, hash, before, after);
    // Per-layout extra bookkeeping (DataSketches' HIP field, datasketches.hpp;
    // nothing for the others), told the probability before this key.
    side_.on_key(hash, changed, probability_);
    if (!changed) return;
    estimate_ += detail::martingale_increment(probability_);
    probability_ -= static_cast<double>(before - after) * 0x1p-64;
    if (probability_ <= 0) probability_ = 0;
  }

  /// The martingale estimate n̂ (0 when empty). O(1).
  double estimate() const noexcept { return estimate_; }
  /// p, the running probability that the next new distinct key changes a
  /// register (1 when empty). O(1).
  double state_change_probability() const noexcept { return probability_; }
  /// The registers (merge or serialise them elsewhere). O(1).
  const Sketch& sketch() const noexcept { return sketch_; }
  /// The layout's extra state (traits::side; for the DataSketches layout
  /// the HIP accumulator DataSketches itself would hold, datasketches.hpp).
  const typename traits::side& side() const noexcept { return side_; }

  /// magic, version, kind 5, P, the inner kind (1 or 4), 3 reserved zero
  /// bytes, n̂ and p as IEEE-754 binary64 bit patterns (u64), the inner
  /// sketch's own serialisation (u32 length + bytes), XXH64 of all before.
  std::vector<std::uint8_t> serialize() const {
    const std::vector<std::uint8_t> inner = sketch_.serialize();
    std::vector<std::uint8_t> out;
    detail::byte_writer w(out);
    w.bytes(format::magic, 4);
    w.u8(format::version);
    w.u8(kind_id);
    w.u8(static_cast<std::uint8_t>(Sketch::precision));
    w.u8(traits::inner_kind);
    w.u8(0);
    w.u16(0);
    w.u64(bits_of(estimate_));
    w.u64(bits_of(probability_));
    w.u32(static_cast<std::uint32_t>(inner.size()));
    w.bytes(inner.data(), inner.size());
    w.u64(XXH64(out.data(), out.size(), 0));
    return out;
  }
  /// Reads serialize()'s bytes; never reads outside the range. Throws
  /// format_error: truncation, magic, version, kind, precision, inner kind,
  /// reserved bytes, n̂ not finite or negative, p outside [0, 1], length,
  /// the inner sketch's own errors, checksum, trailing bytes.
  static martingale deserialize(const void* data, std::size_t size, const hasher_type& expected = hasher_type{}) {
    detail::byte_reader r(data, size);
    const unsigned char* magic = r.bytes(4, "magic");
    if (!std::equal(magic, magic + 4, format::magic)) throw format_error("bad magic (not a hashsketch sketch)");
    const unsigned version = r.u8("version");
    if (version != format::version) throw format_error("unknown format version " + std::to_string(version));
    const unsigned kind = r.u8("kind");
    if (kind != kind_id) throw format_error("sketch kind " + std::to_string(kind) + " is not a martingale (kind 5)");
    const unsigned p = r.u8("precision");
    if (p != Sketch::precision)
      throw format_error("precision " + std::to_string(p) + " differs from the type's " +
                         std::to_string(Sketch::precision));
    const unsigned inner_kind = r.u8("inner kind");
    if (inner_kind != traits::inner_kind)
      throw format_error("inner sketch kind " + std::to_string(inner_kind) + " is not " +
                         std::to_string(traits::inner_kind));
    if (r.u8("reserved") != 0 || r.u16("reserved") != 0) throw format_error("reserved header bytes are not zero");
    const double est = value_of(r.u64("estimate"));
    const double prob = value_of(r.u64("probability"));
    if (!(std::isfinite(est) && est >= 0)) throw format_error("martingale estimate is not a finite value >= 0");
    if (!(prob >= 0 && prob <= 1)) throw format_error("state change probability is outside [0, 1]");
    const std::uint32_t length = r.u32("inner length");
    const unsigned char* inner = r.bytes(length, "inner sketch");
    const std::size_t covered = r.position();
    const std::uint64_t stored = r.u64("checksum");
    if (r.remaining() != 0) throw format_error(std::to_string(r.remaining()) + " trailing bytes after the checksum");
    if (stored != XXH64(data, covered, 0)) throw format_error("checksum mismatch (bytes damaged)");
    martingale out(expected);
    out.sketch_ = Sketch::deserialize(inner, length, expected);
    out.sketch_.densify();  // an inner sparse image reads back sparse
    out.estimate_ = est;
    out.probability_ = prob;
    out.side_.lost();  // not in the serialised form
    return out;
  }

  friend bool operator==(const martingale& a, const martingale& b) {
    return a.sketch_ == b.sketch_ && bits_of(a.estimate_) == bits_of(b.estimate_) &&
           bits_of(a.probability_) == bits_of(b.probability_);
  }
  friend bool operator!=(const martingale& a, const martingale& b) { return !(a == b); }

 private:
  static std::uint64_t bits_of(double v) noexcept {
    std::uint64_t u;
    std::memcpy(&u, &v, sizeof u);
    return u;
  }
  static double value_of(std::uint64_t u) noexcept {
    double v;
    std::memcpy(&v, &u, sizeof v);
    return v;
  }

  Sketch sketch_;
  double estimate_ = 0.0;
  double probability_ = 1.0;
  typename traits::side side_{};
};

namespace detail {

/// The extra state of layouts that need none.
struct martingale_no_side {
  template <class Hash>
  void on_key(const Hash&, bool, double) noexcept {}
  void lost() noexcept {}
};

/// HyperLogLog (default layout): a register holding v changes when a hash
/// brings a rank > v, probability 2^−v/m, i.e. 2^(64−P−v) in units of 2^−64;
/// 0 at the largest rank 65 − P.
template <unsigned P, class H, class A>
struct martingale_traits<basic_sketch<hll_family, P, H, A, leading_zeros_addressing>> {
  using sketch = basic_sketch<hll_family, P, H, A, leading_zeros_addressing>;
  using side = martingale_no_side;
  static constexpr std::uint8_t inner_kind = hll_family::kind_id;
  static std::uint64_t scaled(unsigned v) noexcept {
    return v >= 65u - P ? 0 : std::uint64_t{1} << (64u - P - v);
  }
  static bool update(sketch& s, std::uint64_t hash, std::uint64_t& before, std::uint64_t& after) noexcept {
    std::size_t index;
    std::uint8_t rank;
    leading_zeros_addressing::locate<P>(hash, index, rank);
    const std::uint8_t old = register_access::data(s)[index];
    if (rank <= old) return false;
    s.add_hash(hash);
    before = scaled(old);
    after = scaled(rank);
    return true;
  }
};

/// UltraLogLog: ultraloglog's own per-register probabilities, read off the
/// dense registers of its core before and after the key.
template <unsigned P, class H, class A>
struct martingale_traits<ultraloglog<P, H, A>> {
  using sketch = ultraloglog<P, H, A>;
  using side = martingale_no_side;
  static constexpr std::uint8_t inner_kind = sketch::kind_id;
  static bool update(sketch& s, std::uint64_t hash, std::uint64_t& before, std::uint64_t& after) noexcept {
    std::size_t index;
    std::uint8_t rank;
    leading_zeros_addressing::locate<P>(hash, index, rank);
    const std::uint8_t* regs = register_access::data(s.core_);  // dense: no allocation
    const std::uint8_t old = regs[index];
    if (!ull_registers::changes<P>(old, rank)) return false;
    s.add_hash(hash);
    before = sketch::scaled_change_probability(old);
    after = sketch::scaled_change_probability(regs[index]);
    return true;
  }
};

}  // namespace detail

}  // namespace hashsketch

#endif  // HASHSKETCH_MARTINGALE_HPP
