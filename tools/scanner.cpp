// Input files and the progress meter of the streaming scanner.
#include "scanner.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hashsketch_cli {

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
