#ifndef HASHSKETCH_DETAIL_TOKEN_STORE_HPP
#define HASHSKETCH_DETAIL_TOKEN_STORE_HPP

// token_store: the sparse state of the register core (issue 14,
// CORE-SHAPE.md). A set of 32-bit tokens (detail/tokens.hpp). Two modes, a
// compile-time choice (KeepEveryRank):
//   false (the default): ONE token per index26, the one with the largest
//     rank: the registers of HyperLogLog-like families at every precision
//     P <= 16 depend only on that. The dedup key is index26.
//   true: every distinct token, so several ranks per index26 may be kept:
//     UltraLogLog registers also record whether ranks k - 1 and k - 2 were
//     seen, which the max rank alone cannot give. The dedup key is the
//     whole token.
// Tokens sort as uint32 (by index26, then rank). Below, "key" is the dedup
// key of the mode, and "token" a stored (deduplicated) one; n = the number
// of stored tokens = distinct keys.
//
// Memory bound (issue 14): heap_bytes() <= 4 * n + 64 bytes at every size,
// capacity counted (n = count_distinct() in the max mode, the distinct
// tokens in the every-rank mode). The store is ONE heap block of 32-bit words:
//
//   [ sorted part: count_ tokens, coded ][ 2 zero pad words ][ buffer ]
//   |<-------------- capacity_ <= count_ + 16 words ------------------>|
//
// - The sorted part is a Rice code of the index gaps in two bit streams
//   (LSB first in little-endian 32-bit words), so that decoding has no
//   serial chain through bit positions:
//     low    n * k bits: the k low bits of each gap g, fixed width, at i * k;
//     unary  per token, g >> k in unary (that many 0 bits, then a 1), then
//            r = rank26 - 1 in unary (r 0 bits, then a 1);
//   where g = index26 - previous index26 - 1 (the first token: g = index26);
//   in the every-rank mode g = index26 - previous index26 (0 for a second
//   rank of the same index26; the first token: g = index26).
//   A decoder takes the next two set bits of `unary` (ctz, then clear the
//   lowest bit: one cycle of dependency each) and the low bits at a computed
//   position (no dependency at all).
//   Why this code: the n indexes of random hashes are uniform over 2^26, so
//   the gaps are geometric with mean 2^26 / n, for which a Rice code with the
//   best k is within 0.1 bit of the entropy log2(e * 2^26 / n); the ranks of
//   every layout are geometric(1/2) (leading or trailing zeros of hash bits),
//   for which unary is the optimal prefix code (2 bits on average). k is the
//   one of floor / ceil of log2(ln 2 * 2^26 / n) with the smaller expected
//   length for geometric gaps (Gallager & van Voorhis 1975). Measured: about
//   2.9 / 2.5 / 2.2 / 1.9 bytes per token at n = 100 / 1000 / 4096 / 16384.
//   Where the code would not save at least the pad (n below ~20, or
//   adversarial tokens: long gaps, high ranks), the sorted part is the plain
//   tokens instead (raw_, no pad): never more than 4 bytes a token.
// - The pad (8 bytes) lets the decoder read 8 bytes at any byte of the
//   streams without a bounds check per field.
// - The block is always count_ + 16 words (the bound) unless the buffer
//   would exceed max_buffer; then it is cut to what is used.
// - The buffer: unsorted raw tokens, repeats allowed, in whatever room the
//   code leaves under the bound (count_ + 16 - stream - pad words, at most
//   max_buffer). Insert appends (one compare, one store); a full buffer is
//   flushed: bucket-sorted (a copy: the buffer itself is not touched until
//   the new block exists, so a throwing flush loses nothing), deduplicated
//   by key, merged with the sorted part as it is decoded (merge_with: the
//   one merge routine, which merge() and the const readers use too), and
//   re-encoded into a new block: a first pass sums the code's length, so
//   the block is allocated once at its final size and written in a second
//   pass (gap and rank codes in one put; the flush's merge sums the
//   lengths as it writes, so the first pass is skipped there). A flush that
//   adds nothing (only repeats) keeps the block.
// - The buffer's room: min(the 4n + 64 bound's room, base_buffer = 4 096)
//   on its own; an owner that passes its heap limit (basic_sketch: its
//   promotion limit, m bytes) lets the room grow to what is left under
//   both the bound and that limit, at most max_buffer = 8 192. Every word
//   of room is heap the sketch counts against its limit, and the promotion
//   test (a flush whose block would exceed the limit) is unchanged, so the
//   extra room only moves the flush points, and with them the key at
//   which a set promotes: at P = 16 the bench key set flushes at ~10 000,
//   ~15 000 and ~22 600 keys and promotes at 28 383 instead of 30 489. A
//   limit of m bytes can leave more than base_buffer only at P >= 15, so
//   nothing moves at P <= 14, and at P = 15 the bound is the tighter of
//   the two almost everywhere (tests/token_store_test.cpp pins both). The
//   amortised cost per insert is O(1 + n / room), and the room is a fixed
//   fraction of n (25-50 %, the code's saving under the bound) up to the
//   caps: each insert pays for re-reading about 2-4 stored tokens (and,
//   while the set grows, re-encoding about 1). That is the price of the
//   memory bound (measured cost: bench/sparse_bench.cpp, docs/sparse.md).
// - Until the first flush (never_flushed()), the buffer is the whole state:
//   deduplicated on insert (<= 16 tokens, a linear scan) and in first-seen
//   order, which DataSketches LIST images need (their first <= 7 coupons).
//
// - Why not two levels (issue 14's P = 16 miss, round 6): a sketch
//   promotes at the first flush whose block exceeds m bytes, and near that
//   point the block is code + pad + 16 KiB of buffer room, so any second
//   level must live in the same 16 KiB (more heap at the same n promotes
//   earlier). A raw sorted level 0 holds 4 bytes a token like the buffer:
//   the big merges come at the same points (every 4 096 new tokens) and the
//   level-0 merges are extra work. Coded, ~0.55 words a token, a level 0
//   of up to f * b tokens leaves a buffer of b = 4 096 / (1 + 0.55 f); the
//   stored tokens re-read per insert are then ~f / 2 (level-0 re-codes) +
//   n / (f * b) (big merges), at best ~6.9 (f = 3..4) at n = 25 000 against
//   n / 4 096 ~ 6.1 with one level, so it was not built (docs/sparse.md).
//   More room in mid-life is what helped (the heap limit above). Also tried
//   and measured slower (so not kept): decoding, merging and coding in one
//   pass (flush ~40 % slower: the decoder, merge and two bit writers spill
//   registers) and a branch-free merge of decoded arrays (~15-20 % slower).
//
// const members never write (the library's thread-safety promise): readers
// bucket-sort the buffer into a stack array (max_buffer words, 32 KiB) with
// 16-bit bucket bounds (8 KiB): 40 KiB of stack a call (24 KiB while
// max_buffer was 4 096; 48 KiB before the bounds were 16-bit), and
// for_each 1 KiB more for its block of sink_block tokens.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "bits.hpp"
#include "bytes.hpp"
#include "tokens.hpp"

