// Argument parsing, value parsers and small I/O helpers shared by the commands.
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.hpp"

namespace hashsketch_cli {

const char* current_command = nullptr;

namespace {

const option_spec* find_long(const std::vector<option_spec>& specs, std::string_view name) {
  for (const auto& s : specs)
    if (s.long_name && name == s.long_name) return &s;
  return nullptr;
}

const option_spec* find_short(const std::vector<option_spec>& specs, char c) {
  for (const auto& s : specs)
    if (s.short_name == c) return &s;
  return nullptr;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// Whole-string unsigned parse: no sign, no spaces, no trailing garbage.
bool parse_u64(const std::string& text, std::uint64_t& out) {
  if (text.empty()) return false;
  int base = 10;
  std::size_t start = 0;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    start = 2;
  }
  for (std::size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    const bool ok = base == 10 ? (c >= '0' && c <= '9') : std::isxdigit(static_cast<unsigned char>(c)) != 0;
    if (!ok) return false;
  }
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str() + start, &end, base);
  if (errno == ERANGE || *end != '\0') return false;
  out = v;
  return true;
}

bool parse_double(const std::string& text, double& out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') return false;
  out = v;
  return true;
}

}  // namespace

parsed_args parse_args(int argc, char** argv, int first, const std::vector<option_spec>& specs) {
  parsed_args out;
  bool options_done = false;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (options_done || arg == "-" || arg.empty() || arg[0] != '-') {
      out.operands.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg.compare(0, 2, "--") == 0) {
      const std::size_t eq = arg.find('=');
      const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const std::string spelling = "--" + name;
      if (name == "help") {
        out.help = true;
        continue;
      }
      const option_spec* spec = find_long(specs, name);
      if (!spec) throw usage_error("unknown option " + quoted(spelling));
      parsed_option o{spec->long_name, spelling, {}};
      if (spec->takes_value) {
        if (eq != std::string::npos) {
          o.value = arg.substr(eq + 1);
        } else if (i + 1 < argc) {
          o.value = argv[++i];
        } else {
          throw usage_error("option " + quoted(spelling) + " needs a value");
        }
      } else if (eq != std::string::npos) {
        throw usage_error("option " + quoted(spelling) + " takes no value");
      }
      out.options.push_back(std::move(o));
      continue;
    }
    // Short options: "-p14", "-p 14", or a cluster of flags ("-qh").
    for (std::size_t k = 1; k < arg.size(); ++k) {
      const char c = arg[k];
      const std::string spelling = std::string("-") + c;
      if (c == 'h') {
        out.help = true;
        continue;
      }
      const option_spec* spec = find_short(specs, c);
      if (!spec) throw usage_error("unknown option " + quoted(spelling));
      parsed_option o{spec->long_name, spelling, {}};
      if (spec->takes_value) {
        if (k + 1 < arg.size()) {
          o.value = arg.substr(k + 1);
        } else if (i + 1 < argc) {
          o.value = argv[++i];
        } else {
          throw usage_error("option " + quoted(spelling) + " needs a value");
        }
        out.options.push_back(std::move(o));
        break;
      }
      out.options.push_back(std::move(o));
    }
  }
  return out;
}

unsigned parse_precision(const parsed_option& o) {
  std::uint64_t v = 0;
  if (!parse_u64(o.value, v) || v < 4 || v > 16)
    throw usage_error("precision " + quoted(o.value) + " (" + o.spelling +
                      ") must be an integer in 4..16 (m = 2^P registers)");
  return static_cast<unsigned>(v);
}

unsigned parse_field(const parsed_option& o) {
  std::uint64_t v = 0;
  if (!parse_u64(o.value, v) || v < 1 || v > (std::uint64_t{1} << 31))
    throw usage_error("field " + quoted(o.value) + " (" + o.spelling + ") must be a positive integer (1 = first field)");
  return static_cast<unsigned>(v);
}

char parse_delimiter(const parsed_option& o) {
  if (o.value == "\\t" || o.value == "tab" || o.value == "TAB") return '\t';
  if (o.value.size() != 1 || o.value[0] == '\n' || o.value[0] == '\r')
    throw usage_error("delimiter " + quoted(o.value) + " (" + o.spelling +
                      ") must be a single byte other than CR and LF (or \\t)");
  return o.value[0];
}

