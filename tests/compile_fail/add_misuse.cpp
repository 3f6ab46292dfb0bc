// Must NOT compile (one misuse per HASHSKETCH_MISUSE_* macro, set by
// tests/key_types_test.cmake); ctest checks the compiler's reason.
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/time_window.hpp>

#include <cstdint>
#include <vector>

int main() {
  hashsketch::hyperloglog<12> s;
  std::vector<std::uint64_t> keys = {1, 2, 3};
#if defined(HASHSKETCH_MISUSE_POINTER)
  s.add(keys.data(), keys.size());  // would add ONE key of 24 bytes
#elif defined(HASHSKETCH_MISUSE_WINDOW_POINTER)
  hashsketch::time_window<hashsketch::hyperloglog<12>> w(60, 10);
  w.add(0, keys.data(), keys.size());
#elif defined(HASHSKETCH_MISUSE_DOUBLE)
  s.add(3.2);  // would have been add(3): xxh3_hasher has no floating rule
#endif
  return s.estimate() > 0.0 ? 0 : 1;
}
