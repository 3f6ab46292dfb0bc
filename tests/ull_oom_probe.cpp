// ultraloglog::add_hash is noexcept (issue 15's API). In the sparse state it
// may have to allocate (the token store grows, or promotes to the m
// registers); when that allocation fails, the failure cannot be reported
// from a noexcept member, and the documented behaviour is std::terminate
// (ultraloglog.hpp, docs/ultraloglog.md). This program checks exactly that:
// its terminate handler prints the marker the test looks for and exits 0;
// if add_hash returned instead (an exception swallowed, a key silently
// dropped) or let std::bad_alloc out to the caller (not noexcept), it prints
// something else and exits 1. Run by ctest
// (tests/ultraloglog_test.cmake) with PASS_REGULAR_EXPRESSION.
#include <hashsketch/ultraloglog.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>

#include "support/failing_allocator.hpp"

int main() {
  std::set_terminate([] {
    std::puts("ull_oom_probe: std::terminate on allocation failure inside noexcept add_hash");
    std::fflush(stdout);
    std::_Exit(0);
  });
  hashsketch::ultraloglog<12, hashsketch::xxh3_hasher, hashsketch_test::failing_allocator<std::uint8_t>> s;
  static_assert(noexcept(s.add_hash(0)), "add_hash must be noexcept");
  hashsketch_test::allocation_gate::budget = 0;  // the first token needs the store's first block
  try {
    s.add_hash(0x0123456789abcdefull);
    std::puts("ull_oom_probe: add_hash returned although its allocation failed");
  } catch (const std::bad_alloc&) {
    // Only reachable if add_hash let the exception out (not noexcept).
    std::puts("ull_oom_probe: add_hash threw std::bad_alloc");
  }
  return 1;
}
