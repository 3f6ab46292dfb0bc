// accuracy_monitor: report figures against values computed by hand on fixed
// inputs, the Wilson interval against published values, the coverage
// statistic of seeded simulated sketches (calibrated, and deliberately
// mis-stated), alerts, JSON output and the rejection of bad input.
#include <hashsketch/accuracy_monitor.hpp>
#include <hashsketch/hashsketch.hpp>
#include <hashsketch/hyperloglog.hpp>

#include <clocale>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/splitmix64.hpp"

namespace {

using hashsketch::accuracy_monitor;
using hashsketch::accuracy_report;
using hashsketch::accuracy_summary;

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

template <class F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no std::invalid_argument thrown)";
}

// The fixed inputs of the hand computation:
//   a: e = 110, n = 100, rse 0.05 → ε = +0.10, z = +2   (outside: |z| > 1.96)
//   a: e =  95, n = 100, rse 0.05 → ε = −0.05, z = −1
//   a: e =   0, n =   0, rse 0.05 → ε =  0,    z =  0   (empty segment)
//   b: e = 1020, n = 1000, rse 0.01 → ε = +0.02, z = +2 (outside)
accuracy_monitor fixed_monitor() {
  accuracy_monitor m;
  m.record(110, 100, 0.05, "a", 20261101);
  m.record(95, 100, 0.05, "a", 20261103);
  m.record(0, 0, 0.05, "a", 20261102);
  m.record(1020, 1000, 0.01, "b", 20261105);
  return m;
}

}  // namespace

TEST_CASE("check_accuracy computes the relative error and z", "[accuracy_monitor]") {
  const auto r = hashsketch::check_accuracy(110, 100, 0.05, "x", 7);
  CHECK(r.relative_error == Approx(0.10).epsilon(1e-12));
  CHECK(r.z == Approx(2.0).epsilon(1e-12));
  CHECK(r.label == "x");
  CHECK(r.time == 7);
  const auto low = hashsketch::check_accuracy(90, 100, 0.05);
  CHECK(low.relative_error == Approx(-0.10).epsilon(1e-12));
  CHECK(low.z == Approx(-2.0).epsilon(1e-12));
  const auto empty = hashsketch::check_accuracy(0, 0, 0.01);
  CHECK(empty.relative_error == 0.0);
  CHECK(empty.z == 0.0);
}

