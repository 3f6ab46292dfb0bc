// Input files and the progress meter of the streaming scanner.
#include "scanner.hpp"

#include <cerrno>
#include <chrono>
#include <algorithm>
#include <cstdio>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hashsketch/detail/arch.hpp>
#include <hashsketch/detail/kernel_table.hpp>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#if defined(__SSE2__) || defined(_M_X64)
#define HASHSKETCH_CLI_SCAN_SSE2 1
#include <emmintrin.h>
#endif
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define HASHSKETCH_CLI_SCAN_AVX2 1
#include <immintrin.h>
#endif
#endif

namespace hashsketch_cli {

// --- the block scanner's first stage (scanner.hpp: scan_slab) ---------------

namespace {

// Every implementation below gives the same `delimiters` bits for the bytes
// of the data (and readable garbage past it) and the same `newlines` list:
// tests/tools_test.cpp runs the CLI under each (HASHSKETCH_FORCE_ISA) and
// compares with a reference splitter.

// Portable: the bytes of a little-endian 8-byte word equal to c, as bits 0..7.
inline unsigned equal_bytes8(std::uint64_t word, std::uint64_t pattern) noexcept {
  constexpr std::uint64_t low7 = 0x7F7F7F7F7F7F7F7Full;
  const std::uint64_t x = word ^ pattern;  // zero bytes where equal
  // High bit of each byte set iff the byte is nonzero; exact per byte (no
  // carry crosses a byte: each byte's low 7 bits + 0x7F stay below 0x100).
  const std::uint64_t nonzero = ((x & low7) + low7) | x;
  const std::uint64_t equal = ~nonzero & ~low7;  // 0x80 in each equal byte
  // Gather bit 8i+7 into bit i (the products land on distinct bits, no carries).
  return static_cast<unsigned>(((equal >> 7) * 0x0102040810204080ull) >> 56);
}

inline std::uint64_t load_le64(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap64(w);
#endif
  return w;
}

std::size_t slab_portable(const char* p, std::size_t available, char delimiter, scan_slab& out) {
  const std::uint64_t nl_pattern = 0x0101010101010101ull * static_cast<unsigned char>('\n');
  const std::uint64_t d_pattern = 0x0101010101010101ull * static_cast<unsigned char>(delimiter);
  const std::size_t blocks = (available + 63) / 64;
  std::size_t count = 0;
  for (std::size_t b = 0; b <= blocks; ++b) {
    const char* q = p + 64 * b;
    std::uint64_t d = 0, n = 0;
    for (unsigned w = 0; w < 8; ++w) {
      const std::uint64_t word = load_le64(q + 8 * w);
      d |= std::uint64_t{equal_bytes8(word, d_pattern)} << (8 * w);
      if (b < blocks) n |= std::uint64_t{equal_bytes8(word, nl_pattern)} << (8 * w);
    }
    out.delimiters[b] = d;
    if (b < blocks) {
      n &= low_bits(available - 64 * b);
      for (; n; n &= n - 1u) out.newlines[count++] = static_cast<std::uint16_t>(64 * b + lowest_bit(n));
    }
  }
  return count;
}

#if defined(HASHSKETCH_CLI_SCAN_SSE2)
inline std::uint64_t sse2_mask64(const char* p, __m128i c) noexcept {
  std::uint64_t m = 0;
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    m |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, c)))) << (16 * k);
  }
  return m;
}

std::size_t slab_sse2(const char* p, std::size_t available, char delimiter, scan_slab& out) {
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i delim = _mm_set1_epi8(delimiter);
  const std::size_t blocks = (available + 63) / 64;
  std::size_t count = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    const char* q = p + 64 * b;
    out.delimiters[b] = sse2_mask64(q, delim);
    std::uint64_t n = sse2_mask64(q, newline) & low_bits(available - 64 * b);
    for (; n; n &= n - 1u) out.newlines[count++] = static_cast<std::uint16_t>(64 * b + lowest_bit(n));
  }
  out.delimiters[blocks] = sse2_mask64(p + 64 * blocks, delim);
  return count;
}
#endif

#if defined(HASHSKETCH_CLI_SCAN_AVX2)
HASHSKETCH_TARGET("avx2,bmi,bmi2,popcnt")
inline std::uint64_t avx2_mask64(const char* p, __m256i c) noexcept {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  const std::uint32_t ml = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, c)));
  const std::uint32_t mh = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, c)));
  return (std::uint64_t{mh} << 32) | ml;
}

