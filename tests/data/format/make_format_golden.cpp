// Writes the golden files of today's coded encodings, tests/data/format/
// v3_*.hskt (format version 3: sparse and dense_compact), and the seed
// corpus of tests/fuzz/native_fuzz.cpp. The version-2 files (the same names
// without v3_) were written by this program's version-2 ancestor and are
// kept as they are. Not built by CMake: golden files are written once per
// format version and never regenerated (that is their point). By hand, from
// the repository root:
//   g++ -std=c++17 -O2 -Iinclude -Itests tests/data/format/make_format_golden.cpp -o /tmp/make_format_golden
//   /tmp/make_format_golden tests/data/format tests/fuzz/corpus/native_fuzz
#include <cstdio>
#include <fstream>
#include <string>

#include "data/format/format_cases.hpp"

namespace {

bool write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  std::printf("%s: %zu bytes\n", path.c_str(), bytes.size());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s GOLDEN_DIR CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::string golden = argv[1], corpus = argv[2];
  using hashsketch::encoding;
  int failures = 0;
  format_cases::for_each_sparse_case([&](const char* name, const auto& id, const auto& tokens) {
    const auto bytes = hashsketch::detail::write_native(id, tokens.data(), tokens.size(), encoding::sparse);
    failures += !write_file(golden + "/v3_" + name, bytes);
    failures += !write_file(corpus + "/v3_" + name, bytes);
  });
  format_cases::for_each_compact_case([&](const char* name, const auto& id, const auto& registers) {
    const auto bytes = hashsketch::detail::write_native(id, registers.data(), encoding::dense_compact);
    failures += !write_file(golden + "/v3_" + name, bytes);
    // The corpus keeps the small ones (a fuzzer mutates small inputs best);
    // its version-1 images of the same registers are already there.
    if (bytes.size() <= 4096) failures += !write_file(corpus + "/v3_" + name, bytes);
  });
  return failures == 0 ? 0 : 1;
}
