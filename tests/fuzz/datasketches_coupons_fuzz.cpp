// libFuzzer target: the DataSketches coupon reader (LIST and SET images) on
// arbitrary bytes must either throw format_error or return distinct coupons
// (values 1..63, at most 3*2^lg_k/32 of them) that the replay of
// DataSketches' coupon list / hash set keeps in coupon mode and writes back,
// compact and updatable, to images that read back to the same coupon set; a
// LIST's coupons come back in their order. Any other exception, crash or
// sanitizer report is a bug.
#include <hashsketch/datasketches.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace hd = hashsketch::detail;
  hd::ds_coupon_image img;
  try {
    img = hd::ds_read_coupons(data, size);
  } catch (const hashsketch::format_error&) {
    return 0;
  }
  std::vector<std::uint32_t> sorted = img.coupons;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) std::abort();
  if (sorted.size() > hd::ds::max_coupons(img.lg_k)) std::abort();
  if (!sorted.empty() && (sorted.front() >> 26) == 0) std::abort();
  hd::ds_coupon_builder b(img.lg_k);
  for (std::uint32_t c : img.coupons)
    if (!b.add(c)) std::abort();
  for (bool compact : {true, false}) {
    const std::vector<std::uint8_t> again = hd::ds_encode_coupons(b, img.tgt, compact);
    try {
      const hd::ds_coupon_image back = hd::ds_read_coupons(again.data(), again.size());
      if (img.mode == hd::ds::mode_list && back.mode == hd::ds::mode_list && back.coupons != img.coupons) std::abort();
      std::vector<std::uint32_t> s = back.coupons;
      std::sort(s.begin(), s.end());
      if (s != sorted) std::abort();
    } catch (const hashsketch::format_error&) {
      std::abort();  // our own image must read
    }
  }
  return 0;
}
