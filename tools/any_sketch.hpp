#ifndef HASHSKETCH_TOOLS_ANY_SKETCH_HPP
#define HASHSKETCH_TOOLS_ANY_SKETCH_HPP

// A sketch whose family and precision are known only at run time (read from
// a file's header, or chosen with -p): a thin virtual wrapper over the
// library's types — hashsketch::dynamic_hyperloglog for HyperLogLog (the
// public run-time-precision sketch), basic_sketch<Family, P, xxh3_hasher> for
// loglog and superloglog. The CLI never touches registers itself; every
// operation is the library's.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <hashsketch/basic_sketch.hpp>

#include "cli.hpp"

namespace hashsketch_cli {

/// What the native header says (docs/FORMAT.md), checked enough to dispatch.
struct sketch_header {
  unsigned kind;
  unsigned precision;
  unsigned hasher_id;
  unsigned addressing_id;
  std::uint64_t seed;
};

class any_sketch {
 public:
  virtual ~any_sketch() = default;

  /// "hyperloglog", "loglog", "superloglog".
  virtual const char* kind_name() const noexcept = 0;
  virtual unsigned kind_id() const noexcept = 0;
  virtual unsigned precision() const noexcept = 0;
  virtual std::uint64_t seed() const noexcept = 0;
  virtual const char* hasher_name() const noexcept = 0;
  virtual const char* layout_name() const noexcept = 0;
  /// The estimator used for kind_default (ertl for HyperLogLog).
  virtual estimator_choice default_estimator() const noexcept = 0;

  /// Estimate and interval with the chosen estimator; a choice of another
  /// family is computed on the same registers through the library's explicit
  /// converting constructor. The interval is estimate·(1 ± z·RSE) with the
  /// chosen estimator's RSE, lower end clamped to the non-empty registers.
  virtual hashsketch::interval estimate(estimator_choice e, double confidence) const = 0;
  /// The chosen estimator's relative standard error at this precision.
  virtual double relative_standard_error(estimator_choice e) const = 0;

  virtual std::vector<std::uint8_t> serialize() const = 0;
  /// Union in place; same kind and precision (callers check and fold first).
  /// Throws hashsketch::incompatible_sketch_error when the hashers differ.
  virtual void merge(const any_sketch& other) = 0;
  /// The exact fold to precision q ≤ precision().
  virtual std::unique_ptr<any_sketch> reduce(unsigned q) const = 0;
  /// Adds a precomputed xxh3 hash (the CLI hashes once while scanning).
  virtual void add_hashes(const std::uint64_t* hashes, std::size_t n) = 0;
  virtual std::unique_ptr<any_sketch> clone() const = 0;
};

/// An empty HyperLogLog sketch with 2^p registers and an xxh3 seed.
/// Throws hashsketch::precision_error unless 4 ≤ p ≤ 16.
std::unique_ptr<any_sketch> make_hyperloglog(unsigned p, std::uint64_t seed);

/// An empty UltraLogLog sketch (kind 4) with 2^p registers and an xxh3 seed
/// (tools/sketch_ultraloglog.cpp). Throws hashsketch::precision_error unless
/// 4 ≤ p ≤ 16.
std::unique_ptr<any_sketch> make_ultraloglog(unsigned p, std::uint64_t seed);
/// The library's ultraloglog<p>::deserialize behind any_sketch.
std::unique_ptr<any_sketch> deserialize_ultraloglog(unsigned p, const std::uint8_t* data, std::size_t size,
                                                    std::uint64_t seed);
/// True for estimators of UltraLogLog registers (fgra, ml).
inline bool is_ull_estimator(estimator_choice e) noexcept {
  return e == estimator_choice::fgra || e == estimator_choice::ull_ml;
}

/// The sketch of `family` (estimator_choice::loglog → loglog, superloglog →
/// superloglog, anything else → hyperloglog) holding `from`'s registers.
std::unique_ptr<any_sketch> convert_to(const any_sketch& from, estimator_choice family);

/// Reads the header of a native-format sketch. Throws hashsketch::format_error
/// (truncation, bad magic, unknown version/kind, precision outside 4..16,
/// a hasher or layout this program cannot read).
sketch_header read_header(const std::uint8_t* data, std::size_t size);

/// Parses a whole native-format sketch of any supported kind and precision.
/// Throws hashsketch::format_error with the library's reason.
std::unique_ptr<any_sketch> deserialize_any(const std::uint8_t* data, std::size_t size);

/// read_whole_file + deserialize_any; errors become runtime_failure
/// "FILE: hashsketch format error: REASON".
std::unique_ptr<any_sketch> load_sketch(const std::string& path);

}  // namespace hashsketch_cli

#endif  // HASHSKETCH_TOOLS_ANY_SKETCH_HPP
