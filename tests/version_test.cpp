#include <hashsketch/version.hpp>

#include <string>

#include "hashsketch_catch.hpp"

TEST_CASE("version.hpp equals project(VERSION) in CMakeLists.txt") {
  const std::string header = std::to_string(HASHSKETCH_VERSION_MAJOR) + "." + std::to_string(HASHSKETCH_VERSION_MINOR) +
                             "." + std::to_string(HASHSKETCH_VERSION_PATCH);
  CHECK(header == HASHSKETCH_PROJECT_VERSION);
  CHECK(std::string(HASHSKETCH_VERSION_STRING) == HASHSKETCH_PROJECT_VERSION);
}
