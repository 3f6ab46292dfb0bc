#ifndef HASHSKETCH_ULTRALOGLOG_HPP
#define HASHSKETCH_ULTRALOGLOG_HPP

// ultraloglog<P>: UltraLogLog (O. Ertl, "UltraLogLog: A Practical and More
// Space-Efficient Alternative to HyperLogLog for Approximate Distinct
// Counting", PVLDB 17(7), 2024, arXiv:2308.16862), register for register and
// byte for byte compatible with hash4j's UltraLogLog (Apache-2.0; the
// encoding and the estimators' arithmetic are facts taken from its source and
// paper, the code here is our own).
//
//   hashsketch::ultraloglog<12> visitors;     // 4 KiB, ±1.22 % (√(0.612/4096))
//   visitors.add("user-42");
//   visitors |= other_shard;                  // exact union
//   double n = visitors.estimate();           // FGRA; estimate(ull_estimator::ml)
//
// Memory: m = 2^P one-byte registers + a 1 KiB histogram of register bytes.
// Relative standard error: √(0.6119/m) = 0.782/√m with FGRA (the default),
// 0.761/√m with maximum likelihood; HyperLogLog needs 1.04/√m, so at equal
// error UltraLogLog needs (0.782/1.04)² = 57 % of HyperLogLog's registers at
// one byte each (the 24 % saving of the paper is against 6-bit HLL registers).
// Thread-safety: none inside; any number of concurrent const calls while no
// thread modifies the sketch (const members never write).
//
// Register encoding (hash4j's stored byte; docs/ultraloglog.md): a register
// remembers the set of bits t = rank + P − 2 over the hashes sent to it (its
// "hash prefix"); it stores the highest t and whether t − 1 and t − 2 are set:
//   byte = 4·t + 2·[t − 1 set] + [t − 2 set],   0 = empty.
// In the paper's terms r = 4u + 2x(u−1) + x(u−2) with u the largest rank, and
// byte = r + 4P − 8 for r ≠ 0. Because t does not depend on P (a hash keeps
// its bit when the precision drops), reduce<Q>() is exact.
//
// Design note: one register core. The state lives in basic_sketch (the same
// storage, merge, reduce and serialisation paths as hyperloglog); UltraLogLog's
// register semantics (the byte union on update, the union kernels of
// detail/ull_kernels.hpp, the fold) are its register policy
// detail::ull_registers (detail/register_policy.hpp), its estimators the
// family ull_family below.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "addressing.hpp"
#include "basic_sketch.hpp"
#include "detail/bytes.hpp"
#include "detail/dispatch.hpp"
#include "detail/key_overloads.hpp"
#include "detail/native_format.hpp"
#include "detail/register_policy.hpp"
#include "detail/stats.hpp"
#include "detail/ull_kernels.hpp"
#include "detail/ull_math.hpp"
#include "errors.hpp"
#include "hash.hpp"
#include "hyperloglog.hpp"

namespace hashsketch {

/// UltraLogLog's estimators: FGRA (the default, 0.782/√m) and maximum
/// likelihood (0.761/√m, an iterative solve: slower).
enum class ull_estimator { fgra, ml };

template <class Sketch>
class martingale;

namespace detail {
template <class Sketch>
struct martingale_traits;
}  // namespace detail

// Pinned builds (HASHSKETCH_PIN_ISA) get their own ull_family and
// ultraloglog, as they get their own basic_sketch and ull_registers: the
// members call the pinned core and kernels, so one definition shared with an
// unpinned TU would break the ODR (tests/isa_pin_odr_test.cpp).
HASHSKETCH_PIN_NAMESPACE_BEGIN

/// UltraLogLog's family on the register core: the serialised kind and the
/// default (FGRA) estimator over the 256-bin histogram of register bytes.
struct ull_family {
  /// Serialised sketch kind (docs/FORMAT.md).
  static constexpr std::uint8_t kind_id = 4;
  /// For messages and `info`.
  static constexpr const char* name = "ultraloglog";
  /// ultraloglog offers its own choice (ull_estimator), not HyperLogLog's.
  static constexpr bool has_estimator_choice = false;
  /// FGRA from counts[r] = registers holding byte r (m = 2^P registers).
  static double estimate(const std::array<std::uint32_t, 256>& counts, std::size_t m, unsigned q) noexcept;
  /// FGRA from the core's running sum over the ordinary registers
  /// (detail::ull_registers::summary_type) and the counts of the others. O(P).
  static double estimate(const detail::ull_registers::summary_type& sum, const std::array<std::uint32_t, 256>& counts,
                         std::size_t m) noexcept;
  /// √(V/m), V = 0.6118931496978439 (FGRA's variance factor, detail::ull_math).
  static constexpr double relative_standard_error(std::size_t m) noexcept {
    return detail::constexpr_sqrt(0.6118931496978439 / static_cast<double>(m));
  }
};

/// UltraLogLog with 2^P one-byte registers (P = 4..16).
///
/// One register core: the registers live in basic_sketch<ull_family, P,
/// Hasher, Allocator, leading_zeros_addressing, detail::ull_registers>
/// (detail/register_policy.hpp gives UltraLogLog's update, union kernels and
/// fold); this class gives it UltraLogLog's public interface (hash4j's byte
/// encoding, FGRA/ML estimators, to_hyperloglog, hash4j-compatible bytes).
template <unsigned P, class Hasher = xxh3_hasher, class Allocator = std::allocator<std::uint8_t>>
class ultraloglog {
  static_assert(P >= 4 && P <= 16, "hashsketch: precision P must be in 4..16");
  static_assert(std::is_same<typename std::allocator_traits<Allocator>::value_type, std::uint8_t>::value,
                "hashsketch: the allocator must allocate std::uint8_t");

