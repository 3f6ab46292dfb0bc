// libFuzzer target: time_window::deserialize on arbitrary bytes must either
// throw format_error or return a window that re-serialises to the same bytes
// and answers queries. The checksum would stop almost every mutation at the
// door, so when the first byte is odd the input's trailing XXH64 is rewritten
// first ("resealed"): that path fuzzes the field validation behind it.
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/time_window.hpp>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

namespace {

template <class Sketch>
void one(const std::uint8_t* data, std::size_t size) {
  using window = hashsketch::time_window<Sketch>;
  try {
    window w = window::deserialize(data, size);
    const auto again = w.serialize();
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) std::abort();
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    (void)w.estimate_last(max);
    (void)w.estimate(w.oldest_time(), w.now());
    w.add(w.now(), std::uint64_t{42});
    w.advance(w.now() <= max - w.bucket_width() ? w.now() + w.bucket_width() : max);
  } catch (const hashsketch::format_error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t* body = data + 1;
  std::size_t body_size = size - 1;
  std::vector<std::uint8_t> resealed;
  if ((data[0] & 1) && body_size >= 8) {
    resealed.assign(body, body + body_size);
    const std::size_t covered = body_size - 8;
    hashsketch::detail::store_le64(resealed.data() + covered, XXH64(resealed.data(), covered, 0));
    body = resealed.data();
  }
  one<hashsketch::hyperloglog<4>>(body, body_size);
  one<hashsketch::hyperloglog<6>>(body, body_size);
  return 0;
}
