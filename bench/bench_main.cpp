// main() of bin/hashsketch_bench (instead of benchmark_main): every Google
// Benchmark flag works as usual; three more turn a run into the target table
// of docs/performance.md (issue 16):
//
//   --summary=<file>        run only the benchmarks <file> names (bench/targets.txt;
//                           unless --benchmark_filter is given too) and print,
//                           after the usual report, one markdown row per target
//   --summary_build=<text>  this build's label in the table (default: the
//                           compiler and optimisation flag it was built with)
//   --summary_tsv=<file>    also append the rows, tab-separated, to <file>
//   --summary_join=<file>   run nothing; print the rows of such a file (from
//                           several builds) as one table: one line per
//                           operation, one ratio column per build
//
// Figures are medians of the CPU time per iteration over the repetitions
// (--benchmark_repetitions; a single run when it is 1): CPU time, because the
// machines this runs on are shared and wall time then measures the other
// processes too. A ratio divides the benchmark's median by the fastest of its
// baselines' medians, all from this one run.
//
// <file>: one target per line, `#` starts a comment, fields split by `|`:
//   operation | benchmark | baseline; baseline; ... | target
// where target is `<= R x` (ratio to the fastest baseline) or `<= T ns`
// (absolute median time per iteration; baselines `-`). A benchmark missing
// from the run (renamed, filtered out, skipped) gives a row "not run".
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define HASHSKETCH_BENCH_ISATTY(fd) ::isatty(fd)
#else
#define HASHSKETCH_BENCH_ISATTY(fd) 0
#endif

#ifndef HASHSKETCH_BENCH_BUILD
#define HASHSKETCH_BENCH_BUILD "unknown build"
#endif

namespace {

struct target {
  std::string operation, benchmark;
  std::vector<std::string> baselines;
  double bound = 0;       // the R of `<= R x` or the T of `<= T ns`
  bool absolute = false;  // `<= T ns`
  std::string text;       // as written
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(s);
  while (std::getline(in, field, sep)) out.push_back(trim(field));
  return out;
}

bool parse_targets(const std::string& path, std::vector<target>& out) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "hashsketch_bench: cannot read " << path << "\n";
    return false;
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const auto f = split(line, '|');
    target t;
    if (f.size() == 4) {
      t.operation = f[0];
      t.benchmark = f[1];
      if (f[2] != "-")
        for (const auto& b : split(f[2], ';'))
          if (!b.empty()) t.baselines.push_back(b);
      t.text = f[3];
      char unit[8] = {0};
      if (std::sscanf(f[3].c_str(), "<= %lf %7s", &t.bound, unit) == 2) {
        t.absolute = std::strcmp(unit, "ns") == 0;
        if (t.absolute || std::strcmp(unit, "x") == 0) {
          if (t.absolute == t.baselines.empty()) {
            out.push_back(t);
            continue;
          }
        }
      }
    }
    std::cerr << path << ":" << number << ": expected `operation | benchmark | baselines | <= R x` or "
              << "`... | - | <= T ns`, got: " << line << "\n";
    return false;
  }
  return true;
}

// POSIX ERE and std::regex both take these escaped; `<` and `>` must stay
// bare (GNU ERE reads `\<` as a word boundary).
std::string regex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::strchr(".[](){}*+?|^$\\", c)) out += '\\';
    out += c;
  }
  return out;
}

/// Passes everything to the console reporter and keeps each benchmark's
/// median (or only) CPU time per iteration in ns and its items/s.
class collecting_reporter : public benchmark::ConsoleReporter {
 public:
  // Colour only on a terminal, as benchmark_main's default reporter does.
  collecting_reporter() : ConsoleReporter(HASHSKETCH_BENCH_ISATTY(1) ? OO_Color : OO_None) {}

  struct figure {
    double cpu_ns = 0;
    double items_per_second = 0;
  };
  std::map<std::string, figure> medians;

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      const bool single = r.run_type == Run::RT_Iteration && r.repetitions <= 1;
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (!single && !median) continue;
      figure f;
      f.cpu_ns = r.GetAdjustedCPUTime() * to_ns(r.time_unit);
      const auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) f.items_per_second = it->second.value;
      medians[r.run_name.str()] = f;
    }
  }

 private:
  static double to_ns(benchmark::TimeUnit u) {
    switch (u) {
      case benchmark::kNanosecond: return 1;
      case benchmark::kMicrosecond: return 1e3;
      case benchmark::kMillisecond: return 1e6;
      case benchmark::kSecond: return 1e9;
    }
    return 1;
  }
};

