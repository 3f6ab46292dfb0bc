// Marketing campaigns: unique impressions, clicks and conversions per
// campaign from one sketch per (campaign, event), CTR and conversion rate over
// unique users, total reach across campaigns by merging, and audience overlap
// between campaigns by inclusion–exclusion.
//
// The error of a ratio of two estimates. With X̂ = X(1 + ε_X), Ŷ = Y(1 + ε_Y)
// and sd(ε) = RSE (the sketch's relative standard error, 1.04/√m):
//   R̂ = X̂/Ŷ = R·(1 + ε_X)/(1 + ε_Y) ≈ R·(1 + ε_X − ε_Y)      (first order)
//   sd(R̂)/R ≈ √(RSE_X² + RSE_Y² − 2ρ·RSE_X·RSE_Y),  ρ = corr(ε_X, ε_Y).
// Sketches of unrelated sets are independent (ρ = 0): sd(R̂)/R ≈ √2·RSE,
// 1.15 % at P = 14. Clickers are a subset of the impressed users, but a few
// per cent of a set barely moves the larger set's registers, so ρ ≈ 0 here;
// whatever ρ is, sd(R̂)/R ≤ 2·RSE (ρ ≥ −1). That is the "±" printed (95 %:
// 1.96·√2·RSE·R̂). For the check no approximation is needed: if X and Y lie
// in their intervals [X−, X+] and [Y−, Y+], then R = X/Y lies in
// [X−/Y+, X+/Y−]; both hold with probability ≥ 1 − 2α when each holds with
// 1 − α (union bound).
// Small sets (a few hundred converters) are counted by HyperLogLog's
// small-range estimator far more precisely than 1.04/√m, so the printed
// error is an upper estimate there.
//
// Every count is printed beside the exact value and checked: the exact value
// must lie in the sketch's interval at confidence 1 − 0.001/K for the K
// checked counts (Bonferroni: all hold together with probability ≥ 99.9 %);
// every ratio is then checked against the interval above. Exit code 1 if any
// check fails.
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/intersection.hpp>
#include <hashsketch/set_operations.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>
#include <vector>

namespace {

using sketch = hashsketch::hyperloglog<14>;

// splitmix64 (Steele, Lea, Flood 2014): reproducible on every platform.
struct rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  bool chance(double p) { return uniform() < p; }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

struct campaign {
  const char* name;
  std::uint32_t audience_first, audience_size;  // targets users [first, first + size) of the pool
  double reach;                                  // share of the audience that sees an ad
  double ctr;                                    // chance an impressed user clicks
  double conversion;                             // chance a clicker converts
};

// Overlapping audiences from a pool of 1.2 M user ids.
const campaign campaigns[] = {
    {"spring-sale-search", 0, 600000, 0.55, 0.040, 0.080},
    {"spring-sale-social", 200000, 700000, 0.50, 0.015, 0.050},
    {"retargeting-cart", 100000, 60000, 0.80, 0.090, 0.200},
    {"brand-video", 0, 1200000, 0.30, 0.004, 0.020},
    {"newsletter-promo", 900000, 150000, 0.70, 0.060, 0.120},
    {"app-install", 500000, 400000, 0.35, 0.020, 0.300},
    {"loyalty-upsell", 50000, 30000, 0.90, 0.120, 0.250},
    {"geo-test-berlin", 1100000, 20000, 0.60, 0.030, 0.060},
};
constexpr int campaign_count = sizeof campaigns / sizeof campaigns[0];
enum event_kind { impression, click, conversion, event_kinds };

using id_set = std::vector<std::uint32_t>;  // sorted unique user ids: the exact side

std::size_t overlap(const id_set& a, const id_set& b) {
  id_set out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out.size();
}

}  // namespace

