// Every SIMD kernel set this CPU runs is checked equal to the scalar reference
// (detail/kernels_scalar.hpp) on seeded random registers for every P = 4..16,
// odd lengths and unaligned pointers; the batch XXH3 is checked bit-identical
// to xxhash.h; add_many equals n × add register for register; merge_all and
// estimate_union equal their naive versions. scripts/test.sh runs this file
// once per forced ISA and, cross-compiled, under qemu-aarch64 for NEON.

#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/set_operations.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "hashsketch_catch.hpp"

namespace {

using hashsketch::register_stats;
using hashsketch::detail::kernel_table;

/// The kernel sets built for this architecture that this CPU runs, and the
/// tuned default table.
std::vector<const kernel_table*> supported_sets() {
  std::vector<const kernel_table*> out;
  for (const char* name : hashsketch::detail::all_isa_names)
    if (const kernel_table* t = hashsketch::detail::kernels_for(name)) out.push_back(t);
  out.push_back(&hashsketch::detail::best_kernels());  // the tuned default mixes sets
  return out;
}

const kernel_table& reference() { return *hashsketch::detail::kernels_for("scalar"); }

/// Registers shaped like a real sketch's (geometric ranks, some empty, some
/// saturated), uniform over 0..max_rank, all empty, all saturated, only
/// 0..2, or within a narrow band of ranks, depending on `shape`.
void fill_registers(std::uint8_t* regs, std::size_t n, unsigned max_rank, int shape, std::mt19937_64& rng) {
  std::uniform_int_distribution<unsigned> uniform(0, max_rank);
  std::geometric_distribution<unsigned> geometric(0.5);
  for (std::size_t i = 0; i < n; ++i) {
    unsigned r;
    switch (shape) {
      case 0: r = uniform(rng); break;
      case 1: r = std::min(max_rank, 1u + geometric(rng) + (rng() % 4 == 0 ? 0u : 10u)); break;
      case 2: r = 0; break;
      case 3: r = max_rank; break;
      case 5: r = static_cast<unsigned>(rng() % 3); break;  // only the largest weights: the last byte groups
      // A warmed-up sketch: every register within 8 ranks (the pruned AVX2
      // stats path), without and with empty registers; then spreads of
      // exactly 7 (still pruned) and 8 (the unpruned fallback).
      case 6: r = std::min(max_rank - 1, 9u + std::min(7u, geometric(rng))); break;
      case 7: r = rng() % 64 == 0 ? 0u : std::min(max_rank - 1, 9u + std::min(7u, geometric(rng))); break;
      case 8: r = std::min(max_rank - 1, 10u + static_cast<unsigned>(rng() % 8)); break;
      case 9: r = std::min(max_rank - 1, 10u + static_cast<unsigned>(rng() % 9)); break;
      default: r = rng() % 3 == 0 ? 0u : std::min(max_rank, 1u + geometric(rng)); break;
    }
    regs[i] = static_cast<std::uint8_t>(r);
  }
}

bool same_stats(const register_stats& a, const register_stats& b) {
  return a.zeros == b.zeros && a.saturated == b.saturated && a.weighted == b.weighted;
}

/// Runs every register kernel of `k` and of the reference on the same inputs
/// at byte offset `offset` (unaligned when odd) and compares the results.
void compare_register_kernels(const kernel_table& k, std::size_t n, unsigned max_rank, int shape,
                              std::size_t offset, std::mt19937_64& rng) {
  const kernel_table& ref = reference();
  std::vector<std::uint8_t> a_buf(n + offset + 64), b_buf(n + offset + 64);
  std::uint8_t* a = a_buf.data() + offset;
  std::uint8_t* b = b_buf.data() + offset + 1;  // a and b differently misaligned
  fill_registers(a, n, max_rank, shape, rng);
  fill_registers(b, n, max_rank, shape == 2 ? 1 : shape, rng);
  INFO("isa " << k.isa << ", n " << n << ", max rank " << max_rank << ", shape " << shape << ", offset " << offset);

  // merge_max: the bytes around [0, n) must stay untouched.
  std::vector<std::uint8_t> got(a_buf), want(a_buf);
  k.merge_max(got.data() + offset, b, n);
  ref.merge_max(want.data() + offset, b, n);
  CHECK(got == want);

  std::vector<std::uint8_t> out_got(n + 2, 0xAB), out_want(n + 2, 0xAB);
  k.merge_max_into(out_got.data() + 1, a, b, n);
  ref.merge_max_into(out_want.data() + 1, a, b, n);
  CHECK(out_got == out_want);

  hashsketch::register_histogram h_got, h_want;
  h_got.fill(7);
  k.register_histogram(a, n, h_got.data());
  ref.register_histogram(a, n, h_want.data());
  CHECK(h_got == h_want);
  h_got.fill(7);
  k.merge_histogram(a, b, n, h_got.data());
  ref.merge_histogram(a, b, n, h_want.data());
  CHECK(h_got == h_want);

  // Stats for the layout's own q and for the other layouts' (q = 62 is
  // DataSketches': weighted wraps mod 2^64 there, identically in every set).
  for (unsigned q : {max_rank - 1u, 50u, 62u}) {
    if (q + 1 < max_rank) continue;  // registers above q + 1 are invalid for that layout
    INFO("q " << q);
    register_stats s_got{1, 2, 3}, s_want{};
    k.register_stats(a, n, q, &s_got);
    ref.register_stats(a, n, q, &s_want);
    CHECK(same_stats(s_got, s_want));
    k.merge_stats(a, b, n, q, &s_got);
    ref.merge_stats(a, b, n, q, &s_want);
    CHECK(same_stats(s_got, s_want));
  }
}

std::uint64_t xxh3_of_key(std::uint64_t key, std::uint64_t seed) {
  unsigned char bytes[8];
  hashsketch::detail::store_le64(bytes, key);
  return XXH3_64bits_withSeed(bytes, 8, seed);
}

}  // namespace

