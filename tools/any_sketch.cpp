// Reading, creating and converting sketches whose family and precision are
// known only at run time. The typed work happens in the per-family
// factories (tools/typed_sketch.hpp, instantiated in tools/sketch_*.cpp).
#include "any_sketch.hpp"

#include <algorithm>
#include <string>

#include <hashsketch/detail/bytes.hpp>
#include <hashsketch/errors.hpp>
#include <hashsketch/ultraloglog.hpp>

#include "typed_sketch.hpp"

namespace hashsketch_cli {
namespace {

using hashsketch::format_error;

/// Calls f(family tag) for the family whose serialised kind id is `kind`.
template <class F>
auto with_family(unsigned kind, F&& f) -> decltype(f(static_cast<hashsketch::hll_family*>(nullptr))) {
  if (kind == hashsketch::hll_family::kind_id) return f(static_cast<hashsketch::hll_family*>(nullptr));
  if (kind == hashsketch::loglog_family::kind_id) return f(static_cast<hashsketch::loglog_family*>(nullptr));
  if (kind == hashsketch::superloglog_family::kind_id) return f(static_cast<hashsketch::superloglog_family*>(nullptr));
  throw format_error("unknown sketch kind " + std::to_string(kind));
}

/// The family a sketch saved with --estimator e belongs to.
unsigned kind_for(estimator_choice e) {
  switch (e) {
    case estimator_choice::loglog: return hashsketch::loglog_family::kind_id;
    case estimator_choice::superloglog: return hashsketch::superloglog_family::kind_id;
    default: return hashsketch::hll_family::kind_id;
  }
}

}  // namespace

interval hll_sketch::estimate(estimator_choice e, double confidence) const {
  switch (e == estimator_choice::kind_default ? estimator_choice::ertl : e) {
    case estimator_choice::loglog:
      return convert_to_family<hashsketch::loglog_family>(*this)->estimate(e, confidence);
    case estimator_choice::superloglog:
      return convert_to_family<hashsketch::superloglog_family>(*this)->estimate(e, confidence);
    case estimator_choice::classic: {
      // As typed_sketch's classic_interval: estimate · (1 ± z·1.04/√m), lower
      // end clamped to the non-empty registers.
      const auto h = s_.histogram();
      const double est = s_.estimate(hashsketch::estimator::classic);
      const double spread = hashsketch::detail::normal_quantile_two_sided(confidence) * s_.relative_standard_error();
      const double non_empty = static_cast<double>(s_.register_count() - h[0]);
      const double lower = std::max({est * (1.0 - spread), non_empty, 0.0});
      const double upper = std::max(est * (1.0 + spread), lower);
      return interval{std::min(lower, est), est, upper};
    }
    case estimator_choice::ertl:
    default: return s_.confidence_interval(confidence);
  }
}

double hll_sketch::relative_standard_error(estimator_choice e) const {
  switch (e) {
    case estimator_choice::loglog:
      return convert_to_family<hashsketch::loglog_family>(*this)->relative_standard_error(e);
    case estimator_choice::superloglog:
      return convert_to_family<hashsketch::superloglog_family>(*this)->relative_standard_error(e);
    default: return s_.relative_standard_error();
  }
}

std::unique_ptr<any_sketch> make_hyperloglog(unsigned p, std::uint64_t seed) {
  return make_family_sketch<hashsketch::hll_family>(p, seed);
}

std::unique_ptr<any_sketch> convert_to(const any_sketch& from, estimator_choice family) {
  constexpr unsigned ull_kind = hashsketch::ultraloglog<4>::kind_id;
  if (from.kind_id() == ull_kind || is_ull_estimator(family)) {
    if (from.kind_id() == ull_kind && (is_ull_estimator(family) || family == estimator_choice::kind_default))
      return from.clone();
    throw runtime_failure(std::string("estimator ") + estimator_name(family) + " does not apply to a " +
                          from.kind_name() + " sketch");
  }
  const unsigned kind = kind_for(family);
  if (kind == from.kind_id()) return from.clone();
  return with_family(kind, [&](auto* tag) {
    using Family = std::remove_pointer_t<decltype(tag)>;
    return convert_to_family<Family>(from);
  });
}

sketch_header read_header(const std::uint8_t* data, std::size_t size) {
  // Both native versions (1: dense; 2: sparse / dense_compact): the library's
  // own header reader, then the checks this program needs to pick a type.
  const hashsketch::detail::native_header nh = hashsketch::detail::read_native_header(data, size);
  sketch_header h{};
  h.kind = nh.kind;
  if (h.kind != hashsketch::ultraloglog<4>::kind_id)
    with_family(h.kind, [](auto*) { return 0; });  // throws for an unknown kind
  h.precision = nh.precision;
  if (h.precision < 4 || h.precision > 16)
    throw format_error("precision " + std::to_string(h.precision) + " is outside 4..16");
  // The encoding is checked by deserialize().
  h.hasher_id = nh.hasher_id;
  if (h.hasher_id != xxh3_hasher::id)
    throw format_error("hasher id " + std::to_string(h.hasher_id) + " is not one this program reads (" +
                       xxh3_hasher::name + " = " + std::to_string(xxh3_hasher::id) + ")");
  h.addressing_id = nh.addressing_id;
  if (h.addressing_id != leading_zeros_addressing::id)
    throw format_error("register layout id " + std::to_string(h.addressing_id) + " is not one this program reads (" +
                       leading_zeros_addressing::name + " = " + std::to_string(leading_zeros_addressing::id) + ")");
  h.seed = nh.seed;
  return h;
}

std::unique_ptr<any_sketch> deserialize_any(const std::uint8_t* data, std::size_t size) {
  const sketch_header h = read_header(data, size);
  if (h.kind == hashsketch::ultraloglog<4>::kind_id) return deserialize_ultraloglog(h.precision, data, size, h.seed);
  return with_family(h.kind, [&](auto* tag) {
    using Family = std::remove_pointer_t<decltype(tag)>;
    return deserialize_family<Family>(h.precision, data, size, h.seed);
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
