#ifndef HASHSKETCH_TESTS_SUPPORT_TEST_FILES_HPP
#define HASHSKETCH_TESTS_SUPPORT_TEST_FILES_HPP

// Reading the reference vectors under tests/data: whole binary files (sketch
// images) and the tab-separated index files that list them (a header line
// names the columns; one row per line, empty lines skipped). Shared by the
// DataSketches, Airlift and martingale tests, which read the same shapes.

#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace hashsketch_test {

/// The whole file as bytes. Throws std::runtime_error if it cannot be opened.
inline std::vector<std::uint8_t> read_binary_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Every row of a TSV file as column name → field. Throws if it cannot be opened.
inline std::vector<std::map<std::string, std::string>> read_tsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> cols;
  {
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, '\t')) cols.push_back(c);
  }
  std::vector<std::map<std::string, std::string>> out;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string c;
    std::map<std::string, std::string> r;
    for (const auto& name : cols) {
      std::getline(ss, c, '\t');
      r[name] = c;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace hashsketch_test

#endif  // HASHSKETCH_TESTS_SUPPORT_TEST_FILES_HPP
