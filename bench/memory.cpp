// The numbers side by side (issue 14, docs/memory.md): bytes in memory and
// serialised, and the estimate's error, for n = 0, 1, 10, 100, 10^3 … 10^6
// distinct keys at P = 12 and 14 —
//   - hashsketch hyperloglog<P>: memory_bytes() as it is (sparse while small)
//     and dense from the start (densify() before the first add); the
//     serialised size in every encoding (automatic, dense, dense_compact,
//     sparse: docs/FORMAT.md);
//   - Apache DataSketches HLL_4 and HLL_8 (serialize_compact() image sizes):
//     datasketches_hyperloglog<P> fed the same keys written by
//     to_datasketches, which writes DataSketches' own LIST/SET images while
//     DataSketches would still be in coupon mode and HLL images after; the
//     sizes are checked against the reference implementation's golden images
//     (tests/data/datasketches) wherever one exists for the same lg_k and n
//     (n = 0, 1, 100, 10^3, 10^4, 10^6): a mismatch aborts the program;
//   - Redis (P = 14 only: Redis has 2^14 registers): the size of to_redis()
//     with Redis's own rule (sparse up to 3000 bytes, then dense).
// Keys are the uint64 values 0..n−1 (DataSketches' generator's keys), one
// sketch per n, so each error is one trial, not an average: the relative
// standard error of the dense estimate is 1.04/√m (1.6 % at P = 12, 0.81 % at
// P = 14).
//
//   memory [--svg docs/memory.svg] [--data tests/data/datasketches]
//
// prints the Markdown table of docs/memory.md and writes the plot. Run from
// the source root (the default --data path is relative to it).

#include <hashsketch/datasketches.hpp>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/redis.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "svg_writer.hpp"

namespace hs = hashsketch;