TEST_CASE("report figures equal the hand-computed values", "[accuracy_monitor]") {
  const accuracy_monitor m = fixed_monitor();
  const accuracy_report r = m.report(0.01);
  CHECK(r.target_relative_error == 0.01);
  CHECK(r.error_constant == Approx(1.04).epsilon(1e-12));
  REQUIRE(r.labels.size() == 2);

  const accuracy_summary& a = r.labels[0];
  CHECK(a.label == "a");
  CHECK(a.checks == 3);
  CHECK(a.first_time == 20261101);
  CHECK(a.last_time == 20261103);
  CHECK(a.mean_relative_error == Approx((0.10 - 0.05 + 0.0) / 3).epsilon(1e-12));    // 0.016667
  CHECK(a.mean_abs_relative_error == Approx((0.10 + 0.05) / 3).epsilon(1e-12));      // 0.05
  CHECK(a.max_abs_relative_error == Approx(0.10).epsilon(1e-12));
  CHECK(a.rms_relative_error == Approx(std::sqrt((0.01 + 0.0025) / 3)).epsilon(1e-12));  // 0.064550
  CHECK(a.mean_relative_standard_error == Approx(0.05).epsilon(1e-12));
  CHECK(a.mean_abs_z == Approx(1.0).epsilon(1e-12));
  CHECK(a.max_abs_z == Approx(2.0).epsilon(1e-12));
  CHECK(a.rms_z == Approx(std::sqrt(5.0 / 3)).epsilon(1e-12));  // 1.290994
  CHECK(a.outside_95 == 1);
  CHECK(a.outside_share == Approx(1.0 / 3).epsilon(1e-12));
  // Wilson 95 % for 1 of 3, by hand (z = 1.959964, z² = 3.841459):
  //   centre = (1/3 + z²/6) / (1 + z²/3) = 0.973577 / 2.280486 = 0.426915
  //   half   = z/(1 + z²/3) · √((1/3)(2/3)/3 + z²/36) = 0.859450 · 0.425183 = 0.365424
  // → [0.0615, 0.7923], the value in published tables.
  CHECK(a.outside_share_interval.lower == Approx(0.061492).epsilon(1e-4));
  CHECK(a.outside_share_interval.upper == Approx(0.792339).epsilon(1e-4));
  // One miss in three checks is more than chance allows a 5 % model even at
  // the interval's lower end (0.0615 > 0.05): flagged.
  CHECK(a.error_model_violated);
  // One miss in five is not (Wilson 1 of 5: [0.0362, 0.6245]).
  accuracy_monitor five;
  five.record(110, 100, 0.05);
  for (int i = 0; i < 4; ++i) five.record(100, 100, 0.05);
  CHECK(five.report().overall.outside_share_interval.lower == Approx(0.036224).epsilon(1e-4));
  CHECK_FALSE(five.report().overall.error_model_violated);
  // Precision for a 1 % RMS error: 2^P ≥ (1.04 · 1.290994 / 0.01)² = 18026 → P = 15.
  CHECK(a.recommended_precision == 15);
  CHECK(a.projected_rms_relative_error == Approx(1.04 * std::sqrt(5.0 / 3) / std::sqrt(32768.0)).epsilon(1e-12));

  const accuracy_summary& b = r.labels[1];
  CHECK(b.label == "b");
  CHECK(b.checks == 1);
  CHECK(b.mean_relative_error == Approx(0.02).epsilon(1e-12));
  CHECK(b.rms_z == Approx(2.0).epsilon(1e-12));
  CHECK(b.outside_95 == 1);
  CHECK(b.outside_share == 1.0);
  // Wilson 95 % for 1 of 1: [1/(1 + z²), 1] = [0.206549, 1].
  CHECK(b.outside_share_interval.lower == Approx(1.0 / (1.0 + 1.959963985 * 1.959963985)).epsilon(1e-8));
  CHECK(b.outside_share_interval.upper == 1.0);
  CHECK(b.error_model_violated);  // one check, and it missed: 0.2065 > 0.05
  // (1.04 · 2 / 0.01)² = 43264 → P = 16 (65536).
  CHECK(b.recommended_precision == 16);

  const accuracy_summary& o = r.overall;
  CHECK(o.label.empty());
  CHECK(o.checks == 4);
  CHECK(o.first_time == 20261101);
  CHECK(o.last_time == 20261105);
  CHECK(o.mean_relative_error == Approx(0.07 / 4).epsilon(1e-12));
  CHECK(o.mean_abs_relative_error == Approx(0.17 / 4).epsilon(1e-12));
  CHECK(o.max_abs_relative_error == Approx(0.10).epsilon(1e-12));
  CHECK(o.mean_relative_standard_error == Approx(0.16 / 4).epsilon(1e-12));
  CHECK(o.mean_abs_z == Approx(1.25).epsilon(1e-12));
  CHECK(o.max_abs_z == Approx(2.0).epsilon(1e-12));
  CHECK(o.rms_z == Approx(1.5).epsilon(1e-12));  // √((4 + 1 + 0 + 4)/4)
  CHECK(o.outside_95 == 2);
  CHECK(o.outside_share == 0.5);
  // (1.04 · 1.5 / 0.01)² = 24336 → P = 15; with a 2 % target 6084 → P = 13.
  CHECK(o.recommended_precision == 15);
  CHECK(m.report(0.02).overall.recommended_precision == 13);
  // A target met exactly at a power of two is not pushed up by rounding:
  // 1.04 · 1.5 / √4096 = 0.024375 → P = 12.
  CHECK(m.report(0.024375).overall.recommended_precision == 12);
  // Another error constant (LogLog's 1.30): (1.30 · 1.5 / 0.01)² = 38025 → 16.
  CHECK(m.report(0.01, 1.30).overall.recommended_precision == 16);
}

TEST_CASE("an empty monitor reports zeros and the uninformative interval", "[accuracy_monitor]") {
  const accuracy_monitor m;
  const accuracy_report r = m.report();
  CHECK(r.overall.checks == 0);
  CHECK(r.labels.empty());
  CHECK(r.overall.outside_share_interval.lower == 0.0);
  CHECK(r.overall.outside_share_interval.upper == 1.0);
  CHECK_FALSE(r.overall.error_model_violated);
  CHECK(r.overall.recommended_precision == 4);
  CHECK(m.alerts(0.0).empty());
}