// merge_with's per-token step must be inlined into its decode loop (a call
// per token there costs more than the step): clang 14 at -O2 stopped
// inlining it once the flush's emit also summed the code's length.
#if defined(__GNUC__) || defined(__clang__)
#define HASHSKETCH_DETAIL_INLINE_LAMBDA __attribute__((always_inline))
#else
#define HASHSKETCH_DETAIL_INLINE_LAMBDA
#endif

namespace hashsketch {
namespace detail {

template <class Allocator = std::allocator<std::uint8_t>, bool KeepEveryRank = false>
class token_store : private std::allocator_traits<Allocator>::template rebind_alloc<std::uint32_t> {
  using word_allocator = typename std::allocator_traits<Allocator>::template rebind_alloc<std::uint32_t>;
  using word_traits = std::allocator_traits<word_allocator>;

 public:
  /// true: every distinct token is kept; false: the max rank per index26.
  static constexpr bool keep_every_rank = KeepEveryRank;
  /// Most tokens the buffer holds without a heap limit (see insert).
  static constexpr std::size_t base_buffer = 4096;
  /// Most tokens the buffer ever holds (32 KiB: the stack copy of const
  /// readers), reached only under an owner's heap limit that leaves the room.
  static constexpr std::size_t max_buffer = 8192;
  /// Heap words beyond one per token that the memory bound allows (64 bytes).
  static constexpr std::size_t slack_words = 16;

  /// Empty; allocates nothing.
  explicit token_store(const Allocator& a = Allocator{}) noexcept : word_allocator(a) {}
  token_store(const token_store& o);
  token_store& operator=(const token_store& o);
  /// The moved-from store is empty and holds no memory.
  token_store(token_store&& o) noexcept;
  token_store& operator=(token_store&& o) noexcept;
  ~token_store() { release(); }
  void swap(token_store& o) noexcept;
  friend void swap(token_store& a, token_store& b) noexcept { a.swap(b); }

  /// Adds a token: keeps the larger rank per index26 (max mode), or the token
  /// unless already held (every-rank mode). Amortised O(1 + n /
  /// buffer capacity). May allocate (the first token, a flush); strong guarantee.
  ///
  /// heap_limit_bytes: the owner's own limit on this store's heap (the
  /// sketch's promotion point, m bytes), 0 for none. It only sizes the
  /// buffer a flush leaves: without a limit (or where the limit leaves no
  /// more than base_buffer words of room after the code) the room is
  /// min(the 4n + 64 bound's, base_buffer), as it always was; where the limit
  /// leaves more, the buffer takes it, up to max_buffer words and never past
  /// the limit. Why: every flush re-reads and re-codes all n stored tokens,
  /// so the flushes of a store that grows to n cost ~n^2 / (2 * room); in
  /// mid-life (code far below m, e.g. ~7 000 of 16 384 words at n = 15 000,
  /// P = 16) a larger room halves them without raising the heap past either
  /// bound. A sketch whose code leaves less than base_buffer words under its
  /// limit gets base_buffer and promotes, exactly where it did before.
  void insert(std::uint32_t token, std::size_t heap_limit_bytes = 0) {
    if (!never_flushed_ && buffered_ < buffer_capacity_) {
      words_[buffer_at_ + buffered_++] = token;
      return;
    }
    insert_slow(token, heap_limit_bytes);
  }

  /// Merges the buffer into the sorted part. A never-flushed store is left as
  /// it is (its buffer is already exact, and keeps its insertion order).
  /// heap_limit_bytes: as for insert. May allocate; strong guarantee.
  void flush(std::size_t heap_limit_bytes = 0) {
    if (!never_flushed_ && buffered_ != 0) flush_buffer(heap_limit_bytes);
  }

  /// size() is exact: nothing is buffered beside the sorted part (or the
  /// store was never flushed: then its deduplicated buffer is all of it).
  bool flushed() const noexcept { return buffered_ == 0 || never_flushed_; }
  /// No flush happened since construction / clear(), and no assign_sorted or
  /// merge of a flushed store: the buffer is the whole state, in first-seen
  /// order, and for_each_in_insertion_order() is available.
  bool never_flushed() const noexcept { return never_flushed_; }

