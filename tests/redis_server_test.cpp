// redis_hyperloglog against a real redis-server (started by the ctest fixture
// in cmake/HashsketchHiredis.cmake; port via $HASHSKETCH_REDIS_STATE/port or
// $HASHSKETCH_REDIS_PORT). No server is a failure, not a skip.
//   - PFADD in Redis → GET → from_redis: registers equal, bit for bit, to ours
//     built from the same elements (sparse small n, dense large n), and the
//     bytes equal to_redis's;
//   - to_redis → SET → PFCOUNT equals PFCOUNT of the Redis-built key; PFMERGE
//     of ours with Redis's equals our merge; estimate() within 0.05 %;
//   - strings Redis rejects, from_redis rejects too.
#include <hashsketch/redis.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "hashsketch_catch.hpp"

#ifdef HASHSKETCH_NO_HIREDIS

TEST_CASE("redis server tests need hiredis") {
  FAIL("built without hiredis (install libhiredis-dev and reconfigure): the Redis server tests cannot run");
}

#else

#include "redis_process.hpp"

using hashsketch::from_redis;
using hashsketch::redis_encoding;
using hashsketch::redis_hyperloglog;
using hashsketch::to_redis;
using redis_support::command;
using redis_support::reply_ptr;

namespace {

redisContext* server() {
  static redis_support::context_ptr context = [] {
    std::string where, error;
    const int port = redis_support::fixture_port(where);
    if (port <= 0) FAIL("no Redis server port from " << where << " (run through ctest: the fixture starts one)");
    auto c = redis_support::connect("127.0.0.1", port, &error);
    if (!c) FAIL("cannot connect to redis-server on 127.0.0.1:" << port << ": " << error);
    return c;
  }();
  return context.get();
}

const std::string prefix = "hashsketch:test:";

reply_ptr run(const std::vector<std::string>& args) { return command(server(), args); }

std::string ok_string(const std::vector<std::string>& args) {
  reply_ptr r = run(args);
  INFO(args[0] << " replied type " << r->type << ": " << std::string(r->str ? r->str : "", r->str ? r->len : 0));
  REQUIRE(r->type == REDIS_REPLY_STRING);
  return std::string(r->str, r->len);
}
long long ok_integer(const std::vector<std::string>& args) {
  reply_ptr r = run(args);
  INFO(args[0] << " replied type " << r->type << ": " << std::string(r->str ? r->str : "", r->str ? r->len : 0));
  REQUIRE(r->type == REDIS_REPLY_INTEGER);
  return r->integer;
}
void ok_status(const std::vector<std::string>& args) {
  reply_ptr r = run(args);
  INFO(args[0] << ": " << std::string(r->str ? r->str : "", r->str ? r->len : 0));
  REQUIRE(r->type == REDIS_REPLY_STATUS);
}
/// The error text of a command expected to fail ("" if it did not fail).
std::string error_reply(const std::vector<std::string>& args) {
  reply_ptr r = run(args);
  return r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len) : std::string();
}

void del(const std::string& key) { (void)run({"DEL", key}); }

/// PFADD in batches of 1000 elements per command.
void pfadd(const std::string& key, const std::vector<std::string>& elements) {
  (void)ok_integer({"PFADD", key});  // creates the (sparse, empty) key
  for (std::size_t i = 0; i < elements.size(); i += 1000) {
    std::vector<std::string> args = {"PFADD", key};
    for (std::size_t j = i; j < elements.size() && j < i + 1000; ++j) args.push_back(elements[j]);
    (void)ok_integer(args);
  }
}

redis_hyperloglog ours_of(const std::vector<std::string>& elements) {
  redis_hyperloglog s;
  for (const auto& e : elements) s.add(std::string_view(e));
  return s;
}

/// Text keys "<tag><i>" for i in [from, to).
std::vector<std::string> text_keys(const std::string& tag, std::size_t from, std::size_t to) {
  std::vector<std::string> keys;
  for (std::size_t i = from; i < to; ++i) keys.push_back(tag + std::to_string(i));
  return keys;
}

/// Binary keys of every length 0..70 (every MurmurHash64A tail length, several
/// blocks), bytes 0..255 including NUL.
std::vector<std::string> binary_keys(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < n; ++i) {
    std::string k(i % 71, '\0');
    for (auto& c : k) c = static_cast<char>(rng() & 0xff);
    keys.push_back(k);
  }
  return keys;
}

/// Redis's incremental sparse writer merges adjacent equal VALs only up to a
/// combined length of 4, so a run of ≥ 5 equal non-zero registers can be split
/// differently depending on insertion order. Without such runs its string is
/// the canonical one that to_redis writes.
bool canonical_for_redis(const redis_hyperloglog& s) {
  std::size_t run = 1;
  // One view: of a sparse sketch each registers() call materialises a copy.
  const hashsketch::register_view regs = s.registers();
  for (std::size_t i = 1; i < regs.size(); ++i) {
    run = (regs[i] == regs[i - 1] && regs[i] != 0) ? run + 1 : 1;
    if (run > 4) return false;
  }
  return true;
}