HASHSKETCH_TARGET("avx2,bmi,bmi2,popcnt")
std::size_t slab_avx2(const char* p, std::size_t available, char delimiter, scan_slab& out) {
  const __m256i newline = _mm256_set1_epi8('\n');
  const __m256i delim = _mm256_set1_epi8(delimiter);
  const std::size_t blocks = (available + 63) / 64;
  std::size_t count = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    const char* q = p + 64 * b;
    out.delimiters[b] = avx2_mask64(q, delim);
    std::uint64_t n = avx2_mask64(q, newline) & _bzhi_u64(~std::uint64_t{0}, static_cast<unsigned>(
                                                                              std::min<std::size_t>(available - 64 * b, 64)));
    // A log line is ~60 bytes: about one newline per block. Two offsets are
    // written unconditionally (slack in `newlines`; garbage past the count is
    // never read), so the loop's exit is taken only for the rare blocks with
    // more, instead of mispredicting about once per block.
    const unsigned found = static_cast<unsigned>(_mm_popcnt_u64(n));
    const std::uint16_t base = static_cast<std::uint16_t>(64 * b);
    out.newlines[count] = static_cast<std::uint16_t>(base + _tzcnt_u64(n));
    n = _blsr_u64(n);
    out.newlines[count + 1] = static_cast<std::uint16_t>(base + _tzcnt_u64(n));
    n = _blsr_u64(n);
    for (std::size_t i = count + 2; n; ++i) {
      out.newlines[i] = static_cast<std::uint16_t>(base + _tzcnt_u64(n));
      n = _blsr_u64(n);
    }
    count += found;
  }
  out.delimiters[blocks] = avx2_mask64(p + 64 * blocks, delim);
  return count;
}

bool cpu_has_avx2_set() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
         __builtin_cpu_supports("popcnt");
}
#endif

struct scanner_choice {
  slab_scanner_fn fn;
  const char* name;
};

scanner_choice choose_scanner() {
  const std::string isa = hashsketch::active_isa();
#if defined(HASHSKETCH_CLI_SCAN_AVX2)
  if ((isa == "avx2" || isa == "avx512") && cpu_has_avx2_set()) return {slab_avx2, "avx2"};
#endif
#if defined(HASHSKETCH_CLI_SCAN_SSE2)
  if (isa != "scalar") return {slab_sse2, "sse2"};
#endif
  return {slab_portable, "portable"};
}

const scanner_choice& chosen_scanner() {
  static const scanner_choice c = choose_scanner();
  return c;
}

}  // namespace

slab_scanner_fn slab_scanner() { return chosen_scanner().fn; }
const char* slab_scanner_name() { return chosen_scanner().name; }

slab_scanner_fn slab_scanner_named(const char* name) {
  const std::string n = name;
  if (n == "portable") return slab_portable;
#if defined(HASHSKETCH_CLI_SCAN_SSE2)
  if (n == "sse2") return slab_sse2;
#endif
#if defined(HASHSKETCH_CLI_SCAN_AVX2)
  if (n == "avx2" && cpu_has_avx2_set()) return slab_avx2;
#endif
  return nullptr;
}

input_file::input_file(const std::string& path) : fd_(0), owned_(path != "-"), name_(path) {
  if (!owned_) {
    name_ = "standard input";
    return;
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw runtime_failure(errno_message("open", path, errno));
#ifdef POSIX_FADV_SEQUENTIAL
  // Tell the kernel to read ahead aggressively; a hint, so errors are ignored.
  (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
}

input_file::~input_file() {
  if (owned_) ::close(fd_);
}

std::size_t input_file::read(char* buffer, std::size_t capacity) {
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, capacity);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) throw runtime_failure(errno_message("read", name_, errno));
  }
}

bool all_regular_files(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    struct stat st;
    if (p == "-" || ::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  }
  return true;
}

namespace {

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// "1.2 GB", "850 MB", "12 kB" (decimal units, like dd and curl).
std::string human_bytes(double b) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000.0 && u < 4) {
    b /= 1000.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, b < 10 && u > 0 ? "%.1f %s" : "%.0f %s", b, units[u]);
  return buf;
}

}  // namespace

progress_meter::progress_meter(const std::vector<std::string>& paths, bool quiet) {
  if (quiet || !::isatty(2) || paths.empty()) return;
  for (const std::string& p : paths) {
    struct stat st;
    if (p == "-" || ::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;  // size unknown: no meter
    total_ += static_cast<std::uint64_t>(st.st_size);
  }
  enabled_ = true;
  start_ = last_ = now_seconds();
}

progress_meter::~progress_meter() {
  if (drawn_) std::fputs("\r\033[K", stderr);
}

void progress_meter::draw(std::uint64_t done, bool force) {
  const double t = now_seconds();
  if (!force && (t - last_ < 0.2 || t - start_ < 0.5)) return;  // short runs draw nothing
  last_ = t;
  const double elapsed = t - start_;
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double pct = total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0;
  const double eta = rate > 0 && total_ > done ? static_cast<double>(total_ - done) / rate : 0.0;
  std::fprintf(stderr, "\r\033[Khashsketch: %s of %s (%.0f%%), %s/s, ETA %.0f s", human_bytes(static_cast<double>(done)).c_str(),
               human_bytes(static_cast<double>(total_)).c_str(), pct, human_bytes(rate).c_str(), eta);
  std::fflush(stderr);
  drawn_ = true;
}

void progress_meter::finish() {
  if (drawn_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace hashsketch_cli
