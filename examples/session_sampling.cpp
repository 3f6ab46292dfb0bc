// Why hash-based sampling exists: mean session length from a 1 % sample of a
// login/logout log.
//
// A synthetic log of ~100k users over 30 days (heavy-tailed sessions per user
// and session lengths, in time order) is analysed three ways:
//   truth   every line;
//   (a)     1 % of lines kept at random — a login survives while its logout is
//           dropped, the analysis pairs it with a later logout, and the mean
//           session comes out far too long (it can only grow);
//   (b)     1 % of users kept by hash_sampler on the user id — every kept user
//           keeps all their lines, so their sessions are exact and the mean is
//           unbiased, with a confidence interval from cluster sampling theory.
// The program checks its own figures and exits non-zero if (a) does not show
// the upward bias or (b) misses its 99 % interval; it also checks that the
// interval's coverage over 40 other seeds is as advertised.
#include <hashsketch/sampler.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

// A small deterministic generator (splitmix64, Steele et al. 2014) so the log
// is the same with every standard library; <random>'s distributions are not.
struct rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)
  double normal() {  // Box–Muller
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
  }
  double exponential(double mean) { return -mean * std::log(uniform()); }
};

enum class event : std::uint8_t { login, logout };

struct line {
  std::int64_t time;  // seconds since the start of the log
  std::uint32_t user;
  event what;
};

constexpr std::int64_t day = 86400;
constexpr std::int64_t window = 30 * day;

// Users differ: most log in a few times a month, a few every hour (session
// count ~ Pareto, alpha 1.3, so a heavy tail capped at 600); each has their own
// typical session length (log-normal across users, median 6 minutes), and
// sessions vary around it (log-normal, sigma 1): seconds for a bounce, hours
// for a working day.
std::vector<line> generate_log(std::uint32_t users, std::uint64_t seed) {
  rng r{seed};
  std::vector<line> log;
  for (std::uint32_t u = 0; u < users; ++u) {
    const int sessions = static_cast<int>(std::min(600.0, std::floor(2.0 * std::pow(r.uniform(), -1.0 / 1.3)) - 1.0));
    const double typical = 360.0 * std::exp(0.8 * r.normal());
    const double mean_gap = static_cast<double>(window) / (sessions + 1);
    auto t = static_cast<std::int64_t>(r.exponential(mean_gap));
    for (int s = 0; s < sessions; ++s) {
      const double length = std::min(10.0 * 3600, std::max(5.0, typical * std::exp(r.normal())));
      const std::int64_t logout = t + static_cast<std::int64_t>(length);
      if (logout >= window) break;  // only complete sessions inside the window
      log.push_back({t, u, event::login});
      log.push_back({logout, u, event::logout});
      t = logout + 1 + static_cast<std::int64_t>(r.exponential(mean_gap));
    }
  }
  std::sort(log.begin(), log.end(), [](const line& a, const line& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.user != b.user) return a.user < b.user;
    return a.what < b.what;
  });
  return log;
}

// What an analyst's script does with whatever lines it is given: pair each
// logout with the user's last unmatched login, and sum per user.
struct per_user {
  double seconds = 0;
  double squares = 0;  // Σ length², for the naive per-session interval
  double sessions = 0;
};

std::unordered_map<std::uint32_t, per_user> sessions_by_user(const std::vector<const line*>& lines) {
  std::unordered_map<std::uint32_t, std::int64_t> open;
  std::unordered_map<std::uint32_t, per_user> out;
  for (const line* l : lines) {
    if (l->what == event::login) {
      open[l->user] = l->time;
    } else {
      const auto it = open.find(l->user);
      if (it == open.end()) continue;  // a logout whose login we do not have
      per_user& p = out[l->user];
      const auto length = static_cast<double>(l->time - it->second);
      p.seconds += length;
      p.squares += length * length;
      p.sessions += 1;
      open.erase(it);
    }
  }
  return out;
}

