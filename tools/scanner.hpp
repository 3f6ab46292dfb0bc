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

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/// The last byte c in [p, p + n), or nullptr (glibc's memrchr where present).
inline const void* memrchr_portable(const void* p, int c, std::size_t n) noexcept {
#if defined(__GLIBC__)
  return ::memrchr(p, c, n);
#else
  const unsigned char* b = static_cast<const unsigned char*>(p);
  while (n > 0)
    if (b[--n] == static_cast<unsigned char>(c)) return b + n;
  return nullptr;
#endif
}

/// True when every input is a regular file (not stdin, a pipe or a device).
bool all_regular_files(const std::vector<std::string>& paths);

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

/// Bytes that the scanners keep readable after the data in their buffers, so
/// the line scanner may load two whole 64-byte windows from any line start
/// (bits past the data are masked off).
constexpr std::size_t scan_padding = 128;

#if defined(__SSE2__)
/// Bit i of the result is set iff p[i] == c, for the 64 bytes at p. SSE2 is
/// part of every x86-64, so no run-time dispatch is needed; other targets use
/// the portable memchr scanner below.
inline std::uint64_t byte_mask64(const char* p, __m128i c) noexcept {
  std::uint64_t m = 0;
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    m |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, c)))) << (16 * k);
  }
  return m;
}

/// Bits 0..n-1 (all 64 for n ≥ 64).
inline std::uint64_t low_bits(std::size_t n) noexcept { return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1u; }
#endif

/// Processes the complete lines of [p, end) (the caller guarantees
/// scan_padding readable bytes after end) and returns the start of the
/// unfinished last line (end when the data ends with '\n'). `slow(b, nl,
/// nl + 1)` handles one line the portable way (and counts it).
///
/// Why this shape: a log line is ~60 bytes with the key in its first fields,
/// so per-line memchr calls spend more time starting up than scanning, and a
/// loop over fixed 64-byte blocks mispredicts its exit about once per line.
/// Instead every line start gets its own window: newline masks of 128 bytes
/// and a delimiter mask of 64 (a few vector compares), the line's end is the
/// first newline bit and the key is found by dropping k − 1 delimiter bits —
/// branches that go the same way line after line. Lines of 128 bytes or
/// more, and keys past the first 64 bytes, take the slow path.
template <class Sink, class Handle>
const char* scan_complete_lines(const char* p, const char* end, const scan_config& cfg, Sink& sink,
                                scan_totals& totals, Handle& slow) {
#if defined(__SSE2__)
  const unsigned k = cfg.field;
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i delimiter = _mm_set1_epi8(cfg.delimiter);
  const char* line = p;
  while (line < end) {
    const std::size_t available = static_cast<std::size_t>(end - line);
    const std::uint64_t nl0 = byte_mask64(line, newline) & low_bits(available);
    std::size_t len;  // offset of the line's '\n'
    if (nl0) {
      len = static_cast<std::size_t>(__builtin_ctzll(nl0));
    } else {
      const std::uint64_t nl1 = available > 64 ? byte_mask64(line + 64, newline) & low_bits(available - 64) : 0;
      if (nl1) {
        len = 64 + static_cast<std::size_t>(__builtin_ctzll(nl1));
      } else {  // 128 bytes or more, or the unfinished last line
        const void* nl = std::memchr(line, '\n', available);
        if (!nl) return line;
        slow(line, static_cast<const char*>(nl), static_cast<const char*>(nl) + 1);
        line = static_cast<const char*>(nl) + 1;
        continue;
      }
    }
    const char* at = line + len;
    const char* content_end = len > 0 && at[-1] == '\r' ? at - 1 : at;
    if (k == 0) {
      ++totals.lines;
      sink.line(line, at + 1, line, content_end);
      line = at + 1;
      continue;
    }
    // Delimiters of this line within its first 64 bytes.
    std::uint64_t d = byte_mask64(line, delimiter) & low_bits(len);
    std::size_t kb = 0;
    bool enough = true;
    for (unsigned i = 1; i < k; ++i) {
      if (!d) {
        enough = false;
        break;
      }
      kb = static_cast<std::size_t>(__builtin_ctzll(d)) + 1;
      d &= d - 1u;
    }
    if (enough && d) {  // the k-th delimiter ends the key
      ++totals.lines;
      sink.line(line, at + 1, line + kb, line + __builtin_ctzll(d));
    } else if (len < 64) {  // the whole line was in the window: exact answer
      ++totals.lines;
      if (enough) {
        sink.line(line, at + 1, line + kb, content_end);  // the key is the last field
      } else {
        ++totals.missing_field_lines;
        sink.missing(line, at + 1);
      }
    } else {
      slow(line, at, at + 1);  // fields beyond the first 64 bytes
    }
    line = at + 1;
  }
  return line;
#else
  for (;;) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (!nl) return p;
    const char* line_end = static_cast<const char*>(nl);
    slow(p, line_end, line_end + 1);
    p = line_end + 1;
  }
  (void)cfg;
  (void)sink;
  (void)totals;
#endif
}

/// Scans every input in order. For each line the sink gets
///   sink.line(line_begin, line_end, key_begin, key_end)  — field found, or
///   sink.missing(line_begin, line_end)                   — field absent,
/// where [line_begin, line_end) is the raw line including its "\n" or "\r\n"
/// (none for a final line without newline) and the key excludes the line end.
template <class Sink>
void scan_inputs(const std::vector<std::string>& paths, const scan_config& cfg, Sink& sink, scan_totals& totals) {
  constexpr std::size_t initial_buffer = std::size_t{1} << 20;
  std::vector<char> storage(initial_buffer + scan_padding);
  std::size_t capacity = initial_buffer;  // data bytes; the padding follows
  progress_meter progress(paths, cfg.quiet);

  // The portable path for one line (also the final line without newline).
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
      if (kept == capacity) {  // one line longer than the buffer: grow it
        capacity *= 2;
        storage.resize(capacity + scan_padding);
      }
      char* const buffer = storage.data();
      const std::size_t n = in.read(buffer + kept, capacity - kept);
      if (n == 0) {
        if (kept > 0) handle(buffer, buffer + kept, buffer + kept);
        break;
      }
      totals.bytes += n;
      const char* end = buffer + kept + n;
      const char* p = scan_complete_lines(buffer, end, cfg, sink, totals, handle);
      // A short read means the input is a pipe or terminal with nothing more
      // for now: let the sink flush, so a live stream's lines are not held back.
      if (n < capacity - kept) sink.input_idle();
      kept = static_cast<std::size_t>(end - p);
      if (kept > 0 && p != buffer) std::memmove(buffer, p, kept);
      progress.update(totals.bytes);
    }
  }
  progress.finish();
}

}  // namespace hashsketch_cli

#endif  // HASHSKETCH_TOOLS_SCANNER_HPP
