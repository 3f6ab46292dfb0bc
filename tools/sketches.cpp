// hashsketch merge / estimate / info: commands over saved sketches.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <hashsketch/errors.hpp>

#include "any_sketch.hpp"
#include "cli.hpp"

namespace hashsketch_cli {
namespace {

struct loaded_sketch {
  std::string path;
  std::unique_ptr<any_sketch> sketch;
};

std::string display_name(const std::string& path) { return path == "-" ? "standard input" : path; }

std::vector<loaded_sketch> load_all(const std::vector<std::string>& paths) {
  std::vector<loaded_sketch> out;
  for (const std::string& p : paths) out.push_back({p, load_sketch(p)});
  return out;
}

/// The union of all sketches, folded to the smallest precision when `fold`.
/// Mixed kinds, mixed precisions without --fold and mixed hashers are runtime
/// errors naming the files involved.
std::unique_ptr<any_sketch> union_of(std::vector<loaded_sketch>& all, bool fold) {
  const loaded_sketch& first = all.front();
  unsigned smallest = first.sketch->precision();
  for (const loaded_sketch& s : all) {
    if (s.sketch->kind_id() != first.sketch->kind_id())
      throw runtime_failure("cannot combine sketches of different kinds: " + display_name(first.path) + " is " +
                            first.sketch->kind_name() + ", " + display_name(s.path) + " is " + s.sketch->kind_name());
    smallest = std::min(smallest, s.sketch->precision());
  }
  for (loaded_sketch& s : all) {
    if (s.sketch->precision() == smallest) continue;
    if (!fold)
      throw runtime_failure("sketches have different precisions (" + display_name(first.path) +
                            ": P=" + std::to_string(first.sketch->precision()) + ", " + display_name(s.path) +
                            ": P=" + std::to_string(s.sketch->precision()) + "); use --fold to fold all to P=" +
                            std::to_string(smallest));
    s.sketch = s.sketch->reduce(smallest);  // exact: equal to the sketch built at the smaller P
  }
  std::unique_ptr<any_sketch> acc = all.front().sketch->clone();
  for (std::size_t i = 1; i < all.size(); ++i) {
    try {
      acc->merge(*all[i].sketch);
    } catch (const hashsketch::incompatible_sketch_error& e) {
      throw runtime_failure("cannot merge " + display_name(all[i].path) + " with " + display_name(first.path) + ": " +
                            e.what());
    }
  }
  return acc;
}

struct estimate_options {
  estimator_choice estimator = estimator_choice::kind_default;
  double confidence = 0.95;
  output_format format = output_format::text;
};

estimator_choice effective(const any_sketch& s, estimator_choice e) {
  if (e == estimator_choice::kind_default) return s.default_estimator();
  // fgra/ml read UltraLogLog registers, the others HyperLogLog's.
  if (is_ull_estimator(e) != is_ull_estimator(s.default_estimator()))
    throw runtime_failure(std::string("estimator ") + estimator_name(e) + " does not apply to a " + s.kind_name() +
                          " sketch");
  return e;
}

std::string text_estimate(const any_sketch& s, const estimate_options& o) {
  const estimator_choice e = effective(s, o.estimator);
  const hashsketch::interval ci = s.estimate(e, o.confidence);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%.0f distinct (%g%% interval %.0f .. %.0f; P=%u, %s, rse %.2f%%)", ci.estimate,
                o.confidence * 100.0, ci.lower, ci.upper, s.precision(), estimator_name(e),
                100.0 * s.relative_standard_error(e));
  return buf;
}

std::string json_estimate_fields(const any_sketch& s, const estimate_options& o) {
  const estimator_choice e = effective(s, o.estimator);
  const hashsketch::interval ci = s.estimate(e, o.confidence);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%g", o.confidence);
  std::string conf = buf;
  std::snprintf(buf, sizeof buf, "%.6g", s.relative_standard_error(e));
  return "\"kind\": " + json_string(s.kind_name()) + ", \"estimate\": " + json_number(ci.estimate) +
         ", \"lower\": " + json_number(ci.lower) + ", \"upper\": " + json_number(ci.upper) +
         ", \"confidence\": " + conf + ", \"precision\": " + std::to_string(s.precision()) +
         ", \"estimator\": " + json_string(estimator_name(e)) + ", \"relative_standard_error\": " + buf;
}

bool parse_estimate_option(const parsed_option& opt, estimate_options& o) {
  if (opt.name == "estimator") o.estimator = parse_estimator(opt);
  else if (opt.name == "confidence") o.confidence = parse_confidence(opt);
  else if (opt.name == "format") o.format = parse_format(opt);
  else return false;
  return true;
}

void finish_stdout() {
  if (std::fflush(stdout) != 0) throw runtime_failure("cannot write to standard output");
}

}  // namespace