TEST_CASE("the scalar stats reference equals its definition from the histogram") {
  std::mt19937_64 rng(11);
  for (unsigned p = 4; p <= 16; ++p) {
    const std::size_t m = std::size_t{1} << p;
    const unsigned q = 64 - p;
    std::vector<std::uint8_t> regs(m);
    fill_registers(regs.data(), m, q + 1, 4, rng);
    hashsketch::register_histogram h;
    hashsketch::detail::register_histogram_scalar(regs.data(), m, h.data());
    register_stats s;
    hashsketch::detail::register_stats_scalar(regs.data(), m, q, &s);
    CHECK(same_stats(s, hashsketch::stats_of(h, q)));
    CHECK(hashsketch::register_stats_fit(m, q));
    CHECK_FALSE(hashsketch::register_stats_fit(m, 62));
  }
}

TEST_CASE("every supported kernel set equals the scalar reference for P = 4..16") {
  std::mt19937_64 rng(20240601);
  const auto sets = supported_sets();
  REQUIRE(!sets.empty());
  for (const kernel_table* k : sets) {
    for (unsigned p = 4; p <= 16; ++p) {
      const std::size_t m = std::size_t{1} << p;
      const unsigned max_rank = 65 - p;
      for (int shape = 0; shape < 10; ++shape) {
        compare_register_kernels(*k, m, max_rank, shape, 0, rng);
        compare_register_kernels(*k, m - 1, max_rank, shape, 3, rng);  // odd length, unaligned
        compare_register_kernels(*k, m + 37, max_rank, shape, 1, rng);
      }
    }
  }
}

TEST_CASE("every supported kernel set handles short, odd and flush-boundary lengths") {
  std::mt19937_64 rng(7);
  for (const kernel_table* k : supported_sets()) {
    // 0..300 covers every tail; 255·16, 255·32 and 255·64 straddle the points
    // where byte counters are flushed; 200000 > 2^16 checks 32-bit counts.
    std::vector<std::size_t> lengths;
    for (std::size_t n = 0; n <= 300; ++n) lengths.push_back(n);
    for (std::size_t n : {4079u, 4080u, 4081u, 8159u, 8160u, 8161u, 16319u, 16320u, 16321u, 200000u})
      lengths.push_back(n);
    for (std::size_t n : lengths)
      for (int shape : {0, 2, 3, 4, 5, 6, 7}) compare_register_kernels(*k, n, 63, shape, n % 7, rng);
  }
}

