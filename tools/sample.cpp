// hashsketch sample: hash-based selection (RFC 5475) of lines by a field.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <hashsketch/sampler.hpp>

#include "cli.hpp"
#include "scanner.hpp"

namespace hashsketch_cli {
namespace {

/// Copies selected lines, unchanged, into a large output buffer written with
/// write(2); a final line without newline gets one, so outputs of several
/// files concatenate into whole lines.
class sample_sink {
 public:
  explicit sample_sink(const hashsketch::hash_sampler& sampler) : sampler_(sampler), out_(buffer_size) {}
  void line(const char* lb, const char* le, const char* kb, const char* ke) {
    if (!sampler_.selects(kb, static_cast<std::size_t>(ke - kb))) return;
    ++selected_;
    const std::size_t n = static_cast<std::size_t>(le - lb);
    const bool add_newline = n == 0 || le[-1] != '\n';
    if (used_ + n + 1 > out_.size()) {
      flush();
      if (n + 1 > out_.size()) out_.resize(n + 1);
    }
    std::memcpy(out_.data() + used_, lb, n);
    used_ += n;
    if (add_newline) out_[used_++] = '\n';
  }
  void missing(const char*, const char*) {}
  void flush() {
    write_all(1, out_.data(), used_, "standard output");
    used_ = 0;
  }
  std::uint64_t selected() const noexcept { return selected_; }

 private:
  static constexpr std::size_t buffer_size = std::size_t{1} << 20;
  const hashsketch::hash_sampler& sampler_;
  std::vector<char> out_;
  std::size_t used_ = 0;
  std::uint64_t selected_ = 0;
};

}  // namespace

int command_sample(int argc, char** argv) {
  const std::vector<option_spec> specs = {
      {'r', "rate", true}, {'f', "field", true}, {'d', "delimiter", true}, {'s', "seed", true}, {'q', "quiet", false},
  };
  const parsed_args args = parse_args(argc, argv, 2, specs);
  if (args.help) return -1;

  scan_config cfg;
  double rate = -1.0;
  std::uint64_t seed = 0;
  for (const parsed_option& o : args.options) {
    if (o.name == "rate") rate = parse_rate(o);
    else if (o.name == "field") cfg.field = parse_field(o);
    else if (o.name == "delimiter") cfg.delimiter = parse_delimiter(o);
    else if (o.name == "seed") seed = parse_seed(o);
    else if (o.name == "quiet") cfg.quiet = true;
  }
  if (rate < 0.0) throw usage_error("missing -r RATE (the fraction of keys to keep, in [0, 1])");
  std::vector<std::string> inputs = args.operands;
  if (inputs.empty()) inputs.push_back("-");

  const hashsketch::hash_sampler sampler(rate, seed);
  sample_sink sink(sampler);
  scan_totals totals;
  scan_inputs(inputs, cfg, sink, totals);
  sink.flush();

  // Lines without the key field cannot be assigned to a key, so they are not
  // sampled; say so (this is data quality, not noise, so --quiet keeps it).
  if (totals.missing_field_lines > 0)
    std::fprintf(stderr, "hashsketch: sample: %llu of %llu lines have no field %u; they were not sampled\n",
                 static_cast<unsigned long long>(totals.missing_field_lines),
                 static_cast<unsigned long long>(totals.lines), cfg.field);
  return exit_ok;
}

}  // namespace hashsketch_cli
