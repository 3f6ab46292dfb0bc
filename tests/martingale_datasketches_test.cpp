// martingale<datasketches_hyperloglog<P>> against DataSketches' own HIP
// accumulator: the golden images of tests/data/datasketches (written by
// datasketches-cpp, see its PROVENANCE.md) carry, in HLL mode, the HIP value
// of a sketch fed the keys 0..n−1 (or "k0".."k{n−1}") in order. The same
// keys in the same order must give that value to ≤ 1e-10 relative, and
// to_datasketches(martingale) must write the image DataSketches wrote: the
// same bytes apart from the HIP field's last bits, OUT_OF_ORDER clear.
#include <hashsketch/datasketches.hpp>
#include <hashsketch/martingale.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/test_files.hpp"

namespace hs = hashsketch;

namespace {

using bytes = std::vector<std::uint8_t>;
const std::string data_dir = std::string(HASHSKETCH_TEST_DATA_DIR) + "/datasketches/";

bytes read_file(const std::string& path) { return hashsketch_test::read_binary_file(path); }

double f64_at(const bytes& b, std::size_t at) {
  std::uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | b[at + static_cast<std::size_t>(i)];
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}

struct row {
  std::string file, key_type, tgt, serialization, mode;
  unsigned lg_k;
  std::uint64_t n;
};

// The update (not union) images of index.tsv (columns by name).
std::vector<row> update_rows() {
  std::vector<row> out;
  for (auto& f : hashsketch_test::read_tsv(data_dir + "index.tsv")) {
    if (f["kind"] != "update" || f["n"] == "-") continue;
    out.push_back(row{f["file"], f["key_type"], f["tgt_type"], f["serialization"], f["mode"],
                      static_cast<unsigned>(std::stoul(f["lg_k"])), std::stoull(f["n"])});
  }
  REQUIRE_FALSE(out.empty());
  return out;
}

hs::ds_target target_of(const std::string& t) {
  return t == "HLL_4" ? hs::ds_target::hll_4 : t == "HLL_6" ? hs::ds_target::hll_6 : hs::ds_target::hll_8;
}

// Feeds keys 0..n−1 of `key_type` in order, calling check(martingale) at every
// n of `rows` (all of one lg_k and key type, any order).
template <unsigned P, class Check>
void replay(const std::string& key_type, std::vector<const row*> rows, Check&& check) {
  std::sort(rows.begin(), rows.end(), [](const row* a, const row* b) { return a->n < b->n; });
  hs::martingale<hs::datasketches_hyperloglog<P>> m;
  std::uint64_t added = 0;
  for (const row* r : rows) {
    for (; added < r->n; ++added) {
      if (key_type == "u64")
        m.add(added);
      else
        m.add(std::string_view("k" + std::to_string(added)));
    }
    check(*r, m);
  }
}

template <unsigned P>
void check_lg_k(const std::vector<row>& all, std::size_t& checked_hll, std::size_t& checked_coupon, double& worst,
                std::size_t& exact) {
  for (const char* key_type : {"u64", "string"}) {
    std::vector<const row*> rows;
    for (const row& r : all)
      if (r.lg_k == P && r.key_type == key_type) rows.push_back(&r);
    if (rows.empty()) continue;
    replay<P>(key_type, rows, [&](const row& r, const hs::martingale<hs::datasketches_hyperloglog<P>>& m) {
      INFO(r.file);
      const bytes golden = read_file(data_dir + "images/" + r.file);
      const bytes ours = hs::to_datasketches(m, target_of(r.tgt), r.serialization == "compact");
      if (r.mode == "HLL") {
        // DataSketches' HIP field and ours.
        const double ref = f64_at(golden, 8), hip = m.side().hip();
        INFO("DataSketches HIP " << ref << ", ours " << hip << ", martingale from empty " << m.estimate());
        CHECK(m.side().promoted());
        CHECK(std::fabs(hip / ref - 1) <= 1e-10);
        worst = std::max(worst, std::fabs(hip / ref - 1));
        exact += hip == ref;
        CHECK((golden[5] & 0x10) == 0);  // DataSketches' own sketch is in order
        // The image: DataSketches' bytes, the HIP field within the tolerance.
        REQUIRE(ours.size() == golden.size());
        CHECK(ours[5] == golden[5]);
        CHECK(std::fabs(f64_at(ours, 8) / ref - 1) <= 1e-10);
        bytes a = ours, b = golden;
        std::fill(a.begin() + 8, a.begin() + 16, 0);
        std::fill(b.begin() + 8, b.begin() + 16, 0);
        CHECK(a == b);
        ++checked_hll;
      } else if (r.n > 0) {
        // DataSketches still in LIST/SET mode: ours is an HLL-mode image whose
        // HIP field holds the coupon estimate DataSketches reports.
        CHECK(!m.side().promoted());
        const double ref = f64_at(ours, 8);
        CHECK(std::fabs(ref / hs::detail::datasketches_coupon_estimate(static_cast<double>(r.n)) - 1) <= 1e-13);
        CHECK((ours[5] & 0x10) == 0);
        ++checked_coupon;
      }
    });
  }
}

}  // namespace

