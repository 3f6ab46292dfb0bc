#ifndef HASHSKETCH_CONCURRENT_HPP
#define HASHSKETCH_CONCURRENT_HPP

// concurrent_hyperloglog<P>: one HyperLogLog that any number of threads add to
// at once, without locks, while other threads read its estimate.
//
//   hashsketch::concurrent_hyperloglog<14> visitors;   // shared by every request thread
//   visitors.add(user_id);                             // from any thread, lock-free
//   double n = visitors.estimate();                    // from any thread, any time
//   hashsketch::hyperloglog<14> copy = visitors.snapshot();   // serialise, merge, ...
//
// The registers are the ones hyperloglog<P, Hasher> would hold after the same
// adds, register for register (same hasher, same top-bits/leading-zeros
// layout), so a snapshot() merges, serialises and converts like any sketch.
//
// Memory: m = 2^P bytes of registers in 32-bit atomic words, rounded up to a
// whole 64-byte cache line (64 B at P = 4, 16 KiB at P = 14, 64 KiB at P = 16),
// plus the hasher. No histogram is kept: it would be one shared counter array
// written by every register change, i.e. a contention point for all threads.
//
// Thread-safety: add, add_hash, add_many, merge_from, estimate,
// confidence_interval, snapshot and empty may all be called concurrently from
// any number of threads. Construction and destruction must happen-before /
// happen-after every other use (as for any object). Not copyable or movable.
//
// Memory-ordering argument (docs/concurrency.md has it at length):
//  * A register only grows: every write is "max(old, rank)" done as an atomic
//    read-modify-write (compare-and-swap on the 32-bit word holding it), and an
//    add that reads a register already ≥ its rank writes nothing. All writes to
//    one word are atomic RMWs, so they form one modification order in which
//    each reads the value written just before it: no update is lost. Since max
//    is commutative, associative and idempotent, the final value of every
//    register is the max over all ranks sent to it — the value of any serial
//    order of the same adds. The skip on a stale (relaxed) load is sound
//    because a later value in the modification order is never smaller.
//  * No operation needs ordering with memory other than the register word it
//    touches, so every access is memory_order_relaxed: on x86 and ARM an add
//    after warm-up is one plain load and a compare.
//  * estimate() reads each register once with a relaxed load. It sees, for
//    every register, some value from that register's modification order: at
//    least the value of every add that happens-before the call (same thread,
//    a joined thread, or one synchronised with a release/acquire pair), at
//    most the final value. The vector it reads is the sketch of some set S of
//    the added keys with {adds finished before the call} ⊆ S ⊆ {all adds}, so
//    the estimate lies between those two sets' estimates (the estimator is
//    monotone in every register). S need not respect any one thread's program
//    order: the reader may see a thread's later key without its earlier one.
//    Read-read coherence makes one thread's successive estimates never
//    decrease while only adds and merges run.
//
// Portability: needs std::atomic<std::uint32_t> (C++11). Where that is not
// lock-free (is_always_lock_free below; true on every x86, ARM, POWER and
// RISC-V target we know of) std::atomic falls back to the standard library's
// internal locks: still correct and free of data races, no longer lock-free.
// We do not use C++20's std::atomic_ref or the __atomic builtins on plain
// bytes, so no other fallback exists or is needed.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "addressing.hpp"
#include "basic_sketch.hpp"
#include "detail/bytes.hpp"
#include "detail/dispatch.hpp"
#include "detail/key_overloads.hpp"
#include "detail/stats.hpp"
#include "errors.hpp"
#include "estimators.hpp"
#include "hash.hpp"
#include "hyperloglog.hpp"

namespace hashsketch {

// Pinned builds (HASHSKETCH_PIN_ISA) get their own concurrent_hyperloglog, as
// they get their own basic_sketch: its members call the kernel table, so one
// definition shared with an unpinned TU would break the ODR
// (tests/isa_pin_odr_test.cpp).
HASHSKETCH_PIN_NAMESPACE_BEGIN

/// A HyperLogLog with 2^P registers that many threads update at once without
/// locks. Same hasher, layout, estimators and error as hyperloglog<P, Hasher>
/// (relative standard error 1.04/√m: 0.81 % at P = 14).
template <unsigned P, class Hasher = xxh3_hasher>
class concurrent_hyperloglog {
  static_assert(P >= 4 && P <= 16, "hashsketch: precision P must be in 4..16");
  static_assert(std::is_same<typename Hasher::result_type, std::uint64_t>::value,
                "hashsketch: concurrent_hyperloglog needs a hasher with 64-bit results");

