// A "last hour / last 24 hours" uniques dashboard refreshed every minute,
// from time_window: 1440 one-minute buckets of hyperloglog<12>.
//
// A day of events (~1.2 M, ~300k users, a daily rhythm) is replayed in
// arrival order. Like real telemetry, arrival is not time order: most events
// arrive within the second, some minutes late (mobile batching), a few hours
// late (devices coming back online) and a handful more than a day late, which
// the window must refuse and count (time_window::dropped()) rather than file
// in a wrong bucket. At the end of every simulated minute the dashboard asks
// the window for the uniques of the last 60 and 1440 buckets and checks them
// against exact sliding-window counts kept on the side. Half-way through the
// day the service "restarts": the window is serialised, read back, and the
// replay continues from the copy.
//
// All 2 × 1440 figures are checked: the exact value must lie in the sketch's
// interval at confidence 1 − 0.001/2880, so all hold together with
// probability ≥ 99.9 % (Bonferroni); exit code 1 otherwise. One line per
// half hour is printed, with the per-query cost.
//
// Why P = 12 (4 KiB per bucket, ±1.6 %): a 24-hour query merges 1440 buckets,
// i.e. 1440·2^P bytes (5.9 MB at P = 12, 23.6 MB at P = 14); the cost of a
// query is about one pass over those bytes, so each step up in P costs 4× per
// query and 4× memory for half the error.
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/time_window.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

using sketch = hashsketch::hyperloglog<12>;
using window = hashsketch::time_window<sketch>;  // time in seconds

constexpr std::int64_t minute = 60, hour = 3600, day = 86400;
constexpr std::size_t buckets = 1440;  // 24 h of minutes
constexpr int user_count = 300000;

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
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

struct event {
  std::int64_t arrival;  // when the collector sees it (seconds since midnight)
  std::int64_t time;     // when it happened: the timestamp it carries
  std::uint32_t user;
};

std::vector<event> make_events(rng& r) {
  // Per-user activity: heavy-tailed (Pareto-like weights), sampled by
  // inverting the cumulative weights.
  std::vector<double> cumulative(user_count);
  double sum = 0;
  for (int u = 0; u < user_count; ++u) cumulative[static_cast<std::size_t>(u)] = sum += std::pow(r.uniform(), -0.7);
  std::vector<event> events;
  for (std::int64_t m = 0; m < day / minute; ++m) {
    // Daily rhythm: a trough at 04:00, a peak at 16:00, 150..1500 events a minute.
    const double phase = 2 * 3.141592653589793 * (static_cast<double>(m) / 1440.0 - 4.0 / 24.0);
    const int per_minute = static_cast<int>(825 - 675 * std::cos(phase));
    for (int i = 0; i < per_minute; ++i) {
      const double pick = r.uniform() * sum;
      const auto user = static_cast<std::uint32_t>(std::lower_bound(cumulative.begin(), cumulative.end(), pick) -
                                                   cumulative.begin());
      const std::int64_t arrival = m * minute + static_cast<std::int64_t>(r.below(minute));
      std::int64_t lateness = 0;
      const double kind = r.uniform();
      if (kind < 0.0002)
        lateness = day + static_cast<std::int64_t>(r.below(6 * hour));  // over a day late: must be dropped
      else if (kind < 0.005)
        lateness = static_cast<std::int64_t>(r.below(5 * hour));  // offline device syncing
      else if (kind < 0.10)
        lateness = static_cast<std::int64_t>(r.below(5 * minute));  // batched uploads
      events.push_back({arrival, arrival - lateness, std::min<std::uint32_t>(user, user_count - 1)});
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const event& a, const event& b) { return a.arrival < b.arrival; });
  return events;
}

// Exact distinct users over the newest `span` minute-buckets, maintained
// incrementally as buckets gain users and leave the span.
class exact_sliding {
 public:
  explicit exact_sliding(std::int64_t span) : span_(span) {}
  void user_joined_bucket(std::int64_t bucket, std::int64_t head, std::uint32_t user) {
    if (bucket > head - span_ && ++count_[user] == 1) ++distinct_;
  }
  void bucket_left(const std::unordered_set<std::uint32_t>& users) {
    for (std::uint32_t u : users)
      if (--count_[u] == 0) {
        count_.erase(u);
        --distinct_;
      }
  }
  std::int64_t span() const { return span_; }
  std::size_t distinct() const { return distinct_; }

