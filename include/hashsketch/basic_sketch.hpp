#ifndef HASHSKETCH_BASIC_SKETCH_HPP
#define HASHSKETCH_BASIC_SKETCH_HPP

// basic_sketch: the one register-sketch core behind hyperloglog, loglog and
// superloglog (and the Redis / DataSketches layouts). It owns m = 2^P one-byte
// registers, a hasher policy, an addressing policy and a histogram of register
// values; a Family type supplies only the estimator and the serialised kind.
// Users name the aliases (hyperloglog<14>), not this template.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "addressing.hpp"
#include "detail/aligned_allocator.hpp"
#include "detail/bytes.hpp"
#include "detail/kernel_table.hpp"
#include "detail/key_overloads.hpp"
#include "detail/native_format.hpp"
#include "detail/stats.hpp"
#include "errors.hpp"
#include "estimators.hpp"
#include "hash.hpp"
#include "key_traits.hpp"

namespace hashsketch {

/// A confidence interval around an estimate: lower ≤ estimate ≤ upper.
struct interval {
  double lower, estimate, upper;
};

// Pinned builds (HASHSKETCH_PIN_ISA) get their own basic_sketch symbols:
// its members call the pinned kernels (detail/kernel_table.hpp).
HASHSKETCH_PIN_NAMESPACE_BEGIN
template <class Family, unsigned P, class Hasher, class Allocator, class Addressing>
class basic_sketch;
HASHSKETCH_PIN_NAMESPACE_END

namespace detail {
// is_integer_key, is_byte_like, hasher_hashes_floating: detail/key_overloads.hpp.

/// Write access to a sketch's registers for the library's own codecs and
/// kernels (Redis / DataSketches readers, merge_all). Users never need it:
/// anything written must be a valid register value (≤ max_rank), and
/// registers_changed() must be called afterwards so the histogram (and the
/// maintained estimate) is rebuilt.
struct register_access {
  template <class Sketch>
  static std::uint8_t* data(Sketch& s) noexcept {
    return s.registers_.data();
  }
  template <class Sketch>
  static void registers_changed(Sketch& s) noexcept {
    s.rebuild_histogram();
  }
  /// Marks the histogram stale without a pass (the next estimate recomputes it).
  template <class Sketch>
  static void registers_changed_lazily(Sketch& s) noexcept {
    s.histogram_valid_ = false;
  }
};
}  // namespace detail

/// The register range returned by registers(): read-only, contiguous, a
/// non-owning view (pointer + size) into the sketch; all members O(1).
class register_view {
 public:
  register_view(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}
  const std::uint8_t* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  const std::uint8_t* begin() const noexcept { return data_; }
  const std::uint8_t* end() const noexcept { return data_ + size_; }
  std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

/// The register sketch: m = 2^P one-byte registers, each the largest rank
/// seen among the keys the addressing policy sends to it.
///
/// Memory: m + 64 bytes of registers on the allocator, 64-byte aligned (16 KiB
/// at P = 14, 64 KiB at P = 16), plus a 256-byte histogram and the hasher
/// inside the object; no other allocation after construction.
/// Error: relative standard error Family::relative_standard_error(m)
/// (1.04/√m for HyperLogLog: 6.5 % at P = 8, 1.6 % at P = 12, 0.81 % at
/// P = 14, 0.41 % at P = 16), with |bias| ≤ 0.25·RSE for every n from 0 to
/// 10^12 (tests/hyperloglog_accuracy_test).
/// Thread-safety: none inside. Any number of threads may call const members
/// concurrently while no thread modifies the sketch (const members never
/// write, not even a cache); add, merge, clear and assignment need exclusive
/// access. Sketches are values: copy them per thread and merge the copies.
HASHSKETCH_PIN_NAMESPACE_BEGIN
template <class Family, unsigned P, class Hasher, class Allocator, class Addressing>
class basic_sketch {
  static_assert(P >= 4 && P <= 16, "hashsketch: precision P must be in 4..16");
  static_assert(std::is_same<typename std::allocator_traits<Allocator>::value_type, std::uint8_t>::value,
                "hashsketch: the allocator must allocate std::uint8_t");
  // register_histogram has one counter per value 0..63; a layout whose ranks
  // reached 64 would index past it (update, the kernels' histogram pass).
  static_assert(Addressing::max_rank(P) < std::tuple_size<register_histogram>::value,
                "hashsketch: the addressing policy's max_rank(P) must fit the 64-slot register histogram");

