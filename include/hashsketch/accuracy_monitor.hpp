#ifndef HASHSKETCH_ACCURACY_MONITOR_HPP
#define HASHSKETCH_ACCURACY_MONITOR_HPP

// accuracy_monitor: the spot-check loop BI teams run beside their sketches.
// On a sample of days or segments the exact distinct count is computed too;
// each (estimate, exact) pair is recorded with the sketch's stated relative
// standard error (RSE), and the monitor answers: how large are the errors,
// are they as large as the sketch says they should be, which checks exceed an
// alert threshold, and which precision would bring the error under a target.
//
//   hashsketch::accuracy_monitor mon;
//   mon.record(day_sketch.estimate(), exact_count, day_sketch.relative_standard_error(),
//              "mobile", 20261201);
//   const hashsketch::accuracy_report r = mon.report(0.01);   // target: 1 % RMS error
//   if (r.overall.error_model_violated) page_someone();
//   for (const auto& a : mon.alerts(0.05)) warn(a);            // checks off by > 5 %
//   dashboard.push(r.to_json());
//
// Definitions (docs/monitoring.md explains them at length):
//   relative error  ε = (estimate − exact) / exact          (0 when both are 0)
//   z               ε / RSE: the error in stated standard errors
//   outside         |z| > z₀.₉₇₅ = 1.95996…, i.e. the exact count lies outside
//                   the sketch's 95 % interval [e/(1 + z·RSE), e/(1 − z·RSE)]
//                   (basic_sketch::confidence_interval; its clamp to the
//                   non-empty registers never excludes the true count).
// If the sketch behaves as stated, z is ≈ N(0, 1) and about 5 % of checks are
// outside. The share outside comes with its Wilson score interval (Wilson
// 1927, "Probable inference, the law of succession, and statistical
// inference", JASA 22); `error_model_violated` is set when even that
// interval's lower end exceeds 5 % — more misses than chance allows at 95 %
// confidence. Fewer misses than 5 % (a sketch better than stated, as
// HyperLogLog is below ≈ 5·m distinct) is not a violation.
//
// Plain data in, plain data out: no I/O, no clock, no global state. Memory:
// one accuracy_record (~100 bytes + the label) per check; report() is O(N
// log L) for N checks over L labels. Thread-safety: none inside; one writer,
// or any number of readers of the const members while nobody writes.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/stats.hpp"
#include "hyperloglog.hpp"

namespace hashsketch {

/// One spot check, validated, with its derived figures.
struct accuracy_record {
  double estimate;                 ///< the sketch's estimate (distinct items)
  double exact;                    ///< the true distinct count
  double relative_standard_error;  ///< the stated RSE of the sketch (a fraction: 0.0081 at P = 14)
  std::string label;               ///< segment name, e.g. "mobile"; "" is a label too
  std::int64_t time;               ///< the caller's clock (Unix seconds, yyyymmdd, …); never interpreted
  double relative_error;           ///< (estimate − exact)/exact, a signed fraction; 0 when both are 0
  double z;                        ///< relative_error / relative_standard_error
};

/// Builds a record from one check. Throws std::invalid_argument with the
/// reason when estimate or exact is negative, NaN or infinite, when the RSE
/// is not a positive finite number, or when exact is 0 but the estimate is
/// not (the relative error is undefined; usually a mismatched pair).
inline accuracy_record check_accuracy(double estimate, double exact, double relative_standard_error,
                               std::string label = {}, std::int64_t time = 0);

/// A two-sided interval for a binomial proportion.
struct binomial_interval {
  double lower, upper;  ///< fractions in [0, 1]
};

/// The Wilson score interval for `successes` out of `trials` at `confidence`
/// (two-sided; 0 < confidence < 1): with p̂ = k/n and z the normal quantile,
///   (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n).
/// Chosen over Clopper–Pearson because it is closed form and its coverage is
/// close to nominal even for small n and p̂ near 0 (Brown, Cai, DasGupta 2001,
/// "Interval estimation for a binomial proportion", Statistical Science 16).
/// Zero trials give [0, 1]. Throws std::invalid_argument when successes >
/// trials or the confidence is outside (0, 1).
inline binomial_interval wilson_interval(std::size_t successes, std::size_t trials, double confidence = 0.95);

/// The figures of a set of checks (one label, or all of them).
struct accuracy_summary {
  std::string label;                 ///< "" for the overall summary (see accuracy_report)
  std::size_t checks = 0;            ///< number of records
  std::int64_t first_time = 0;       ///< smallest time among them (0 when none)
  std::int64_t last_time = 0;        ///< largest time among them
  double mean_relative_error = 0;    ///< mean signed ε: the bias (fraction)
  double mean_abs_relative_error = 0;
  double max_abs_relative_error = 0;
  double rms_relative_error = 0;     ///< √mean(ε²): the observed standard error
  double mean_relative_standard_error = 0;  ///< mean stated RSE
  double mean_abs_z = 0;             ///< ≈ 0.80 (√(2/π)) when calibrated
  double max_abs_z = 0;
  double rms_z = 0;                  ///< observed / stated error; ≈ 1 when calibrated
  std::size_t outside_95 = 0;        ///< checks with |z| > 1.95996 (exact outside the 95 % interval)
  double outside_share = 0;          ///< outside_95 / checks (0 when none); ≈ 0.05 when calibrated
  binomial_interval outside_share_interval{0.0, 1.0};  ///< its 95 % Wilson interval
  bool error_model_violated = false; ///< outside_share_interval.lower > 0.05
  /// The smallest precision P (m = 2^P) at which the observed RMS error,
  /// scaled as 1/√m, would be ≤ the report's target:
  ///   smallest P ≥ 4 with c·rms_z/√(2^P) ≤ target,
  /// c the error constant (RSE = c/√m; 1.04 for HyperLogLog). Each check's
  /// error is measured in its own stated RSE, so checks at different
  /// precisions combine. May exceed 16 (the library's largest P): then no
  /// single sketch reaches the target; see docs/monitoring.md.
  unsigned recommended_precision = 4;
  double projected_rms_relative_error = 0;  ///< c·rms_z/√(2^recommended_precision)
};

/// What report() returns.
struct accuracy_report {
  double target_relative_error = 0;  ///< the RMS relative error the precision advice aims at
  double error_constant = 0;         ///< c in RSE = c/√m used for the advice
  accuracy_summary overall;          ///< all checks together (label "")
  std::vector<accuracy_summary> labels;  ///< one per label, sorted by label