 private:
  std::int64_t span_;
  std::unordered_map<std::uint32_t, int> count_;  // user → buckets in the span holding them
  std::size_t distinct_ = 0;
};

// The exact mirror of the window: the same bucket rule, the same drops.
class exact_window {
 public:
  exact_window() : last_hour_(60), last_day_(static_cast<std::int64_t>(buckets)) {}

  bool add(std::int64_t t, std::uint32_t user) {
    const std::int64_t b = hashsketch::detail::floor_div(t, minute);
    if (!started_) {
      started_ = true;
      head_ = b;
    }
    advance_to(std::max(head_, b));
    if (b <= head_ - static_cast<std::int64_t>(buckets)) return false;  // older than the window
    if (per_bucket_[b].insert(user).second) {
      last_hour_.user_joined_bucket(b, head_, user);
      last_day_.user_joined_bucket(b, head_, user);
    }
    return true;
  }
  void advance(std::int64_t now) { advance_to(std::max(head_, hashsketch::detail::floor_div(now, minute))); }
  std::size_t last_hour() const { return last_hour_.distinct(); }
  std::size_t last_day() const { return last_day_.distinct(); }

 private:
  void advance_to(std::int64_t new_head) {
    for (std::int64_t h = head_ + 1; h <= new_head; ++h) {
      // Bucket h − span leaves each span as the head reaches h.
      for (exact_sliding* s : {&last_hour_, &last_day_}) {
        const auto it = per_bucket_.find(h - s->span());
        if (it != per_bucket_.end()) s->bucket_left(it->second);
      }
      per_bucket_.erase(h - static_cast<std::int64_t>(buckets));
    }
    head_ = new_head;
  }

  bool started_ = false;
  std::int64_t head_ = 0;
  std::map<std::int64_t, std::unordered_set<std::uint32_t>> per_bucket_;
  exact_sliding last_hour_, last_day_;
};

struct cost {
  double total_us = 0, max_us = 0, last_us = 0;
  int queries = 0;
  void add(double us) {
    last_us = us;
    total_us += us;
    max_us = std::max(max_us, us);
    ++queries;
  }
};

}  // namespace