 public:
  using family_type = Family;
  using hasher_type = Hasher;
  using allocator_type = Allocator;
  using addressing_type = Addressing;
  using hash_type = typename Hasher::result_type;

  /// Precision: m = 2^P registers.
  static constexpr unsigned precision = P;
  /// m, the number of one-byte registers (memory: m bytes + 256 bytes of histogram).
  static constexpr std::size_t register_count = std::size_t{1} << P;
  /// The largest register value of this layout (65 − P for the default one).
  static constexpr std::uint8_t max_rank = Addressing::max_rank(P);

  /// An empty sketch. Allocates m bytes. Throws what the allocator throws.
  explicit basic_sketch(const Hasher& hasher = Hasher{}, const Allocator& alloc = Allocator{})
      : registers_(register_count, std::uint8_t{0}, register_allocator(alloc)), hasher_(hasher) {
    reset_summary();
  }

  /// Copies: equal, independent sketches (allocates m bytes).
  basic_sketch(const basic_sketch&) = default;
  basic_sketch& operator=(const basic_sketch&) = default;
  /// Takes other's registers; other is left a valid empty sketch with its
  /// hasher (every member works on it, as on a new one). To do that it
  /// receives m fresh zero bytes from its allocator: the move allocates and
  /// may throw what the allocator throws, leaving other unchanged.
  basic_sketch(basic_sketch&& other)
      : registers_(register_count, std::uint8_t{0}, other.registers_.get_allocator()),
        histogram_(other.histogram_),
        stats_(other.stats_),
        estimate_(other.estimate_),
        histogram_valid_(other.histogram_valid_),
        hasher_(other.hasher_) {
    registers_.swap(other.registers_);  // equal allocators: a pointer swap
    other.clear();
  }
  /// Takes other's registers and hasher by exchanging register arrays (no
  /// allocation); other is left a valid empty sketch with its own hasher. O(m).
  basic_sketch& operator=(basic_sketch&& other) noexcept {
    if (this != &other) {
      if (std::allocator_traits<Allocator>::propagate_on_container_swap::value ||
          registers_.get_allocator() == other.registers_.get_allocator())
        registers_.swap(other.registers_);
      else  // unequal allocators that do not travel: copy the m bytes instead
        std::copy(other.registers_.begin(), other.registers_.end(), registers_.begin());
      histogram_ = other.histogram_;
      stats_ = other.stats_;
      estimate_ = other.estimate_;
      histogram_valid_ = other.histogram_valid_;
      hasher_ = other.hasher_;
      other.clear();
    }
    return *this;
  }
  ~basic_sketch() = default;

  /// Explicit conversion between sketch families over the same registers
  /// (hyperloglog ⇄ loglog ⇄ superloglog): the registers are copied unchanged,
  /// only the estimator differs — the honest way to compare estimators.
  template <class OtherFamily, std::enable_if_t<!std::is_same<OtherFamily, Family>::value, int> = 0>
  explicit basic_sketch(const basic_sketch<OtherFamily, P, Hasher, Allocator, Addressing>& other)
      : registers_(other.registers_), histogram_(other.histogram_), histogram_valid_(other.histogram_valid_),
        hasher_(other.hasher_) {
    // The histogram carries over; the estimate is this family's, not other's.
    if (histogram_valid_) summary_from_histogram();
  }

  // --- adding -------------------------------------------------------------
  // All O(1) (add_many O(n)); never allocate; not thread-safe (one writer).