 public:
  using hasher_type = Hasher;
  using allocator_type = Allocator;
  using hash_type = typename Hasher::result_type;
  /// The register core holding the state.
  using core_type = basic_sketch<ull_family, P, Hasher, Allocator, leading_zeros_addressing, detail::ull_registers>;

  /// Precision: m = 2^P registers.
  static constexpr unsigned precision = P;
  /// m, the number of one-byte registers.
  static constexpr std::size_t register_count = std::size_t{1} << P;
  /// Serialised sketch kind (docs/FORMAT.md).
  static constexpr std::uint8_t kind_id = ull_family::kind_id;
  /// For messages and `info`.
  static constexpr const char* name = ull_family::name;

  /// An empty sketch, in the sparse state (docs/sparse.md): allocates
  /// nothing; O(1).
  explicit ultraloglog(const Hasher& hasher = Hasher{}, const Allocator& alloc = Allocator{}) noexcept
      : core_(hasher, alloc) {}

  // --- adding (O(1) amortised, one writer) ----------------------------------
  // Sparse: every distinct (index26, rank) token is kept (the registers'
  // history bits need the smaller ranks too); the add that takes the token
  // store past m heap bytes promotes to the m registers, O(n + m), with
  // exactly the registers the same keys give a dense sketch. Only then (and
  // while the store grows) may an add allocate. Dense: never allocates.
  //
  // add_hash and add_many are noexcept, as issue 15's API (and hash4j's
  // add, which never fails) has them: a caller may build on that (no
  // try/catch around a hot loop, a noexcept consumer). So an allocation
  // failure of the sparse state inside them calls std::terminate; there is
  // no way to report it from a noexcept member without dropping the key.
  // Code that must survive std::bad_alloc calls densify() first: it
  // allocates the m registers up front (throws std::bad_alloc and leaves the
  // sketch as it was), after which no add allocates
  // (tests/ultraloglog_sparse_test.cpp, tests/ull_oom_probe.cpp).
  // hyperloglog's add_hash keeps its strong guarantee instead (it throws).

  /// Adds a key, by the rules every sketch shares (detail/key_overloads.hpp):
  /// any integer but bool (the hasher's overload; xxh3_hasher hashes the
  /// value as 8 little-endian bytes), an enum as its underlying integer,
  /// float/double only where the hasher has a rule, a string's bytes, or a
  /// key_traits<T> type's canonical key_bytes (which may allocate).
  template <class K, std::enable_if_t<detail::key_is_typed<Hasher, K>::value, int> = 0>
  void add(const K& key) noexcept(detail::key_add_is_noexcept<K>::value) {
    add_hash(detail::key_hash(core_.hasher(), key));
  }
  /// bool, nullptr and floating point without a hasher rule: deleted, so
  /// add(3.2) does not silently mean add(3).
  template <class K, std::enable_if_t<detail::key_is_deleted<Hasher, K>::value, int> = 0>
  void add(const K&) = delete;
  /// Adds the bytes [data, data + size) as ONE key. Character and byte
  /// pointers only: add(keys.data(), keys.size()) with integer keys stops at
  /// a static_assert (use add_many).
  template <class Byte, std::enable_if_t<detail::is_byte_like<Byte>::value, int> = 0>
  void add(const Byte* data, std::size_t size) noexcept {
    add_hash(core_.hasher()(static_cast<const void*>(data), size));
  }
  template <class T, std::enable_if_t<!detail::is_byte_like<T>::value, int> = 0>
  void add(const T*, std::size_t) {
    (void)detail::reject_non_byte_pointer<T>();  // static_assert: not a byte pointer
  }
  /// Adds an already hashed value: index = the top P bits, rank = leading
  /// zeros of the other 64 − P bits + 1 (hyperloglog's default layout).
  /// noexcept: see above (std::terminate if the sparse state cannot grow).
  void add_hash(std::uint64_t hash) noexcept { core_.add_hash(hash); }
  /// Same result as n add() calls. With xxh3_hasher the keys are hashed by the
  /// SIMD batch kernel, 256 at a time.
  void add_many(const std::uint64_t* keys, std::size_t n) noexcept { core_.add_many(keys, n); }