  /// One JSON object for dashboards: {"target_relative_error", "error_constant",
  /// "overall": {...}, "labels": [{...}, ...]}, each summary with the field
  /// names of accuracy_summary (the interval as "outside_share_lower"/"_upper").
  /// Numbers with 15 significant digits, '.' as decimal point whatever the
  /// locale; labels escaped as JSON strings.
  std::string to_json() const;
};

/// The accumulated checks. See the top of this header.
class accuracy_monitor {
 public:
  accuracy_monitor() = default;

  /// Validates one check (check_accuracy) and keeps it. Returns the stored
  /// record. Throws std::invalid_argument, keeping nothing, on bad input.
  const accuracy_record& record(double estimate, double exact, double relative_standard_error,
                                std::string label = {}, std::int64_t time = 0);

  /// Per-label and overall figures. `target_relative_error` (a fraction in
  /// (0, 1), default 1 %) is the RMS relative error the precision advice aims
  /// at — for "95 % of checks within ±t" pass t/1.96. `error_constant` is c in
  /// RSE = c/√m (default HyperLogLog's 1.04; LogLog: 1.30). SuperLogLog's
  /// error is not of that form (a bias that does not shrink with m), so the
  /// advice does not apply to it.
  /// O(N log L). Throws std::invalid_argument for a target outside (0, 1) or
  /// a non-positive constant.
  accuracy_report report(double target_relative_error = 0.01,
                         double error_constant = hll_family::relative_standard_error(1)) const;

  /// The records whose |relative error| exceeds `threshold` (a fraction:
  /// 0.05 = 5 %), in recording order. Typical rule: alerts(0.05) warn,
  /// alerts(0.10) critical. Throws std::invalid_argument for a negative or
  /// NaN threshold.
  std::vector<accuracy_record> alerts(double threshold) const;

  /// report(target_relative_error).to_json().
  std::string to_json(double target_relative_error = 0.01) const { return report(target_relative_error).to_json(); }

  const std::vector<accuracy_record>& records() const noexcept { return records_; }
  std::size_t size() const noexcept { return records_.size(); }
  bool empty() const noexcept { return records_.empty(); }
  void clear() noexcept { records_.clear(); }

 private:
  std::vector<accuracy_record> records_;
};

// ---------------------------------------------------------------------------
// Implementation.

namespace detail {

/// Running sums of one group of checks.
struct accuracy_sums {
  std::size_t n = 0;
  std::int64_t first_time = 0, last_time = 0;
  double sum_rel = 0, sum_abs_rel = 0, max_abs_rel = 0, sum_rel2 = 0, sum_rse = 0;
  double sum_abs_z = 0, max_abs_z = 0, sum_z2 = 0;
  std::size_t outside = 0;