 public:
  using hasher_type = Hasher;
  using hash_type = std::uint64_t;
  /// The plain sketch with the same registers (what snapshot() returns).
  using sketch_type = hyperloglog<P, Hasher>;

  /// Precision: m = 2^P registers.
  static constexpr unsigned precision = P;
  /// m, the number of one-byte registers.
  static constexpr std::size_t register_count = std::size_t{1} << P;
  /// The largest register value: 65 − P.
  static constexpr std::uint8_t max_rank = leading_zeros_addressing::max_rank(P);
  /// True when every operation is lock-free on this target (std::atomic<std::uint32_t>
  /// is always lock-free); false means correct but using the library's locks.
  static constexpr bool is_always_lock_free = std::atomic<std::uint32_t>::is_always_lock_free;

  /// An empty sketch. Allocates m bytes (whole cache lines); throws
  /// std::bad_alloc.
  explicit concurrent_hyperloglog(const Hasher& hasher = Hasher{});
  /// A sketch holding `initial`'s registers (e.g. one read by deserialize());
  /// takes its hasher. O(m).
  explicit concurrent_hyperloglog(const sketch_type& initial);

  concurrent_hyperloglog(const concurrent_hyperloglog&) = delete;
  concurrent_hyperloglog& operator=(const concurrent_hyperloglog&) = delete;

  // --- adding: any number of threads at once, lock-free --------------------
  // O(1) each: hash, one relaxed load and a compare; only when the rank is
  // larger than the register, a compare-and-swap loop on its 32-bit word
  // (retried only while another thread changes that word and our rank is
  // still larger). Never allocate, never block.

  /// Adds a key, by the rules every sketch shares (detail/key_overloads.hpp):
  /// any integer but bool (the hasher's overload; xxh3_hasher hashes the
  /// value as 8 little-endian bytes), an enum as its underlying integer,
  /// float/double only where the hasher has a rule, a string's bytes, or a
  /// key_traits<T> type's canonical key_bytes (which may allocate).
  template <class K, std::enable_if_t<detail::key_is_typed<Hasher, K>::value, int> = 0>
  void add(const K& key) noexcept(detail::key_add_is_noexcept<K>::value) {
    add_hash(detail::key_hash(hasher_, key));
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
    add_hash(hasher_(static_cast<const void*>(data), size));
  }
  template <class T, std::enable_if_t<!detail::is_byte_like<T>::value, int> = 0>
  void add(const T*, std::size_t) {
    (void)detail::reject_non_byte_pointer<T>();  // static_assert: not a byte pointer
  }
  /// Adds an already hashed value (the caller guarantees uniform hash bits).
  void add_hash(hash_type hash) noexcept;
  /// Same result as n add() calls. With xxh3_hasher the keys are hashed by the
  /// SIMD batch kernel 256 at a time, then each register is updated as by
  /// add_hash. O(n).
  void add_many(const std::uint64_t* keys, std::size_t n) noexcept;

  /// Union with a plain sketch, concurrently with adds and other merges:
  /// register-wise max, word by word with the same compare-and-swap as add.
  /// `other` itself must not be modified during the call. O(m). Throws
  /// incompatible_sketch_error (and changes nothing) if the hashers differ.
  void merge_from(const sketch_type& other);

  // --- reading: concurrently with adds -------------------------------------
  // One pass over the registers through relaxed atomic loads, copied 1 KiB at
  // a time into a local buffer that the SIMD stats kernel reads (O(m), a few
  // µs at P = 16; no allocation, nothing cached, no lock). What a call
  // observes while adds run: see the top of this file.

