// HASHSKETCH_FORCE_ISA really changes the kernels that run: active_isa()
// reports the forced set and the dispatch table holds that set's functions,
// checked in child processes (this binary re-run with the variable set);
// an unknown or unsupported request prints one warning and runs the best set
// (a typo in the environment must not abort a process that links a header-
// only library). hashsketch::force_isa() switches sets in-process.

#include <hashsketch/hyperloglog.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "hashsketch_catch.hpp"

namespace {

struct child_result {
  int exit_code;  // -1 when killed by a signal
  int signal;
  std::string output;  // stdout and stderr
};

/// Runs this test binary again with HASHSKETCH_FORCE_ISA=`isa` (unset when
/// null), executing only the hidden "[isa_child]" test case.
child_result run_child(const char* isa) {
  std::string command;
  if (isa != nullptr)
    command = std::string("HASHSKETCH_FORCE_ISA='") + isa + "' ";
  else
    command = "env -u HASHSKETCH_FORCE_ISA ";
  command += std::string("'") + HASHSKETCH_BIN_DIR + "/isa_test' '[isa_child]' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  child_result r{0, 0, {}};
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) r.output += buffer;
  const int status = pclose(pipe);
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else {
    r.exit_code = -1;
    r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  // sh reports a child killed by SIGABRT as exit status 128 + 6.
  if (r.exit_code == 128 + SIGABRT) {
    r.exit_code = -1;
    r.signal = SIGABRT;
  }
  return r;
}

std::vector<std::string> supported_names() {
  std::vector<std::string> out;
  for (const char* name : hashsketch::detail::all_isa_names)
    if (hashsketch::detail::kernels_for(name) != nullptr) out.push_back(name);
  return out;
}

}  // namespace

// Run by the parent test below in a child process; hidden from normal runs.
TEST_CASE("isa child: report the kernel set in use", "[.][isa_child]") {
  const hashsketch::detail::kernel_table& in_use = hashsketch::detail::kernels();
  const hashsketch::detail::kernel_table* named = hashsketch::detail::kernels_for(hashsketch::active_isa());
  REQUIRE(named != nullptr);
  // The table in use is that set's own table (function pointers and all).
  const bool same_functions = in_use.merge_max == named->merge_max && in_use.register_stats == named->register_stats &&
                              in_use.xxh3_max_update == named->xxh3_max_update;
  // And a sketch operation computes the same answer as anywhere else.
  hashsketch::hyperloglog<12> a, b;
  for (std::uint64_t i = 0; i < 20000; ++i) a.add(i);
  for (std::uint64_t i = 10000; i < 30000; ++i) b.add(i);
  a.merge(b);
  std::printf("ACTIVE_ISA=%s SAME_FUNCTIONS=%d ESTIMATE=%.17g\n", hashsketch::active_isa(), same_functions ? 1 : 0,
              a.estimate());
}

TEST_CASE("active_isa() reports HASHSKETCH_FORCE_ISA when set, else the best supported set") {
  const char* forced = std::getenv("HASHSKETCH_FORCE_ISA");
  const auto names = supported_names();
  REQUIRE(!names.empty());
  if (forced != nullptr && *forced != '\0')
    CHECK(std::string(hashsketch::active_isa()) == forced);
  else
    CHECK(std::string(hashsketch::active_isa()) == names.back());
}

TEST_CASE("HASHSKETCH_FORCE_ISA switches the kernels in a fresh process, for every supported set") {
  const child_result reference = run_child("scalar");
  INFO(reference.output);
  REQUIRE(reference.exit_code == 0);
  const auto at = reference.output.find("ESTIMATE=");
  REQUIRE(at != std::string::npos);
  const std::string estimate = reference.output.substr(at, reference.output.find('\n', at) - at);
  for (const std::string& isa : supported_names()) {
    const child_result r = run_child(isa.c_str());
    INFO("forced " << isa << ":\n" << r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("ACTIVE_ISA=" + isa + " SAME_FUNCTIONS=1") != std::string::npos);
    CHECK(r.output.find(estimate) != std::string::npos);  // same answer from every set
  }
  const child_result unforced = run_child(nullptr);
  INFO(unforced.output);
  CHECK(unforced.output.find("ACTIVE_ISA=" + supported_names().back()) != std::string::npos);
}