  void add(const accuracy_record& r, double z95) {
    if (n == 0 || r.time < first_time) first_time = r.time;
    if (n == 0 || r.time > last_time) last_time = r.time;
    ++n;
    const double a = std::fabs(r.relative_error);
    const double az = std::fabs(r.z);
    sum_rel += r.relative_error;
    sum_abs_rel += a;
    max_abs_rel = std::max(max_abs_rel, a);
    sum_rel2 += r.relative_error * r.relative_error;
    sum_rse += r.relative_standard_error;
    sum_abs_z += az;
    max_abs_z = std::max(max_abs_z, az);
    sum_z2 += r.z * r.z;
    if (az > z95) ++outside;
  }

  accuracy_summary finish(std::string label, double target, double c) const {
    accuracy_summary s;
    s.label = std::move(label);
    s.checks = n;
    s.first_time = first_time;
    s.last_time = last_time;
    s.outside_95 = outside;
    s.outside_share_interval = wilson_interval(outside, n, 0.95);
    if (n > 0) {
      const double dn = static_cast<double>(n);
      s.mean_relative_error = sum_rel / dn;
      s.mean_abs_relative_error = sum_abs_rel / dn;
      s.max_abs_relative_error = max_abs_rel;
      s.rms_relative_error = std::sqrt(sum_rel2 / dn);
      s.mean_relative_standard_error = sum_rse / dn;
      s.mean_abs_z = sum_abs_z / dn;
      s.max_abs_z = max_abs_z;
      s.rms_z = std::sqrt(sum_z2 / dn);
      s.outside_share = static_cast<double>(outside) / dn;
    }
    // "As stated" means 5 % of checks outside the 95 % interval.
    s.error_model_violated = s.outside_share_interval.lower > 0.05;
    // Smallest P with c·rms_z/√(2^P) ≤ target. A loop instead of ceil(log2)
    // so that an exact power of two is not pushed up by rounding; P stops at
    // 62 (m = 2^62 is far beyond any sketch; the caller sees "> 16").
    unsigned p = 4;
    const double slack = 1.0 + 1e-12;
    while (p < 62 && c * s.rms_z / std::sqrt(std::ldexp(1.0, static_cast<int>(p))) > target * slack) ++p;
    s.recommended_precision = p;
    s.projected_rms_relative_error = c * s.rms_z / std::sqrt(std::ldexp(1.0, static_cast<int>(p)));
    return s;
  }
};

/// A finite double as a JSON number (15 significant digits), null otherwise.
/// snprintf follows LC_NUMERIC, so a ',' decimal point is turned back into '.'.
inline std::string accuracy_json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  for (char* p = buf; *p; ++p)
    if (*p == ',') *p = '.';
  return buf;
}

inline std::string accuracy_json_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

inline std::string accuracy_summary_json(const accuracy_summary& s) {
  const auto num = accuracy_json_number;
  std::string o = "{\"label\": " + accuracy_json_string(s.label);
  o += ", \"checks\": " + std::to_string(s.checks);
  o += ", \"first_time\": " + std::to_string(s.first_time);
  o += ", \"last_time\": " + std::to_string(s.last_time);
  o += ", \"mean_relative_error\": " + num(s.mean_relative_error);
  o += ", \"mean_abs_relative_error\": " + num(s.mean_abs_relative_error);
  o += ", \"max_abs_relative_error\": " + num(s.max_abs_relative_error);
  o += ", \"rms_relative_error\": " + num(s.rms_relative_error);
  o += ", \"mean_relative_standard_error\": " + num(s.mean_relative_standard_error);
  o += ", \"mean_abs_z\": " + num(s.mean_abs_z);
  o += ", \"max_abs_z\": " + num(s.max_abs_z);
  o += ", \"rms_z\": " + num(s.rms_z);
  o += ", \"outside_95\": " + std::to_string(s.outside_95);
  o += ", \"outside_share\": " + num(s.outside_share);
  o += ", \"outside_share_lower\": " + num(s.outside_share_interval.lower);
  o += ", \"outside_share_upper\": " + num(s.outside_share_interval.upper);
  o += std::string(", \"error_model_violated\": ") + (s.error_model_violated ? "true" : "false");
  o += ", \"recommended_precision\": " + std::to_string(s.recommended_precision);
  o += ", \"projected_rms_relative_error\": " + num(s.projected_rms_relative_error);
  return o + "}";
}

}  // namespace detail