TEST_CASE("every supported kernel set packs and unpacks 6-bit registers like the scalar reference") {
  // pack6 / unpack6 (Redis dense, DataSketches HLL_6): every length that is a
  // multiple of 8 up to 800 (every vector tail and the short inputs that skip
  // the vector loop), the codecs' 2^12..2^16, and unaligned pointers. Packing
  // sees arbitrary bytes (only their low 6 bits count); unpacking reads from a
  // heap block that ends exactly at the packed bytes (ASan flags any read
  // past it) and writes no byte beyond its n registers.
  std::mt19937_64 rng(66);
  const kernel_table& ref = reference();
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 800; n += 8) lengths.push_back(n);
  for (std::size_t n : {4096u, 16384u, 65536u}) lengths.push_back(n);
  for (const kernel_table* k : supported_sets())
    for (std::size_t n : lengths) {
      const std::size_t bytes = n / 8 * 6, offset = n % 5;
      INFO("isa " << k->isa << ", n " << n);
      std::vector<std::uint8_t> regs_buf(n + offset);
      for (auto& r : regs_buf) r = static_cast<std::uint8_t>(rng());
      const std::uint8_t* regs = regs_buf.data() + offset;
      std::vector<unsigned char> got(bytes + 40, 0xEE), want(bytes + 40, 0xEE);
      k->pack6(regs, n, got.data() + 3);
      ref.pack6(regs, n, want.data() + 3);
      CHECK(got == want);

      std::vector<unsigned char> exact(want.begin() + 3, want.begin() + 3 + static_cast<std::ptrdiff_t>(bytes));
      std::vector<std::uint8_t> masked(n);
      for (std::size_t i = 0; i < n; ++i) masked[i] = regs[i] & 63u;
      // Limits below, at and above the largest value, so the flag is checked
      // both ways (and for every position of the largest value over the runs).
      const unsigned largest = n == 0 ? 0u : *std::max_element(masked.begin(), masked.end());
      for (unsigned limit : {0u, 31u, 51u, 62u, 63u, largest, largest == 0 ? 0u : largest - 1u}) {
        INFO("limit " << limit);
        std::vector<std::uint8_t> out_got(n + 40, 0xAB), out_want(n + 40, 0xAB);
        const bool above_got = k->unpack6(exact.data(), n, out_got.data() + 1, limit);
        const bool above_want = ref.unpack6(exact.data(), n, out_want.data() + 1, limit);
        CHECK(above_got == above_want);
        CHECK(above_want == (largest > limit));
        CHECK(out_got == out_want);
        CHECK(std::equal(masked.begin(), masked.end(), out_got.begin() + 1));
      }
    }
}

TEST_CASE("every supported kernel set packs and unpacks 4-bit registers like the scalar reference") {
  // pack4 / unpack4 (DataSketches HLL_4): every even length up to 300 (every
  // vector tail), 2^12 and 2^16, unaligned pointers, bases 0..49 (cur_min),
  // registers from base up to 63 so that some clamp to 15, and nibble bytes
  // that are arbitrary (every nibble value, 15s included) for unpacking.
  std::mt19937_64 rng(44);
  const kernel_table& ref = reference();
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 300; n += 2) lengths.push_back(n);
  for (std::size_t n : {4096u, 65536u}) lengths.push_back(n);
  for (const kernel_table* k : supported_sets())
    for (std::size_t n : lengths)
      for (unsigned base : {0u, 1u, 7u, 49u}) {
        const std::size_t offset = n % 3;
        INFO("isa " << k->isa << ", n " << n << ", base " << base);
        std::vector<std::uint8_t> regs_buf(n + offset);
        for (auto& r : regs_buf)
          r = static_cast<std::uint8_t>(base + (rng() % 4 == 0 ? rng() % (64 - base) : rng() % std::min(16u, 64 - base)));
        const std::uint8_t* regs = regs_buf.data() + offset;
        std::vector<unsigned char> got(n / 2 + 40, 0xEE), want(n / 2 + 40, 0xEE);
        const std::size_t words = (n + 63) / 64;
        std::vector<std::uint64_t> exc_got(words + 1, 0x5A5A), exc_want(words + 1, ~std::uint64_t{0});
        k->pack4(regs, n, base, got.data() + 1, exc_got.data());
        ref.pack4(regs, n, base, want.data() + 1, exc_want.data());
        CHECK(got == want);
        CHECK(std::equal(exc_got.begin(), exc_got.begin() + static_cast<std::ptrdiff_t>(words), exc_want.begin()));
        CHECK(exc_got[words] == 0x5A5A);  // nothing past the ⌈n/64⌉ words
        std::size_t expected_marked = 0, wrong = 0;  // the reference against the definition
        for (std::size_t i = 0; i < n; ++i) {
          const unsigned d = regs[i] - base, nib = d < 15 ? d : 15u;
          wrong += ((want[1 + i / 2] >> (4 * (i % 2))) & 15u) != nib;
          wrong += ((exc_want[i / 64] >> (i % 64)) & 1u) != (nib == 15u);
        }
        for (std::size_t i = n; i < 64 * words; ++i) wrong += (exc_want[i / 64] >> (i % 64)) & 1u;
        CHECK(wrong == 0);
        // Unpack arbitrary nibbles from a block that ends at the n/2 bytes.
        std::vector<unsigned char> nibbles(n / 2);
        for (auto& b : nibbles) b = static_cast<unsigned char>(rng() % 3 == 0 ? 0xFFu : rng());
        for (unsigned char b : nibbles) expected_marked += ((b & 15u) == 15u) + ((b >> 4) == 15u);
        std::vector<std::uint8_t> out_got(n + 40, 0xAB), out_want(n + 40, 0xAB);
        CHECK(k->unpack4(nibbles.data(), n, base, out_got.data() + 1) == expected_marked);
        CHECK(ref.unpack4(nibbles.data(), n, base, out_want.data() + 1) == expected_marked);
        CHECK(out_got == out_want);
        for (std::size_t i = 0; i < n; ++i)
          wrong += out_want[1 + i] != base + ((nibbles[i / 2] >> (4 * (i % 2))) & 15u);
        CHECK(wrong == 0);
      }
}

