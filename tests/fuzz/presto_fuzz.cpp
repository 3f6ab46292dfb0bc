// libFuzzer target: from_presto on arbitrary bytes must either throw
// format_error or return a sketch whose registers are valid (≤ 65 − P) and
// whose rewrite (SPARSE_V2 or DENSE_V2) reads back to the same sketch. A
// canonical DENSE_V2 input (baseline = the smallest register) is reproduced
// byte for byte, and so is an accepted SPARSE_V2 input within the sparse
// limit (strictly ascending entries are canonical: they are the tokens). The
// precision is taken from byte 1 among the ones instantiated here (4, 11,
// 12, 16); other inputs go to P = 12, where they must be rejected. Any other
// outcome — another exception, a crash, an out-of-bounds read under ASan —
// is a bug.
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
  const std::vector<std::uint8_t> written = hashsketch::to_presto(sketch);  // SPARSE_V2 or DENSE_V2
  if (!(hashsketch::from_presto<P>(written.data(), written.size()) == sketch)) std::abort();
  const auto view = sketch.registers();  // one view: a sparse sketch's is a materialised copy
  const std::uint8_t smallest = *std::min_element(view.begin(), view.end());
  if (size >= 3 && data[0] == 3 && data[2] == smallest &&
      !std::equal(written.begin(), written.end(), data, data + size))
    std::abort();
  if (data[0] == 2 && size <= hashsketch::presto_format::sparse_size(hashsketch::presto_format::sparse_max_entries(P))) {
    // The sparse state keeps at least this many tokens (P >= 8; at P = 4 it
    // may have promoted, and then DENSE_V2 is written).
    if (P >= 8 && !sketch.is_sparse()) std::abort();
    if (sketch.is_sparse() && !std::equal(written.begin(), written.end(), data, data + size)) std::abort();
  }
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