int main() {
  rng r{1440};
  const auto events = make_events(r);

  constexpr int checked = 2 * 1440;
  const double confidence = 1.0 - 0.001 / checked;
  window w(minute, buckets);
  exact_window exact;
  std::uint64_t expected_drops = 0;
  int failures = 0;
  double worst_sigma = 0;
  cost hour_cost, day_cost;
  bool restarted = false;

  std::printf("rolling dashboard: %zu events over one simulated day, time_window of %zu x %lld s buckets of "
              "hyperloglog<%u> (RSE %.2f%%)\n",
              events.size(), buckets, static_cast<long long>(minute), sketch::precision,
              100 * sketch::relative_standard_error());
  std::printf("every minute: uniques over the last 1 h and 24 h beside the exact sliding-window counts; all %d figures "
              "must lie in their %.5f%% interval; one line per half hour\n\n",
              checked, 100 * confidence);
  std::printf("%5s  %-30s %-30s %9s %9s %10s\n", "time", "last 1 h (estimate/exact err)", "last 24 h", "1 h query",
              "24 h query", "dropped");

  // A query, as the dashboard runs it: merge the buckets, estimate with an
  // interval. Timed as a whole.
  auto query = [&](std::int64_t duration, cost& c) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto ci = w.sketch_last(duration).confidence_interval(confidence);
    const auto t1 = std::chrono::steady_clock::now();
    c.add(std::chrono::duration<double, std::micro>(t1 - t0).count());
    return ci;
  };
  auto check = [&](const hashsketch::interval& ci, std::size_t truth) {
    const double t = static_cast<double>(truth);
    if (!(ci.lower <= t && t <= ci.upper)) ++failures;
    if (truth) worst_sigma = std::max(worst_sigma, std::fabs(ci.estimate - t) / (t * sketch::relative_standard_error()));
    return ci.estimate;
  };

  std::size_t next = 0;
  for (std::int64_t m = 0; m < day / minute; ++m) {
    for (; next < events.size() && events[next].arrival < (m + 1) * minute; ++next) {
      const event& e = events[next];
      const bool kept = w.add(e.time, std::uint64_t{e.user});
      if (kept != exact.add(e.time, e.user)) {
        std::printf("event at %lld (arrived %lld): window and exact model disagree on dropping it\n",
                    static_cast<long long>(e.time), static_cast<long long>(e.arrival));
        return 1;
      }
      expected_drops += kept ? 0 : 1;
    }
    const std::int64_t now = (m + 1) * minute - 1;  // the last second of minute m
    w.advance(now);
    exact.advance(now);

    if (m == 720 && !restarted) {
      // Service restart at noon: everything the window knows survives.
      const auto bytes = w.serialize();
      window restored = window::deserialize(bytes.data(), bytes.size());
      if (restored.serialize() != bytes || restored.dropped() != w.dropped()) {
        std::printf("restart lost state\n");
        return 1;
      }
      std::printf("12:01  restart: window serialised (%zu bytes, %zu non-empty buckets) and restored\n", bytes.size(),
                  w.used_buckets());
      w = std::move(restored);
      restarted = true;
    }

    const double est_hour = check(query(hour, hour_cost), exact.last_hour());
    const double est_day = check(query(day, day_cost), exact.last_day());
    if ((m + 1) % 30 == 0) {
      auto cell = [](double est, std::size_t truth) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%7.0f/%-7zu %+6.2f%%", est, truth,
                      truth ? 100.0 * (est - static_cast<double>(truth)) / static_cast<double>(truth) : 0.0);
        return std::string(buf);
      };
      std::printf("%02lld:%02lld  %-30s %-30s %7.0f us %7.0f us %10llu\n", static_cast<long long>((m + 1) / 60 % 24),
                  static_cast<long long>((m + 1) % 60), cell(est_hour, exact.last_hour()).c_str(),
                  cell(est_day, exact.last_day()).c_str(), hour_cost.last_us, day_cost.last_us,
                  static_cast<unsigned long long>(w.dropped()));
    }
  }

  std::printf("\nqueries: %d per window; last 1 h: mean %.0f us, max %.0f us (60 buckets, %zu KiB of registers); "
              "last 24 h: mean %.0f us, max %.0f us (up to %zu buckets, %zu KiB)\n",
              hour_cost.queries, hour_cost.total_us / hour_cost.queries, hour_cost.max_us,
              60 * sketch::register_count / 1024, day_cost.total_us / day_cost.queries, day_cost.max_us, buckets,
              buckets * sketch::register_count / 1024);
  std::printf("events: %llu accepted (%llu late, in their own bucket), %llu dropped as older than 24 h "
              "(expected %llu)\n",
              static_cast<unsigned long long>(w.accepted()), static_cast<unsigned long long>(w.late()),
              static_cast<unsigned long long>(w.dropped()), static_cast<unsigned long long>(expected_drops));
  std::printf("%d figures checked, largest error %.2f standard errors, %d outside their interval\n", checked,
              worst_sigma, failures);
  // The incremental exact model, cross-checked once from scratch.
  std::unordered_set<std::uint32_t> direct;
  const std::int64_t oldest = w.oldest_time();
  for (const event& e : events)
    if (e.time >= oldest) direct.insert(e.user);
  if (direct.size() != exact.last_day()) {
    std::printf("exact sliding model is wrong: %zu vs %zu\n", exact.last_day(), direct.size());
    return 1;
  }
  const bool ok = failures == 0 && w.dropped() == expected_drops && expected_drops > 0 && restarted &&
                  w.accepted() + w.dropped() == events.size();
  return ok ? 0 : 1;
}