  /// Adds an integer key of any width and signedness, hashed by the hasher's
  /// own rule for that type where it has one (murmur3_128_hasher widens as
  /// DataSketches' update(int32_t) etc. do), else as the value converted to
  /// std::uint64_t, whose 8 little-endian bytes are hashed (xxh3_hasher:
  /// signed types sign-extend, unsigned zero-extend). bool is not a key.
  template <class Int, std::enable_if_t<detail::is_integer_key<Int>::value, int> = 0>
  void add(Int key) noexcept {
    add_hash(hasher_(key));
  }
  /// Adds an enumeration value as its underlying integer (as add(Int)).
  template <class Enum, std::enable_if_t<std::is_enum<Enum>::value, int> = 0>
  void add(Enum key) noexcept {
    add(static_cast<std::underlying_type_t<Enum>>(key));
  }
  /// Adds a floating-point key, only where the hasher defines a floating rule
  /// (Hasher::hashes_floating: DataSketches' canonical double, −0.0 → +0.0,
  /// one NaN; float as the double it converts to). Elsewhere it is deleted:
  /// converting 3.2 and 3.9 to the integer 3 would make them one key.
  template <class Float, std::enable_if_t<std::is_floating_point<Float>::value &&
                                              detail::hasher_hashes_floating<Hasher, Float>::value,
                                          int> = 0>
  void add(Float key) noexcept {
    add_hash(hasher_(key));
  }
  template <class Float, std::enable_if_t<std::is_floating_point<Float>::value &&
                                              !detail::hasher_hashes_floating<Hasher, Float>::value,
                                          int> = 0>
  void add(Float key) = delete;
  /// bool and nullptr are not keys (a bool would hash as 0/1, nullptr as a
  /// null string): deleted, so `add(flag)` and `add(nullptr)` do not compile.
  template <class B, std::enable_if_t<std::is_same<B, bool>::value || std::is_same<B, std::nullptr_t>::value, int> = 0>
  void add(B) = delete;
  /// Adds the bytes of a string.
  void add(std::string_view key) noexcept { add_hash(hasher_(key.data(), key.size())); }
  /// Adds the bytes [data, data + size) as one key. Only character and byte
  /// pointers are accepted: `add(keys.data(), keys.size())` with integer keys
  /// would hash their bytes as a single key, so it does not compile (use
  /// add_many, or a loop of add, for n keys).
  void add(const char* data, std::size_t size) noexcept { add_hash(hasher_(data, size)); }
  void add(const unsigned char* data, std::size_t size) noexcept { add_hash(hasher_(data, size)); }
  void add(const signed char* data, std::size_t size) noexcept { add_hash(hasher_(data, size)); }
  void add(const std::byte* data, std::size_t size) noexcept { add_hash(hasher_(data, size)); }
  /// add(nullptr, size): the hasher's rule for null data (murmur3_128_hasher
  /// ignores it, as DataSketches does; xxh3_hasher needs size == 0).
  void add(std::nullptr_t, std::size_t size) noexcept { add_hash(hasher_(static_cast<const void*>(nullptr), size)); }
  template <class T, std::enable_if_t<!detail::is_byte_like<T>::value, int> = 0>
  void add(const T*, std::size_t) {
    static_assert(detail::is_byte_like<T>::value,
                  "hashsketch: add(pointer, size) hashes size bytes as ONE key and takes only char, unsigned char, "
                  "signed char or std::byte pointers; for an array of n integer keys call add_many(keys, n) or "
                  "add(keys[i]) in a loop");
  }
  /// Adds a user type through its key_traits<T> specialisation (key_traits.hpp):
  /// the named fields' canonical bytes are hashed as one key, never padding.
  /// Allocates only for keys encoded in more than 256 bytes.
  template <class T, std::enable_if_t<detail::has_key_traits<T>::value, int> = 0>
  void add(const T& key) {
    detail::with_key_bytes(key, [this](const void* data, std::size_t size) { add_hash(hasher_(data, size)); });
  }
  /// Adds an already hashed value (the caller guarantees uniform hash bits).
  void add_hash(hash_type hash) noexcept {
    std::size_t index;
    std::uint8_t rank;
    Addressing::template locate<P>(hash, index, rank);
    update(index, rank);
  }
  /// Same result as n add() calls, register for register. With the default
  /// hasher and layout (xxh3_hasher, leading_zeros_addressing) the keys are
  /// hashed by the SIMD kernels, several per instruction; a batch of at least
  /// m/4 keys then updates registers without branches and rebuilds the
  /// histogram once at the end (O(n + m)), a smaller one keeps it current key
  /// by key. Other policies: a plain loop of add().
  void add_many(const std::uint64_t* keys, std::size_t n) noexcept {
    if constexpr (std::is_same<Hasher, xxh3_hasher>::value && std::is_same<Addressing, leading_zeros_addressing>::value) {
      add_many_xxh3(keys, n);
    } else {
      for (std::size_t i = 0; i < n; ++i) add(keys[i]);
    }
  }