TEST_CASE("an unknown or unsupported HASHSKETCH_FORCE_ISA warns once and runs the best set") {
  const child_result reference = run_child(nullptr);
  REQUIRE(reference.exit_code == 0);
  const auto at = reference.output.find("ESTIMATE=");
  REQUIRE(at != std::string::npos);
  const std::string estimate = reference.output.substr(at, reference.output.find('\n', at) - at);
  std::vector<std::string> bad = {"bogus", "AVX2", "avx1024"};
  for (const char* name : hashsketch::detail::all_isa_names)
    if (hashsketch::detail::kernels_for(name) == nullptr) bad.push_back(name);  // e.g. neon on x86
#if defined(HASHSKETCH_ARCH_X86)
  CHECK(std::find(bad.begin(), bad.end(), "neon") != bad.end());
#endif
  for (const std::string& isa : bad) {
    const child_result r = run_child(isa.c_str());
    INFO("forced " << isa << ":\n" << r.output);
    CHECK(r.exit_code == 0);  // no abort
    const std::string warning = "hashsketch: warning: HASHSKETCH_FORCE_ISA=" + isa + ":";
    const auto first = r.output.find(warning);
    CHECK(first != std::string::npos);
    CHECK(r.output.find(warning, first + 1) == std::string::npos);  // once, not per kernel call
    CHECK(r.output.find("using " + supported_names().back()) != std::string::npos);
    CHECK(r.output.find("ACTIVE_ISA=" + supported_names().back() + " ") != std::string::npos);
    CHECK(r.output.find(estimate) != std::string::npos);
  }
}

TEST_CASE("force_isa switches the kernel set in-process and refuses what it cannot run") {
  const std::string initial = hashsketch::active_isa();
  const hashsketch::detail::kernel_table* initial_table = &hashsketch::detail::kernels();
  hashsketch::hyperloglog<12> a, b;
  for (std::uint64_t i = 0; i < 20000; ++i) a.add(i);
  for (std::uint64_t i = 10000; i < 30000; ++i) b.add(i);
  const double want = (a | b).estimate();
  for (const std::string& isa : supported_names()) {
    INFO("force_isa(" << isa << ")");
    REQUIRE(hashsketch::force_isa(isa.c_str()));
    CHECK(std::string(hashsketch::active_isa()) == isa);
    CHECK(&hashsketch::detail::kernels() == hashsketch::detail::kernels_for(isa.c_str()));
    hashsketch::hyperloglog<12> c = a;
    c.merge(b);
    CHECK(c.estimate() == want);
  }
  REQUIRE(hashsketch::force_isa(supported_names().front().c_str()));
  std::vector<std::string> bad = {"bogus", "AVX2", "avx1024"};
  for (const char* name : hashsketch::detail::all_isa_names)
    if (hashsketch::detail::kernels_for(name) == nullptr) bad.push_back(name);
  for (const std::string& isa : bad) {
    INFO("force_isa(" << isa << ")");
    CHECK_FALSE(hashsketch::force_isa(isa.c_str()));
    CHECK(std::string(hashsketch::active_isa()) == supported_names().front());  // unchanged
  }
  CHECK(hashsketch::force_isa(nullptr));  // back to the start-up choice
  CHECK(std::string(hashsketch::active_isa()) == initial);
  CHECK(&hashsketch::detail::kernels() == initial_table);
  CHECK(hashsketch::force_isa(""));
  CHECK(&hashsketch::detail::kernels() == initial_table);
}
