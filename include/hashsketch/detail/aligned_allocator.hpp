#ifndef HASHSKETCH_DETAIL_ALIGNED_ALLOCATOR_HPP
#define HASHSKETCH_DETAIL_ALIGNED_ALLOCATOR_HPP

// aligned_allocator<A, Alignment>: an allocator adaptor that returns storage
// aligned to `Alignment` bytes while every byte still comes from the user's
// allocator A (its state, its arena, its accounting). The register arrays
// live on it so that two sketches' registers share their offset within a
// cache line: the SIMD merge then never splits a load across lines (on
// AVX2 CPUs a 16-byte relative offset costs the merge ~28 %, measured with
// bench/kernels_bench.cpp). std::allocator only guarantees 16 bytes.
//
// How: allocate n·sizeof(T) + Alignment bytes from A (rebound to unsigned
// char), return the first aligned address strictly above the start, and keep
// the distance (1..Alignment) in the byte just below it, where deallocate()
// finds it. Cost: Alignment bytes per allocation (64 per sketch).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

namespace hashsketch {
namespace detail {

template <class Allocator, std::size_t Alignment = 64>
class aligned_allocator {
  static_assert(Alignment >= 1 && Alignment <= 256 && (Alignment & (Alignment - 1)) == 0,
                "hashsketch: alignment must be a power of two <= 256 (the offset is kept in one byte)");
  using inner_traits = std::allocator_traits<Allocator>;
  using byte_allocator = typename inner_traits::template rebind_alloc<unsigned char>;
  using byte_traits = std::allocator_traits<byte_allocator>;
  static_assert(std::is_same<typename byte_traits::pointer, unsigned char*>::value,
                "hashsketch: the register allocator must use plain pointers");

 public:
  using value_type = typename inner_traits::value_type;
  using inner_allocator_type = Allocator;
  using propagate_on_container_copy_assignment = typename inner_traits::propagate_on_container_copy_assignment;
  using propagate_on_container_move_assignment = typename inner_traits::propagate_on_container_move_assignment;
  using propagate_on_container_swap = typename inner_traits::propagate_on_container_swap;
  using is_always_equal = typename inner_traits::is_always_equal;
  template <class U>
  struct rebind {
    using other = aligned_allocator<typename inner_traits::template rebind_alloc<U>, Alignment>;
  };
  static constexpr std::size_t alignment = Alignment;

  aligned_allocator() = default;
  explicit aligned_allocator(const Allocator& inner) noexcept : inner_(inner) {}
  template <class Other>
  aligned_allocator(const aligned_allocator<Other, Alignment>& other) noexcept  // NOLINT: rebinding
      : inner_(other.inner()) {}

  /// The user's allocator the storage comes from.
  const Allocator& inner() const noexcept { return inner_; }

  value_type* allocate(std::size_t n) {
    byte_allocator bytes(inner_);
    unsigned char* raw = byte_traits::allocate(bytes, n * sizeof(value_type) + Alignment);
    const std::size_t offset = Alignment - reinterpret_cast<std::uintptr_t>(raw) % Alignment;  // 1..Alignment
    unsigned char* aligned = raw + offset;
    aligned[-1] = static_cast<unsigned char>(offset - 1u);
    return reinterpret_cast<value_type*>(aligned);
  }

  void deallocate(value_type* p, std::size_t n) noexcept {
    byte_allocator bytes(inner_);
    unsigned char* aligned = reinterpret_cast<unsigned char*>(p);
    const std::size_t offset = static_cast<std::size_t>(aligned[-1]) + 1u;
    byte_traits::deallocate(bytes, aligned - offset, n * sizeof(value_type) + Alignment);
  }

  aligned_allocator select_on_container_copy_construction() const {
    return aligned_allocator(inner_traits::select_on_container_copy_construction(inner_));
  }

  template <class Other>
  friend bool operator==(const aligned_allocator& a, const aligned_allocator<Other, Alignment>& b) noexcept {
    return a.inner() == b.inner();
  }
  template <class Other>
  friend bool operator!=(const aligned_allocator& a, const aligned_allocator<Other, Alignment>& b) noexcept {
    return !(a == b);
  }

 private:
  Allocator inner_{};
};

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_ALIGNED_ALLOCATOR_HPP