  // --- estimating ---------------------------------------------------------

  /// The cardinality estimate of the family's default estimator.
  /// Cost while the summary is current (current(): the sketch was only added
  /// to, or refresh() ran since the last merge): O(1) for HyperLogLog with the
  /// default and Redis layouts — add() keeps the estimate itself current
  /// whenever a register changes (exactly the value a recomputation gives,
  /// from exact integer register_stats) — and O(q) from the maintained
  /// histogram for the other families and DataSketches' layout (q = 62).
  /// Right after a merge the registers are read once: HyperLogLog needs only
  /// register_stats (one SIMD pass, a few µs at P = 16), other families a
  /// histogram pass. Nothing is cached by this const method, so concurrent
  /// readers never race; the price is that every estimate() after a merge
  /// pays that pass until refresh() (or the next register change) brings the
  /// summary current.
  double estimate() const noexcept {
    if constexpr (maintains_estimate) {
      if (histogram_valid_) return estimate_;
    }
    return estimate_impl();
  }

  /// HyperLogLog only: the estimate of a chosen estimator.
  template <class F = Family, std::enable_if_t<F::has_estimator_choice, int> = 0>
  double estimate(estimator e) const noexcept {
    return estimate_impl(e);
  }

  /// The family's relative standard error at this P (1.04/√m for HyperLogLog).
  static constexpr double relative_standard_error() noexcept { return Family::relative_standard_error(register_count); }

  /// A two-sided interval that holds the true cardinality n with probability
  /// ≈ `confidence`: the n with |estimate/n − 1| ≤ z·RSE, i.e.
  /// [estimate/(1 + z·RSE), estimate/(1 − z·RSE)], z the two-sided normal
  /// quantile — symmetric in relative error (upper is +∞ when z·RSE ≥ 1, only
  /// at P = 4 with confidence above 0.9999). The lower end is clamped to the
  /// number of non-empty registers (each one proves a distinct item) and never
  /// goes below 0; an empty sketch gives {0, 0, 0}. Measured coverage at
  /// confidence 0.95: 94–96 % for n ≥ 20·m at every P, more (up to 99 %)
  /// below ≈ 5·m, where the estimator beats its asymptotic RSE
  /// (tests/hyperloglog_accuracy_test).
  /// O(q) after adds, O(m) after a merge. Throws std::invalid_argument unless
  /// 0 < confidence < 1.
  interval confidence_interval(double confidence = 0.95) const {
    if (!(confidence > 0.0 && confidence < 1.0))
      throw std::invalid_argument("hashsketch: confidence must be in (0, 1)");
    double e;
    std::size_t zeros;
    if constexpr (uses_stats) {
      const register_stats st = current_stats();
      e = histogram_valid_ ? estimate_ : Family::estimate(st, register_count, max_rank - 1u);
      zeros = st.zeros;
    } else {
      const register_histogram h = current_histogram();
      e = Family::estimate(h, register_count, max_rank - 1u);
      zeros = h[0];
    }
    const double z = detail::normal_quantile_two_sided(confidence);
    const double spread = z * relative_standard_error();
    const double non_empty = static_cast<double>(register_count - zeros);
    // Inverting the relative-error band for n, rather than its first-order
    // form e·(1 ± z·RSE), keeps small sketches calibrated: 94.5 % instead of
    // 92.9 % coverage at P = 4, n = 50·m (identical for large m).
    double lower = std::max(e / (1.0 + spread), non_empty);
    lower = std::max(lower, 0.0);
    const double upper = e == 0.0        ? 0.0
                         : spread < 1.0 ? std::max(e / (1.0 - spread), lower)
                                        : std::numeric_limits<double>::infinity();
    return interval{std::min(lower, e), e, upper};
  }