inline accuracy_record check_accuracy(double estimate, double exact, double relative_standard_error, std::string label,
                                      std::int64_t time) {
  // !(x >= 0) also catches NaN.
  if (!(estimate >= 0.0) || !std::isfinite(estimate))
    throw std::invalid_argument("hashsketch accuracy_monitor: estimate must be a finite number >= 0, got " +
                                std::to_string(estimate));
  if (!(exact >= 0.0) || !std::isfinite(exact))
    throw std::invalid_argument("hashsketch accuracy_monitor: exact count must be a finite number >= 0, got " +
                                std::to_string(exact));
  if (!(relative_standard_error > 0.0) || !std::isfinite(relative_standard_error))
    throw std::invalid_argument(
        "hashsketch accuracy_monitor: relative standard error must be a finite number > 0, got " +
        std::to_string(relative_standard_error));
  if (exact == 0.0 && estimate != 0.0)
    throw std::invalid_argument("hashsketch accuracy_monitor: exact count is 0 but the estimate is " +
                                std::to_string(estimate) +
                                " (relative error undefined; is the pair mismatched?)");
  const double rel = exact == 0.0 ? 0.0 : (estimate - exact) / exact;
  return accuracy_record{estimate, exact, relative_standard_error, std::move(label), time, rel,
                         rel / relative_standard_error};
}

inline binomial_interval wilson_interval(std::size_t successes, std::size_t trials, double confidence) {
  if (successes > trials)
    throw std::invalid_argument("hashsketch wilson_interval: successes (" + std::to_string(successes) +
                                ") exceed trials (" + std::to_string(trials) + ")");
  if (!(confidence > 0.0 && confidence < 1.0))
    throw std::invalid_argument("hashsketch wilson_interval: confidence must be in (0, 1)");
  if (trials == 0) return {0.0, 1.0};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z = detail::normal_quantile_two_sided(confidence);
  const double z2 = z * z;
  const double denom = 1.0 + z2 / n;
  const double center = (p + z2 / (2.0 * n)) / denom;
  const double half = z / denom * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
  // The exact ends are 0 at k = 0 and 1 at k = n; clamp away rounding.
  const double lower = successes == 0 ? 0.0 : std::max(0.0, center - half);
  const double upper = successes == trials ? 1.0 : std::min(1.0, center + half);
  return {lower, upper};
}

inline const accuracy_record& accuracy_monitor::record(double estimate, double exact, double relative_standard_error,
                                                       std::string label, std::int64_t time) {
  records_.push_back(check_accuracy(estimate, exact, relative_standard_error, std::move(label), time));
  return records_.back();
}

inline accuracy_report accuracy_monitor::report(double target_relative_error, double error_constant) const {
  if (!(target_relative_error > 0.0 && target_relative_error < 1.0))
    throw std::invalid_argument("hashsketch accuracy_monitor: target relative error must be in (0, 1), got " +
                                std::to_string(target_relative_error));
  if (!(error_constant > 0.0) || !std::isfinite(error_constant))
    throw std::invalid_argument("hashsketch accuracy_monitor: error constant must be a finite number > 0");
  const double z95 = detail::normal_quantile_two_sided(0.95);
  detail::accuracy_sums all;
  std::map<std::string, detail::accuracy_sums> by_label;
  for (const accuracy_record& r : records_) {
    all.add(r, z95);
    by_label[r.label].add(r, z95);
  }
  accuracy_report out;
  out.target_relative_error = target_relative_error;
  out.error_constant = error_constant;
  out.overall = all.finish("", target_relative_error, error_constant);
  out.labels.reserve(by_label.size());
  for (const auto& kv : by_label) out.labels.push_back(kv.second.finish(kv.first, target_relative_error, error_constant));
  return out;
}

inline std::vector<accuracy_record> accuracy_monitor::alerts(double threshold) const {
  if (!(threshold >= 0.0))
    throw std::invalid_argument("hashsketch accuracy_monitor: alert threshold must be a number >= 0, got " +
                                std::to_string(threshold));
  std::vector<accuracy_record> out;
  for (const accuracy_record& r : records_)
    if (std::fabs(r.relative_error) > threshold) out.push_back(r);
  return out;
}

inline std::string accuracy_report::to_json() const {
  std::string o = "{\"target_relative_error\": " + detail::accuracy_json_number(target_relative_error);
  o += ", \"error_constant\": " + detail::accuracy_json_number(error_constant);
  o += ", \"overall\": " + detail::accuracy_summary_json(overall);
  o += ", \"labels\": [";
  for (std::size_t i = 0; i < labels.size(); ++i) o += (i ? ", " : "") + detail::accuracy_summary_json(labels[i]);
  return o + "]}";
}

}  // namespace hashsketch

#endif  // HASHSKETCH_ACCURACY_MONITOR_HPP