TEST_CASE("the histogram kernels count registers in narrow, wide and mixed value ranges") {
  // register_histogram prunes per 1024-register block by value range: blocks
  // of one value, of 28 values (the widest pruned), of 29 (the fallback), at
  // the top of the range (60..63, where the last group of four passes 63),
  // and blocks of different kinds one after another.
  std::mt19937_64 rng(28);
  for (const kernel_table* k : supported_sets())
    for (unsigned width : {1u, 4u, 5u, 27u, 28u, 29u, 64u})
      for (unsigned base : {0u, 10u, 60u}) {
        const unsigned lo = std::min(base, 64u - width);
        std::vector<std::uint8_t> regs(4 * 1024 + 77);
        for (std::size_t i = 0; i < regs.size(); ++i) {
          const unsigned block_width = (i / 1024) % 2 == 0 ? width : 1u + (i / 1024) * 9 % 64;
          const unsigned block_lo = std::min(lo, 64u - block_width);
          regs[i] = static_cast<std::uint8_t>(block_lo + rng() % block_width);
        }
        INFO("isa " << k->isa << ", values " << lo << ".." << lo + width - 1);
        hashsketch::register_histogram got, want;
        got.fill(5);
        k->register_histogram(regs.data(), regs.size(), got.data());
        reference().register_histogram(regs.data(), regs.size(), want.data());
        CHECK(got == want);
      }
}

TEST_CASE("batch XXH3 of 8-byte keys is bit-identical to XXH3_64bits_withSeed") {
  std::mt19937_64 rng(99);
  const std::uint64_t seeds[] = {0, 1, 42, 0xFFFFFFFFull, 0x100000000ull, 0xDEADBEEFCAFEBABEull, ~0ull, rng()};
  std::vector<std::uint64_t> keys(1031);  // odd: every set has a tail
  for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = i < 16 ? i : (i < 32 ? ~0ull - i : rng());
  for (const kernel_table* k : supported_sets()) {
    for (std::uint64_t seed : seeds) {
      INFO("isa " << k->isa << ", seed " << seed);
      for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{9}, keys.size()}) {
        std::vector<std::uint64_t> out(n + 1, 0x5A5A5A5A5A5A5A5Aull);
        k->xxh3_batch(keys.data(), n, seed, out.data());
        for (std::size_t i = 0; i < n; ++i) REQUIRE(out[i] == xxh3_of_key(keys[i], seed));
        CHECK(out[n] == 0x5A5A5A5A5A5A5A5Aull);  // nothing written past n
      }
    }
  }
}

TEST_CASE("the batch register update equals the scalar reference for P = 4..16") {
  std::mt19937_64 rng(5);
  std::vector<std::uint64_t> keys(100003);
  for (auto& key : keys) key = rng();
  for (const kernel_table* k : supported_sets()) {
    for (unsigned p = 4; p <= 16; ++p) {
      const std::size_t m = std::size_t{1} << p;
      for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{12345}}) {
        INFO("isa " << k->isa << ", P " << p << ", seed " << seed);
        std::vector<std::uint8_t> start(m);
        fill_registers(start.data(), m, 65 - p, 4, rng);
        for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{13}, std::size_t{257}, keys.size()}) {
          std::vector<std::uint8_t> got(start), want(start);
          k->xxh3_max_update(got.data(), p, keys.data(), n, seed);
          reference().xxh3_max_update(want.data(), p, keys.data(), n, seed);
          REQUIRE(got == want);
        }
      }
    }
  }
}

