// PostgreSQL hll interoperability against a real server (postgresql-15 with
// postgresql-15-hll), started by the ctest fixture postgres_server
// (tests/postgres/pg_fixture.sh). For log2m ∈ {10, 11, 14, 16}, regwidth ∈
// {4, 5}, n ∈ {0, 1, 100, 1000, 10^5} and bigint, integer and text keys:
//   - hll_add_agg(hll_hash_*(x), log2m, regwidth, -1, 1) over x = 1..n has
//     exactly the bytes of to_postgres of our sketch of the same keys (n = 0:
//     hll_empty(log2m, regwidth, -1, 1), the aggregate being NULL);
//   - our bytes, inserted as hll, give hll_cardinality = postgres_count
//     (within 1e-12 relative);
//   - hll_union(ours, the server's value of another, overlapping range)
//     equals to_postgres of our merge, and from_postgres reads the server's
//     bytes back to the same bytes.
// Then regwidth 6 (the NaN of the extension's large-range rule), and bad
// bytes: every truncation and bit flip of small images that the server
// rejects, we reject. Keys are generated on the server (generate_series) and
// every comparison is one batched query per parameter set.
#include "hashsketch_catch.hpp"

#include <hashsketch/postgresql.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#ifndef HASHSKETCH_NO_LIBPQ
#include <libpq-fe.h>
#endif

namespace hs = hashsketch;

#ifdef HASHSKETCH_NO_LIBPQ
TEST_CASE("PostgreSQL server tests need libpq", "[postgres-server]") {
  FAIL("built without libpq (install libpq-dev): the PostgreSQL server tests cannot run");
}
#else

