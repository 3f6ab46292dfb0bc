// Run-time → compile-time dispatch: one typed_sketch<Family, P> per supported
// family and P = 4..16, behind the any_sketch interface.
#include "any_sketch.hpp"

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>

#include <hashsketch/detail/bytes.hpp>
#include <hashsketch/detail/stats.hpp>
#include <hashsketch/errors.hpp>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/loglog.hpp>

namespace hashsketch_cli {
namespace {

using hashsketch::format_error;
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

/// Builds a typed sketch of the family with kind id `kind` from f(family tag).
template <class F>
auto with_family(unsigned kind, F&& f) -> decltype(f(static_cast<hashsketch::hll_family*>(nullptr))) {
  if (kind == hashsketch::hll_family::kind_id) return f(static_cast<hashsketch::hll_family*>(nullptr));
  if (kind == hashsketch::loglog_family::kind_id) return f(static_cast<hashsketch::loglog_family*>(nullptr));
  if (kind == hashsketch::superloglog_family::kind_id) return f(static_cast<hashsketch::superloglog_family*>(nullptr));
  throw format_error("unknown sketch kind " + std::to_string(kind));
}

unsigned kind_for(estimator_choice e) {
  switch (e) {
    case estimator_choice::loglog: return hashsketch::loglog_family::kind_id;
    case estimator_choice::superloglog: return hashsketch::superloglog_family::kind_id;
    default: return hashsketch::hll_family::kind_id;
  }
}

}  // namespace

std::unique_ptr<any_sketch> make_hyperloglog(unsigned p, std::uint64_t seed) {
  return with_precision(p, [&](auto pc) -> std::unique_ptr<any_sketch> {
    constexpr unsigned P = decltype(pc)::value;
    using T = typed_sketch<hashsketch::hll_family, P>;
    return std::make_unique<T>(typename T::sketch_type(xxh3_hasher(seed)));
  });
}

std::unique_ptr<any_sketch> convert_to(const any_sketch& from, estimator_choice family) {
  const unsigned kind = kind_for(family);
  if (kind == from.kind_id()) return from.clone();
  // Different family over the same registers: round-trip through the native
  // bytes with the kind byte rewritten would bypass the library's checks, so
  // convert with the explicit converting constructor instead.
  return with_precision(from.precision(), [&](auto pc) -> std::unique_ptr<any_sketch> {
    constexpr unsigned P = decltype(pc)::value;
    return with_family(from.kind_id(), [&](auto* src_tag) -> std::unique_ptr<any_sketch> {
      using Src = std::remove_pointer_t<decltype(src_tag)>;
      const auto& src = dynamic_cast<const typed_sketch<Src, P>&>(from).sketch();
      return with_family(kind, [&](auto* dst_tag) -> std::unique_ptr<any_sketch> {
        using Dst = std::remove_pointer_t<decltype(dst_tag)>;
        if constexpr (std::is_same<Src, Dst>::value) {
          return std::make_unique<typed_sketch<Dst, P>>(src);
        } else {
          return std::make_unique<typed_sketch<Dst, P>>(sketch_of<Dst, P>(src));
        }
      });
    });
  });
}

sketch_header read_header(const std::uint8_t* data, std::size_t size) {
  hashsketch::detail::byte_reader r(data, size);
  const unsigned char* magic = r.bytes(4, "magic");
  if (!std::equal(magic, magic + 4, hashsketch::format::magic))
    throw format_error("bad magic (not a hashsketch sketch)");
  const unsigned version = r.u8("version");
  if (version != hashsketch::format::version) throw format_error("unknown format version " + std::to_string(version));
  sketch_header h{};
  h.kind = r.u8("kind");
  with_family(h.kind, [](auto*) { return 0; });  // throws for an unknown kind
  h.precision = r.u8("precision");
  if (h.precision < 4 || h.precision > 16)
    throw format_error("precision " + std::to_string(h.precision) + " is outside 4..16");
  r.u8("encoding");  // checked by deserialize()
  h.hasher_id = r.u8("hasher id");
  if (h.hasher_id != xxh3_hasher::id)
    throw format_error("hasher id " + std::to_string(h.hasher_id) + " is not one this program reads (" +
                       xxh3_hasher::name + " = " + std::to_string(xxh3_hasher::id) + ")");
  h.addressing_id = r.u8("addressing id");
  if (h.addressing_id != leading_zeros_addressing::id)
    throw format_error("register layout id " + std::to_string(h.addressing_id) + " is not one this program reads (" +
                       leading_zeros_addressing::name + " = " + std::to_string(leading_zeros_addressing::id) + ")");
  r.u16("reserved");
  h.seed = r.u64("seed");
  return h;
}

std::unique_ptr<any_sketch> deserialize_any(const std::uint8_t* data, std::size_t size) {
  const sketch_header h = read_header(data, size);
  return with_precision(h.precision, [&](auto pc) -> std::unique_ptr<any_sketch> {
    constexpr unsigned P = decltype(pc)::value;
    return with_family(h.kind, [&](auto* tag) -> std::unique_ptr<any_sketch> {
      using Family = std::remove_pointer_t<decltype(tag)>;
      using T = typed_sketch<Family, P>;
      // The library re-checks every field, the length and the checksum.
      return std::make_unique<T>(T::sketch_type::deserialize(data, size, xxh3_hasher(h.seed)));
    });
  });
}

std::unique_ptr<any_sketch> load_sketch(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_whole_file(path);
  try {
    return deserialize_any(bytes.data(), bytes.size());
  } catch (const hashsketch::format_error& e) {
    throw runtime_failure((path == "-" ? std::string("standard input") : path) + ": " + e.what());
  }
}

}  // namespace hashsketch_cli