TEST_CASE("alerts lists the records over the threshold, in order", "[accuracy_monitor]") {
  const accuracy_monitor m = fixed_monitor();
  const auto warn = m.alerts(0.01);  // 10 %, −5 %, 2 % are over 1 %; the empty day is not
  REQUIRE(warn.size() == 3);
  CHECK(warn[0].time == 20261101);
  CHECK(warn[1].time == 20261103);
  CHECK(warn[2].label == "b");
  const auto critical = m.alerts(0.05);  // strictly greater: the −5 % day is not over 5 %
  REQUIRE(critical.size() == 1);
  CHECK(critical[0].relative_error == Approx(0.10).epsilon(1e-12));
  CHECK(m.alerts(0.10).empty());
  CHECK(m.alerts(0.0).size() == 3);
}

TEST_CASE("wilson_interval matches published values", "[accuracy_monitor]") {
  // Brown, Cai & DasGupta (2001) and Newcombe (1998, Stat. Med. 17, Table II):
  // 81 of 263 → [0.2553, 0.3662]; 0 of 10 → [0, 0.2775]; 10 of 10 → [0.7225, 1].
  const auto a = hashsketch::wilson_interval(81, 263);
  CHECK(a.lower == Approx(0.2553).margin(5e-5));
  CHECK(a.upper == Approx(0.3662).margin(5e-5));
  const auto z = hashsketch::wilson_interval(0, 10);
  CHECK(z.lower == 0.0);
  CHECK(z.upper == Approx(0.2775).margin(5e-5));
  const auto f = hashsketch::wilson_interval(10, 10);
  CHECK(f.lower == Approx(0.7225).margin(5e-5));
  CHECK(f.upper == 1.0);
  // Wider at higher confidence.
  const auto w = hashsketch::wilson_interval(81, 263, 0.999);
  CHECK(w.lower < a.lower);
  CHECK(w.upper > a.upper);
  CHECK_THROWS_AS(hashsketch::wilson_interval(3, 2), std::invalid_argument);
  CHECK_THROWS_AS(hashsketch::wilson_interval(1, 2, 1.0), std::invalid_argument);
}

TEST_CASE("coverage of seeded simulated sketches lands in its binomial interval", "[accuracy_monitor]") {
  // 400 HyperLogLog<7> sketches (m = 128, stated RSE 1.04/√128 = 9.2 %), each
  // of n ∈ [20·m, 50·m) distinct uniform hashes — the range where
  // basic_sketch's 95 % interval is calibrated (94–96 % measured,
  // tests/hyperloglog_accuracy_test). If the sketch behaves as stated, the
  // share of checks outside the 95 % interval is ~5 %, and the report's 95 %
  // Wilson interval of that share holds 0.05 (a 95 % statement; the seed is
  // fixed, so the outcome is deterministic). The observed/stated ratio rms_z
  // must be near 1: its standard error over 400 checks is ≈ 1/√800 = 0.035,
  // so 0.85..1.15 is a > 4σ band.
  using sketch = hashsketch::hyperloglog<7>;
  constexpr std::size_t m = sketch::register_count;
  hashsketch_test::splitmix64 rng{20261201};
  accuracy_monitor mon, understated;
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t n = 20 * m + static_cast<std::size_t>(rng() % (30 * m));
    sketch s;
    for (std::size_t i = 0; i < n; ++i) s.add_hash(rng());
    const double e = s.estimate();
    mon.record(e, static_cast<double>(n), sketch::relative_standard_error(), trial % 2 ? "odd" : "even", trial);
    // The same checks against an RSE stated at half its true size: z doubles,
    // P(|N(0,1)| > 0.98) ≈ 33 % are outside, and the monitor must say so.
    understated.record(e, static_cast<double>(n), sketch::relative_standard_error() / 2, "half", trial);
  }
  const accuracy_report r = mon.report(0.01);
  INFO("outside " << r.overall.outside_95 << " of " << r.overall.checks << ", rms_z " << r.overall.rms_z);
  CHECK(r.overall.checks == 400);
  CHECK(r.overall.outside_share_interval.lower <= 0.05);
  CHECK(r.overall.outside_share_interval.upper >= 0.05);
  CHECK_FALSE(r.overall.error_model_violated);
  CHECK(r.overall.rms_z > 0.85);
  CHECK(r.overall.rms_z < 1.15);
  // Mean |z| of a standard normal is √(2/π) = 0.798; same 4σ-style band.
  CHECK(r.overall.mean_abs_z > 0.68);
  CHECK(r.overall.mean_abs_z < 0.92);
  // 1 % RMS needs m ≥ (1.04 · rms_z / 0.01)² ≈ 10816·rms_z²: P = 14 for rms_z in (0.87, 1.23).
  CHECK(r.overall.recommended_precision == 14);
  REQUIRE(r.labels.size() == 2);
  for (const accuracy_summary& s : r.labels) CHECK_FALSE(s.error_model_violated);

  const accuracy_report u = understated.report(0.01);
  INFO("understated: outside " << u.overall.outside_95 << ", interval [" << u.overall.outside_share_interval.lower
                               << ", " << u.overall.outside_share_interval.upper << "]");
  CHECK(u.overall.error_model_violated);
  CHECK(u.overall.outside_share > 0.2);
  // The advice trusts the stated RSE to be c/√m of the sketch: halved, every z
  // doubles, and 2^P must grow 4× for c·rms_z/√(2^P) to reach the target —
  // P + 2 (docs/monitoring.md says to pass the sketch's own RSE).
  CHECK(u.overall.recommended_precision == r.overall.recommended_precision + 2);
}

