#ifndef HASHSKETCH_DETAIL_SORTED_ENTRIES_HPP
#define HASHSKETCH_DETAIL_SORTED_ENTRIES_HPP

// sorted_entry_set: the small-state storage of a register sketch — a sorted
// list of distinct entries kept beside the dense registers while the sketch
// holds few distinct hashes, and released ("promoted") once their number
// passes a limit. What an entry is belongs to the addressing policy
// (Addressing::sparse_entry, ordered by Addressing::sparse_entry_less): the
// PostgreSQL layout keeps whole 64-bit hashes, because its EXPLICIT
// representation stores them; the 32-bit tokens of Airlift / hash4j /
// DataSketches are another entry type for the same piece.
//
// It is written as the building block of the core's future sparse state
// (DESIGN.md: "the sparse state and dense registers are storage pieces of the
// one core"): that state will be this set with the policy's entry type, held
// by basic_sketch itself, and postgres_hyperloglog (which holds one beside its
// registers today) then becomes an alias of the core.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

namespace hashsketch {
namespace detail {

template <class Entry, class Less, class Allocator = std::allocator<Entry>>
class sorted_entry_set {
 public:
  /// An empty set that keeps up to `limit` distinct entries. O(1), no allocation.
  explicit sorted_entry_set(std::size_t limit, const Allocator& alloc = Allocator{}) : entries_(alloc), limit_(limit) {}

  /// Nothing inserted (and not promoted).
  bool empty() const noexcept { return !promoted_ && entries_.empty(); }
  /// True once more than limit() distinct entries were inserted (or promote()
  /// was called): the entries are gone, only the registers remain.
  bool promoted() const noexcept { return promoted_; }
  /// Distinct entries held (0 once promoted).
  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t limit() const noexcept { return limit_; }
  /// The entries in ascending Less order; valid until the next change.
  const Entry* data() const noexcept { return entries_.data(); }
  const Entry* begin() const noexcept { return entries_.data(); }
  const Entry* end() const noexcept { return entries_.data() + entries_.size(); }

  /// Inserts e unless present; promotes when the set would exceed limit().
  /// O(size) (a sorted insert; size ≤ limit). Allocates while growing.
  void insert(const Entry& e) {
    if (promoted_) return;
    const auto at = std::lower_bound(entries_.begin(), entries_.end(), e, Less{});
    if (at != entries_.end() && !Less{}(e, *at)) return;  // already there
    if (entries_.size() >= limit_) {
      promote();
      return;
    }
    entries_.insert(at, e);
  }

  /// Union: promoted if either side is or the union passes limit(). O(n + k).
  void merge(const sorted_entry_set& other) {
    if (promoted_) return;
    if (other.promoted_) {
      promote();
      return;
    }
    std::vector<Entry, Allocator> out(entries_.get_allocator());
    out.reserve(std::min(entries_.size() + other.entries_.size(), limit_ + 1));
    auto a = entries_.begin();
    auto b = other.entries_.begin();
    const Less less{};
    while (a != entries_.end() || b != other.entries_.end()) {
      if (out.size() > limit_) break;
      if (b == other.entries_.end() || (a != entries_.end() && less(*a, *b))) {
        out.push_back(*a++);
      } else if (a == entries_.end() || less(*b, *a)) {
        out.push_back(*b++);
      } else {
        out.push_back(*a++);
        ++b;
      }
    }
    if (out.size() > limit_) {
      promote();
      return;
    }
    entries_.swap(out);
  }

  /// Drops the entries and remembers that there were more than the limit.
  void promote() noexcept {
    promoted_ = true;
    entries_.clear();
    entries_.shrink_to_fit();
  }
  /// Back to empty, keeping the limit.
  void clear() noexcept {
    promoted_ = false;
    entries_.clear();
  }
  /// Replaces the contents by [first, last), which must be ascending and
  /// distinct under Less and hold at most limit() entries (decoders check).
  template <class It>
  void assign_sorted(It first, It last) {
    promoted_ = false;
    entries_.assign(first, last);
  }
  void set_limit(std::size_t limit) noexcept { limit_ = limit; }

  friend bool operator==(const sorted_entry_set& a, const sorted_entry_set& b) {
    return a.promoted_ == b.promoted_ && a.entries_ == b.entries_;
  }

 private:
  std::vector<Entry, Allocator> entries_;
  std::size_t limit_;
  bool promoted_ = false;
};

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_SORTED_ENTRIES_HPP