std::string show_time(const collecting_reporter::figure& f) {
  char buf[64];
  if (f.items_per_second > 0)
    std::snprintf(buf, sizeof buf, "%.2f ns/key", 1e9 / f.items_per_second);
  else if (f.cpu_ns < 1e3)
    std::snprintf(buf, sizeof buf, "%.2f ns", f.cpu_ns);
  else if (f.cpu_ns < 1e6)
    std::snprintf(buf, sizeof buf, "%.2f µs", f.cpu_ns / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.2f ms", f.cpu_ns / 1e6);
  return buf;
}

void print_summary(const std::vector<target>& targets, const collecting_reporter& rep, const std::string& build,
                   const std::string& tsv_path) {
  std::ofstream tsv;
  if (!tsv_path.empty()) tsv.open(tsv_path, std::ios::app);
  std::cout << "\n| operation | build | median | fastest in-run baseline | ratio | target | met |\n"
            << "|---|---|---|---|---|---|---|\n";
  unsigned met = 0, missed = 0, not_run = 0;
  for (const target& t : targets) {
    const auto m = rep.medians.find(t.benchmark);
    std::string base_name = "-", base_time = "-", ratio = "-", verdict;
    double value = 0;
    bool have = m != rep.medians.end();
    if (have && !t.absolute) {
      const collecting_reporter::figure* best = nullptr;
      for (const auto& b : t.baselines) {
        const auto it = rep.medians.find(b);
        if (it != rep.medians.end() && (!best || it->second.cpu_ns < best->cpu_ns)) {
          best = &it->second;
          base_name = b;
        }
      }
      if (best && best->cpu_ns > 0) {
        value = m->second.cpu_ns / best->cpu_ns;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2fx", value);
        ratio = buf;
        base_time = show_time(*best);
      } else {
        have = false;
      }
    } else if (have) {
      value = m->second.cpu_ns;
    }
    if (!have) {
      verdict = "not run";
      ++not_run;
    } else if (value <= t.bound) {
      verdict = "yes";
      ++met;
    } else {
      verdict = "**no**";
      ++missed;
    }
    const std::string measured = m != rep.medians.end() ? show_time(m->second) : "-";
    const std::string baseline = base_name == "-" ? "-" : "`" + base_name + "` " + base_time;
    std::cout << "| " << t.operation << " | " << build << " | " << measured << " | " << baseline << " | " << ratio
              << " | " << t.text << " | " << verdict << " |\n";
    if (tsv)
      tsv << t.operation << '\t' << build << '\t' << measured << '\t' << baseline << '\t' << ratio << '\t' << t.text
          << '\t' << verdict << '\n';
  }
  std::cout << "\n" << build << ": " << met << " met, " << missed << " missed, " << not_run << " not run\n";
}

// One line per operation (in first-seen order), one column per build (in
// first-seen order): the ratio (or time, for absolute targets) and a mark.
int join_summary(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "hashsketch_bench: cannot read " << path << "\n";
    return 1;
  }
  std::vector<std::string> operations, builds;
  std::map<std::string, std::string> target_of;
  std::map<std::pair<std::string, std::string>, std::string> cell;
  std::string line;
  while (std::getline(in, line)) {
    const auto f = split(line, '\t');
    if (f.size() != 7) continue;
    const std::string &op = f[0], &build = f[1];
    if (std::find(operations.begin(), operations.end(), op) == operations.end()) operations.push_back(op);
    if (std::find(builds.begin(), builds.end(), build) == builds.end()) builds.push_back(build);
    target_of[op] = f[5];
    const std::string value = f[4] != "-" ? f[4] : f[2];
    const std::string mark = f[6] == "yes" ? "" : f[6] == "not run" ? " (not run)" : " **no**";
    cell[{op, build}] = value + mark;
  }
  std::cout << "| operation | target |";
  for (const auto& b : builds) std::cout << " " << b << " |";
  std::cout << "\n|---|---|";
  for (std::size_t i = 0; i < builds.size(); ++i) std::cout << "---|";
  std::cout << "\n";
  unsigned missed = 0;
  for (const auto& op : operations) {
    std::cout << "| " << op << " | " << target_of[op] << " |";
    for (const auto& b : builds) {
      const auto it = cell.find({op, b});
      const std::string c = it == cell.end() ? "-" : it->second;
      if (c.find("**no**") != std::string::npos) ++missed;
      std::cout << " " << c << " |";
    }
    std::cout << "\n";
  }
  std::cout << "\n" << missed << " cell(s) miss their target (marked **no**); ratios are medians of CPU time "
            << "over the fastest in-run baseline.\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string summary, build = HASHSKETCH_BENCH_BUILD, tsv;
  bool filter_given = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      const std::size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? argv[i] + n : nullptr;
    };
    if (const char* v = value("--summary=")) {
      summary = v;
    } else if (const char* b = value("--summary_build=")) {
      build = b;
    } else if (const char* t = value("--summary_tsv=")) {
      tsv = t;
    } else if (const char* j = value("--summary_join=")) {
      return join_summary(j);
    } else {
      if (value("--benchmark_filter=")) filter_given = true;
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;

  std::vector<target> targets;
  if (!summary.empty() && !parse_targets(summary, targets)) return 1;

  collecting_reporter reporter;
  std::string spec;
  if (!summary.empty() && !filter_given) {
    std::vector<std::string> names;
    for (const auto& t : targets) {
      names.push_back(t.benchmark);
      names.insert(names.end(), t.baselines.begin(), t.baselines.end());
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    spec = "^(";
    for (std::size_t i = 0; i < names.size(); ++i) spec += (i ? "|" : "") + regex_escape(names[i]);
    spec += ")$";
  }
  if (spec.empty())
    benchmark::RunSpecifiedBenchmarks(&reporter);
  else
    benchmark::RunSpecifiedBenchmarks(&reporter, spec);
  if (!summary.empty()) print_summary(targets, reporter, build, tsv);
  benchmark::Shutdown();
  return 0;
}
