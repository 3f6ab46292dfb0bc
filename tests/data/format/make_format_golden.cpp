// Writes the version-2 golden files tests/data/format/*.hskt (sparse and
// dense_compact encodings) and the seed corpus of tests/fuzz/native_fuzz.cpp.
// Not built by CMake: golden files are written once per format version and
// never regenerated (that is their point). By hand, from the repository root:
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
    failures += !write_file(golden + "/" + name, bytes);
    failures += !write_file(corpus + "/" + name, bytes);
  });
  format_cases::for_each_compact_case([&](const char* name, const auto& id, const auto& registers) {
    const auto bytes = hashsketch::detail::write_native(id, registers.data(), encoding::dense_compact);
    failures += !write_file(golden + "/" + name, bytes);
    // The corpus keeps the small ones (a fuzzer mutates small inputs best)
    // and a version-1 image of the same registers.
    if (bytes.size() <= 4096) failures += !write_file(corpus + "/" + name, bytes);
    const auto dense = hashsketch::detail::write_native(id, registers.data(), encoding::dense);
    if (dense.size() <= 4096) failures += !write_file(corpus + "/v1_" + name, dense);
  });
  return failures == 0 ? 0 : 1;
}
