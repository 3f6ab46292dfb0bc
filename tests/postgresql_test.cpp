// PostgreSQL hll compatibility against the extension's own reference data
// (tests/data/postgresql-hll, copied from citusdata/postgresql-hll; see
// its README in /work/shared/vectors): hashes, every row of the cumulative
// add / union files (bytes exactly, hll_cardinality within 1e-12 relative),
// the writer's type rules, folding, and hostile bytes (every truncation and
// byte flip of small images) — the last under ASan/UBSan in CI.
#include "hashsketch_catch.hpp"

#include <hashsketch/postgresql.hpp>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/splitmix64.hpp"

namespace hs = hashsketch;

namespace {

// One register view per sketch: of a sparse core, registers() is a
// materialised copy, so begin() and end() must come from the same view.
template <class A, class B>
bool same_registers(const A& a, const B& b) {
  const hashsketch::register_view va = a.registers(), vb = b.registers();
  return va.size() == vb.size() && std::equal(va.begin(), va.end(), vb.begin());
}
template <class S, class F>
std::ptrdiff_t count_registers_if(const S& s, F f) {
  const hashsketch::register_view v = s.registers();
  return std::count_if(v.begin(), v.end(), f);
}

std::string data_path(const std::string& name) { return std::string(HASHSKETCH_TEST_DATA_DIR) + "/postgresql-hll/" + name; }

std::string read_gz(const std::string& name) {
  gzFile f = gzopen(data_path(name).c_str(), "rb");
  REQUIRE(f != nullptr);
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  REQUIRE(!out.empty());
  return out;
}

std::vector<std::vector<std::string>> read_csv(const std::string& name) {
  std::istringstream in(read_gz(name));
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> cols;
    std::string col;
    std::istringstream ls(line);
    while (std::getline(ls, col, ',')) cols.push_back(col);
    rows.push_back(cols);
  }
  return rows;
}

