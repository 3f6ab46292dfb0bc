// libFuzzer target: from_redis on arbitrary bytes must either throw
// format_error or return a sketch whose registers are valid (≤ 51) and which
// survives every re-encoding: dense and (where it fits) sparse strings parse
// back to the same registers, and a dense input is reproduced register byte
// for register byte. Any other outcome — another exception, a crash, an
// out-of-bounds read under ASan — is a bug.
#include <hashsketch/redis.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  hashsketch::redis_hyperloglog sketch;
  try {
    sketch = hashsketch::from_redis(input);
  } catch (const hashsketch::format_error&) {
    return 0;
  }
  for (auto r : sketch.registers())
    if (r > hashsketch::redis_hyperloglog::max_rank) std::abort();
  const std::string dense = hashsketch::to_redis(sketch, hashsketch::redis_encoding::dense);
  if (dense.size() != hashsketch::redis_format::dense_size) std::abort();
  if (!(hashsketch::from_redis(dense) == sketch)) std::abort();
  if (size == dense.size() && data[4] == 0 && std::memcmp(dense.data() + 16, data + 16, size - 16) != 0) std::abort();
  const std::string automatic = hashsketch::to_redis(sketch);
  if (!(hashsketch::from_redis(automatic) == sketch)) std::abort();
  if (automatic.size() > hashsketch::redis_format::sparse_max_bytes && automatic != dense) std::abort();
  (void)hashsketch::redis_count(sketch);
  return 0;
}