namespace {

const std::uint64_t ns[] = {0, 1, 10, 100, 1000, 10000, 100000, 1000000};

struct row {
  unsigned p = 0;
  std::uint64_t n = 0;
  std::size_t mem = 0, mem_dense = 0;  // memory_bytes(): as built / dense from the start
  bool sparse = false;
  std::size_t ser_auto = 0, ser_dense = 0, ser_compact = 0, ser_sparse = 0;  // 0 = not applicable
  std::size_t ds4 = 0, ds8 = 0;
  std::string ds_mode;           // LIST / SET / HLL
  bool ds_checked = false;       // a golden image of this lg_k and n exists (and agreed)
  std::size_t redis = 0;         // 0 = not applicable (P != 14)
  bool redis_sparse = false;
  double est = 0, est_dense = 0;
};

std::size_t file_size_or_zero(const std::string& path) {
  std::error_code ec;
  const auto s = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::size_t>(s);
}

template <unsigned P>
row measure(std::uint64_t n, const std::string& data_dir) {
  row r;
  r.p = P;
  r.n = n;
  hs::hyperloglog<P> s;
  hs::hyperloglog<P> d;
  d.densify();
  hs::datasketches_hyperloglog<P> ds;
  for (std::uint64_t i = 0; i < n; ++i) {
    s.add(i);
    d.add(i);
    ds.add(i);
  }
  r.mem = s.memory_bytes();
  r.mem_dense = d.memory_bytes();
  r.sparse = s.is_sparse();
  // The native format's encodings (docs/FORMAT.md): automatic (what a user
  // gets by asking for the smallest: sparse for a sparse sketch, the smaller
  // of dense / dense_compact for a dense one), the plain version-1 dense
  // image (serialize()'s default, zero-cost loads), dense_compact (rANS over
  // the registers of the sketch dense from the start) and sparse (the
  // Rice-coded tokens, only while the sketch is sparse).
  r.ser_auto = s.serialize(hs::encoding::automatic).size();
  r.ser_dense = d.serialize(hs::encoding::dense).size();
  r.ser_compact = d.serialize(hs::encoding::dense_compact).size();
  r.ser_sparse = s.is_sparse() ? s.serialize(hs::encoding::sparse).size() : 0;
  r.est = s.estimate();
  r.est_dense = d.estimate();
  const auto img4 = hs::to_datasketches(ds, hs::ds_target::hll_4, true);
  const auto img8 = hs::to_datasketches(ds, hs::ds_target::hll_8, true);
  r.ds4 = img4.size();
  r.ds8 = img8.size();
  r.ds_mode = hs::detail::ds::mode_names[img8[7] & 3u];
  for (const char* t : {"HLL_4", "HLL_8"}) {
    const std::string golden =
        data_dir + "/images/u64_lgk" + std::to_string(P) + "_" + t + "_n" + std::to_string(n) + ".compact.bin";
    const std::size_t g = file_size_or_zero(golden);
    if (g == 0) continue;
    const std::size_t ours = std::string(t) == "HLL_4" ? r.ds4 : r.ds8;
    if (g != ours) {
      std::fprintf(stderr, "%s: %zu bytes, to_datasketches wrote %zu\n", golden.c_str(), g, ours);
      std::exit(1);
    }
    r.ds_checked = true;
  }
  if (P == 14) {
    hs::redis_hyperloglog rs;
    for (std::uint64_t i = 0; i < n; ++i) rs.add(i);
    const std::string str = hs::to_redis(rs);
    r.redis = str.size();
    r.redis_sparse = str.size() > 4 && static_cast<unsigned char>(str[4]) == 1;
  }
  return r;
}

std::string n_text(std::uint64_t n) {
  if (n < 1000) return std::to_string(n);
  int e = 0;
  for (std::uint64_t v = n; v >= 10; v /= 10) ++e;
  return "10^" + std::to_string(e);
}

std::string err_text(double est, std::uint64_t n) {
  char buf[48];
  if (n == 0) {
    std::snprintf(buf, sizeof buf, "%.2g", est);
  } else {
    const double e = (est - static_cast<double>(n)) / static_cast<double>(n) * 100.0;
    if (std::fabs(e) < 0.005) {
      std::snprintf(buf, sizeof buf, "%+.0f keys", est - static_cast<double>(n));
    } else {
      std::snprintf(buf, sizeof buf, "%+.2f %%", e);
    }
  }
  return buf;
}

std::string sz(std::size_t v) { return v == 0 ? "—" : std::to_string(v); }

void print_table(const std::vector<row>& rows) {
  for (unsigned p : {12u, 14u}) {
    std::printf("\n### P = %u (m = %u registers)\n\n", p, 1u << p);
    std::printf(
        "| n | memory (state) | memory, dense from start | serialize(automatic) | dense | dense_compact | sparse | "
        "DataSketches HLL_4 | HLL_8 | Redis | error (automatic) | error (dense) |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const row& r : rows) {
      if (r.p != p) continue;
      std::printf("| %s | %zu (%s) | %zu | %zu | %zu | %s | %s | %zu%s | %zu%s (%s) | %s | %s | %s |\n",
                  n_text(r.n).c_str(), r.mem, r.sparse ? "sparse" : "dense", r.mem_dense, r.ser_auto, r.ser_dense,
                  sz(r.ser_compact).c_str(), sz(r.ser_sparse).c_str(), r.ds4, r.ds_checked ? "✓" : "", r.ds8,
                  r.ds_checked ? "✓" : "", r.ds_mode.c_str(),
                  r.redis == 0 ? "—" : (std::to_string(r.redis) + (r.redis_sparse ? " (sparse)" : " (dense)")).c_str(),
                  err_text(r.est, r.n).c_str(), err_text(r.est_dense, r.n).c_str());
    }
  }
  std::printf("\n✓: equal to the size of the reference implementation's golden image (same lg_k and n).\n");
}

// Bytes vs n, log-log: one panel per P, n = 1 … 10^6 (n = 0 has no place on
// a log axis; its sizes are in the table).
void write_svg(const std::vector<row>& rows, const std::string& path) {
  using hashsketch_bench::svg_writer;
  const double left = 80, width = 560, panel_h = 330, gap = 80, top0 = 60;
  svg_writer svg(left + width + 250, top0 + 2 * (panel_h + gap));
  const double y_lo = 0, y_hi = 5;  // log10 bytes: 1 B … 100 kB
  const double x_lo = 0, x_hi = 6;  // log10 n
  struct series {
    const char* name;
    std::string colour, dash;
    std::size_t row::*field;
  };
  const series all[] = {
      {"hashsketch memory_bytes()", "#1f77b4", "", &row::mem},
      {"hashsketch memory, dense from start", "#1f77b4", "5,4", &row::mem_dense},
      {"hashsketch serialize(automatic)", "#2ca02c", "", &row::ser_auto},
      {"hashsketch serialize(dense)", "#2ca02c", "5,4", &row::ser_dense},
      {"hashsketch serialize(dense_compact)", "#17becf", "2,3", &row::ser_compact},
      {"DataSketches HLL_4 (compact)", "#d62728", "", &row::ds4},
      {"DataSketches HLL_8 (compact)", "#d62728", "5,4", &row::ds8},
      {"Redis string (P = 14)", "#9467bd", "", &row::redis},
  };
  svg.text(left + width / 2, 28, "Bytes per sketch vs distinct keys (log-log)", 17, "middle", "#000", 0, true);
  for (int panel = 0; panel < 2; ++panel) {
    const unsigned p = panel == 0 ? 12 : 14;
    const double top = top0 + panel * (panel_h + gap);
    auto x_of = [&](double lx) { return left + (lx - x_lo) / (x_hi - x_lo) * width; };
    auto y_of = [&](double ly) { return top + panel_h - (ly - y_lo) / (y_hi - y_lo) * panel_h; };
    const std::string clip = "panel" + std::to_string(p);
    svg.clip_rect(clip, left, top, width, panel_h);
    svg.rect(left, top, width, panel_h, "#fbfbfb", {"#999", 1, ""});
    svg.text(left + width / 2, top - 10, "P = " + std::to_string(p) + " (m = " + std::to_string(1u << p) + ")", 14,
             "middle", "#000", 0, true);
    for (int d = 0; d <= 5; ++d) {
      svg.line(left, y_of(d), left + width, y_of(d), {"#e4e4e4", 1, ""});
      svg.text(left - 8, y_of(d) + 4, d == 0 ? "1 B" : "10^" + std::to_string(d), 12, "end", "#333");
    }
    for (int d = 0; d <= 6; ++d) {
      svg.line(x_of(d), top, x_of(d), top + panel_h, {"#e4e4e4", 1, ""});
      svg.text(x_of(d), top + panel_h + 18, d == 0 ? "1" : "10^" + std::to_string(d), 12, "middle", "#333");
    }
    svg.text(left + width / 2, top + panel_h + 40, "distinct keys n", 12, "middle", "#333");
    svg.text(left - 55, top + panel_h / 2, "bytes", 12, "middle", "#333", -90);
    for (const series& s : all) {
      std::vector<std::pair<double, double>> pts;
      for (const row& r : rows) {
        if (r.p != p || r.n == 0 || r.*(s.field) == 0) continue;
        pts.emplace_back(x_of(std::log10(static_cast<double>(r.n))), y_of(std::log10(static_cast<double>(r.*(s.field)))));
      }
      svg.polyline(pts, {s.colour, 2, s.dash}, clip);
      for (const auto& pt : pts) svg.circle(pt.first, pt.second, 2.5, s.colour, clip);
    }
  }
  // Legend.
  double ly = top0 + 10;
  for (const series& s : all) {
    svg.line(left + width + 20, ly, left + width + 50, ly, {s.colour, 2, s.dash});
    svg.text(left + width + 56, ly + 4, s.name, 11, "start", "#000");
    ly += 20;
  }
  svg.text(left + width + 20, ly + 10, "keys: uint64 0..n-1; see docs/memory.md", 10, "start", "#555");
  svg.save(path);
}

}  // namespace

int main(int argc, char** argv) {
  std::string svg_path = "-", data_dir = "tests/data/datasketches";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--svg" && i + 1 < argc) {
      svg_path = argv[++i];
    } else if (a == "--data" && i + 1 < argc) {
      data_dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: memory [--svg out.svg] [--data tests/data/datasketches]\n");
      return 2;
    }
  }
  if (file_size_or_zero(data_dir + "/index.tsv") == 0)
    std::fprintf(stderr, "note: %s/index.tsv not found: DataSketches sizes are not checked against golden images\n",
                 data_dir.c_str());
  std::vector<row> rows;
  for (std::uint64_t n : ns) rows.push_back(measure<12>(n, data_dir));
  for (std::uint64_t n : ns) rows.push_back(measure<14>(n, data_dir));
  print_table(rows);
  if (svg_path != "-") write_svg(rows, svg_path);
  return 0;
}