struct estimate {
  double mean = 0, lower = 0, upper = 0;
  double sessions = 0, users = 0;
};

// Ratio estimator for a sample of whole users (clusters): mean = Σy / Σx with
// y = a user's total seconds and x = their session count. Its variance, by
// the usual linearisation for a simple random sample of n of N clusters
// (Cochran, "Sampling Techniques", 3rd ed., §6.2 and §9.7), is
//   (1 − f) / (n · x̄²) · Σ(y_u − mean · x_u)² / (n − 1),   f = n / N ≈ rate.
// Treating each session as independent instead would understate it: a user's
// sessions are alike, and heavy users dominate both sums.
estimate cluster_ratio(const std::unordered_map<std::uint32_t, per_user>& users, double rate, double z) {
  estimate e;
  double sy = 0, sx = 0;
  for (const auto& kv : users) {
    sy += kv.second.seconds;
    sx += kv.second.sessions;
  }
  const double n = static_cast<double>(users.size());
  e.mean = sy / sx;
  e.sessions = sx;
  e.users = n;
  double ss = 0;
  for (const auto& kv : users) {
    const double d = kv.second.seconds - e.mean * kv.second.sessions;
    ss += d * d;
  }
  const double xbar = sx / n;
  const double se = std::sqrt((1.0 - rate) / (n * xbar * xbar) * ss / (n - 1.0));
  e.lower = e.mean - z * se;
  e.upper = e.mean + z * se;
  return e;
}

// The random line sample's pairs taken at face value, as independent
// sessions: mean ± z · sd / √pairs — what a script run on the sample prints.
estimate naive_mean(const std::unordered_map<std::uint32_t, per_user>& users, double z) {
  estimate e;
  double sy = 0, sq = 0, sx = 0;
  for (const auto& kv : users) {
    sy += kv.second.seconds;
    sq += kv.second.squares;
    sx += kv.second.sessions;
  }
  e.mean = sy / sx;
  e.sessions = sx;
  e.users = static_cast<double>(users.size());
  const double variance = (sq - sx * e.mean * e.mean) / (sx - 1.0);
  const double se = std::sqrt(variance / sx);
  e.lower = e.mean - z * se;
  e.upper = e.mean + z * se;
  return e;
}

std::string minutes(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f min", seconds / 60.0);
  return buf;
}

}  // namespace