namespace {

template <unsigned P>
void check_add_many(std::uint64_t seed) {
  INFO("P " << P << ", seed " << seed << ", active isa " << hashsketch::active_isa());
  using sketch = hashsketch::hyperloglog<P>;
  const hashsketch::xxh3_hasher hasher(seed);
  std::mt19937_64 rng(P * 1000 + seed);
  // Batch sizes on both sides of the m/4 switch to the branch-free path.
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{100}, sketch::register_count / 4 - 1,
                        sketch::register_count / 4, std::size_t{50000}}) {
    std::vector<std::uint64_t> keys(n);
    for (auto& key : keys) key = rng() >> (rng() % 64);
    sketch bulk(hasher), one_by_one(hasher);
    bulk.add(std::uint64_t{77});
    one_by_one.add(std::uint64_t{77});
    bulk.add_many(keys.data(), keys.size());
    for (std::uint64_t key : keys) one_by_one.add(key);
    REQUIRE(bulk == one_by_one);
    CHECK(bulk.histogram() == one_by_one.histogram());
    CHECK(bulk.estimate() == one_by_one.estimate());
    // After a merge the histogram is stale; add_many must still match.
    sketch other(hasher);
    other.add(std::uint64_t{5});
    bulk.merge(other);
    one_by_one.merge(other);
    bulk.add_many(keys.data(), keys.size() / 2);
    for (std::size_t i = 0; i < keys.size() / 2; ++i) one_by_one.add(keys[i]);
    REQUIRE(bulk == one_by_one);
    CHECK(bulk.estimate() == one_by_one.estimate());
  }
}

template <unsigned... Ps>
void check_add_many_all(std::integer_sequence<unsigned, Ps...>) {
  (check_add_many<Ps + 4>(0), ...);
  (check_add_many<Ps + 4>(0xABCDEF0123ull), ...);
}

}  // namespace

TEST_CASE("add_many equals n x add, register for register, for P = 4..16") {
  check_add_many_all(std::make_integer_sequence<unsigned, 13>{});
}

// Test policies live in a named namespace: in an anonymous one clang flags
// their unused-but-required static members.
namespace kernels_test {

// A family without a register_stats estimator (exercises the histogram path).
struct histogram_only_family {
  static constexpr std::uint8_t kind_id = 200;
  static constexpr const char* name = "histogram-only";
  static constexpr bool has_estimator_choice = false;
  static double estimate(const hashsketch::register_histogram& counts, std::size_t m, unsigned q) noexcept {
    double s = 0;  // a deliberately histogram-shaped statistic: Σ k²·C_k
    for (unsigned k = 0; k <= q + 1; ++k) s += static_cast<double>(k) * k * counts[k];
    return s / static_cast<double>(m);
  }
  static constexpr double relative_standard_error(std::size_t m) noexcept { return 1.0 / static_cast<double>(m); }
};

// A layout whose largest rank is 63 at every P (like DataSketches'): q = 62,
// so register_stats overflow and the histogram path is used.
struct rank63_addressing {
  static constexpr std::uint8_t id = 201;
  static constexpr const char* name = "test-rank63";
  static constexpr std::uint8_t max_rank(unsigned) noexcept { return 63; }
  template <unsigned P>
  static void locate(std::uint64_t hash, std::size_t& index, std::uint8_t& rank) noexcept {
    index = static_cast<std::size_t>(hash & ((std::uint64_t{1} << P) - 1u));
    const std::uint64_t rest = (hash >> P) | (std::uint64_t{1} << 62);
    rank = static_cast<std::uint8_t>(hashsketch::detail::ctz64_nonzero(rest) + 1u);
  }
  static void fold(unsigned, const std::uint8_t*, unsigned, std::uint8_t*) noexcept {}
};

}  // namespace kernels_test

