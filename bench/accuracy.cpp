// bin/accuracy: measures every cardinality estimator of the library on the
// SAME hash stream — HyperLogLog (Ertl), HyperLogLog (classic), LogLog and
// SuperLogLog on one set of HLL registers; UltraLogLog (FGRA, ML) on the ULL
// registers of the same hashes (their to_hyperloglog() is those HLL
// registers); the martingale (HIP) estimator on both — over a geometric grid
// of n, prints bias and RSE·√m, writes a CSV and draws an SVG (RSE·√m against
// n, one line per estimator, the theory as dashed lines; a second panel shows
// the bias). The martingales need the arrival order, so they are measured on
// added items only (n ≤ --simulate-from).
//
//   accuracy [--p 12] [--trials 500] [--n-min 10] [--n-max 1e12] [--per-decade 16]
//            [--simulate-from 1e7] [--seed 1] [--csv accuracy.csv] [--svg accuracy.svg]
//
//   --p            one precision or a comma list (10,12,14): one table, one SVG panel pair each
//   --trials       independent sketches per P (RSE is measured to ≈ 1/√(2·trials) relative)
//   --n-min/--n-max the grid, `--per-decade` points per decade
//   --simulate-from n above this is reached by simulation instead of adding items
//   --csv/--svg    output paths ("-" = don't write)
//
// How: each trial is one stream of distinct items (add_hash of a SplitMix64
// sequence, as good as hashing distinct keys) into a hyperloglog<P>; at each
// grid point up to --simulate-from the four estimates are computed from that
// one sketch's register histogram (the estimators are pure functions of it;
// loglog<P>(sketch) / superloglog<P>(sketch) would give the same numbers, and
// the program checks that once per trial). Beyond it, each trial continues
// with a fresh simulated sketch (accuracy_support.hpp: every (register, rank)
// class is first hit at an exponential time), so n = 10^12 costs the same as
// n = 10^7. Relative error e = E/n − 1; bias = mean e; RSE = √(mean e²) (it
// includes the bias: it is the error a user sees); std = √(RSE² − bias²).
//
// Simulated sketches (n > --simulate-from) hold Poisson(n) keys; the RSE
// printed includes that spread, 1/n relative variance, i.e. m/n in RSE²·m:
// ≤ 4·10^−4 at P = 12 from n = 10^7.
//
// docs/accuracy.svg is
//   accuracy --p 12 --trials 2000 --per-decade 24 --csv accuracy.csv --svg docs/accuracy.svg
// (docs/accuracy.md explains how to read it).

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/loglog.hpp>
#include <hashsketch/martingale.hpp>
#include <hashsketch/ultraloglog.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "accuracy_support.hpp"
#include "svg_writer.hpp"

