// Daily unique visitors from sharded logs, rolled up in Redis.
//
// Four worker threads each count the distinct visitors of one shard of the
// day's page views in a redis_hyperloglog (no round trip per event), write it
// to Redis with SET, and Redis merges the shards with PFMERGE — the same keys
// a web tier keeps updating with PFADD. The rolled-up key is read back with
// GET and checked three ways: PFCOUNT equals the count of our own merge, the
// registers equal our merge bit for bit, and the estimate is within the
// sketch's 99.9 % interval of the exact answer. Exits non-zero otherwise.
//
//   redis_rollup [host [port]]      (default 127.0.0.1 and $HASHSKETCH_REDIS_PORT or 6379)
//
// Uses hiredis (Debian: libhiredis-dev) as the client; hashsketch itself has no
// Redis dependency. ctest runs it against a throwaway server it starts itself.
#include <hashsketch/redis.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#ifdef HASHSKETCH_NO_HIREDIS
int main() {
  std::fprintf(stderr, "redis_rollup was built without hiredis (install libhiredis-dev)\n");
  return 1;
}
#else
#include <hiredis/hiredis.h>

namespace {

constexpr int shards = 4;
constexpr long views_per_shard = 250000;
constexpr long visitors = 400000;  // visitor ids 0 .. visitors-1

// A shard's page views: visitor ids drawn with a per-shard linear congruential
// stream (deterministic), so shards overlap the way real traffic does.
std::vector<long> shard_views(int shard) {
  std::vector<long> ids(views_per_shard);
  unsigned long long x = 0x9e3779b97f4a7c15ull * static_cast<unsigned long long>(shard + 1);
  for (auto& id : ids) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    id = static_cast<long>((x >> 33) % static_cast<unsigned long long>(visitors));
  }
  return ids;
}

std::string visitor_key(long id) { return "visitor:" + std::to_string(id); }

// One command with binary-safe arguments; exits on a connection error.
redisReply* command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
  if (!r) {
    std::fprintf(stderr, "redis: %s\n", c->errstr);
    std::exit(1);
  }
  if (r->type == REDIS_REPLY_ERROR) {
    std::fprintf(stderr, "redis %s: %s\n", args[0].c_str(), r->str);
    std::exit(1);
  }
  return r;
}

long long integer(redisContext* c, const std::vector<std::string>& args) {
  redisReply* r = command(c, args);
  const long long v = r->integer;
  freeReplyObject(r);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  const char* env_port = std::getenv("HASHSKETCH_REDIS_PORT");
  const std::string host = argc > 1 ? argv[1] : "127.0.0.1";
  const int port = argc > 2 ? std::atoi(argv[2]) : env_port ? std::atoi(env_port) : 6379;
  redisContext* c = redisConnect(host.c_str(), port);
  if (!c || c->err) {
    std::fprintf(stderr, "cannot connect to redis at %s:%d: %s\n", host.c_str(), port, c ? c->errstr : "no memory");
    return 1;
  }

  // 1. Build one sketch per shard, in parallel (each thread owns its sketch).
  std::vector<hashsketch::redis_hyperloglog> sketches(shards);
  std::vector<std::thread> workers;
  for (int s = 0; s < shards; ++s)
    workers.emplace_back([s, &sketches] {
      for (long id : shard_views(s)) sketches[static_cast<std::size_t>(s)].add(visitor_key(id));
    });
  for (auto& w : workers) w.join();

  // 2. SET each shard's Redis string; PFMERGE them into the day in Redis.
  std::vector<std::string> pfmerge = {"PFMERGE", "rollup:day"};
  for (int s = 0; s < shards; ++s) {
    const std::string key = "rollup:shard:" + std::to_string(s);
    freeReplyObject(command(c, {"SET", key, hashsketch::to_redis(sketches[static_cast<std::size_t>(s)])}));
    pfmerge.push_back(key);
    std::printf("shard %d: %ld views, ~%lld visitors (PFCOUNT)\n", s, views_per_shard, integer(c, {"PFCOUNT", key}));
  }
  freeReplyObject(command(c, {"DEL", "rollup:day"}));
  freeReplyObject(command(c, pfmerge));
  const long long day_count = integer(c, {"PFCOUNT", "rollup:day"});

  // 3. Read the merged key back and check it against our own merge and the truth.
  redisReply* got = command(c, {"GET", "rollup:day"});
  const hashsketch::redis_hyperloglog day = hashsketch::from_redis(std::string(got->str, got->len));
  freeReplyObject(got);
  hashsketch::redis_hyperloglog local;
  for (const auto& s : sketches) local.merge(s);

  std::vector<bool> seen(visitors, false);
  long exact = 0;
  for (int s = 0; s < shards; ++s)
    for (long id : shard_views(s))
      if (!seen[static_cast<std::size_t>(id)]) {
        seen[static_cast<std::size_t>(id)] = true;
        ++exact;
      }

  const auto ci = day.confidence_interval(0.999);
  std::printf("day: PFCOUNT %lld, our merge %llu, estimate %.0f (99.9%%: %.0f .. %.0f), exact %ld, error %+.2f%%\n",
              day_count, static_cast<unsigned long long>(hashsketch::redis_count(local)), ci.estimate, ci.lower,
              ci.upper, exact, 100.0 * (ci.estimate - static_cast<double>(exact)) / static_cast<double>(exact));

  bool ok = true;
  if (!(day == local)) {
    std::printf("FAIL: the PFMERGE result differs from our merge\n");
    ok = false;
  }
  if (static_cast<unsigned long long>(day_count) != hashsketch::redis_count(local)) {
    std::printf("FAIL: PFCOUNT differs from redis_count of our merge\n");
    ok = false;
  }
  if (!(ci.lower <= static_cast<double>(exact) && static_cast<double>(exact) <= ci.upper)) {
    std::printf("FAIL: the exact count is outside the 99.9%% interval\n");
    ok = false;
  }
  for (int s = 0; s < shards; ++s) freeReplyObject(command(c, {"DEL", "rollup:shard:" + std::to_string(s)}));
  freeReplyObject(command(c, {"DEL", "rollup:day"}));
  redisFree(c);
  std::printf("%s\n", ok ? "rollup OK" : "rollup FAILED");
  return ok ? 0 : 1;
}
#endif
