#ifndef HASHSKETCH_TOOLS_TYPED_SKETCH_HPP
#define HASHSKETCH_TOOLS_TYPED_SKETCH_HPP

// typed_sketch<Family, P>: the library's basic_sketch behind the any_sketch
// interface, and the run-time → compile-time precision dispatch. The
// per-family factories below are instantiated once each in
// tools/sketch_<family>.cpp (and declared extern here), so the ~40
// instantiations compile in parallel instead of in one translation unit.

#include <algorithm>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <hashsketch/detail/stats.hpp>
#include <hashsketch/dynamic_hyperloglog.hpp>
#include <hashsketch/errors.hpp>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/loglog.hpp>

#include "any_sketch.hpp"

namespace hashsketch_cli {

using hashsketch::interval;
using hashsketch::leading_zeros_addressing;
using hashsketch::xxh3_hasher;


template <unsigned P>
using precision_constant = std::integral_constant<unsigned, P>;

/// Calls f(precision_constant<p>{}) for a run-time p in 4..16; the one place
/// where a run-time precision becomes a template argument.
template <class F>
auto with_precision(unsigned p, F&& f) -> decltype(f(precision_constant<4>{})) {
  switch (p) {
    case 4: return f(precision_constant<4>{});
    case 5: return f(precision_constant<5>{});
    case 6: return f(precision_constant<6>{});
    case 7: return f(precision_constant<7>{});
    case 8: return f(precision_constant<8>{});
    case 9: return f(precision_constant<9>{});
    case 10: return f(precision_constant<10>{});
    case 11: return f(precision_constant<11>{});
    case 12: return f(precision_constant<12>{});
    case 13: return f(precision_constant<13>{});
    case 14: return f(precision_constant<14>{});
    case 15: return f(precision_constant<15>{});
    case 16: return f(precision_constant<16>{});
    default: break;
  }
  throw hashsketch::precision_error("precision " + std::to_string(p) + " is outside 4..16");
}

template <class Family, unsigned P>
using sketch_of = hashsketch::basic_sketch<Family, P, xxh3_hasher, std::allocator<std::uint8_t>, leading_zeros_addressing>;

/// The estimator a family uses by default (HyperLogLog: Ertl's).
template <class Family>
constexpr estimator_choice family_estimator() {
  if (std::is_same<Family, hashsketch::loglog_family>::value) return estimator_choice::loglog;
  if (std::is_same<Family, hashsketch::superloglog_family>::value) return estimator_choice::superloglog;
  return estimator_choice::ertl;
}

template <class Family, unsigned P>
class typed_sketch final : public any_sketch {
 public:
  using sketch_type = sketch_of<Family, P>;

  explicit typed_sketch(sketch_type s) : s_(std::move(s)) {}

  const char* kind_name() const noexcept override { return Family::name; }
  unsigned kind_id() const noexcept override { return Family::kind_id; }
  unsigned precision() const noexcept override { return P; }
  std::uint64_t seed() const noexcept override { return s_.hasher().seed(); }
  const char* hasher_name() const noexcept override { return xxh3_hasher::name; }
  const char* layout_name() const noexcept override { return leading_zeros_addressing::name; }
  estimator_choice default_estimator() const noexcept override { return family_estimator<Family>(); }

  interval estimate(estimator_choice e, double confidence) const override {
    switch (resolve(e)) {
      case estimator_choice::classic: return classic_interval(confidence);
      case estimator_choice::loglog: return as<hashsketch::loglog_family>().confidence_interval(confidence);
      case estimator_choice::superloglog: return as<hashsketch::superloglog_family>().confidence_interval(confidence);
      case estimator_choice::ertl:
      default: return as<hashsketch::hll_family>().confidence_interval(confidence);
    }
  }

  double relative_standard_error(estimator_choice e) const override {
    switch (resolve(e)) {
      case estimator_choice::loglog: return sketch_of<hashsketch::loglog_family, P>::relative_standard_error();
      case estimator_choice::superloglog: return sketch_of<hashsketch::superloglog_family, P>::relative_standard_error();
      case estimator_choice::classic:
      case estimator_choice::ertl:
      default: return sketch_of<hashsketch::hll_family, P>::relative_standard_error();
    }
  }

  std::vector<std::uint8_t> serialize() const override { return s_.serialize(); }

