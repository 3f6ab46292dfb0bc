#ifndef HASHSKETCH_BASIC_SKETCH_HPP
#define HASHSKETCH_BASIC_SKETCH_HPP

// basic_sketch: the one register-sketch core behind hyperloglog, loglog and
// superloglog (and the Redis / DataSketches layouts). It owns a hasher policy,
// an addressing policy and one of two storage pieces: a token store while
// small (the sparse state, detail/token_store.hpp) or m = 2^P one-byte
// registers with a histogram of register values (the dense state); a Family
// type supplies only the estimator and the serialised kind (docs/sparse.md),
// a Registers policy the register semantics (detail/register_policy.hpp: max
// registers for the HyperLogLog family, hash4j's byte union for
// ultraloglog): update, merge kernels, fold, histogram bins.
// Users name the aliases (hyperloglog<14>), not this template.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "addressing.hpp"
#include "detail/aligned_allocator.hpp"
#include "detail/bytes.hpp"
#include "detail/kernel_table.hpp"
#include "detail/key_overloads.hpp"
#include "detail/native_format.hpp"
#include "detail/register_policy.hpp"
#include "detail/stats.hpp"
#include "detail/token_store.hpp"
#include "detail/tokens.hpp"
#include "errors.hpp"
#include "estimators.hpp"
#include "format.hpp"
#include "hash.hpp"
#include "key_traits.hpp"

// Out-of-line paths of add() (issue 16, add <= 1.1x the XXH3 + max loop):
// inlined, the register change (histogram, stats, estimate, ULL's running
// sum) and the sparse insert took the registers of the caller's loop (g++ -O2
// re-materialised XXH3's multiplier every key) and kept clang from inlining
// add() at all. noinline, not `cold`: g++ compiles a cold function for size,
// and there the maintained LogLog estimate came out a few ulps away from the
// same estimator run on the histogram (tests/sparse_test.cpp caught it).
#if defined(__GNUC__) || defined(__clang__)
#define HASHSKETCH_DETAIL_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define HASHSKETCH_DETAIL_NOINLINE __declspec(noinline)
#else
#define HASHSKETCH_DETAIL_NOINLINE
#endif

namespace hashsketch {

/// A confidence interval around an estimate: lower ≤ estimate ≤ upper.
struct interval {
  double lower, estimate, upper;
};

// Pinned builds (HASHSKETCH_PIN_ISA) get their own basic_sketch symbols:
// its members call the pinned kernels (detail/kernel_table.hpp).
HASHSKETCH_PIN_NAMESPACE_BEGIN
template <class Family, unsigned P, class Hasher, class Allocator, class Addressing,
          class Registers = detail::hll_registers>
class basic_sketch;
HASHSKETCH_PIN_NAMESPACE_END

namespace detail {
// is_integer_key, is_byte_like, hasher_hashes_floating: detail/key_overloads.hpp.

/// Whether an addressing policy has the token half of the contract
/// (addressing.hpp: token(), locate_token<P>()). A policy without it still
/// works: its sketches start empty without registers and allocate them at
/// the first add (no sparse state).
template <class Addressing, class Hash, class = void>
struct has_token_addressing : std::false_type {};
template <class Addressing, class Hash>
struct has_token_addressing<
    Addressing, Hash,
    std::void_t<decltype(Addressing::token(std::declval<const Hash&>())),
                decltype(Addressing::template locate_token<4>(std::uint32_t{}, std::declval<std::size_t&>(),
                                                               std::declval<std::uint8_t&>()))>> : std::true_type {};

/// Whether a token store keeps every distinct token rather than the largest
/// rank per index26 (a store with a `keep_every_rank` constant that is true).
template <class Store, class = void>
struct store_keeps_every_rank : std::false_type {};
template <class Store>
struct store_keeps_every_rank<Store, std::enable_if_t<Store::keep_every_rank>> : std::true_type {};

/// Write access to a sketch's registers for the library's own codecs and
/// kernels (Redis / DataSketches readers, merge_all). Users never need it:
/// anything written must be a valid register value (≤ max_rank), and
/// registers_changed() must be called afterwards so the histogram (and the
/// maintained estimate) is rebuilt. data() densifies a sparse sketch first
/// (may throw std::bad_alloc), so whatever a codec builds through it is dense.
struct register_access {
  template <class Sketch>
  static std::uint8_t* data(Sketch& s) {
    s.densify();
    return s.dense_registers();
  }
  /// For a reader that writes every one of the m registers next (a dense
  /// Redis string, a DataSketches HLL image of the sketch's own precision):
  /// a sketch that holds nothing becomes dense without the zero fill (the
  /// fill was a third of from_redis's time), else as data(). If the reader
  /// throws before it wrote them all, the sketch must be discarded (the
  /// readers write into a sketch of their own, which they then destroy).
  template <class Sketch>
  static std::uint8_t* data_for_overwrite(Sketch& s) {
    if (s.is_sparse() && s.tokens_.size() == 0) {
      s.dense_.block = Sketch::allocate_block(s.dense_.allocator());  // registers uninitialised
      s.histogram_valid_ = false;
      return s.dense_registers();
    }
    return data(s);
  }
  template <class Sketch>
  static void registers_changed(Sketch& s) noexcept {
    if (!s.is_sparse()) s.rebuild_histogram();
  }
  /// Marks the histogram stale without a pass (the next estimate recomputes it).
  template <class Sketch>
  static void registers_changed_lazily(Sketch& s) noexcept {
    if (!s.is_sparse()) s.histogram_valid_ = false;
  }
};

/// The registers of every empty sparse sketch, at every P (m ≤ 2^16): zero,
/// 64-byte aligned, in static storage (zero-initialised, so it costs no file
/// bytes). registers() of an empty sparse sketch points here: O(1), no
/// allocation, the same view on every call.
alignas(64) inline const std::uint8_t zero_registers[std::size_t{1} << 16] = {};

/// Token access for the codecs that read or write sparse images (DataSketches
/// LIST/SET, the native sparse encoding). Tokens are the addressing policy's
/// (index26 << 6 | rank26 − 1, addressing.hpp); a dense sketch has none.
struct sparse_access {
  template <class Sketch>
  static bool is_sparse(const Sketch& s) noexcept {
    return s.is_sparse();
  }
  /// Every token, ascending, one per index26 (nothing for a dense sketch).
  template <class Sketch, class F>
  static void for_each_token(const Sketch& s, F&& f) {
    s.tokens_.for_each(std::forward<F>(f));
  }
  /// Only while never_flushed(s): the distinct tokens in first-seen order.
  template <class Sketch, class F>
  static void for_each_token_in_insertion_order(const Sketch& s, F&& f) {
    s.tokens_.for_each_in_insertion_order(std::forward<F>(f));
  }
  template <class Sketch>
  static bool never_flushed(const Sketch& s) noexcept {
    return s.tokens_.never_flushed();
  }
  /// s becomes sparse with exactly t[0..n) (ascending, one per index26,
  /// every rank a rank of s's layout at precision 26), or dense with the
  /// registers of those tokens when they exceed the sparse limit. Throws
  /// std::invalid_argument for tokens out of order or out of range (s is
  /// then unchanged), std::bad_alloc.
  template <class Sketch>
  static void assign_tokens(Sketch& s, const std::uint32_t* t, std::size_t n) {
    s.assign_tokens(t, n);
  }
  /// Unites tokens t[0..n) (any order, any precision's sketch of the same
  /// layout and hasher) into s, in either state: as merging a sketch that
  /// holds them. Tokens must be key tokens of s's layout.
  template <class Sketch>
  static void merge_tokens(Sketch& s, const std::uint32_t* t, std::size_t n) {
    s.merge_token_array(t, n);
  }
  /// Distinct index26 values held (0 for a dense sketch). O(1) when the
  /// store is flushed, O(n) otherwise.
  template <class Sketch>
  static std::size_t token_count(const Sketch& s) noexcept {
    return s.tokens_.count_distinct();
  }
};
}  // namespace detail

/// The register range returned by registers(): read-only and contiguous.
/// Of a dense sketch it is a non-owning view (pointer + size) into the
/// sketch; of a sparse one it owns a materialised copy (shared, so copies of
/// the view are O(1)). All members O(1).
class register_view {
 public:
  register_view(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}
  register_view(std::shared_ptr<const std::uint8_t> owned, std::size_t size) noexcept
      : data_(owned.get()), size_(size), owner_(std::move(owned)) {}
  const std::uint8_t* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  const std::uint8_t* begin() const noexcept { return data_; }
  const std::uint8_t* end() const noexcept { return data_ + size_; }
  std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }
  /// True when the view holds its own materialised copy (the sketch was
  /// sparse): it then does not see later changes of the sketch.
  bool owns_copy() const noexcept { return owner_ != nullptr; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::shared_ptr<const std::uint8_t> owner_;
};

/// The register sketch: m = 2^P one-byte registers, each (with the default
/// Registers = detail::hll_registers) the largest rank seen among the keys
/// the addressing policy sends to it; detail::ull_registers makes them
/// UltraLogLog registers (ultraloglog.hpp).
///
/// Two states (docs/sparse.md). A new sketch is SPARSE: it keeps one 32-bit
/// token per distinct precision-26 index (the addressing policy's token(),
/// addressing.hpp) in a token store, allocates nothing until its first
/// tokens overflow the store's in-object buffer, and estimates by linear
/// counting over the 2^26 token buckets (near exact: |estimate − n| ≤
/// max(1, 10^-3·n) in 99 % of trials for n ≤ 10^4). When the store's heap
/// bytes would exceed m (sparse_limit_bytes) it PROMOTES itself, once, in
/// O(n + m), to the DENSE state: m registers + a 280-byte summary
/// (histogram, register_stats, estimate) in one 64-byte-aligned heap block.
/// Promotion is lossless: the registers are exactly those of a sketch that
/// was dense from its first key (locate_token<P>(token(h)) == locate<P>(h)).
/// A sketch never returns to sparse on its own (clear() and assignment do).
///
/// Memory: memory_bytes() — sizeof(*this) + the heap in use: ≤ 4 bytes per
/// distinct key + 64 in the sparse state (token store), m + 280 + 64
/// alignment slack bytes dense (16 728 at P = 14, 65 880 at P = 16).
/// Error: sparse, near exact (above); dense, relative standard error
/// Family::relative_standard_error(m) (1.04/√m for HyperLogLog: 6.5 % at
/// P = 8, 1.6 % at P = 12, 0.81 % at P = 14, 0.41 % at P = 16), with |bias| ≤
/// 0.25·RSE for every n from 0 to 10^12 (tests/hyperloglog_accuracy_test).
/// Thread-safety: none inside. Any number of threads may call const members
/// concurrently while no thread modifies the sketch (const members never
/// write, not even a cache: registers() of a sparse sketch materialises a
/// private copy); add, merge, clear and assignment need exclusive access.
/// Sketches are values: copy them per thread and merge the copies.
HASHSKETCH_PIN_NAMESPACE_BEGIN
template <class Family, unsigned P, class Hasher, class Allocator, class Addressing, class Registers>
class basic_sketch {
  static_assert(P >= 4 && P <= 16, "hashsketch: precision P must be in 4..16");
  static_assert(std::is_same<typename std::allocator_traits<Allocator>::value_type, std::uint8_t>::value,
                "hashsketch: the allocator must allocate std::uint8_t");
  // The histogram has one counter per register value; a layout whose ranks
  // reached past it would index out of it (update, the kernels' histogram pass).
  static_assert(Addressing::max_rank(P) < std::tuple_size<typename Registers::histogram_type>::value,
                "hashsketch: the addressing policy's max_rank(P) must fit the register histogram");

