// Web analytics from an event log with one small sketch per (day, segment):
// daily unique visitors in total, by device, new and returning; weekly and
// monthly uniques by merging the dailies (no recount); a purchase funnel with
// unique users per step and step-to-step conversion; and a few intersections
// ("users on both mobile and desktop"), shown with the interval that says when
// inclusion–exclusion can't be trusted.
//
// The log has the columns of the demo's generator, tab-separated:
//   date  time  user_id  device(mobile|desktop|tablet)  event  page
// and is generated here one day at a time (June 2026, ~200k users, a
// heavy-tailed activity distribution, ~1.4 M lines). A real pipeline reads the
// same lines from files; the sketch side of the code is unchanged.
//
// Every figure is printed beside the exact count (kept on the side with
// sorted id vectors, which is what the sketches replace) and checked: the
// exact value must lie in the sketch's confidence interval. With K checked
// figures each interval is taken at confidence 1 − 0.001/K, so all K hold
// together with probability ≥ 99.9 % (Bonferroni); the program exits 1 if
// any does not.
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/intersection.hpp>
#include <hashsketch/set_operations.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace {

// Daily sketches at P = 14 (16 KiB, ±0.81 %): weeks and months are merges
// of dailies, and a merge cannot be finer than its parts.
using sketch = hashsketch::hyperloglog<14>;

constexpr int days = 30;  // June 2026; June 1 is a Monday
constexpr int user_count = 200000;

// splitmix64 (Steele, Lea, Flood 2014): the same numbers with every
// standard library, unlike <random>'s distributions.
struct rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)
  bool chance(double p) { return uniform() < p; }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

const char* const device_names[] = {"mobile", "desktop", "tablet"};
const char* const funnel_steps[] = {"landing", "product_view", "add_to_cart", "checkout", "purchase"};
constexpr int step_count = 5;

struct user_profile {
  double daily_activity;  // probability of visiting on a given day
  int device;             // preferred device
  int signup_day;         // -1: signed up before June
};

// ---------------------------------------------------------------- the log ---

std::vector<user_profile> make_users(rng& r) {
  std::vector<user_profile> users(user_count);
  for (auto& u : users) {
    // Pareto-tailed activity: most users come a few times a month, a few daily.
    u.daily_activity = std::min(0.9, 0.02 * std::pow(r.uniform(), -0.75));
    const double d = r.uniform();
    u.device = d < 0.55 ? 0 : d < 0.9 ? 1 : 2;
    u.signup_day = r.chance(0.35) ? static_cast<int>(r.below(days)) : -1;
  }
  return users;
}

std::string two(int v) { return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10); }

std::string clock_text(int second) { return two(second / 3600) + ":" + two(second / 60 % 60) + ":" + two(second % 60); }

// One day's lines, in time order.
std::vector<std::string> generate_day(int day, const std::vector<user_profile>& users, rng& r) {
  struct timed {
    int second;
    std::string text;
  };
  std::vector<timed> lines;
  const std::string date = "2026-06-" + two(day + 1);
  for (int id = 0; id < user_count; ++id) {
    const user_profile& u = users[static_cast<std::size_t>(id)];
    if (u.signup_day > day) continue;  // not a customer yet
    const bool signs_up_today = u.signup_day == day;
    if (!signs_up_today && !r.chance(u.daily_activity)) continue;
    const int sessions = signs_up_today ? 1 : 1 + (r.chance(0.3) ? 1 : 0) + (r.chance(0.1) ? 1 : 0);
    const std::string user = "u" + std::to_string(100000 + id);
    for (int s = 0; s < sessions; ++s) {
      // A session starts in the day's first 23 hours and its events follow
      // seconds to minutes apart.
      int t = static_cast<int>(r.below(23 * 3600));
      const int device = r.chance(0.85) ? u.device : static_cast<int>(r.below(3));
      auto emit = [&](const char* event, const std::string& page) {
        lines.push_back({t, date + '\t' + clock_text(t) + '\t' + user + '\t' + device_names[device] + '\t' + event +
                                '\t' + page});
        t += 1 + static_cast<int>(r.below(90));
      };
      if (signs_up_today && s == 0) emit("signup", "/signup");
      emit("landing", "/");
      if (!r.chance(0.55)) continue;
      const int views = 1 + static_cast<int>(r.below(4));
      for (int v = 0; v < views; ++v) emit("product_view", "/product/" + std::to_string(r.below(5000)));
      if (!r.chance(0.35)) continue;
      emit("add_to_cart", "/cart");
      if (!r.chance(0.55)) continue;
      emit("checkout", "/checkout");
      if (r.chance(0.7)) emit("purchase", "/checkout/done");
    }
  }
  std::stable_sort(lines.begin(), lines.end(), [](const timed& a, const timed& b) { return a.second < b.second; });
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (auto& l : lines) out.push_back(std::move(l.text));
  return out;
}

