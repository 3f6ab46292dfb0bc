// Must NOT compile (ctest checks the reason):
//   HASHSKETCH_BAD=1: add(std::uint64_t) — SQL has no unsigned types, so no
//     key type converts silently; the deleted overload says which to pick.
//   HASHSKETCH_BAD=2: regwidth 8 — the extension creates regwidth 1..7 only.
#include <hashsketch/postgresql.hpp>

#include <cstdint>

int main() {
#if HASHSKETCH_BAD == 1
  hashsketch::postgres_hyperloglog<11> s;
  s.add(std::uint64_t{42});
#else
  hashsketch::postgres_hyperloglog<11, 8> s;
  s.add(std::int64_t{42});
#endif
  return 0;
}
