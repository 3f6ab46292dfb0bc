// libFuzzer target: hyperloglog::deserialize on arbitrary bytes (every
// encoding) must either throw format_error or return a valid sketch: one that
// re-serialises, in the image's encoding, to the same bytes, whose registers
// are all ≤ max_rank, and whose estimate and confidence interval are finite
// and ordered.
//
// A random mutation almost never keeps the XXH64 checksum right, so on its own
// the fuzzer would stop at "checksum mismatch" and never reach the register
// validation or the accepting path. Each input is therefore also tried with
// its last 8 bytes replaced by the correct checksum ("resealed").
#include <hashsketch/hyperloglog.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

// The encoding an image claims (docs/FORMAT.md: version byte 4, encoding
// byte 7 without version 3's identity flag); what it is re-serialised in.
hashsketch::encoding encoding_of(const std::uint8_t* data, std::size_t size) {
  if (size > 7 && (data[4] == hashsketch::format::version_2 || data[4] == hashsketch::format::version_3))
    return (data[7] & 0x7F) == hashsketch::format::encoding_sparse_u8 ? hashsketch::encoding::sparse
                                                                      : hashsketch::encoding::dense_compact;
  return hashsketch::encoding::dense;
}

template <unsigned P>
void one(const std::uint8_t* data, std::size_t size) {
  using sketch_type = hashsketch::hyperloglog<P>;
  try {
    const sketch_type sketch = sketch_type::deserialize(data, size);
    const hashsketch::encoding enc = encoding_of(data, size);
    // A sparse image with more tokens than the sparse limit reads back dense.
    // serialize() writes version 3 for the coded encodings, so a version-2
    // image (still read) must give the same sketch back, not its bytes.
    if (enc != hashsketch::encoding::sparse || sketch.is_sparse()) {
      const auto again = sketch.serialize(enc);
      if (data[4] == hashsketch::format::version_2) {
        if (!(sketch_type::deserialize(again.data(), again.size()) == sketch)) std::abort();
      } else if (again.size() != size || std::memcmp(again.data(), data, size) != 0) {
        std::abort();
      }
    }
    for (std::uint8_t r : sketch.registers())
      if (r > sketch_type::max_rank) std::abort();
    const double e = sketch.estimate();
    if (!std::isfinite(e) || e < 0) std::abort();
    const auto ci = sketch.confidence_interval(0.95);
    if (!(ci.lower <= ci.estimate && ci.estimate <= ci.upper && ci.lower >= 0)) std::abort();
    if (sketch.empty() != (e == 0)) std::abort();
    // Merging with itself changes nothing; reducing keeps it valid.
    sketch_type twice = sketch;
    twice.merge(sketch);
    if (!(twice == sketch)) std::abort();
    if (!std::isfinite(sketch.template reduce<4>().estimate())) std::abort();
  } catch (const hashsketch::format_error&) {
  }
}

void all_precisions(const std::uint8_t* data, std::size_t size) {
  one<4>(data, size);
  one<8>(data, size);
  one<12>(data, size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  all_precisions(data, size);
  if (size >= 8) {
    std::vector<std::uint8_t> resealed(data, data + size);
    const std::uint64_t sum = XXH64(resealed.data(), size - 8, 0);
    for (int i = 0; i < 8; ++i) resealed[size - 8 + i] = static_cast<std::uint8_t>(sum >> (8 * i));
    all_precisions(resealed.data(), resealed.size());
  }
  return 0;
}
