// Must not compile: P outside 4..16 is rejected by a static_assert.
#include <hashsketch/hyperloglog.hpp>
int main() {
  hashsketch::hyperloglog<HASHSKETCH_BAD_P> sketch;
  sketch.add(std::uint64_t{1});
  return sketch.estimate() > 0.0 ? 0 : 1;
}
