// libFuzzer target: ultraloglog<P>::deserialize and martingale<ultraloglog<P>>
// ::deserialize on arbitrary bytes must either throw format_error or return a
// sketch whose registers are all valid UltraLogLog bytes, whose estimates
// are finite, and which serialises back to the same bytes. Any other
// exception, crash or sanitizer report is a bug. The input is also read as
// raw register bytes (its valid ones) and merged, to exercise the kernels.
#include <hashsketch/martingale.hpp>
#include <hashsketch/ultraloglog.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

template <unsigned P>
static void one(const std::uint8_t* data, std::size_t size) {
  using ull = hashsketch::ultraloglog<P>;
  try {
    const ull s = ull::deserialize(data, size);
    for (std::uint8_t r : s.registers())
      if (!ull::valid_register(r)) std::abort();
    if (!std::isfinite(s.estimate()) || !std::isfinite(s.estimate(hashsketch::ull_estimator::ml))) std::abort();
    const std::vector<std::uint8_t> back = s.serialize();
    if (back.size() != size || std::memcmp(back.data(), data, size) != 0) std::abort();
    ull u = s;
    u.merge(s);
    if (!(u == s)) std::abort();  // a union with itself changes nothing
    if (!(s.to_hyperloglog().template reduce<4>() == s.template reduce<4>().to_hyperloglog())) std::abort();
  } catch (const hashsketch::format_error&) {
  }
  try {
    const auto m = hashsketch::martingale<ull>::deserialize(data, size);
    if (!std::isfinite(m.estimate())) std::abort();
    const std::vector<std::uint8_t> back = m.serialize();
    if (back.size() != size || std::memcmp(back.data(), data, size) != 0) std::abort();
  } catch (const hashsketch::format_error&) {
  }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  one<4>(data, size);
  one<6>(data, size);
  one<10>(data, size);
  return 0;
}
