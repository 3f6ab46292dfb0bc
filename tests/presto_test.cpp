// Presto / Trino HyperLogLog (Airlift format) compatibility, against images
// made by Airlift's own code (tests/data/airlift-hll, see README.md there and
// extract.py): hashing, the register layout, every image read and written
// back, our sketches of the same keys writing Airlift's bytes, merges (also
// across precisions), estimates against Airlift's cardinality(), and hostile
// bytes (every truncation, byte flips) — the last under ASan/UBSan.
#include "hashsketch_catch.hpp"
#include "support/precisions.hpp"
#include "support/test_files.hpp"
#include "support/splitmix64.hpp"

#include <hashsketch/hashsketch.hpp>
#include <hashsketch/presto.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace hs = hashsketch;

namespace {

using bytes = std::vector<std::uint8_t>;

const std::string data_dir = std::string(HASHSKETCH_TEST_DATA_DIR) + "/airlift-hll/";

bytes read_file(const std::string& path) { return hashsketch_test::read_binary_file(path); }

using hashsketch_test::read_tsv;

// One image of index.tsv (fields copied from Airlift's manifest).
struct image_row {
  std::map<std::string, std::string> f;
  const std::string& operator[](const std::string& k) const { return f.at(k); }
  std::string name() const { return f.at("set") + "/" + f.at("case") + "/" + f.at("role"); }
  unsigned p() const { return static_cast<unsigned>(std::stoul(f.at("p"))); }
  bool dense() const { return f.at("format") == "dense_v2"; }
  bool has_keys() const { return f.at("lo") != "-"; }
  std::uint64_t lo() const { return std::stoull(f.at("lo")); }
  std::uint64_t hi() const { return std::stoull(f.at("hi")); }
  bool has_cardinality() const { return f.at("cardinality") != "-"; }
  double cardinality() const { return std::stod(f.at("cardinality")); }
  bytes image() const { return read_file(data_dir + "images/" + f.at("file")); }
};

const std::vector<image_row>& rows() {
  static const std::vector<image_row> all = [] {
    std::vector<image_row> out;
    for (auto& r : read_tsv(data_dir + "index.tsv")) out.push_back(image_row{r});
    return out;
  }();
  return all;
}

const image_row& row(const std::string& set, const std::string& case_id, const std::string& role) {
  for (const auto& r : rows())
    if (r["set"] == set && r["case"] == case_id && r["role"] == role) return r;
  throw std::runtime_error("no image " + set + "/" + case_id + "/" + role);
}

// Calls f(std::integral_constant<unsigned, p>) for a run-time p among the
// precisions the tests use (the reference images have p = 11, 12, 14, 16).
template <class F>
void with_p(unsigned p, F&& f) {
  switch (p) {
    case 4: return f(std::integral_constant<unsigned, 4>{});
    case 11: return f(std::integral_constant<unsigned, 11>{});
    case 12: return f(std::integral_constant<unsigned, 12>{});
    case 14: return f(std::integral_constant<unsigned, 14>{});
    case 16: return f(std::integral_constant<unsigned, 16>{});
    default: FAIL("precision " << p << " not instantiated by this test");
  }
}

template <class Sketch>
bytes regs_of(const Sketch& s) {
  const hs::register_view view = s.registers();  // one view: a sparse sketch's is a copy
  return bytes(view.begin(), view.end());
}

// The manifest's keys: "i64" is the Java long i, "utf8" the string "k" + i.
template <class Sketch>
void add_keys(Sketch& s, const std::string& key_type, std::uint64_t lo, std::uint64_t hi) {
  for (std::uint64_t i = lo; i < hi; ++i) {
    if (key_type == "i64") {
      s.add(static_cast<std::int64_t>(i));
    } else {
      s.add(std::string_view("k" + std::to_string(i)));
    }
  }
}

// Our sketch of a row's keys, at the row's p: registers and to_presto bytes
// (SPARSE_V2 or DENSE_V2, as to_presto chooses). Cached: several images share
// their keys (n = 10^6 appears four times).
struct built {
  bytes registers, written, dense;  // dense: the DENSE_V2 of a densified copy
  bool sparse = false;
  double estimate = 0;
};
const built& built_for(const std::string& key_type, unsigned p, std::uint64_t lo, std::uint64_t hi) {
  static std::map<std::string, built> cache;
  const std::string k = key_type + "/" + std::to_string(p) + "/" + std::to_string(lo) + "/" + std::to_string(hi);
  auto it = cache.find(k);
  if (it != cache.end()) return it->second;
  built b;
  with_p(p, [&](auto pc) {
    hs::presto_hyperloglog<decltype(pc)::value> s;
    add_keys(s, key_type, lo, hi);
    b.registers = regs_of(s);
    b.written = hs::to_presto(s);
    b.sparse = s.is_sparse();
    auto d = s;
    d.densify();
    b.dense = hs::to_presto(d);
    b.estimate = s.estimate();
  });
  return cache.emplace(k, std::move(b)).first->second;
}

struct parsed {
  bytes registers, rewritten, dense;  // dense: the DENSE_V2 of a densified copy
  bool sparse = false;
  double estimate = 0;
};
parsed parse(unsigned p, const bytes& image) {
  parsed out;
  with_p(p, [&](auto pc) {
    const auto s = hs::from_presto<decltype(pc)::value>(image.data(), image.size());
    out.registers = regs_of(s);
    out.rewritten = hs::to_presto(s);
    out.sparse = s.is_sparse();
    auto d = s;
    d.densify();
    out.dense = hs::to_presto(d);
    out.estimate = s.estimate();
  });
  return out;
}

bytes from_hex(const std::string& hex) {
  bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

namespace {

// The hashes of the manifest's keys [lo, hi) ("i64": the Java long i, "utf8":
// the string "k" + i), as approx_set hashes them.
std::vector<std::uint64_t> key_hashes(const std::string& key_type, std::uint64_t lo, std::uint64_t hi) {
  const hs::presto_hasher h;
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = lo; i < hi; ++i)
    out.push_back(key_type == "i64" ? h(static_cast<std::int64_t>(i)) : h(std::string_view("k" + std::to_string(i))));
  return out;
}

// Airlift's SparseHll of the hashes, rebuilt from the format's rule alone:
// one entry per 26-bit prefix, the largest v, ascending (uint32) order.
std::vector<std::uint32_t> sparse_entries_of(const std::vector<std::uint64_t>& hashes) {
  std::map<std::uint32_t, std::uint32_t> by_prefix;
  for (const std::uint64_t h : hashes) {
    const std::uint32_t e = hs::detail::presto_sparse_entry(h);
    auto& slot = by_prefix[e >> 6];
    slot = std::max(slot, e);
  }
  std::vector<std::uint32_t> out;
  for (const auto& kv : by_prefix) out.push_back(kv.second);
  return out;
}

// The number of distinct 26-bit prefixes of the keys [lo, hi) (= the entry
// count of Airlift's sparse sketch of them, however large). Cached: the
// 10^6-key ranges recur at every p.
std::size_t distinct_prefixes(const std::string& key_type, std::uint64_t lo, std::uint64_t hi) {
  static std::map<std::string, std::size_t> cache;
  const std::string k = key_type + "/" + std::to_string(lo) + "/" + std::to_string(hi);
  auto it = cache.find(k);
  if (it != cache.end()) return it->second;
  std::vector<std::uint64_t> prefixes = key_hashes(key_type, lo, hi);
  for (auto& h : prefixes) h >>= 38;
  std::sort(prefixes.begin(), prefixes.end());
  const auto n = static_cast<std::size_t>(std::unique(prefixes.begin(), prefixes.end()) - prefixes.begin());
  return cache.emplace(k, n).first->second;
}

std::vector<std::uint32_t> entries_of_image(const bytes& image) {
  return hs::detail::presto_sparse_entries(image.data(), image.size());
}

}  // namespace

TEST_CASE("presto_hasher is Airlift's Murmur3Hash128.hash64", "[presto][hash]") {
  const auto examples = read_tsv(data_dir + "hash64.tsv");
  REQUIRE(examples.size() >= 20);
  const hs::presto_hasher h;
  for (const auto& e : examples) {
    INFO(e.at("input_type") << " " << e.at("input_hex"));
    if (e.at("input_type") == "i64") {
      const std::int64_t v = std::stoll(e.at("input_hex"));
      CHECK(hex64(h(v)) == e.at("hash64_hex"));
      CHECK(hex64(h(static_cast<std::uint64_t>(v))) == e.at("hash64_hex"));
    } else {
      const bytes b = e.at("input_hex") == "-" ? bytes{} : from_hex(e.at("input_hex"));
      const std::string s(b.begin(), b.end());
      CHECK(hex64(h(std::string_view(s))) == e.at("hash64_hex"));
      CHECK(hex64(h(b.data(), b.size())) == e.at("hash64_hex"));
    }
  }
}

TEST_CASE("every reference image reads and writes back byte for byte (sparse ones up to the sparse limit)",
          "[presto][vectors]") {
  REQUIRE(rows().size() >= 300);
  std::size_t dense = 0, sparse = 0, sparse_beyond_limit = 0;
  for (const auto& r : rows()) {
    INFO(r.name());
    const bytes image = r.image();
    const parsed got = parse(r.p(), image);
    if (r.dense()) {
      ++dense;
      CHECK(!got.sparse);
      CHECK(got.rewritten == image);
    } else if (entries_of_image(image).size() <= hs::presto_format::sparse_max_entries(r.p())) {
      ++sparse;
      CHECK(got.sparse);
      CHECK(got.rewritten == image);
    } else {
      // Airlift kept more entries than a sketch fed keys one by one does
      // (merged, deserialised, or another JVM layout): we write DENSE_V2
      // with the same registers.
      ++sparse_beyond_limit;
      CHECK(got.rewritten == got.dense);
      CHECK(parse(r.p(), got.rewritten).registers == got.registers);
    }
  }
  CHECK(dense >= 150);
  CHECK(sparse >= 120);
  CHECK(sparse_beyond_limit == 7);  // N256 merged at p = 11 (3), histories (2), p = 11 no-compressed-oops (2)
}

// The sketch built by add() of the image's keys writes the image itself
// whenever Airlift's sketch of those keys added one by one would have (every
// build and conversion image; merge inputs; merged images of Airlift's
// sparse or dense merge where that equals the single sketch); elsewhere
// (Airlift kept a merged / deserialised sketch sparse beyond the limit, or
// its merged image differs from its own single sketch) the registers agree.
TEST_CASE("our sketch of the same keys has the image's registers and writes Airlift's bytes, sparse and dense",
          "[presto][vectors][sparse]") {
  std::size_t compared = 0, sparse_equal = 0, dense_equal = 0, history_dependent = 0;
  for (const auto& r : rows()) {
    if (!r.has_keys()) continue;
    INFO(r.name());
    const bytes image = r.image();
    const built& ours = built_for(r["key_type"], r.p(), r.lo(), r.hi());
    CHECK(parse(r.p(), image).registers == ours.registers);
    const std::size_t k = distinct_prefixes(r["key_type"], r.lo(), r.hi());
    const bool airlift_live_sparse = k <= hs::presto_format::sparse_max_entries(r.p());
    // Our sketch is still sparse wherever Airlift's is (the sparse state
    // keeps ≥ m/4 tokens; the limit is ≤ m/8 + 4).
    if (airlift_live_sparse) CHECK(ours.sparse);
    if (r["role"] == "make_dense") {
      CHECK(ours.dense == image);  // cast(approx_set(x) AS P4HyperLogLog)
      ++dense_equal;
    } else if (airlift_live_sparse == !r.dense()) {
      CHECK(ours.written == image);
      ++(r.dense() ? dense_equal : sparse_equal);
    } else {
      // Only Airlift's history-dependent cases: sparse beyond the live limit.
      CHECK(!r.dense());
      CHECK(ours.written.at(0) == 3);
      ++history_dependent;
    }
    ++compared;
  }
  CHECK(compared >= 300);
  CHECK(sparse_equal >= 125);
  CHECK(dense_equal >= 180);
  CHECK(history_dependent == 7);
}

TEST_CASE("a sparse image reads as exactly Airlift's makeDense() of it", "[presto][vectors]") {
  std::size_t checked = 0;
  for (const auto& r : rows()) {
    if (r["role"] != "image" || r.dense()) continue;
    INFO(r.name());
    const image_row& dense = row(r["set"], r["case"], "make_dense");
    // cast(h AS P4HyperLogLog): our densified copy writes the same DENSE_V2.
    CHECK(parse(r.p(), r.image()).dense == dense.image());
    ++checked;
  }
  CHECK(checked == 36);
}

TEST_CASE("merges equal Airlift's merged images, in both orders", "[presto][vectors][merge]") {
  std::size_t checked = 0;
  for (const auto& r : rows()) {
    if (r["kind"] != "merge" || r["role"] != "merged") continue;
    INFO(r.name());
    const bytes a = row(r["set"], r["case"], "a").image();
    const bytes b = row(r["set"], r["case"], "b").image();
    const bytes merged = r.image();
    with_p(r.p(), [&](auto pc) {
      constexpr unsigned P = decltype(pc)::value;
      auto ab = hs::from_presto<P>(a.data(), a.size());
      auto ba = hs::from_presto<P>(b.data(), b.size());
      ab.merge(hs::from_presto<P>(b.data(), b.size()));
      ba.merge(hs::from_presto<P>(a.data(), a.size()));
      const auto expect = hs::from_presto<P>(merged.data(), merged.size());
      CHECK(ab == expect);
      CHECK(ba == expect);
      // Sparse ∪ sparse stays sparse; the bytes are Airlift's whenever its
      // merged sketch is within the live limit (else we write DENSE_V2).
      if (r.dense() || entries_of_image(merged).size() <= hs::presto_format::sparse_max_entries(P)) {
        CHECK(hs::to_presto(ab) == merged);
        CHECK(hs::to_presto(ba) == merged);
      }
    });
    ++checked;
  }
  CHECK(checked == 53);
}

TEST_CASE("sparse images of different p merge by folding, as Airlift's sparse merge does", "[presto][vectors][merge]") {
  for (const std::string key_type : {"i64", "utf8"}) {
    const std::string id = "s-crossp-sparse-" + key_type;
    INFO(id);
    const bytes a = row("default", id, "a").image();          // p = 11, keys [0, 50)
    const bytes b = row("default", id, "b").image();          // p = 12, keys [25, 100)
    const bytes a_b = row("default", id, "a_merge_b").image();  // p = 11
    const bytes b_a = row("default", id, "b_merge_a").image();  // p = 12
    auto s11 = hs::from_presto<11>(a.data(), a.size());
    s11.merge(hs::from_presto<12>(b.data(), b.size()));  // the exact fold 12 → 11
    CHECK(s11 == hs::from_presto<11>(a_b.data(), a_b.size()));
    // Airlift refuses dense sketches of different bucket counts; we fold them:
    // a p = 12 image of the union, folded to 11, gives the same registers.
    auto folded = hs::presto_hyperloglog<11>();
    folded.merge(hs::from_presto<12>(b_a.data(), b_a.size()));
    CHECK(folded == s11);
  }
}

TEST_CASE("images of the same keys at different p fold exactly", "[presto][vectors][merge]") {
  std::size_t checked = 0;
  for (const auto& fine : rows()) {
    if (fine["kind"] != "build" || fine["role"] != "image" || fine.p() != 16) continue;
    const std::string coarse_id = std::string(fine["case"]).replace(fine["case"].find("-p16-"), 5, "-p12-");
    INFO(fine.name() << " vs " << coarse_id);
    const bytes f = fine.image();
    const bytes c = row(fine["set"], coarse_id, "image").image();
    const auto reduced = hs::from_presto<16>(f.data(), f.size()).reduce<12>();
    CHECK(hs::to_presto(reduced) == parse(12, c).rewritten);
    ++checked;
  }
  CHECK(checked == 16);
}

// Airlift's cardinality() and our estimate() read the same registers with
// different estimators (Airlift: linear counting, else raw HLL minus its own
// empirical bias; sparse: linear counting over 2^26 buckets; ours: Ertl 2017).
// Both estimate the same n with relative standard error ≈ 1.04/√m, and
// estimators over the same registers agree far better than two independent
// ones, so |ours − Airlift| ≤ 3·(1.04/√m)·Airlift + 1 is a loose bound, met
// deterministically on these fixed images (measured maximum: docs/presto.md).
TEST_CASE("our estimate is within 3 standard errors of Airlift's cardinality()", "[presto][vectors][estimate]") {
  std::size_t checked = 0;
  double worst = 0;
  for (const auto& r : rows()) {
    if (!r.has_cardinality()) continue;
    INFO(r.name());
    const double card = r.cardinality();
    const double ours = parse(r.p(), r.image()).estimate;
    const double rse = 1.04 / std::sqrt(static_cast<double>(std::size_t{1} << r.p()));
    CHECK(std::fabs(ours - card) <= 3.0 * rse * card + 1.0);
    // A sparse image reads into the sparse state, whose estimate is Airlift's
    // sparse formula (linear counting over 2^26) before Airlift's Math.round.
    if (!r.dense()) CHECK(std::fabs(ours - card) <= 0.5 + 1e-9 * card);
    if (card > 0) worst = std::max(worst, std::fabs(ours - card) / (rse * card));
    ++checked;
  }
  CHECK(checked >= 250);
  WARN("largest |ours - cardinality()| / (RSE * cardinality()) = " << worst);
}

// Not part of the suite (hidden tag): the figures of docs/presto.md, one line
// per distinct image with a cardinality, then a summary per regime.
//   build/dev/bin/presto_test "[.measure]" -s
TEST_CASE("measure: our estimate vs Airlift's cardinality() on every image", "[.measure]") {
  std::map<std::string, bool> seen;
  struct stat {
    std::size_t n = 0;
    double sum_abs_rel = 0, max_abs_rel = 0, max_in_rse = 0;
  };
  std::map<std::string, stat> by_regime;
  for (const auto& r : rows()) {
    if (!r.has_cardinality() || seen[r["file"]]) continue;
    seen[r["file"]] = true;
    const double card = r.cardinality();
    if (card == 0) continue;
    const double ours = parse(r.p(), r.image()).estimate;
    const double m = static_cast<double>(std::size_t{1} << r.p());
    const double rse = 1.04 / std::sqrt(m);
    const double rel = (ours - card) / card;
    const std::string regime = !r.dense() ? "sparse (Airlift: linear counting over 2^26)"
                               : card < 2.5 * m ? "dense, n < 2.5 m (Airlift: linear counting or bias table)"
                                                : "dense, n >= 2.5 m";
    auto& st = by_regime[regime];
    ++st.n;
    st.sum_abs_rel += std::fabs(rel);
    st.max_abs_rel = std::max(st.max_abs_rel, std::fabs(rel));
    st.max_in_rse = std::max(st.max_in_rse, std::fabs(rel) / rse);
    std::printf("%-55s p=%2u airlift=%9.0f ours=%12.2f diff=%+8.4f%% (%+.3f RSE)\n", r.name().c_str(), r.p(), card,
                ours, 100 * rel, rel / rse);
  }
  for (const auto& kv : by_regime)
    std::printf("%s: %zu images, mean |diff| %.4f%%, max |diff| %.4f%%, max %.3f RSE\n", kv.first.c_str(), kv.second.n,
                100 * kv.second.sum_abs_rel / static_cast<double>(kv.second.n), 100 * kv.second.max_abs_rel,
                kv.second.max_in_rse);
  CHECK(!by_regime.empty());
}

TEST_CASE("Airlift's own serialization test vectors", "[presto][airlift-tests]") {
  SECTION("empty sparse sketch (empty_approx_set())") {
    const bytes empty = {0x02, 0x0c, 0x00, 0x00};
    const auto s = hs::from_presto<12>(empty.data(), empty.size());
    CHECK(s.empty());
    CHECK(s.is_sparse());
    CHECK(hs::to_presto(s) == empty);
    CHECK(hs::to_presto(hs::presto_hyperloglog<12>{}) == empty);
  }
  SECTION("the byte 0x40 at p = 12 (TestSparseSerialization.testSingle)") {
    const bytes image = {0x02, 0x0c, 0x01, 0x00, 0x42, 0x34, 0x20, 0x21};
    hs::presto_hyperloglog<12> ours;
    const std::uint8_t key = 0x40;
    ours.add(&key, 1);
    CHECK(hs::from_presto<12>(image.data(), image.size()) == ours);
    CHECK(hs::to_presto(ours) == image);
  }
  SECTION("hash64(0L) at p = 12 sets delta byte 326 to 0x01 (testSingleNoOverflow)") {
    hs::presto_hyperloglog<12> s;
    s.densify();  // the dense writer (a one-key sketch writes SPARSE_V2)
    s.add(std::int64_t{0});
    const bytes out = hs::to_presto(s);
    REQUIRE(out.size() == hs::presto_format::dense_size(12));
    for (std::size_t i = 3; i < 3 + 2048; ++i) CHECK(out[i] == (i == 3 + 326 ? 0x01 : 0x00));
  }
  SECTION("61697 and 394873 give overflows 2706:2 and 4048:4 (testSingleWithOverflow, testMultipleOverflow)") {
    hs::presto_hyperloglog<12> one;
    one.densify();
    one.add(std::int64_t{61697});
    const bytes a = hs::to_presto(one);
    REQUIRE(a.size() == hs::presto_format::dense_size(12, 1));
    CHECK(a[3 + 1353] == 0xF0);
    CHECK(a[2051] == 1);
    CHECK(a[2052] == 0);
    CHECK(a[2053] == 0x92);
    CHECK(a[2054] == 0x0a);
    CHECK(a[2055] == 2);
    for (int order = 0; order < 2; ++order) {
      hs::presto_hyperloglog<12> two;
      two.densify();
      two.add(std::int64_t{order ? 394873 : 61697});
      two.add(std::int64_t{order ? 61697 : 394873});
      const bytes b = hs::to_presto(two);
      REQUIRE(b.size() == hs::presto_format::dense_size(12, 2));
      const std::size_t o = 3 + 2048;
      CHECK(b[o] == 2);
      CHECK(b[o + 2] + 256 * b[o + 3] == 2706);
      CHECK(b[o + 4] + 256 * b[o + 5] == 4048);
      CHECK(b[o + 6] == 2);
      CHECK(b[o + 7] == 4);
      CHECK(hs::from_presto<12>(b.data(), b.size()) == two);
    }
  }
  SECTION("p = 4, keys 0..99: baseline 2 (testBaselineAdjusment)") {
    hs::presto_hyperloglog<4> s;
    s.densify();
    for (std::int64_t i = 0; i < 100; ++i) s.add(i);
    const bytes out = hs::to_presto(s);
    const bytes expect = {0x03, 0x04, 0x02, 0x45, 0x23, 0x01, 0x31, 0x22, 0x05, 0x04, 0x01, 0x00, 0x00};
    CHECK(out == expect);
  }
  SECTION("DENSE_V1 with one overflow is read and written as DENSE_V2 (testDeserializeDenseV1Overflow)") {
    const bytes v1 = {0x01, 0x04, 0x02, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x03};
    const auto s = hs::from_presto<4>(v1.data(), v1.size());
    CHECK(s.registers()[0] == 2);
    CHECK(s.registers()[1] == 20);
    const bytes v2 = {0x03, 0x04, 0x02, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x01, 0x00, 0x03};
    CHECK(hs::to_presto(s) == v2);
  }
  SECTION("DENSE_V1 with an unused overflow slot (bucket -1 or value 0)") {
    const bytes none = {0x01, 0x04, 0x01, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0x05};
    const bytes zero = {0x01, 0x04, 0x01, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00};
    const auto a = hs::from_presto<4>(none.data(), none.size());
    CHECK(a == hs::from_presto<4>(zero.data(), zero.size()));
    CHECK(a.registers()[0] == 2);
    CHECK(a.registers()[3] == 5);
    CHECK(a.registers()[4] == 1);
  }
}

TEST_CASE("a sparse entry is Airlift's SparseHll.encode and reads back to the hash's registers at every p",
          "[presto][sparse]") {
  hashsketch_test::splitmix64 rng{20};
  std::vector<std::uint64_t> hashes = {0, 1, ~std::uint64_t{0}, std::uint64_t{1} << 38, (std::uint64_t{1} << 38) - 1,
                                       std::uint64_t{1} << 37, std::uint64_t{0x3ffffff} << 38};
  for (int i = 0; i < 20000; ++i) hashes.push_back(rng() >> (i % 40));  // long runs of leading zeros too
  for (const std::uint64_t h : hashes) {
    INFO(hex64(h));
    const std::uint32_t e = hs::detail::presto_sparse_entry(h);
    // The field rule, bit by bit: prefix = top 26 bits, v = leading zeros of the low 38 (38 if none set).
    REQUIRE((e >> 6) == (h >> 38));
    const std::uint64_t low = h & ((std::uint64_t{1} << 38) - 1);
    unsigned v = 0;
    while (v < 38 && !(low & (std::uint64_t{1} << (37 - v)))) ++v;
    REQUIRE((e & 63u) == v);
    // The entry's stand-in hash encodes to the same entry and locates like h.
    REQUIRE(hs::detail::presto_sparse_entry(hs::detail::presto_sparse_entry_hash(e)) == e);
    for (unsigned p : {4u, 11u, 12u, 14u, 16u}) {
      with_p(p, [&](auto pc) {
        constexpr unsigned P = decltype(pc)::value;
        std::size_t i1, i2;
        std::uint8_t r1, r2;
        hs::leading_zeros_addressing::locate<P>(h, i1, r1);
        hs::leading_zeros_addressing::locate<P>(hs::detail::presto_sparse_entry_hash(e), i2, r2);
        REQUIRE(i1 == i2);
        REQUIRE(r1 == r2);
      });
    }
  }
}

TEST_CASE("every sparse reference image is the SPARSE_V2 of its keys' entries, byte for byte", "[presto][sparse][vectors]") {
  std::size_t checked = 0;
  for (const auto& r : rows()) {
    if (r.dense()) continue;
    INFO(r.name());
    REQUIRE(r.has_keys());
    const bytes image = r.image();
    const std::vector<std::uint32_t> ours = sparse_entries_of(key_hashes(r["key_type"], r.lo(), r.hi()));
    // The reader hands back exactly the entries Airlift kept …
    CHECK(entries_of_image(image) == ours);
    // … and the writer, given the same ascending list, writes Airlift's bytes.
    CHECK(hs::detail::presto_encode_sparse_v2(r.p(), ours.data(), ours.size()) == image);
    // Never more entries than a merged or deserialised Airlift sketch keeps
    // (the JVM layout of the no-compressed-oops set allows 2 more).
    CHECK(ours.size() <= hs::detail::presto_sparse_max_merged_entries(r.p()) + (r["set"] == "default" ? 0 : 2));
    ++checked;
  }
  CHECK(checked == 141);
}

TEST_CASE("Airlift's sparse limit: keys added one by one stay sparse up to presto_sparse_max_entries(p)",
          "[presto][sparse][vectors]") {
  CHECK(hs::detail::presto_sparse_max_entries(11) == 251);
  CHECK(hs::detail::presto_sparse_max_entries(12) == 511);
  CHECK(hs::detail::presto_sparse_max_entries(14) == 2051);
  CHECK(hs::detail::presto_sparse_max_entries(16) == 8191);
  CHECK(hs::detail::presto_sparse_max_merged_entries(12) == 516);
  std::size_t checked = 0;
  for (const auto& r : rows()) {
    if (r["set"] != "default") continue;
    INFO(r.name());
    const bool added_from_empty = r["kind"] == "build" || (r["kind"] == "conversion" && r["role"] != "deserialized_last_sparse_plus_same_key");
    if (!added_from_empty || r["role"] == "make_dense" || !r.has_keys()) continue;
    const std::size_t k = distinct_prefixes(r["key_type"], r.lo(), r.hi());
    // Airlift's own choice on every sketch built from empty is the rule's.
    CHECK(!r.dense() == (k <= hs::detail::presto_sparse_max_entries(r.p())));
    if (r["kind"] == "conversion") CHECK(k == hs::detail::presto_sparse_max_entries(r.p()) + (r.dense() ? 1 : 0));
    ++checked;
  }
  CHECK(checked >= 64 + 16);
}

TEST_CASE("the SPARSE_V2 writer: Airlift's own sparse vectors, and defects it refuses to write", "[presto][sparse]") {
  const bytes empty = {0x02, 0x0c, 0x00, 0x00};  // empty_approx_set(), TestSparseSerialization.testEmpty
  CHECK(hs::detail::presto_encode_sparse_v2(12, nullptr, 0) == empty);
  const std::uint8_t key = 0x40;  // TestSparseSerialization.testSingle
  const std::uint32_t e = hs::detail::presto_sparse_entry(hs::presto_hasher{}(&key, 1));
  CHECK(hs::detail::presto_encode_sparse_v2(12, &e, 1) == bytes{0x02, 0x0c, 0x01, 0x00, 0x42, 0x34, 0x20, 0x21});
  CHECK_THROWS_AS(hs::detail::presto_encode_sparse_v2(12, 2, [&](auto&& emit) { emit(e); }), std::logic_error);
  CHECK_THROWS_AS(hs::detail::presto_encode_sparse_v2(12, 1, [&](auto&& emit) { emit(e); emit(e + 64); }),
                  std::logic_error);
  CHECK_THROWS_AS(hs::detail::presto_encode_sparse_v2(12, 0x8000, [](auto&&) {}), std::length_error);
}

namespace {

template <class Sketch>
std::vector<std::uint32_t> tokens_of(const Sketch& s) {
  std::vector<std::uint32_t> out;
  hs::detail::sparse_access::for_each_token(s, [&](std::uint32_t t) { out.push_back(t); });
  return out;
}

}  // namespace

TEST_CASE("the default layout's token is Airlift's sparse entry; a SPARSE_V2 image reads as exactly its entries",
          "[presto][sparse]") {
  hashsketch_test::splitmix64 rng{2020};
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t h = rng() >> (i % 40);
    REQUIRE(hs::leading_zeros_addressing::token(h) == hs::detail::presto_sparse_entry(h));
  }
  std::size_t checked = 0;
  for (const auto& r : rows()) {
    if (r.dense()) continue;
    const bytes image = r.image();
    const std::vector<std::uint32_t> entries = entries_of_image(image);
    if (entries.size() > hs::presto_format::sparse_max_entries(r.p())) continue;
    INFO(r.name());
    with_p(r.p(), [&](auto pc) {
      constexpr unsigned P = decltype(pc)::value;
      const auto s = hs::from_presto<P>(image.data(), image.size());
      REQUIRE(s.is_sparse());
      CHECK(tokens_of(s) == entries);
      // The same tokens as add() of the keys gives, and an equal sketch.
      hs::presto_hyperloglog<P> ours;
      add_keys(ours, r["key_type"], r.lo(), r.hi());
      REQUIRE(ours.is_sparse());
      CHECK(tokens_of(ours) == entries);
      CHECK(ours == s);
      // Round trip through our own bytes.
      const bytes again = hs::to_presto(s);
      CHECK(tokens_of(hs::from_presto<P>(again.data(), again.size())) == entries);
    });
    ++checked;
  }
  CHECK(checked >= 130);
}

