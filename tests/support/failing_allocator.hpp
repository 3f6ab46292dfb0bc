#ifndef HASHSKETCH_TESTS_SUPPORT_FAILING_ALLOCATOR_HPP
#define HASHSKETCH_TESTS_SUPPORT_FAILING_ALLOCATOR_HPP

#include <cstddef>
#include <memory>
#include <new>

namespace hashsketch_test {

/// The state behind failing_allocator, shared by every value type (one
/// program-wide switch): budget = allocations left before each further one
/// throws std::bad_alloc (< 0: no limit, 0: every allocation fails);
/// allocations = how many succeeded. Tests set and restore it themselves.
struct allocation_gate {
  static inline long budget = -1;
  static inline std::size_t allocations = 0;
};

/// std::allocator that fails on demand (allocation_gate): the stand-in for
/// memory running out at a chosen moment, for the exception-safety and
/// noexcept tests.
template <class T>
struct failing_allocator {
  using value_type = T;
  failing_allocator() = default;
  template <class U>
  failing_allocator(const failing_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (allocation_gate::budget == 0) throw std::bad_alloc();
    if (allocation_gate::budget > 0) --allocation_gate::budget;
    T* p = std::allocator<T>{}.allocate(n);
    ++allocation_gate::allocations;
    return p;
  }
  void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>{}.deallocate(p, n); }
  friend bool operator==(const failing_allocator&, const failing_allocator&) noexcept { return true; }
  friend bool operator!=(const failing_allocator&, const failing_allocator&) noexcept { return false; }
};

}  // namespace hashsketch_test

#endif  // HASHSKETCH_TESTS_SUPPORT_FAILING_ALLOCATOR_HPP