int main() {
  constexpr std::uint32_t user_count = 100000;
  constexpr double rate = 0.01;
  constexpr double z99 = 2.5758293035489004;  // two-sided 99 % normal quantile
  constexpr double z95 = 1.959963984540054;   // two-sided 95 %

  const std::vector<line> log = generate_log(user_count, 20261122);
  std::vector<std::string> ids(user_count);
  for (std::uint32_t u = 0; u < user_count; ++u) ids[u] = "user-" + std::to_string(u);

  std::printf("log: %zu lines (%u users, 30 days), first lines:\n", log.size(), user_count);
  for (std::size_t i = 0; i < 3 && i < log.size(); ++i)
    std::printf("  day %02lld %02lld:%02lld:%02lld  %-11s %s\n", static_cast<long long>(log[i].time / day + 1),
                static_cast<long long>(log[i].time % day / 3600), static_cast<long long>(log[i].time % 3600 / 60),
                static_cast<long long>(log[i].time % 60), ids[log[i].user].c_str(),
                log[i].what == event::login ? "login" : "logout");

  // Truth: every line.
  std::vector<const line*> all;
  all.reserve(log.size());
  for (const line& l : log) all.push_back(&l);
  double true_seconds = 0, true_sessions = 0;
  const auto everyone = sessions_by_user(all);  // users with at least one session in the window
  for (const auto& kv : everyone) {
    true_seconds += kv.second.seconds;
    true_sessions += kv.second.sessions;
  }
  const double truth = true_seconds / true_sessions;

  // (a) 1 % of lines at random (each line kept independently, seeded).
  const std::uint64_t line_threshold = hashsketch::hash_sampler::threshold_for(rate);
  auto random_lines = [&](std::uint64_t seed) {
    rng r{seed};
    std::vector<const line*> kept;
    for (const line& l : log)
      if (r.next() < line_threshold) kept.push_back(&l);
    return kept;
  };
  // (b) 1 % of users by hash of the user id: the same users on every machine.
  auto hashed_users = [&](std::uint64_t seed) {
    const hashsketch::hash_sampler sampler(rate, seed);
    std::vector<const line*> kept;
    for (const line& l : log)
      if (sampler.selects(ids[l.user])) kept.push_back(&l);
    return kept;
  };

  const auto a_lines = random_lines(1);
  const estimate a = naive_mean(sessions_by_user(a_lines), z99);
  const auto b_lines = hashed_users(0);
  const estimate b = cluster_ratio(sessions_by_user(b_lines), rate, z99);
  const hashsketch::hash_sampler sampler(rate, 0);

  std::printf("\ntrue mean session length          %s  (%.0f sessions)\n", minutes(truth).c_str(), true_sessions);
  std::printf("(a) 1%% random lines               %s  99%% CI %s .. %s as the script sees it (%zu lines, %.0f pairs)\n",
              minutes(a.mean).c_str(), minutes(a.lower).c_str(), minutes(a.upper).c_str(), a_lines.size(), a.sessions);
  std::printf("(b) 1%% of users by hash of the id  %s  99%% CI %s .. %s (%zu lines, %.0f users, %.0f sessions)\n",
              minutes(b.mean).c_str(), minutes(b.lower).c_str(), minutes(b.upper).c_str(), b_lines.size(), b.users,
              b.sessions);
  std::printf("    scaled up by %.0f: ~%.0f active users (true %zu), ~%.0f sessions (true %.0f)\n", sampler.scale(),
              b.users * sampler.scale(), everyone.size(), b.sessions * sampler.scale(), true_sessions);
  std::printf("    random lines overstate the mean %.1fx; hash sampling is off by %+.2f%%\n", a.mean / truth,
              100.0 * (b.mean / truth - 1.0));

  // The interval is only worth printing if it is calibrated: over 40 more
  // seeds, a 95 % interval must cover the truth at least 33 times
  // (Binomial(40, 0.95) has mean 38 and sd 1.4; 33 is 3.6 sd below).
  // Random line sampling, in contrast, overshoots under every seed.
  int covered = 0, random_above = 0;
  constexpr int trials = 40;
  for (int s = 1; s <= trials; ++s) {
    const estimate bs = cluster_ratio(sessions_by_user(hashed_users(static_cast<std::uint64_t>(s))), rate, z95);
    covered += bs.lower <= truth && truth <= bs.upper;
    random_above += naive_mean(sessions_by_user(random_lines(static_cast<std::uint64_t>(s) + 100)), z95).mean > truth;
  }
  std::printf("over %d more seeds: hash sampling's 95%% interval covered the truth %d times; random lines overshot %d "
              "times\n",
              trials, covered, random_above);

  bool ok = true;
  if (!(b.lower <= truth && truth <= b.upper)) {
    std::printf("FAIL: the true mean is outside hash sampling's 99%% interval\n");
    ok = false;
  }
  if (!(a.mean > 1.5 * truth && a.mean > b.upper)) {
    std::printf("FAIL: random line sampling did not show its upward bias\n");
    ok = false;
  }
  if (covered < 33) {
    std::printf("FAIL: hash sampling's 95%% interval covered the truth only %d of %d times\n", covered, trials);
    ok = false;
  }
  if (random_above != trials) {
    std::printf("FAIL: random line sampling did not overshoot under every seed\n");
    ok = false;
  }
  return ok ? 0 : 1;
}