namespace {

// Keys with distinct 26-bit prefixes, added until the sketch holds k tokens.
template <unsigned P>
hs::presto_hyperloglog<P> with_distinct_prefixes(std::size_t k) {
  hs::presto_hyperloglog<P> s;
  std::vector<bool> seen(std::size_t{1} << 26);
  std::size_t held = 0;
  for (std::int64_t key = 0; held < k; ++key) {
    const std::uint64_t prefix = hs::presto_hasher{}(key) >> 38;
    if (seen[prefix]) continue;
    seen[prefix] = true;
    s.add(key);
    ++held;
  }
  return s;
}

template <unsigned P>
void check_sparse_switch() {
  INFO("P = " << P);
  const std::size_t limit = hs::presto_format::sparse_max_entries(P);
  const auto at = with_distinct_prefixes<P>(limit);
  const auto above = with_distinct_prefixes<P>(limit + 1);
  const bytes at_bytes = hs::to_presto(at);
  const bytes above_bytes = hs::to_presto(above);
  // One key more than the limit: DENSE_V2, always (Airlift converts there).
  CHECK(above_bytes.at(0) == 3);
  // At the limit: SPARSE_V2 while our sketch is still sparse. It is for
  // P >= 8, where the sparse state's bound 4k + 64 bytes stays below m;
  // at P < 8 it may already have promoted (then DENSE_V2: documented).
  if (P >= 8) REQUIRE(at.is_sparse());
  if (at.is_sparse()) {
    CHECK(at_bytes.at(0) == 2);
    CHECK(at_bytes.size() == hs::presto_format::sparse_size(limit));
  } else {
    CHECK(at_bytes.at(0) == 3);
  }
  // Either way the image reads back to the same sketch.
  CHECK(hs::from_presto<P>(at_bytes.data(), at_bytes.size()) == at);
  CHECK(hs::from_presto<P>(above_bytes.data(), above_bytes.size()) == above);
  WARN("P = " << P << ": limit " << limit << ", at the limit " << (at.is_sparse() ? "SPARSE_V2" : "DENSE_V2"));
}

template <unsigned... Ps>
void check_sparse_switch_all(std::integer_sequence<unsigned, Ps...>) {
  (check_sparse_switch<Ps>(), ...);
}

}  // namespace