  // --- estimating ----------------------------------------------------------

  /// The FGRA estimate. Sparse: the token estimate (linear counting over the
  /// 2^26 token buckets, near exact as hyperloglog's; every estimator gives
  /// it). Dense after adds: O(P), from the running FGRA sum the core keeps
  /// current on every register change (detail::ull_registers, exact integer
  /// fixed point); right after a merge one pass over the registers (not
  /// cached: const members never write): with AVX2/AVX-512 the FGRA pass
  /// kernel (detail::ull_pass_*, gathers), elsewhere a histogram. The two
  /// add the same terms in a different order (per register, per byte
  /// value), so they can differ in the last bits (≤ 1e-13 relative).
  double estimate() const noexcept { return estimate(ull_estimator::fgra); }
  /// The estimate of the chosen estimator (ml: an iterative solve, O(64)
  /// per iteration, typically a few iterations).
  double estimate(ull_estimator e) const noexcept;

  /// √(V/m), V = 0.6118931496978439 (FGRA's variance factor, see
  /// detail::ull_math): 0.0782·… = 0.782/√m (1.22 % at P = 12).
  static constexpr double relative_standard_error() noexcept {
    return ull_family::relative_standard_error(register_count);
  }

  /// [estimate/(1 + z·RSE), estimate/(1 − z·RSE)] (z the two-sided normal
  /// quantile of `confidence`), the lower end clamped to the number of
  /// non-empty registers; {0, 0, 0} when empty. Throws std::invalid_argument
  /// unless 0 < confidence < 1.
  interval confidence_interval(double confidence = 0.95) const;

  // --- merging -------------------------------------------------------------

  /// Union (exact: equals the sketch of A ∪ B). Not a byte max: the two
  /// registers' hash prefixes are OR-ed (detail/ull_kernels.hpp). O(m), SIMD.
  /// Throws incompatible_sketch_error if the hashers differ.
  void merge(const ultraloglog& other) { core_.merge(other.core_); }
  /// Union with a finer sketch (Q > P), equal to merge(finer.reduce<P>()).
  template <unsigned Q>
  void merge(const ultraloglog<Q, Hasher, Allocator>& finer) {
    core_.merge(finer.core_);
  }
  ultraloglog& operator|=(const ultraloglog& other) {
    merge(other);
    return *this;
  }
  friend ultraloglog operator|(const ultraloglog& a, const ultraloglog& b) { return ultraloglog(a.core_ | b.core_); }

  /// The exact fold to precision Q ≤ P (hash4j's downsize): equal to the
  /// sketch built at Q from the same keys. O(m).
  template <unsigned Q>
  ultraloglog<Q, Hasher, Allocator> reduce() const {
    static_assert(Q <= P, "hashsketch: reduce<Q>() needs Q <= P (precision cannot grow)");
    return ultraloglog<Q, Hasher, Allocator>(core_.template reduce<Q>());
  }

