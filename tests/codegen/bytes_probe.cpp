// Probe functions for the bytes_codegen test (tests/bytes_test.cmake): compiled
// at -O2 only, never linked or run. tests/cmake/check_codegen.cmake
// disassembles them and fails if the little-endian helpers or the uint64 hash
// paths contain a byte-by-byte loop or a store of the key to memory.
#include <hashsketch/detail/bytes.hpp>
#include <hashsketch/detail/murmur64a.hpp>
#include <hashsketch/hash.hpp>

#include <cstdint>

extern "C" {
std::uint64_t hashsketch_probe_load_le64(const unsigned char* p) { return hashsketch::detail::load_le64(p); }
void hashsketch_probe_store_le64(unsigned char* p, std::uint64_t v) { hashsketch::detail::store_le64(p, v); }
std::uint64_t hashsketch_probe_xxh3_u64(const hashsketch::xxh3_hasher* h, std::uint64_t key) { return (*h)(key); }
// What redis.hpp's murmur64a_hasher(uint64) does: the key's 8 LE bytes, then the hash.
std::uint64_t hashsketch_probe_murmur64a_u64(std::uint64_t key, std::uint64_t seed) {
  unsigned char bytes[8];
  hashsketch::detail::store_le64(bytes, key);
  return hashsketch::detail::murmur64a(bytes, sizeof bytes, seed);
}
}
