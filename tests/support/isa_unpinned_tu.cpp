// The unpinned half of isa_pin_odr_test: an ordinary TU (no HASHSKETCH_PIN_ISA)
// linked into the same program as a TU that pins the scalar set. Its entry
// points go through function pointers so that the linker's choice between
// same-named inline functions (the bug: one kernels() for the whole program)
// is what runs, not a copy inlined here.
#include <hashsketch/concurrent.hpp>
#include <hashsketch/datasketches.hpp>
#include <hashsketch/dynamic_hyperloglog.hpp>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/redis.hpp>
#include <hashsketch/ultraloglog.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace isa_odr {

const char* (*volatile unpinned_active_isa)() = &hashsketch::active_isa;
bool (*volatile unpinned_force_isa)(const char*) = &hashsketch::force_isa;
const hashsketch::detail::kernel_table& (*volatile unpinned_kernels)() = &hashsketch::detail::kernels;

const hashsketch::detail::ull_kernel_table& (*volatile unpinned_ull_kernels)() = &hashsketch::detail::ull_kernels;

const char* unpinned_sketch_type() { return typeid(hashsketch::hyperloglog<12>).name(); }
const char* unpinned_concurrent_type() { return typeid(hashsketch::concurrent_hyperloglog<12>).name(); }
const char* unpinned_dynamic_type() { return typeid(hashsketch::dynamic_hyperloglog).name(); }
// Codec functions that call the kernel table (not templates: only the pinned
// namespace tells the two TUs' copies apart).
std::uint8_t (*volatile unpinned_redis_decode)(std::string_view, std::uint8_t*) = &hashsketch::detail::redis_decode;
void (*volatile unpinned_ds_decode)(const void*, std::size_t, unsigned, std::uint8_t*) = &hashsketch::detail::ds_decode;
const char* unpinned_ull_sketch_type() { return typeid(hashsketch::ultraloglog<12>).name(); }

// An UltraLogLog merge here (the union kernel of this TU's set, through
// ultraloglog<12>::merge, which a pinned TU must not share): the registers
// and the estimate after it.
std::vector<std::uint8_t> unpinned_ull_merge(double& estimate) {
  hashsketch::ultraloglog<12> a, b;
  for (std::uint64_t i = 0; i < 5000; ++i) a.add(i);
  for (std::uint64_t i = 2500; i < 7500; ++i) b.add(i);
  a.merge(b);
  estimate = a.estimate();
  return std::vector<std::uint8_t>(a.registers().begin(), a.registers().end());
}

double unpinned_merge_estimate() {
  hashsketch::hyperloglog<12> a, b;
  for (std::uint64_t i = 0; i < 5000; ++i) a.add(i);
  for (std::uint64_t i = 2500; i < 7500; ++i) b.add(i);
  a.merge(b);
  return a.estimate();
}

}  // namespace isa_odr
