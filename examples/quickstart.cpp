// The README's usage example: count distinct users, merge two shards, save and
// load the sketch. Exits non-zero if an estimate is outside its 99.9 % interval.
#include <hashsketch/hashsketch.hpp>

#include <cstdio>
#include <string>

int main() {
  hashsketch::hyperloglog<14> monday, tuesday;  // 16 KiB each, ±0.81 %
  for (int i = 0; i < 60000; ++i) monday.add("user-" + std::to_string(i));
  for (int i = 40000; i < 100000; ++i) tuesday.add("user-" + std::to_string(i));

  hashsketch::hyperloglog<14> both = monday | tuesday;  // exact union: 100000 users
  const auto bytes = both.serialize();
  const auto loaded = hashsketch::hyperloglog<14>::deserialize(bytes.data(), bytes.size());

  const auto ci = loaded.confidence_interval(0.999);
  std::printf("monday ~%.0f, tuesday ~%.0f, both days ~%.0f (99.9%%: %.0f .. %.0f), %zu bytes\n", monday.estimate(),
              tuesday.estimate(), ci.estimate, ci.lower, ci.upper, bytes.size());
  return (ci.lower <= 100000 && 100000 <= ci.upper) ? 0 : 1;
}
