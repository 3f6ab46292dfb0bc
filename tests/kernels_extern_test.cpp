// The kernels compiled once (hashsketch::kernels, HASHSKETCH_EXTERN_KERNELS):
// a TU that includes the sketch headers then sees no kernel bodies and no
// intrinsics (checked at compile time below), yet dispatches to the same
// kernel sets, with the same answers, as header-only use.
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/set_operations.hpp>
#include <hashsketch/ultraloglog.hpp>

#if !defined(HASHSKETCH_EXTERN_KERNELS)
#error "this test must be built with hashsketch::kernels (HASHSKETCH_EXTERN_KERNELS)"
#endif
#if defined(HASHSKETCH_DETAIL_KERNEL_SETS_HPP) || defined(HASHSKETCH_DETAIL_KERNELS_AVX2_HPP) || \
    defined(HASHSKETCH_DETAIL_ULL_KERNEL_SETS_HPP) || \
    defined(HASHSKETCH_DETAIL_KERNELS_SCALAR_HPP) || defined(_IMMINTRIN_H_INCLUDED) || defined(__IMMINTRIN_H)
#error "the common include path pulled in kernel bodies or <immintrin.h>"
#endif

#include <cstdint>
#include <string>
#include <vector>

#include "hashsketch_catch.hpp"

TEST_CASE("with the kernels compiled once, every set runs and gives the same answers") {
  const std::string initial = hashsketch::active_isa();
  const char* best = nullptr;
  for (const char* name : hashsketch::detail::all_isa_names)
    if (hashsketch::detail::kernels_for(name) != nullptr) best = name;
  REQUIRE(best != nullptr);
  if (const char* forced = std::getenv("HASHSKETCH_FORCE_ISA"); forced == nullptr || *forced == '\0')
    CHECK(initial == best);

  hashsketch::hyperloglog<14> a, b;
  for (std::uint64_t i = 0; i < 100000; ++i) a.add(i);
  std::uint64_t keys[4096];
  for (std::uint64_t i = 0; i < 4096; ++i) keys[i] = 50000 + 17 * i;
  b.add_many(keys, 4096);
  REQUIRE(hashsketch::force_isa("scalar"));
  hashsketch::hyperloglog<14> want = a;
  want.merge(b);
  const double want_estimate = want.estimate();
  const double want_union = hashsketch::estimate_union(a, b);
  for (const char* name : hashsketch::detail::all_isa_names) {
    if (!hashsketch::force_isa(name)) continue;
    INFO("isa " << name);
    hashsketch::hyperloglog<14> got = a;
    got.merge(b);
    CHECK(got == want);
    CHECK(got.estimate() == want_estimate);
    CHECK(hashsketch::estimate_union(a, b) == want_union);
    hashsketch::hyperloglog<14> bulk;
    bulk.add_many(keys, 4096);
    CHECK(bulk == b);
  }
  CHECK(hashsketch::force_isa(nullptr));
  CHECK(std::string(hashsketch::active_isa()) == initial);
}

TEST_CASE("with the kernels compiled once, the UltraLogLog kernels of every set equal the scalar ones") {
  // Every pair of register bytes through each set's union kernel (defined in
  // the kernels TU: this TU sees only their declarations).
  std::vector<std::uint8_t> a(65536), b(65536);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<std::uint8_t>(i >> 8);
    b[i] = static_cast<std::uint8_t>(i);
  }
  const hashsketch::detail::ull_kernel_table* ref = hashsketch::detail::ull_kernels_for("scalar");
  REQUIRE(ref != nullptr);
  std::vector<std::uint8_t> want = a;
  ref->merge(want.data(), b.data(), want.size());
  int sets = 0;
  for (const char* name : hashsketch::detail::all_isa_names) {
    const hashsketch::detail::ull_kernel_table* k = hashsketch::detail::ull_kernels_for(name);
    if (k == nullptr) continue;
    ++sets;
    INFO("isa " << name);
    std::vector<std::uint8_t> got = a;
    k->merge(got.data(), b.data(), got.size());
    CHECK(got == want);
  }
  CHECK(sets >= 1);
  // And through the sketch: a merge of two dense ULLs is the union of their keys.
  hashsketch::ultraloglog<10> x, y, both;
  for (std::uint64_t i = 0; i < 20000; ++i) {
    (i % 2 ? x : y).add(i);
    both.add(i);
  }
  x.merge(y);
  CHECK(x == both);
}
