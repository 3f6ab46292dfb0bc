// HASHSKETCH_PIN_ISA is ODR-safe: this TU pins the scalar set and is linked
// with an unpinned TU (tests/support/isa_unpinned_tu.cpp), in both link
// orders (isa_pin_odr_test and isa_pin_odr_test_reversed, see the .cmake).
// Each TU must keep its own choice. Before pinned builds had their own
// symbols, kernels() and active_isa() were one inline function per program,
// and whichever TU the linker took first decided for both.
#define HASHSKETCH_PIN_ISA scalar
#include <hashsketch/hyperloglog.hpp>

#include <cstdint>
#include <string>
#include <typeinfo>

#include "hashsketch_catch.hpp"

namespace isa_odr {
extern const char* (*volatile unpinned_active_isa)();
extern bool (*volatile unpinned_force_isa)(const char*);
extern const hashsketch::detail::kernel_table& (*volatile unpinned_kernels)();
const char* unpinned_sketch_type();
double unpinned_merge_estimate();

const char* (*volatile pinned_active_isa)() = &hashsketch::active_isa;
const hashsketch::detail::kernel_table& (*volatile pinned_kernels)() = &hashsketch::detail::kernels;
}  // namespace isa_odr

TEST_CASE("a pinned and an unpinned TU in one program each keep their kernel set") {
  // Move the unpinned TU off "scalar" so the two choices differ whatever
  // HASHSKETCH_FORCE_ISA the suite runs under.
  const char* other = nullptr;
  for (const char* name : hashsketch::detail::all_isa_names)
    if (std::string(name) != "scalar" && hashsketch::detail::kernels_for(name) != nullptr) other = name;
  if (other == nullptr) {
    WARN("no kernel set other than scalar on this CPU: nothing to tell apart");
    return;
  }
  REQUIRE(isa_odr::unpinned_force_isa(other));
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
