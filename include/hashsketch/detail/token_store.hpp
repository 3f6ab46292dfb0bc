#ifndef HASHSKETCH_DETAIL_TOKEN_STORE_HPP
#define HASHSKETCH_DETAIL_TOKEN_STORE_HPP

// token_store: the sparse state of the register core (issue 14,
// CORE-SHAPE.md). A set of 32-bit tokens (detail/tokens.hpp) holding ONE
// token per index26, the one with the largest rank: the registers at every
// precision P <= 16 depend only on that.
//
// Layout (first version): a sorted std::vector of tokens plus a small
// unsorted insertion buffer of up to buffer_capacity distinct tokens, merged
// into the sorted part when it fills (flush). While nothing was ever flushed
// the buffer is the whole state and keeps first-seen order
// (for_each_in_insertion_order: DataSketches LIST images need it).
//
// const members never write (the library's thread-safety promise): readers
// that need the buffer sorted sort a copy of it on the stack.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "tokens.hpp"

namespace hashsketch {
namespace detail {

template <class Allocator = std::allocator<std::uint8_t>>
class token_store {
 public:
  /// Most distinct tokens the insertion buffer holds before a flush.
  static constexpr std::size_t buffer_capacity = 16;

  /// Empty; allocates nothing.
  explicit token_store(const Allocator& alloc = Allocator{}) noexcept : sorted_(word_allocator(alloc)) {}
  token_store(const token_store&) = default;
  token_store& operator=(const token_store&) = default;
  /// The moved-from store is empty and holds no memory.
  token_store(token_store&& o) noexcept
      : sorted_(std::move(o.sorted_)), buffered_(o.buffered_), never_flushed_(o.never_flushed_) {
    std::copy(o.buffer_, o.buffer_ + o.buffered_, buffer_);
    o.reset_moved_from();
  }
  token_store& operator=(token_store&& o) noexcept {
    if (this != &o) {
      sorted_ = std::move(o.sorted_);
      buffered_ = o.buffered_;
      never_flushed_ = o.never_flushed_;
      std::copy(o.buffer_, o.buffer_ + o.buffered_, buffer_);
      o.reset_moved_from();
    }
    return *this;
  }
  void swap(token_store& o) noexcept {
    using std::swap;
    swap(sorted_, o.sorted_);
    std::uint32_t tmp[buffer_capacity];
    std::copy(buffer_, buffer_ + buffer_capacity, tmp);
    std::copy(o.buffer_, o.buffer_ + buffer_capacity, buffer_);
    std::copy(tmp, tmp + buffer_capacity, o.buffer_);
    swap(buffered_, o.buffered_);
    swap(never_flushed_, o.never_flushed_);
  }
  friend void swap(token_store& a, token_store& b) noexcept { a.swap(b); }

  /// Adds a token, keeping the larger rank per index26. Amortised O(1) plus
  /// the flushes. May allocate (a flush); strong guarantee.
  void insert(std::uint32_t token) {
    const std::uint32_t index = token_index(token);
    for (std::size_t i = 0; i < buffered_; ++i) {
      if (token_index(buffer_[i]) == index) {
        if (token > buffer_[i]) buffer_[i] = token;
        return;
      }
    }
    if (buffered_ == buffer_capacity) flush();
    buffer_[buffered_++] = token;
  }

  /// Merges the buffer into the sorted part. May allocate; strong guarantee.
  void flush() {
    if (buffered_ == 0) return;
    std::uint32_t sorted_buffer[buffer_capacity];
    const std::size_t b = sorted_copy_of_buffer(sorted_buffer);
    word_vector merged(sorted_.get_allocator());
    merged.reserve(sorted_.size() + b);
    merge_sorted(sorted_.data(), sorted_.size(), sorted_buffer, b,
                 [&](std::uint32_t t) { merged.push_back(t); });
    sorted_.swap(merged);
    buffered_ = 0;
    never_flushed_ = false;
  }

  /// Nothing buffered: size() is exact.
  bool flushed() const noexcept { return buffered_ == 0; }
  /// No flush happened since construction / clear(): the buffer is the whole
  /// state and for_each_in_insertion_order() is available.
  bool never_flushed() const noexcept { return never_flushed_; }

  /// Distinct index26 values: exact when flushed(), else an upper bound
  /// (buffered tokens may repeat indexes of the sorted part). O(1).
  std::size_t size() const noexcept { return sorted_.size() + buffered_; }

  /// Distinct index26 values, exact. O(1) when flushed(), else O(n) with the
  /// buffer sorted in a stack copy (no member is written).
  std::size_t count_distinct() const noexcept {
    if (buffered_ == 0 || never_flushed_) return size();
    std::uint32_t sorted_buffer[buffer_capacity];
    const std::size_t b = sorted_copy_of_buffer(sorted_buffer);
    std::size_t n = 0;
    merge_sorted(sorted_.data(), sorted_.size(), sorted_buffer, b, [&](std::uint32_t) { ++n; });
    return n;
  }

