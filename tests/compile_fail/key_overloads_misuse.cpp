// Must NOT compile (one misuse per HASHSKETCH_MISUSE_* macro, set by
// tests/key_overloads_test.cmake); ctest checks the compiler's reason.
#include <hashsketch/concurrent.hpp>
#include <hashsketch/martingale.hpp>
#include <hashsketch/postgresql.hpp>
#include <hashsketch/sampler.hpp>
#include <hashsketch/time_window.hpp>
#include <hashsketch/ultraloglog.hpp>

#include <cstdint>
#include <vector>

int main() {
  std::vector<std::uint64_t> keys = {1, 2, 3};
  int result = 0;
#if defined(HASHSKETCH_MISUSE_ULL_POINTER)
  hashsketch::ultraloglog<12> s;
  s.add(keys.data(), keys.size());  // would add ONE key of 24 bytes
#elif defined(HASHSKETCH_MISUSE_MARTINGALE_POINTER)
  hashsketch::martingale<hashsketch::hyperloglog<12>> s;
  s.add(keys.data(), keys.size());
#elif defined(HASHSKETCH_MISUSE_POSTGRES_POINTER)
  hashsketch::postgres_hyperloglog<12> s;
  s.add(keys.data(), keys.size());
#elif defined(HASHSKETCH_MISUSE_SAMPLER_POINTER)
  const hashsketch::hash_sampler s(0.5);
  result = s.selects(keys.data(), keys.size());
#elif defined(HASHSKETCH_MISUSE_PARTITIONER_POINTER)
  const hashsketch::hash_partitioner s({1.0, 1.0});
  result = static_cast<int>(s.bucket(keys.data(), keys.size()));
#elif defined(HASHSKETCH_MISUSE_ULL_DOUBLE)
  hashsketch::ultraloglog<12> s;
  s.add(3.2);  // would have been add(3): xxh3_hasher has no floating rule
#elif defined(HASHSKETCH_MISUSE_POSTGRES_DOUBLE)
  hashsketch::postgres_hyperloglog<12> s;
  s.add(3.2);  // the extension has no hll_hash_double
#elif defined(HASHSKETCH_MISUSE_SAMPLER_DOUBLE)
  const hashsketch::hash_sampler s(0.5);
  result = s.selects(3.2);
#elif defined(HASHSKETCH_MISUSE_CONCURRENT_POINTER)
  hashsketch::concurrent_hyperloglog<12> s;
  s.add(keys.data(), keys.size());
#elif defined(HASHSKETCH_MISUSE_CONCURRENT_DOUBLE)
  hashsketch::concurrent_hyperloglog<12> s;
  s.add(3.2);
#elif defined(HASHSKETCH_MISUSE_WINDOW_DOUBLE)
  hashsketch::time_window<hashsketch::hyperloglog<12>> s(60, 10);
  result = s.add(0, 3.2);
#endif
  return result + static_cast<int>(keys.size());
}
