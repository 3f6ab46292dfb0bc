#ifndef HASHSKETCH_TOOLS_CLI_HPP
#define HASHSKETCH_TOOLS_CLI_HPP

// Shared pieces of the `hashsketch` command-line program: exit statuses, the
// two error types that map onto them, a small getopt-like argument parser that
// accepts GNU-style spellings (-p 14, -p14, --precision 14, --precision=14,
// options after operands, `--` to end options), value parsers with exact
// range checks, and output helpers.

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hashsketch_cli {

/// Exit statuses. 2 is the convention of getopt-based tools (grep, diff) for
/// "you called me wrongly"; 1 means the inputs or the environment failed.
constexpr int exit_ok = 0;
constexpr int exit_runtime = 1;
constexpr int exit_usage = 2;

/// A wrong command line: unknown option, missing or malformed value, value
/// out of range. Reported with a pointer to `--help`; exit status 2.
class usage_error : public std::runtime_error {
 public:
  explicit usage_error(const std::string& what) : std::runtime_error(what) {}
};

/// Inputs or environment failed: missing file, unreadable file, corrupt
/// sketch, incompatible sketches, write error. Exit status 1.
class runtime_failure : public std::runtime_error {
 public:
  explicit runtime_failure(const std::string& what) : std::runtime_error(what) {}
};

/// One option a command accepts.
struct option_spec {
  char short_name;         ///< 0 when there is none
  const char* long_name;   ///< without the leading "--"
  bool takes_value;
};

/// An option as found on the command line (spelling kept for messages).
struct parsed_option {
  std::string name;      ///< the long name
  std::string spelling;  ///< how the user wrote it, e.g. "-p" or "--precision"
  std::string value;
};

struct parsed_args {
  std::vector<parsed_option> options;  ///< in command-line order (last one wins)
  std::vector<std::string> operands;
  bool help = false;
};

/// Parses argv[first..argc). Throws usage_error for unknown options and
/// missing values. `-h`/`--help` are always accepted.
parsed_args parse_args(int argc, char** argv, int first, const std::vector<option_spec>& specs);

/// Value parsers: each throws usage_error naming the option on a malformed or
/// out-of-range value.
unsigned parse_precision(const parsed_option& o);  // 4..16
unsigned parse_field(const parsed_option& o);      // 1..2^31
char parse_delimiter(const parsed_option& o);      // one byte, or \t
double parse_rate(const parsed_option& o);         // [0, 1]; "1%" means 0.01
std::uint64_t parse_seed(const parsed_option& o);  // decimal or 0x-hex, 64 bits
double parse_confidence(const parsed_option& o);   // (0, 1)
unsigned parse_threads(const parsed_option& o);    // 1..256

/// Which estimator the user asked for; `kind_default` = the saved sketch's own.
enum class estimator_choice { kind_default, ertl, classic, loglog, superloglog, fgra, ull_ml };
estimator_choice parse_estimator(const parsed_option& o);
const char* estimator_name(estimator_choice e);

enum class output_format { text, json };
output_format parse_format(const parsed_option& o);

/// JSON string literal (quotes included) with the required escapes.
std::string json_string(std::string_view s);
/// A finite double as a JSON number with one decimal, or an integer count.
std::string json_number(double v);

/// Writes all bytes to fd; throws runtime_failure naming `what` on error.
void write_all(int fd, const void* data, std::size_t size, const std::string& what);

/// Reads a whole (small) file, e.g. a saved sketch; throws runtime_failure
/// naming the file when it cannot be opened or read. "-" is stdin.
std::vector<std::uint8_t> read_whole_file(const std::string& path);
/// Writes bytes to path atomically (temporary file + rename), or to stdout
/// for "-". Throws runtime_failure naming the file.
void write_whole_file(const std::string& path, const std::vector<std::uint8_t>& bytes);

/// "cannot open 'x': No such file or directory".
std::string errno_message(const char* action, const std::string& path, int err);

// The commands; each returns an exit status and throws usage_error /
// runtime_failure for the caller to report.
int command_count(int argc, char** argv);
int command_sample(int argc, char** argv);
int command_merge(int argc, char** argv);
int command_estimate(int argc, char** argv);
int command_info(int argc, char** argv);

/// The command whose help a usage error points at ("count", ...).
extern const char* current_command;

}  // namespace hashsketch_cli

#endif  // HASHSKETCH_TOOLS_CLI_HPP