namespace {

std::string hex(const std::vector<std::uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s = "\\x";
  for (auto c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

std::vector<std::uint8_t> unhex(const std::string& s) {
  std::vector<std::uint8_t> out;
  if (s.size() < 2 || s[0] != '\\' || s[1] != 'x') return out;
  for (std::size_t i = 2; i + 1 < s.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return out;
}

class connection {
 public:
  connection() {
    const char* state = std::getenv("HASHSKETCH_PG_STATE");
    if (state == nullptr) throw std::runtime_error("HASHSKETCH_PG_STATE not set (run through ctest: fixture postgres_server)");
    std::ifstream in(std::string(state) + "/port");
    int port = 0;
    if (!(in >> port) || port <= 0)
      throw std::runtime_error(std::string("no server port in ") + state + "/port (did postgres_server_start fail?)");
    const std::string conninfo =
        "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=postgres connect_timeout=10";
    conn_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(std::string("connect: ") + PQerrorMessage(conn_));
  }
  ~connection() { PQfinish(conn_); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Rows × columns of text values ("" for NULL, reported by is_null).
  struct result {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::vector<bool>> nulls;
  };
  result query(const std::string& sql, const std::vector<std::string>& params = {}) {
    std::string error;
    result r;
    if (!try_query(sql, params, r, error)) throw std::runtime_error("query failed: " + error + "\n" + sql.substr(0, 300));
    return r;
  }
  bool try_query(const std::string& sql, const std::vector<std::string>& params, result& out, std::string& error) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.empty() ? nullptr : values.data(), nullptr, nullptr, 0);
    const ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      error = PQresultErrorMessage(res);
      PQclear(res);
      return false;
    }
    out.rows.clear();
    out.nulls.clear();
    for (int i = 0; i < PQntuples(res); ++i) {
      std::vector<std::string> row;
      std::vector<bool> nulls;
      for (int j = 0; j < PQnfields(res); ++j) {
        row.emplace_back(PQgetvalue(res, i, j));
        nulls.push_back(PQgetisnull(res, i, j) != 0);
      }
      out.rows.push_back(std::move(row));
      out.nulls.push_back(std::move(nulls));
    }
    PQclear(res);
    return true;
  }

 private:
  PGconn* conn_ = nullptr;
};

connection& db() {
  static connection c;
  return c;
}

bool same_count(double server, double ours) {
  if (std::isnan(server) || std::isnan(ours)) return std::isnan(server) && std::isnan(ours);
  if (server == 0.0) return ours == 0.0;
  return std::fabs(ours - server) <= 1e-12 * std::fabs(server);
}

enum class key_type { bigint, integer, text };
const char* sql_hash(key_type t) {
  switch (t) {
    case key_type::bigint: return "hll_hash_bigint(x::bigint)";
    case key_type::integer: return "hll_hash_integer(x::integer)";
    default: return "hll_hash_text(x::text)";
  }
}
template <class Sketch>
void add_key(Sketch& s, key_type t, std::int64_t x) {
  switch (t) {
    case key_type::bigint: s.add(x); break;
    case key_type::integer: s.add(static_cast<std::int32_t>(x)); break;
    default: s.add(std::string_view(std::to_string(x))); break;
  }
}

const std::vector<std::int64_t> sizes{0, 1, 100, 1000, 100000};

// The server's value over x = lo..hi (hll_empty when the range is empty).
std::string server_agg_sql(key_type t, unsigned log2m, unsigned regwidth) {
  const std::string args = std::to_string(log2m) + ", " + std::to_string(regwidth) + ", -1, 1";
  return "SELECT r.lo, r.hi, coalesce((SELECT hll_add_agg(" + std::string(sql_hash(t)) + ", " + args +
         ") FROM generate_series(r.lo, r.hi) x), hll_empty(" + args + ")) FROM unnest($1::bigint[], $2::bigint[]) "
         "AS r(lo, hi) ORDER BY r.hi, r.lo";
}

template <unsigned P, unsigned R>
void check_parameters(key_type t) {
  using sketch_t = hs::postgres_hyperloglog<P, R>;
  INFO("log2m " << P << " regwidth " << R << " key type " << static_cast<int>(t));
  // A = 1..n (ours and the server's), B = n/2+1 .. n/2+n (the server's).
  std::string lo = "{", hi = "{";
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::int64_t n = sizes[i];
    lo += (i ? "," : "") + std::string("1,") + std::to_string(n / 2 + 1);
    hi += (i ? "," : "") + std::to_string(n) + "," + std::to_string(n / 2 + n);
  }
  lo += "}";
  hi += "}";
  const auto values = db().query(server_agg_sql(t, P, R), {lo, hi});
  REQUIRE(values.rows.size() == 2 * sizes.size());

  sketch_t ours;
  std::int64_t added = 0;
  std::vector<std::string> ours_hex, union_hex;
  std::vector<double> ours_count, union_count;
  std::string batch = "SELECT i, hll_cardinality(a::hll), hll_union(a::hll, b::hll) FROM (VALUES ";
  std::vector<std::string> params;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::int64_t n = sizes[i];
    INFO("n = " << n);
    while (added < n) add_key(ours, t, ++added);
    // rows are ordered by hi: A = (1, n) comes first unless n = 0 (where
    // B = (1, 0) also sorts by lo); find each by its range.
    std::string server_a, server_b;
    for (const auto& row : values.rows) {
      if (row[0] == "1" && row[1] == std::to_string(n)) server_a = row[2];
      if (row[0] == std::to_string(n / 2 + 1) && row[1] == std::to_string(n / 2 + n)) server_b = row[2];
    }
    REQUIRE(!server_a.empty());
    REQUIRE(!server_b.empty());
    const auto mine = hs::to_postgres(ours);
    CHECK(hex(mine) == server_a);
    // the server's value read back writes the same bytes
    const auto b_bytes = unhex(server_b);
    const sketch_t b = hs::from_postgres<P, R>(b_bytes.data(), b_bytes.size());
    CHECK(hex(hs::to_postgres(b)) == server_b);
    sketch_t merged = ours;
    merged.merge(b);
    ours_hex.push_back(hex(mine));
    ours_count.push_back(hs::postgres_count(ours));
    union_hex.push_back(hex(hs::to_postgres(merged)));
    batch += (i ? ", " : "") + std::string("(") + std::to_string(i) + ", $" + std::to_string(2 * i + 1) + ", $" +
             std::to_string(2 * i + 2) + ")";
    params.push_back(hex(mine));
    params.push_back(server_b);
  }
  batch += ") AS v(i, a, b) ORDER BY i";
  const auto checks = db().query(batch, params);
  REQUIRE(checks.rows.size() == sizes.size());
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    INFO("n = " << sizes[i]);
    const double server_count = std::strtod(checks.rows[i][1].c_str(), nullptr);
    INFO("server " << checks.rows[i][1] << " ours " << ours_count[i]);
    CHECK(same_count(server_count, ours_count[i]));
    CHECK(checks.rows[i][2] == union_hex[i]);
  }
}

}  // namespace

TEST_CASE("server: hll_add_agg bytes, hll_cardinality and hll_union agree with ours", "[postgres-server]") {
  for (key_type t : {key_type::bigint, key_type::integer, key_type::text}) {
    check_parameters<10, 4>(t);
    check_parameters<10, 5>(t);
    check_parameters<11, 4>(t);
    check_parameters<11, 5>(t);
    check_parameters<14, 4>(t);
    check_parameters<14, 5>(t);
    check_parameters<16, 4>(t);
    check_parameters<16, 5>(t);
  }
}

