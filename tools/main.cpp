// hashsketch: the command-line program. Dispatches to a command, prints help,
// and turns exceptions into messages and exit statuses (docs/cli.md):
//   0 success, 1 runtime error (files, corrupt or incompatible sketches),
//   2 usage error (unknown option, bad value, out-of-range rate or precision),
//   3 accuracy alert (count --exact --alert-sigma: the truth outside the band).
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include <hashsketch/detail/dispatch.hpp>
#include <hashsketch/errors.hpp>
#include <hashsketch/version.hpp>

#include "cli.hpp"

namespace hashsketch_cli {
namespace {

const char* const program_help =
    "Usage: hashsketch COMMAND [OPTIONS] [FILE...]\n"
    "\n"
    "Approximate distinct counts and hash-based samples of large line-oriented\n"
    "files, in one pass and constant memory.\n"
    "\n"
    "Commands:\n"
    "  count     approximate distinct values of a field (HyperLogLog); can save the sketch\n"
    "  sample    keep the lines whose field hashes into the sample (RFC 5475): same keys everywhere\n"
    "  merge     union of saved sketches (exact), written as a new sketch\n"
    "  estimate  estimate of saved sketches, or of their union\n"
    "  info      kind, precision, hasher, seed, estimate and size of saved sketches\n"
    "\n"
    "Options:\n"
    "  -h, --help     this help; 'hashsketch COMMAND --help' for a command's\n"
    "  --version      version and the SIMD kernels in use\n"
    "\n"
    "Examples:\n"
    "  hashsketch count -f 3 access.log                  distinct users (3rd TAB-separated field)\n"
    "  hashsketch count -f 3 -p 12 -o mon.hsk mon.log     save the day's sketch\n"
    "  hashsketch merge -o week.hsk mon.hsk tue.hsk ...   the week, without re-reading the logs\n"
    "  hashsketch sample -r 0.01 -f 3 big.log > s.log      1% of users, with all their lines\n"
    "\n"
    "Exit status: 0 success, 1 runtime error (file, corrupt or incompatible sketch),\n"
    "2 usage error, 3 accuracy alert (count --exact --alert-sigma). Documentation: docs/cli.md.\n";

const char* const count_help =
    "Usage: hashsketch count [OPTIONS] [FILE...]\n"
    "\n"
    "Approximate number of distinct values of a field over all FILEs (standard\n"
    "input when none, or for '-'), with a confidence interval.\n"
    "\n"
    "  -f, --field N          1-based field, like cut(1); default: the whole line\n"
    "                         (without its line ending). Lines with fewer fields are\n"
    "                         counted and reported, not fatal.\n"
    "  -d, --delimiter C      field delimiter, one byte; default TAB ('\\t')\n"
    "  -p, --precision P      m = 2^P registers, 4..16; default 14 (16 KiB, rse 0.81%)\n"
    "  -e, --estimator NAME   ertl (default), classic, loglog, superloglog;\n"
    "                         with --sketch ultraloglog: fgra (default), ml\n"
    "      --sketch KIND      hyperloglog (default) or ultraloglog (one byte per\n"
    "                         register, rse 0.78/sqrt(m) instead of 1.04/sqrt(m))\n"
    "  -c, --confidence C     interval confidence in (0, 1); default 0.95\n"
    "      --format FMT       text (default) or json: {estimate, lower, upper, confidence,\n"
    "                         precision, estimator, relative_standard_error, lines,\n"
    "                         missing_field_lines, bytes}\n"
    "  -o, --output FILE      also save the sketch (native binary format; '-' = stdout,\n"
    "                         the report then goes to stderr)\n"
    "  -s, --seed N           hash seed (sketches merge only with equal seeds); default 0\n"
    "  -j, --threads N        scan regular files on N threads (per-thread sketches,\n"
    "                         merged exactly); default: the CPUs, at most 4\n"
    "  -q, --quiet            no progress meter\n"
    "      --exact            also count exactly (64-bit hashes of the distinct keys, same\n"
    "                         pass) and report the error; json adds exact, error,\n"
    "                         error_sigma (error in standard errors), within_interval\n"
    "      --exact-limit N    stop with exit status 1 past N distinct keys; default 1e8\n"
    "                         (table <= 1 GiB; 11..21 bytes per key), at most 2^32\n"
    "      --alert-sigma S    with --exact: exit status 3 when |error_sigma| > S\n"
    "\n"
    "Text output: 'ESTIMATE distinct (95% interval LOW .. HIGH; P=14, ertl, rse 0.81%; N lines)'.\n";

const char* const sample_help =
    "Usage: hashsketch sample -r RATE [OPTIONS] [FILE...]\n"
    "\n"
    "Prints, unchanged, the lines whose field is selected by hash-based sampling\n"
    "(RFC 5475): keep iff position(XXH3-64(field, seed)) < RATE * 2^64, position a\n"
    "fixed bijection (docs/sampling.md). Every line of a\n"
    "selected key is kept, and the same keys are selected in every file, on every\n"
    "machine, every day (for the same seed).\n"
    "\n"
    "  -r, --rate R           fraction of keys to keep, in [0, 1] (or 0%..100%)\n"
    "  -f, --field N          1-based key field; default: the whole line\n"
    "  -d, --delimiter C      field delimiter, one byte; default TAB\n"
    "  -s, --seed N           hash seed; default 0\n"
    "  -j, --threads N        scan regular files on N threads (output stays in input\n"
    "                         order); default: the CPUs, at most 4\n"
    "  -q, --quiet            no progress meter\n"
    "\n"
    "Lines without the key field are not sampled (their number is reported on\n"
    "stderr). A last line without newline is printed with one.\n";

const char* const merge_help =
    "Usage: hashsketch merge [-o OUT] [--fold] SKETCH...\n"
    "\n"
    "Writes the union of the saved sketches (register-wise maximum: exactly the\n"
    "sketch of all their inputs together).\n"
    "\n"
    "  -o, --output FILE      where to write it; default: standard output\n"
    "      --fold             allow different precisions: fold all to the smallest P\n"
    "                         (exact: equal to counting at that P)\n"
    "\n"
    "Sketches must be of the same kind and hasher seed.\n";

const char* const estimate_help =
    "Usage: hashsketch estimate [OPTIONS] SKETCH...\n"
    "\n"
    "Prints the estimate and interval of each saved sketch, or of their union.\n"
    "\n"
    "  -u, --union            one estimate for the union of all SKETCHes\n"
    "      --fold             with --union: fold different precisions to the smallest\n"
    "  -e, --estimator NAME   ertl, classic, loglog, superloglog; default: the\n"
    "                         sketch kind's own (ertl for HyperLogLog)\n"
    "  -c, --confidence C     interval confidence in (0, 1); default 0.95\n"
    "      --format FMT       text (default) or json (one object per line)\n";

const char* const info_help =
    "Usage: hashsketch info [OPTIONS] SKETCH...\n"
    "\n"
    "Describes saved sketches: kind, precision, hasher and seed, register layout,\n"
    "estimate with interval, size in bytes.\n"
    "\n"
    "  -e, --estimator NAME   estimator for the estimate line (default: the kind's own)\n"
    "  -c, --confidence C     interval confidence in (0, 1); default 0.95\n"
    "      --format FMT       text (default) or json\n";

struct command {
  const char* name;
  int (*run)(int, char**);
  const char* help;
};

const command commands[] = {
    {"count", command_count, count_help},          {"sample", command_sample, sample_help},
    {"merge", command_merge, merge_help},          {"estimate", command_estimate, estimate_help},
    {"info", command_info, info_help},
};

const command* find_command(const char* name) {
  for (const command& c : commands)
    if (std::strcmp(c.name, name) == 0) return &c;
  return nullptr;
}

int usage_failure(const std::string& message) {
  std::fprintf(stderr, "hashsketch%s%s: %s\n", current_command ? " " : "", current_command ? current_command : "",
               message.c_str());
  std::fprintf(stderr, "Try 'hashsketch%s%s --help'.\n", current_command ? " " : "",
               current_command ? current_command : "");
  return exit_usage;
}

int runtime_error_exit(const std::string& message) {
  std::fprintf(stderr, "hashsketch%s%s: %s\n", current_command ? " " : "", current_command ? current_command : "",
               message.c_str());
  return exit_runtime;
}

int run(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(program_help, stderr);
    return exit_usage;
  }
  const std::string first = argv[1];
  if (first == "-h" || first == "--help") {
    std::fputs(program_help, stdout);
    return exit_ok;
  }
  if (first == "--version" || first == "-V") {
    std::printf("hashsketch %s (kernels: %s)\n", HASHSKETCH_VERSION_STRING, hashsketch::active_isa());
    return exit_ok;
  }
  if (first == "help") {
    const command* c = argc > 2 ? find_command(argv[2]) : nullptr;
    if (argc > 2 && !c) return usage_failure("unknown command '" + std::string(argv[2]) + "'");
    std::fputs(c ? c->help : program_help, stdout);
    return exit_ok;
  }
  const command* c = find_command(argv[1]);
  if (!c) {
    if (!first.empty() && first[0] == '-') return usage_failure("unknown option '" + first + "' (a COMMAND comes first)");
    return usage_failure("unknown command '" + first + "' (commands: count, sample, merge, estimate, info)");
  }
  current_command = c->name;
  const int status = c->run(argc, argv);
  if (status < 0) {  // --help anywhere on the command line
    std::fputs(c->help, stdout);
    return exit_ok;
  }
  return status;
}

}  // namespace
}  // namespace hashsketch_cli

int main(int argc, char** argv) {
  using namespace hashsketch_cli;
  try {
    return run(argc, argv);
  } catch (const usage_error& e) {
    return usage_failure(e.what());
  } catch (const hashsketch::precision_error& e) {
    return usage_failure(e.what());
  } catch (const runtime_failure& e) {
    return runtime_error_exit(e.what());
  } catch (const std::bad_alloc&) {
    return runtime_error_exit("out of memory");
  } catch (const std::exception& e) {
    return runtime_error_exit(e.what());
  }
}