std::string with_stale_cache(std::string s) {
  s[15] = static_cast<char>(static_cast<unsigned char>(s[15]) | 0x80u);
  return s;
}

}  // namespace

TEST_CASE("the fixture's server answers") {
  reply_ptr r = run({"PING"});
  REQUIRE(r->type == REDIS_REPLY_STATUS);
  CHECK(std::string(r->str, r->len) == "PONG");
}

TEST_CASE("PFADD in Redis, GET, from_redis: registers and bytes equal ours (sparse, small n)") {
  const std::string key = prefix + "sparse";
  int byte_compared = 0;
  for (std::size_t n : {1u, 2u, 10u, 100u, 400u}) {
    for (int kind = 0; kind < 2; ++kind) {
      const auto elements = kind == 0 ? text_keys("user-", 0, n) : binary_keys(n, n);
      INFO("n = " << n << (kind == 0 ? " text" : " binary") << " elements");
      del(key);
      pfadd(key, elements);
      const std::string stale = ok_string({"GET", key});
      const redis_hyperloglog ours = ours_of(elements);
      REQUIRE(static_cast<unsigned char>(stale[4]) == 1);  // Redis keeps it sparse
      CHECK(from_redis(stale) == ours);                     // bit for bit
      // After PFCOUNT Redis caches the count in the header, as to_redis does.
      const long long count = ok_integer({"PFCOUNT", key});
      CHECK(static_cast<std::uint64_t>(count) == hashsketch::redis_count(ours));
      const std::string bytes = ok_string({"GET", key});
      CHECK(from_redis(bytes) == ours);
      if (canonical_for_redis(ours)) {
        CHECK(to_redis(ours) == bytes);
        ++byte_compared;
      }
    }
  }
  CHECK(byte_compared == 10);  // these element sets have no run of 5 equal registers
}

TEST_CASE("PFADD in Redis, GET, from_redis: registers and bytes equal ours (dense, large n)") {
  const std::string key = prefix + "dense";
  for (std::size_t n : {3000u, 200000u}) {
    INFO("n = " << n);
    const auto elements = text_keys("visitor:", 0, n);
    del(key);
    pfadd(key, elements);
    const redis_hyperloglog ours = ours_of(elements);
    const std::string stale = ok_string({"GET", key});
    REQUIRE(stale.size() == 12304);
    CHECK(from_redis(stale) == ours);
    CHECK((static_cast<unsigned char>(stale[15]) & 0x80u) != 0);  // PFADD left the cache stale
    CHECK(stale.substr(16) == to_redis(ours).substr(16));
    const long long count = ok_integer({"PFCOUNT", key});
    CHECK(static_cast<std::uint64_t>(count) == hashsketch::redis_count(ours));
    CHECK(ok_string({"GET", key}) == to_redis(ours));  // byte for byte, cache included
    // Our dense estimator (α_m) against Redis's (α_∞): 0.013 % apart at
    // m = 16384. At n = 3000 `ours` is still sparse and estimates from its
    // tokens (near exact), so the register estimate is the densified copy's.
    redis_hyperloglog dense = ours;
    dense.densify();
    CHECK(std::abs(dense.estimate() - static_cast<double>(count)) <= 0.0005 * static_cast<double>(count));
    if (ours.is_sparse())  // the sparse state's bound (docs/sparse.md): max(1, 10^-3·n) for n ≤ 10^4
      CHECK(std::abs(ours.estimate() - static_cast<double>(n)) <= std::max(1.0, 1e-3 * static_cast<double>(n)));
  }
}

TEST_CASE("to_redis → SET → PFCOUNT equals PFCOUNT of the Redis-built key; Redis keeps using our strings") {
  const std::string theirs = prefix + "theirs", mine = prefix + "mine", stale = prefix + "mine-stale";
  for (std::size_t n : {5u, 700u, 50000u}) {
    for (redis_encoding enc : {redis_encoding::automatic, redis_encoding::dense, redis_encoding::sparse}) {
      const auto elements = text_keys("e", 0, n);
      const redis_hyperloglog ours = ours_of(elements);
      std::string bytes;
      try {
        bytes = to_redis(ours, enc);
      } catch (const std::invalid_argument&) {
        continue;  // forced sparse with a register above 32
      }
      INFO("n = " << n << ", " << bytes.size() << " bytes");
      del(theirs);
      pfadd(theirs, elements);
      const long long expected = ok_integer({"PFCOUNT", theirs});
      ok_status({"SET", mine, bytes});
      CHECK(ok_integer({"PFCOUNT", mine}) == expected);  // served from our cached count
      ok_status({"SET", stale, with_stale_cache(bytes)});
      CHECK(ok_integer({"PFCOUNT", stale}) == expected);  // recomputed by Redis from our registers
      // Redis parses and updates our string: re-adding changes nothing, new elements do.
      CHECK(ok_integer({"PFADD", mine, elements.front()}) == 0);
      (void)ok_integer({"PFADD", mine, "one more", "and another"});
      (void)ok_integer({"PFADD", theirs, "one more", "and another"});
      redis_hyperloglog ours_plus = ours;
      ours_plus.add(std::string_view("one more"));
      ours_plus.add(std::string_view("and another"));
      CHECK(from_redis(ok_string({"GET", mine})) == ours_plus);
      CHECK(ok_integer({"PFCOUNT", mine}) == ok_integer({"PFCOUNT", theirs}));
    }
  }
}

