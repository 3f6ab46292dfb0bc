// hashsketch sample: hash-based selection (RFC 5475) of lines by a field.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <cstring>
#include <string>
#include <vector>

#include <hashsketch/sampler.hpp>

#include "cli.hpp"
#include "parallel_scan.hpp"
#include "scanner.hpp"

namespace hashsketch_cli {
namespace {

/// Copies selected lines, unchanged, into a large output buffer written with
/// write(2); a final line without newline gets one, so outputs of several
/// files concatenate into whole lines. With an ordered_writer (parallel
/// scan) the buffer holds one chunk's lines and is written in chunk order.
class sample_sink {
 public:
  explicit sample_sink(const hashsketch::hash_sampler& sampler, ordered_writer* ordered = nullptr)
      : sampler_(sampler), hasher_(sampler.seed()), ordered_(ordered), out_(buffer_size) {}
  void line(const char* lb, const char* le, const char* kb, const char* ke) {
    // selects(kb, size) is selects_hash(XXH3-64(key, seed)), the hash of
    // the sampler's own xxh3_hasher.
    if (!sampler_.selects_hash(hasher_(kb, static_cast<std::size_t>(ke - kb)))) return;
    ++selected_;
    const std::size_t n = static_cast<std::size_t>(le - lb);
    const bool add_newline = n == 0 || le[-1] != '\n';
    if (used_ + n + 1 > out_.size()) {
      if (ordered_) {
        out_.resize(std::max(out_.size() * 2, used_ + n + 1));
      } else {
        flush();
        if (n + 1 > out_.size()) out_.resize(n + 1);
      }
    }
    std::memcpy(out_.data() + used_, lb, n);
    used_ += n;
    if (add_newline) out_[used_++] = '\n';
  }
  void missing(const char*, const char*) {}
  void input_idle() {
    if (used_ > 0) flush();
  }
  void end_chunk(std::uint64_t seq) {
    ordered_->write(seq, out_, used_);
    used_ = 0;
  }
  void flush() {
    write_all(1, out_.data(), used_, "standard output");
    used_ = 0;
  }
  std::uint64_t selected() const noexcept { return selected_; }

 private:
  static constexpr std::size_t buffer_size = std::size_t{1} << 20;
  const hashsketch::hash_sampler& sampler_;
  hashsketch::xxh3_hasher hasher_;
  ordered_writer* ordered_;
  std::vector<char> out_;
  std::size_t used_ = 0;
  std::uint64_t selected_ = 0;
};

}  // namespace

int command_sample(int argc, char** argv) {
  const std::vector<option_spec> specs = {
      {'r', "rate", true}, {'f', "field", true}, {'d', "delimiter", true}, {'s', "seed", true}, {'q', "quiet", false},
      {'j', "threads", true},
  };
  const parsed_args args = parse_args(argc, argv, 2, specs);
  if (args.help) return -1;

  scan_config cfg;
  double rate = -1.0;
  std::uint64_t seed = 0;
  unsigned threads = default_scan_threads();
  for (const parsed_option& o : args.options) {
    if (o.name == "rate") rate = parse_rate(o);
    else if (o.name == "field") cfg.field = parse_field(o);
    else if (o.name == "delimiter") cfg.delimiter = parse_delimiter(o);
    else if (o.name == "seed") seed = parse_seed(o);
    else if (o.name == "quiet") cfg.quiet = true;
    else if (o.name == "threads") threads = parse_threads(o);
  }
  if (rate < 0.0) throw usage_error("missing -r RATE (the fraction of keys to keep, in [0, 1])");
  std::vector<std::string> inputs = args.operands;
  if (inputs.empty()) inputs.push_back("-");

  const hashsketch::hash_sampler sampler(rate, seed);
  scan_totals totals;
  if (threads > 1 && all_regular_files(inputs)) {
    ordered_writer writer;
    std::vector<std::unique_ptr<sample_sink>> sinks;
    for (unsigned t = 0; t < threads; ++t) sinks.push_back(std::make_unique<sample_sink>(sampler, &writer));
    scan_inputs_parallel(inputs, cfg, sinks, totals, &writer);
  } else {
    // Pipes and terminals stay on one thread, flushing whenever the input
    // pauses, so `tail -f log | hashsketch sample ...` streams.
    sample_sink sink(sampler);
    scan_inputs(inputs, cfg, sink, totals);
    sink.flush();
  }

  // Lines without the key field cannot be assigned to a key, so they are not
  // sampled; say so (this is data quality, not noise, so --quiet keeps it).
  if (totals.missing_field_lines > 0)
    std::fprintf(stderr, "hashsketch: sample: %llu of %llu lines have no field %u; they were not sampled\n",
                 static_cast<unsigned long long>(totals.missing_field_lines),
                 static_cast<unsigned long long>(totals.lines), cfg.field);
  return exit_ok;
}

}  // namespace hashsketch_cli
