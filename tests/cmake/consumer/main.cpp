#include <hashsketch/hashsketch.hpp>
#include <cstdio>

int main() {
  hashsketch::hyperloglog<12> sketch;
  for (std::uint64_t i = 0; i < 100000; ++i) sketch.add(i);
  const double e = sketch.estimate();
  // 1.04/sqrt(4096) = 1.6 % RSE; 10 % is > 6 standard errors.
  const bool ok = e > 90000.0 && e < 110000.0;
  std::printf("estimate %.0f\n%s\n", e, ok ? "consumer estimate OK" : "consumer estimate WRONG");
  return ok ? 0 : 1;
}
