// Must not compile: ultraloglog<P> with P outside 4..16 is rejected by a
// static_assert (hash4j allows 3..26; our register core and tests cover 4..16).
#include <hashsketch/ultraloglog.hpp>
int main() {
  hashsketch::ultraloglog<HASHSKETCH_BAD_P> sketch;
  sketch.add(std::uint64_t{1});
  return sketch.estimate() > 0.0 ? 0 : 1;
}