int main() {
  // sketches[event][campaign]: merging over campaigns is a contiguous range.
  std::vector<std::vector<sketch>> sketches(event_kinds, std::vector<sketch>(campaign_count));
  std::vector<std::vector<id_set>> exact(event_kinds, std::vector<id_set>(campaign_count));

  // The event stream: impressions (1–12 per reached user), clicks (1–3 per
  // clicking user), conversions (once). Each event adds its user id string to
  // the sketch of its (campaign, event).
  rng r{2026};
  std::size_t events = 0;
  for (int c = 0; c < campaign_count; ++c) {
    const campaign& k = campaigns[c];
    for (std::uint32_t i = 0; i < k.audience_size; ++i) {
      if (!r.chance(k.reach)) continue;
      const std::uint32_t id = k.audience_first + i;
      const std::string user = "user-" + std::to_string(id);
      const auto frequency = 1 + r.below(12);
      for (std::uint64_t n = 0; n < frequency; ++n) sketches[impression][c].add(user);
      exact[impression][c].push_back(id);
      events += frequency;
      if (!r.chance(k.ctr)) continue;
      const auto clicks = 1 + r.below(3);
      for (std::uint64_t n = 0; n < clicks; ++n) sketches[click][c].add(user);
      exact[click][c].push_back(id);
      events += clicks;
      if (!r.chance(k.conversion)) continue;
      sketches[conversion][c].add(user);
      exact[conversion][c].push_back(id);
      ++events;
    }
  }
  // (Ids were generated in increasing order per campaign: already sorted and unique.)

  constexpr int pair_count = 3;
  constexpr int checked = campaign_count * event_kinds + event_kinds + pair_count;
  const double confidence = 1.0 - 0.001 / checked;
  const double rse = sketch::relative_standard_error();
  const double z95 = hashsketch::detail::normal_quantile_two_sided(0.95);
  int failures = 0, figures = 0;

  auto count_cell = [&](const sketch& s, std::size_t truth, hashsketch::interval& ci) {
    ci = s.confidence_interval(confidence);
    const double t = static_cast<double>(truth);
    const bool ok = ci.lower <= t && t <= ci.upper;
    ++figures;
    if (!ok) ++failures;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%7.0f/%-7zu%+6.2f%%%s", ci.estimate, truth, truth ? 100 * (ci.estimate - t) / t : 0.0,
                  ok ? "" : "!");
    return std::string(buf);
  };
  auto ratio_cell = [&](const hashsketch::interval& num, const hashsketch::interval& den, std::size_t exact_num,
                        std::size_t exact_den) {
    const double est = num.estimate / den.estimate;
    const double truth = static_cast<double>(exact_num) / static_cast<double>(exact_den);
    const double lo = num.lower / den.upper, hi = num.upper / den.lower;
    const bool ok = lo <= truth && truth <= hi;
    if (!ok) ++failures;
    char buf[80];
    std::snprintf(buf, sizeof buf, "%6.3f%% (exact %6.3f%%) +-%.3f%%%s", 100 * est, 100 * truth,
                  100 * z95 * std::sqrt(2.0) * rse * est, ok ? "" : " !");
    return std::string(buf);
  };

  std::printf("campaigns: %zu events, one hyperloglog<%u> per (campaign, event), %zu bytes each, RSE %.2f%%\n",
              events, sketch::precision, sketch::serialized_size(), 100 * rse);
  std::printf("counts: estimate/exact error, checked at %.5f%% each (%d counts, 99.9%% together); ratios: "
              "estimate, exact, 95%% error 1.96*sqrt(2)*RSE*ratio\n\n",
              100 * confidence, checked);
  std::printf("%-19s %-23s %-23s %-23s %-40s %s\n", "campaign", "unique impressions", "unique clicks",
              "unique conversions", "CTR (clickers / impressed)", "conversion rate (converters / clickers)");
  for (int c = 0; c < campaign_count; ++c) {
    hashsketch::interval ci[event_kinds];
    std::string cells[event_kinds];
    for (int e = 0; e < event_kinds; ++e) cells[e] = count_cell(sketches[e][c], exact[e][c].size(), ci[e]);
    std::printf("%-19s %s %s %s %-40s %s\n", campaigns[c].name, cells[0].c_str(), cells[1].c_str(), cells[2].c_str(),
                ratio_cell(ci[click], ci[impression], exact[click][c].size(), exact[impression][c].size()).c_str(),
                ratio_cell(ci[conversion], ci[click], exact[conversion][c].size(), exact[click][c].size()).c_str());
  }

  // Across campaigns: merge_all of the per-campaign sketches gives the
  // deduplicated reach; adding the per-campaign figures counts a user once per
  // campaign that reached them.
  hashsketch::interval all[event_kinds];
  std::string all_cells[event_kinds];
  double summed[event_kinds] = {0, 0, 0};
  for (int e = 0; e < event_kinds; ++e) {
    const sketch total = hashsketch::merge_all(sketches[e].begin(), sketches[e].end());
    id_set ids;
    for (const auto& s : exact[e]) ids.insert(ids.end(), s.begin(), s.end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    all_cells[e] = count_cell(total, ids.size(), all[e]);
    exact[e].push_back(std::move(ids));  // index campaign_count: all campaigns
    for (const auto& s : sketches[e]) summed[e] += s.estimate();
  }
  std::printf("%-19s %s %s %s %-40s %s\n", "all (merged)", all_cells[0].c_str(), all_cells[1].c_str(),
              all_cells[2].c_str(),
              ratio_cell(all[click], all[impression], exact[click][campaign_count].size(),
                         exact[impression][campaign_count].size())
                  .c_str(),
              ratio_cell(all[conversion], all[click], exact[conversion][campaign_count].size(),
                         exact[click][campaign_count].size())
                  .c_str());
  std::printf("%-19s %7.0f%-16s %7.0f%-16s %7.0f   (a user reached by k campaigns counted k times)\n",
              "sum of campaigns", summed[0], "", summed[1], "", summed[2]);

  // Audience overlap by inclusion–exclusion: fine when the overlap is a big
  // share of the union, hopeless when it is small (intersection.hpp).
  std::printf("\naudience overlap (users with impressions from both), |A| + |B| - |A u B|, 95%% interval shown\n");
  const int pairs[pair_count][2] = {{0, 1}, {0, 3}, {3, 7}};
  for (const auto& p : pairs) {
    const sketch& a = sketches[impression][p[0]];
    const sketch& b = sketches[impression][p[1]];
    const auto checked_ci = hashsketch::intersection_interval(a, b, confidence);
    const auto ci = hashsketch::intersection_interval(a, b, 0.95);
    const double truth = static_cast<double>(overlap(exact[impression][p[0]], exact[impression][p[1]]));
    const bool ok = checked_ci.lower <= truth && truth <= checked_ci.upper;
    ++figures;
    if (!ok) ++failures;
    const double half = 0.5 * (ci.upper - ci.lower);
    std::printf("  %-19s & %-19s %7.0f (exact %6.0f, error %+6.0f), interval %6.0f .. %6.0f (+-%4.1f%%): %s%s\n",
                campaigns[p[0]].name, campaigns[p[1]].name, ci.estimate, truth, ci.estimate - truth, ci.lower, ci.upper,
                ci.estimate > 0 ? 100 * half / ci.estimate : 100.0,
                half <= 0.1 * ci.estimate ? "usable" : "too wide to trust, count it directly", ok ? "" : " !");
  }

  std::printf("\n%d counts checked, %d checks failed\n", figures, failures);
  if (figures != checked) {
    std::printf("internal error: %d counts checked, %d planned\n", figures, checked);
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
