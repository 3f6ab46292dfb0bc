// libFuzzer target: time_window::deserialize on arbitrary bytes must either
// throw format_error or return a window whose re-serialisation reads back to
// the same window (and is a fixed point) and that answers queries. The checksum would stop almost every mutation at the
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
    // Buckets are written in their sketch's automatic encoding, so an input
    // holding e.g. version-1 dense buckets re-serialises to other (smaller)
    // bytes; what must hold is that those bytes read back to the same window
    // and are then a fixed point.
    const auto again = w.serialize();
    const window back = window::deserialize(again.data(), again.size());
    const auto third = back.serialize();
    if (third != again) std::abort();
    if (back.estimate(back.oldest_time(), back.now()) != w.estimate(w.oldest_time(), w.now())) std::abort();
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