TEST_CASE("to_presto switches to DENSE_V2 exactly where Airlift does when keys are added one by one, P = 4..16",
          "[presto][sparse]") {
  check_sparse_switch_all(hashsketch_test::test_precisions{});  // P = 4..16 (a subset in the sanitizer trees)
}

TEST_CASE("a sparse merge beyond the live limit writes DENSE_V2 with the registers of Airlift's sparse image",
          "[presto][sparse][merge]") {
  // s-merge-p11-*-N256: Airlift's sparse ∪ sparse keeps 256 entries (its
  // merge limit is 260); ours holds the same 256 tokens and writes DENSE_V2,
  // equal to cast(merged AS P4HyperLogLog).
  for (const std::string key_type : {"i64", "utf8"}) {
    const std::string id = "s-merge-p11-" + key_type + "-N256";
    INFO(id);
    const bytes a = row("default", id, "a").image();
    const bytes b = row("default", id, "b").image();
    const bytes merged = row("default", id, "merged").image();
    auto s = hs::from_presto<11>(a.data(), a.size());
    s.merge(hs::from_presto<11>(b.data(), b.size()));
    CHECK(tokens_of(s) == entries_of_image(merged));
    CHECK(hs::to_presto(s) == parse(11, merged).dense);
  }
}

TEST_CASE("add(std::int64_t) hashes like approx_set(bigint), negatives included", "[presto][hash]") {
  hs::presto_hyperloglog<12> a, b;
  a.add(std::int64_t{-1});
  b.add_hash(hs::presto_hasher{}(std::uint64_t{0xffffffffffffffffULL}));
  CHECK(a == b);
  CHECK(hex64(hs::presto_hasher{}(std::int64_t{-1})) == "a0e4b27a1abaed73");  // manifest hash64.misc
}