  /// The HyperLogLog of the same keys, exactly (register = the largest rank u:
  /// byte >> 2 + 2 − P, 0 when empty). O(m); a sparse sketch gives a sparse
  /// hyperloglog from its tokens (the max rank per index26), O(n).
  hyperloglog<P, Hasher, Allocator> to_hyperloglog() const {
    hyperloglog<P, Hasher, Allocator> out(core_.hasher(), core_.get_allocator());
    if (core_.is_sparse()) {
      std::vector<std::uint32_t> tokens;
      detail::sparse_access::for_each_token(core_, [&](std::uint32_t t) { tokens.push_back(t); });
      detail::sparse_access::merge_tokens(out, tokens.data(), tokens.size());
      return out;
    }
    const register_view regs = core_.registers();
    std::uint8_t* dst = detail::register_access::data(out);
    for (std::size_t i = 0; i < register_count; ++i) {
      const unsigned r = regs[i];
      dst[i] = static_cast<std::uint8_t>(r == 0 ? 0u : (r >> 2) + 2u - P);
    }
    detail::register_access::registers_changed(out);
    return out;
  }

  // --- state ---------------------------------------------------------------

  /// The m register bytes in hash4j's stored encoding (equal, byte for byte,
  /// to hash4j's getState() for the same hashes). Dense: an O(1) view.
  /// Sparse: a view owning registers materialised from the tokens, O(n + m),
  /// allocates (std::bad_alloc) — as hyperloglog's registers().
  register_view registers() const { return core_.registers(); }
  /// True when nothing was added. O(1) after adds, O(m) after a merge.
  bool empty() const noexcept { return core_.empty(); }
  /// Back to the empty sketch: sparse, its memory released (keeps the
  /// hasher). O(1).
  void clear() noexcept { core_.clear(); }
  /// True in the sparse state (tokens, no registers yet). O(1).
  bool is_sparse() const noexcept { return core_.is_sparse(); }
  /// Forces the dense state; the registers are exactly those the same keys
  /// give a dense sketch. O(n + m) when sparse. Throws std::bad_alloc (the
  /// sketch is then unchanged).
  void densify() { core_.densify(); }
  /// Bytes in use: sizeof(*this) + the heap held (token store, or the m
  /// registers + summary). O(1).
  std::size_t memory_bytes() const noexcept { return core_.memory_bytes(); }
  const Hasher& hasher() const noexcept { return core_.hasher(); }
  allocator_type get_allocator() const noexcept { return core_.get_allocator(); }
  /// The register core (its state, memory_bytes(), refresh(), …).
  const core_type& core() const noexcept { return core_; }

  /// The probability that the next new distinct key changes a register
  /// (hash4j's getStateChangeProbability(): Σ of per-register probabilities
  /// in units of 2^−64, summed mod 2^64, then rounded to double; 1 when
  /// empty). O(m) (sparse: over materialised registers, O(n + m), allocates).
  double state_change_probability() const {
    const register_view regs = core_.registers();
    std::uint64_t sum = 0;
    for (std::uint8_t r : regs) sum += scaled_change_probability(r);
    if (sum == 0 && regs[0] == 0) return 1.0;
    return static_cast<double>(sum) * 0x1p-64;
  }

  // --- serialisation (docs/FORMAT.md, kind 4) ------------------------------

  /// The native format: the 24-byte header of basic_sketch with kind 4,
  /// encoding 0 (dense), addressing 1 (top bits / leading zeros), then the m
  /// register bytes in hash4j's encoding, then XXH64. 24 + m + 8 bytes.
  std::vector<std::uint8_t> serialize() const { return core_.serialize(encoding::dense); }
  static constexpr std::size_t serialized_size() noexcept { return core_type::serialized_size(); }
  /// The header fields of this type's native image, with `h`'s seed.
  static detail::native_dense_id native_id(const Hasher& h) noexcept { return core_type::native_id(h); }
  /// Reads serialize()'s bytes; never reads outside [data, data + size).
  /// Throws format_error naming the defect (truncation, magic, version, kind,
  /// precision, encoding, hasher, seed, layout, length, a byte that no
  /// register can hold at this P, checksum, trailing bytes).
  static ultraloglog deserialize(const void* data, std::size_t size) {
    return deserialize(data, size, Hasher{}, Allocator{});
  }
  static ultraloglog deserialize(const void* data, std::size_t size, const Hasher& expected,
                                 const Allocator& alloc = Allocator{}) {
    return ultraloglog(core_type::deserialize(data, size, expected, alloc));
  }

  /// True when r is a byte some register can hold at this precision: 0,
  /// 4P − 4 (rank 1), 4P or 4P + 2 (rank 2), or 4P + 4 … 255 (rank ≥ 3).
  static constexpr bool valid_register(unsigned r) noexcept {
    return detail::ull_registers::valid_value<P, leading_zeros_addressing>(r);
  }

  friend bool operator==(const ultraloglog& a, const ultraloglog& b) { return a.core_ == b.core_; }
  friend bool operator!=(const ultraloglog& a, const ultraloglog& b) { return !(a == b); }