namespace {
using kernels_test::histogram_only_family;
using kernels_test::rank63_addressing;

template <class Sketch>
std::vector<Sketch> random_sketches(std::size_t count, std::size_t keys_each, std::uint64_t seed,
                                    const typename Sketch::hasher_type& hasher = {}) {
  std::mt19937_64 rng(seed);
  std::vector<Sketch> out;
  for (std::size_t i = 0; i < count; ++i) {
    Sketch s(hasher);
    const std::size_t n = keys_each * (i % 3) + i;  // some nearly empty
    for (std::size_t j = 0; j < n; ++j) s.add(rng() % 1000000);
    out.push_back(s);
  }
  return out;
}

template <class Sketch>
void check_set_operations(std::uint64_t seed) {
  const auto sketches = random_sketches<Sketch>(23, 3000, seed);
  Sketch naive = sketches.front();
  for (std::size_t i = 1; i < sketches.size(); ++i) naive = naive | sketches[i];
  const Sketch all = hashsketch::merge_all(sketches.begin(), sketches.end());
  CHECK(all == naive);
  CHECK(all.histogram() == naive.histogram());
  CHECK(all.estimate() == naive.estimate());

  std::vector<const Sketch*> pointers;
  for (const auto& s : sketches) pointers.push_back(&s);
  CHECK(hashsketch::merge_all(pointers.begin(), pointers.end()) == naive);
  const std::list<Sketch> as_list(sketches.begin(), sketches.end());  // not random access
  CHECK(hashsketch::merge_all(as_list.begin(), as_list.end()) == naive);
  CHECK(hashsketch::merge_all(sketches.begin() + 1, sketches.end(), sketches.front()) == naive);
  CHECK(hashsketch::merge_all(sketches.begin(), sketches.begin() + 1) == sketches.front());

  for (std::size_t i = 0; i + 1 < sketches.size(); ++i) {
    const Sketch& a = sketches[i];
    const Sketch& b = sketches[i + 1];
    CHECK(hashsketch::estimate_union(a, b) == (a | b).estimate());
    Sketch merged = a;
    merged.merge(b);
    CHECK(hashsketch::estimate_union(a, b) == merged.estimate());
  }
}

}  // namespace

TEST_CASE("merge_all and estimate_union equal their naive versions") {
  check_set_operations<hashsketch::hyperloglog<4>>(1);
  check_set_operations<hashsketch::hyperloglog<10>>(2);
  check_set_operations<hashsketch::hyperloglog<14>>(3);
  check_set_operations<hashsketch::hyperloglog<16>>(4);
  using rank63 = hashsketch::hyperloglog<12, hashsketch::xxh3_hasher, std::allocator<std::uint8_t>, rank63_addressing>;
  check_set_operations<rank63>(5);
  using plain = hashsketch::basic_sketch<histogram_only_family, 11, hashsketch::xxh3_hasher,
                                         std::allocator<std::uint8_t>, hashsketch::leading_zeros_addressing>;
  check_set_operations<plain>(6);

  // The classic estimator too.
  const auto s = random_sketches<hashsketch::hyperloglog<12>>(2, 5000, 8);
  CHECK(hashsketch::estimate_union(s[0], s[1], hashsketch::estimator::classic) ==
        (s[0] | s[1]).estimate(hashsketch::estimator::classic));
}

TEST_CASE("estimate after a merge equals the estimate of the same registers with a current histogram") {
  std::mt19937_64 rng(3);
  hashsketch::hyperloglog<16> a, b;
  for (int i = 0; i < 300000; ++i) a.add(rng());
  for (int i = 0; i < 100000; ++i) b.add(rng());
  a.merge(b);  // histogram now stale: estimate() takes the stats pass
  const auto bytes = a.serialize();
  const auto rebuilt = hashsketch::hyperloglog<16>::deserialize(bytes.data(), bytes.size());
  CHECK(a.estimate() == rebuilt.estimate());
  CHECK(a.estimate(hashsketch::estimator::classic) == rebuilt.estimate(hashsketch::estimator::classic));
  CHECK(a.confidence_interval().lower == rebuilt.confidence_interval().lower);
  CHECK(a.estimate() == Approx(400000).epsilon(0.03));  // 3 % > 7σ at P = 16 (σ = 1.04/256 ≈ 0.41 %)
}

TEST_CASE("merge_all: empty range, mixed hashers") {
  std::vector<hashsketch::hyperloglog<8>> none;
  const auto empty = hashsketch::merge_all(none.begin(), none.end());
  CHECK(empty.empty());
  CHECK(empty.estimate() == 0.0);
  const hashsketch::xxh3_hasher seeded(9);
  const auto kept = hashsketch::merge_all(none.begin(), none.end(), hashsketch::hyperloglog<8>(seeded));
  CHECK(kept.hasher() == seeded);

  auto mixed = random_sketches<hashsketch::hyperloglog<8>>(3, 100, 1);
  mixed.push_back(hashsketch::hyperloglog<8>(seeded));
  CHECK_THROWS_AS(hashsketch::merge_all(mixed.begin(), mixed.end()), hashsketch::incompatible_sketch_error);
  CHECK_THROWS_WITH(hashsketch::merge_all(mixed.begin(), mixed.end()), Catch::Contains("position 3"));
  CHECK_THROWS_AS(hashsketch::estimate_union(mixed[0], mixed[3]), hashsketch::incompatible_sketch_error);
}

