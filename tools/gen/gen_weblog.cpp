// hashsketch_gen_weblog: writes a realistic, deterministic web-analytics log
// for the demo (scripts/demo.sh) and the CLI tests.
//
// Columns, TAB-separated, one event per line, in time order:
//   date (YYYY-MM-DD)  time (HH:MM:SS)  user id  device  event  page
// e.g. "2026-11-16\t08:13:22\tu48213307\tmobile\tproduct_view\t/product/1234"
//
// The model (all choices are ours, picked to look like a small shop):
//  - users have a heavy-tailed activity level, Pareto with shape 1.3 (capped
//    at 500× the minimum): most users visit once or never in the week, a few
//    visit many times a day;
//  - each (user, day) gets Poisson(λ_user · day factor) sessions, weekends 0.8;
//  - session start hours follow a diurnal profile (night low, lunch and
//    evening peaks); a user's sessions in a day never overlap;
//  - a session is login → landing → product views and searches → maybe
//    add_to_cart → checkout → purchase (each step conditional on the last)
//    → logout; its length is log-normal (median 5 min, σ = 1), so the mean
//    session length is computable from login/logout pairs;
//  - devices: each user has a main device (mobile 55 %, desktop 35 %,
//    tablet 10 %) used in 85 % of their sessions.
// Randomness: xoshiro256** seeded by splitmix64 and our own distributions
// (not <random>'s, whose outputs differ between standard libraries), so a
// seed gives the same bytes everywhere.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// --- randomness ---------------------------------------------------------------

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman & Vigna 2018, https://prng.di.unimi.it/).
class rng {
 public:
  explicit rng(std::uint64_t seed) {
    for (auto& w : s_) w = splitmix64(seed);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform in (0, 1]: safe under log().
  double uniform_open0() { return 1.0 - uniform(); }
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(uniform() * n); }
  bool chance(double p) { return uniform() < p; }
  /// Standard normal (Box–Muller; one of the pair is discarded for simplicity).
  double normal() {
    const double r = std::sqrt(-2.0 * std::log(uniform_open0()));
    return r * std::cos(6.283185307179586 * uniform());
  }
  /// Poisson(λ): multiplication method for small λ, normal approximation
  /// (continuity-corrected) for λ ≥ 30 where it is within a few percent.
  std::uint32_t poisson(double lambda) {
    if (lambda <= 0) return 0;
    if (lambda >= 30) {
      const double x = std::floor(lambda + std::sqrt(lambda) * normal() + 0.5);
      return x < 0 ? 0u : static_cast<std::uint32_t>(x);
    }
    const double limit = std::exp(-lambda);
    double p = uniform_open0();
    std::uint32_t k = 0;
    while (p > limit) {
      p *= uniform_open0();
      ++k;
    }
    return k;
  }
  /// Geometric count of successes before the first failure, mean m.
  std::uint32_t geometric(double mean) {
    const double q = mean / (1.0 + mean);  // P(one more)
    std::uint32_t k = 0;
    while (chance(q)) ++k;
    return k;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// --- calendar -----------------------------------------------------------------

struct date {
  int y, m, d;
};

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int month_days(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}
date next_day(date t) {
  if (++t.d > month_days(t.y, t.m)) {
    t.d = 1;
    if (++t.m > 12) {
      t.m = 1;
      ++t.y;
    }
  }
  return t;
}
// Day of week, 0 = Monday (Zeller-style congruence, Gregorian calendar).
int weekday(date t) {
  int y = t.y, m = t.m;
  if (m < 3) {
    m += 12;
    --y;
  }
  const int h = (t.d + 13 * (m + 1) / 5 + y + y / 4 - y / 100 + y / 400) % 7;  // 0 = Saturday
  return (h + 5) % 7;
}
std::string format_date(date t) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", t.y, t.m, t.d);
  return buf;
}
bool parse_date(const char* s, date& out) {
  int y, m, d;
  char tail;
  if (std::sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return false;
  if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > month_days(y, m)) return false;
  out = {y, m, d};
  return true;
}

// --- the model ----------------------------------------------------------------

enum event_type : std::uint8_t { login, landing, product_view, search, add_to_cart, checkout, purchase, logout };
const char* const event_names[] = {"login",       "landing",  "product_view", "search",
                                   "add_to_cart", "checkout", "purchase",     "logout"};
const char* const event_pages[] = {"/login", "/", "/product/", "/search", "/cart", "/checkout", "/checkout/confirm",
                                   "/logout"};
const char* const device_names[] = {"mobile", "desktop", "tablet"};

// Relative session starts per hour of day (a shop's traffic: quiet night,
// lunch peak, evening peak).
const double hour_profile[24] = {1.5, 0.9, 0.6, 0.4, 0.4, 0.6, 1.2, 2.5, 3.8, 4.2, 4.4, 4.8,
                                 5.6, 5.4, 4.6, 4.4, 4.5, 4.9, 5.6, 6.4, 6.8, 6.0, 4.2, 2.6};

struct event {
  std::uint64_t order;  // (second of day << 32) | generation counter: time order, ties in generation order
  std::uint32_t user;
  std::uint32_t product;
  std::uint8_t device;
  std::uint8_t type;
};

struct options {
  std::uint64_t events = 10000000;
  std::uint32_t users = 400000;
  int days = 7;
  date start{2026, 11, 16};
  std::uint64_t seed = 1;
  std::string out_dir;
  std::string single_file;
};

[[noreturn]] void usage(const char* msg) {
  if (msg) std::fprintf(stderr, "hashsketch_gen_weblog: %s\n", msg);
  std::fputs(
      "Usage: hashsketch_gen_weblog [--events N] [--users N] [--days D] [--start YYYY-MM-DD]\n"
      "                             [--seed S] (--out DIR | --single FILE)\n"
      "Writes a web-analytics log (date, time, user, device, event, page; TAB-separated):\n"
      "one file per day DIR/weblog-YYYY-MM-DD.tsv, or all days into FILE ('-' = stdout).\n"
      "Defaults: 10000000 events, 400000 users, 7 days from 2026-11-16, seed 1.\n",
      msg ? stderr : stdout);
  std::exit(msg ? 2 : 0);
}

std::uint64_t parse_number(const char* s, const char* what) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (errno || end == s || *end || s[0] == '-') usage((std::string("bad value for ") + what).c_str());
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") usage(nullptr);
    if (i + 1 >= argc) usage(("missing value for " + a).c_str());
    const char* v = argv[++i];
    if (a == "--events") o.events = parse_number(v, "--events");
    else if (a == "--users") o.users = static_cast<std::uint32_t>(std::min<std::uint64_t>(parse_number(v, "--users"), 50000000));
    else if (a == "--days") o.days = static_cast<int>(std::min<std::uint64_t>(parse_number(v, "--days"), 366));
    else if (a == "--seed") o.seed = parse_number(v, "--seed");
    else if (a == "--out") o.out_dir = v;
    else if (a == "--single") o.single_file = v;
    else if (a == "--start") {
      if (!parse_date(v, o.start)) usage("bad --start date (YYYY-MM-DD)");
    } else {
      usage(("unknown option " + a).c_str());
    }
  }
  if (o.out_dir.empty() == o.single_file.empty()) usage("give exactly one of --out DIR or --single FILE");
  if (o.users == 0 || o.days == 0) usage("--users and --days must be positive");
  return o;
}

