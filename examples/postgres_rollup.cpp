// Daily unique users per shard, rolled up in PostgreSQL with the hll extension.
//
// Four shards (e.g. four services or Citus workers) each count the distinct
// user ids of their events in a postgres_hyperloglog — no round trip per
// event — and store the day's value in a table column of type hll, exactly
// as `INSERT … SELECT hll_add_agg(hll_hash_bigint(user_id))` would have. SQL
// then rolls the shards up with hll_union_agg, and the result is read back
// and checked three ways: its bytes equal to_postgres of our own merge,
// hll_cardinality equals postgres_count of our merge, and the estimate is
// within 3 standard errors of the exact answer. Exits non-zero otherwise.
//
//   postgres_rollup [conninfo]   (default "host=127.0.0.1 port=$HASHSKETCH_PG_PORT
//                                 user=postgres dbname=postgres"; needs CREATE EXTENSION hll)
//
// Uses libpq (Debian: libpq-dev) as the client; hashsketch itself has no
// PostgreSQL dependency. ctest runs it against a throwaway server it starts.
#include <hashsketch/postgresql.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#ifdef HASHSKETCH_NO_LIBPQ
int main() {
  std::fprintf(stderr, "postgres_rollup was built without libpq (install libpq-dev)\n");
  return 1;
}
#else
#include <libpq-fe.h>

namespace {

constexpr int shards = 4;
constexpr long events_per_shard = 200000;
constexpr std::int64_t users = 300000;  // user ids 0 .. users-1

// log2m 14, regwidth 5: 10 KiB per value, ±0.81 % (1.04/√16384).
using day_sketch = hashsketch::postgres_hyperloglog<14, 5>;

std::vector<std::int64_t> shard_events(int shard) {
  std::vector<std::int64_t> ids(events_per_shard);
  unsigned long long x = 0x9e3779b97f4a7c15ull * static_cast<unsigned long long>(shard + 1);
  for (auto& id : ids) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    id = static_cast<std::int64_t>((x >> 33) % static_cast<unsigned long long>(users));
  }
  return ids;
}

std::string to_hex(const std::vector<std::uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s = "\\x";
  for (auto c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

// Runs one statement; exits with the server's message on error.
PGresult* run(PGconn* c, const char* sql, const std::vector<std::string>& params = {}) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  PGresult* r = PQexecParams(c, sql, static_cast<int>(values.size()), nullptr, values.empty() ? nullptr : values.data(),
                             nullptr, nullptr, 0);
  const ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    std::fprintf(stderr, "postgres: %s\n  in: %s\n", PQresultErrorMessage(r), sql);
    PQclear(r);
    PQfinish(c);
    std::exit(1);
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string conninfo;
  if (argc > 1) {
    conninfo = argv[1];
  } else {
    const char* port = std::getenv("HASHSKETCH_PG_PORT");
    conninfo = std::string("host=127.0.0.1 port=") + (port ? port : "5432") + " user=postgres dbname=postgres";
  }
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::fprintf(stderr, "postgres connect (%s): %s", conninfo.c_str(), PQerrorMessage(c));
    PQfinish(c);
    return 1;
  }
  PQclear(run(c, "CREATE TEMP TABLE daily_users (day date, shard int, users hll(14, 5, -1, 1))"));

  // Each shard counts its own events and writes one value.
  day_sketch merged;
  std::set<std::int64_t> exact;
  for (int s = 0; s < shards; ++s) {
    day_sketch shard;
    for (std::int64_t id : shard_events(s)) {
      shard.add(id);  // = hll_hash_bigint(id)
      exact.insert(id);
    }
    PQclear(run(c, "INSERT INTO daily_users VALUES ('2026-12-01', $1, $2::hll)",
                {std::to_string(s), to_hex(hashsketch::to_postgres(shard))}));
    merged.merge(shard);
  }

  // SQL rolls up the shards.
  PGresult* r = run(c,
                    "SELECT hll_union_agg(users), hll_cardinality(hll_union_agg(users)) FROM daily_users "
                    "WHERE day = '2026-12-01'");
  const std::string rolled = PQgetvalue(r, 0, 0);
  const double sql_count = std::strtod(PQgetvalue(r, 0, 1), nullptr);
  PQclear(r);
  PQfinish(c);

  const std::string ours = to_hex(hashsketch::to_postgres(merged));
  const double our_count = hashsketch::postgres_count(merged);
  const double truth = static_cast<double>(exact.size());
  const double rse = 1.04 / std::sqrt(16384.0);
  const double rel = std::fabs(sql_count / truth - 1.0);
  std::printf("%d shards, %zu distinct users\n", shards, exact.size());
  std::printf("hll_union_agg bytes %s our merge (%zu bytes)\n", rolled == ours ? "equal" : "DIFFER from", ours.size() / 2 - 1);
  std::printf("hll_cardinality %.3f, postgres_count %.3f, our estimate() %.3f\n", sql_count, our_count,
              merged.estimate());
  std::printf("relative error %.4f (3 standard errors: %.4f)\n", rel, 3 * rse);
  const bool ok = rolled == ours && std::fabs(sql_count - our_count) <= 1e-12 * sql_count && rel <= 3 * rse;
  std::printf("%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
#endif