  // --- merging ------------------------------------------------------------

  /// Union: register-wise max, exact (the result equals the sketch of A ∪ B).
  /// O(m), SIMD. Throws incompatible_sketch_error if the hashers differ.
  void merge(const basic_sketch& other) {
    check_compatible(other.hasher_);
    detail::kernels().merge_max(registers_.data(), other.registers_.data(), register_count);
    histogram_valid_ = false;
  }
  /// Union with a finer sketch (Q > P): folds it to P into our registers
  /// without a temporary; equal to merge(other.reduce<P>()).
  template <unsigned Q>
  void merge(const basic_sketch<Family, Q, Hasher, Allocator, Addressing>& finer) {
    static_assert(Q > P, "hashsketch: merge a coarser sketch into the finer one's reduce<>() instead");
    check_compatible(finer.hasher_);
    Addressing::fold(Q, finer.registers_.data(), P, registers_.data());
    histogram_valid_ = false;
  }
  /// merge(other); returns *this. O(m). Throws incompatible_sketch_error.
  basic_sketch& operator|=(const basic_sketch& other) {
    merge(other);
    return *this;
  }
  /// The union of a and b as a new sketch (allocates m bytes with a's
  /// allocator; a and b are only read). O(m). Throws incompatible_sketch_error
  /// if the hashers differ.
  friend basic_sketch operator|(const basic_sketch& a, const basic_sketch& b) {
    a.check_compatible(b.hasher_);
    basic_sketch out(a.hasher_, a.get_allocator());
    detail::kernels().merge_max_into(out.registers_.data(), a.registers_.data(), b.registers_.data(), register_count);
    out.histogram_valid_ = false;
    return out;
  }

  /// The exact fold to precision Q ≤ P: equal to the sketch built at Q from the
  /// same keys. O(m).
  template <unsigned Q>
  basic_sketch<Family, Q, Hasher, Allocator, Addressing> reduce() const {
    static_assert(Q <= P, "hashsketch: reduce<Q>() needs Q <= P (precision cannot grow)");
    basic_sketch<Family, Q, Hasher, Allocator, Addressing> out(hasher_, get_allocator());
    Addressing::fold(P, registers_.data(), Q, out.registers_.data());
    out.rebuild_histogram();
    return out;
  }

  // --- state --------------------------------------------------------------

  /// The m registers, read-only and contiguous (register i = data()[i]); the
  /// view is valid while the sketch lives and sees later changes. O(1).
  register_view registers() const noexcept { return register_view(registers_.data(), registers_.size()); }
  /// True when nothing was added. O(1) after adds, O(m) after a merge.
  bool empty() const noexcept { return current_histogram()[0] == register_count; }
  /// Back to the empty sketch (keeps the hasher and the memory). O(m), no
  /// allocation.
  void clear() noexcept {
    std::fill(registers_.begin(), registers_.end(), std::uint8_t{0});
    reset_summary();
  }
  /// Brings the maintained summary (register histogram, and for HyperLogLog
  /// register_stats and the estimate) current after a merge or a codec read
  /// left it stale, so that estimate(), confidence_interval(), histogram()
  /// and empty() stop paying a register pass on every call. One pass over the
  /// m registers when stale (a few µs at P = 16), O(1) otherwise; never
  /// changes a register or a result, only what they cost. Non-const: needs
  /// exclusive access like add(). parallel_add and merge_all return their
  /// result current; merge(), operator|= and operator| do not (a loop of
  /// merges would pay one pass per merge).
  void refresh() noexcept {
    if (!histogram_valid_) rebuild_histogram();
  }
  /// True when the maintained summary is current (after adds, clear(),
  /// refresh(), deserialize()), false after a merge until refresh() or the
  /// next register change. Tells what estimate() costs, never what it returns.
  bool current() const noexcept { return histogram_valid_; }
  /// The hasher, with its seed, that keys are hashed with. O(1).
  const Hasher& hasher() const noexcept { return hasher_; }
  /// A copy of the allocator the registers live on. O(1).
  allocator_type get_allocator() const noexcept { return registers_.get_allocator().inner(); }
  /// The register histogram (counts[v] = registers holding v).
  register_histogram histogram() const noexcept { return current_histogram(); }

