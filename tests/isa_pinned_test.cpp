// HASHSKETCH_PIN_ISA: a program that pins the kernel set at compile time uses
// it without dispatch, and ignores a HASHSKETCH_FORCE_ISA naming another set
// with one warning (it used to abort). force_isa() takes only the pinned set. The checks run in child
// processes (this binary re-run) because scripts/test.sh runs every unit test
// under each forced set, which this pinned binary must refuse.

#define HASHSKETCH_PIN_ISA scalar
#include <hashsketch/hyperloglog.hpp>

#include <sys/wait.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "hashsketch_catch.hpp"

namespace {

struct child_result {
  bool aborted;
  int exit_code;
  std::string output;
};

child_result run_child(const char* env_prefix) {
  const std::string command = std::string(env_prefix) + " '" + HASHSKETCH_BIN_DIR +
                              "/isa_pinned_test' '[pinned_child]' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  child_result r{false, 0, {}};
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) r.output += buffer;
  const int status = pclose(pipe);
  if (WIFSIGNALED(status)) {
    r.aborted = WTERMSIG(status) == SIGABRT;
  } else if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
    r.aborted = r.exit_code == 128 + SIGABRT;  // as reported through sh
  }
  return r;
}

}  // namespace

TEST_CASE("pinned child: report the kernel set", "[.][pinned_child]") {
  hashsketch::hyperloglog<10> a, b;
  a.add(std::uint64_t{1});
  b.add(std::uint64_t{2});
  a.merge(b);
  std::printf("ACTIVE_ISA=%s ESTIMATE=%.17g\n", hashsketch::active_isa(), a.estimate());
}

TEST_CASE("force_isa in a pinned program takes only the pinned set") {
  CHECK_FALSE(hashsketch::force_isa("sse2"));
  CHECK_FALSE(hashsketch::force_isa("bogus"));
  CHECK(std::string(hashsketch::active_isa()) == "scalar");
  CHECK(hashsketch::force_isa("scalar"));
  CHECK(std::string(hashsketch::active_isa()) == "scalar");
  CHECK(hashsketch::force_isa(nullptr));
}

TEST_CASE("HASHSKETCH_PIN_ISA=scalar pins the scalar set without dispatch") {
  const child_result plain = run_child("env -u HASHSKETCH_FORCE_ISA");
  INFO(plain.output);
  CHECK(plain.exit_code == 0);
  CHECK(plain.output.find("ACTIVE_ISA=scalar") != std::string::npos);

  const child_result agreeing = run_child("HASHSKETCH_FORCE_ISA=scalar");
  INFO(agreeing.output);
  CHECK(agreeing.exit_code == 0);
  CHECK(agreeing.output.find("ACTIVE_ISA=scalar") != std::string::npos);

  const child_result other = run_child("HASHSKETCH_FORCE_ISA=sse2");
  INFO(other.output);
  CHECK_FALSE(other.aborted);
  CHECK(other.exit_code == 0);
  CHECK(other.output.find("HASHSKETCH_FORCE_ISA=sse2 ignored: this program pins the kernel set scalar") !=
        std::string::npos);
  CHECK(other.output.find("ACTIVE_ISA=scalar") != std::string::npos);
}
