// Redis strings: to_redis / from_redis of dense and sparse strings and the
// merge of two parsed dense sketches, each beside an in-run baseline:
//   - codec: the native serialize()/deserialize() of the same sketch (a copy
//     of m bytes + XXH64), the cheapest way this library moves a sketch;
//   - merge: Redis's own PFMERGE of the same two strings on a redis-server
//     this benchmark starts (127.0.0.1, free port, persistence off), timed by
//     the server itself (INFO commandstats usec_per_call, reset before the
//     run) and by the client (round trip). If no server can start, the PFMERGE
//     benchmark is skipped with the reason and BM_redis_merge_dense reports
//     pfmerge_server_available = 0.
#include <benchmark/benchmark.h>
#include <hashsketch/redis.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#ifndef HASHSKETCH_NO_HIREDIS
#include <filesystem>

#include "redis_process.hpp"
#endif

namespace {

hashsketch::redis_hyperloglog redis_sketch(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  hashsketch::redis_hyperloglog s;
  for (std::size_t i = 0; i < n; ++i) s.add(rng());
  return s;
}

// Dense: 10^6 distinct keys; sparse: 1000 keys (≈ 1.9 KB, below Redis's 3000-byte limit).
constexpr std::size_t dense_n = 1000000, sparse_n = 1000;

std::size_t n_for(bool dense) { return dense ? dense_n : sparse_n; }

void BM_redis_write(benchmark::State& state) {
  const bool dense = state.range(0) != 0;
  const auto s = redis_sketch(n_for(dense), 1);
  const auto enc = dense ? hashsketch::redis_encoding::dense : hashsketch::redis_encoding::sparse;
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = hashsketch::to_redis(s, enc);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["string_bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

void BM_redis_parse(benchmark::State& state) {
  const bool dense = state.range(0) != 0;
  const std::string bytes = hashsketch::to_redis(
      redis_sketch(n_for(dense), 1), dense ? hashsketch::redis_encoding::dense : hashsketch::redis_encoding::sparse);
  double checksum = 0;
  for (auto _ : state) {
    auto s = hashsketch::from_redis(bytes);
    benchmark::DoNotOptimize(s.registers().data());
    checksum = s.registers()[1];
  }
  state.counters["string_bytes"] = static_cast<double>(bytes.size());
  state.counters["checksum"] = checksum;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

// Baseline for the codec targets (issue 16: to_redis / from_redis ≤ 3× this
// for the dense encoding): a copy of the same string's bytes into a fresh
// std::string — allocation + memcpy, the least moving the bytes can cost.
void BM_redis_baseline_memcpy(benchmark::State& state) {
  const bool dense = state.range(0) != 0;
  const std::string bytes = hashsketch::to_redis(
      redis_sketch(n_for(dense), 1), dense ? hashsketch::redis_encoding::dense : hashsketch::redis_encoding::sparse);
  for (auto _ : state) {
    std::string copy(bytes.data(), bytes.size());
    benchmark::DoNotOptimize(copy.data());
  }
  state.counters["string_bytes"] = static_cast<double>(bytes.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

// The codec's own share of the two above, for diagnosis: the 6-bit dense
// unpack into 16384 preallocated registers and the pack into a reserved
// string, without the sketch construction, histogram and estimate around them.
void BM_redis_decode_dense_registers(benchmark::State& state) {
  const std::string bytes = hashsketch::to_redis(redis_sketch(dense_n, 1), hashsketch::redis_encoding::dense);
  std::vector<std::uint8_t> regs(hashsketch::detail::redis_registers);
  for (auto _ : state) {
    hashsketch::detail::redis_decode(bytes, regs.data());
    benchmark::DoNotOptimize(regs.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

void BM_redis_encode_dense_registers(benchmark::State& state) {
  const auto s = redis_sketch(dense_n, 1);
  std::string out;
  out.reserve(hashsketch::detail::redis_dense_size);
  for (auto _ : state) {
    out.clear();
    hashsketch::detail::redis_append_dense(out, s.registers().data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}

// Baselines for the codec: the native format of the same sketch.
void BM_redis_baseline_native_serialize(benchmark::State& state) {
  const auto s = redis_sketch(n_for(state.range(0) != 0), 1);
  for (auto _ : state) {
    auto out = s.serialize();
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_redis_baseline_native_deserialize(benchmark::State& state) {
  const auto bytes = redis_sketch(n_for(state.range(0) != 0), 1).serialize();
  for (auto _ : state) {
    auto s = hashsketch::redis_hyperloglog::deserialize(bytes.data(), bytes.size());
    benchmark::DoNotOptimize(s.registers().data());
  }
}

#ifndef HASHSKETCH_NO_HIREDIS
// One redis-server for the whole benchmark run, started on first use and
// stopped when the program exits.
struct bench_server {
  redis_support::server process;
  redis_support::context_ptr client;
  std::string dir, error;

  bench_server() {
    char tmpl[] = "/tmp/hashsketch-bench-redis-XXXXXX";
    if (!::mkdtemp(tmpl)) {
      error = "mkdtemp failed";
      return;
    }
    dir = tmpl;
    const char* exe = std::getenv("HASHSKETCH_REDIS_SERVER");
    process = redis_support::start_server(exe ? exe : HASHSKETCH_REDIS_SERVER, dir, error);
    if (process.pid > 0) client = redis_support::connect("127.0.0.1", process.port, &error);
  }
  ~bench_server() {
    client.reset();
    redis_support::stop_server(process, true);
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
  bool ok() const { return client != nullptr; }

  static bench_server& get() {
    static bench_server s;
    return s;
  }
};

// usec_per_call of a command from INFO commandstats; -1 if absent.
double server_usec_per_call(redisContext* c, const std::string& command) {
  auto r = redis_support::command(c, {"INFO", "commandstats"});
  if (r->type != REDIS_REPLY_STRING) return -1;  // RESP2 bulk string
  const std::string text(r->str, r->len), tag = "cmdstat_" + command + ":";
  const auto at = text.find(tag);
  if (at == std::string::npos) return -1;
  const auto field = text.find("usec_per_call=", at);
  return field == std::string::npos ? -1 : std::strtod(text.c_str() + field + 14, nullptr);
}

// The last PFMERGE server time measured by BM_redis_pfmerge_dense (µs), so the
// merge benchmark can show it beside its own time.
double last_pfmerge_server_us = -1;

void BM_redis_pfmerge_dense(benchmark::State& state) {
  bench_server& server = bench_server::get();
  if (!server.ok()) {
    state.SkipWithError(("no redis-server: " + server.error).c_str());
    return;
  }
  redisContext* c = server.client.get();
  const std::string a = hashsketch::to_redis(redis_sketch(dense_n, 1), hashsketch::redis_encoding::dense);
  const std::string b = hashsketch::to_redis(redis_sketch(dense_n, 2), hashsketch::redis_encoding::dense);
  redis_support::command(c, {"SET", "bench:a", a});
  redis_support::command(c, {"SET", "bench:b", b});
  redis_support::command(c, {"DEL", "bench:dest"});
  redis_support::command(c, {"CONFIG", "RESETSTAT"});
  for (auto _ : state) {
    // The same work as our merge: b's registers into a copy of a's (dest = a ∪ b).
    auto r = redis_support::command(c, {"PFMERGE", "bench:dest", "bench:a", "bench:b"});
    benchmark::DoNotOptimize(r.get());
  }
  last_pfmerge_server_us = server_usec_per_call(c, "pfmerge");
  state.counters["server_us_per_call"] = last_pfmerge_server_us;
  redis_support::command(c, {"DEL", "bench:a", "bench:b", "bench:dest"});
}
#endif

// Merge of two parsed dense Redis sketches (register-wise max, SIMD kernel).
void BM_redis_merge_dense(benchmark::State& state) {
  const auto a = hashsketch::from_redis(hashsketch::to_redis(redis_sketch(dense_n, 1)));
  const auto b = hashsketch::from_redis(hashsketch::to_redis(redis_sketch(dense_n, 2)));
  for (auto _ : state) {
    auto dest = a;  // as PFMERGE dest a b: a fresh union each time
    dest.merge(b);
    benchmark::DoNotOptimize(dest.registers().data());
  }
#ifndef HASHSKETCH_NO_HIREDIS
  state.counters["pfmerge_server_available"] = bench_server::get().ok() ? 1 : 0;
  state.counters["pfmerge_server_us"] = last_pfmerge_server_us;
#else
  state.counters["pfmerge_server_available"] = 0;
#endif
}

// What PFMERGE does end to end, here: parse both strings, merge, write the result.
void BM_redis_parse_merge_write_dense(benchmark::State& state) {
  const std::string a = hashsketch::to_redis(redis_sketch(dense_n, 1), hashsketch::redis_encoding::dense);
  const std::string b = hashsketch::to_redis(redis_sketch(dense_n, 2), hashsketch::redis_encoding::dense);
  for (auto _ : state) {
    auto dest = hashsketch::from_redis(a);
    dest.merge(hashsketch::from_redis(b));
    std::string out = hashsketch::to_redis(dest, hashsketch::redis_encoding::dense);
    benchmark::DoNotOptimize(out.data());
  }
}

}  // namespace

// Arg 1 = dense, 0 = sparse.
BENCHMARK(BM_redis_baseline_memcpy)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_redis_decode_dense_registers)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_redis_encode_dense_registers)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_redis_baseline_native_serialize)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_redis_write)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_redis_baseline_native_deserialize)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_redis_parse)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);
#ifndef HASHSKETCH_NO_HIREDIS
BENCHMARK(BM_redis_pfmerge_dense)->Unit(benchmark::kMicrosecond)->UseRealTime();
#endif
BENCHMARK(BM_redis_merge_dense)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_redis_parse_merge_write_dense)->Unit(benchmark::kMicrosecond);
