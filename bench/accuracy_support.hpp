#ifndef HASHSKETCH_BENCH_ACCURACY_SUPPORT_HPP
#define HASHSKETCH_BENCH_ACCURACY_SUPPORT_HPP

// Shared by the accuracy programs (bench/accuracy*.cpp) and the accuracy
// tests: a fast seeded PRNG that stands in for a hash of distinct keys, the
// register "first-hit time" simulation that reaches n = 10^12 without adding
// 10^12 items, and a minimal flag parser.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <hashsketch/estimators.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace hashsketch_bench {

/// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014): a bijective 64-bit mixer over a Weyl sequence.
/// Its outputs for distinct counters are distinct and pass BigCrush, so
/// add_hash(next()) behaves like adding distinct keys through a good hash —
/// at ~1 ns instead of hashing. Deterministic per seed.
class splitmix64 {
 public:
  explicit splitmix64(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in (0, 1]: never 0, so −log(u) is finite.
  double uniform_open0() noexcept { return (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53; }
  /// Exp(1).
  double exponential() noexcept { return -std::log(uniform_open0()); }

 private:
  std::uint64_t state_;
};

/// The first-hit-time simulation of one sketch's registers under a Poisson
/// stream of distinct items arriving at rate 1 (time t ≈ t items).
///
/// Register j holds ≥ k once some item has landed in j with rank ≥ k; those
/// items arrive as a Poisson process of rate 2^−P·2^−(k−1) (rank ≥ k has
/// probability 2^−(k−1) for k ≤ max rank), so each (register, rank) class
/// (j, exactly k) is first hit at an independent exponential time of rate
/// 2^−P·2^−k (2^−P·2^−(k−1) for the capped top rank), and the register's
/// value at time t is the largest k whose class was hit by t. One trial draws
/// m·(max rank) exponentials; the histograms at every time of a grid then
/// follow from a difference array, so the cost does not grow with n.
///
/// What it approximates: the item count at time t is Poisson(t), not t; used
/// for t ≥ 10^7 that adds at most (1/√t)² = 10^−7 to the squared relative
/// error, against (1/√m)² ≥ 1.5·10^−5 at P ≤ 16: invisible.
class first_hit_simulation {
 public:
  first_hit_simulation(unsigned p, unsigned max_rank) : p_(p), max_rank_(max_rank) {}

  /// Histograms of one simulated sketch at each time of `times` (ascending).
  /// out[g] is the histogram at times[g].
  void run(splitmix64& rng, const std::vector<double>& times, std::vector<hashsketch::register_histogram>& out) {
    const std::size_t grid = times.size();
    const std::size_t m = std::size_t{1} << p_;
    // delta[g][k]: change of the count of registers holding k between times g−1 and g.
    delta_.assign(grid * 64, 0);
    out.assign(grid, hashsketch::register_histogram{});
    std::vector<double> hit(max_rank_ + 1u);
    for (std::size_t j = 0; j < m; ++j) {
      // first time register j reaches value ≥ k: suffix minimum of the class times
      double suffix = INFINITY;
      for (unsigned k = max_rank_; k >= 1; --k) {
        const int e = k == max_rank_ ? -static_cast<int>(p_ + k - 1u) : -static_cast<int>(p_ + k);
        const double t = rng.exponential() / std::ldexp(1.0, e);
        suffix = t < suffix ? t : suffix;
        hit[k] = suffix;
      }
      // the register's value steps up from k−1 to ≥ k at hit[k] (non-decreasing in k)
      std::size_t g = 0;
      for (unsigned k = 1; k <= max_rank_; ++k) {
        while (g < grid && times[g] < hit[k]) ++g;
        if (g == grid) break;
        // at grid point g the register has reached at least k: move it from k−1 to k
        --delta_[g * 64 + k - 1];
        ++delta_[g * 64 + k];
      }
    }
    std::int64_t running[64] = {};
    running[0] = static_cast<std::int64_t>(m);
    for (std::size_t g = 0; g < grid; ++g) {
      for (unsigned k = 0; k < 64; ++k) {
        running[k] += delta_[g * 64 + k];
        out[g][k] = static_cast<std::uint32_t>(running[k]);
      }
    }
  }

 private:
  unsigned p_, max_rank_;
  std::vector<std::int64_t> delta_;
};

/// `--name value` flags. Every argument must be a known flag followed by its
/// value; anything else (a typo) is an error, reported by check().
class flags {
 public:
  flags(int argc, char** argv) : args_(argv + 1, argv + argc), used_(args_.size(), false) {}
  std::string text(const std::string& name, const std::string& fallback) {
    for (std::size_t i = 0; i < args_.size(); ++i)
      if (args_[i] == name) {
        if (i + 1 >= args_.size()) throw std::invalid_argument(name + " needs a value");
        used_[i] = used_[i + 1] = true;
        return args_[i + 1];
      }
    return fallback;
  }
  double number(const std::string& name, double fallback) {
    const std::string s = text(name, "");
    if (s.empty()) return fallback;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || *end != '\0') throw std::invalid_argument(name + ": not a number: " + s);
    return v;
  }
  /// Throws on the first argument no text()/number() call consumed.
  void check() const {
    for (std::size_t i = 0; i < args_.size(); ++i)
      if (!used_[i]) throw std::invalid_argument("unknown argument: " + args_[i]);
  }

 private:
  std::vector<std::string> args_;
  std::vector<bool> used_;
};

}  // namespace hashsketch_bench

#endif  // HASHSKETCH_BENCH_ACCURACY_SUPPORT_HPP