TEST_CASE("to_presto refuses a sketch hashed with another seed", "[presto]") {
  hs::presto_hyperloglog<12> s(hs::presto_hasher{7});
  s.add(std::int64_t{1});
  CHECK_THROWS_AS(hs::to_presto(s), hs::incompatible_sketch_error);
}

namespace {

// p = 4 images around a base: tag, p, baseline, 8 delta bytes, then the tail.
bytes dense4(std::uint8_t tag, std::uint8_t baseline, const bytes& deltas, const bytes& tail) {
  bytes out;
  out.reserve(3 + deltas.size() + tail.size());
  out.push_back(tag);
  out.push_back(4);
  out.push_back(baseline);
  for (auto b : deltas) out.push_back(b);
  for (auto b : tail) out.push_back(b);
  return out;
}

void check_rejected(const bytes& image, const std::string& defect) {
  INFO("expect: " << defect);
  try {
    (void)hs::from_presto<4>(image.data(), image.size());
    FAIL("accepted");
  } catch (const hs::format_error& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains(defect));
  }
}

}  // namespace

TEST_CASE("malformed images are rejected with the defect named", "[presto][hostile]") {
  const bytes d15 = {0xf0, 0, 0, 0, 0, 0, 0, 0};  // bucket 0 at delta 15
  check_rejected({}, "truncated");
  check_rejected({0x03}, "truncated");
  check_rejected({0x00, 0x04, 0x00, 0x00}, "SPARSE_V1");
  check_rejected({0x04, 0x04, 0x00, 0x00}, "unknown format tag 4");
  check_rejected({0x02, 0x03, 0x00, 0x00}, "outside 4..16");
  check_rejected({0x02, 0x11, 0x00, 0x00}, "outside 4..16");
  check_rejected({0x02, 0x05, 0x00, 0x00}, "P = 4");
  check_rejected({0x02, 0x04, 0x00}, "truncated");
  check_rejected({0x02, 0x04, 0xff, 0xff}, "negative sparse entry count");
  check_rejected({0x02, 0x04, 0x01, 0x00, 0x01, 0x00, 0x00}, "truncated");
  check_rejected({0x02, 0x04, 0x00, 0x00, 0x00}, "trailing bytes");
  check_rejected({0x02, 0x04, 0x02, 0x00, 0x80, 0, 0, 0, 0x40, 0, 0, 0}, "unsorted sparse entries");
  check_rejected({0x02, 0x04, 0x02, 0x00, 0x41, 0, 0, 0, 0x42, 0, 0, 0}, "duplicate sparse prefix");
  check_rejected({0x02, 0x04, 0x01, 0x00, 0x27, 0, 0, 0}, "more than 38");
  check_rejected(dense4(3, 0, {0, 0, 0, 0, 0, 0, 0}, {}), "truncated");
  check_rejected(dense4(3, 0, bytes(8, 0), {0x00}), "truncated");
  check_rejected(dense4(3, 0, bytes(8, 0), {0x00, 0x00, 0x00}), "trailing bytes");
  check_rejected(dense4(3, 0, d15, {0x01, 0x00, 0x00, 0x00}), "truncated");
  check_rejected(dense4(3, 0, d15, {0x11, 0x00}), "overflow count 17 above m = 16");
  check_rejected(dense4(3, 0xff, bytes(8, 0), {0x00, 0x00}), "baseline -1");
  check_rejected(dense4(3, 60, {0x20, 0, 0, 0, 0, 0, 0, 0}, {0x00, 0x00}), "above 61");
  // Airlift accepts bucket == m; it is no bucket of the sketch.
  check_rejected(dense4(3, 0, d15, {0x01, 0x00, 0x10, 0x00, 0x01}), "bucket 16, not below m = 16");
  check_rejected(dense4(3, 0, {0xff, 0, 0, 0, 0, 0, 0, 0}, {0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 1, 1}),
                 "unsorted overflow buckets");
  check_rejected(dense4(3, 0, d15, {0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 1, 1}), "duplicate overflow bucket 0");
  check_rejected(dense4(3, 0, bytes(8, 0), {0x01, 0x00, 0x00, 0x00, 0x01}), "delta is not 15");
  check_rejected(dense4(3, 0, d15, {0x01, 0x00, 0x00, 0x00, 0x00}), "value 0 <= 0");
  check_rejected(dense4(3, 0, d15, {0x01, 0x00, 0x00, 0x00, 0x80}), "value -128 <= 0");
  check_rejected(dense4(3, 40, d15, {0x01, 0x00, 0x00, 0x00, 0x07}), "above 61");
  check_rejected(dense4(1, 0, d15, {0x00, 0x00}), "truncated");
  check_rejected(dense4(1, 0, d15, {0x00, 0x00, 0x01, 0x00}), "trailing bytes");
  check_rejected(dense4(1, 0, d15, {0x20, 0x00, 0x01}), "bucket 32");
  check_rejected(dense4(1, 0, bytes(8, 0), {0x03, 0x00, 0x01}), "delta is not 15");
  // The null pointer with a size is refused before any read.
  CHECK_THROWS_AS(hs::from_presto<12>(nullptr, 4), hs::format_error);
  CHECK_THROWS_AS(hs::from_presto<12>(nullptr, 0), hs::format_error);
}

