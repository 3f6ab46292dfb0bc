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
/// thread no thread is started. Keys already in `sketch` stay (this is add,
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
/// Memory: (threads − 1) × m extra bytes while it runs.
///
/// Thread-safety: `sketch` must not be used by any other thread during the
/// call, and keys[0 .. n) must not be modified; the hasher must allow
/// concurrent const calls (xxh3_hasher does: it only holds a seed).
///
/// Exceptions: if a worker sketch cannot be allocated or a thread cannot be
/// started (std::system_error), the threads already started are joined and
/// the exception propagates with `sketch` unchanged (strong guarantee).
template <class Sketch, class Key>
void parallel_add(Sketch& sketch, const Key* keys, std::size_t n, unsigned threads = 0);

namespace detail {

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
  const std::size_t t = std::max<std::size_t>(1, std::min<std::size_t>(threads, n));
  if (t == 1) {
    detail::add_range(sketch, keys, n);
    sketch.refresh();  // current even if a merge before the call left it stale
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

  std::vector<std::thread> workers;
  workers.reserve(t - 1);
  {
    detail::thread_joiner join_all(workers);
    for (std::size_t i = 1; i < t; ++i) {
      Sketch* own = &partial[i - 1];
      const Key* first = keys + start(i);
      const std::size_t count = start(i + 1) - start(i);
      workers.emplace_back([own, first, count] { detail::add_range(*own, first, count); });
    }
    // Only now touch the caller's sketch: every thread has started.
    detail::add_range(sketch, keys, start(1));
  }  // joins
  for (const Sketch& s : partial) sketch.merge(s);
  // Leave the result current: estimate() on it is then O(1), not a register
  // pass per call (the merges above left the summary stale).
  sketch.refresh();
}

}  // namespace hashsketch

#endif  // HASHSKETCH_PARALLEL_HPP
