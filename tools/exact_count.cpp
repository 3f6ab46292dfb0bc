// The exact distinct count of `count --exact` and its comparison with the
// estimate (tools/exact_count.hpp explains the memory and collision bounds).
#include "exact_count.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <hashsketch/accuracy_monitor.hpp>

namespace hashsketch_cli {

namespace {

constexpr std::uint64_t initial_slots = std::uint64_t{1} << 16;  // 512 KiB

// Slots needed so that `keys` hashes leave the table at most 3/4 full.
std::uint64_t slots_for(std::uint64_t keys) {
  std::uint64_t s = initial_slots;
  while (s / 4 * 3 < keys) s *= 2;
  return s;
}

unsigned log2_exact(std::uint64_t pow2) {
  unsigned k = 0;
  while ((std::uint64_t{1} << k) < pow2) ++k;
  return k;
}

// "1.0 GiB", "2.0 MiB" (binary units: the table is a power of two of 8-byte slots).
std::string binary_size(std::uint64_t bytes) {
  char buf[32];
  const double mib = static_cast<double>(bytes) / (1024.0 * 1024.0);
  if (mib < 1024.0)
    std::snprintf(buf, sizeof buf, "%.1f MiB", mib);
  else
    std::snprintf(buf, sizeof buf, "%.1f GiB", mib / 1024.0);
  return buf;
}

}  // namespace

exact_distinct_counter::exact_distinct_counter(std::uint64_t limit) : limit_(limit) {
  if (limit < 1 || limit > max_exact_limit)
    throw usage_error("exact limit " + std::to_string(limit) + " must be in 1.." + std::to_string(max_exact_limit));
  max_slots_ = slots_for(limit);
  slots_.assign(initial_slots, 0);
  shift_ = 64u - log2_exact(initial_slots);
}

void exact_distinct_counter::add(const std::uint64_t* hashes, std::size_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Past a few MiB every probe is a cache miss (~100 ns); asking for the slot
  // of the key `ahead` places further keeps several misses in flight. Only a
  // hint: a growth in between makes it fetch a useless line, nothing worse.
  constexpr std::size_t ahead = 8;
  for (std::size_t i = 0; i < n; ++i) {
#if defined(__GNUC__)
    if (i + ahead < n) __builtin_prefetch(slots_.data() + (hashes[i + ahead] >> shift_));
#endif
    insert(hashes[i]);
  }
}

std::uint64_t exact_distinct_counter::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return size_;
}

void exact_distinct_counter::insert(std::uint64_t h) {
  if (h == 0) {  // 0 marks an empty slot, so the hash 0 is kept aside
    if (has_zero_) return;
  } else {
    const std::uint64_t mask = slots_.size() - 1u;
    std::uint64_t i = h >> shift_;
    // Linear probing; the hash bits are uniform, so clusters stay short at
    // load ≤ 3/4 (≈ 8.5 probes for a miss, Knuth TAOCP 6.4).
    while (slots_[i] != 0) {
      if (slots_[i] == h) return;
      i = (i + 1u) & mask;
    }
  }
  // A new distinct key.
  if (size_ == limit_)
    throw runtime_failure("more than " + std::to_string(limit_) + " distinct keys: --exact stops at --exact-limit " +
                          std::to_string(limit_) + " (its table may take up to " + binary_size(max_table_bytes()) +
                          "); raise --exact-limit (at most " + std::to_string(max_exact_limit) +
                          ") or count without --exact");
  ++size_;
  if (h == 0) {
    has_zero_ = true;
    return;
  }
  if (size_ * 4 > slots_.size() * 3) grow();
  const std::uint64_t mask = slots_.size() - 1u;
  std::uint64_t i = h >> shift_;
  while (slots_[i] != 0) i = (i + 1u) & mask;
  slots_[i] = h;
}

void exact_distinct_counter::grow() {
  // Never beyond max_slots_: slots_for(limit) keeps `limit` keys ≤ 3/4 full,
  // and the limit is checked before the count that would need more.
  std::vector<std::uint64_t> bigger(slots_.size() * 2, 0);
  const unsigned shift = shift_ - 1u;
  const std::uint64_t mask = bigger.size() - 1u;
  for (const std::uint64_t h : slots_) {
    if (h == 0) continue;
    std::uint64_t i = h >> shift;
    while (bigger[i] != 0) i = (i + 1u) & mask;
    bigger[i] = h;
  }
  slots_.swap(bigger);
  shift_ = shift;
}

exact_check compare_exact(const hashsketch::interval& ci, double relative_standard_error, std::uint64_t exact) {
  const double n = static_cast<double>(exact);
  const hashsketch::accuracy_record r = hashsketch::check_accuracy(ci.estimate, n, relative_standard_error);
  return exact_check{exact, r.relative_error, r.z, ci.lower <= n && n <= ci.upper};
}

std::string exact_json_fields(const exact_check& c) {
  char buf[160];
  std::snprintf(buf, sizeof buf, ", \"exact\": %llu, \"error\": %.6g, \"error_sigma\": %.4g, \"within_interval\": %s",
                static_cast<unsigned long long>(c.exact), c.error, c.error_sigma, c.within_interval ? "true" : "false");
  return buf;
}

std::string exact_text(const exact_check& c) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "; exact %llu: error %+.2f%% (%+.2f sigma), %s the interval",
                static_cast<unsigned long long>(c.exact), 100.0 * c.error, c.error_sigma,
                c.within_interval ? "inside" : "OUTSIDE");
  return buf;
}

std::uint64_t parse_exact_limit(const parsed_option& o) {
  // Whole numbers, written out or in e-notation (1e8); strtod is exact for
  // every integer up to 2^53, so the range check below is exact too.
  const std::string& t = o.value;
  char* end = nullptr;
  errno = 0;
  // Decimal digits and e-notation only (strtod alone would also take hex).
  const bool plain = !t.empty() && t[0] >= '0' && t[0] <= '9' &&
                     t.find_first_not_of("0123456789.eE+") == std::string::npos;
  const double v = plain ? std::strtod(t.c_str(), &end) : -1.0;
  if (end == nullptr || *end != '\0' || errno == ERANGE || !(v >= 1.0) ||
      v > static_cast<double>(max_exact_limit) || v != std::floor(v))
    throw usage_error("exact limit '" + t + "' (" + o.spelling + ") must be a whole number of distinct keys in 1.." +
                      std::to_string(max_exact_limit) + ", e.g. 100000000 or 1e8");
  return static_cast<std::uint64_t>(v);
}

double parse_alert_sigma(const parsed_option& o) {
  const std::string& t = o.value;
  char* end = nullptr;
  const double v = t.empty() || std::isspace(static_cast<unsigned char>(t[0])) ? -1.0 : std::strtod(t.c_str(), &end);
  if (end == nullptr || *end != '\0' || !(v > 0.0) || !std::isfinite(v))
    throw usage_error("alert sigma '" + t + "' (" + o.spelling +
                      ") must be a positive number of standard errors, e.g. 3");
  return v;
}

}  // namespace hashsketch_cli