  void merge(const any_sketch& other) override {
    const auto* same = dynamic_cast<const typed_sketch*>(&other);
    if (!same)
      throw hashsketch::incompatible_sketch_error(std::string("cannot merge a ") + other.kind_name() + " P=" +
                                                  std::to_string(other.precision()) + " sketch into a " +
                                                  Family::name + " P=" + std::to_string(P) + " one");
    s_.merge(same->s_);
  }

  std::unique_ptr<any_sketch> reduce(unsigned q) const override {
    return with_precision(q, [&](auto qc) -> std::unique_ptr<any_sketch> {
      constexpr unsigned Q = decltype(qc)::value;
      if constexpr (Q <= P) {
        return std::make_unique<typed_sketch<Family, Q>>(s_.template reduce<Q>());
      } else {
        throw hashsketch::precision_error("cannot fold P=" + std::to_string(P) + " to the finer P=" +
                                          std::to_string(Q));
      }
    });
  }

  void add_hashes(const std::uint64_t* hashes, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) s_.add_hash(hashes[i]);
  }

  std::unique_ptr<any_sketch> clone() const override { return std::make_unique<typed_sketch>(s_); }

  const sketch_type& sketch() const noexcept { return s_; }

 private:
  estimator_choice resolve(estimator_choice e) const noexcept {
    return e == estimator_choice::kind_default ? family_estimator<Family>() : e;
  }

  /// The same registers seen as another family (explicit conversion).
  template <class Other>
  sketch_of<Other, P> as() const {
    if constexpr (std::is_same<Other, Family>::value) {
      return s_;
    } else {
      return sketch_of<Other, P>(s_);
    }
  }

  // The library's confidence_interval() uses the family's default estimator
  // (Ertl's); for the classic one the same rule is applied here: estimate ·
  // (1 ± z·1.04/√m), lower end clamped to the non-empty registers.
  interval classic_interval(double confidence) const {
    const auto h = s_.histogram();
    constexpr std::size_t m = sketch_type::register_count;
    const double e = hashsketch::hll_family::estimate(h, m, sketch_type::max_rank - 1u, hashsketch::estimator::classic);
    const double spread =
        hashsketch::detail::normal_quantile_two_sided(confidence) * sketch_of<hashsketch::hll_family, P>::relative_standard_error();
    const double non_empty = static_cast<double>(m - h[0]);
    const double lower = std::max({e * (1.0 - spread), non_empty, 0.0});
    const double upper = std::max(e * (1.0 + spread), lower);
    return interval{std::min(lower, e), e, upper};
  }

  sketch_type s_;
};

/// The HyperLogLog sketches: the library's run-time-precision
/// hashsketch::dynamic_hyperloglog behind any_sketch (loglog and superloglog,
/// which have no run-time-precision type, use typed_sketch above).
class hll_sketch final : public any_sketch {
 public:
  explicit hll_sketch(hashsketch::dynamic_hyperloglog s) : s_(std::move(s)) {}

  const char* kind_name() const noexcept override { return hashsketch::hll_family::name; }
  unsigned kind_id() const noexcept override { return hashsketch::hll_family::kind_id; }
  unsigned precision() const noexcept override { return s_.precision(); }
  std::uint64_t seed() const noexcept override { return s_.hasher().seed(); }
  const char* hasher_name() const noexcept override { return xxh3_hasher::name; }
  const char* layout_name() const noexcept override { return leading_zeros_addressing::name; }
  estimator_choice default_estimator() const noexcept override { return estimator_choice::ertl; }

  interval estimate(estimator_choice e, double confidence) const override;
  double relative_standard_error(estimator_choice e) const override;
  std::vector<std::uint8_t> serialize() const override { return s_.serialize(); }
  void merge(const any_sketch& other) override {
    const auto* same = dynamic_cast<const hll_sketch*>(&other);
    if (!same)
      throw hashsketch::incompatible_sketch_error(std::string("cannot merge a ") + other.kind_name() + " P=" +
                                                  std::to_string(other.precision()) + " sketch into a " +
                                                  kind_name() + " P=" + std::to_string(precision()) + " one");
    s_.merge(same->s_);
  }
  std::unique_ptr<any_sketch> reduce(unsigned q) const override { return std::make_unique<hll_sketch>(s_.reduce(q)); }
  void add_hashes(const std::uint64_t* hashes, std::size_t n) override {
    // The typed sketch for the loop: one jump on P per batch, not per hash.
    s_.visit([&](auto& s) {
      for (std::size_t i = 0; i < n; ++i) s.add_hash(hashes[i]);
    });
  }
  std::unique_ptr<any_sketch> clone() const override { return std::make_unique<hll_sketch>(s_); }