double parse_rate(const parsed_option& o) {
  std::string text = o.value;
  double scale = 1.0;
  if (!text.empty() && text.back() == '%') {
    text.pop_back();
    scale = 0.01;
  }
  double v = 0;
  // NaN fails both comparisons, so it is rejected here too.
  if (!parse_double(text, v) || !(v * scale >= 0.0 && v * scale <= 1.0))
    throw usage_error("rate " + quoted(o.value) + " (" + o.spelling + ") must be a number in [0, 1] (or 0%..100%)");
  return v * scale;
}

std::uint64_t parse_seed(const parsed_option& o) {
  std::uint64_t v = 0;
  if (!parse_u64(o.value, v))
    throw usage_error("seed " + quoted(o.value) + " (" + o.spelling + ") must be an unsigned 64-bit integer");
  return v;
}

double parse_confidence(const parsed_option& o) {
  double v = 0;
  if (!parse_double(o.value, v) || !(v > 0.0 && v < 1.0))
    throw usage_error("confidence " + quoted(o.value) + " (" + o.spelling + ") must be in (0, 1), e.g. 0.95");
  return v;
}

unsigned parse_threads(const parsed_option& o) {
  std::uint64_t v = 0;
  if (!parse_u64(o.value, v) || v < 1 || v > 256)
    throw usage_error("threads " + quoted(o.value) + " (" + o.spelling + ") must be an integer in 1..256");
  return static_cast<unsigned>(v);
}

estimator_choice parse_estimator(const parsed_option& o) {
  if (o.value == "ertl") return estimator_choice::ertl;
  if (o.value == "classic") return estimator_choice::classic;
  if (o.value == "loglog") return estimator_choice::loglog;
  if (o.value == "superloglog") return estimator_choice::superloglog;
  if (o.value == "fgra") return estimator_choice::fgra;  // UltraLogLog
  if (o.value == "ml") return estimator_choice::ull_ml;  // UltraLogLog
  throw usage_error("estimator " + quoted(o.value) + " (" + o.spelling +
                    ") must be one of ertl, classic, loglog, superloglog (HyperLogLog registers) or fgra, ml "
                    "(UltraLogLog)");
}

const char* estimator_name(estimator_choice e) {
  switch (e) {
    case estimator_choice::ertl: return "ertl";
    case estimator_choice::classic: return "classic";
    case estimator_choice::loglog: return "loglog";
    case estimator_choice::superloglog: return "superloglog";
    case estimator_choice::fgra: return "fgra";
    case estimator_choice::ull_ml: return "ml";
    case estimator_choice::kind_default: break;
  }
  return "default";
}

output_format parse_format(const parsed_option& o) {
  if (o.value == "text") return output_format::text;
  if (o.value == "json") return output_format::json;
  throw usage_error("format " + quoted(o.value) + " (" + o.spelling + ") must be text or json");
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string errno_message(const char* action, const std::string& path, int err) {
  return std::string("cannot ") + action + " " + quoted(path) + ": " + std::strerror(err);
}

void write_all(int fd, const void* data, std::size_t size, const std::string& what) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw runtime_failure(errno_message("write", what, errno));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

std::vector<std::uint8_t> read_whole_file(const std::string& path) {
  const bool is_stdin = path == "-";
  const int fd = is_stdin ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw runtime_failure(errno_message("open", path, errno));
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      if (!is_stdin) ::close(fd);
      throw runtime_failure(errno_message("read", path, err));
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
    // A sketch is at most 24 + 65536 + 8 bytes; refuse to slurp a huge file
    // given by mistake (the format check then reports trailing bytes).
    if (out.size() > (std::size_t{1} << 20)) break;
  }
  if (!is_stdin) ::close(fd);
  return out;
}

void write_whole_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  if (path == "-") {
    if (::isatty(1)) throw usage_error("refusing to write a binary sketch to a terminal; give -o FILE or redirect");
    write_all(1, bytes.data(), bytes.size(), "standard output");
    return;
  }
  // Write beside the target and rename, so a crash or a full disk never leaves
  // a half-written sketch under the final name.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw runtime_failure(errno_message("create", path, errno));
  try {
    write_all(fd, bytes.data(), bytes.size(), path);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw runtime_failure(errno_message("write", path, err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw runtime_failure(errno_message("write", path, err));
  }
}

}  // namespace hashsketch_cli