  /// Calls f(token) for every token in ascending order, one per index26 (the
  /// max rank), the buffer merged in on the fly.
  template <class F>
  void for_each(F&& f) const {
    std::uint32_t sorted_buffer[buffer_capacity];
    const std::size_t b = sorted_copy_of_buffer(sorted_buffer);
    merge_sorted(sorted_.data(), sorted_.size(), sorted_buffer, b, f);
  }

  /// Only while never_flushed(): f(token) for the distinct index26 values in
  /// first-seen order, each with its max rank. Throws std::logic_error otherwise.
  template <class F>
  void for_each_in_insertion_order(F&& f) const {
    if (!never_flushed_) throw std::logic_error("token_store: insertion order is gone after a flush");
    for (std::size_t i = 0; i < buffered_; ++i) f(buffer_[i]);
  }

  /// Replaces the contents with t[0..n), which must be ascending with
  /// distinct index26 values (std::invalid_argument otherwise; *this is
  /// unchanged then). Strong guarantee.
  void assign_sorted(const std::uint32_t* t, std::size_t n) {
    for (std::size_t i = 1; i < n; ++i)
      if (token_index(t[i - 1]) >= token_index(t[i]))
        throw std::invalid_argument("token_store::assign_sorted: tokens not ascending by index");
    word_vector fresh(t, t + n, sorted_.get_allocator());
    sorted_.swap(fresh);
    buffered_ = 0;
    never_flushed_ = n == 0;
  }

  /// Union: for each index26 the larger rank. Strong guarantee.
  void merge(const token_store& other) {
    if (&other == this) return;
    word_vector mine(sorted_.get_allocator()), theirs(sorted_.get_allocator());
    mine.reserve(size());
    theirs.reserve(other.size());
    for_each([&](std::uint32_t t) { mine.push_back(t); });
    other.for_each([&](std::uint32_t t) { theirs.push_back(t); });
    std::size_t n = 0;  // exact size first: capacity == size keeps the memory bound
    merge_sorted(mine.data(), mine.size(), theirs.data(), theirs.size(), [&](std::uint32_t) { ++n; });
    word_vector merged(sorted_.get_allocator());
    merged.reserve(n);
    merge_sorted(mine.data(), mine.size(), theirs.data(), theirs.size(),
                 [&](std::uint32_t t) { merged.push_back(t); });
    sorted_.swap(merged);
    buffered_ = 0;
    never_flushed_ = sorted_.empty();
  }

  /// Empties the store and releases its memory (heap_bytes() == 0 after).
  void clear() noexcept {
    word_vector().swap(sorted_);
    buffered_ = 0;
    never_flushed_ = true;
  }

  /// Bytes allocated on the heap right now (capacity, not size).
  std::size_t heap_bytes() const noexcept { return sorted_.capacity() * sizeof(std::uint32_t); }

  /// Same token set (one max-rank token per index26), whatever the layout
  /// of buffer and sorted part.
  friend bool operator==(const token_store& a, const token_store& b) {
    if (a.count_distinct() != b.count_distinct()) return false;
    std::vector<std::uint32_t> x, y;
    x.reserve(a.size());
    y.reserve(b.size());
    a.for_each([&](std::uint32_t t) { x.push_back(t); });
    b.for_each([&](std::uint32_t t) { y.push_back(t); });
    return x == y;
  }
  friend bool operator!=(const token_store& a, const token_store& b) { return !(a == b); }

 private:
  using word_allocator = typename std::allocator_traits<Allocator>::template rebind_alloc<std::uint32_t>;
  using word_vector = std::vector<std::uint32_t, word_allocator>;

  void reset_moved_from() noexcept {
    word_vector().swap(sorted_);
    buffered_ = 0;
    never_flushed_ = true;
  }

  // Sorts a copy of the buffer into out (buffer_capacity words). The buffer
  // holds distinct index26 values, so the copy is strictly ascending.
  std::size_t sorted_copy_of_buffer(std::uint32_t* out) const noexcept {
    std::copy(buffer_, buffer_ + buffered_, out);
    std::sort(out, out + buffered_);
    return buffered_;
  }

  // Merges two ascending token runs (each one token per index26), calling
  // emit(token) once per index26 with the larger rank.
  template <class Emit>
  static void merge_sorted(const std::uint32_t* a, std::size_t na, const std::uint32_t* b, std::size_t nb,
                           Emit&& emit) {
    std::size_t i = 0, j = 0;
    while (i < na && j < nb) {
      const std::uint32_t ia = token_index(a[i]), ib = token_index(b[j]);
      if (ia < ib) {
        emit(a[i++]);
      } else if (ib < ia) {
        emit(b[j++]);
      } else {
        emit(std::max(a[i], b[j]));
        ++i;
        ++j;
      }
    }
    for (; i < na; ++i) emit(a[i]);
    for (; j < nb; ++j) emit(b[j]);
  }

  word_vector sorted_;
  std::uint32_t buffer_[buffer_capacity] = {};
  std::size_t buffered_ = 0;
  bool never_flushed_ = true;
};

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_TOKEN_STORE_HPP
