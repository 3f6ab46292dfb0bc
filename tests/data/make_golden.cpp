// Writes the golden files of the native format (tests/data/hll_*.hsk) and
// prints the estimate each one must decode to, for tests/hyperloglog_test.cpp.
// Not built by CMake: golden files are written once per format version and
// then never regenerated (that is their point). By hand:
//   g++ -std=c++17 -O2 -Iinclude tests/data/make_golden.cpp -o /tmp/make_golden
//   /tmp/make_golden tests/data
#include <cstdio>
#include <fstream>
#include <string>

#include "golden_cases.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  int failures = 0;
  golden::for_each_case([&](auto precision, const char* name, std::uint64_t seed, auto fill) {
    hashsketch::hyperloglog<decltype(precision)::value> sketch{hashsketch::xxh3_hasher(seed)};
    fill(sketch);
    const auto bytes = sketch.serialize();
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) ++failures;
    std::printf("{\"%s\", %.17g},\n", name, sketch.estimate());
  });
  return failures == 0 ? 0 : 1;
}
