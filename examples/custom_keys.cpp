// Distinct (site, user, day) visits from a stream of events whose struct has
// padding and an unrelated field: key_traits names the fields that make up
// the key, so equal keys hash equal whatever the padding bytes hold.
//
// Prints the estimate beside the exact count and exits non-zero when the
// estimate is outside 4 relative standard errors (1.04/√16384 = 0.81 % each).
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/key_traits.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <tuple>

struct visit {
  std::uint16_t site;   // 6 padding bytes follow on common ABIs
  std::uint64_t user;
  std::string day;      // "2026-12-01"
  double dwell_seconds; // not part of the key
};

template <>
struct hashsketch::key_traits<visit> {
  static auto fields(const visit& v) { return std::tie(v.site, v.user, v.day); }
};

int main() {
  hashsketch::hyperloglog<14> distinct_visits;
  std::set<std::tuple<std::uint16_t, std::uint64_t, std::string>> exact;
  std::uint64_t state = 2026;
  auto next = [&state] {  // SplitMix64: a fixed, portable event stream
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t r = next();
    visit v{static_cast<std::uint16_t>(r % 5), (r >> 8) % 20000, "2026-12-0" + std::to_string(1 + (r >> 40) % 7),
            static_cast<double>(r % 600)};
    distinct_visits.add(v);
    exact.emplace(v.site, v.user, v.day);
  }
  const double truth = static_cast<double>(exact.size());
  const double estimate = distinct_visits.estimate();
  const double error = estimate / truth - 1.0;
  std::printf("distinct (site, user, day) visits: %.0f estimated, %.0f exact (%+.2f %%)\n", estimate, truth,
              100.0 * error);
  return std::fabs(error) <= 4.0 * hashsketch::hyperloglog<14>::relative_standard_error() ? 0 : 1;
}