  /// The estimate of the default (Ertl 2017) estimator, as hyperloglog::estimate().
  double estimate() const noexcept { return estimate(estimator::ertl); }
  /// The estimate of a chosen estimator.
  double estimate(estimator e) const noexcept;
  /// hyperloglog::confidence_interval() of the registers read in one pass
  /// (equal to snapshot().confidence_interval(confidence) when no add runs).
  /// Throws std::invalid_argument unless 0 < confidence < 1.
  interval confidence_interval(double confidence = 0.95) const;
  /// 1.04/√m.
  static constexpr double relative_standard_error() noexcept { return sketch_type::relative_standard_error(); }

  /// A plain hyperloglog<P, Hasher> with a copy of the registers, for merge,
  /// serialisation and interop. Read as estimate() reads: register-wise
  /// between the state before the call and the final state. O(m); allocates
  /// m bytes.
  sketch_type snapshot() const;
  /// True when no register is set. O(m) relaxed loads.
  bool empty() const noexcept;
  /// The hasher (with its seed). O(1); never changes.
  const Hasher& hasher() const noexcept { return hasher_; }

 private:
  // Register i is byte (i mod 4) of word i / 4, counted from the least
  // significant end, so word w read as 4 little-endian bytes is registers
  // 4w .. 4w + 3 in order on every host.
  static constexpr std::size_t word_count = register_count / 4;
  static constexpr std::size_t words_per_line = 16;  // 64-byte cache line / 4
  static constexpr std::size_t line_count = (word_count + words_per_line - 1) / words_per_line;
  /// Cache-line aligned, so the registers share no line with unrelated heap
  /// objects (false sharing with the allocator's neighbours).
  struct alignas(64) cache_line {
    std::atomic<std::uint32_t> word[words_per_line];
  };

  std::atomic<std::uint32_t>& word(std::size_t w) noexcept { return lines_[w / words_per_line].word[w % words_per_line]; }
  const std::atomic<std::uint32_t>& word(std::size_t w) const noexcept {
    return lines_[w / words_per_line].word[w % words_per_line];
  }
  /// register_stats of the registers, read once each (relaxed).
  register_stats read_stats() const noexcept;
  /// Copies the registers, read once each (relaxed), to out[0 .. m).
  void read_registers(std::uint8_t* out) const noexcept;
  /// Copies words [first, first + count) to out[0 .. 4·count), as little-endian bytes.
  void copy_words(std::size_t first, std::size_t count, std::uint8_t* out) const noexcept;
  void check_compatible(const Hasher& other) const;