 public:
  using family_type = Family;
  using hasher_type = Hasher;
  using allocator_type = Allocator;
  using addressing_type = Addressing;
  /// The register semantics (detail/register_policy.hpp): max for HyperLogLog.
  using registers_type = Registers;
  /// counts[v] = registers holding v (64 bins for max registers, 256 for ULL).
  using histogram_type = typename Registers::histogram_type;
  using hash_type = typename Hasher::result_type;

  /// Precision: m = 2^P registers.
  static constexpr unsigned precision = P;
  /// m, the number of one-byte registers of the dense state.
  static constexpr std::size_t register_count = std::size_t{1} << P;
  /// The largest register value of this layout (65 − P for the default one).
  static constexpr std::uint8_t max_rank = Addressing::max_rank(P);
  /// The promotion rule: a sparse sketch becomes dense as soon as its token
  /// store's heap bytes exceed this (m, the dense register bytes), i.e. at
  /// ≈ m/4 distinct keys for a plain 4-byte-token store (fewer bytes per
  /// token: later).
  static constexpr std::size_t sparse_limit_bytes = register_count;

  /// An empty sketch, in the sparse state. Allocates nothing; O(1).
  explicit basic_sketch(const Hasher& hasher = Hasher{}, const Allocator& alloc = Allocator{}) noexcept
      : tokens_(alloc), dense_(alloc), hasher_(hasher) {}

