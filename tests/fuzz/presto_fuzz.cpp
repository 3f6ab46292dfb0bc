// libFuzzer target: from_presto on arbitrary bytes must either throw
// format_error or return a sketch whose registers are valid (≤ 65 − P) and
// whose DENSE_V2 rewrite parses back to the same registers; a canonical
// DENSE_V2 input (baseline = the smallest register) is reproduced byte for
// byte. The precision is taken from byte 1 among the ones instantiated here
// (4, 11, 12, 16); other inputs go to P = 12, where they must be rejected.
// Any other outcome — another exception, a crash, an out-of-bounds read
// under ASan — is a bug.
#include <hashsketch/presto.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace {

template <unsigned P>
void check(const std::uint8_t* data, std::size_t size) {
  hashsketch::presto_hyperloglog<P> sketch;
  try {
    sketch = hashsketch::from_presto<P>(data, size);
  } catch (const hashsketch::format_error&) {
    return;
  }
  for (auto r : sketch.registers())
    if (r > hashsketch::presto_hyperloglog<P>::max_rank) std::abort();
  const std::vector<std::uint8_t> dense = hashsketch::to_presto(sketch);
  if (!(hashsketch::from_presto<P>(dense.data(), dense.size()) == sketch)) std::abort();
  const std::uint8_t smallest = *std::min_element(sketch.registers().begin(), sketch.registers().end());
  if (size >= 3 && data[0] == 3 && data[2] == smallest &&
      !std::equal(dense.begin(), dense.end(), data, data + size))
    std::abort();
  (void)sketch.estimate();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const unsigned p = size >= 2 ? data[1] : 0;
  switch (p) {
    case 4: check<4>(data, size); break;
    case 11: check<11>(data, size); break;
    case 16: check<16>(data, size); break;
    default: check<12>(data, size); break;
  }
  return 0;
}
