#ifndef HASHSKETCH_PARALLEL_HPP
#define HASHSKETCH_PARALLEL_HPP

// parallel_add: build one sketch from a large key array on several threads.
//
//   hashsketch::hyperloglog<14> users;
//   hashsketch::parallel_add(users, ids.data(), ids.size(), 8);   // 8 threads in all
//
// Each thread adds its contiguous shard of the keys to a private sketch; the
// private sketches are merged into the target at the end. Merge is the
// register-wise max and add is a max per key, so the result is equal,
// register for register, to adding every key on one thread — whatever the
// thread count or scheduling. The same pattern scales to processes and
// machines: build per-shard sketches anywhere, serialise them, merge them.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace hashsketch {

/// Adds keys[0 .. n) to `sketch` using `threads` threads in all, the calling
/// thread included: it processes the first shard straight into `sketch`
/// while threads − 1 std::threads each fill a private sketch (same hasher and
/// allocator) with theirs; those are merged into `sketch` after all joined.
/// threads = 0 means std::thread::hardware_concurrency() (1 if unknown); the
/// count is capped at n so no thread gets an empty shard, and with one
/// thread no thread is started. A sparse sketch (basic_sketch) given at most
/// m keys takes them on the calling thread alone: they cost less than a
/// thread start, and the result is then the one-thread one in its state
/// too, not only in its registers (docs/sparse.md). Keys already in `sketch` stay (this is add,
/// not assign).
///
/// Key: any type Sketch::add accepts (std::uint64_t uses add_many, the batch
/// path; std::string / std::string_view add their bytes).
///
/// Result: equal register for register to `for (i < n) sketch.add(keys[i])`.
/// The result's summary is current (sketch.current()): its estimate() is
/// O(1) right away, as after plain adds.
/// Cost: O(n / threads) per thread + (threads − 1) merges of m bytes + thread
/// start-up: starting and joining a std::thread took 34–80 µs on the busy
/// 2-core development machine (BM_baseline_thread_start_join), what add_many
/// needs for 0.4–1·10^5 64-bit keys; below ~10^5 keys one thread is as fast.
/// Memory: (threads − 1) × m extra bytes while it runs (less while the
/// private sketches stay sparse), + a copy of a sparse `sketch` (small).
///
/// Thread-safety: `sketch` must not be used by any other thread during the
/// call, and keys[0 .. n) must not be modified; the hasher must allow
/// concurrent const calls (xxh3_hasher does: it only holds a seed).
///
/// Exceptions: if a worker sketch cannot be allocated, a thread cannot be
/// started (std::system_error), or an add or merge in the sparse state runs
/// out of memory (std::bad_alloc), the threads already started are joined
/// and the exception propagates with `sketch` unchanged (strong guarantee):
/// a dense `sketch` never allocates in add or merge, so the shards go
/// straight into it; a sparse one is built as a copy, assigned back at the
/// end.
template <class Sketch, class Key>
void parallel_add(Sketch& sketch, const Key* keys, std::size_t n, unsigned threads = 0);

namespace detail {

// Whether `s` is a register-core sketch in the sparse state (whose adds and
// merges may allocate); other sketch types count as dense.
template <class Sketch>
auto sparse_now(const Sketch& s, int) noexcept -> decltype(s.is_sparse()) {
  return s.is_sparse();
}
template <class Sketch>
bool sparse_now(const Sketch&, long) noexcept {
  return false;
}
// A sparse register-core sketch given at most m keys: one thread, so the
// result is the one-thread result in its state too (merging token sets can
// cross the promotion limit at another key than adding them does).
template <class Sketch>
auto sparse_and_small(const Sketch& s, std::size_t n, int) noexcept -> decltype(s.is_sparse()) {
  return s.is_sparse() && n <= Sketch::register_count;
}
template <class Sketch>
bool sparse_and_small(const Sketch&, std::size_t, long) noexcept {
  return false;
}

template <class Sketch, class Key>
void add_range(Sketch& sketch, const Key* keys, std::size_t n) {
  if constexpr (std::is_same<Key, std::uint64_t>::value) {
    sketch.add_many(keys, n);
  } else {
    for (std::size_t i = 0; i < n; ++i) sketch.add(keys[i]);
  }
}

/// Joins every joinable thread on scope exit, so no path leaves a running
/// std::thread behind (its destructor would call std::terminate).
class thread_joiner {
 public:
  explicit thread_joiner(std::vector<std::thread>& threads) noexcept : threads_(threads) {}
  thread_joiner(const thread_joiner&) = delete;
  thread_joiner& operator=(const thread_joiner&) = delete;
  ~thread_joiner() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  std::vector<std::thread>& threads_;
};

}  // namespace detail

template <class Sketch, class Key>
void parallel_add(Sketch& sketch, const Key* keys, std::size_t n, unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t t =
      detail::sparse_and_small(sketch, n, 0) ? 1 : std::max<std::size_t>(1, std::min<std::size_t>(threads, n));
  // A sparse target's adds and merges may throw: work on a copy of it (small
  // while sparse) and assign it back once everything succeeded.
  std::optional<Sketch> copy;
  if (detail::sparse_now(sketch, 0)) copy.emplace(sketch);
  Sketch& target = copy ? *copy : sketch;
  if (t == 1) {
    detail::add_range(target, keys, n);
    target.refresh();  // current even if a merge before the call left it stale
    if (copy) sketch = std::move(*copy);
    return;
  }
  // Shard i is [start(i), start(i + 1)): sizes differ by at most one key.
  const std::size_t base = n / t, extra = n % t;
  const auto start = [&](std::size_t i) { return i * base + std::min(i, extra); };

  // Allocate every worker sketch before any thread runs: an allocation
  // failure then leaves nothing to undo.
  std::vector<Sketch> partial;
  partial.reserve(t - 1);
  for (std::size_t i = 1; i < t; ++i) partial.emplace_back(sketch.hasher(), sketch.get_allocator());
  // A worker's exception (std::bad_alloc in the sparse state) is carried
  // here and rethrown after the join: a throw out of a std::thread would
  // call std::terminate.
  std::vector<std::exception_ptr> failed(t - 1);

  std::vector<std::thread> workers;
  workers.reserve(t - 1);
  {
    detail::thread_joiner join_all(workers);
    for (std::size_t i = 1; i < t; ++i) {
      Sketch* own = &partial[i - 1];
      std::exception_ptr* error = &failed[i - 1];
      const Key* first = keys + start(i);
      const std::size_t count = start(i + 1) - start(i);
      workers.emplace_back([own, error, first, count] {
        try {
          detail::add_range(*own, first, count);
        } catch (...) {
          *error = std::current_exception();
        }
      });
    }
    // Only now touch the target: every thread has started.
    detail::add_range(target, keys, start(1));
  }  // joins
  for (const std::exception_ptr& e : failed)
    if (e) std::rethrow_exception(e);
  for (const Sketch& s : partial) target.merge(s);
  // Leave the result current: estimate() on it is then O(1), not a register
  // pass per call (the merges above left the summary stale).
  target.refresh();
  if (copy) sketch = std::move(*copy);
}

}  // namespace hashsketch

#endif  // HASHSKETCH_PARALLEL_HPP