  /// Copies: equal, independent sketches in the same state (allocates what
  /// the source holds on the heap). Throws what the allocator throws.
  basic_sketch(const basic_sketch& other)
      : tokens_(other.tokens_),
        dense_(std::allocator_traits<Allocator>::select_on_container_copy_construction(other.dense_.allocator())),
        hasher_(other.hasher_),
        histogram_valid_(other.histogram_valid_) {
    copy_dense_block(other.dense_.block);
  }
  /// Copy assignment: strong guarantee (on a throw *this is unchanged).
  basic_sketch& operator=(const basic_sketch& other) {
    if (this == &other) return *this;
    constexpr bool propagate = std::allocator_traits<Allocator>::propagate_on_container_copy_assignment::value;
    const Allocator target = propagate ? other.dense_.allocator() : dense_.allocator();
    const bool reuse = dense_.block != nullptr && other.dense_.block != nullptr && target == dense_.allocator();
    std::uint8_t* fresh = nullptr;
    if (other.dense_.block != nullptr && !reuse) fresh = allocate_block(target);
    try {
      tokens_ = other.tokens_;
    } catch (...) {
      if (fresh != nullptr) deallocate_block(target, fresh);
      throw;
    }
    if (!reuse) {
      free_block();
      dense_.block = fresh;
    }
    if (dense_.block != nullptr) std::memcpy(dense_.block, other.dense_.block, block_bytes);
    dense_.allocator() = target;
    hasher_ = other.hasher_;
    histogram_valid_ = other.histogram_valid_;
    return *this;
  }
  /// Takes other's contents (no allocation, O(1)); other is left a valid
  /// empty sparse sketch with its hasher (every member works on it, as on a
  /// new one).
  basic_sketch(basic_sketch&& other) noexcept
      : tokens_(other.dense_.allocator()),
        dense_(other.dense_.allocator()),
        hasher_(other.hasher_),
        histogram_valid_(other.histogram_valid_) {
    // Stores are exchanged, never moved: both keep an allocator equal to
    // the sketch's (a moved-from store might get a default-constructed one).
    tokens_.swap(other.tokens_);
    dense_.block = other.dense_.block;
    other.dense_.block = nullptr;
    other.histogram_valid_ = true;
  }
  /// Takes other's contents; other is left a valid empty sparse sketch with
  /// its own hasher. No allocation and noexcept when the allocators are equal
  /// or propagate; otherwise other's contents are copied into this sketch's
  /// memory (may throw, strong guarantee).
  basic_sketch& operator=(basic_sketch&& other) noexcept(
      std::allocator_traits<Allocator>::propagate_on_container_move_assignment::value ||
      std::allocator_traits<Allocator>::is_always_equal::value) {
    if (this == &other) return *this;
    constexpr bool propagate = std::allocator_traits<Allocator>::propagate_on_container_move_assignment::value;
    if (propagate || dense_.allocator() == other.dense_.allocator()) {
      free_block();
      if constexpr (propagate) {
        // Move assignments carry the allocators along (POCMA).
        dense_.allocator() = other.dense_.allocator();
        tokens_ = std::move(other.tokens_);
        other.tokens_ = store_type(other.dense_.allocator());
      } else {
        tokens_.swap(other.tokens_);  // equal allocators
        other.reset_tokens();
      }
      dense_.block = other.dense_.block;
      other.dense_.block = nullptr;
      hasher_ = other.hasher_;
      histogram_valid_ = other.histogram_valid_;
    } else {
      *this = static_cast<const basic_sketch&>(other);
    }
    other.clear();
    return *this;
  }
  ~basic_sketch() { free_block(); }

  /// Explicit conversion between sketch families over the same registers
  /// (hyperloglog ⇄ loglog ⇄ superloglog): the state (tokens or registers)
  /// is copied unchanged, only the estimator differs — the honest way to
  /// compare estimators.
  template <class OtherFamily, std::enable_if_t<!std::is_same<OtherFamily, Family>::value, int> = 0>
  explicit basic_sketch(const basic_sketch<OtherFamily, P, Hasher, Allocator, Addressing, Registers>& other)
      : tokens_(other.tokens_),
        dense_(std::allocator_traits<Allocator>::select_on_container_copy_construction(other.dense_.allocator())),
        hasher_(other.hasher_),
        histogram_valid_(other.histogram_valid_) {
    copy_dense_block(other.dense_.block);
    // The histogram carries over; the estimate is this family's, not other's.
    if (dense_.block != nullptr && histogram_valid_) summary_from_histogram();
  }

  // --- adding -------------------------------------------------------------
  // All O(1) amortised (add_many O(n)); not thread-safe (one writer). Dense:
  // never allocate. Sparse: the token store may allocate, and the add that
  // crosses sparse_limit_bytes promotes (O(n + m), allocates the dense
  // block); they throw std::bad_alloc (or what the allocator throws) only
  // then, and the sketch stays valid, holding every key added before.

