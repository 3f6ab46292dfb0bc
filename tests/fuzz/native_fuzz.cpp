// libFuzzer target: the native format's container (detail::read_native) on
// arbitrary bytes, over every encoding (version 1 dense, versions 2 and 3
// sparse and dense_compact). It must either throw format_error or return a
// state that the writer (asked for the image's version) turns back into
// exactly these bytes (one image per state), with
// tokens ascending, distinct and within the layout's rank, and registers
// within max_rank. Never a read outside the buffer (ASan/UBSan builds).
//
// Random mutations almost never keep the checksum right, so each input is
// also tried with its last 8 bytes replaced by the right XXH64 (versions 1
// and 2) and with its last 4 replaced by the right XXH32 (version 3)
// ("resealed"), which lets the fuzzer reach the payload decoders.
#include <hashsketch/detail/native_format.hpp>
#include <hashsketch/hyperloglog.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using hashsketch::encoding;
namespace detail = hashsketch::detail;

void one(const std::uint8_t* data, std::size_t size, const detail::native_dense_id& id, unsigned max_register,
         unsigned max_rank26) {
  try {
    const auto image = detail::read_native(data, size, id, max_register, max_rank26);
    // A coded image is re-encoded in its own version (2 or 3).
    const std::uint8_t version = data[4] == 2 ? std::uint8_t{2} : hashsketch::format::version_3;
    std::vector<std::uint8_t> again;
    if (image.is_sparse()) {
      std::uint32_t previous = 0;
      for (std::size_t i = 0; i < image.tokens.size(); ++i) {
        const std::uint32_t t = image.tokens[i];
        if (i > 0 && (t >> 6) <= (previous >> 6)) std::abort();
        if ((t & 63u) + 1u > max_rank26) std::abort();
        previous = t;
      }
      again = detail::write_native(id, image.tokens.data(), image.tokens.size(), encoding::sparse, version);
    } else {
      for (std::size_t i = 0; i < id.register_count; ++i)
        if (image.registers()[i] > max_register) {
          if (image.form != encoding::dense) std::abort();  // v2/v3 decoders check it themselves
          return;                                           // v1: the sketch's reader refuses it
        }
      again = detail::write_native(id, image.registers(), image.form, version);
    }
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) std::abort();
  } catch (const hashsketch::format_error&) {
  }
}

void all_ids(const std::uint8_t* data, std::size_t size) {
  // The default layout (max rank26 39) at three precisions, and the same id
  // with DataSketches' rank bound (63), so both token rank limits are hit.
  const auto id4 = hashsketch::hyperloglog<4>::native_id(hashsketch::xxh3_hasher{});
  const auto id6 = hashsketch::hyperloglog<6>::native_id(hashsketch::xxh3_hasher(9));
  const auto id12 = hashsketch::hyperloglog<12>::native_id(hashsketch::xxh3_hasher{});
  const auto id13 = hashsketch::hyperloglog<13>::native_id(hashsketch::xxh3_hasher(42));
  const auto id14 = hashsketch::hyperloglog<14>::native_id(hashsketch::xxh3_hasher{});
  const auto id14s = hashsketch::hyperloglog<14>::native_id(hashsketch::xxh3_hasher(7));
  const auto id16 = hashsketch::hyperloglog<16>::native_id(hashsketch::xxh3_hasher{});
  one(data, size, id4, 61, 39);
  one(data, size, id4, 61, 63);
  one(data, size, id6, 59, 39);
  one(data, size, id12, 53, 39);
  one(data, size, id13, 52, 39);
  one(data, size, id14, 51, 39);
  one(data, size, id14s, 51, 39);
  one(data, size, id16, 49, 39);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  all_ids(data, size);
  if (size >= 8) {
    std::vector<std::uint8_t> resealed(data, data + size);
    const std::uint64_t sum = XXH64(resealed.data(), size - 8, 0);
    for (int i = 0; i < 8; ++i) resealed[size - 8 + i] = static_cast<std::uint8_t>(sum >> (8 * i));
    all_ids(resealed.data(), resealed.size());
  }
  if (size >= 4) {
    std::vector<std::uint8_t> resealed(data, data + size);
    const std::uint32_t sum = XXH32(resealed.data(), size - 4, 0);
    for (int i = 0; i < 4; ++i) resealed[size - 4 + i] = static_cast<std::uint8_t>(sum >> (8 * i));
    all_ids(resealed.data(), resealed.size());
  }
  return 0;
}
