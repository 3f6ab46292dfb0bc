// Building one sketch on several threads, two ways, each checked equal
// (register for register) to the single-threaded sketch:
//
//  1. hashsketch::parallel_add(sketch, keys, n, threads): one call over an
//     in-memory key array; throughput printed per thread count.
//  2. The pattern behind it, as a pipeline would run it over shards (files,
//     partitions, machines): workers take shards from a shared counter, build
//     one sketch per shard, ship it as bytes; the coordinator deserialises
//     and rolls them up with merge_all. Merge is the register-wise max, so
//     neither the shard boundaries nor the order matter.
//
// The keys: 8 M ids with exactly 2 M distinct values (each repeated 4 times,
// scattered), so the estimate is also checked against the truth (99.9 %
// interval). Exit code 1 if any check fails. Timings are informative only;
// bench/parallel_bench.cpp measures the speed-up properly.
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/parallel.hpp>
#include <hashsketch/set_operations.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

using sketch = hashsketch::hyperloglog<14>;

constexpr std::size_t key_count = std::size_t{8} << 20;
constexpr std::uint64_t distinct = std::uint64_t{2} << 20;

// splitmix64's output function: a bijection on 64-bit values, so distinct
// inputs give distinct ids.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
  // i·stride mod D visits every residue key_count/D times when gcd(stride, D)
  // = 1 (D is a power of two, the stride odd): exactly D distinct ids.
  std::vector<std::uint64_t> keys(key_count);
  for (std::size_t i = 0; i < key_count; ++i) keys[i] = mix((i * 0x5851f42dull) % distinct);

  bool ok = true;
  sketch single;
  auto start = std::chrono::steady_clock::now();
  single.add_many(keys.data(), keys.size());
  const double single_s = seconds_since(start);
  const auto ci = single.confidence_interval(0.999);
  const bool in_ci = ci.lower <= static_cast<double>(distinct) && static_cast<double>(distinct) <= ci.upper;
  ok = ok && in_ci;
  std::printf("%zu keys, %llu distinct; single-threaded add_many: %.1f M keys/s, estimate %.0f (99.9%%: %.0f .. %.0f)%s\n\n",
              key_count, static_cast<unsigned long long>(distinct), key_count / single_s / 1e6, ci.estimate, ci.lower,
              ci.upper, in_ci ? "" : "  OUTSIDE");

  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  std::vector<unsigned> counts;
  for (unsigned t = 1; t <= std::min(16u, std::max(2u, hardware)); t *= 2) counts.push_back(t);
  std::printf("1. parallel_add (the calling thread is one of the threads; %u hardware threads here)\n", hardware);
  std::printf("   %7s %14s %9s %s\n", "threads", "M keys/s", "speed-up", "equal to single-threaded");
  double base = 0;
  for (unsigned t : counts) {
    double best = 1e300;
    bool equal = true;
    for (int run = 0; run < 3; ++run) {  // best of 3: the machine may be busy
      sketch s;
      start = std::chrono::steady_clock::now();
      hashsketch::parallel_add(s, keys.data(), keys.size(), t);
      best = std::min(best, seconds_since(start));
      equal = equal && s == single;
    }
    if (t == 1) base = best;
    ok = ok && equal;
    std::printf("   %7u %14.1f %8.2fx %s\n", t, key_count / best / 1e6, base / best, equal ? "yes" : "NO");
  }

  // 2. Shards → per-shard sketches → bytes → merge_all.
  constexpr std::size_t shard_count = 32;
  const unsigned workers = std::min(4u, std::max(2u, hardware));
  std::vector<std::vector<std::uint8_t>> shipped(shard_count);
  std::atomic<std::size_t> next_shard{0};
  start = std::chrono::steady_clock::now();
  {
    std::vector<std::thread> pool;
    for (unsigned w = 0; w < workers; ++w)
      pool.emplace_back([&] {
        for (std::size_t i; (i = next_shard.fetch_add(1)) < shard_count;) {
          const std::size_t first = key_count * i / shard_count, last = key_count * (i + 1) / shard_count;
          sketch part;
          part.add_many(keys.data() + first, last - first);
          shipped[i] = part.serialize();  // what a worker sends to the coordinator
        }
      });
    for (auto& t : pool) t.join();
  }
  std::vector<sketch> received;
  received.reserve(shard_count);
  for (const auto& bytes : shipped) received.push_back(sketch::deserialize(bytes.data(), bytes.size()));
  const sketch total = hashsketch::merge_all(received.begin(), received.end());
  const double shard_s = seconds_since(start);
  const bool shard_equal = total == single;
  ok = ok && shard_equal;
  std::printf("\n2. %zu shards on %u worker threads, shipped as %zu-byte sketches, merged with merge_all: %.1f M keys/s, "
              "equal to single-threaded: %s\n",
              shard_count, workers, shipped[0].size(), key_count / shard_s / 1e6, shard_equal ? "yes" : "NO");
  return ok ? 0 : 1;
}