namespace {

using hashsketch::register_histogram;

constexpr int estimator_count = 8;
constexpr int register_estimators = 6;  // the first six are functions of registers; the last two martingales
struct estimator_info {
  const char* name;
  const char* colour;
  double theory;  // RSE·√m
  const char* label;
};
// Theory: HLL 1.04 = √(3 ln 2 − 1) (Flajolet et al. 2007); LogLog 1.30
// (β_∞ = 1.29806, Durand & Flajolet 2003); SuperLogLog 1.05 (the paper's
// figure for θ₀ = 0.7); UltraLogLog FGRA √0.6119 = 0.782 and ML
// √(ln 2/ζ(2, 5/4)) = 0.761 (Ertl 2024); martingale on ULL √(5 ln 2/8) =
// 0.658 (Ertl 2024), on HLL √(ln 2) = 0.833 (Ting 2014; Ertl 2024 table 1).
constexpr estimator_info estimators[estimator_count] = {
    {"hll-ertl", "#1f63b4", 1.04, "HyperLogLog (Ertl)"},
    {"hll-classic", "#e8830c", 1.04, "HyperLogLog (classic)"},
    {"loglog", "#2a9d3a", 1.30, "LogLog"},
    {"superloglog", "#c8232c", 1.05, "SuperLogLog"},
    {"ull-fgra", "#7b3fb5", 0.782, "UltraLogLog (FGRA)"},
    {"ull-ml", "#c25ab3", 0.761, "UltraLogLog (ML)"},
    {"mg-ull", "#0f9a9a", 0.658, "martingale on ULL"},
    {"mg-hll", "#8a6a2f", 0.833, "martingale on HLL"},
};

void estimate_hll(const register_histogram& h, std::size_t m, unsigned q, double out[estimator_count]) {
  out[0] = hashsketch::hll_family::estimate(h, m, q, hashsketch::estimator::ertl);
  out[1] = hashsketch::hll_family::estimate(h, m, q, hashsketch::estimator::classic);
  out[2] = hashsketch::loglog_estimate(h, m, q);
  out[3] = hashsketch::superloglog_estimate(h, m, q);
}
void estimate_ull(const std::uint32_t* h, unsigned p, double out[estimator_count]) {
  out[4] = hashsketch::detail::ull_math::fgra_estimate(h, p);
  out[5] = hashsketch::detail::ull_math::ml_estimate(h, p);
}

/// One Poissonised sketch followed through the grid: every (register, rank)
/// class is first hit at an independent exponential time (rate 2^−(P+k),
/// 2^−(P+k−1) for the top rank, per key: accuracy_support.hpp). At time T a
/// register's HLL value u is the largest rank hit by T; its UltraLogLog byte
/// adds whether ranks u − 1 and u − 2 were hit by T. So both sketches come
/// from the same simulated keys. hll[g] / ull[g]: histograms at times[g].
void simulate_both(unsigned p, unsigned max_rank, hashsketch_bench::splitmix64& rng, const std::vector<double>& times,
                   std::vector<register_histogram>& hll, std::vector<std::array<std::uint32_t, 256>>& ull) {
  const std::size_t grid = times.size(), m = std::size_t{1} << p;
  hll.assign(grid, register_histogram{});
  ull.assign(grid, std::array<std::uint32_t, 256>{});
  std::vector<double> t(max_rank + 1u), suffix(max_rank + 2u);
  for (std::size_t j = 0; j < m; ++j) {
    for (unsigned k = 1; k <= max_rank; ++k) {
      const int e = k == max_rank ? -static_cast<int>(p + k - 1u) : -static_cast<int>(p + k);
      t[k] = rng.exponential() / std::ldexp(1.0, e);
    }
    suffix[max_rank + 1u] = INFINITY;
    for (unsigned k = max_rank; k >= 1; --k) suffix[k] = std::min(t[k], suffix[k + 1u]);
    unsigned u = 0;  // largest k with suffix[k] ≤ T (suffix is non-decreasing in k)
    for (std::size_t g = 0; g < grid; ++g) {
      const double T = times[g];
      while (u < max_rank && suffix[u + 1u] <= T) ++u;
      ++hll[g][u];
      unsigned byte = 0;
      if (u > 0) {
        byte = 4u * (u + p - 2u);
        if (u >= 2 && t[u - 1u] <= T) byte |= 2u;
        if (u >= 3 && t[u - 2u] <= T) byte |= 1u;
      }
      ++ull[g][byte];
    }
  }
}

struct accumulator {
  double sum = 0, sum2 = 0;
  std::size_t count = 0;
  void add(double e) {
    sum += e;
    sum2 += e * e;
    ++count;
  }
  double bias() const { return sum / static_cast<double>(count); }
  double rse() const { return std::sqrt(sum2 / static_cast<double>(count)); }
  double stddev() const { return std::sqrt(std::max(0.0, rse() * rse() - bias() * bias())); }
};

struct config {
  std::vector<unsigned> precisions;
  std::size_t trials;
  double n_min, n_max, per_decade, simulate_from;
  std::uint64_t seed;
  std::string csv, svg;
};

struct point_result {
  double n;
  bool simulated;
  accumulator acc[estimator_count];
};

std::vector<double> make_grid(const config& c) {
  std::vector<double> grid;
  const double lo = std::log10(c.n_min), hi = std::log10(c.n_max);
  const auto steps = static_cast<long>(std::floor((hi - lo) * c.per_decade + 1e-9));
  for (long i = 0; i <= steps; ++i) {
    const double n = std::round(std::pow(10.0, lo + static_cast<double>(i) / c.per_decade));
    if (grid.empty() || n > grid.back()) grid.push_back(n);
  }
  return grid;
}

std::uint64_t trial_seed(std::uint64_t seed, unsigned p, std::size_t trial, std::uint64_t stream) {
  hashsketch_bench::splitmix64 mix(seed ^ (static_cast<std::uint64_t>(p) << 56) ^ (stream << 48));
  for (std::size_t i = 0; i <= trial % 7; ++i) mix.next();
  return mix.next() ^ (static_cast<std::uint64_t>(trial) * 0xD1B54A32D192ED03ull);
}

template <unsigned P>
std::vector<point_result> run_precision(const config& c, const std::vector<double>& grid) {
  using sketch = hashsketch::hyperloglog<P>;
  constexpr std::size_t m = sketch::register_count;
  constexpr unsigned q = sketch::max_rank - 1u;
  std::vector<point_result> results(grid.size());
  std::vector<double> sim_times;
  std::size_t first_sim = grid.size();
  for (std::size_t g = 0; g < grid.size(); ++g) {
    results[g].n = grid[g];
    results[g].simulated = grid[g] > c.simulate_from;
    if (results[g].simulated) {
      if (first_sim == grid.size()) first_sim = g;
      sim_times.push_back(grid[g]);
    }
  }
  std::vector<register_histogram> sim_hist;
  std::vector<std::array<std::uint32_t, 256>> sim_ull;
  double e[estimator_count];
  for (std::size_t t = 0; t < c.trials; ++t) {
    // added items: one hash stream into an HLL and a ULL, each inside its martingale
    hashsketch::martingale<sketch> mh;
    hashsketch::martingale<hashsketch::ultraloglog<P>> mu;
    hashsketch_bench::splitmix64 items(trial_seed(c.seed, P, t, 1));
    double added = 0;
    for (std::size_t g = 0; g < first_sim; ++g) {
      for (; added < grid[g]; added += 1) {
        const std::uint64_t h = items.next();
        mh.add_hash(h);
        mu.add_hash(h);
      }
      estimate_hll(mh.sketch().histogram(), m, q, e);
      const auto ull_regs = mu.sketch().registers();
      std::array<std::uint32_t, 256> uh{};
      for (std::uint8_t r : ull_regs) ++uh[r];
      estimate_ull(uh.data(), P, e);
      e[6] = mu.estimate();
      e[7] = mh.estimate();
      for (int k = 0; k < estimator_count; ++k) results[g].acc[k].add(e[k] / grid[g] - 1.0);
    }
    if (first_sim > 0) {
      // the conversions give the very numbers computed from the histogram,
      // and the ULL registers are the HLL registers of the same hashes
      const sketch& s = mh.sketch();
      const hashsketch::loglog<P> ll(s);
      const hashsketch::superloglog<P> sll(s);
      estimate_hll(s.histogram(), m, q, e);
      if (ll.estimate() != e[2] || sll.estimate() != e[3])
        throw std::logic_error("converted sketch disagrees with the histogram estimators");
      if (!(mu.sketch().to_hyperloglog() == s)) throw std::logic_error("ULL registers are not the HLL registers");
    }
    // simulated (registers only: no arrival order for the martingales)
    if (!sim_times.empty()) {
      hashsketch_bench::splitmix64 rng(trial_seed(c.seed, P, t, 2));
      simulate_both(P, sketch::max_rank, rng, sim_times, sim_hist, sim_ull);
      for (std::size_t i = 0; i < sim_times.size(); ++i) {
        estimate_hll(sim_hist[i], m, q, e);
        estimate_ull(sim_ull[i].data(), P, e);
        for (int k = 0; k < register_estimators; ++k) results[first_sim + i].acc[k].add(e[k] / sim_times[i] - 1.0);
      }
    }
  }
  return results;
}

std::vector<point_result> run(unsigned p, const config& c, const std::vector<double>& grid) {
  switch (p) {
    case 4:
      return run_precision<4>(c, grid);
    case 5:
      return run_precision<5>(c, grid);
    case 6:
      return run_precision<6>(c, grid);
    case 7:
      return run_precision<7>(c, grid);
    case 8:
      return run_precision<8>(c, grid);
    case 9:
      return run_precision<9>(c, grid);
    case 10:
      return run_precision<10>(c, grid);
    case 11:
      return run_precision<11>(c, grid);
    case 12:
      return run_precision<12>(c, grid);
    case 13:
      return run_precision<13>(c, grid);
    case 14:
      return run_precision<14>(c, grid);
    case 15:
      return run_precision<15>(c, grid);
    case 16:
      return run_precision<16>(c, grid);
    default:
      throw std::invalid_argument("--p must be in 4..16");
  }
}

std::string format_n(double n) {
  char buf[32];
  if (n < 1e6)
    std::snprintf(buf, sizeof buf, "%.0f", n);
  else
    std::snprintf(buf, sizeof buf, "%.3g", n);
  return buf;
}

void print_table(unsigned p, const config& c, const std::vector<point_result>& r) {
  const double m = std::ldexp(1.0, static_cast<int>(p));
  const double sm = std::sqrt(m);
  std::printf(
      "\nP = %u (m = %.0f), %zu trials. bias in %%, rse = RSE*sqrt(m); theory: hll 1.04, loglog 1.30, "
      "superloglog 1.05, ull-fgra 0.782, ull-ml 0.761, mg-ull 0.658, mg-hll 0.833. * = simulated n "
      "(martingales: added n only)\n",
      p, m, c.trials);
  std::printf("%11s %9s", "n", "n/m");
  for (const auto& est : estimators) std::printf(" | %-11s %6s", est.name, "rse");
  std::printf("\n");
  for (const auto& pt : r) {
    std::printf("%10s%s %9.3g", format_n(pt.n).c_str(), pt.simulated ? "*" : " ", pt.n / m);
    for (int k = 0; k < estimator_count; ++k) {
      const double b = 100.0 * pt.acc[k].bias();
      if (pt.acc[k].count == 0)
        std::printf(" | %11s %6s", "-", "-");
      else if (std::fabs(b) >= 1e4)
        std::printf(" | %+11.3g %6.3g", b, pt.acc[k].rse() * sm);
      else
        std::printf(" | %+10.3f%% %6.3f", b, pt.acc[k].rse() * sm);
    }
    std::printf("\n");
  }
  // Summary over n ≥ 10·m, where all four are in their asymptotic regime.
  std::printf("%21s", "RMS over n >= 10m:");
  for (int k = 0; k < estimator_count; ++k) {
    double s2 = 0;
    std::size_t cnt = 0;
    for (const auto& pt : r)
      if (pt.n >= 10 * m && pt.acc[k].count > 0) {
        s2 += pt.acc[k].rse() * pt.acc[k].rse();
        ++cnt;
      }
    std::printf(" | %11s %6.3f", "", cnt ? std::sqrt(s2 / static_cast<double>(cnt)) * sm : 0.0);
  }
  std::printf("\n");
}

void write_csv(std::ostream& out, unsigned p, const config& c, const std::vector<point_result>& r) {
  const double m = std::ldexp(1.0, static_cast<int>(p));
  for (const auto& pt : r)
    for (int k = 0; k < estimator_count; ++k) {
      if (pt.acc[k].count == 0) continue;
      char buf[256];
      std::snprintf(buf, sizeof buf, "%u,%.0f,%.0f,%s,%s,%zu,%.6g,%.6g,%.6g,%.3f\n", p, m, pt.n,
                    pt.simulated ? "simulated" : "added", estimators[k].name, c.trials, pt.acc[k].bias(),
                    pt.acc[k].rse() * std::sqrt(m), pt.acc[k].stddev() * std::sqrt(m), estimators[k].theory);
      out << buf;
    }
}

// One panel pair per precision: RSE·√m on top, bias (%) below.
void draw(hashsketch_bench::svg_writer& svg, double top, unsigned p, const config& c,
          const std::vector<point_result>& r) {
  using hashsketch_bench::svg_writer;
  const double m = std::ldexp(1.0, static_cast<int>(p));
  const double left = 80, width = 760;
  const double x_lo = std::log10(r.front().n), x_hi = std::log10(r.back().n);
  auto x_of = [&](double n) { return left + (std::log10(n) - x_lo) / (x_hi - x_lo) * width; };
  const std::string id = "p" + std::to_string(p);

  struct panel {
    double y, height, v_lo, v_hi, step;
    std::string label;
    bool bias;
  };
  const panel panels[2] = {
      {top + 50, 330, 0.0, 3.0, 0.25, "RSE \u00b7 \u221am", false},
      {top + 440, 180, -4.0, 4.0, 1.0, "bias (%)", true},
  };
  char title[200];
  std::snprintf(title, sizeof title,
                "Estimators on the same hashes: P = %u (m = %.0f, %.0f bytes), %zu trials per n", p, m, m, c.trials);
  svg.text(left + width / 2, top + 28, title, 17, "middle", "#000", 0, true);

  for (int pi = 0; pi < 2; ++pi) {
    const panel& pn = panels[pi];
    const std::string clip = id + "-" + std::to_string(pi);
    auto y_of = [&](double v) { return pn.y + (pn.v_hi - v) / (pn.v_hi - pn.v_lo) * pn.height; };
    svg.clip_rect(clip, left, pn.y, width, pn.height);
    svg.rect(left, pn.y, width, pn.height, "#fbfbfb", {"#999", 1, ""});
    // horizontal grid and y labels
    for (double v = pn.v_lo; v <= pn.v_hi + 1e-9; v += pn.step) {
      const bool major = std::fabs(std::fmod(v, pn.bias ? 2.0 : 0.5)) < 1e-9 || (pn.bias && v == 0);
      svg.line(left, y_of(v), left + width, y_of(v), {major ? "#ddd" : "#eee", 1, ""});
      if (major) {
        char buf[16];
        std::snprintf(buf, sizeof buf, pn.bias ? "%+.0f" : "%.1f", v);
        svg.text(left - 8, y_of(v) + 4, pn.bias && v == 0 ? "0" : buf, 12, "end", "#333");
      }
    }
    if (pn.bias) svg.line(left, y_of(0), left + width, y_of(0), {"#888", 1, ""});
    // decades
    for (int d = static_cast<int>(std::ceil(x_lo)); d <= static_cast<int>(std::floor(x_hi)); ++d) {
      const double x = x_of(std::pow(10.0, d));
      svg.line(x, pn.y, x, pn.y + pn.height, {"#e4e4e4", 1, ""});
      svg.text(x, pn.y + pn.height + 18, "10^" + std::to_string(d), 12, "middle", "#333");
    }
    // n = m, 10·m, and where simulation starts
    const std::pair<double, const char*> marks[] = {{m, "n = m"}, {10 * m, "n = 10m"}};
    for (const auto& mk : marks)
      if (mk.first >= r.front().n && mk.first <= r.back().n) {
        svg.line(x_of(mk.first), pn.y, x_of(mk.first), pn.y + pn.height, {"#777", 1, "2,3"});
        if (!pn.bias) svg.text(x_of(mk.first) + 4, pn.y + pn.height - 6, mk.second, 11, "start", "#555");
      }
    if (c.simulate_from < r.back().n && c.simulate_from > r.front().n) {
      const double x = x_of(c.simulate_from);
      svg.line(x, pn.y, x, pn.y + pn.height, {"#777", 1, "6,3"});
      if (!pn.bias) svg.text(x + 4, pn.y + pn.height - 6, "simulated n \u2192", 11, "start", "#555");
    }
    // theory (dashed, RSE panel only)
    if (!pn.bias)
      for (int k = 0; k < estimator_count; ++k) {
        if (k == 1) continue;  // classic shares 1.04 with ertl
        svg.line(left, y_of(estimators[k].theory), left + width, y_of(estimators[k].theory),
                 {estimators[k].colour, 1.2, "7,5"});
      }
    // measured
    for (int k = 0; k < estimator_count; ++k) {
      std::vector<std::pair<double, double>> pts;
      for (const auto& pt : r) {
        if (pt.acc[k].count == 0) continue;  // martingales: added n only
        const double v = pn.bias ? 100.0 * pt.acc[k].bias() : pt.acc[k].rse() * std::sqrt(m);
        // keep far-off values finite so the clip rectangle cuts the line at the edge
        pts.emplace_back(x_of(pt.n), y_of(std::max(pn.v_lo - 1e3, std::min(pn.v_hi + 1e3, v))));
      }
      if (!pts.empty()) svg.polyline(pts, {estimators[k].colour, k == 0 || k == 4 ? 2.4 : 1.8, ""}, clip);
    }
    svg.text(left - 52, pn.y + pn.height / 2, pn.label, 14, "middle", "#000", -90);
  }
  svg.text(left + width / 2, panels[1].y + panels[1].height + 42, "n (distinct items, log scale)", 14, "middle");
  // legend
  const double lx = left + width - 250, ly = panels[0].y + 28;
  svg.rect(lx - 10, ly - 18, 255, estimator_count * 20 + 34, "#fff", {"#bbb", 1, ""});
  for (int k = 0; k < estimator_count; ++k) {
    svg.line(lx, ly + 20 * k - 4, lx + 30, ly + 20 * k - 4, {estimators[k].colour, 2.4, ""});
    svg.text(lx + 38, ly + 20 * k, estimators[k].label, 12);
  }
  const double tl = ly + 20.0 * estimator_count;
  svg.line(lx, tl - 4, lx + 30, tl - 4, {"#555", 1.2, "7,5"});
  svg.text(lx + 38, tl, "theory (dashed, each colour)", 12);
}

}  // namespace