TEST_CASE("bad input is rejected with a reason and nothing is kept", "[accuracy_monitor]") {
  accuracy_monitor m;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(contains(invalid_argument_message([&] { m.record(-1, 100, 0.01); }), "estimate must be a finite number >= 0"));
  CHECK(contains(invalid_argument_message([&] { m.record(nan, 100, 0.01); }), "estimate"));
  CHECK(contains(invalid_argument_message([&] { m.record(inf, 100, 0.01); }), "estimate"));
  CHECK(contains(invalid_argument_message([&] { m.record(100, -5, 0.01); }), "exact count must be"));
  CHECK(contains(invalid_argument_message([&] { m.record(100, nan, 0.01); }), "exact count must be"));
  CHECK(contains(invalid_argument_message([&] { m.record(100, 100, 0); }), "relative standard error"));
  CHECK(contains(invalid_argument_message([&] { m.record(100, 100, -0.01); }), "relative standard error"));
  CHECK(contains(invalid_argument_message([&] { m.record(100, 100, nan); }), "relative standard error"));
  CHECK(contains(invalid_argument_message([&] { m.record(3, 0, 0.01); }), "exact count is 0 but the estimate is"));
  CHECK(m.empty());
  CHECK(contains(invalid_argument_message([&] { (void)m.alerts(-0.1); }), "threshold"));
  CHECK(contains(invalid_argument_message([&] { (void)m.alerts(nan); }), "threshold"));
  CHECK(contains(invalid_argument_message([&] { (void)m.report(0); }), "target"));
  CHECK(contains(invalid_argument_message([&] { (void)m.report(1.5); }), "target"));
  CHECK(contains(invalid_argument_message([&] { (void)m.report(0.01, 0); }), "error constant"));
  // A good record after the bad ones is kept normally.
  m.record(100, 100, 0.01);
  CHECK(m.size() == 1);
  m.clear();
  CHECK(m.empty());
}

TEST_CASE("to_json has every figure, escapes labels and ignores the locale", "[accuracy_monitor]") {
  accuracy_monitor m = fixed_monitor();
  m.record(10, 10, 0.2, "say \"hi\"\n", 1);
  const std::string j = m.to_json(0.01);
  CHECK(j.front() == '{');
  CHECK(j.back() == '}');
  for (const char* key : {"target_relative_error", "error_constant", "overall", "labels", "checks", "first_time",
                          "mean_relative_error", "mean_abs_relative_error", "max_abs_relative_error",
                          "rms_relative_error", "mean_relative_standard_error", "mean_abs_z", "max_abs_z", "rms_z",
                          "outside_95", "outside_share", "outside_share_lower", "outside_share_upper",
                          "error_model_violated", "recommended_precision", "projected_rms_relative_error"})
    CHECK(contains(j, std::string("\"") + key + "\": "));
  CHECK(contains(j, "\"label\": \"say \\\"hi\\\"\\u000a\""));
  CHECK(contains(j, "\"overall\": {\"label\": \"\", \"checks\": 5,"));
  CHECK(contains(j, "\"target_relative_error\": 0.01,"));
  CHECK(contains(j, "\"max_abs_relative_error\": 0.1,"));
  // A program running under a locale with a decimal comma still gets JSON.
  if (std::setlocale(LC_NUMERIC, "de_DE.UTF-8") != nullptr) {
    const std::string k = m.to_json(0.01);
    std::setlocale(LC_NUMERIC, "C");
    CHECK(k == j);
  }
}
