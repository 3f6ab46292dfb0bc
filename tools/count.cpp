// hashsketch count: approximate distinct values of a field over files/stdin.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <unistd.h>

#include <hashsketch/hash.hpp>

#include "any_sketch.hpp"
#include "cli.hpp"
#include "exact_count.hpp"
#include "parallel_scan.hpp"
#include "scanner.hpp"

namespace hashsketch_cli {
namespace {

/// Hashes keys in batches and hands them to the run-time-typed sketch, so the
/// scanner is compiled once (not once per precision) and the virtual call is
/// paid once per 512 keys. With --exact the same hashes also go to the
/// shared exact counter.
class count_sink {
 public:
  count_sink(any_sketch& sketch, std::uint64_t seed, exact_distinct_counter* exact = nullptr)
      : sketch_(sketch), hasher_(seed), exact_(exact) {}
  void line(const char*, const char*, const char* kb, const char* ke) {
    batch_[n_++] = hasher_(kb, static_cast<std::size_t>(ke - kb));
    if (n_ == batch_size) flush();
  }
  void missing(const char*, const char*) {}
  void input_idle() {}
  void end_chunk(std::uint64_t) {}
  void flush() {
    // Empty the batch first: when the exact counter throws (past
    // --exact-limit) inside a worker, the parallel scan goes on to the next
    // chunk with this sink, and a full batch must not overflow.
    const std::size_t n = n_;
    n_ = 0;
    sketch_.add_hashes(batch_, n);
    if (exact_) exact_->add(batch_, n);
  }