// Writes "HH:MM:SS".
char* put_time(char* p, std::uint32_t second) {
  const std::uint32_t h = second / 3600, m = second / 60 % 60, s = second % 60;
  p[0] = static_cast<char>('0' + h / 10);
  p[1] = static_cast<char>('0' + h % 10);
  p[2] = ':';
  p[3] = static_cast<char>('0' + m / 10);
  p[4] = static_cast<char>('0' + m % 10);
  p[5] = ':';
  p[6] = static_cast<char>('0' + s / 10);
  p[7] = static_cast<char>('0' + s % 10);
  return p + 8;
}

char* put_uint(char* p, std::uint32_t v) {
  char tmp[12];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

char* put_str(char* p, const char* s) {
  const std::size_t n = std::strlen(s);
  std::memcpy(p, s, n);
  return p + n;
}

class writer {
 public:
  explicit writer(const std::string& path) : path_(path) {
    f_ = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
    if (!f_) fail();
  }
  ~writer() {
    if (f_ && f_ != stdout) std::fclose(f_);
  }
  void write(const char* p, std::size_t n) {
    if (std::fwrite(p, 1, n, f_) != n) fail();
    bytes_ += n;
  }
  void close() {
    if (std::fflush(f_) != 0) fail();
    if (f_ != stdout && std::fclose(f_) != 0) {
      f_ = nullptr;
      fail();
    }
    f_ = nullptr;
  }
  std::uint64_t bytes() const { return bytes_; }

 private:
  [[noreturn]] void fail() {
    std::fprintf(stderr, "hashsketch_gen_weblog: cannot write '%s': %s\n", path_.c_str(), std::strerror(errno));
    std::exit(1);
  }
  std::string path_;
  std::FILE* f_;
  std::uint64_t bytes_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);

  // Users: id strings (an odd multiplier mod 10^8 is a bijection, so ids are
  // distinct but look random and vary in length), activity, main device.
  rng users_rng(o.seed);
  std::vector<std::string> user_ids(o.users);
  std::vector<double> activity(o.users);
  std::vector<std::uint8_t> main_device(o.users);
  double total_activity = 0;
  for (std::uint32_t i = 0; i < o.users; ++i) {
    const std::uint64_t id = (static_cast<std::uint64_t>(i) * 2654435761ull + 12345678ull) % 100000000ull;
    user_ids[i] = "u" + std::to_string(id);
    // Pareto(x_m = 1, shape 1.3) by inversion, capped so one user cannot dominate.
    activity[i] = std::min(std::pow(users_rng.uniform_open0(), -1.0 / 1.3), 500.0);
    total_activity += activity[i];
    const double d = users_rng.uniform();
    main_device[i] = d < 0.55 ? 0 : d < 0.90 ? 1 : 2;
  }

  // Sessions needed for the requested events: a session has on average
  // 2 (login, logout) + 1 landing + 5 views + 1 search + 0.35 + 0.175 + 0.1225
  // funnel events ≈ 9.65 events.
  constexpr double events_per_session = 9.65;
  std::vector<double> day_factor(static_cast<std::size_t>(o.days));
  std::vector<date> dates(static_cast<std::size_t>(o.days));
  double factor_sum = 0;
  for (int d = 0; d < o.days; ++d) {
    dates[static_cast<std::size_t>(d)] = d == 0 ? o.start : next_day(dates[static_cast<std::size_t>(d - 1)]);
    day_factor[static_cast<std::size_t>(d)] = weekday(dates[static_cast<std::size_t>(d)]) >= 5 ? 0.8 : 1.0;
    factor_sum += day_factor[static_cast<std::size_t>(d)];
  }
  const double sessions_wanted = static_cast<double>(o.events) / events_per_session;
  const double lambda_scale = sessions_wanted / total_activity / factor_sum;

  double hour_cdf[24];
  double acc = 0;
  for (int h = 0; h < 24; ++h) hour_cdf[h] = (acc += hour_profile[h]);
  for (double& c : hour_cdf) c /= acc;

  if (!o.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.out_dir, ec);
    if (ec) {
      std::fprintf(stderr, "hashsketch_gen_weblog: cannot create '%s': %s\n", o.out_dir.c_str(), ec.message().c_str());
      return 1;
    }
  }
  std::unique_ptr<writer> single;
  if (!o.single_file.empty()) single = std::make_unique<writer>(o.single_file);

  std::uint64_t total_events = 0, total_bytes = 0;
  std::vector<std::uint8_t> seen(o.users, 0);
  std::vector<event> events;
  std::vector<std::uint32_t> starts;
  std::vector<char> out;
  for (int d = 0; d < o.days; ++d) {
    // One generator per day: days are independent streams, so the file of a
    // day does not depend on how many days were asked for.
    rng r(o.seed * 1000003u + static_cast<std::uint64_t>(d) + 1);
    events.clear();
    std::uint32_t counter = 0;
    for (std::uint32_t u = 0; u < o.users; ++u) {
      const std::uint32_t k = r.poisson(activity[u] * lambda_scale * day_factor[static_cast<std::size_t>(d)]);
      if (k == 0) continue;
      seen[u] = 1;
      starts.clear();
      for (std::uint32_t s = 0; s < k; ++s) {
        const double x = r.uniform();
        const int hour = static_cast<int>(std::upper_bound(hour_cdf, hour_cdf + 23, x) - hour_cdf);
        starts.push_back(static_cast<std::uint32_t>(hour * 3600) + r.below(3600));
      }
      std::sort(starts.begin(), starts.end());
      for (std::uint32_t s = 0; s < k; ++s) {
        const std::uint32_t t0 = starts[s];
        // Ends before the user's next session (a minute's gap) and before midnight.
        const std::uint32_t limit = s + 1 < k ? starts[s + 1] : 86400u;
        if (limit < t0 + 62) continue;  // two starts too close: one session
        double length = 300.0 * std::exp(r.normal());
        length = std::min(length, static_cast<double>(limit - t0 - 61));
        const std::uint32_t len = std::max<std::uint32_t>(2, static_cast<std::uint32_t>(length));
        const std::uint8_t device = r.chance(0.85) ? main_device[u] : static_cast<std::uint8_t>(r.below(3));

        // The ordered middle of the session, then times sorted into (t0, t0 + len).
        std::uint8_t seq[256];
        std::uint32_t product[256];
        int n = 0;
        seq[n++] = landing;
        product[0] = 0;
        const std::uint32_t views = std::min<std::uint32_t>(r.geometric(5.0), 200);
        const std::uint32_t searches = std::min<std::uint32_t>(r.geometric(1.0), 40);
        std::uint32_t last_product = 0;
        for (std::uint32_t v = 0, sr = 0; v < views || sr < searches;) {
          const bool view = sr >= searches || (v < views && r.chance(0.8));
          if (view) {
            // Zipf-like popularity over 20000 products (log-uniform rank).
            last_product = 1 + static_cast<std::uint32_t>(std::exp(r.uniform() * std::log(20000.0)));
            product[n] = last_product;
            seq[n++] = product_view;
            ++v;
          } else {
            product[n] = 0;
            seq[n++] = search;
            ++sr;
          }
        }
        if (views > 0 && r.chance(0.35)) {
          product[n] = last_product;
          seq[n++] = add_to_cart;
          if (r.chance(0.5)) {
            product[n] = 0;
            seq[n++] = checkout;
            if (r.chance(0.7)) {
              product[n] = 0;
              seq[n++] = purchase;
            }
          }
        }
        std::uint32_t times[256];
        for (int e = 0; e < n; ++e) times[e] = t0 + 1 + r.below(len - 1);
        std::sort(times, times + n);
        auto push = [&](std::uint32_t t, std::uint8_t type, std::uint32_t p) {
          events.push_back(event{(static_cast<std::uint64_t>(t) << 32) | counter++, u, p, device, type});
        };
        push(t0, login, 0);
        for (int e = 0; e < n; ++e) push(times[e], seq[e], product[e]);
        push(t0 + len, logout, 0);
      }
    }
    std::sort(events.begin(), events.end(), [](const event& a, const event& b) { return a.order < b.order; });

    const std::string day = format_date(dates[static_cast<std::size_t>(d)]);
    std::unique_ptr<writer> daily;
    if (!single) daily = std::make_unique<writer>(o.out_dir + "/weblog-" + day + ".tsv");
    writer& w = single ? *single : *daily;
    out.resize(std::size_t{1} << 20);
    std::size_t used = 0;
    for (const event& e : events) {
      if (used + 128 + user_ids[e.user].size() > out.size()) {
        w.write(out.data(), used);
        used = 0;
      }
      char* p = out.data() + used;
      p = put_str(p, day.c_str());
      *p++ = '\t';
      p = put_time(p, static_cast<std::uint32_t>(e.order >> 32));
      *p++ = '\t';
      std::memcpy(p, user_ids[e.user].data(), user_ids[e.user].size());
      p += user_ids[e.user].size();
      *p++ = '\t';
      p = put_str(p, device_names[e.device]);
      *p++ = '\t';
      p = put_str(p, event_names[e.type]);
      *p++ = '\t';
      p = put_str(p, event_pages[e.type]);
      if (e.type == product_view) p = put_uint(p, e.product);
      *p++ = '\n';
      used = static_cast<std::size_t>(p - out.data());
    }
    w.write(out.data(), used);
    total_events += events.size();
    if (daily) {
      daily->close();
      total_bytes += daily->bytes();
    }
  }
  if (single) {
    single->close();
    total_bytes = single->bytes();
  }
  const auto active = static_cast<std::uint64_t>(std::count(seen.begin(), seen.end(), std::uint8_t{1}));
  std::fprintf(stderr, "hashsketch_gen_weblog: %llu events, %llu active users of %u, %d days, %.1f MB\n",
               static_cast<unsigned long long>(total_events), static_cast<unsigned long long>(active), o.users, o.days,
               static_cast<double>(total_bytes) / 1e6);
  return 0;
}
