// Unique visitors counted live by a thread pool into ONE shared sketch.
//
// A generated access log (one line per request, "user=u<id>" somewhere in the
// line) is handed out in blocks of lines to a small pool of worker threads;
// every worker extracts the user id and adds it to the same
// concurrent_hyperloglog<14> — no locks, no per-thread copies to gather. A
// reporter thread prints the running estimate every 100 ms while the workers
// run, and at the end the estimate is compared with the exact count (an
// unordered_set of the ids).
//
// The replay is paced (a worker pauses 20 ms after each block) so the run
// lasts about half a second and the reporter has something to report, like a
// service receiving traffic. Exit code 1 if the final estimate is outside its
// 99.9 % interval or the pool's sketch differs from one built on one thread.
//
//   concurrent_counting [lines] [threads]      (defaults: 600000 lines, 4 threads)
#include <hashsketch/concurrent.hpp>
#include <hashsketch/hyperloglog.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

namespace {

// splitmix64 (Steele, Lea, Flood 2014): a deterministic stream for the log.
struct splitmix64 {
  std::uint64_t state;
  std::uint64_t operator()() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

// Half the requests come from 2 000 regulars, the rest from a long tail of
// up to 400 000 occasional visitors — so many ids repeat, as in real logs.
std::vector<std::string> generate_log(std::size_t lines) {
  splitmix64 rng{2026};
  const char* paths[] = {"/", "/search", "/product", "/cart", "/checkout"};
  std::vector<std::string> log;
  log.reserve(lines);
  for (std::size_t i = 0; i < lines; ++i) {
    const std::uint64_t r = rng();
    const std::uint64_t user = (r & 1) ? (r >> 1) % 2000 : (r >> 1) % 400000;
    log.push_back("2026-12-01T10:" + std::to_string(i * 60 / lines) + " GET " + paths[(r >> 40) % 5] +
                  " user=u" + std::to_string(user) + " status=200");
  }
  return log;
}

// The user id field of a line ("u123" from "... user=u123 status=200").
std::string_view user_of(std::string_view line) {
  const std::size_t at = line.find("user=");
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + 5;
  const std::size_t end = line.find(' ', begin);
  return line.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t lines = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 600000;
  const unsigned threads = argc > 2 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)) : 4;
  if (lines == 0 || threads == 0) {
    std::fprintf(stderr, "usage: concurrent_counting [lines > 0] [threads > 0]\n");
    return 2;
  }
  const std::vector<std::string> log = generate_log(lines);

  hashsketch::concurrent_hyperloglog<14> visitors;  // 16 KiB, shared by every thread
  constexpr std::size_t block = 10000;              // lines a worker takes at a time
  std::atomic<std::size_t> next_block{0};
  std::atomic<std::size_t> lines_done{0};
  std::atomic<bool> finished{false};

  const auto start = std::chrono::steady_clock::now();
  const auto elapsed_ms = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };

  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (;;) {
        const std::size_t first = next_block.fetch_add(block, std::memory_order_relaxed);
        if (first >= log.size()) return;
        const std::size_t last = std::min(log.size(), first + block);
        for (std::size_t i = first; i < last; ++i) visitors.add(user_of(log[i]));
        lines_done.fetch_add(last - first, std::memory_order_relaxed);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // paced replay
      }
    });

  // The reporter reads the sketch while the workers write to it: each
  // estimate counts at least every line whose add finished before the read
  // began, and never more than the final count.
  std::thread reporter([&] {
    while (!finished.load(std::memory_order_acquire)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const auto ci = visitors.confidence_interval(0.95);
      std::printf("%7.0f ms  %8zu lines  ~%8.0f unique users (95%%: %.0f .. %.0f)\n", elapsed_ms(),
                  lines_done.load(std::memory_order_relaxed), ci.estimate, ci.lower, ci.upper);
    }
  });

  for (auto& w : pool) w.join();
  const double pool_ms = elapsed_ms();
  finished.store(true, std::memory_order_release);
  reporter.join();

  // Every add happened-before this point (the workers were joined), so the
  // estimate now is the sketch of the whole log.
  std::unordered_set<std::string_view> exact;
  hashsketch::hyperloglog<14> single;
  for (const std::string& line : log) {
    exact.insert(user_of(line));
    single.add(user_of(line));
  }
  const auto ci = visitors.confidence_interval(0.999);
  const double truth = static_cast<double>(exact.size());
  const bool in_ci = ci.lower <= truth && truth <= ci.upper;
  const bool same = visitors.snapshot() == single;
  std::printf("\n%zu lines on %u threads in %.0f ms (paced)\n", log.size(), threads, pool_ms);
  std::printf("exact unique users  %.0f\n", truth);
  std::printf("estimate            %.0f (%+.2f %%; 99.9 %% interval %.0f .. %.0f)%s\n", ci.estimate,
              100.0 * (ci.estimate / truth - 1.0), ci.lower, ci.upper, in_ci ? "" : "  OUTSIDE");
  std::printf("shared sketch == one-thread sketch: %s\n", same ? "yes" : "NO");
  return in_ci && same ? 0 : 1;
}