int main(int argc, char** argv) try {
  hashsketch_bench::flags f(argc, argv);
  config c;
  {
    std::stringstream list(f.text("--p", "12"));
    std::string item;
    while (std::getline(list, item, ',')) {
      const double v = std::strtod(item.c_str(), nullptr);
      if (!(v >= 4 && v <= 16) || v != std::floor(v)) throw std::invalid_argument("--p: each value must be in 4..16");
      c.precisions.push_back(static_cast<unsigned>(v));
    }
    if (c.precisions.empty()) throw std::invalid_argument("--p: empty list");
  }
  const double trials = f.number("--trials", 500);
  c.n_min = f.number("--n-min", 10);
  c.n_max = f.number("--n-max", 1e12);
  c.per_decade = f.number("--per-decade", 16);
  c.simulate_from = f.number("--simulate-from", 1e7);
  c.seed = static_cast<std::uint64_t>(f.number("--seed", 1));
  c.csv = f.text("--csv", "accuracy.csv");
  c.svg = f.text("--svg", "accuracy.svg");
  f.check();
  if (!(trials >= 2 && trials <= 1e7)) throw std::invalid_argument("--trials must be in 2..1e7");
  c.trials = static_cast<std::size_t>(trials);
  if (!(c.n_min >= 1 && c.n_max > c.n_min && c.n_max <= 1e15))
    throw std::invalid_argument("need 1 <= --n-min < --n-max <= 1e15");
  if (!(c.per_decade >= 1 && c.per_decade <= 100)) throw std::invalid_argument("--per-decade must be in 1..100");
  if (!(c.simulate_from >= 1 && c.simulate_from <= 1e10))
    throw std::invalid_argument("--simulate-from must be in 1..1e10 (items are really added below it)");

  const std::vector<double> grid = make_grid(c);
  std::ofstream csv;
  if (c.csv != "-") {
    csv.open(c.csv, std::ios::binary);
    if (!csv) throw std::runtime_error("cannot write " + c.csv);
    csv << "p,m,n,source,estimator,trials,bias,rse_sqrt_m,std_sqrt_m,theory_sqrt_m\n";
  }
  const double panel_height = 720;
  hashsketch_bench::svg_writer svg(900, panel_height * static_cast<double>(c.precisions.size()));
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < c.precisions.size(); ++i) {
    const unsigned p = c.precisions[i];
    const auto r = run(p, c, grid);
    print_table(p, c, r);
    if (csv.is_open()) write_csv(csv, p, c, r);
    draw(svg, panel_height * static_cast<double>(i), p, c, r);
  }
  if (csv.is_open()) {
    csv.close();
    if (!csv) throw std::runtime_error("cannot write " + c.csv);
  }
  if (c.svg != "-") svg.save(c.svg);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\n%.1f s; wrote %s %s\n", secs, c.csv == "-" ? "(no csv)" : c.csv.c_str(),
              c.svg == "-" ? "(no svg)" : c.svg.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "accuracy: %s\n", e.what());
  return 2;
}