  // --- serialisation (docs/FORMAT.md) -------------------------------------

  /// The native binary format (docs/FORMAT.md): 24-byte header, m register
  /// bytes, XXH64 checksum; independent of the host. O(m), allocates
  /// serialized_size() bytes. Equal sketches give equal bytes.
  std::vector<std::uint8_t> serialize() const {
    return detail::write_native_dense(native_id(hasher_), registers_.data());
  }
  /// Bytes serialize() writes: 24 + m + 8 (48 at P = 4, 65 568 at P = 16).
  static constexpr std::size_t serialized_size() noexcept {
    return format::header_size + register_count + format::checksum_size;
  }
  /// The header fields of this type's native image, with `h`'s seed.
  static detail::native_dense_id native_id(const Hasher& h) noexcept {
    return {Family::kind_id, Family::name, P,          Hasher::id, Hasher::name,
            Addressing::id,  Addressing::name, h.seed(), register_count};
  }

  /// Reads a sketch written by serialize(). Expects the default hasher
  /// (seed 0 for xxh3_hasher); use the overload to expect another seed.
  /// Never reads outside [data, data + size); throws format_error naming the
  /// defect: truncation, bad magic, unknown version / kind / encoding, other
  /// precision / hasher / seed / layout, a register above max_rank, checksum
  /// mismatch, trailing bytes. O(m); allocates m bytes.
  static basic_sketch deserialize(const void* data, std::size_t size) {
    return deserialize(data, size, Hasher{}, Allocator{});
  }
  static basic_sketch deserialize(const void* data, std::size_t size, const Hasher& expected,
                                  const Allocator& alloc = Allocator{}) {
    const unsigned char* payload = detail::read_native_dense(data, size, native_id(expected));
    basic_sketch out(expected, alloc);
    for (std::size_t i = 0; i < register_count; ++i) {
      if (payload[i] > max_rank)
        throw format_error("register " + std::to_string(i) + " holds " + std::to_string(payload[i]) +
                           ", above the maximum rank " + std::to_string(max_rank));
      out.registers_[i] = payload[i];
    }
    out.rebuild_histogram();
    return out;
  }

  /// Equal hashers and equal registers.
  friend bool operator==(const basic_sketch& a, const basic_sketch& b) {
    return a.hasher_ == b.hasher_ && a.registers_ == b.registers_;
  }
  friend bool operator!=(const basic_sketch& a, const basic_sketch& b) { return !(a == b); }

 private:
  template <class, unsigned, class, class, class>
  friend class basic_sketch;
  friend struct detail::register_access;

  void update(std::size_t index, std::uint8_t rank) noexcept {
    std::uint8_t& reg = registers_[index];
    if (rank > reg) {
      // Keep the summary current so estimate() is O(1). A merge leaves it
      // stale; the first register change after that (a non-const path, so no
      // race with readers) rebuilds it once, and later estimates are O(1)
      // again. Until then a const estimate() recomputes without caching.
      if (!histogram_valid_) rebuild_histogram();
      --histogram_[reg];
      ++histogram_[rank];
      if constexpr (maintains_estimate) {
        // register_stats by its definition: C_0 loses the old value if it was
        // 0, `weighted` loses 2^(q−old) for 1 ≤ old ≤ q (old < rank ≤ q + 1,
        // so old ≤ q) and gains 2^(q−rank) unless rank = q + 1 (saturated).
        // Integer arithmetic, so stats_ equals a recount exactly and the
        // estimate below is bit for bit the one estimate_impl() computes.
        constexpr unsigned q = max_rank - 1u;
        if (reg == 0)
          --stats_.zeros;
        else
          stats_.weighted -= std::uint64_t{1} << (q - reg);
        if (rank > q)
          ++stats_.saturated;
        else
          stats_.weighted += std::uint64_t{1} << (q - rank);
        // O(1) apart from Ertl's σ/τ series (a few to ~20 steps while
        // registers are still empty or saturated); register changes become
        // rare once n ≫ m, so adds pay this seldom.
        estimate_ = Family::estimate(stats_, register_count, q);
      }
      reg = rank;
    }
  }