 private:
  static constexpr std::size_t batch_size = 512;
  any_sketch& sketch_;
  hashsketch::xxh3_hasher hasher_;  // short keys inline (hash.hpp)
  exact_distinct_counter* exact_;
  std::uint64_t batch_[batch_size];
  std::size_t n_ = 0;
};

}  // namespace

int command_count(int argc, char** argv) {
  const std::vector<option_spec> specs = {
      {'p', "precision", true}, {'f', "field", true},  {'d', "delimiter", true}, {'e', "estimator", true},
      {0, "format", true},      {'o', "output", true}, {'s', "seed", true},      {'c', "confidence", true},
      {'q', "quiet", false},    {'j', "threads", true},    {0, "sketch", true},
      {0, "exact", false},      {0, "exact-limit", true}, {0, "alert-sigma", true},
  };
  const parsed_args args = parse_args(argc, argv, 2, specs);
  if (args.help) return -1;  // main prints the command's help

  unsigned precision = 14;
  scan_config cfg;
  estimator_choice est = estimator_choice::kind_default;
  bool ultraloglog = false;
  output_format format = output_format::text;
  std::string output;
  std::uint64_t seed = 0;
  double confidence = 0.95;
  unsigned threads = default_scan_threads();
  bool exact = false;
  std::uint64_t exact_limit = default_exact_limit;
  double alert_sigma = 0;  // 0: no alert
  for (const parsed_option& o : args.options) {
    if (o.name == "precision") precision = parse_precision(o);
    else if (o.name == "field") cfg.field = parse_field(o);
    else if (o.name == "delimiter") cfg.delimiter = parse_delimiter(o);
    else if (o.name == "estimator") est = parse_estimator(o);
    else if (o.name == "format") format = parse_format(o);
    else if (o.name == "output") output = o.value;
    else if (o.name == "seed") seed = parse_seed(o);
    else if (o.name == "confidence") confidence = parse_confidence(o);
    else if (o.name == "quiet") cfg.quiet = true;
    else if (o.name == "threads") threads = parse_threads(o);
    else if (o.name == "exact") exact = true;
    else if (o.name == "exact-limit") exact_limit = parse_exact_limit(o);
    else if (o.name == "alert-sigma") alert_sigma = parse_alert_sigma(o);
    else if (o.name == "sketch") {
      if (o.value != "hyperloglog" && o.value != "ultraloglog")
        throw usage_error("sketch " + std::string(o.value) + " (" + o.spelling + ") must be hyperloglog or ultraloglog");
      ultraloglog = o.value == "ultraloglog";
    }
  }
  for (const parsed_option& o : args.options)
    if (!exact && (o.name == "exact-limit" || o.name == "alert-sigma"))
      throw usage_error("option '" + o.spelling + "' needs --exact");
  if (est == estimator_choice::kind_default) est = ultraloglog ? estimator_choice::fgra : estimator_choice::ertl;
  if (ultraloglog != is_ull_estimator(est))
    throw usage_error(std::string("estimator ") + estimator_name(est) + " does not apply to --sketch " +
                      (ultraloglog ? "ultraloglog" : "hyperloglog"));
  if (output.empty() && std::any_of(args.options.begin(), args.options.end(),
                                    [](const parsed_option& o) { return o.name == "output"; }))
    throw usage_error("option '-o' needs a file name");
  if (output == "-" && ::isatty(1)) throw usage_error("refusing to write a binary sketch to a terminal; give -o FILE or redirect");
  std::vector<std::string> inputs = args.operands;
  if (inputs.empty()) inputs.push_back("-");

  std::unique_ptr<any_sketch> sketch =
      ultraloglog ? make_ultraloglog(precision, seed) : make_hyperloglog(precision, seed);
  std::unique_ptr<exact_distinct_counter> exact_counter;
  if (exact) exact_counter = std::make_unique<exact_distinct_counter>(exact_limit);
  scan_totals totals;
  if (threads > 1 && all_regular_files(inputs)) {
    // One sketch per worker, merged at the end: merge is exact, so the result
    // is byte-identical to the one-thread scan.
    std::vector<std::unique_ptr<any_sketch>> partial;
    std::vector<std::unique_ptr<count_sink>> sinks;
    for (unsigned t = 0; t < threads; ++t) {
      partial.push_back(sketch->clone());
      sinks.push_back(std::make_unique<count_sink>(*partial.back(), seed, exact_counter.get()));
    }
    scan_inputs_parallel(inputs, cfg, sinks, totals);
    for (unsigned t = 0; t < threads; ++t) {
      sinks[t]->flush();
      sketch->merge(*partial[t]);
    }
  } else {
    count_sink sink(*sketch, seed, exact_counter.get());
    scan_inputs(inputs, cfg, sink, totals);
    sink.flush();
  }

  // A sketch saved under --estimator loglog/superloglog is saved as that kind
  // (same registers), so `estimate` and `info` later use the same estimator.
  std::unique_ptr<any_sketch> result = convert_to(*sketch, est);
  const hashsketch::interval ci = result->estimate(est, confidence);
  if (!output.empty()) write_whole_file(output, result->serialize());
  const double rse = result->relative_standard_error(est);
  exact_check check{};
  if (exact_counter) check = compare_exact(ci, rse, exact_counter->count());

  // With the sketch on stdout the report moves to stderr.
  std::FILE* report = output == "-" ? stderr : stdout;
  if (format == output_format::json) {
    std::fprintf(report,
                 "{\"estimate\": %s, \"lower\": %s, \"upper\": %s, \"confidence\": %g, \"precision\": %u, "
                 "\"estimator\": \"%s\", \"relative_standard_error\": %.6g, \"lines\": %llu, "
                 "\"missing_field_lines\": %llu, \"bytes\": %llu%s}\n",
                 json_number(ci.estimate).c_str(), json_number(ci.lower).c_str(), json_number(ci.upper).c_str(),
                 confidence, precision, estimator_name(est), result->relative_standard_error(est),
                 static_cast<unsigned long long>(totals.lines),
                 static_cast<unsigned long long>(totals.missing_field_lines),
                 static_cast<unsigned long long>(totals.bytes),
                 exact_counter ? exact_json_fields(check).c_str() : "");
  } else {
    std::fprintf(report, "%.0f distinct (%g%% interval %.0f .. %.0f; P=%u, %s, rse %.2f%%; %llu lines", ci.estimate,
                 confidence * 100.0, ci.lower, ci.upper, precision, estimator_name(est),
                 100.0 * result->relative_standard_error(est), static_cast<unsigned long long>(totals.lines));
    if (totals.missing_field_lines > 0)
      std::fprintf(report, ", %llu without field %u", static_cast<unsigned long long>(totals.missing_field_lines),
                   cfg.field);
    std::fputs(")", report);
    if (exact_counter) std::fputs(exact_text(check).c_str(), report);
    std::fputs("\n", report);
  }
  if (std::fflush(report) != 0) throw runtime_failure("cannot write the result");
  // --alert-sigma S: the exact count outside estimate·(1 ± S·rse)⁻¹, i.e. |error_sigma| > S.
  if (exact_counter && alert_sigma > 0 && std::fabs(check.error_sigma) > alert_sigma) {
    std::fprintf(stderr,
                 "hashsketch count: accuracy alert: the exact count %llu is outside the %g-sigma band of the "
                 "estimate %.0f (error %+.2f%% = %+.2f sigma, rse %.2f%%)\n",
                 static_cast<unsigned long long>(check.exact), alert_sigma, ci.estimate, 100.0 * check.error,
                 check.error_sigma, 100.0 * rse);
    return exit_accuracy_alert;
  }
  return exit_ok;
}

}  // namespace hashsketch_cli