namespace {

// Either a format_error, or registers within range that survive a rewrite.
template <unsigned P>
void parse_or_reject(const bytes& image, std::size_t& accepted) {
  try {
    const auto s = hs::from_presto<P>(image.data(), image.size());
    const auto view = s.registers();  // one view: a sparse sketch's is a materialised copy
    const bool in_range = std::all_of(view.begin(), view.end(),
                                      [](std::uint8_t r) { return r <= hs::presto_hyperloglog<P>::max_rank; });
    if (!in_range) FAIL("a register above 65 - P was accepted");
    const bytes again = hs::to_presto(s);
    if (!(hs::from_presto<P>(again.data(), again.size()) == s)) FAIL("the rewrite does not read back equal");
    ++accepted;
  } catch (const hs::format_error&) {
  }
}

template <unsigned P>
void every_truncation_and_flip(const bytes& image) {
  std::size_t accepted = 0;
  for (std::size_t n = 0; n < image.size(); ++n) {
    // A heap copy of exactly n bytes, so ASan sees a read past the end.
    const bytes cut(image.begin(), image.begin() + static_cast<std::ptrdiff_t>(n));
    parse_or_reject<P>(cut, accepted);
  }
  for (std::size_t i = 0; i < image.size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x10, 0x80, 0xff}) {
      bytes flipped = image;
      flipped[i] ^= mask;
      parse_or_reject<P>(flipped, accepted);
    }
  }
  // Flips of deltas or sparse v bits are valid images, so the success path is
  // exercised too (an empty 4-byte sparse image has no such byte).
  if (image.size() > 4) CHECK(accepted > 0);
}

}  // namespace