int command_merge(int argc, char** argv) {
  const std::vector<option_spec> specs = {{'o', "output", true}, {0, "fold", false}};
  const parsed_args args = parse_args(argc, argv, 2, specs);
  if (args.help) return -1;
  std::string output = "-";
  bool fold = false;
  for (const parsed_option& o : args.options) {
    if (o.name == "output") output = o.value;
    else if (o.name == "fold") fold = true;
  }
  if (output.empty()) throw usage_error("option '-o' needs a file name");
  if (args.operands.empty()) throw usage_error("merge needs at least one SKETCH file");
  if (output == "-" && ::isatty(1))
    throw usage_error("refusing to write a binary sketch to a terminal; give -o FILE or redirect");
  std::vector<loaded_sketch> all = load_all(args.operands);
  write_whole_file(output, union_of(all, fold)->serialize());
  return exit_ok;
}

int command_estimate(int argc, char** argv) {
  const std::vector<option_spec> specs = {{'e', "estimator", true}, {'c', "confidence", true}, {0, "format", true},
                                          {'u', "union", false},    {0, "fold", false}};
  const parsed_args args = parse_args(argc, argv, 2, specs);
  if (args.help) return -1;
  estimate_options o;
  bool as_union = false, fold = false;
  for (const parsed_option& opt : args.options) {
    if (parse_estimate_option(opt, o)) continue;
    if (opt.name == "union") as_union = true;
    else if (opt.name == "fold") fold = true;
  }
  if (args.operands.empty()) throw usage_error("estimate needs at least one SKETCH file");
  std::vector<loaded_sketch> all = load_all(args.operands);

  if (as_union) {
    const std::unique_ptr<any_sketch> u = union_of(all, fold);
    if (o.format == output_format::json) {
      std::string files;
      for (const loaded_sketch& s : all) files += (files.empty() ? "" : ", ") + json_string(s.path);
      std::printf("{\"files\": [%s], %s}\n", files.c_str(), json_estimate_fields(*u, o).c_str());
    } else {
      std::printf("%s\n", text_estimate(*u, o).c_str());
    }
  } else {
    for (const loaded_sketch& s : all) {
      if (o.format == output_format::json) {
        std::printf("{\"file\": %s, %s}\n", json_string(s.path).c_str(), json_estimate_fields(*s.sketch, o).c_str());
      } else if (all.size() > 1) {
        std::printf("%s: %s\n", display_name(s.path).c_str(), text_estimate(*s.sketch, o).c_str());
      } else {
        std::printf("%s\n", text_estimate(*s.sketch, o).c_str());
      }
    }
  }
  finish_stdout();
  return exit_ok;
}

int command_info(int argc, char** argv) {
  const std::vector<option_spec> specs = {{'e', "estimator", true}, {'c', "confidence", true}, {0, "format", true}};
  const parsed_args args = parse_args(argc, argv, 2, specs);
  if (args.help) return -1;
  estimate_options o;
  for (const parsed_option& opt : args.options) parse_estimate_option(opt, o);
  if (args.operands.empty()) throw usage_error("info needs a SKETCH file");
  const std::vector<loaded_sketch> all = load_all(args.operands);
  bool first = true;
  for (const loaded_sketch& s : all) {
    const any_sketch& k = *s.sketch;
    const std::size_t bytes = k.serialize().size();
    if (o.format == output_format::json) {
      std::printf("{\"file\": %s, %s, \"registers\": %zu, \"hasher\": %s, \"seed\": %llu, \"layout\": %s, "
                  "\"bytes\": %zu}\n",
                  json_string(s.path).c_str(), json_estimate_fields(k, o).c_str(), std::size_t{1} << k.precision(),
                  json_string(k.hasher_name()).c_str(), static_cast<unsigned long long>(k.seed()),
                  json_string(k.layout_name()).c_str(), bytes);
      continue;
    }
    if (!first) std::printf("\n");
    first = false;
    std::printf("file:       %s\n", display_name(s.path).c_str());
    std::printf("kind:       %s\n", k.kind_name());
    std::printf("precision:  %u (m = %zu registers)\n", k.precision(), std::size_t{1} << k.precision());
    std::printf("hasher:     %s, seed %llu\n", k.hasher_name(), static_cast<unsigned long long>(k.seed()));
    std::printf("layout:     %s\n", k.layout_name());
    std::printf("estimate:   %s\n", text_estimate(k, o).c_str());
    std::printf("bytes:      %zu\n", bytes);
  }
  finish_stdout();
  return exit_ok;
}

}  // namespace hashsketch_cli