// ---------------------------------------------------------- exact counts ---

// Sorted, de-duplicated numeric user ids: the exact side.
using id_set = std::vector<std::uint32_t>;

void normalise(id_set& s) {
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
}
id_set unite(const std::vector<const id_set*>& parts) {
  id_set out;
  for (const id_set* p : parts) out.insert(out.end(), p->begin(), p->end());
  normalise(out);
  return out;
}
std::size_t intersection_size(const id_set& a, const id_set& b) {
  id_set out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out.size();
}

// ------------------------------------------------------------- reporting ---

struct checker {
  double confidence;
  int figures = 0, failures = 0;
  double worst_sigma = 0;  // largest |error| / (RSE · exact)

  // "estimate/exact ±error%" and a check against the interval.
  std::string cell(const sketch& s, std::size_t exact) {
    const auto ci = s.confidence_interval(confidence);
    const double truth = static_cast<double>(exact);
    ++figures;
    if (!(ci.lower <= truth && truth <= ci.upper)) ++failures;
    if (exact > 0)
      worst_sigma = std::max(worst_sigma, std::fabs(ci.estimate - truth) / (truth * sketch::relative_standard_error()));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%7.0f/%-7zu%+6.2f%%%s", ci.estimate, exact,
                  exact ? 100.0 * (ci.estimate - truth) / truth : 0.0, (ci.lower <= truth && truth <= ci.upper) ? "" : "!");
    return buf;
  }
};


}  // namespace

