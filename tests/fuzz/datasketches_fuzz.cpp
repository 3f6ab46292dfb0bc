// libFuzzer target: from_datasketches on arbitrary bytes must either throw
// format_error or return a valid sketch (registers ≤ 63, finite estimate)
// whose DataSketches image, in every target type, reads back to the same
// registers; reading at a coarser precision must equal reducing the result.
// Any other exception, crash or sanitizer report is a bug.
#include <hashsketch/datasketches.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

template <unsigned P>
static void one(const std::uint8_t* data, std::size_t size) {
  try {
    const auto s = hashsketch::from_datasketches<P>(data, size);
    for (std::uint8_t r : s.registers())
      if (r > 63) std::abort();
    if (!std::isfinite(s.estimate())) std::abort();
    for (auto t : {hashsketch::ds_target::hll_4, hashsketch::ds_target::hll_6, hashsketch::ds_target::hll_8}) {
      const std::vector<std::uint8_t> img = hashsketch::to_datasketches(s, t, (size & 1) != 0);
      if (!(hashsketch::from_datasketches<P>(img.data(), img.size()) == s)) std::abort();
    }
    if (!(hashsketch::from_datasketches<4>(data, size) == s.template reduce<4>())) std::abort();
  } catch (const hashsketch::format_error&) {
  }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Peeking must never read out of bounds either.
  try {
    (void)hashsketch::datasketches_lg_k(data, size);
  } catch (const hashsketch::format_error&) {
  }
  one<4>(data, size);
  one<8>(data, size);
  one<12>(data, size);
  return 0;
}