  /// Stored tokens: max mode: distinct index26 values; every-rank mode:
  /// distinct tokens (>= count_distinct()). Exact when flushed(), else an
  /// upper bound (buffered tokens may repeat). O(1). The memory bound is
  /// 4 bytes per exact size() + 64.
  std::size_t size() const noexcept { return std::size_t{count_} + buffered_; }

  /// Distinct index26 values, exact, in both modes (the linear-counting
  /// estimator over 2^26 buckets takes it). Max mode: == size() when
  /// flushed(). O(1) when flushed() (every-rank mode: when nothing is
  /// buffered), else O(n + b log b) with the buffer sorted in a stack copy
  /// (no member is written).
  std::size_t count_distinct() const noexcept;

  /// Calls f(token) for every stored token in ascending order (max mode: one
  /// per index26, the max rank; every-rank mode: each distinct token once),
  /// the buffer merged in on the fly. No member is written. f may throw.
  template <class F>
  void for_each(F&& f) const {
    using function = std::remove_reference_t<F>;
    for_each_block(
        [](void* context, const std::uint32_t* tokens, std::size_t count) {
          function& fn = *static_cast<function*>(context);
          for (std::size_t i = 0; i < count; ++i) fn(tokens[i]);
        },
        const_cast<void*>(static_cast<const void*>(std::addressof(f))));
  }

  /// for_each's engine: sink(context, tokens, count) for consecutive
  /// ascending runs of at most sink_block tokens. Not a template, so that
  /// the decoder, the merge and the buffer's sort are instantiated once per
  /// store type — and compiled once for the default allocator where the
  /// kernels are (HASHSKETCH_EXTERN_KERNELS, end of this header), instead of
  /// in every TU that promotes a sketch. One indirect call per block.
  using block_sink = void (*)(void* context, const std::uint32_t* tokens, std::size_t count);
  static constexpr std::size_t sink_block = 256;
  void for_each_block(block_sink sink, void* context) const;

  /// Only while never_flushed(): f(token) for the distinct keys in
  /// first-seen order (max mode: each index26 with its max rank; every-rank
  /// mode: each distinct token). std::logic_error otherwise.
  template <class F>
  void for_each_in_insertion_order(F&& f) const {
    if (!never_flushed_) throw std::logic_error("token_store: insertion order is gone after a flush");
    for (std::uint32_t i = 0; i < buffered_; ++i) f(words_[buffer_at_ + i]);
  }