TEST_CASE("martingale<datasketches_hyperloglog>: DataSketches' HIP field and image, bit for bit",
          "[martingale][datasketches]") {
  const std::vector<row> all = update_rows();
  std::size_t hll = 0, coupon = 0, exact = 0;
  double worst = 0;
  check_lg_k<4>(all, hll, coupon, worst, exact);
  check_lg_k<8>(all, hll, coupon, worst, exact);
  check_lg_k<11>(all, hll, coupon, worst, exact);
  check_lg_k<12>(all, hll, coupon, worst, exact);
  check_lg_k<14>(all, hll, coupon, worst, exact);
  check_lg_k<16>(all, hll, coupon, worst, exact);
  std::printf("DataSketches HIP: %zu HLL-mode images, %zu bit-equal, worst relative difference %.3g\n", hll, exact,
              worst);
  CHECK(hll >= 100);  // every HLL-mode update image with lg_k ≤ 16
  CHECK(coupon >= 20);
}

TEST_CASE("DataSketches' coupon estimate: the golden LIST/SET estimates", "[martingale][datasketches]") {
  // index.tsv's estimate of the coupon-mode images (coupon_count distinct
  // coupons): the inverse of the expected distinct-coupon count.
  std::ifstream in(data_dir + "index.tsv");
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);
  std::vector<std::string> cols;
  {
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, '\t')) cols.push_back(c);
  }
  std::size_t checked = 0;
  while (std::getline(in, line)) {
    std::map<std::string, std::string> f;
    std::stringstream ss(line);
    std::string c;
    for (const auto& name : cols) {
      std::getline(ss, c, '\t');
      f[name] = c;
    }
    if (f["mode"] == "HLL" || f["coupon_count"] == "-" || f["coupon_count"] == "0") continue;
    INFO(f["file"]);
    const double est = std::stod(f["estimate"]);
    CHECK(std::fabs(hs::detail::datasketches_coupon_estimate(std::stod(f["coupon_count"])) / est - 1) <= 2e-14);
    ++checked;
  }
  CHECK(checked >= 20);
}

TEST_CASE("martingale<datasketches_hyperloglog>: deserialised, its image keeps OUT_OF_ORDER",
          "[martingale][datasketches]") {
  hs::martingale<hs::datasketches_hyperloglog<12>> m;
  for (std::uint64_t i = 0; i < 5000; ++i) m.add(i);
  const bytes image = hs::to_datasketches(m);
  CHECK((image[5] & 0x10) == 0);
  const auto back = hs::martingale<hs::datasketches_hyperloglog<12>>::deserialize(m.serialize().data(),
                                                                                   m.serialize().size());
  CHECK(back.estimate() == m.estimate());
  CHECK(!back.side().valid());
  const bytes again = hs::to_datasketches(back);
  CHECK((again[5] & 0x10) != 0);
  CHECK(again == hs::to_datasketches(m.sketch()));
  // empty: DataSketches' empty image either way
  CHECK(hs::to_datasketches(hs::martingale<hs::datasketches_hyperloglog<12>>()) ==
        hs::to_datasketches(hs::datasketches_hyperloglog<12>()));
}
