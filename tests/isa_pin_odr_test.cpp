// HASHSKETCH_PIN_ISA is ODR-safe: this TU pins the scalar set and is linked
// with an unpinned TU (tests/support/isa_unpinned_tu.cpp), in both link
// orders (isa_pin_odr_test and isa_pin_odr_test_reversed, see the .cmake).
// Each TU must keep its own choice. Before pinned builds had their own
// symbols, kernels() and active_isa() were one inline function per program,
// and whichever TU the linker took first decided for both. The same held for
// UltraLogLog: ull_kernels() and the ultraloglog class were outside the
// pinned namespace, so both TUs shared one ull_kernels() (one cached set) and
// one ultraloglog<12>::merge.
#define HASHSKETCH_PIN_ISA scalar
#include <hashsketch/concurrent.hpp>
#include <hashsketch/datasketches.hpp>
#include <hashsketch/dynamic_hyperloglog.hpp>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/redis.hpp>
#include <hashsketch/ultraloglog.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "hashsketch_catch.hpp"

namespace isa_odr {
extern const char* (*volatile unpinned_active_isa)();
extern bool (*volatile unpinned_force_isa)(const char*);
extern const hashsketch::detail::kernel_table& (*volatile unpinned_kernels)();
extern const hashsketch::detail::ull_kernel_table& (*volatile unpinned_ull_kernels)();
const char* unpinned_sketch_type();
const char* unpinned_concurrent_type();
const char* unpinned_dynamic_type();
extern std::uint8_t (*volatile unpinned_redis_decode)(std::string_view, std::uint8_t*);
extern void (*volatile unpinned_ds_decode)(const void*, std::size_t, unsigned, std::uint8_t*);
const char* unpinned_ull_sketch_type();
double unpinned_merge_estimate();
std::vector<std::uint8_t> unpinned_ull_merge(double& estimate);

const char* (*volatile pinned_active_isa)() = &hashsketch::active_isa;
std::uint8_t (*volatile pinned_redis_decode)(std::string_view, std::uint8_t*) = &hashsketch::detail::redis_decode;
void (*volatile pinned_ds_decode)(const void*, std::size_t, unsigned, std::uint8_t*) = &hashsketch::detail::ds_decode;
const hashsketch::detail::kernel_table& (*volatile pinned_kernels)() = &hashsketch::detail::kernels;
const hashsketch::detail::ull_kernel_table& (*volatile pinned_ull_kernels)() = &hashsketch::detail::ull_kernels;
}  // namespace isa_odr

namespace {
// Moves the unpinned TU off "scalar" (to the last other set this CPU runs),
// so the two TUs' choices differ whatever HASHSKETCH_FORCE_ISA the suite runs
// under; nullptr if this CPU runs no other set.
const char* move_unpinned_off_scalar() {
  const char* other = nullptr;
  for (const char* name : hashsketch::detail::all_isa_names)
    if (std::string(name) != "scalar" && hashsketch::detail::kernels_for(name) != nullptr) other = name;
  if (other != nullptr && !isa_odr::unpinned_force_isa(other)) FAIL("force_isa(" << other << ") refused");
  return other;
}
}  // namespace

TEST_CASE("a pinned and an unpinned TU in one program each keep their kernel set") {
  const char* other = move_unpinned_off_scalar();
  if (other == nullptr) {
    WARN("no kernel set other than scalar on this CPU: nothing to tell apart");
    return;
  }
  CHECK(std::string(isa_odr::unpinned_active_isa()) == other);
  CHECK(std::string(isa_odr::pinned_active_isa()) == "scalar");
  CHECK(std::string(isa_odr::pinned_kernels().isa) == "scalar");
  CHECK(std::string(isa_odr::unpinned_kernels().isa) == other);
  CHECK(&isa_odr::pinned_kernels() != &isa_odr::unpinned_kernels());
  // The sketch types differ too, so their members (which call the kernels)
  // are distinct symbols and passing a sketch across is a link error.
  CHECK(std::string(typeid(hashsketch::hyperloglog<12>).name()) != isa_odr::unpinned_sketch_type());
  // Same answers either way.
  hashsketch::hyperloglog<12> a, b;
  for (std::uint64_t i = 0; i < 5000; ++i) a.add(i);
  for (std::uint64_t i = 2500; i < 7500; ++i) b.add(i);
  a.merge(b);
  CHECK(a.estimate() == isa_odr::unpinned_merge_estimate());
  CHECK(isa_odr::unpinned_force_isa(nullptr));
}

TEST_CASE("UltraLogLog in a pinned and an unpinned TU: each uses its own union kernels") {
  const char* other = move_unpinned_off_scalar();
  if (other == nullptr) {
    WARN("no kernel set other than scalar on this CPU: nothing to tell apart");
    return;
  }
  // A merge in each TU first (the old ull_kernels() cached its set on the
  // first call, from whichever TU's kernels() its one definition called).
  double unpinned_estimate = 0.0;
  const std::vector<std::uint8_t> unpinned_registers = isa_odr::unpinned_ull_merge(unpinned_estimate);
  hashsketch::ultraloglog<12> a, b;
  for (std::uint64_t i = 0; i < 5000; ++i) a.add(i);
  for (std::uint64_t i = 2500; i < 7500; ++i) b.add(i);
  a.merge(b);
  CHECK(std::string(isa_odr::pinned_ull_kernels().isa) == "scalar");
  CHECK(std::string(isa_odr::unpinned_ull_kernels().isa) == other);
  CHECK(&isa_odr::pinned_ull_kernels() != &isa_odr::unpinned_ull_kernels());
  // Distinct sketch types: ultraloglog<12>::merge of one TU is not the other's.
  CHECK(std::string(typeid(hashsketch::ultraloglog<12>).name()) != isa_odr::unpinned_ull_sketch_type());
  // Same registers and estimate either way.
  CHECK(std::vector<std::uint8_t>(a.registers().begin(), a.registers().end()) == unpinned_registers);
  CHECK(a.estimate() == unpinned_estimate);
  CHECK(isa_odr::unpinned_force_isa(nullptr));
}

TEST_CASE("pinned builds have their own codec functions, concurrent and dynamic sketches") {
  // Found in review after the UltraLogLog fix: the Redis and DataSketches
  // codec functions (which call kernels() for pack6/unpack6/pack4/unpack4),
  // concurrent_hyperloglog and basic_dynamic_hyperloglog were outside the
  // pinned namespace, so a pinned and an unpinned TU shared one copy each.
  CHECK(isa_odr::pinned_redis_decode != isa_odr::unpinned_redis_decode);
  CHECK(isa_odr::pinned_ds_decode != isa_odr::unpinned_ds_decode);
  CHECK(std::string(typeid(hashsketch::concurrent_hyperloglog<12>).name()) != isa_odr::unpinned_concurrent_type());
  CHECK(std::string(typeid(hashsketch::dynamic_hyperloglog).name()) != isa_odr::unpinned_dynamic_type());
  // And each copy decodes alike.
  hashsketch::redis_hyperloglog r;
  for (std::uint64_t i = 0; i < 3000; ++i) r.add(i);
  const std::string bytes = hashsketch::to_redis(r, hashsketch::redis_encoding::dense);
  std::vector<std::uint8_t> pinned(16384), unpinned(16384);
  CHECK(isa_odr::pinned_redis_decode(bytes, pinned.data()) == isa_odr::unpinned_redis_decode(bytes, unpinned.data()));
  CHECK(pinned == unpinned);
}