 private:
  template <unsigned, class, class>
  friend class ultraloglog;
  template <class>
  friend struct detail::martingale_traits;

  // A sketch holding `core`'s state (reduce, operator|, deserialize).
  explicit ultraloglog(core_type&& core) noexcept : core_(std::move(core)) {}

  /// hash4j's per-register state change probability scaled by 2^64: an empty
  /// register changes with 1/m; a register with u = t − P + 2 changes when a
  /// hash brings a rank > u (2^−u) or a missing u − 1 (2^−(u−1)) or u − 2
  /// (2^−(u−2)); in units of 2^−64/m. Written with explicit shift counts (the
  /// Java original relies on counts mod 64).
  static std::uint64_t scaled_change_probability(std::uint8_t reg) noexcept {
    const unsigned r = reg;
    if (r == 0) return std::uint64_t{1} << (64u - P);
    const unsigned k = (r >> 2) + 1u - P;  // = u − 1, in [0, 64 − P] for valid bytes
    const std::uint64_t missing = ((r & 2u) | ((r & 1u) << 2)) ^ 7u;
    return (missing << (63u - k)) >> P;  // unsigned: the shift out of 64 bits is the mod 2^64 of the definition
  }

  core_type core_;
};

inline double ull_family::estimate(const std::array<std::uint32_t, 256>& counts, std::size_t m, unsigned) noexcept {
  return detail::ull_math::fgra_estimate(counts.data(), 63u - detail::clz64_nonzero(m));
}

inline double ull_family::estimate(const detail::ull_registers::summary_type& sum,
                                   const std::array<std::uint32_t, 256>& h, std::size_t m) noexcept {
  const unsigned p = 63u - detail::clz64_nonzero(m);
  std::int64_t c0 = 0;
  for (unsigned r = 0; r < 4 * p - 4; ++r) c0 += h[r];
  return detail::ull_math::fgra_finish(detail::ull_registers::summary_value(sum), c0, h[4 * p - 4], h[4 * p],
                                       h[4 * p + 2], h[252], h[253], h[254], h[255], p);
}

template <unsigned P, class H, class A>
double ultraloglog<P, H, A>::estimate(ull_estimator e) const noexcept {
  // Sparse: the token estimate (docs/sparse.md); dense after adds: FGRA from
  // the core's running sum, O(P).
  if (core_.is_sparse() || (e == ull_estimator::fgra && core_.current())) return core_.estimate();
  if (e == ull_estimator::fgra && !core_.current() && detail::ull_kernels().pass_is_faster) {
    // Right after a merge: one SIMD pass over the registers (gathers from
    // the contribution table) instead of a histogram (detail::ull_pass_*).
    static const std::array<double, 256> table = detail::ull_math::pass_table(P);
    static const std::array<std::uint8_t, 8> special = detail::ull_math::special_bytes(P);
    return detail::ull_math::fgra_estimate(
        detail::ull_kernels().fgra_pass(core_.registers().data(), register_count, table.data(), special.data()), P);
  }
  const std::array<std::uint32_t, 256> h = core_.histogram();  // dense: no allocation
  return e == ull_estimator::ml ? detail::ull_math::ml_estimate(h.data(), P)
                                : detail::ull_math::fgra_estimate(h.data(), P);
}

template <unsigned P, class H, class A>
interval ultraloglog<P, H, A>::confidence_interval(double confidence) const {
  if (!(confidence > 0.0 && confidence < 1.0)) throw std::invalid_argument("hashsketch: confidence must be in (0, 1)");
  if (core_.is_sparse()) return core_.confidence_interval(confidence);
  const std::array<std::uint32_t, 256> h = core_.histogram();
  const double e = estimate();  // the same value estimate() returns, also right after a merge
  const double z = detail::normal_quantile_two_sided(confidence);
  const double spread = z * relative_standard_error();
  const double non_empty = static_cast<double>(register_count - h[0]);
  double lower = std::max(std::max(e / (1.0 + spread), non_empty), 0.0);
  const double upper = e == 0.0        ? 0.0
                       : spread < 1.0 ? std::max(e / (1.0 - spread), lower)
                                      : std::numeric_limits<double>::infinity();
  return interval{std::min(lower, e), e, upper};
}

HASHSKETCH_PIN_NAMESPACE_END

}  // namespace hashsketch

#endif  // HASHSKETCH_ULTRALOGLOG_HPP
