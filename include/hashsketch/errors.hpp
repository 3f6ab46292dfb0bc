#ifndef HASHSKETCH_ERRORS_HPP
#define HASHSKETCH_ERRORS_HPP

#include <stdexcept>
#include <string>

namespace hashsketch {

/// Thrown by every deserialiser (native format, Redis, DataSketches) when the
/// bytes are not a valid sketch of the requested type. what() names the defect
/// ("truncated: ...", "bad magic", "checksum mismatch", ...). The reader never
/// reads outside the buffer it was given before throwing.
class format_error : public std::runtime_error {
 public:
  explicit format_error(const std::string& what) : std::runtime_error("hashsketch format error: " + what) {}
};

/// Thrown when two sketches cannot be combined: different hashers, different
/// seeds or different register layouts. Merging them would silently produce
/// garbage, because the same key lands in different registers.
class incompatible_sketch_error : public std::invalid_argument {
 public:
  explicit incompatible_sketch_error(const std::string& what)
      : std::invalid_argument("hashsketch incompatible sketches: " + what) {}
};

/// Thrown where a precision is chosen at run time (CLI, codecs) and is outside
/// the supported range 4..16, or cannot be reached (a fold to a finer precision).
class precision_error : public std::invalid_argument {
 public:
  explicit precision_error(const std::string& what) : std::invalid_argument("hashsketch precision error: " + what) {}
};

}  // namespace hashsketch

#endif  // HASHSKETCH_ERRORS_HPP