TEST_CASE("server: regwidth 6 (hll_cardinality's NaN above linear counting)", "[postgres-server]") {
  check_parameters<11, 6>(key_type::bigint);
  // and the server really says NaN there
  const auto r = db().query(
      "SELECT hll_cardinality(hll_add_agg(hll_hash_bigint(x), 11, 6, -1, 1)) FROM generate_series(1, 100000) x");
  CHECK(r.rows.at(0).at(0) == "NaN");
}

TEST_CASE("server: the empty string hashes to 0, kept as an EXPLICIT element", "[postgres-server]") {
  const auto r = db().query(
      "SELECT hll_add_agg(hll_hash_text(''), 11, 5, -1, 1), hll_cardinality(hll_add_agg(hll_hash_text(''), 11, 5, -1, 1))");
  hs::postgres_hyperloglog<11, 5> s;
  s.add(std::string_view(""));
  CHECK(r.rows.at(0).at(0) == hex(hs::to_postgres(s)));
  CHECK(r.rows.at(0).at(1) == "1");
  CHECK(hs::postgres_count(s) == 1.0);
}

TEST_CASE("server: hll_add_agg with expthresh 0 / 2^k and sparseon 0", "[postgres-server]") {
  struct variant {
    std::int64_t expthresh;
    int sparseon;
  };
  for (variant v : {variant{0, 1}, variant{16, 1}, variant{256, 0}, variant{-1, 0}}) {
    for (std::int64_t n : {1, 20, 300, 3000}) {
      INFO("expthresh " << v.expthresh << " sparseon " << v.sparseon << " n " << n);
      const auto r = db().query("SELECT hll_add_agg(hll_hash_bigint(x), 11, 5, " + std::to_string(v.expthresh) + ", " +
                                std::to_string(v.sparseon) + ") FROM generate_series(1, " + std::to_string(n) + ") x");
      hs::postgres_hyperloglog<11, 5> s(v.expthresh > 160 ? static_cast<std::size_t>(v.expthresh) : 160);
      for (std::int64_t x = 1; x <= n; ++x) s.add(x);
      hs::postgres_options o;
      o.expthresh = v.expthresh;
      o.sparseon = v.sparseon;
      CHECK(r.rows.at(0).at(0) == hex(hs::to_postgres(s, o)));
    }
  }
}

TEST_CASE("server: whatever the server rejects, we reject", "[postgres-server]") {
  // Small images of every type: EMPTY, EXPLICIT, SPARSE, FULL (log2m 4).
  std::vector<std::vector<std::uint8_t>> images;
  hs::postgres_hyperloglog<4, 5> s;
  images.push_back(hs::to_postgres(s));
  for (std::int64_t k = 1; k <= 3; ++k) s.add(k);
  images.push_back(hs::to_postgres(s));
  hs::postgres_options sparse;
  sparse.expthresh = 0;
  images.push_back(hs::to_postgres(s, sparse));
  for (std::int64_t k = 4; k <= 40; ++k) s.add(k);
  images.push_back(hs::to_postgres(s));
  REQUIRE(images[3][0] == 0x14);
  std::size_t server_rejected = 0, both_accepted = 0;
  auto probe = [&](const std::vector<std::uint8_t>& img) {
    connection::result r;
    std::string error;
    const bool server_ok = db().try_query("SELECT hll_cardinality($1::hll)", {hex(img)}, r, error);
    bool ours_ok = true;
    try {
      (void)hs::from_postgres<4, 5>(img.data(), img.size());
    } catch (const hs::format_error&) {
      ours_ok = false;
    }
    INFO("image " << hex(img) << " server: " << (server_ok ? "accepted" : error));
    if (!server_ok) {
      ++server_rejected;
      CHECK(!ours_ok);
    } else if (ours_ok) {
      ++both_accepted;
    }
  };
  for (const auto& img : images) {
    for (std::size_t len = 0; len < img.size(); ++len) probe(std::vector<std::uint8_t>(img.begin(), img.begin() + static_cast<std::ptrdiff_t>(len)));
    for (std::size_t i = 0; i < img.size(); ++i)
      for (int bit = 0; bit < 8; ++bit) {
        auto b = img;
        b[i] = static_cast<std::uint8_t>(b[i] ^ (1u << bit));
        probe(b);
      }
  }
  CHECK(server_rejected > 0);
  CHECK(both_accepted > 0);
}

#endif  // HASHSKETCH_NO_LIBPQ