std::vector<std::uint8_t> unhex(const std::string& s) {
  REQUIRE(s.size() >= 2);
  REQUIRE(s.substr(0, 2) == "\\x");
  std::vector<std::uint8_t> out;
  for (std::size_t i = 2; i + 1 < s.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return out;
}

std::string hex(const std::vector<std::uint8_t>& b) {
  static const char* d = "0123456789ABCDEF";
  std::string s = "\\x";
  for (auto c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

using pg11 = hs::postgres_hyperloglog<11, 5>;

hs::postgres_options options_of(const std::vector<std::uint8_t>& image, std::int64_t max_sparse) {
  const hs::postgres_header h = hs::postgres_read_header(image.data(), image.size());
  hs::postgres_options o;
  o.log2m = h.log2m;
  o.regwidth = h.regwidth;
  o.expthresh = h.expthresh;
  o.sparseon = h.sparseon;
  o.max_sparse = max_sparse;
  return o;
}

void check_count(double ours, double expected) {
  if (expected == 0.0)
    CHECK(ours == 0.0);
  else
    CHECK(std::fabs(ours - expected) <= 1e-12 * std::fabs(expected));
}

// The cumulative files were written with hll_set_max_sparse(512) in effect
// (the extension's regression setup for them; the README says so): a value
// is SPARSE while at most 512 registers are non-zero.
constexpr std::int64_t reference_max_sparse = 512;

}  // namespace

TEST_CASE("postgres_hasher equals the SQL hash functions", "[postgres]") {
  const hs::postgres_hasher h;
  // expected_hash.out (the extension's regression output).
  CHECK(static_cast<std::int64_t>(h(false)) == 5048724184180415669LL);
  CHECK(static_cast<std::int64_t>(h(true)) == 8849112093580131862LL);
  CHECK(static_cast<std::int64_t>(h(std::int16_t{0})) == 3478107235931676136LL);
  CHECK(static_cast<std::int64_t>(h(std::int16_t{100})) == 4631120266694327276LL);
  CHECK(static_cast<std::int64_t>(h(std::int16_t{-100})) == 5357168029120347761LL);
  CHECK(static_cast<std::int64_t>(h(std::int32_t{0})) == -3485513579396041028LL);
  CHECK(static_cast<std::int64_t>(h(std::int32_t{100})) == -5003248654201747171LL);
  CHECK(static_cast<std::int64_t>(h(std::int32_t{-100})) == -2771615523823720964LL);
  CHECK(static_cast<std::int64_t>(h(std::int64_t{0})) == 2945182322382062539LL);
  CHECK(static_cast<std::int64_t>(h(std::int64_t{100})) == 8349353095166695771LL);
  CHECK(static_cast<std::int64_t>(h(std::int64_t{-100})) == -886862857196634693LL);
  CHECK(h(std::string_view("")) == 0u);
  CHECK(static_cast<std::int64_t>(h("A")) == 243126998722523514LL);
  CHECK(static_cast<std::int64_t>(h("B")) == -4837624800923759386LL);
  CHECK(static_cast<std::int64_t>(h("AB")) == 5365230931951287672LL);
  CHECK(static_cast<std::int64_t>(hs::postgres_hasher(1)(std::int64_t{0})) == 8297479994805284640LL);
  CHECK(static_cast<std::int64_t>(hs::postgres_hasher(2147483647)(std::int64_t{0})) == -4042198036618575253LL);
  CHECK(static_cast<std::int64_t>(hs::postgres_hasher(-1)(std::int64_t{0})) == -8352849679461500862LL);
  CHECK(static_cast<std::int64_t>(hs::postgres_hasher(-2)(std::int64_t{0})) == -8080898605520838299LL);
}

TEST_CASE("postgres_hasher reproduces murmur_bigint.csv and murmur_bytea.csv", "[postgres]") {
  std::size_t rows = 0;
  for (const auto& r : read_csv("murmur_bigint.csv.gz")) {
    REQUIRE(r.size() == 3);
    const hs::postgres_hasher h(static_cast<std::int32_t>(std::stoll(r[0])));
    CHECK(static_cast<std::int64_t>(h(static_cast<std::int64_t>(std::stoll(r[1])))) == std::stoll(r[2]));
    ++rows;
  }
  CHECK(rows == 600);
  rows = 0;
  for (const auto& r : read_csv("murmur_bytea.csv.gz")) {
    REQUIRE(r.size() == 3);
    const hs::postgres_hasher h(static_cast<std::int32_t>(std::stoll(r[0])));
    const auto bytes = unhex(r[1]);
    CHECK(static_cast<std::int64_t>(h(bytes.data(), bytes.size())) == std::stoll(r[2]));
    ++rows;
  }
  CHECK(rows > 100);
}

TEST_CASE("postgres_addressing: index = low bits, value = ctz + 1 capped", "[postgres]") {
  using a5 = hs::postgres_addressing<5>;
  std::size_t i;
  std::uint8_t v;
  a5::locate<11>(0, i, v);
  CHECK((i == 0 && v == 0));
  a5::locate<11>(std::uint64_t{4096} | 7u, i, v);  // w = 2: ctz 1
  CHECK((i == 7 && v == 2));
  a5::locate<11>(std::uint64_t{1} << 63, i, v);  // ctz(w) = 52 → capped at 31
  CHECK((i == 0 && v == 31));
  hs::postgres_addressing<7>::locate<11>(std::uint64_t{1} << 63, i, v);
  CHECK(v == 53);
  CHECK(hs::postgres_addressing<7>::max_rank(11) == 53);
  CHECK(hs::postgres_addressing<4>::max_rank(11) == 15);
}

TEST_CASE("every row of the cumulative add files reproduces", "[postgres]") {
  for (const char* name : {"cumulative_add_sparse_edge.csv.gz", "cumulative_add_sparse_random.csv.gz",
                           "cumulative_add_sparse_step.csv.gz"}) {
    INFO(name);
    const auto rows = read_csv(name);
    REQUIRE(rows.size() > 500);
    const auto first = unhex(rows[0][2]);
    const hs::postgres_options o = options_of(first, reference_max_sparse);
    // Row 0 is the value after adding hash 0 to a SPARSE start: nothing
    // changes; start from it and add each row's raw value.
    pg11 sketch = hs::from_postgres<11, 5>(first.data(), first.size());
    std::size_t checked = 0;
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const auto& r = rows[k];
      REQUIRE(r.size() == 3);
      if (k > 0) sketch.add_hash(static_cast<std::uint64_t>(std::stoll(r[1])));
      const auto expected = unhex(r[2]);
      const auto ours = hs::to_postgres(sketch, o);
      INFO("row " << k);
      REQUIRE(hex(ours) == r[2]);
      check_count(hs::postgres_count(sketch, o), std::stod(r[0]));
      // and the value read back writes the same bytes and count
      const pg11 back = hs::from_postgres<11, 5>(expected.data(), expected.size());
      CHECK(hs::to_postgres(back, o) == expected);
      check_count(hs::postgres_count(back, o), std::stod(r[0]));
      ++checked;
    }
    CHECK(checked == rows.size());
  }
}

TEST_CASE("every row of the cumulative union files reproduces", "[postgres]") {
  for (const char* name :
       {"cumulative_union_explicit_explicit.csv.gz", "cumulative_union_sparse_full_representation.csv.gz",
        "cumulative_union_sparse_sparse.csv.gz", "cumulative_union_comprehensive.csv.gz",
        "cumulative_union_explicit_promotion.csv.gz", "cumulative_union_sparse_promotion.csv.gz"}) {
    INFO(name);
    const auto rows = read_csv(name);
    REQUIRE(rows.size() >= 4);
    const auto first = unhex(rows[0][1]);
    const hs::postgres_options o = options_of(first, reference_max_sparse);
    pg11 running = hs::from_postgres<11, 5>(first.data(), first.size());
    std::size_t same_type = 0;
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const auto& r = rows[k];
      REQUIRE(r.size() == 4);
      INFO("row " << k);
      const auto image = unhex(r[1]);
      const pg11 one = hs::from_postgres<11, 5>(image.data(), image.size());
      // The row values are the Java generator's inputs, some in a
      // representation the server would not choose (FULL with one register):
      // equal bytes where the type is the one the extension writes, and the
      // same state after a round trip always.
      const auto rewritten = hs::to_postgres(one, o);
      if (rewritten[0] == image[0]) {
        REQUIRE(hex(rewritten) == r[1]);
        ++same_type;
      }
      const pg11 again = hs::from_postgres<11, 5>(rewritten.data(), rewritten.size());
      CHECK(same_registers(again, one));
      check_count(hs::postgres_count(one, o), std::stod(r[0]));
      if (k > 0) running.merge(one);
      REQUIRE(hex(hs::to_postgres(running, o)) == r[3]);
      check_count(hs::postgres_count(running, o), std::stod(r[2]));
    }
    CHECK(same_type >= 1);
  }
}

