#ifndef HASHSKETCH_TOOLS_EXACT_COUNT_HPP
#define HASHSKETCH_TOOLS_EXACT_COUNT_HPP

// `hashsketch count --exact`: the exact number of distinct keys, counted in
// the same pass as the sketch, and its comparison with the estimate.
//
// What is counted: the distinct 64-bit key hashes (XXH3-64, the hash the
// sketch itself gets), kept in an open-addressing table. Two different keys
// with the same hash would count once. For n distinct keys the expected number
// of colliding pairs is n(n−1)/2^65 (birthday bound): 2.7·10⁻⁴ at the default
// limit of 10^8 keys, 0.5 at the largest allowed limit 2^32 — against a
// standard error of the sketch of at least 0.41 % · n (P = 16), i.e. 4·10⁵
// keys at 10^8. 64 bits therefore cannot bias the count at any size allowed,
// and a 128-bit hash would only double the memory. Because the table holds
// the sketch's own hashes, every non-empty register is backed by a counted
// key: the exact count is never below the interval's clamped lower end.
//
// Memory: a power-of-two table of 8-byte slots kept at most 3/4 full, so
// 10.7..21.3 bytes per distinct key, and 1.5× that while the table doubles;
// the table never grows past the size needed for --exact-limit keys (1 GiB
// for the default 10^8). The limit is checked before any growth: past it the
// count stops with a runtime_failure (exit status 1), it never swaps.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <hashsketch/basic_sketch.hpp>

#include "cli.hpp"

namespace hashsketch_cli {

/// Exit status of `count --exact --alert-sigma S` when the exact count lies
/// outside the estimate's S-sigma band (a cron job's "page me").
constexpr int exit_accuracy_alert = 3;

/// Default and largest --exact-limit (distinct keys).
constexpr std::uint64_t default_exact_limit = 100000000;  // 10^8: ≤ 1 GiB of table
constexpr std::uint64_t max_exact_limit = std::uint64_t{1} << 32;  // ≤ 64 GiB; collisions ≤ 0.5 expected

/// The set of distinct hashes. add() is thread-safe (one mutex, taken once
/// per batch), so the parallel scan's workers share one table and memory
/// stays one table, whatever -j is.
class exact_distinct_counter {
 public:
  /// Throws usage_error unless 1 ≤ limit ≤ max_exact_limit.
  explicit exact_distinct_counter(std::uint64_t limit = default_exact_limit);

  /// Adds n hashes. Throws runtime_failure once more than `limit` distinct
  /// hashes have been seen.
  void add(const std::uint64_t* hashes, std::size_t n);
  /// Distinct hashes so far.
  std::uint64_t count() const;
  std::uint64_t limit() const noexcept { return limit_; }
  /// Bytes of the table at its largest allowed size.
  std::uint64_t max_table_bytes() const noexcept { return max_slots_ * 8u; }

 private:
  void insert(std::uint64_t h);
  void grow();

  mutable std::mutex mutex_;
  std::vector<std::uint64_t> slots_;  // 0 = empty; the hash 0 is kept in has_zero_
  unsigned shift_;                    // slot of h = h >> shift_ (top bits)
  std::uint64_t size_ = 0;            // distinct hashes in slots_ (and has_zero_)
  bool has_zero_ = false;
  std::uint64_t limit_;
  std::uint64_t max_slots_;
};

/// The exact count beside the estimate, as printed.
struct exact_check {
  std::uint64_t exact;
  double error;         ///< (estimate − exact)/exact, a signed fraction (0 when both 0)
  double error_sigma;   ///< error / relative standard error
  bool within_interval; ///< lower ≤ exact ≤ upper of the printed interval
};

/// Through hashsketch::check_accuracy (the same definitions as accuracy_monitor).
exact_check compare_exact(const hashsketch::interval& ci, double relative_standard_error, std::uint64_t exact);

/// `, "exact": N, "error": E, "error_sigma": Z, "within_interval": B` for the JSON report.
std::string exact_json_fields(const exact_check& c);
/// `; exact N: error +0.52% (+0.64 sigma), inside the interval` for the text report.
std::string exact_text(const exact_check& c);

/// Value parsers: throw usage_error naming the option.
std::uint64_t parse_exact_limit(const parsed_option& o);  // 1..2^32; "1e8" and "100000000" both accepted
double parse_alert_sigma(const parsed_option& o);         // finite, > 0

}  // namespace hashsketch_cli

#endif  // HASHSKETCH_TOOLS_EXACT_COUNT_HPP
