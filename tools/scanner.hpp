#ifndef HASHSKETCH_TOOLS_SCANNER_HPP
#define HASHSKETCH_TOOLS_SCANNER_HPP

// Streaming line/field scanner for the CLI. Reads each input with read(2)
// into one large buffer (no iostreams, no per-line allocation), finds lines
// and fields with SIMD bit masks (scan_complete_lines below; memchr for the
// rare long line), and hands the sink pointers into the buffer. Memory is
// the buffer: 1 MiB, doubled only while a single line is longer than it.
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
/// the block scanner may read whole 64-byte blocks past the data's end (the
/// bits of bytes past the end are masked off or never used).
constexpr std::size_t scan_padding = 128;

/// Bits 0..n-1 (all 64 for n >= 64).
inline std::uint64_t low_bits(std::size_t n) noexcept { return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1u; }

/// The index of the lowest set bit of m != 0.
inline unsigned lowest_bit(std::uint64_t m) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  return static_cast<unsigned>(__builtin_ctzll(m));
#else
  unsigned i = 0;
  while (!(m & 1u)) {
    m >>= 1;
    ++i;
  }
  return i;
#endif
}

/// The block scanner's first stage, for one slab of at most slab_bytes bytes
/// that starts at a line start: a delimiter bit mask per 64-byte block and
/// the offsets of the slab's newlines, in order.
struct scan_slab {
  static constexpr std::size_t slab_bytes = 4096;
  static constexpr std::size_t blocks = slab_bytes / 64;
  /// Bit i of delimiters[b]: byte 64·b + i of the slab is the delimiter. One
  /// block more than the slab, so a line starting in the last block reads
  /// the next 64 bytes' mask (bits past the data are garbage and masked off
  /// by the line's length).
  std::uint64_t delimiters[blocks + 1];
  /// Offsets (from the slab's start) of the '\n' bytes among the first
  /// `available` bytes; two entries of slack for the unrolled writers.
  std::uint16_t newlines[slab_bytes + 2];
};

/// Fills `out` for [p, p + available), available in 1..slab_bytes, reading
/// up to p + 64·(⌈available/64⌉ + 1) (inside scan_padding past the data);
/// returns the number of newlines found. One function per instruction set
/// (scanner.cpp): SSE2, AVX2 (+BMI2, POPCNT) and a portable one that works
/// on 8-byte words.
using slab_scanner_fn = std::size_t (*)(const char* p, std::size_t available, char delimiter, scan_slab& out);

/// The slab scanner for this CPU and the library's kernel choice: AVX2 where
/// hashsketch::active_isa() is avx2 or avx512 (so HASHSKETCH_FORCE_ISA
/// selects it too), SSE2 for sse2, the portable one for scalar and elsewhere.
/// Chosen once per process.
slab_scanner_fn slab_scanner();
/// The name of the slab scanner slab_scanner() returns ("avx2", "sse2", "portable").
const char* slab_scanner_name();
/// Each implementation by name, for tests; nullptr where not available here.
slab_scanner_fn slab_scanner_named(const char* name);

/// Processes the complete lines of [p, end) (the caller guarantees
/// scan_padding readable bytes after end) and returns the start of the
/// unfinished last line (end when the data ends with '\n'). `slow(b, nl,
/// nl + 1)` handles one line the portable way (and counts it).
///
/// Why this shape: a log line is ~60 bytes with the key in its first
/// fields, so one memchr per line and per field spends more time starting
/// up than scanning, and a scanner that finds each line's end from the
/// previous one's makes every line wait for the one before (a chain of
/// load → compare → mask → count-trailing-zeros per line, measured 9 ns a
/// line). Instead the first stage (slab_scanner_fn) turns a 4 KiB slab
/// into bit masks and a list of newline offsets without any dependence
/// between lines, and the second stage below finds each line's key from
/// those: the k-th delimiter bit at or after the line's start (a shift of
/// two mask words and k − 1 "clear the lowest bit" steps). The lines are
/// independent, so the CPU overlaps them. Keys that end more than 64 bytes
/// past their line's start, and lines longer than a slab, take the slow path.
template <class Sink, class Handle>
const char* scan_complete_lines(const char* p, const char* end, const scan_config& cfg, Sink& sink,
                                scan_totals& totals, Handle& slow) {
  const slab_scanner_fn fill = slab_scanner();
  const unsigned k = cfg.field;
  scan_slab slab;
  while (p < end) {
    const std::size_t rest = static_cast<std::size_t>(end - p);
    const std::size_t available = rest < scan_slab::slab_bytes ? rest : scan_slab::slab_bytes;
    const std::size_t count = fill(p, available, cfg.delimiter, slab);
    if (count == 0) {  // no newline in the slab: a long line, or the unfinished last one
      const void* nl = std::memchr(p + available, '\n', rest - available);
      if (!nl) return p;
      slow(p, static_cast<const char*>(nl), static_cast<const char*>(nl) + 1);
      p = static_cast<const char*>(nl) + 1;
      continue;
    }
    std::size_t start = 0;  // of the current line, from p
    for (std::size_t j = 0; j < count; ++j) {
      const std::size_t at = slab.newlines[j];
      const std::size_t len = at - start;  // the line's length without its '\n'
      const char* line = p + start;
      const char* const content_end = len > 0 && line[len - 1] == '\r' ? line + len - 1 : line + len;
      if (k == 0) {
        ++totals.lines;
        sink.line(line, line + len + 1, line, content_end);
        start = at + 1;
        continue;
      }
      // The delimiters among the line's first 64 bytes (its own bytes only).
      const std::size_t b = start >> 6, shift = start & 63;
      std::uint64_t d = (slab.delimiters[b] >> shift) | ((slab.delimiters[b + 1] << 1) << (63 - shift));
      d &= low_bits(len);
      std::size_t kb = 0;
      bool enough = true;
      for (unsigned i = 1; i < k; ++i) {
        if (!d) {
          enough = false;
          break;
        }
        kb = std::size_t{lowest_bit(d)} + 1;
        d &= d - 1u;
      }
      if (enough && d) {  // the k-th delimiter ends the key
        ++totals.lines;
        sink.line(line, line + len + 1, line + kb, line + lowest_bit(d));
      } else if (len < 64) {  // every delimiter of the line was in the mask: exact answer
        ++totals.lines;
        if (enough) {
          sink.line(line, line + len + 1, line + kb, content_end);  // the key is the last field
        } else {
          ++totals.missing_field_lines;
          sink.missing(line, line + len + 1);
        }
      } else {
        slow(line, line + len, line + len + 1);  // fields beyond the first 64 bytes
      }
      start = at + 1;
    }
    p += start;
  }
  return p;
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
