// ultraloglog<P> of every precision behind any_sketch (kind 4), for
// `count --sketch ultraloglog` and merge / estimate / info on saved ULL
// sketches.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include <hashsketch/detail/stats.hpp>
#include <hashsketch/errors.hpp>
#include <hashsketch/ultraloglog.hpp>

#include "typed_sketch.hpp"

namespace hashsketch_cli {
namespace {

template <unsigned P>
class ull_sketch final : public any_sketch {
 public:
  using sketch_type = hashsketch::ultraloglog<P, xxh3_hasher>;
  explicit ull_sketch(sketch_type s) : s_(std::move(s)) {}

  const char* kind_name() const noexcept override { return sketch_type::name; }
  unsigned kind_id() const noexcept override { return sketch_type::kind_id; }
  unsigned precision() const noexcept override { return P; }
  std::uint64_t seed() const noexcept override { return s_.hasher().seed(); }
  const char* hasher_name() const noexcept override { return xxh3_hasher::name; }
  const char* layout_name() const noexcept override { return leading_zeros_addressing::name; }
  estimator_choice default_estimator() const noexcept override { return estimator_choice::fgra; }

  interval estimate(estimator_choice e, double confidence) const override {
    if (e != estimator_choice::ull_ml) return s_.confidence_interval(confidence);
    // ML: the same relative band as the library's FGRA interval, with ML's RSE.
    const interval fgra = s_.confidence_interval(confidence);  // validates confidence
    const double est = s_.estimate(hashsketch::ull_estimator::ml);
    const double spread = hashsketch::detail::normal_quantile_two_sided(confidence) * relative_standard_error(e);
    const double lower = std::max(est / (1.0 + spread), std::min(fgra.lower, est));
    const double upper = est == 0.0 ? 0.0 : spread < 1.0 ? std::max(est / (1.0 - spread), lower) : HUGE_VAL;
    return interval{std::min(lower, est), est, upper};
  }
  double relative_standard_error(estimator_choice e) const override {
    // ML: √(ln 2/ζ(2, 5/4))/√m = 0.7609/√m (Ertl 2024).
    if (e == estimator_choice::ull_ml)
      return hashsketch::detail::ull_math::ml_inv_sqrt_fisher() / std::sqrt(double(sketch_type::register_count));
    return sketch_type::relative_standard_error();
  }
  std::vector<std::uint8_t> serialize() const override { return s_.serialize(); }
  void merge(const any_sketch& other) override {
    const auto* same = dynamic_cast<const ull_sketch*>(&other);
    if (!same)
      throw hashsketch::incompatible_sketch_error(std::string("cannot merge a ") + other.kind_name() + " P=" +
                                                  std::to_string(other.precision()) + " sketch into an ultraloglog P=" +
                                                  std::to_string(P) + " one");
    s_.merge(same->s_);
  }
  std::unique_ptr<any_sketch> reduce(unsigned q) const override {
    return with_precision(q, [&](auto qc) -> std::unique_ptr<any_sketch> {
      constexpr unsigned Q = decltype(qc)::value;
      if constexpr (Q <= P) {
        return std::make_unique<ull_sketch<Q>>(s_.template reduce<Q>());
      } else {
        throw hashsketch::precision_error("cannot fold P=" + std::to_string(P) + " to the finer P=" +
                                          std::to_string(Q));
      }
    });
  }
  void add_hashes(const std::uint64_t* hashes, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) s_.add_hash(hashes[i]);
  }
  std::unique_ptr<any_sketch> clone() const override { return std::make_unique<ull_sketch>(s_); }

 private:
  sketch_type s_;
};

}  // namespace

std::unique_ptr<any_sketch> make_ultraloglog(unsigned p, std::uint64_t seed) {
  return with_precision(p, [&](auto pc) -> std::unique_ptr<any_sketch> {
    using T = ull_sketch<decltype(pc)::value>;
    return std::make_unique<T>(typename T::sketch_type(xxh3_hasher(seed)));
  });
}

std::unique_ptr<any_sketch> deserialize_ultraloglog(unsigned p, const std::uint8_t* data, std::size_t size,
                                                    std::uint64_t seed) {
  return with_precision(p, [&](auto pc) -> std::unique_ptr<any_sketch> {
    using T = ull_sketch<decltype(pc)::value>;
    return std::make_unique<T>(T::sketch_type::deserialize(data, size, xxh3_hasher(seed)));
  });
}

}  // namespace hashsketch_cli