TEST_CASE("writer rules: EMPTY, EXPLICIT up to the threshold, SPARSE while smaller, FULL", "[postgres]") {
  pg11 s;
  CHECK(hs::to_postgres(s) == std::vector<std::uint8_t>{0x11, 0x8B, 0x7F});
  s.add(std::string_view(""));  // hash 0: a real EXPLICIT element
  auto b = hs::to_postgres(s);
  CHECK(b == std::vector<std::uint8_t>{0x12, 0x8B, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(hs::postgres_count(s) == 1.0);
  // auto threshold at log2m 11, regwidth 5: ⌊⌈5·2048/8⌉/8⌋ = 160 hashes.
  CHECK(pg11::auto_explicit_limit == 160);
  pg11 t;
  for (std::int64_t k = 0; k < 160; ++k) t.add(k);
  CHECK(hs::to_postgres(t)[0] == 0x12);
  CHECK(hs::to_postgres(t).size() == 3 + 8 * 160);
  t.add(std::int64_t{160});
  CHECK(t.promoted());
  CHECK(hs::to_postgres(t)[0] == 0x13);
  // sparse while nonzero·16 < 2048·5, i.e. nonzero < 640
  std::int64_t k = 161;
  auto nonzero = [&] { return static_cast<std::size_t>(count_registers_if(t, [](std::uint8_t v) { return v != 0; })); };
  while (nonzero() < 639) t.add(k++);
  CHECK(hs::to_postgres(t)[0] == 0x13);
  while (nonzero() < 640) t.add(k++);
  CHECK(hs::to_postgres(t)[0] == 0x14);
  CHECK(hs::to_postgres(t).size() == 3 + 1280);
  hs::postgres_options no_sparse;
  no_sparse.sparseon = 0;
  pg11 u;
  for (std::int64_t j = 0; j < 500; ++j) u.add(j);
  CHECK(hs::to_postgres(u, no_sparse)[0] == 0x14);
  CHECK(hs::to_postgres(u, no_sparse)[2] == 0x3F);
  hs::postgres_options never_explicit;
  never_explicit.expthresh = 0;
  pg11 one;
  one.add(std::int64_t{1});
  CHECK(hs::to_postgres(one, never_explicit)[0] == 0x13);
  // A promoted sketch cannot answer for a larger threshold than it kept.
  hs::postgres_options big;
  big.expthresh = 1024;
  CHECK_THROWS_AS(hs::to_postgres(t, big), std::invalid_argument);
  hs::postgres_options bad;
  bad.expthresh = 100;
  CHECK_THROWS_AS(hs::to_postgres(u, bad), std::invalid_argument);
  bad.expthresh = -1;
  bad.log2m = 12;
  CHECK_THROWS_AS(hs::to_postgres(u, bad), hs::precision_error);
}

TEST_CASE("folding: a value at log2m 14 read at 11 equals the sketch built at 11", "[postgres]") {
  hs::postgres_hyperloglog<14, 5> fine;
  pg11 coarse;
  hashsketch_test::splitmix64 rng{17};
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t h = rng.next() | (std::uint64_t{1} << 40);  // w ≠ 0 at both precisions
    fine.add_hash(h);
    coarse.add_hash(h);
  }
  const auto image = hs::to_postgres(fine);
  const pg11 folded = hs::from_postgres<11, 5>(image.data(), image.size());
  CHECK(same_registers(folded, coarse));
  pg11 merged;
  merged.merge(fine);
  CHECK(same_registers(merged, coarse));
  hs::postgres_options at11;
  at11.log2m = 11;
  CHECK(hs::to_postgres(fine, at11) == hs::to_postgres(coarse));
}

TEST_CASE("decoder: named defects", "[postgres]") {
  auto rejects = [](std::vector<std::uint8_t> b, const char* what) {
    INFO(what);
    try {
      (void)hs::from_postgres<11, 5>(b.data(), b.size());
      FAIL("accepted");
    } catch (const hs::format_error& e) {
      CHECK(std::string(e.what()).find(what) != std::string::npos);
    }
  };
  rejects({0x11, 0x8B}, "truncated");
  rejects({0x21, 0x8B, 0x7F}, "version");
  rejects({0x15, 0x8B, 0x7F}, "type");
  rejects({0x10, 0x8B, 0x7F}, "UNDEFINED");
  rejects({0x11, 0x8B, 0xFF}, "top bit");
  rejects({0x11, 0x8B, 0x50}, "threshold code");
  rejects({0x11, 0x8B, 0x7F, 0}, "EMPTY");
  rejects({0x12, 0x8B, 0x7F, 0, 0, 0}, "multiple of 8");
  rejects({0x12, 0x8B, 0x7F, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1}, "unsorted or duplicate");
  rejects({0x12, 0x8B, 0x7F, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2}, "unsorted or duplicate");
  rejects({0x14, 0x8B, 0x7F, 0}, "FULL payload");
  rejects({0x13, 0x8B, 0x7F, 0, 0x21, 0}, "8 or more");
  rejects({0x13, 0x8B, 0x7F, 0x00, 0x21, 0x00, 0x01}, "out of order");  // register 1 then register 0
  rejects({0x13, 0x8B, 0x7F, 0x00, 0x20}, "value 0");
  rejects({0x13, 0x8A, 0x7F, 0x00, 0x21}, "precision cannot grow");
  rejects({0x13, 0x6B, 0x7F, 0x00, 0x21}, "regwidth");
  rejects({0x13, 0x92, 0x7F, 0x00, 0x00, 0x21}, "at most 17");
  // EXPLICIT at another log2m is exact: whole hashes
  const std::vector<std::uint8_t> e10{0x12, 0x8A, 0x7F, 0, 0, 0, 0, 0, 0, 0x10, 0x01};
  const pg11 s = hs::from_postgres<11, 5>(e10.data(), e10.size());
  CHECK(s.explicit_hashes().size() == 1);
  CHECK(*s.explicit_hashes().begin() == 0x1001u);
}

TEST_CASE("every truncation and byte flip of small images is rejected or parsed in bounds", "[postgres]") {
  std::vector<std::vector<std::uint8_t>> images;
  pg11 s;
  images.push_back(hs::to_postgres(s));
  for (std::int64_t k = 0; k < 5; ++k) s.add(k);
  images.push_back(hs::to_postgres(s));
  hs::postgres_options sparse;
  sparse.expthresh = 0;
  images.push_back(hs::to_postgres(s, sparse));
  hs::postgres_hyperloglog<4, 5> tiny;
  for (std::int64_t k = 0; k < 30; ++k) tiny.add(k);
  images.push_back(hs::to_postgres(tiny));
  hs::postgres_hyperloglog<4, 2> tiny2;
  for (std::int64_t k = 0; k < 3; ++k) tiny2.add(k);
  images.push_back(hs::to_postgres(tiny2));
  std::size_t parsed = 0, rejected = 0;
  for (const auto& img : images) {
    // round trip first
    const auto back = hs::from_postgres<4, 2>(img.data(), img.size());
    (void)back;
    for (std::size_t len = 0; len <= img.size(); ++len) {
      // a fresh heap copy of exactly len bytes, so ASan sees any over-read
      std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[len == 0 ? 1 : len]);
      std::copy(img.begin(), img.begin() + static_cast<std::ptrdiff_t>(len), buf.get());
      try {
        (void)hs::from_postgres<4, 2>(buf.get(), len);
        ++parsed;
      } catch (const hs::format_error&) {
        ++rejected;
      }
      for (std::size_t i = 0; i < len; ++i)
        for (int bit = 0; bit < 8; ++bit) {
          buf[i] = static_cast<std::uint8_t>(buf[i] ^ (1u << bit));
          try {
            const auto x = hs::from_postgres<4, 2>(buf.get(), len);
            hs::postgres_options o;
            // a value promoted at threshold 0 cannot answer for another one
            if (x.promoted() && x.explicit_limit() == 0) o.expthresh = 0;
            const auto again = hs::to_postgres(x, o);
            const auto y = hs::from_postgres<4, 2>(again.data(), again.size());
            CHECK(same_registers(y, x));
            ++parsed;
          } catch (const hs::format_error&) {
            ++rejected;
          }
          buf[i] = static_cast<std::uint8_t>(buf[i] ^ (1u << bit));
        }
    }
  }
  CHECK(parsed > 0);
  CHECK(rejected > 0);
}

TEST_CASE("postgres_count follows hll_cardinality's branches", "[postgres]") {
  pg11 s;
  hashsketch_test::splitmix64 rng{5};
  // linear counting range, then the raw estimator
  for (int i = 0; i < 1000; ++i) s.add_hash(rng.next());
  std::size_t zeros = static_cast<std::size_t>(count_registers_if(s, [](std::uint8_t v) { return v == 0; }));
  CHECK(hs::postgres_count(s) == Approx(2048.0 * std::log(2048.0 / static_cast<double>(zeros))).epsilon(1e-14));
  for (int i = 0; i < 100000; ++i) s.add_hash(rng.next());
  const double e = hs::postgres_count(s);
  CHECK(std::fabs(e / 101000.0 - 1.0) < 0.1);
  CHECK(std::fabs(s.estimate() / 101000.0 - 1.0) < 0.1);
  // regwidth 6: the server's 1 << L wraps and the estimator branch is NaN
  hs::postgres_hyperloglog<11, 6> w6;
  for (int i = 0; i < 100000; ++i) w6.add_hash(rng.next());
  CHECK(std::isnan(hs::postgres_count(w6)));
}
