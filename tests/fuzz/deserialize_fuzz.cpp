// libFuzzer target: hyperloglog::deserialize on arbitrary bytes must either
// throw format_error or return a sketch that re-serialises to the same bytes.
#include <hashsketch/hyperloglog.hpp>

#include <cstdlib>
#include <cstring>

template <unsigned P>
static void one(const std::uint8_t* data, std::size_t size) {
  try {
    auto sketch = hashsketch::hyperloglog<P>::deserialize(data, size);
    const auto again = sketch.serialize();
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) std::abort();
    (void)sketch.estimate();
  } catch (const hashsketch::format_error&) {
  }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  one<4>(data, size);
  one<8>(data, size);
  one<12>(data, size);
  return 0;
}