  /// Adds an integer key of any width and signedness, hashed by the hasher's
  /// own rule for that type where it has one (murmur3_128_hasher widens as
  /// DataSketches' update(int32_t) etc. do), else as the value converted to
  /// std::uint64_t, whose 8 little-endian bytes are hashed (xxh3_hasher:
  /// signed types sign-extend, unsigned zero-extend). bool is not a key.
  template <class Int, std::enable_if_t<detail::is_integer_key<Int>::value, int> = 0>
  void add(Int key) {
    add_hash(hasher_(key));
  }
  /// Adds an enumeration value as its underlying integer (as add(Int)).
  template <class Enum, std::enable_if_t<std::is_enum<Enum>::value, int> = 0>
  void add(Enum key) {
    add(static_cast<std::underlying_type_t<Enum>>(key));
  }
  /// Adds a floating-point key, only where the hasher defines a floating rule
  /// (Hasher::hashes_floating: DataSketches' canonical double, −0.0 → +0.0,
  /// one NaN; float as the double it converts to). Elsewhere it is deleted:
  /// converting 3.2 and 3.9 to the integer 3 would make them one key.
  template <class Float, std::enable_if_t<std::is_floating_point<Float>::value &&
                                              detail::hasher_hashes_floating<Hasher, Float>::value,
                                          int> = 0>
  void add(Float key) {
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
  void add(std::string_view key) { add_hash(hasher_(key.data(), key.size())); }
  /// Adds the bytes [data, data + size) as one key. Only character and byte
  /// pointers are accepted: `add(keys.data(), keys.size())` with integer keys
  /// would hash their bytes as a single key, so it does not compile (use
  /// add_many, or a loop of add, for n keys).
  void add(const char* data, std::size_t size) { add_hash(hasher_(data, size)); }
  void add(const unsigned char* data, std::size_t size) { add_hash(hasher_(data, size)); }
  void add(const signed char* data, std::size_t size) { add_hash(hasher_(data, size)); }
  void add(const std::byte* data, std::size_t size) { add_hash(hasher_(data, size)); }
  /// add(nullptr, size): the hasher's rule for null data (murmur3_128_hasher
  /// ignores it, as DataSketches does; xxh3_hasher needs size == 0).
  void add(std::nullptr_t, std::size_t size) { add_hash(hasher_(static_cast<const void*>(nullptr), size)); }
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
  void add_hash(hash_type hash) {
    if constexpr (has_tokens) {
      if (dense_.block == nullptr) {
        add_token(Addressing::token(hash));
        return;
      }
    } else {
      if (dense_.block == nullptr) promote();  // no sparse state for this layout
    }
    std::size_t index;
    std::uint8_t rank;
    Addressing::template locate<P>(hash, index, rank);
    update(index, rank);
  }
  /// Same result as n add() calls, register for register and state for state
  /// (the promotion happens at the same key). With the default hasher and
  /// layout (xxh3_hasher, leading_zeros_addressing) the keys are hashed by
  /// the SIMD kernels, several per instruction; in the dense state a batch of
  /// at least m/4 keys then updates registers without branches and rebuilds
  /// the histogram once at the end (O(n + m)), a smaller one keeps it current
  /// key by key. Other policies: a plain loop of add().
  void add_many(const std::uint64_t* keys, std::size_t n) {
    if constexpr (std::is_same<Hasher, xxh3_hasher>::value && std::is_same<Addressing, leading_zeros_addressing>::value) {
      add_many_xxh3(keys, n);
    } else {
      for (std::size_t i = 0; i < n; ++i) add(keys[i]);
    }
  }

  // --- estimating ---------------------------------------------------------

  /// The cardinality estimate.
  /// Sparse state (every family): linear counting over the 2^26 token
  /// buckets, −2^26·ln(1 − k/2^26) for k distinct tokens (detail/tokens.hpp):
  /// near exact; O(1) when the token store is flushed (current()), else one
  /// pass over the tokens (nothing is written).
  /// Dense state: the family's default estimator. Cost while the summary is
  /// current (current(): the sketch was only added to, or refresh() ran since
  /// the last merge): O(1) for HyperLogLog with the default and Redis layouts
  /// — add() keeps the estimate itself current whenever a register changes
  /// (exactly the value a recomputation gives, from exact integer
  /// register_stats) — and O(q) from the maintained histogram for the other
  /// families and DataSketches' layout (q = 62). Right after a merge the
  /// registers are read once: HyperLogLog needs only register_stats (one SIMD
  /// pass, a few µs at P = 16), other families a histogram pass. Nothing is
  /// cached by this const method, so concurrent readers never race; the
  /// price is that every estimate() after a merge pays that pass until
  /// refresh() (or the next register change) brings the summary current.
  double estimate() const noexcept {
    if (is_sparse()) return sparse_estimate();
    if constexpr (maintains_estimate) {
      if (histogram_valid_) return header().estimate;
    }
    if constexpr (Registers::has_summary) {
      // O(q): the family's estimate from the running summary and the histogram.
      if (histogram_valid_) return Family::estimate(header().summary, header().histogram, register_count);
    }
    return estimate_impl();
  }

  /// HyperLogLog only: the estimate of a chosen estimator over the dense
  /// registers. In the sparse state there are no registers to estimate from:
  /// every estimator gives the sparse-state estimate (estimate()).
  template <class F = Family, std::enable_if_t<F::has_estimator_choice, int> = 0>
  double estimate(estimator e) const noexcept {
    if (is_sparse()) return sparse_estimate();
    return estimate_impl(e);
  }

  /// The family's relative standard error at this P (1.04/√m for HyperLogLog)
  /// — the dense state's; the sparse state is far tighter (sd ≈ n/11 585).
  static constexpr double relative_standard_error() noexcept { return Family::relative_standard_error(register_count); }

  /// A two-sided interval that holds the true cardinality n with probability
  /// ≈ `confidence`; an empty sketch gives {0, 0, 0}. Throws
  /// std::invalid_argument unless 0 < confidence < 1.
  ///
  /// Sparse state: estimate ± z·sd with sd² = 2^26·(e^t − t − 1), t =
  /// estimate/2^26, the linear-counting variance (detail/tokens.hpp); the
  /// lower end is at least k, the number of distinct tokens (each proves a
  /// distinct key). The true n differs from k only by the keys hidden by
  /// index collisions, a count ≈ Poisson(n̂ − k) (≈ n²/2^27): the upper end is
  /// k + that Poisson's quantile at 1 − (1 − confidence)/2 where that is wider
  /// than the normal band (always at small n: one hidden key is as likely as
  /// λ, e.g. 4 % at n = 2 300). O(1) when flushed, else one pass over the tokens.
  ///
  /// Dense state: the n with |estimate/n − 1| ≤ z·RSE, i.e.
  /// [estimate/(1 + z·RSE), estimate/(1 − z·RSE)], z the two-sided normal
  /// quantile — symmetric in relative error (upper is +∞ when z·RSE ≥ 1, only
  /// at P = 4 with confidence above 0.9999). The lower end is clamped to the
  /// number of non-empty registers (each one proves a distinct item) and never
  /// goes below 0. Measured coverage at confidence 0.95: 94–96 % for n ≥ 20·m
  /// at every P, more (up to 99 %) below ≈ 5·m, where the estimator beats its
  /// asymptotic RSE (tests/hyperloglog_accuracy_test). O(q) after adds, O(m)
  /// after a merge.
  interval confidence_interval(double confidence = 0.95) const {
    if (!(confidence > 0.0 && confidence < 1.0))
      throw std::invalid_argument("hashsketch: confidence must be in (0, 1)");
    const double z = detail::normal_quantile_two_sided(confidence);
    if (is_sparse()) {
      const std::size_t k = tokens_.count_distinct();
      const double e = detail::token_estimate(k);
      const double half = z * std::sqrt(detail::token_estimate_variance(e));
      const double lower = std::min(std::max(e - half, static_cast<double>(k)), e);
      return interval{lower, e, detail::token_interval_upper(k, e, half, confidence)};
    }
    double e;
    std::size_t zeros;
    if constexpr (uses_stats) {
      const register_stats st = current_stats();
      e = histogram_valid_ ? header().estimate : Family::estimate(st, register_count, max_rank - 1u);
      zeros = st.zeros;
    } else {
      const histogram_type h = current_histogram();
      e = Family::estimate(h, register_count, max_rank - 1u);
      zeros = h[0];
    }
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
  // States: sparse ∪ sparse stays sparse while the union fits
  // sparse_limit_bytes (else it promotes); a dense operand makes the result
  // dense (a sparse one's tokens are applied to the registers, O(n)).

  /// Union: exact (the result equals the sketch of A ∪ B, register for
  /// register). Dense ∪ dense: O(m), SIMD; with a sparse operand O(n) (+ a
  /// promotion). Throws incompatible_sketch_error if the hashers differ;
  /// std::bad_alloc when it needs memory (strong guarantee).
  void merge(const basic_sketch& other) {
    check_compatible(other.hasher_);
    if (other.is_sparse()) {
      merge_tokens(other.tokens_);
      return;
    }
    densify();
    Registers::merge(dense_registers(), other.dense_registers(), register_count);
    histogram_valid_ = false;
  }
  /// Union with a finer sketch (Q > P): equal to merge(other.reduce<P>()).
  /// Tokens carry no precision, so a sparse finer sketch merges into a sparse
  /// one by token union; a dense one is folded to P into our registers
  /// without a temporary.
  template <unsigned Q>
  void merge(const basic_sketch<Family, Q, Hasher, Allocator, Addressing, Registers>& finer) {
    static_assert(Q > P, "hashsketch: merge a coarser sketch into the finer one's reduce<>() instead");
    check_compatible(finer.hasher_);
    if (finer.is_sparse()) {
      merge_tokens(finer.tokens_);
      return;
    }
    densify();
    Registers::template fold<Addressing>(Q, finer.dense_registers(), P, dense_registers());
    histogram_valid_ = false;
  }
  /// merge(other); returns *this. Throws as merge().
  basic_sketch& operator|=(const basic_sketch& other) {
    merge(other);
    return *this;
  }
  /// The union of a and b as a new sketch (on a's allocator; a and b are
  /// only read), in the state merge() gives. Throws incompatible_sketch_error
  /// if the hashers differ, std::bad_alloc.
  friend basic_sketch operator|(const basic_sketch& a, const basic_sketch& b) {
    a.check_compatible(b.hasher_);
    if (a.is_sparse() || b.is_sparse()) {
      // Start from the dense operand, if any: its tokens-free copy is cheap
      // to merge the other's tokens into.
      basic_sketch out(a.is_sparse() ? b : a);
      out.merge(a.is_sparse() ? a : b);
      return out;
    }
    basic_sketch out(a.hasher_, a.get_allocator());
    out.dense_.block = allocate_block(out.dense_.allocator());
    Registers::merge_into(out.dense_registers(), a.dense_registers(), b.dense_registers(), register_count);
    out.histogram_valid_ = false;
    return out;
  }

  /// The exact fold to precision Q ≤ P: equal to the sketch built at Q from
  /// the same keys. Sparse: the same tokens (they carry no precision), sparse
  /// while they fit the smaller sketch's limit, O(n); dense: O(m).
  template <unsigned Q>
  basic_sketch<Family, Q, Hasher, Allocator, Addressing, Registers> reduce() const {
    static_assert(Q <= P, "hashsketch: reduce<Q>() needs Q <= P (precision cannot grow)");
    using out_type = basic_sketch<Family, Q, Hasher, Allocator, Addressing, Registers>;
    out_type out(hasher_, get_allocator());
    if (is_sparse()) {
      if (tokens_.heap_bytes() <= out_type::sparse_limit_bytes) {
        out.tokens_ = tokens_;
        if (out.tokens_.heap_bytes() <= out_type::sparse_limit_bytes) return out;
      }
      out.reset_tokens();
      out.dense_.block = out_type::allocate_block(out.dense_.allocator());
      std::memset(out.dense_.block, 0, out_type::register_count);
      apply_tokens<Q>(tokens_, out.dense_registers());
      out.rebuild_histogram();
      return out;
    }
    out.dense_.block = out_type::allocate_block(out.dense_.allocator());
    std::memset(out.dense_.block, 0, out_type::register_count);
    Registers::template fold<Addressing>(P, dense_registers(), Q, out.dense_registers());
    out.rebuild_histogram();
    return out;
  }

  // --- state --------------------------------------------------------------

  /// True in the sparse state (tokens, no registers yet). O(1).
  bool is_sparse() const noexcept { return dense_.block == nullptr; }
  /// Forces the dense state (for the fastest adds from the start:
  /// `s.densify()` right after construction). O(n + m) when sparse — the
  /// registers are exactly those the same keys give a dense sketch — O(1)
  /// when dense. Throws std::bad_alloc (the sketch is then unchanged).
  void densify() {
    if (is_sparse()) promote();
  }
  /// Bytes in use: sizeof(*this) + every heap byte held (token store, or the
  /// dense block with its 64 bytes of alignment slack). O(1).
  std::size_t memory_bytes() const noexcept {
    return sizeof(*this) + tokens_.heap_bytes() + (is_sparse() ? 0 : block_bytes + block_allocator::alignment);
  }

  /// The m registers, read-only and contiguous (register i = data()[i]).
  /// Dense: a view into the sketch, O(1), valid while the sketch lives and
  /// stays dense (clear() and assignment free the registers), seeing later
  /// changes. Sparse: a view owning a materialised copy — O(n + m), allocates
  /// m + 64 bytes from the sketch's allocator (std::bad_alloc), does not see
  /// later changes, does not change the sketch (it stays sparse; call
  /// densify() first to keep registers). So take the view once, not per
  /// register: `s.registers()[i]` in a loop over i is O(m) per call while
  /// sparse. Empty and sparse: a view of static zero registers (O(1), no
  /// allocation, the same on every call).
  register_view registers() const {
    if (!is_sparse()) return register_view(dense_registers(), register_count);
    if (tokens_.size() == 0) return register_view(detail::zero_registers, register_count);
    return register_view(materialise(), register_count);
  }
  /// True when nothing was added. O(1) after adds and while sparse, O(m)
  /// after a merge into a dense sketch.
  bool empty() const noexcept { return is_sparse() ? tokens_.size() == 0 : current_histogram()[0] == register_count; }
  /// Back to the empty sketch: sparse, its memory released (keeps the
  /// hasher). O(1), no allocation.
  void clear() noexcept {
    free_block();
    reset_tokens();
    histogram_valid_ = true;
  }
  /// Brings the maintained summary current, so that estimate(),
  /// confidence_interval(), histogram() and empty() stop paying a pass on
  /// every call: dense after a merge or a codec read, the register histogram
  /// (and for HyperLogLog register_stats and the estimate), one pass over the
  /// m registers (a few µs at P = 16); sparse, the token store's insertion
  /// buffer is merged into its sorted part (if memory is short for that it
  /// stays as it is: only costs depend on it). O(1) when current. Never
  /// changes a register, a token or a result, only what they cost.
  /// Non-const: needs exclusive access like add(). parallel_add and merge_all
  /// return their result current; merge(), operator|= and operator| do not
  /// (a loop of merges would pay one pass per merge).
  void refresh() noexcept {
    if (is_sparse()) {
      try {
        tokens_.flush(sparse_limit_bytes);
      } catch (...) {  // only the allocator can throw here; the buffer stays valid
      }
      return;
    }
    if (!histogram_valid_) rebuild_histogram();
  }
  /// True when the maintained summary is current: dense, after adds,
  /// refresh(), deserialize(), false after a merge until refresh() or the
  /// next register change; sparse, when the token store is flushed (no
  /// buffered tokens). Tells what estimate() costs, never what it returns.
  bool current() const noexcept { return is_sparse() ? tokens_.flushed() : histogram_valid_; }
  /// The hasher, with its seed, that keys are hashed with. O(1).
  const Hasher& hasher() const noexcept { return hasher_; }
  /// A copy of the allocator the sketch's memory comes from. O(1).
  allocator_type get_allocator() const noexcept { return dense_.allocator(); }
  /// The register histogram (counts[v] = registers holding v). Dense: O(q)
  /// when current, O(m) after a merge. Sparse: O(n + m) over materialised
  /// registers (allocates m + 64 bytes; std::bad_alloc).
  histogram_type histogram() const {
    if (!is_sparse()) return current_histogram();
    const register_view regs = registers();
    histogram_type h;
    Registers::histogram(regs.data(), register_count, h.data());
    return h;
  }

  // --- serialisation (docs/FORMAT.md) -------------------------------------

  /// The native binary format (docs/FORMAT.md) in encoding `e` (format.hpp).
  /// The default, automatic, is the smallest lossless one (since 0.2.0;
  /// pass encoding::dense for the version-1 bytes 0.1 reads): a sparse
  /// sketch's tokens (encoding::sparse, ≈ 2.0–3.0 bytes per key for
  /// 100 ≤ n ≤ 10^4), a dense sketch's registers as the smaller of dense and
  /// dense_compact. dense: format version 1, 24 + m + 8 bytes, the bytes
  /// hashsketch 0.1 writes and reads; dense_compact: the registers rANS-coded
  /// (≈ 0.36 byte per register at n ≫ m). Either of these of a sparse sketch
  /// writes its materialised registers (it reads back dense); sparse of a
  /// dense sketch throws std::invalid_argument. Independent of the host;
  /// equal sketches in the same state give equal bytes. O(n) sparse, O(m)
  /// dense (automatic and dense_compact run the rANS coder, ≈ 200 MB/s).
  std::vector<std::uint8_t> serialize(encoding e = encoding::automatic) const {
    if (is_sparse() && (e == encoding::automatic || e == encoding::sparse)) {
      std::vector<std::uint32_t> tokens;
      tokens.reserve(tokens_.count_distinct());
      tokens_.for_each([&](std::uint32_t t) { tokens.push_back(t); });
      return detail::write_native(native_id(hasher_), tokens.data(), tokens.size(), encoding::sparse);
    }
    const register_view regs = registers();
    return detail::write_native(native_id(hasher_), regs.data(), e);
  }
  /// Bytes serialize(encoding::dense) writes: 24 + m + 8 (48 at P = 4,
  /// 65 568 at P = 16); serialize(automatic) of a dense sketch never
  /// writes more (a sparse one writes its tokens: see serialize()).
  static constexpr std::size_t serialized_size() noexcept {
    return format::header_size + register_count + format::checksum_size;
  }
  /// The header fields of this type's native image, with `h`'s seed.
  static detail::native_dense_id native_id(const Hasher& h) noexcept {
    return {Family::kind_id, Family::name, P,          Hasher::id, Hasher::name,
            Addressing::id,  Addressing::name, h.seed(), register_count};
  }

  /// Reads a sketch written by serialize() in any encoding (and every
  /// version-1 image): a sparse image gives a sparse sketch (dense if its
  /// tokens exceed the sparse limit), the others a dense one. Expects the
  /// default hasher (seed 0 for xxh3_hasher); use the overload to expect
  /// another seed. Never reads outside [data, data + size); throws
  /// format_error naming the defect: truncation, bad magic, unknown version /
  /// kind / encoding, other precision / hasher / seed / layout, a register
  /// above max_rank, a token rank outside the layout, any payload defect
  /// (docs/FORMAT.md), checksum mismatch, trailing bytes. O(n) or O(m).
  static basic_sketch deserialize(const void* data, std::size_t size) {
    return deserialize(data, size, Hasher{}, Allocator{});
  }
  static basic_sketch deserialize(const void* data, std::size_t size, const Hasher& expected,
                                  const Allocator& alloc = Allocator{}) {
    const detail::native_image image =
        detail::read_native(data, size, native_id(expected), Registers::template max_value<P, Addressing>(),
                            Addressing::max_rank(detail::token_precision));
    if (image.is_sparse()) {
      if (!has_tokens && !image.tokens.empty()) throw format_error("a sparse image, but this layout keeps no tokens");
      basic_sketch out(expected, alloc);
      out.assign_tokens(image.tokens.data(), image.tokens.size());  // read_native checked every rank
      return out;
    }
    const unsigned char* payload = image.registers();
    for (std::size_t i = 0; i < register_count; ++i) {
      if (!Registers::template valid_value<P, Addressing>(payload[i]))
        throw format_error("register " + std::to_string(i) + " holds " + std::to_string(payload[i]) +
                           (std::is_same<Registers, detail::hll_registers>::value
                                ? ", above the maximum rank " + std::to_string(max_rank)
                                : std::string(", which no register of this layout holds at P = ") + std::to_string(P)));
    }
    basic_sketch out(expected, alloc);
    out.dense_.block = allocate_block(out.dense_.allocator());
    std::memcpy(out.dense_.block, payload, register_count);
    out.rebuild_histogram();
    return out;
  }

  /// Equal hashers and equal registers (materialised where sparse), whatever
  /// the states: a sketch equals itself before and after promotion, and a
  /// deserialized copy. Sketches in different states can be equal and still
  /// estimate differently (a sparse one estimates from its finer tokens);
  /// dense sketches that are equal estimate the same. O(1)…O(n + m); a sparse
  /// operand is materialised (allocates, std::bad_alloc) unless both are
  /// sparse with equal tokens.
  friend bool operator==(const basic_sketch& a, const basic_sketch& b) {
    if (!(a.hasher_ == b.hasher_)) return false;
    if (!a.is_sparse() && !b.is_sparse())
      return std::memcmp(a.dense_registers(), b.dense_registers(), register_count) == 0;
    if (a.is_sparse() && b.is_sparse() && a.tokens_ == b.tokens_) return true;
    const register_view ra = a.registers();
    const register_view rb = b.registers();
    return std::memcmp(ra.data(), rb.data(), register_count) == 0;
  }
  friend bool operator!=(const basic_sketch& a, const basic_sketch& b) { return !(a == b); }

 private:
  template <class, unsigned, class, class, class, class>
  friend class basic_sketch;
  friend struct detail::register_access;
  friend struct detail::sparse_access;

  // UltraLogLog registers need every distinct (index26, rank) token (their
  // history bits record ranks k − 1 and k − 2); max registers only the max.
  using store_type = detail::token_store<Allocator, Registers::needs_every_rank>;
  // A sparse state needs the addressing policy's tokens, and a store that
  // keeps every token the register policy tells apart (UltraLogLog needs
  // every (index26, rank) pair, not only the largest rank per index26).
  static constexpr bool has_tokens = detail::has_token_addressing<Addressing, hash_type>::value &&
                                     (!Registers::needs_every_rank || detail::store_keeps_every_rank<store_type>::value);
  // 64-byte aligned (a cache line) whatever the user's allocator aligns to,
  // every byte still from that allocator (detail/aligned_allocator.hpp).
  using block_allocator = detail::aligned_allocator<Allocator, 64>;

  // The dense state's summary, kept in the heap block right after the
  // registers (offset m: a multiple of 16, so it is aligned), not in the
  // object: a sparse sketch does not carry 280 bytes it does not use.
  // histogram/stats/estimate are valid exactly when histogram_valid_ is.
  struct plain_header {
    histogram_type histogram;
    // Maintained with the histogram when maintains_estimate (else unused):
    // exact register_stats of the registers and Family's default estimate.
    register_stats stats;
    double estimate;
  };
  // A register policy with its own running summary (Registers::has_summary:
  // UltraLogLog's FGRA sum) keeps it here too, current with the histogram.
  template <class R, bool = R::has_summary>
  struct header_with_summary : plain_header {
    typename R::summary_type summary;
  };
  template <class R>
  struct header_with_summary<R, false> : plain_header {};
  using dense_header = header_with_summary<Registers>;
  static_assert(std::is_trivially_copyable<dense_header>::value, "the block is copied with memcpy");
  static constexpr std::size_t header_offset = register_count;
  static_assert(header_offset % alignof(dense_header) == 0, "the summary must be aligned in the block");
  static constexpr std::size_t block_bytes = register_count + sizeof(dense_header);

  // The allocator and the block pointer; the allocator by empty-base
  // optimisation when it is stateless (std::allocator: 8 bytes in all).
  template <class A, bool Empty = std::is_empty<A>::value && !std::is_final<A>::value>
  struct block_holder : private A {
    explicit block_holder(const A& a) noexcept : A(a) {}
    const A& allocator() const noexcept { return *this; }
    A& allocator() noexcept { return *this; }
    std::uint8_t* block = nullptr;
  };
  template <class A>
  struct block_holder<A, false> {
    explicit block_holder(const A& a) noexcept : alloc(a) {}
    const A& allocator() const noexcept { return alloc; }
    A& allocator() noexcept { return alloc; }
    A alloc;
    std::uint8_t* block = nullptr;
  };

  // A dense block from `alloc`: registers uninitialised, summary constructed.
  static std::uint8_t* allocate_block(const Allocator& alloc) {
    block_allocator a(alloc);
    std::uint8_t* b = a.allocate(block_bytes);
    ::new (static_cast<void*>(b + header_offset)) dense_header{};
    return b;
  }
  static void deallocate_block(const Allocator& alloc, std::uint8_t* b) noexcept {
    block_allocator a(alloc);
    a.deallocate(b, block_bytes);
  }
  // The constructors' copy of a source's dense block (null: nothing), into a
  // fresh block of this sketch's allocator. The layouts agree: same P and
  // Registers (the family does not change the block). Throws std::bad_alloc;
  // the tokens were copied already, and their member destructor frees them.
  void copy_dense_block(const std::uint8_t* src) {
    if (src == nullptr) return;
    dense_.block = allocate_block(dense_.allocator());
    std::memcpy(dense_.block, src, block_bytes);
  }
  // Empty token store, memory released (a fresh store, moved in: noexcept).
  void reset_tokens() noexcept { store_type(dense_.allocator()).swap(tokens_); }
  void free_block() noexcept {
    if (dense_.block != nullptr) {
      deallocate_block(dense_.allocator(), dense_.block);
      dense_.block = nullptr;
    }
  }
  std::uint8_t* dense_registers() noexcept { return dense_.block; }
  const std::uint8_t* dense_registers() const noexcept { return dense_.block; }
  dense_header& header() noexcept { return *std::launder(reinterpret_cast<dense_header*>(dense_.block + header_offset)); }
  const dense_header& header() const noexcept {
    return *std::launder(reinterpret_cast<const dense_header*>(dense_.block + header_offset));
  }

  // regs[i] = max(regs[i], rank) for every token's (index, rank) at precision Q.
  template <unsigned Q, class Store>
  static void apply_tokens(const Store& tokens, std::uint8_t* regs) {
    if constexpr (has_tokens) {  // else the store is always empty
      tokens.for_each([regs](std::uint32_t t) {
        std::size_t index;
        std::uint8_t rank;
        Addressing::template locate_token<Q>(t, index, rank);
        const std::uint8_t old = regs[index];
        if (Registers::template changes<Q>(old, rank)) regs[index] = Registers::template update<Q>(old, rank);
      });
    }
  }

  // Sparse → dense, O(n + m). Strong guarantee: on a throw nothing changed.
  void promote() {
    std::uint8_t* b = allocate_block(dense_.allocator());
    std::memset(b, 0, register_count);
    const bool none = tokens_.size() == 0;
    try {
      apply_tokens<P>(tokens_, b);
    } catch (...) {
      deallocate_block(dense_.allocator(), b);
      throw;
    }
    dense_.block = b;
    reset_tokens();
    if (none)
      reset_summary();  // all registers 0: no histogram pass (codecs densify empty sketches)
    else
      rebuild_histogram();
  }

  // The summary of all-zero registers. O(q). Dense only.
  void reset_summary() noexcept {
    dense_header& h = header();
    h.histogram.fill(0);
    h.histogram[0] = static_cast<std::uint32_t>(register_count);
    histogram_valid_ = true;
    summary_from_histogram();
  }

  // A sparse sketch's registers as an owned, 64-byte-aligned copy.
  std::shared_ptr<const std::uint8_t> materialise() const {
    struct deleter {
      Allocator alloc;
      void operator()(const std::uint8_t* p) const noexcept {
        block_allocator(alloc).deallocate(const_cast<std::uint8_t*>(p), register_count);
      }
    };
    const Allocator& alloc = dense_.allocator();
    std::uint8_t* regs = block_allocator(alloc).allocate(register_count);
    // shared_ptr calls the deleter if its control block cannot be allocated.
    std::shared_ptr<const std::uint8_t> owned(regs, deleter{alloc}, alloc);
    std::memset(regs, 0, register_count);
    apply_tokens<P>(tokens_, regs);
    return owned;
  }

  HASHSKETCH_DETAIL_NOINLINE void add_token(std::uint32_t token) {
    if (!detail::is_key_token(token)) return;  // the no-hash: no key, no register change
    tokens_.insert(token, sparse_limit_bytes);
    if (tokens_.heap_bytes() > sparse_limit_bytes) promote();
  }

  // Union of tokens into this sketch, in either state.
  void merge_tokens(const store_type& tokens) {
    if (is_sparse()) {
      tokens_.merge(tokens, sparse_limit_bytes);
      if (tokens_.heap_bytes() > sparse_limit_bytes) promote();
      return;
    }
    if constexpr (has_tokens) {  // else the store is always empty
      tokens.for_each([this](std::uint32_t t) {
        std::size_t index;
        std::uint8_t rank;
        Addressing::template locate_token<P>(t, index, rank);
        update(index, rank);
      });
    }
  }

  void merge_token_array(const std::uint32_t* t, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (is_sparse()) {
        add_token(t[i]);
      } else {
        std::size_t index;
        std::uint8_t rank;
        Addressing::template locate_token<P>(t[i], index, rank);
        update(index, rank);
      }
    }
  }

  void assign_tokens(const std::uint32_t* t, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      if (!detail::is_key_token(t[i]) || (t[i] & 63u) + 1u > Addressing::max_rank(detail::token_precision))
        throw std::invalid_argument("hashsketch: token " + std::to_string(t[i]) + " has a rank outside this layout's");
    store_type fresh(dense_.allocator());
    fresh.assign_sorted(t, n, sparse_limit_bytes);
    if (fresh.heap_bytes() > sparse_limit_bytes) {
      // Build the registers before anything changes (strong guarantee).
      std::uint8_t* b = allocate_block(dense_.allocator());
      std::memset(b, 0, register_count);
      apply_tokens<P>(fresh, b);
      free_block();
      reset_tokens();
      dense_.block = b;
      rebuild_histogram();
      return;
    }
    free_block();
    tokens_.swap(fresh);
    histogram_valid_ = true;
  }

  double sparse_estimate() const noexcept { return detail::token_estimate(tokens_.count_distinct()); }

  // The register of `index` after a key of `rank` (Registers' semantics:
  // max for HyperLogLog), with the summary kept current. The fast
  // rejection (HLL: rank > reg; ULL: one mask bit) stays apart from the
  // change itself so that it inlines into the add path even where the
  // compiler keeps change_register out of line (ULL's is larger: the byte
  // union and the running FGRA sum): most adds change nothing.
  void update(std::size_t index, std::uint8_t rank) noexcept {
    std::uint8_t& reg = dense_.block[index];
    if (Registers::template changes<P>(reg, rank)) change_register(reg, rank);
  }
  HASHSKETCH_DETAIL_NOINLINE void change_register(std::uint8_t& reg, std::uint8_t rank) noexcept {
    const std::uint8_t old = reg;
    const std::uint8_t now = Registers::template update<P>(old, rank);
    // Keep the summary current so estimate() is O(1). A merge leaves it
    // stale; the first register change after that (a non-const path, so no
    // race with readers) rebuilds it once, and later estimates are O(1)
    // again. Until then a const estimate() recomputes without caching.
    if (!histogram_valid_) rebuild_histogram();
    dense_header& h = header();
    --h.histogram[old];
    ++h.histogram[now];
    if constexpr (Registers::has_summary) Registers::template summary_change<P>(h.summary, old, now);
    if constexpr (maintains_estimate) {
      static_assert(std::is_same<Registers, detail::hll_registers>::value, "register_stats are of max registers");
      // register_stats by its definition: C_0 loses the old value if it was
      // 0, `weighted` loses 2^(q−old) for 1 ≤ old ≤ q (old < rank ≤ q + 1,
      // so old ≤ q) and gains 2^(q−rank) unless rank = q + 1 (saturated).
      // Integer arithmetic, so stats equals a recount exactly and the
      // estimate below is bit for bit the one estimate_impl() computes.
      constexpr unsigned q = max_rank - 1u;
      if (old == 0)
        --h.stats.zeros;
      else
        h.stats.weighted -= std::uint64_t{1} << (q - old);
      if (now > q)
        ++h.stats.saturated;
      else
        h.stats.weighted += std::uint64_t{1} << (q - now);
      // O(1) apart from Ertl's σ/τ series (a few to ~20 steps while
      // registers are still empty or saturated); register changes become
      // rare once n ≫ m, so adds pay this seldom.
      h.estimate = Family::estimate(h.stats, register_count, q);
    }
    reg = now;
  }

  // Dense only.
  void rebuild_histogram() noexcept {
    Registers::histogram(dense_registers(), register_count, header().histogram.data());
    histogram_valid_ = true;
    summary_from_histogram();
  }

  // stats and estimate from a current histogram. O(q). Dense only.
  void summary_from_histogram() noexcept {
    if constexpr (Registers::has_summary) header().summary = Registers::template summary_of<P>(header().histogram);
    if constexpr (maintains_estimate) {
      dense_header& h = header();
      h.stats = stats_of(h.histogram, max_rank - 1u);
      h.estimate = Family::estimate(h.stats, register_count, max_rank - 1u);
    }
  }

  // HyperLogLog's estimators read only register_stats; when they fit 64 bits
  // for this layout (not DataSketches' q = 62) every estimate goes through
  // them, whichever summary is current, so the result never depends on it.
  static constexpr bool uses_stats =
      detail::family_has_stats_estimate<Family>::value && register_stats_fit(register_count, max_rank - 1u);
  // Those sketches also keep register_stats and the default estimate current
  // on every register change, so estimate() is O(1).
  // Other families keep only the histogram: their estimators need all of it.
  static constexpr bool maintains_estimate = uses_stats;

  // Dense only.
  register_stats current_stats() const noexcept {
    if (histogram_valid_) return maintains_estimate ? header().stats : stats_of(header().histogram, max_rank - 1u);
    register_stats st;
    detail::kernels().register_stats(dense_registers(), register_count, max_rank - 1u, &st);
    return st;
  }

  // Dense only.
  template <class... E>
  double estimate_impl(E... e) const noexcept {
    if constexpr (uses_stats)
      return Family::estimate(current_stats(), register_count, max_rank - 1u, e...);
    else
      return Family::estimate(current_histogram(), register_count, max_rank - 1u, e...);
  }

  void add_many_xxh3(const std::uint64_t* keys, std::size_t n) {
    const detail::kernel_table& k = detail::kernels();
    std::uint64_t hashes[256];
    std::size_t i = 0;
    // Sparse: tokens key by key, until a promotion (at the key add() would
    // promote at); the rest of that batch then goes to the registers.
    while (i < n && is_sparse()) {
      const std::size_t len = n - i < 256 ? n - i : 256;
      k.xxh3_batch(keys + i, len, hasher_.seed(), hashes);
      for (std::size_t j = 0; j < len; ++j) add_hash(hashes[j]);
      i += len;
    }
    keys += i;
    n -= i;
    if (n == 0) return;
    if (Registers::has_bulk_max_update && (!histogram_valid_ || n >= register_count / 4)) {
      // Branch-free bulk update; the histogram is brought current once (also
      // after a merge left it stale, as add() does).
      k.xxh3_max_update(dense_registers(), P, keys, n, hasher_.seed());
      rebuild_histogram();
      return;
    }
    for (i = 0; i < n; i += 256) {
      const std::size_t len = n - i < 256 ? n - i : 256;
      k.xxh3_batch(keys + i, len, hasher_.seed(), hashes);
      for (std::size_t j = 0; j < len; ++j) add_hash(hashes[j]);
    }
  }

  // Dense only.
  histogram_type current_histogram() const noexcept {
    if (histogram_valid_) return header().histogram;
    histogram_type h;
    Registers::histogram(dense_registers(), register_count, h.data());
    return h;
  }

  void check_compatible(const Hasher& other) const {
    if (!(hasher_ == other))
      throw incompatible_sketch_error(std::string("hashers differ (") + Hasher::name + " seed " +
                                      std::to_string(hasher_.seed()) + " vs seed " + std::to_string(other.seed()) +
                                      "): the same key lands in different registers");
  }

  store_type tokens_;             // the sparse state (empty while dense)
  block_holder<Allocator> dense_; // the dense state: registers + summary (null while sparse)
  Hasher hasher_;
  bool histogram_valid_ = true;   // dense: the block's summary is current
};
HASHSKETCH_PIN_NAMESPACE_END

}  // namespace hashsketch

#endif  // HASHSKETCH_BASIC_SKETCH_HPP