namespace {

/// A stateful user allocator that records what it hands out.
struct allocation_log {
  std::size_t allocations = 0, deallocations = 0, bytes_live = 0, last_request = 0;
};

template <class T>
struct logging_allocator {
  using value_type = T;
  allocation_log* log;
  explicit logging_allocator(allocation_log* l) noexcept : log(l) {}
  template <class U>
  logging_allocator(const logging_allocator<U>& other) noexcept : log(other.log) {}
  T* allocate(std::size_t n) {
    ++log->allocations;
    log->bytes_live += n * sizeof(T);
    log->last_request = n * sizeof(T);
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    ++log->deallocations;
    log->bytes_live -= n * sizeof(T);
    std::allocator<T>().deallocate(p, n);
  }
  template <class U>
  friend bool operator==(const logging_allocator& a, const logging_allocator<U>& b) noexcept {
    return a.log == b.log;
  }
  template <class U>
  friend bool operator!=(const logging_allocator& a, const logging_allocator<U>& b) noexcept {
    return a.log != b.log;
  }
};

bool cache_line_aligned(const std::uint8_t* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }

}  // namespace

TEST_CASE("register storage is 64-byte aligned and comes from the user's allocator") {
  // Default allocator: many sketches, every one aligned (std::allocator alone
  // guarantees only 16 bytes, so unaligned ones would show up here). New
  // sketches are sparse: registers() materialises a copy, aligned as well.
  std::vector<hashsketch::hyperloglog<8>> many(64);
  for (const auto& s : many) CHECK(cache_line_aligned(s.registers().data()));
  for (auto& s : many) s.densify();
  for (const auto& s : many) CHECK(cache_line_aligned(s.registers().data()));
  hashsketch::hyperloglog<12> a;
  for (std::uint64_t i = 0; i < 1000; ++i) a.add(i);
  const hashsketch::hyperloglog<12> copy = a;
  CHECK(cache_line_aligned(copy.registers().data()));
  CHECK(cache_line_aligned((a | copy).registers().data()));
  CHECK(cache_line_aligned(a.reduce<9>().registers().data()));
  a.densify();
  const hashsketch::hyperloglog<12> dense_copy = a;
  CHECK(cache_line_aligned(dense_copy.registers().data()));
  CHECK(cache_line_aligned((a | dense_copy).registers().data()));
  CHECK(cache_line_aligned(a.reduce<9>().registers().data()));

  using sketch = hashsketch::hyperloglog<10, hashsketch::xxh3_hasher, logging_allocator<std::uint8_t>>;
  allocation_log log;
  {
    sketch s(hashsketch::xxh3_hasher{}, logging_allocator<std::uint8_t>(&log));
    CHECK(log.allocations == 0);  // sparse: nothing allocated until tokens need the heap
    s.densify();
    CHECK(log.allocations == 1);
    // The dense block (m registers + the summary) + the alignment slack, as
    // memory_bytes() counts it.
    CHECK(log.last_request == s.memory_bytes() - sizeof(sketch));
    CHECK(log.last_request >= sketch::register_count + 64);
    CHECK(cache_line_aligned(s.registers().data()));
    CHECK(s.get_allocator().log == &log);  // the user's allocator, not the adaptor
    for (std::uint64_t i = 0; i < 5000; ++i) s.add(i);
    sketch t = s;  // copies allocate from the same allocator
    CHECK(log.allocations == 2);
    CHECK(t == s);
    CHECK(cache_line_aligned(t.registers().data()));
    const sketch u = s | t;
    CHECK(log.allocations == 3);
    CHECK(u.get_allocator().log == &log);
    CHECK(u.estimate() == s.estimate());
    // The sparse state's tokens come from the same allocator, and
    // memory_bytes() counts exactly the bytes taken.
    sketch sp(hashsketch::xxh3_hasher{}, logging_allocator<std::uint8_t>(&log));
    const std::size_t live_before = log.bytes_live;
    for (std::uint64_t i = 0; i < 200; ++i) sp.add(i);
    REQUIRE(sp.is_sparse());
    CHECK(log.bytes_live - live_before == sp.memory_bytes() - sizeof(sketch));
    CHECK(cache_line_aligned(sp.registers().data()));  // a materialised copy, from the allocator too
    CHECK(log.bytes_live - live_before == sp.memory_bytes() - sizeof(sketch));  // … and returned
  }
  CHECK(log.deallocations == log.allocations);
  CHECK(log.bytes_live == 0);  // every block returned with the size it was taken with
}