TEST_CASE("every truncation and byte flip of small images is rejected or parsed in bounds", "[presto][hostile]") {
  SECTION("sparse reference images at p = 11 and 12 (the decoder does not depend on p otherwise)") {
    for (const auto& r : rows()) {
      if (r.dense() || r.p() > 12) continue;
      const bytes image = r.image();
      if (image.size() > 404) continue;
      INFO(r.name());
      with_p(r.p(), [&](auto pc) { every_truncation_and_flip<decltype(pc)::value>(image); });
    }
  }
  SECTION("a dense p = 11 reference image") {
    every_truncation_and_flip<11>(row("default", "s-build-p11-i64-n1000", "image").image());
  }
  SECTION("dense p = 4 images with overflows, V2 and V1") {
    hs::presto_hyperloglog<4> s;
    s.densify();
    for (std::int64_t i = 0; i < 100; ++i) s.add(i);
    s.add_hash(0);                             // bucket 0 at the largest rank, 61
    s.add_hash(std::uint64_t{0x3} << 60 | 1);  // bucket 3 at rank 60
    const bytes v2 = hs::to_presto(s);
    REQUIRE(v2.size() > hs::presto_format::dense_size(4, 1));
    every_truncation_and_flip<4>(v2);
    every_truncation_and_flip<4>({0x01, 0x04, 0x02, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x03});
  }
}