  std::unique_ptr<cache_line[]> lines_;
  const Hasher hasher_;
};

HASHSKETCH_PIN_NAMESPACE_END

namespace detail {

/// Byte-wise max of two words whose bytes are all < 0x80 (registers are at
/// most 61). (a | 0x80) − b cannot borrow across bytes, since every byte of
/// a | 0x80 is ≥ 0x80 > the byte of b; its bit 7 then says a ≥ b in that byte.
constexpr std::uint32_t bytewise_max_7bit(std::uint32_t a, std::uint32_t b) noexcept {
  const std::uint32_t a_ge_b = (((a | 0x80808080u) - b) & 0x80808080u) >> 7;  // 0x01 per byte where a ≥ b
  const std::uint32_t keep_a = a_ge_b * 0xFFu;                                  // 0xFF per such byte
  return (a & keep_a) | (b & ~keep_a);
}

/// store_le64 as one store where the host is little-endian (GCC 12 does not
/// merge store_le64's byte stores in copy loops).
inline void store_le64_fast(std::uint8_t* p, std::uint64_t v) noexcept {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  std::memcpy(p, &v, sizeof v);
#else
  store_le64(p, v);
#endif
}

/// hyperloglog::confidence_interval()'s formula for an estimate e of a sketch
/// with `zeros` empty registers out of m (basic_sketch.hpp explains it);
/// tests/concurrent_test checks that both give the same interval.
/// 0 < confidence < 1 (the caller checks).
inline interval interval_from_estimate(double e, std::size_t zeros, std::size_t m, double rse,
                                       double confidence) noexcept {
  const double z = normal_quantile_two_sided(confidence);
  const double spread = z * rse;
  const double non_empty = static_cast<double>(m - zeros);
  double lower = std::max(e / (1.0 + spread), non_empty);
  lower = std::max(lower, 0.0);
  const double upper = e == 0.0        ? 0.0
                       : spread < 1.0 ? std::max(e / (1.0 - spread), lower)
                                      : std::numeric_limits<double>::infinity();
  return interval{std::min(lower, e), e, upper};
}

}  // namespace detail

HASHSKETCH_PIN_NAMESPACE_BEGIN

// --- definitions -------------------------------------------------------------

template <unsigned P, class Hasher>
concurrent_hyperloglog<P, Hasher>::concurrent_hyperloglog(const Hasher& hasher)
    // `()` value-initialises, i.e. zero-initialises every atomic word (in
    // C++17 their default constructor would leave them uninitialised).
    // Whatever later publishes the object to other threads (starting them, a
    // release store) orders this before their first access.
    : lines_(new cache_line[line_count]()), hasher_(hasher) {}

template <unsigned P, class Hasher>
concurrent_hyperloglog<P, Hasher>::concurrent_hyperloglog(const sketch_type& initial)
    : concurrent_hyperloglog(initial.hasher()) {
  merge_from(initial);
}

template <unsigned P, class Hasher>
HASHSKETCH_FORCE_INLINE void concurrent_hyperloglog<P, Hasher>::add_hash(hash_type hash) noexcept {
  std::size_t index;
  std::uint8_t rank;
  leading_zeros_addressing::template locate<P>(hash, index, rank);
  std::atomic<std::uint32_t>& w = word(index / 4);
  const unsigned shift = 8u * static_cast<unsigned>(index % 4);
  std::uint32_t current = w.load(std::memory_order_relaxed);
  // After warm-up almost every add ends here: the register already holds a
  // rank at least as large (a stale value is fine: it only grows).
  if (((current >> shift) & 0xFFu) >= rank) return;
  const std::uint32_t clear = ~(std::uint32_t{0xFF} << shift);
  const std::uint32_t bits = std::uint32_t{rank} << shift;
  // On failure `current` is reloaded; stop when someone else wrote a rank
  // ≥ ours into this register, retry when only a neighbour byte changed.
  while (((current >> shift) & 0xFFu) < rank)
    if (w.compare_exchange_weak(current, (current & clear) | bits, std::memory_order_relaxed,
                                std::memory_order_relaxed))
      return;
}

template <unsigned P, class Hasher>
void concurrent_hyperloglog<P, Hasher>::add_many(const std::uint64_t* keys, std::size_t n) noexcept {
  if constexpr (std::is_same<Hasher, xxh3_hasher>::value) {
    const detail::kernel_table& k = detail::kernels();
    std::uint64_t hashes[256];
    for (std::size_t i = 0; i < n; i += 256) {
      const std::size_t len = n - i < 256 ? n - i : 256;
      k.xxh3_batch(keys + i, len, hasher_.seed(), hashes);
      for (std::size_t j = 0; j < len; ++j) add_hash(hashes[j]);
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) add(keys[i]);
  }
}

template <unsigned P, class Hasher>
void concurrent_hyperloglog<P, Hasher>::merge_from(const sketch_type& other) {
  check_compatible(other.hasher());
  const register_view view = other.registers();  // owns a copy if `other` is sparse
  const std::uint8_t* src = view.data();
  for (std::size_t i = 0; i < word_count; ++i) {
    const std::uint32_t theirs = detail::load_le32(src + 4 * i);
    if (theirs == 0) continue;
    std::atomic<std::uint32_t>& w = word(i);
    std::uint32_t current = w.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint32_t merged = detail::bytewise_max_7bit(current, theirs);
      if (merged == current) break;  // nothing of ours is smaller
      if (w.compare_exchange_weak(current, merged, std::memory_order_relaxed, std::memory_order_relaxed)) break;
    }
  }
}