int main() {
  enum segment { total, mobile, desktop, tablet, fresh, returning, segment_count };
  const char* const segment_names[] = {"total", "mobile", "desktop", "tablet", "new", "returning"};
  constexpr int weeks = (days + 6) / 7;  // Monday-based; the last one has two days

  // Figures checked: daily (days × 6), weekly (weeks × 5), monthly (5), funnel
  // steps (5), intersections (4). Ratios reuse the funnel steps' intervals.
  constexpr int checked = days * segment_count + weeks * 5 + 5 + step_count + 4;
  checker check{1.0 - 0.001 / checked};

  // daily[segment][day] and funnel[step][day]: a week is a contiguous range
  // of sketches, which merge_all rolls up in one pass.
  std::vector<std::vector<sketch>> daily(segment_count, std::vector<sketch>(days));
  std::vector<std::vector<sketch>> funnel(step_count, std::vector<sketch>(days));
  std::vector<std::vector<id_set>> daily_exact(segment_count, std::vector<id_set>(days));
  std::vector<std::vector<id_set>> funnel_exact(step_count, std::vector<id_set>(days));

  rng r{20260601};
  const auto users = make_users(r);
  std::size_t line_count = 0;
  for (int d = 0; d < days; ++d) {
    const auto lines = generate_day(d, users, r);
    line_count += lines.size();
    // New users are the day's sign-ups: a small exact set, reset daily (the
    // same join a pipeline does against its users table).
    std::unordered_set<std::string> signed_up_today;
    for (const std::string& line : lines) {
      // date \t time \t user_id \t device \t event \t page
      std::string_view f[6];
      std::size_t start = 0;
      for (int i = 0; i < 6; ++i) {
        const std::size_t tab = i < 5 ? line.find('\t', start) : line.size();
        f[i] = std::string_view(line).substr(start, tab - start);
        start = tab + 1;
      }
      const std::string_view user = f[2], device = f[3], event = f[4];
      std::uint32_t id = 0;  // "u123456" → 123456, for the exact side only
      for (char c : user.substr(1)) id = id * 10 + static_cast<std::uint32_t>(c - '0');
      auto count = [&](int seg) {
        daily[seg][d].add(user);
        daily_exact[seg][d].push_back(id);
      };
      count(total);
      count(device == "mobile" ? mobile : device == "desktop" ? desktop : tablet);
      if (event == "signup") signed_up_today.emplace(user);
      count(signed_up_today.count(std::string(user)) ? fresh : returning);
      for (int s = 0; s < step_count; ++s)
        if (event == funnel_steps[s]) {
          funnel[s][d].add(user);
          funnel_exact[s][d].push_back(id);
        }
    }
    for (auto& e : daily_exact) normalise(e[d]);
    for (auto& e : funnel_exact) normalise(e[d]);
  }

  std::printf("web analytics over %zu log lines, %d days, hyperloglog<%u> per (day, segment): %zu bytes each, "
              "RSE %.2f%%\n",
              line_count, days, sketch::precision, sketch::serialized_size(), 100 * sketch::relative_standard_error());
  std::printf("each cell: estimate/exact error; every exact value must lie in its %.5f%% interval "
              "(%d figures, 99.9%% together)\n\n",
              100 * check.confidence, checked);

  std::printf("daily uniques\n%-10s", "date");
  for (const char* n : segment_names) std::printf(" %-23s", n);
  std::printf("\n");
  for (int d = 0; d < days; ++d) {
    std::printf("2026-06-%02d", d + 1);
    for (int s = 0; s < segment_count; ++s) std::printf(" %s", check.cell(daily[s][d], daily_exact[s][d].size()).c_str());
    std::printf("\n");
  }

  // Weeks and the month: merges of the daily sketches, never a recount.
  auto roll_up = [&](int first_day, int last_day, int seg, sketch& out, id_set& exact) {
    out = hashsketch::merge_all(daily[seg].begin() + first_day, daily[seg].begin() + last_day + 1);
    std::vector<const id_set*> exact_parts;
    for (int d = first_day; d <= last_day; ++d) exact_parts.push_back(&daily_exact[seg][d]);
    exact = unite(exact_parts);
  };
  std::printf("\nweekly uniques (merged dailies)\n%-23s", "week");
  for (int s = 0; s < 5; ++s) std::printf(" %-23s", segment_names[s]);
  std::printf("\n");
  for (int w = 0; w < weeks; ++w) {
    const int first = 7 * w, last = std::min(days - 1, 7 * w + 6);
    std::printf("2026-06-%02d .. 2026-06-%02d", first + 1, last + 1);
    for (int s = 0; s < 5; ++s) {
      sketch wk;
      id_set ex;
      roll_up(first, last, s, wk, ex);
      std::printf(" %s", check.cell(wk, ex.size()).c_str());
    }
    std::printf("\n");
  }
  std::vector<sketch> month(5);
  std::vector<id_set> month_exact(5);
  std::printf("%-23s", "June 2026 (month)");
  for (int s = 0; s < 5; ++s) {
    roll_up(0, days - 1, s, month[s], month_exact[s]);
    std::printf(" %s", check.cell(month[s], month_exact[s].size()).c_str());
  }
  std::printf("\n");

  // The funnel over the month, each step a merge of its dailies. Step-to-step
  // conversion r = U(k+1)/U(k): if both steps' intervals hold, r lies in
  // [lower(k+1)/upper(k), upper(k+1)/lower(k)] — no further approximation.
  // Its standard error is ≈ r·√(RSE² + RSE² − 2ρ·RSE²) ≤ 2·RSE·r (ρ ≥ −1);
  // campaigns.cpp discusses it in detail.
  std::printf("\npurchase funnel, June 2026: unique users per step and step-to-step conversion\n");
  std::vector<sketch> step(step_count);
  std::vector<id_set> step_exact(step_count);
  std::vector<hashsketch::interval> step_ci(step_count);
  for (int s = 0; s < step_count; ++s) {
    step[s] = hashsketch::merge_all(funnel[s].begin(), funnel[s].end());
    std::vector<const id_set*> exact_parts;
    for (int d = 0; d < days; ++d) exact_parts.push_back(&funnel_exact[s][d]);
    step_exact[s] = unite(exact_parts);
    step_ci[s] = step[s].confidence_interval(check.confidence);
    std::printf("  %-13s %s", funnel_steps[s], check.cell(step[s], step_exact[s].size()).c_str());
    if (s > 0) {
      const double est = step_ci[s].estimate / step_ci[s - 1].estimate;
      const double exact = static_cast<double>(step_exact[s].size()) / static_cast<double>(step_exact[s - 1].size());
      const double lo = step_ci[s].lower / step_ci[s - 1].upper, hi = step_ci[s].upper / step_ci[s - 1].lower;
      const bool ok = lo <= exact && exact <= hi;
      if (!ok) ++check.failures;
      std::printf("   conversion from %-12s %6.2f%% (exact %6.2f%%, interval %.2f%% .. %.2f%%)%s", funnel_steps[s - 1],
                  100 * est, 100 * exact, 100 * lo, 100 * hi, ok ? "" : " !");
    }
    std::printf("\n");
  }

  // Intersections by inclusion–exclusion: usable when the overlap is a large
  // share of the union, useless when it is small (see intersection.hpp).
  std::printf("\nintersections by inclusion-exclusion (|A| + |B| - |A u B|), with the interval that says when "
              "not to trust them\n");
  struct pair_case {
    const char* name;
    const sketch *a, *b;
    const id_set *ea, *eb;
  };
  const pair_case pairs[] = {
      {"month: mobile and desktop", &month[mobile], &month[desktop], &month_exact[mobile], &month_exact[desktop]},
      {"month: landing and purchase", &step[0], &step[4], &step_exact[0], &step_exact[4]},
      {"active on June 1 and June 30", &daily[total][0], &daily[total][days - 1], &daily_exact[total][0],
       &daily_exact[total][days - 1]},
      {"purchase on June 1 and June 30", &funnel[4][0], &funnel[4][days - 1], &funnel_exact[4][0],
       &funnel_exact[4][days - 1]},
  };
  // Shown with the 95 % interval (the verdict: usable when it is within
  // ±10 % of the estimate); checked, like every figure, at the family-wise level.
  for (const auto& p : pairs) {
    const auto checked_ci = hashsketch::intersection_interval(*p.a, *p.b, check.confidence);
    const auto ci = hashsketch::intersection_interval(*p.a, *p.b, 0.95);
    const double exact = static_cast<double>(intersection_size(*p.ea, *p.eb));
    const bool ok = checked_ci.lower <= exact && exact <= checked_ci.upper;
    ++check.figures;
    if (!ok) ++check.failures;
    const double half = 0.5 * (ci.upper - ci.lower);
    std::printf("  %-31s %7.0f (exact %6.0f, error %+6.0f), 95%% interval %6.0f .. %6.0f: %s%s\n", p.name, ci.estimate,
                exact, ci.estimate - exact, ci.lower, ci.upper,
                half <= 0.1 * ci.estimate ? "usable" : "too wide to trust, count it directly", ok ? "" : " !");
  }

  std::printf("\n%d figures checked, largest error %.2f standard errors (RSE x exact), %d outside their interval\n",
              check.figures, check.worst_sigma, check.failures);
  if (check.figures != checked) {
    std::printf("internal error: %d figures checked, %d planned\n", check.figures, checked);
    return 1;
  }
  return check.failures == 0 ? 0 : 1;
}