  void rebuild_histogram() noexcept {
    detail::kernels().register_histogram(registers_.data(), register_count, histogram_.data());
    histogram_valid_ = true;
    summary_from_histogram();
  }

  // The empty sketch's summary: every register 0.
  void reset_summary() noexcept {
    histogram_.fill(0);
    histogram_[0] = static_cast<std::uint32_t>(register_count);
    histogram_valid_ = true;
    summary_from_histogram();
  }

  // stats_ and estimate_ from a current histogram_. O(q).
  void summary_from_histogram() noexcept {
    if constexpr (maintains_estimate) {
      stats_ = stats_of(histogram_, max_rank - 1u);
      estimate_ = Family::estimate(stats_, register_count, max_rank - 1u);
    }
  }

  // HyperLogLog's estimators read only register_stats; when they fit 64 bits
  // for this layout (not DataSketches' q = 62) every estimate goes through
  // them, whichever summary is current, so the result never depends on it.
  static constexpr bool uses_stats =
      detail::family_has_stats_estimate<Family>::value && register_stats_fit(register_count, max_rank - 1u);
  // Those sketches also keep register_stats and the default estimate current
  // on every register change (stats_, estimate_), so estimate() is O(1).
  // Other families keep only the histogram: their estimators need all of it.
  static constexpr bool maintains_estimate = uses_stats;

  register_stats current_stats() const noexcept {
    if (histogram_valid_) return maintains_estimate ? stats_ : stats_of(histogram_, max_rank - 1u);
    register_stats st;
    detail::kernels().register_stats(registers_.data(), register_count, max_rank - 1u, &st);
    return st;
  }

  template <class... E>
  double estimate_impl(E... e) const noexcept {
    if constexpr (uses_stats)
      return Family::estimate(current_stats(), register_count, max_rank - 1u, e...);
    else
      return Family::estimate(current_histogram(), register_count, max_rank - 1u, e...);
  }

  void add_many_xxh3(const std::uint64_t* keys, std::size_t n) noexcept {
    const detail::kernel_table& k = detail::kernels();
    if (!histogram_valid_ || n >= register_count / 4) {
      // Branch-free bulk update; the histogram is brought current once (also
      // after a merge left it stale, as add() does).
      k.xxh3_max_update(registers_.data(), P, keys, n, hasher_.seed());
      rebuild_histogram();
      return;
    }
    std::uint64_t hashes[256];
    for (std::size_t i = 0; i < n; i += 256) {
      const std::size_t len = n - i < 256 ? n - i : 256;
      k.xxh3_batch(keys + i, len, hasher_.seed(), hashes);
      for (std::size_t j = 0; j < len; ++j) add_hash(hashes[j]);
    }
  }

  register_histogram current_histogram() const noexcept {
    if (histogram_valid_) return histogram_;
    register_histogram h;
    detail::kernels().register_histogram(registers_.data(), register_count, h.data());
    return h;
  }

  void check_compatible(const Hasher& other) const {
    if (!(hasher_ == other))
      throw incompatible_sketch_error(std::string("hashers differ (") + Hasher::name + " seed " +
                                      std::to_string(hasher_.seed()) + " vs seed " + std::to_string(other.seed()) +
                                      "): the same key lands in different registers");
  }

  // 64-byte aligned (a cache line) whatever the user's allocator aligns to,
  // every byte still from that allocator (detail/aligned_allocator.hpp).
  using register_allocator = detail::aligned_allocator<Allocator, 64>;
  std::vector<std::uint8_t, register_allocator> registers_;
  register_histogram histogram_;
  // Maintained with histogram_ when maintains_estimate (else unused): exact
  // register_stats of the registers and Family's default estimate of them.
  // Valid exactly when histogram_valid_ is. Any copy or move of a sketch must
  // carry all four summary members together.
  register_stats stats_{};
  double estimate_ = 0.0;
  bool histogram_valid_ = true;
  Hasher hasher_;
};
HASHSKETCH_PIN_NAMESPACE_END

}  // namespace hashsketch

#endif  // HASHSKETCH_BASIC_SKETCH_HPP