  const hashsketch::dynamic_hyperloglog& sketch() const noexcept { return s_; }

 private:
  hashsketch::dynamic_hyperloglog s_;
};

/// An empty sketch of the family at precision p (4..16).
template <class Family>
std::unique_ptr<any_sketch> make_family_sketch(unsigned p, std::uint64_t seed) {
  if constexpr (std::is_same<Family, hashsketch::hll_family>::value) {
    return std::make_unique<hll_sketch>(hashsketch::dynamic_hyperloglog(p, seed));
  } else {
    return with_precision(p, [&](auto pc) -> std::unique_ptr<any_sketch> {
      using T = typed_sketch<Family, decltype(pc)::value>;
      return std::make_unique<T>(typename T::sketch_type(xxh3_hasher(seed)));
    });
  }
}

/// The library's deserialize() of a sketch of the family at precision p; it
/// re-checks every header field, the length and the checksum.
template <class Family>
std::unique_ptr<any_sketch> deserialize_family(unsigned p, const std::uint8_t* data, std::size_t size,
                                               std::uint64_t seed) {
  if constexpr (std::is_same<Family, hashsketch::hll_family>::value) {
    (void)p;  // the reader takes the precision from the header
    return std::make_unique<hll_sketch>(hashsketch::dynamic_hyperloglog::deserialize(data, size, xxh3_hasher(seed)));
  } else {
    return with_precision(p, [&](auto pc) -> std::unique_ptr<any_sketch> {
      using T = typed_sketch<Family, decltype(pc)::value>;
      return std::make_unique<T>(T::sketch_type::deserialize(data, size, xxh3_hasher(seed)));
    });
  }
}

/// The same registers as a sketch of Family (explicit converting constructor).
template <class Family>
std::unique_ptr<any_sketch> convert_to_family(const any_sketch& from) {
  return with_precision(from.precision(), [&](auto pc) -> std::unique_ptr<any_sketch> {
    constexpr unsigned P = decltype(pc)::value;
    auto from_family = [&](auto* tag) -> std::unique_ptr<any_sketch> {
      using Src = std::remove_pointer_t<decltype(tag)>;
      if constexpr (std::is_same<Src, Family>::value) {
        return from.clone();
      } else if constexpr (std::is_same<Src, hashsketch::hll_family>::value) {
        const auto& d = dynamic_cast<const hll_sketch&>(from).sketch();
        return std::make_unique<typed_sketch<Family, P>>(sketch_of<Family, P>(d.template to_hyperloglog<P>()));
      } else {
        const auto& src = dynamic_cast<const typed_sketch<Src, P>&>(from).sketch();
        if constexpr (std::is_same<Family, hashsketch::hll_family>::value)
          return std::make_unique<hll_sketch>(hashsketch::dynamic_hyperloglog(sketch_of<Family, P>(src)));
        else
          return std::make_unique<typed_sketch<Family, P>>(sketch_of<Family, P>(src));
      }
    };
    switch (from.kind_id()) {
      case hashsketch::loglog_family::kind_id: return from_family(static_cast<hashsketch::loglog_family*>(nullptr));
      case hashsketch::superloglog_family::kind_id:
        return from_family(static_cast<hashsketch::superloglog_family*>(nullptr));
      default: return from_family(static_cast<hashsketch::hll_family*>(nullptr));
    }
  });
}

#define HASHSKETCH_CLI_FAMILY_FACTORIES(prefix, Family)                                                          \
  prefix template std::unique_ptr<any_sketch> make_family_sketch<Family>(unsigned, std::uint64_t);              \
  prefix template std::unique_ptr<any_sketch> deserialize_family<Family>(unsigned, const std::uint8_t*,         \
                                                                         std::size_t, std::uint64_t);           \
  prefix template std::unique_ptr<any_sketch> convert_to_family<Family>(const any_sketch&);

HASHSKETCH_CLI_FAMILY_FACTORIES(extern, hashsketch::hll_family)
HASHSKETCH_CLI_FAMILY_FACTORIES(extern, hashsketch::loglog_family)
HASHSKETCH_CLI_FAMILY_FACTORIES(extern, hashsketch::superloglog_family)

}  // namespace hashsketch_cli

#endif  // HASHSKETCH_TOOLS_TYPED_SKETCH_HPP