TEST_CASE("PFMERGE of our key with Redis's equals our merge") {
  const std::string theirs = prefix + "m-theirs", mine = prefix + "m-mine", dest = prefix + "m-dest";
  for (std::size_t n : {60u, 100000u}) {
    INFO("n = " << n);
    const auto a = text_keys("id", 0, n), b = text_keys("id", n / 2, n + n / 2);
    del(theirs);
    del(dest);
    pfadd(theirs, b);
    const redis_hyperloglog ours = ours_of(a);
    ok_status({"SET", mine, to_redis(ours)});
    ok_status({"PFMERGE", dest, mine, theirs});
    const redis_hyperloglog merged_there = from_redis(ok_string({"GET", dest}));
    redis_hyperloglog merged_here = ours;
    merged_here.merge(from_redis(ok_string({"GET", theirs})));
    CHECK(merged_there == merged_here);
    std::vector<std::string> all = a;
    all.insert(all.end(), b.begin() + static_cast<std::ptrdiff_t>(n / 2), b.end());
    CHECK(merged_here == ours_of(all));  // the merge is the sketch of the union
    const long long count = ok_integer({"PFCOUNT", dest});
    CHECK(static_cast<std::uint64_t>(count) == hashsketch::redis_count(merged_here));
    CHECK(ok_integer({"PFCOUNT", mine, theirs}) == count);  // multi-key PFCOUNT merges the same way
    CHECK(std::abs(merged_here.estimate() - static_cast<double>(count)) <= 0.0005 * static_cast<double>(count) + 0.5);
  }
}

TEST_CASE("strings Redis rejects, from_redis rejects too") {
  const std::string key = prefix + "bad";
  redis_hyperloglog some;
  for (int i = 0; i < 300; ++i) some.add("x" + std::to_string(i));
  // A stale cache makes Redis validate the registers instead of answering from the header.
  const std::string sparse = with_stale_cache(to_redis(some, redis_encoding::sparse));
  const std::string dense = with_stale_cache(to_redis(some, redis_encoding::dense));
  std::string header = sparse.substr(0, 16);
  const auto xzero = [](unsigned run) {
    return std::string{static_cast<char>(0x40u | ((run - 1) >> 8)), static_cast<char>((run - 1) & 0xffu)};
  };
  struct bad {
    const char* what;
    std::string bytes;
  };
  std::string magic = sparse, encoding = sparse;
  magic[0] = 'h';
  encoding[4] = 2;
  const std::vector<bad> cases = {
      {"shorter than the header", sparse.substr(0, 12)},
      {"bad magic", magic},
      {"encoding 2", encoding},
      {"dense one byte short", dense.substr(0, dense.size() - 1)},
      {"dense one byte long", dense + std::string(1, '\0')},
      {"sparse, opcodes cover 16383 registers", header + xzero(16383)},
      {"sparse, opcodes cover 16385 registers", header + xzero(16384) + std::string(1, '\0')},
      {"sparse, a VAL past the last register", header + xzero(16382) + std::string(1, static_cast<char>(0x83))},
      {"sparse, header only", header},
  };
  for (const bad& c : cases) {
    INFO(c.what);
    ok_status({"SET", key, c.bytes});
    const std::string error = error_reply({"PFCOUNT", key});
    CHECK(!error.empty());  // Redis: WRONGTYPE … not a valid HyperLogLog / INVALIDOBJ Corrupted HLL
    CHECK_THROWS_AS(from_redis(c.bytes), hashsketch::format_error);
  }
  // The one deliberate difference: Redis accepts a dense register above 51
  // (PFADD can never write one; PFCOUNT ignores it), from_redis refuses it,
  // because no register of this layout can hold it.
  std::string high = dense;
  high[16] = static_cast<char>((static_cast<unsigned char>(high[16]) & 0xc0u) | 60u);
  ok_status({"SET", key, high});
  CHECK(error_reply({"PFCOUNT", key}).empty());
  CHECK_THROWS_WITH(from_redis(high), Catch::Matchers::Contains("above Redis's largest rank 51"));
  del(key);
}

TEST_CASE("clean up the test keys") {
  for (const char* k : {"sparse", "dense", "theirs", "mine", "mine-stale", "m-theirs", "m-mine", "m-dest", "bad"})
    del(prefix + k);
  CHECK(ok_integer({"EXISTS", prefix + "dense"}) == 0);
}

#endif  // HASHSKETCH_NO_HIREDIS
