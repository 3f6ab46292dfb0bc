#ifndef HASHSKETCH_TOOLS_SCANNER_HPP
#define HASHSKETCH_TOOLS_SCANNER_HPP

// Streaming line/field scanner for the CLI. Reads each input with read(2)
// into one large buffer (no iostreams, no per-line allocation), finds lines
// and fields with memchr (vectorised in every libc), and hands the sink
// pointers into the buffer. Memory is the buffer: 1 MiB, doubled only while a
// single line is longer than it.
//
// Line rules: a line ends at '\n'; a '\r' right before it is not part of the
// line's content (CRLF files); the last line needs no final newline. Fields
// are 1-based like cut(1); a line with fewer fields than asked is "missing"
// (reported, not fatal). Field 0 means the whole line.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cli.hpp"

namespace hashsketch_cli {

struct scan_config {
  unsigned field = 0;      ///< 0 = whole line, else 1-based field number
  char delimiter = '\t';
  bool quiet = false;      ///< no progress meter
};

struct scan_totals {
  std::uint64_t lines = 0;
  std::uint64_t missing_field_lines = 0;
  std::uint64_t bytes = 0;
};

/// One opened input: a file or standard input ("-"). Throws runtime_failure
/// naming the file on open/read errors (a directory fails at the first read).
class input_file {
 public:
  explicit input_file(const std::string& path);
  ~input_file();
  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;
  /// Up to `capacity` bytes; 0 at end of input.
  std::size_t read(char* buffer, std::size_t capacity);
  const std::string& name() const noexcept { return name_; }

 private:
  int fd_;
  bool owned_;
  std::string name_;
};

/// Progress on stderr ("412 MB of 1.0 GB (41%), 850 MB/s, ETA 1 s"), shown
/// only when stderr is a terminal, every input is a regular file (so the
/// total is known) and --quiet was not given. Redraws at most 5 times a second.
class progress_meter {
 public:
  progress_meter(const std::vector<std::string>& paths, bool quiet);
  ~progress_meter();
  void update(std::uint64_t bytes_done) {
    if (enabled_ && ++calls_ % 8 == 0) draw(bytes_done, false);
  }
  void finish();

 private:
  void draw(std::uint64_t done, bool force);
  bool enabled_ = false;
  bool drawn_ = false;
  std::uint64_t total_ = 0;
  std::uint64_t calls_ = 0;
  double start_ = 0, last_ = 0;
};

/// The field `field` (1-based) of the line [b, e) split at `delim`; false when
/// the line has fewer fields.
inline bool find_field(const char* b, const char* e, unsigned field, char delim, const char*& kb, const char*& ke) {
  for (unsigned i = 1; i < field; ++i) {
    const void* d = std::memchr(b, delim, static_cast<std::size_t>(e - b));
    if (!d) return false;
    b = static_cast<const char*>(d) + 1;
  }
  const void* d = std::memchr(b, delim, static_cast<std::size_t>(e - b));
  kb = b;
  ke = d ? static_cast<const char*>(d) : e;
  return true;
}

/// Scans every input in order. For each line the sink gets
///   sink.line(line_begin, line_end, key_begin, key_end)  — field found, or
///   sink.missing(line_begin, line_end)                   — field absent,
/// where [line_begin, line_end) is the raw line including its "\n" or "\r\n"
/// (none for a final line without newline) and the key excludes the line end.
template <class Sink>
void scan_inputs(const std::vector<std::string>& paths, const scan_config& cfg, Sink& sink, scan_totals& totals) {
  constexpr std::size_t initial_buffer = std::size_t{1} << 20;
  std::vector<char> buffer(initial_buffer);
  progress_meter progress(paths, cfg.quiet);

  auto handle = [&](const char* b, const char* content_end, const char* raw_end) {
    ++totals.lines;
    if (content_end > b && content_end[-1] == '\r') --content_end;
    if (cfg.field == 0) {
      sink.line(b, raw_end, b, content_end);
      return;
    }
    const char* kb;
    const char* ke;
    if (find_field(b, content_end, cfg.field, cfg.delimiter, kb, ke)) {
      sink.line(b, raw_end, kb, ke);
    } else {
      ++totals.missing_field_lines;
      sink.missing(b, raw_end);
    }
  };

  for (const std::string& path : paths) {
    input_file in(path);
    std::size_t kept = 0;  // bytes of an unfinished line at the buffer's start
    for (;;) {
      if (kept == buffer.size()) buffer.resize(buffer.size() * 2);  // one line longer than the buffer
      const std::size_t n = in.read(buffer.data() + kept, buffer.size() - kept);
      if (n == 0) {
        if (kept > 0) handle(buffer.data(), buffer.data() + kept, buffer.data() + kept);
        break;
      }
      totals.bytes += n;
      const char* p = buffer.data();
      const char* end = p + kept + n;
      for (;;) {
        const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
        if (!nl) break;
        const char* line_end = static_cast<const char*>(nl);
        handle(p, line_end, line_end + 1);
        p = line_end + 1;
      }
      kept = static_cast<std::size_t>(end - p);
      if (kept > 0 && p != buffer.data()) std::memmove(buffer.data(), p, kept);
      progress.update(totals.bytes);
    }
  }
  progress.finish();
}

}  // namespace hashsketch_cli

#endif  // HASHSKETCH_TOOLS_SCANNER_HPP