  /// Replaces the contents with t[0..n), which must be ascending with
  /// distinct keys (max mode: strictly ascending index26 values; every-rank
  /// mode: strictly ascending tokens); std::invalid_argument otherwise, and
  /// *this is then unchanged. Strong guarantee. max_bytes: the heap the
  /// caller allows (basic_sketch: its promotion limit); the buffer room is
  /// cut to it when the code fits, so that tokens a live store held under
  /// the limit (its buffer partly used) are held again under it after a
  /// serialise / deserialise round trip.
  void assign_sorted(const std::uint32_t* t, std::size_t n,
                     std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

  /// Union: max mode: for each index26 the larger rank; every-rank mode: the
  /// union of the token sets. Strong guarantee. Merging a
  /// never-flushed store inserts its tokens in their order (so two small
  /// never-flushed stores stay never-flushed while the union fits the buffer).
  void merge(const token_store& other, std::size_t heap_limit_bytes = 0);

  /// Flushes, then releases the buffer's room: heap_bytes() becomes the
  /// sorted part's (its code, about 2-3 bytes per token, + 8 bytes of pad).
  /// The next insert allocates the room again (one rebuild). For stores that
  /// stop growing (finished time-window buckets, results kept at rest). A
  /// never-flushed store (<= 64 bytes) is left as it is. May allocate;
  /// strong guarantee.
  void shrink_to_fit() {
    if (never_flushed_ || words_ == nullptr) return;
    flush();
    const std::size_t keep = raw_ ? std::size_t{count_} : std::size_t{stream_words_} + pad_words;
    if (keep == capacity_) return;
    std::uint32_t* block = word_traits::allocate(alloc(), keep);
    std::memcpy(block, words_, keep * sizeof(std::uint32_t));
    release();
    words_ = block;
    capacity_ = static_cast<std::uint32_t>(keep);
    buffer_at_ = capacity_;
    buffer_capacity_ = 0;
  }

  /// Empties the store and releases its memory (heap_bytes() == 0 after).
  void clear() noexcept {
    release();
    reset_members();
  }

  /// Bytes allocated on the heap right now (the block's capacity).
  std::size_t heap_bytes() const noexcept { return std::size_t{capacity_} * sizeof(std::uint32_t); }

  /// Same token set (what for_each gives), whatever the layout of buffer
  /// and sorted part. O(n); allocates a copy of a's tokens.
  friend bool operator==(const token_store& a, const token_store& b) {
    if (a.flushed() && b.flushed() && a.size() != b.size()) return false;
    std::vector<std::uint32_t> x;
    x.reserve(a.size());
    a.for_each([&](std::uint32_t t) { x.push_back(t); });
    std::size_t i = 0;
    bool same = true;
    b.for_each([&](std::uint32_t t) {
      same = same && i < x.size() && x[i] == t;
      ++i;
    });
    return same && i == x.size();
  }
  friend bool operator!=(const token_store& a, const token_store& b) { return !(a == b); }

  /// For tests and benchmarks: bytes of the sorted part (code or plain) and
  /// whether it is coded.
  std::size_t sorted_bytes() const noexcept { return std::size_t{stream_words_} * 4; }
  bool sorted_is_coded() const noexcept { return !raw_; }
  std::size_t buffer_capacity() const noexcept { return buffer_capacity_; }
  /// For tests: tokens in the buffer now (repeats counted).
  std::size_t buffered() const noexcept { return buffered_; }

 private:
  static constexpr unsigned pad_words = 2;
  // The dedup key of a token: index26 (max mode) or the token (every-rank).
  static constexpr std::uint32_t key_of(std::uint32_t t) noexcept { return KeepEveryRank ? t : token_index(t); }
  // What the code adds to an index26 for the next gap's origin: + 1 where
  // indexes are distinct (max mode), + 0 where one may repeat.
  static constexpr std::uint32_t index_step = KeepEveryRank ? 0 : 1;
  word_allocator& alloc() noexcept { return *this; }
  const word_allocator& alloc() const noexcept { return *this; }

  void release() noexcept {
    if (words_) word_traits::deallocate(alloc(), words_, capacity_);
    words_ = nullptr;
  }
  void reset_members() noexcept {
    words_ = nullptr;
    capacity_ = count_ = distinct_ = stream_words_ = unary_at_ = buffer_at_ = buffer_capacity_ = buffered_ = 0;
    rice_k_ = 0;
    raw_ = true;
    never_flushed_ = true;
  }
  void steal(token_store& o) noexcept {
    words_ = o.words_;
    capacity_ = o.capacity_;
    count_ = o.count_;
    distinct_ = o.distinct_;
    stream_words_ = o.stream_words_;
    unary_at_ = o.unary_at_;
    buffer_at_ = o.buffer_at_;
    buffer_capacity_ = o.buffer_capacity_;
    buffered_ = o.buffered_;
    rice_k_ = o.rice_k_;
    raw_ = o.raw_;
    never_flushed_ = o.never_flushed_;
    o.reset_members();
  }

  void insert_slow(std::uint32_t token, std::size_t heap_limit_bytes);
  void flush_buffer(std::size_t heap_limit_bytes) { absorb(nullptr, 0, heap_limit_bytes); }
  void absorb(const std::uint32_t* extra, std::size_t n_extra, std::size_t heap_limit_bytes);
  // What rebuild's first pass measures of t[0..n), when the flush has
  // already summed it during its merge (for one Rice parameter k).
  struct code_sums {
    unsigned k;               // the Rice parameter the sums are for
    std::uint64_t unary = 0;  // sum over the tokens of (gap >> k) + r
    std::size_t repeats = 0;  // tokens whose index26 equals the previous one's
  };
  void rebuild(const std::uint32_t* t, std::size_t n,
               std::size_t max_words = std::numeric_limits<std::size_t>::max(), std::size_t heap_limit_bytes = 0,
               const code_sums* known = nullptr);

  // The buffer sorted, one token per key (max mode: the max rank), in out
  // (buffered_ words); returns how many. For the const readers: out is
  // their stack array (max_buffer words, 32 KiB); the sort adds 8 KiB of
  // 16-bit bucket bounds.
  std::size_t sorted_buffer_copy(std::uint32_t* out) const noexcept {
    sort_tokens<true>(words_ + buffer_at_, out, buffered_);
    return dedup_sorted(out, buffered_);
  }
  // a[0..n) sorted into out (not in place). Reader: n <= max_buffer, the
  // bucket bounds in 16 bits (4 096 buckets, 8 KiB of stack); the flush
  // (and merge(), whose n is unbounded): 32-bit bounds, 8 192 buckets.
  template <bool Reader = false>
  static void sort_tokens(const std::uint32_t* a, std::uint32_t* out, std::size_t n) noexcept {
    if (n >= 32) {
      if (Reader)
        bucket_sort<std::uint16_t, 12>(a, out, n);
      else
        bucket_sort<std::uint32_t, 13>(a, out, n);
    } else {
      std::copy(a, a + n, out);
      std::sort(out, out + n);
    }
  }
  // t[0..n) ascending (as tokens: by index26, then rank): keeps one token
  // per key, the last (max mode: the max rank), in place; returns how many
  // are left.
  // Branch-free: in the repeat phase half the neighbours share an index.
  static std::size_t dedup_sorted(std::uint32_t* t, std::size_t n) noexcept {
    if (n == 0) return 0;
    std::size_t w = 0;
    for (std::size_t i = 1; i < n; ++i) {
      w += key_of(t[i]) != key_of(t[w]);
      t[w] = t[i];
    }
    return w + 1;
  }
  // Count: the bucket bounds' type; 2^MaxBits: the most buckets.
  template <class Count, unsigned MaxBits>
  static void bucket_sort(const std::uint32_t* a, std::uint32_t* out, std::size_t n) noexcept;

  // THE merge of the store (flush, merge() and the const readers all use
  // it): walks the sorted part (decoded on the fly) and b[0..nb)
  // (ascending, distinct keys) together: emit(token, raised) once per key
  // (max mode: with the larger rank); raised: the token is new or raises a
  // rank of the sorted part. Returns emit: it is taken and returned by
  // value so that its state (an output pointer, a count) lives in
  // registers here, not behind a reference. The decoder is inlined with its
  // state in locals for the same reason. The branch on b is taken about
  // once per b token (b is much shorter than the sorted part): it predicts
  // well.
  template <class Emit>
  Emit merge_with(const std::uint32_t* b, std::size_t nb, Emit emit) const {
    std::size_t j = 0;
    auto step = [&](std::uint32_t a) HASHSKETCH_DETAIL_INLINE_LAMBDA {
      const std::uint32_t ka = key_of(a);
      while (j < nb && key_of(b[j]) < ka) emit(b[j++], true);
      if (j < nb && key_of(b[j]) == ka) {
        const bool up = b[j] > a;
        emit(up ? b[j] : a, up);
        ++j;
      } else {
        emit(a, false);
      }
    };
    const std::size_t n = count_;
    if (raw_) {
      for (std::size_t i = 0; i < n; ++i) step(words_[i]);
    } else {
      const unsigned char* const low = reinterpret_cast<const unsigned char*>(words_);
      const unsigned char* const unary = low + 4 * std::size_t{unary_at_};
      const unsigned k = rice_k_;
      const std::uint32_t mask = (std::uint32_t{1} << k) - 1;
      std::uint64_t chunk = load_le64(unary);
      std::uint32_t base = 0, previous_end = ~std::uint32_t{0}, next_index = 0;
      std::size_t bit = 0;
      for (std::size_t i = 0; i < n; ++i) {
        while (chunk == 0) {
          base += 64;
          chunk = load_le64(unary + base / 8);
        }
        const std::uint32_t gap_end = base + ctz64_nonzero(chunk);
        chunk &= chunk - 1;
        while (chunk == 0) {
          base += 64;
          chunk = load_le64(unary + base / 8);
        }
        const std::uint32_t rank_end = base + ctz64_nonzero(chunk);
        chunk &= chunk - 1;
        const std::uint32_t q = gap_end - previous_end - 1;
        previous_end = rank_end;
        const std::uint32_t low_bits = static_cast<std::uint32_t>(load_le64(low + bit / 8) >> (bit % 8)) & mask;
        bit += k;
        const std::uint32_t index = next_index + ((q << k) | low_bits);
        next_index = index + index_step;
        step((index << 6) | (rank_end - gap_end - 1));
      }
    }
    for (; j < nb; ++j) emit(b[j], true);
    return emit;
  }

  std::uint32_t* words_ = nullptr;
  std::uint32_t capacity_ = 0;         // words in the block
  std::uint32_t count_ = 0;            // tokens in the sorted part
  std::uint32_t distinct_ = 0;         // distinct index26 values in it (== count_ in the max mode)
  std::uint32_t stream_words_ = 0;     // words of the sorted part (coded or raw)
  std::uint32_t unary_at_ = 0;         // coded: word offset of the unary stream
  std::uint32_t buffer_at_ = 0;        // word offset of the buffer in the block
  std::uint32_t buffer_capacity_ = 0;  // words of the buffer
  std::uint32_t buffered_ = 0;         // tokens in the buffer
  std::uint8_t rice_k_ = 0;            // Rice parameter of the coded gaps (0..25)
  bool raw_ = true;                    // sorted part holds plain tokens
  bool never_flushed_ = true;
};

// ---------------------------------------------------------------------------
// Definitions.

template <class A, bool K>
token_store<A, K>::token_store(const token_store& o)
    : word_allocator(word_traits::select_on_container_copy_construction(o.alloc())) {
  if (o.words_) {
    words_ = word_traits::allocate(alloc(), o.capacity_);
    std::memcpy(words_, o.words_, std::size_t{o.buffer_at_ + o.buffered_} * sizeof(std::uint32_t));
  }
  capacity_ = o.capacity_;
  count_ = o.count_;
  distinct_ = o.distinct_;
  stream_words_ = o.stream_words_;
  unary_at_ = o.unary_at_;
  buffer_at_ = o.buffer_at_;
  buffer_capacity_ = o.buffer_capacity_;
  buffered_ = o.buffered_;
  rice_k_ = o.rice_k_;
  raw_ = o.raw_;
  never_flushed_ = o.never_flushed_;
}

template <class A, bool K>
token_store<A, K>& token_store<A, K>::operator=(const token_store& o) {
  if (this != &o) {
    token_store copy(o);
    if (word_traits::propagate_on_container_copy_assignment::value) alloc() = o.alloc();
    release();
    steal(copy);
  }
  return *this;
}

template <class A, bool K>
token_store<A, K>::token_store(token_store&& o) noexcept : word_allocator(std::move(o.alloc())) {
  steal(o);
}

template <class A, bool K>
token_store<A, K>& token_store<A, K>::operator=(token_store&& o) noexcept {
  if (this != &o) {
    release();
    // The library's allocators are stateless or propagate; an unequal
    // non-propagating allocator would need a copy, which cannot be noexcept.
    if (word_traits::propagate_on_container_move_assignment::value) alloc() = std::move(o.alloc());
    steal(o);
  }
  return *this;
}

template <class A, bool K>
void token_store<A, K>::swap(token_store& o) noexcept {
  using std::swap;
  if (word_traits::propagate_on_container_swap::value) swap(alloc(), o.alloc());
  swap(words_, o.words_);
  swap(capacity_, o.capacity_);
  swap(count_, o.count_);
  swap(distinct_, o.distinct_);
  swap(stream_words_, o.stream_words_);
  swap(unary_at_, o.unary_at_);
  swap(buffer_at_, o.buffer_at_);
  swap(buffer_capacity_, o.buffer_capacity_);
  swap(buffered_, o.buffered_);
  swap(rice_k_, o.rice_k_);
  swap(raw_, o.raw_);
  swap(never_flushed_, o.never_flushed_);
}

template <class A, bool K>
void token_store<A, K>::insert_slow(std::uint32_t token, std::size_t heap_limit_bytes) {
  if (never_flushed_) {
    // The buffer is the whole state: deduplicate, keep first-seen order.
    std::uint32_t* buf = words_ + buffer_at_;
    for (std::uint32_t i = 0; i < buffered_; ++i) {
      if (key_of(buf[i]) == key_of(token)) {
        if (token > buf[i]) buf[i] = token;
        return;
      }
    }
    if (words_ == nullptr) rebuild(nullptr, 0);  // the first block: 64 bytes, all buffer
    if (buffered_ < buffer_capacity_) {
      words_[buffer_at_ + buffered_++] = token;
      return;
    }
  }
  flush_buffer(heap_limit_bytes);  // the buffer is full
  words_[buffer_at_ + buffered_++] = token;
}

// The Rice parameter for n tokens: gaps are geometric with p = n / 2^26; of
// floor / ceil of log2(ln 2 / p), the one with the smaller expected length
// k + 1 + E[g >> k], E[g >> k] = a / (1 - a), a = (1 - p)^(2^k).
inline unsigned token_rice_parameter(std::size_t n) noexcept {
  const double p = static_cast<double>(n) / token_bucket_count;
  if (p >= 0.5) return 0;
  const double log_q = std::log1p(-p);
  const int guess = static_cast<int>(std::floor(std::log2(0.6931471805599453 / p)));
  unsigned best = 0;
  double best_bits = HUGE_VAL;
  for (int k = std::max(guess, 0); k <= std::min(guess + 1, 25); ++k) {
    const double a = std::exp(std::ldexp(log_q, k));
    const double bits = k + 1 + a / (1 - a);
    if (bits < best_bits) {
      best_bits = bits;
      best = static_cast<unsigned>(k);
    }
  }
  return best;
}

// Merges the buffer and extra[0..n_extra) (ascending, distinct keys: another
// store's tokens) into the sorted part. One transient array: [merged: c + e]
// [sorted buffer + extra: e = b + n_extra]. The buffer itself stays as it is
// until the new block exists (strong guarantee, insertion order included).
template <class A, bool K>
void token_store<A, K>::absorb(const std::uint32_t* extra, std::size_t n_extra, std::size_t heap_limit_bytes) {
  const std::size_t c = count_, b = buffered_, e = b + n_extra;
  struct scoped_words {
    word_allocator& alloc;
    std::size_t size;
    std::uint32_t* data;
    ~scoped_words() { word_traits::deallocate(alloc, data, size); }
  } temp{alloc(), c + 2 * e, word_traits::allocate(alloc(), c + 2 * e)};
  std::uint32_t* const out = temp.data;
  std::uint32_t* const sorted = out + c + e;
  std::size_t ne;
  if (n_extra == 0) {
    sort_tokens(words_ + buffer_at_, sorted, b);
    ne = dedup_sorted(sorted, b);
  } else {
    // Rare (merge()): the buffer and the other's tokens sorted together.
    std::uint32_t* const both = out;  // out is free until the merge below
    std::copy(words_ + buffer_at_, words_ + buffer_at_ + b, both);
    std::copy(extra, extra + n_extra, both + b);
    sort_tokens(both, sorted, e);
    ne = dedup_sorted(sorted, e);
  }
  // The merge also sums the code's length for the Rice parameter of c + ne
  // tokens (the result has n in [c, c + ne], nearly always the same
  // parameter), so rebuild can skip its measuring pass over the n tokens
  // (~1/5 of its time at P = 16); where n's parameter differs, rebuild
  // measures as before.
  struct to_array {
    std::uint32_t* at;
    bool changed;
    code_sums sums;
    std::uint32_t next_index;  // as rebuild's gaps: previous index26 + index_step
    std::uint32_t last_index;  // the previous index26 (none: above 2^26)
    void operator()(std::uint32_t t, bool raised) noexcept {
      *at++ = t;
      changed = changed || raised;
      const std::uint32_t index = token_index(t);
      sums.unary += ((index - next_index) >> sums.k) + (t & 63u);
      if (K) sums.repeats += index == last_index;
      last_index = index;
      next_index = index + index_step;
    }
  };
  const to_array done =
      merge_with(sorted, ne, to_array{out, false, code_sums{c + ne ? token_rice_parameter(c + ne) : 0u}, 0, ~std::uint32_t{0}});
  const std::size_t n = static_cast<std::size_t>(done.at - out);
  if (done.changed || buffer_capacity_ == 0)  // may throw: nothing changed yet
    rebuild(out, n, std::numeric_limits<std::size_t>::max(), heap_limit_bytes, &done.sums);
  buffered_ = 0;
  never_flushed_ = false;
}

// Sorts a[0..n) into out (ascending tokens): one pass distributes by the
// top s bits into 2^s >= n buckets (at most a few tokens each for random
// indexes, so the insertion sorts rarely branch the wrong way), then each
// bucket is insertion-sorted; a bucket over 32 tokens (only for
// clustered input) gets std::sort, so the worst case stays O(n log n).
// Two passes over the data instead of a radix sort's four. Count must
// hold n (16 bits: the readers, n <= max_buffer); the readers' 4 096
// buckets are what the flush uses for n <= 4 096 too, so both sort a full
// buffer alike (their stack had been 32 KiB of 32-bit bounds for 8 192).
template <class A, bool K>
template <class Count, unsigned MaxBits>
void token_store<A, K>::bucket_sort(const std::uint32_t* a, std::uint32_t* out, std::size_t n) noexcept {
  static_assert(sizeof(Count) >= 4 || max_buffer <= 0xffff, "token_store: the readers' bounds must hold max_buffer");
  unsigned s = 1;
  while (s < MaxBits && (std::size_t{1} << s) < n) ++s;  // 2^s ~ n..2n: most buckets 0-2 tokens
  const unsigned shift = 32 - s;
  const std::size_t buckets = std::size_t{1} << s;
  Count end[std::size_t{1} << MaxBits];  // end[d]: one past bucket d, once distributed
  std::fill(end, end + buckets, Count{0});
  for (std::size_t i = 0; i < n; ++i) ++end[a[i] >> shift];
  std::uint32_t start = 0, largest = 0;
  for (std::size_t d = 0; d < buckets; ++d) {
    const std::uint32_t size = end[d];
    end[d] = static_cast<Count>(start);  // for now: the next free slot of bucket d
    start += size;
    largest = std::max(largest, size);
  }
  for (std::size_t i = 0; i < n; ++i) out[end[a[i] >> shift]++] = a[i];
  if (largest <= 32) {
    // Out of order only within a bucket: one insertion sort over the whole
    // array (no per-bucket loop to mispredict; at most 31 moves a token).
    for (std::size_t i = 1; i < n; ++i) {
      const std::uint32_t x = out[i];
      std::size_t j = i;
      for (; j > 0 && out[j - 1] > x; --j) out[j] = out[j - 1];
      out[j] = x;
    }
    return;
  }
  std::uint32_t from = 0;
  for (std::size_t d = 0; d < buckets; ++d) {
    const std::uint32_t to = end[d];
    if (to - from > 32) {
      std::sort(out + from, out + to);
    } else {
      for (std::uint32_t i = from + 1; i < to; ++i) {
        const std::uint32_t x = out[i];
        std::uint32_t j = i;
        for (; j > from && out[j - 1] > x; --j) out[j] = out[j - 1];
        out[j] = x;
      }
    }
    from = to;
  }
}

// A new block holding t[0..n) (ascending, distinct keys) as the sorted
// part and an empty buffer in the room left under n + 16 words (at most
// max_buffer); replaces the old block only once it is built (strong
// guarantee). A first pass sums the code's length, so the block is
// allocated once at its final size and written in one more pass.
template <class A, bool K>
void token_store<A, K>::rebuild(const std::uint32_t* t, std::size_t n, std::size_t max_words,
                                std::size_t heap_limit_bytes, const code_sums* known) {
  const unsigned k = n ? token_rice_parameter(n) : 0;
  const std::size_t low_words = (n * k + 31) / 32;
  // Bits of the unary stream: per token (gap >> k) + 1 + r + 1; and the
  // distinct index26 values (every-rank mode).
  std::uint64_t unary_bits = 2 * std::uint64_t{n};
  std::size_t distinct = n;
  if (known != nullptr && known->k == k) {
    unary_bits += known->unary;
    distinct -= K ? known->repeats : 0;
  } else {
    std::uint32_t next_index = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t index = token_index(t[i]);
      unary_bits += ((index - next_index) >> k) + (t[i] & 63u);
      if (K) distinct -= i != 0 && index + index_step == next_index;
      next_index = index + index_step;
    }
  }
  // The code is kept only if it leaves the pad and saves a word: the unary
  // stream must end before word n - 2 (the limit the old writer checked).
  const std::size_t limit = n > pad_words + 1 ? n - pad_words - 1 : 0;
  const bool raw = n == 0 || low_words + pad_words + 1 >= n || low_words + unary_bits / 32 >= limit;
  const std::size_t stream_words = raw ? n : low_words + static_cast<std::size_t>((unary_bits + 31) / 32);
  const std::size_t buffer_at = raw ? n : stream_words + pad_words;
  const std::size_t bound = n + slack_words;
  std::size_t buffer_capacity = std::min<std::size_t>(bound - buffer_at, base_buffer);
  // The owner's limit leaves more room than base_buffer: take it (insert).
  const std::size_t limit_words = heap_limit_bytes / sizeof(std::uint32_t);
  if (limit_words > buffer_at + base_buffer)
    buffer_capacity = std::min({bound - buffer_at, limit_words - buffer_at, max_buffer});
  // Beyond max_buffer the block is cut to what is used.
  std::size_t capacity = buffer_at + buffer_capacity + slack_words < bound ? buffer_at + buffer_capacity : bound;
  // The caller's limit (assign_sorted): less buffer room, never less code.
  if (capacity > max_words && buffer_at < max_words && max_words >= slack_words) {  // never below a first block
    capacity = max_words;
    buffer_capacity = capacity - buffer_at;
  }
  std::uint32_t* const block = word_traits::allocate(alloc(), capacity);
  if (raw) {
    if (n) std::memcpy(block, t, n * sizeof(std::uint32_t));
  } else {
    // Branch-free writers, one per stream: the current word is stored on
    // every put (the next put stores it again with more bits) and left once
    // full; bits carried into the next word are stored by the next put or
    // at the end.
    struct writer {
      unsigned char* bytes;
      std::size_t out;  // current word
      std::uint64_t acc = 0;
      unsigned filled = 0;  // < 32 between puts
      void put(std::uint64_t bits, unsigned len) noexcept {  // len <= 32
        acc |= bits << filled;
        filled += len;
        store_le32(bytes + 4 * out, static_cast<std::uint32_t>(acc));
        const unsigned full = filled >> 5;
        out += full;
        acc >>= 32 * full;
        filled -= 32 * full;
      }
      void finish() noexcept {
        if (filled) store_le32(bytes + 4 * out, static_cast<std::uint32_t>(acc));
      }
    };
    unsigned char* const bytes = reinterpret_cast<unsigned char*>(block);
    writer low{bytes, 0}, unary{bytes, low_words};
    const std::uint32_t mask = (std::uint32_t{1} << k) - 1;
    std::uint32_t next_index = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t gap = token_index(t[i]) - next_index;
      next_index = token_index(t[i]) + index_step;
      if (k != 0) low.put(gap & mask, k);
      std::uint32_t zeros = gap >> k;
      const std::uint32_t r = t[i] & 63u;
      if (zeros + r + 2 <= 32) {
        // The usual case: gap and rank codes in one put.
        unary.put((std::uint64_t{1} << zeros) | (std::uint64_t{1} << (zeros + 1 + r)), zeros + r + 2);
        continue;
      }
      for (; zeros >= 32; zeros -= 32) unary.put(0, 32);
      unary.put(std::uint64_t{1} << zeros, zeros + 1);
      if (r >= 32) unary.put(0, 32);
      unary.put(std::uint64_t{1} << (r & 31u), (r & 31u) + 1);
    }
    low.finish();
    unary.finish();
    for (unsigned p = 0; p < pad_words; ++p) store_le32(bytes + 4 * (stream_words + p), 0);
  }
  release();
  words_ = block;
  capacity_ = static_cast<std::uint32_t>(capacity);
  count_ = static_cast<std::uint32_t>(n);
  distinct_ = static_cast<std::uint32_t>(distinct);
  stream_words_ = static_cast<std::uint32_t>(stream_words);
  unary_at_ = static_cast<std::uint32_t>(low_words);
  buffer_at_ = static_cast<std::uint32_t>(buffer_at);
  buffer_capacity_ = static_cast<std::uint32_t>(buffer_capacity);
  buffered_ = 0;
  rice_k_ = static_cast<std::uint8_t>(k);
  raw_ = raw;
}

template <class A, bool K>
std::size_t token_store<A, K>::count_distinct() const noexcept {
  if (buffered_ == 0) return distinct_;
  if (!K && never_flushed_) return buffered_;  // deduplicated by index26 on insert
  std::uint32_t copy[max_buffer];
  const std::size_t nb = sorted_buffer_copy(copy);
  struct counter {
    std::size_t n;
    std::uint32_t last;  // index26 of the last token; ~0 before the first
    void operator()(std::uint32_t t, bool) noexcept {
      n += !K || token_index(t) != last;
      last = token_index(t);
    }
  };
  return merge_with(copy, nb, counter{0, ~std::uint32_t{0}}).n;
}

template <class A, bool K>
void token_store<A, K>::for_each_block(block_sink sink, void* context) const {
  std::uint32_t copy[max_buffer];
  const std::size_t nb = sorted_buffer_copy(copy);
  struct to_block {
    std::uint32_t* block;
    std::size_t n;
    block_sink sink;
    void* context;
    void operator()(std::uint32_t t, bool) {
      block[n++] = t;
      if (n == sink_block) {
        sink(context, block, n);
        n = 0;
      }
    }
  };
  std::uint32_t block[sink_block];
  const to_block rest = merge_with(copy, nb, to_block{block, 0, sink, context});
  if (rest.n != 0) sink(context, block, rest.n);
}

template <class A, bool K>
void token_store<A, K>::assign_sorted(const std::uint32_t* t, std::size_t n, std::size_t max_bytes) {
  for (std::size_t i = 1; i < n; ++i)
    if (key_of(t[i - 1]) >= key_of(t[i]))
      throw std::invalid_argument(K ? "token_store::assign_sorted: tokens not strictly ascending"
                                    : "token_store::assign_sorted: tokens not ascending by index26");
  if (n == 0) {
    clear();
    return;
  }
  rebuild(t, n, max_bytes / sizeof(std::uint32_t));
  never_flushed_ = false;
}

template <class A, bool K>
void token_store<A, K>::merge(const token_store& other, std::size_t heap_limit_bytes) {
  if (&other == this || other.size() == 0) return;
  if (other.never_flushed_) {
    token_store result(*this);
    for (std::uint32_t i = 0; i < other.buffered_; ++i)
      result.insert(other.words_[other.buffer_at_ + i], heap_limit_bytes);
    swap(result);
    return;
  }
  std::vector<std::uint32_t, word_allocator> theirs(alloc());
  theirs.reserve(other.size());
  other.for_each([&](std::uint32_t t) { theirs.push_back(t); });
  absorb(theirs.data(), theirs.size(), heap_limit_bytes);  // sets never_flushed_ = false
}

// With the kernels compiled once (HASHSKETCH_EXTERN_KERNELS, kernels.hpp),
// the stores of the default allocator are compiled there too (explicit
// instantiations in kernels.hpp's implementation TU): their flush, merge,
// sort and code were about two thirds of the back-end time that a TU adding
// one key spent on the library (issue 16, docs/performance.md "Compile
// time"). for_each's callers keep only their own loop over each block
// (for_each_block is compiled there); other allocators still instantiate
// where they are used.
#if defined(HASHSKETCH_EXTERN_KERNELS) && !defined(HASHSKETCH_KERNELS_IMPLEMENTATION)
extern template class token_store<std::allocator<std::uint8_t>, false>;
extern template class token_store<std::allocator<std::uint8_t>, true>;
#endif

}  // namespace detail
}  // namespace hashsketch

#undef HASHSKETCH_DETAIL_INLINE_LAMBDA

#endif  // HASHSKETCH_DETAIL_TOKEN_STORE_HPP