#if defined(HASHSKETCH_ARCH_X86)
// The pruned stats kernels pick a path per 1 KiB block from its value range:
// 1, 2 or 3 looked-up bytes (spread < 8, < 16, < 24), with or without empty
// registers, and the unpruned fallback (spread ≥ 24 or a saturated
// register). Each block here gets one chosen spread, so every path and the
// boundaries between them (7/8, 15/16, 23/24) are hit, beside blocks of
// other kinds in the same call; called directly, so the kernels are checked
// whichever one the tuned default table picked on this CPU.
TEST_CASE("the pruned AVX2 and AVX-512BW (and the VBMI) stats kernels equal the scalar reference on every block path") {
  using hashsketch::detail::x86_has;
  using stats_fn = void (*)(const std::uint8_t*, std::size_t, unsigned, register_stats*) noexcept;
  using merge_fn = void (*)(const std::uint8_t*, const std::uint8_t*, std::size_t, unsigned, register_stats*) noexcept;
  std::vector<std::pair<stats_fn, merge_fn>> kernels;
  std::vector<std::string> names;
  if (x86_has("avx2")) {
    kernels.emplace_back(&hashsketch::detail::register_stats_avx2, &hashsketch::detail::merge_stats_avx2);
    names.emplace_back("avx2");
  }
  if (x86_has("avx512bw")) {
    kernels.emplace_back(&hashsketch::detail::register_stats_avx512bw, &hashsketch::detail::merge_stats_avx512bw);
    names.emplace_back("avx512bw");
  }
  if (x86_has("avx512bw") && x86_has("avx512vbmi")) {  // untabled since round 4, kept: still checked
    kernels.emplace_back(&hashsketch::detail::register_stats_avx512, &hashsketch::detail::merge_stats_avx512);
    names.emplace_back("avx512vbmi");
  }
  if (kernels.empty()) return;  // no AVX2 on this CPU: nothing to compare
  std::mt19937_64 rng(99);
  const unsigned spreads[] = {0, 1, 7, 8, 15, 16, 23, 24, 30};
  for (unsigned p : {10u, 12u, 14u}) {
    const std::size_t m = std::size_t{1} << p;
    const unsigned q = 64 - p;
    for (int trial = 0; trial < 12; ++trial) {
      std::vector<std::uint8_t> a(m + 64), b(m + 64);
      for (std::vector<std::uint8_t>* v : {&a, &b}) {
        for (std::size_t block = 0; block < m; block += 1024) {
          const unsigned spread = spreads[rng() % (sizeof spreads / sizeof spreads[0])];
          const unsigned lo = 1 + static_cast<unsigned>(rng() % (q - spread));  // hi = lo + spread ≤ q
          const bool empties = rng() % 2 == 0, saturated = rng() % 5 == 0;
          const std::size_t end = std::min(m, block + 1024);
          for (std::size_t i = block; i < end; ++i)
            (*v)[i] = static_cast<std::uint8_t>(lo + rng() % (spread + 1));
          (*v)[block + rng() % (end - block)] = static_cast<std::uint8_t>(lo);  // the exact range
          (*v)[block + rng() % (end - block)] = static_cast<std::uint8_t>(lo + spread);
          if (empties) (*v)[block + rng() % (end - block)] = 0;
          if (saturated) (*v)[block + rng() % (end - block)] = static_cast<std::uint8_t>(q + 1);
        }
      }
      for (std::size_t offset : {std::size_t{0}, std::size_t{5}}) {
        for (std::size_t k = 0; k < kernels.size(); ++k) {
          INFO("kernel " << names[k] << ", P " << p << ", trial " << trial << ", offset " << offset);
          register_stats got{1, 2, 3}, want{};
          kernels[k].first(a.data() + offset, m - offset, q, &got);
          hashsketch::detail::register_stats_scalar(a.data() + offset, m - offset, q, &want);
          CHECK(same_stats(got, want));
          kernels[k].second(a.data() + offset, b.data(), m - offset, q, &got);
          hashsketch::detail::merge_stats_scalar(a.data() + offset, b.data(), m - offset, q, &want);
          CHECK(same_stats(got, want));
        }
      }
    }
  }
}
#endif