template <unsigned P, class Hasher>
void concurrent_hyperloglog<P, Hasher>::copy_words(std::size_t first, std::size_t count, std::uint8_t* out) const noexcept {
  // first and count are multiples of 4 (word_count ≥ 4 is a power of two), so
  // each group of 4 words lies in one cache_line. Two words per 64-bit store:
  // the copy is bound by stores, not by the relaxed loads (plain movs on x86
  // and ARM).
  const cache_line* lines = lines_.get();
  for (std::size_t i = first; i < first + count; i += 4, out += 16) {
    const cache_line& line = lines[i / words_per_line];
    const std::size_t j = i % words_per_line;
    const std::uint64_t w0 = line.word[j].load(std::memory_order_relaxed);
    const std::uint64_t w1 = line.word[j + 1].load(std::memory_order_relaxed);
    const std::uint64_t w2 = line.word[j + 2].load(std::memory_order_relaxed);
    const std::uint64_t w3 = line.word[j + 3].load(std::memory_order_relaxed);
    detail::store_le64_fast(out, w0 | w1 << 32);
    detail::store_le64_fast(out + 8, w2 | w3 << 32);
  }
}

template <unsigned P, class Hasher>
void concurrent_hyperloglog<P, Hasher>::read_registers(std::uint8_t* out) const noexcept {
  copy_words(0, word_count, out);
}

template <unsigned P, class Hasher>
register_stats concurrent_hyperloglog<P, Hasher>::read_stats() const noexcept {
  // The SIMD kernels read plain bytes; reading the atomic words with them
  // would be a data race (undefined behaviour, and a ThreadSanitizer report),
  // so each 1 KiB piece is first copied out by relaxed loads. The stats are
  // sums over registers, so the pieces' stats add up to the whole's (exactly:
  // register_stats_fit holds for this layout).
  constexpr std::size_t piece_words = 256;
  constexpr unsigned q = max_rank - 1u;
  alignas(64) std::uint8_t piece[piece_words * 4];
  const detail::kernel_table& k = detail::kernels();
  register_stats total{0, 0, 0};
  for (std::size_t first = 0; first < word_count; first += piece_words) {
    const std::size_t words = std::min(piece_words, word_count - first);
    copy_words(first, words, piece);
    register_stats st;
    k.register_stats(piece, 4 * words, q, &st);
    total.zeros += st.zeros;
    total.saturated += st.saturated;
    total.weighted += st.weighted;
  }
  return total;
}

template <unsigned P, class Hasher>
double concurrent_hyperloglog<P, Hasher>::estimate(estimator e) const noexcept {
  return hll_family::estimate(read_stats(), register_count, max_rank - 1u, e);
}

template <unsigned P, class Hasher>
interval concurrent_hyperloglog<P, Hasher>::confidence_interval(double confidence) const {
  if (!(confidence > 0.0 && confidence < 1.0)) throw std::invalid_argument("hashsketch: confidence must be in (0, 1)");
  const register_stats st = read_stats();
  const double e = hll_family::estimate(st, register_count, max_rank - 1u);
  return detail::interval_from_estimate(e, st.zeros, register_count, relative_standard_error(), confidence);
}

template <unsigned P, class Hasher>
typename concurrent_hyperloglog<P, Hasher>::sketch_type concurrent_hyperloglog<P, Hasher>::snapshot() const {
  sketch_type out(hasher_);
  read_registers(detail::register_access::data(out));
  // As after a merge: the histogram is rebuilt by the copy's first register
  // change, and until then its estimate() is one stats pass. Rebuilding it
  // here would cost a histogram pass (several µs at P = 14) that a snapshot
  // taken only to be serialised or merged never needs.
  detail::register_access::registers_changed_lazily(out);
  return out;
}

template <unsigned P, class Hasher>
bool concurrent_hyperloglog<P, Hasher>::empty() const noexcept {
  for (std::size_t i = 0; i < word_count; ++i)
    if (word(i).load(std::memory_order_relaxed) != 0) return false;
  return true;
}

template <unsigned P, class Hasher>
void concurrent_hyperloglog<P, Hasher>::check_compatible(const Hasher& other) const {
  if (!(hasher_ == other))
    throw incompatible_sketch_error(std::string("hashers differ (") + Hasher::name + " seed " +
                                    std::to_string(hasher_.seed()) + " vs seed " + std::to_string(other.seed()) +
                                    "): the same key lands in different registers");
}

HASHSKETCH_PIN_NAMESPACE_END

}  // namespace hashsketch

#endif  // HASHSKETCH_CONCURRENT_HPP
