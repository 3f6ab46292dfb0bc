// Redis interoperability without a server: the hasher and layout policies,
// to_redis / from_redis round trips (dense, sparse, automatic), golden strings
// recorded from a real redis-server 7.0 (tests/data/redis/README.md), every
// class of hostile string, and the merge rules. The live-server checks are in
// redis_server_test.cpp.
#include <hashsketch/redis.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "hashsketch_catch.hpp"

using hashsketch::format_error;
using hashsketch::from_redis;
using hashsketch::redis_encoding;
using hashsketch::redis_hyperloglog;
using hashsketch::to_redis;

namespace {

std::string golden(const char* name) {
  std::ifstream in(std::string(HASHSKETCH_TEST_DATA_DIR) + "/redis/" + name, std::ios::binary);
  REQUIRE(in.good());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The keys the golden files were built from: "k0" … "k<n-1>", PFADDed in order.
redis_hyperloglog sketch_of_k(int n) {
  redis_hyperloglog s;
  for (int i = 0; i < n; ++i) s.add("k" + std::to_string(i));
  return s;
}

redis_hyperloglog random_sketch(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  redis_hyperloglog s;
  for (std::size_t i = 0; i < n; ++i) s.add(rng());
  return s;
}

std::string header(std::uint8_t encoding) {
  std::string h = "HYLL";
  h.push_back(static_cast<char>(encoding));
  h.append(11, '\0');
  return h;
}

std::string xzero(unsigned run) {
  const unsigned x = run - 1;
  return {static_cast<char>(0x40u | (x >> 8)), static_cast<char>(x & 0xffu)};
}
std::string zero(unsigned run) { return std::string(1, static_cast<char>(run - 1)); }
std::string val(unsigned value, unsigned run) {
  return std::string(1, static_cast<char>(0x80u | ((value - 1) << 2) | (run - 1)));
}

std::string error_of(const std::string& bytes) {
  try {
    (void)from_redis(bytes);
  } catch (const format_error& e) {
    return e.what();
  }
  return "(accepted)";
}

std::uint64_t cached(const std::string& s) {
  return hashsketch::detail::load_le64(reinterpret_cast<const unsigned char*>(s.data()) + 8);
}

// Detection idiom: does `a.merge(b)` compile?
template <class A, class B, class = void>
struct member_mergeable : std::false_type {};
template <class A, class B>
struct member_mergeable<A, B, std::void_t<decltype(std::declval<A&>().merge(std::declval<const B&>()))>>
    : std::true_type {};

}  // namespace

TEST_CASE("murmur64a_hasher: policy contract and seeds") {
  const hashsketch::murmur64a_hasher redis;
  CHECK(redis.seed() == 0xadc83b19u);
  CHECK(hashsketch::murmur64a_hasher::id != hashsketch::xxh3_hasher::id);
  // Empty input, seed 0: h = 0 ^ 0·m = 0 and the finaliser keeps 0.
  CHECK(hashsketch::murmur64a_hasher(0)("", 0) == 0u);
  CHECK(redis("abc", 3) == redis(std::string_view("abc")));
  CHECK(hashsketch::murmur64a_hasher(1)("abc", 3) != redis("abc", 3));
  // The uint64 overload hashes the 8 little-endian bytes.
  const unsigned char le[8] = {0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
  CHECK(redis(std::uint64_t{0x0102030405060708}) == redis(le, 8));
  // Every tail length 0..7 and two blocks reach distinct values (all bytes are mixed in).
  const std::string text = "0123456789abcdef";
  std::vector<std::uint64_t> seen;
  for (std::size_t n = 0; n <= text.size(); ++n) seen.push_back(redis(text.data(), n));
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
}

TEST_CASE("redis_addressing: low 14 bits index, trailing zeros + 1 rank, 1..51") {
  using A = hashsketch::redis_addressing;
  STATIC_REQUIRE(A::max_rank(14) == 51);
  STATIC_REQUIRE(redis_hyperloglog::max_rank == 51);
  STATIC_REQUIRE(A::id != hashsketch::leading_zeros_addressing::id);
  std::size_t index = 0;
  std::uint8_t rank = 0;
  A::locate<14>(0x1234u | (std::uint64_t{1} << 14), index, rank);
  CHECK(index == 0x1234u);
  CHECK(rank == 1);
  A::locate<14>(0x3fffu | (std::uint64_t{1} << 20), index, rank);
  CHECK(index == 0x3fffu);
  CHECK(rank == 7);
  A::locate<14>(std::uint64_t{1} << 63, index, rank);  // 49 zeros above the index, then a one
  CHECK(index == 0u);
  CHECK(rank == 50);
  A::locate<14>(7, index, rank);  // all 50 rank bits zero: the sentinel caps it
  CHECK(index == 7u);
  CHECK(rank == 51);
}

TEMPLATE_TEST_CASE_SIG("redis_addressing folds exactly: reduce<Q>() equals the sketch built at Q", "", ((unsigned Q), Q),
                       4, 7, 10, 13, 14) {
  using fine_t = hashsketch::hyperloglog<14, hashsketch::murmur64a_hasher, std::allocator<std::uint8_t>,
                                         hashsketch::redis_addressing>;
  using coarse_t = hashsketch::hyperloglog<Q, hashsketch::murmur64a_hasher, std::allocator<std::uint8_t>,
                                           hashsketch::redis_addressing>;
  for (std::size_t n : {0u, 1u, 300u, 20000u, 400000u}) {
    std::mt19937_64 rng(n + 17);
    fine_t fine;
    coarse_t coarse;
    for (std::size_t i = 0; i < n; ++i) {
      const auto k = rng();
      fine.add(k);
      coarse.add(k);
    }
    CHECK(fine.template reduce<Q>() == coarse);
  }
}

TEST_CASE("redis_hyperloglog matches strings recorded from redis-server (hash, layout, encoding, cache)") {
  struct recorded {
    const char* file;
    int n;
    std::uint64_t pfcount;  // what the server answered (tests/data/redis/README.md)
    redis_encoding encoding;
  };
  for (const recorded& r : {recorded{"pfadd_k0_to_k9.bin", 10, 10, redis_encoding::sparse},
                            recorded{"pfadd_k0_to_k1999.bin", 2000, 1976, redis_encoding::dense},
                            recorded{"pfadd_k0_to_k99999.bin", 100000, 100216, redis_encoding::dense}}) {
    INFO(r.file);
    const std::string bytes = golden(r.file);
    const redis_hyperloglog ours = sketch_of_k(r.n);
    const redis_hyperloglog theirs = from_redis(bytes);
    CHECK(theirs == ours);  // registers equal, bit for bit
    CHECK(hashsketch::redis_count(ours) == r.pfcount);
    CHECK(cached(bytes) == r.pfcount);  // recorded after PFCOUNT: cache valid
    CHECK(to_redis(ours) == bytes);     // automatic picks what Redis has, byte for byte
    CHECK(to_redis(ours, r.encoding) == bytes);
  }
}

TEST_CASE("to_redis: the empty sketch is Redis's fresh key") {
  const redis_hyperloglog empty;
  std::string expected = header(1) + xzero(16384);
  CHECK(to_redis(empty) == expected);
  CHECK(to_redis(empty).size() == 18);
  CHECK(to_redis(empty, redis_encoding::dense).size() == hashsketch::redis_format::dense_size);
  CHECK(from_redis(to_redis(empty, redis_encoding::dense)) == empty);
  CHECK(hashsketch::redis_count(empty) == 0);
}

TEST_CASE("to_redis / from_redis round trips, dense and sparse, and automatic's choice") {
  for (std::size_t n : {1u, 10u, 200u, 1000u, 1500u, 3000u, 20000u, 1000000u}) {
    INFO("n = " << n);
    const redis_hyperloglog s = random_sketch(n, 1000 + n);
    const std::string dense = to_redis(s, redis_encoding::dense);
    REQUIRE(dense.size() == 12304);
    CHECK(dense.substr(0, 5) == std::string("HYLL\0", 5));
    CHECK(from_redis(dense) == s);
    CHECK(to_redis(from_redis(dense), redis_encoding::dense) == dense);

    bool fits = true;
    for (auto r : s.registers()) fits = fits && r <= 32;
    if (fits) {
      const std::string sparse = to_redis(s, redis_encoding::sparse);
      CHECK(static_cast<unsigned char>(sparse[4]) == 1);
      CHECK(from_redis(sparse) == s);
      CHECK(to_redis(from_redis(sparse), redis_encoding::sparse) == sparse);
      const std::string automatic = to_redis(s);
      CHECK(automatic == (sparse.size() <= 3000 ? sparse : dense));
    } else {
      CHECK_THROWS_AS(to_redis(s, redis_encoding::sparse), std::invalid_argument);
      CHECK(to_redis(s) == dense);
    }
    // Cached cardinality: PFCOUNT's integer, cache marked valid (bit 63 clear).
    CHECK(cached(dense) == hashsketch::redis_count(s));
    CHECK((cached(dense) >> 63) == 0u);
  }
  // Small n stays sparse, large n is dense, as in Redis.
  CHECK(to_redis(random_sketch(100, 1)).size() < 3000);
  CHECK(to_redis(random_sketch(100000, 1)).size() == 12304);
}

TEST_CASE("to_redis: a register above 32 forces dense; forced sparse throws") {
  redis_hyperloglog s;
  s.add_hash(std::uint64_t{1} << (14 + 39));  // 39 trailing zeros above the index → rank 40
  REQUIRE(s.registers()[0] == 40);
  CHECK(to_redis(s).size() == 12304);
  CHECK_THROWS_AS(to_redis(s, redis_encoding::sparse), std::invalid_argument);
  CHECK(from_redis(to_redis(s)) == s);
  s.add_hash(5);  // rank 51: the largest
  CHECK(from_redis(to_redis(s)) == s);
}

TEST_CASE("to_redis refuses a murmur64a sketch with another seed (Redis would hash elsewhere)") {
  const redis_hyperloglog other_seed{hashsketch::murmur64a_hasher(42)};
  CHECK_THROWS_AS(to_redis(other_seed), hashsketch::incompatible_sketch_error);
}

TEST_CASE("from_redis accepts any valid opcode stream, not only the canonical one") {
  const redis_hyperloglog s = sketch_of_k(10);
  // Non-canonical but valid, as an incremental PFADD can leave it: zero runs
  // split into several ZERO / XZERO opcodes, a VAL run split in two.
  std::string odd = header(1) + zero(1) + zero(1) + val(3, 1) + val(3, 2) + xzero(100) + zero(64) + xzero(16384 - 169);
  redis_hyperloglog expected;
  auto* regs = hashsketch::detail::register_access::data(expected);
  regs[2] = regs[3] = regs[4] = 3;
  hashsketch::detail::register_access::registers_changed(expected);
  CHECK(from_redis(odd) == expected);
  // The cached cardinality and the three unused bytes are ignored, as by Redis.
  std::string bytes = to_redis(s);
  bytes[5] = 'x';
  bytes[15] = static_cast<char>(0x80);
  bytes[8] = 0x55;
  CHECK(from_redis(bytes) == s);
}

TEST_CASE("from_redis rejects every hostile string class with a format_error naming the defect") {
  const std::string good_sparse = to_redis(random_sketch(300, 7), redis_encoding::sparse);
  const std::string good_dense = to_redis(random_sketch(300, 7), redis_encoding::dense);
  struct bad {
    const char* what;
    std::string bytes;
    const char* message;
  };
  std::string high_register = good_dense;
  high_register[16] = static_cast<char>(52);  // register 0 = 52 (6 low bits of byte 16)
  std::string max_register = good_dense;
  max_register[16 + 3] = static_cast<char>(0x3f);  // register 4 = 63
  std::string cve;  // CVE-2025-32023 shape: runs far past 16384 registers
  cve = header(1);
  for (int i = 0; i < 1000; ++i) cve += xzero(16384);
  const std::vector<bad> cases = {
      {"empty", "", "16-byte header"},
      {"short header", std::string("HYLL\1", 5), "16-byte header"},
      {"15 bytes", header(1).substr(0, 15), "16-byte header"},
      {"bad magic", "HYLX" + header(1).substr(4) + xzero(16384), "bad magic"},
      {"lower-case magic", "hyll" + header(1).substr(4) + xzero(16384), "bad magic"},
      {"encoding 2", header(2) + xzero(16384), "unknown Redis HyperLogLog encoding 2"},
      {"encoding 255 (Redis's internal raw)", header(255) + std::string(16384, '\0'), "encoding 255"},
      {"dense, one byte short", good_dense.substr(0, 12303), "must be 12304 bytes, got 12303"},
      {"dense, one byte long", good_dense + '\0', "must be 12304 bytes, got 12305"},
      {"dense header only", header(0), "must be 12304 bytes, got 16"},
      {"dense register 52", high_register, "register 0 holds 52"},
      {"dense register 63", max_register, "register 4 holds 63"},
      {"sparse header only", header(1), "cover 0 registers"},
      {"sparse short by one", header(1) + xzero(16383), "cover 16383 registers"},
      {"sparse long by one", header(1) + xzero(16384) + zero(1), "CVE-2025-32023"},
      {"sparse VAL past the end", header(1) + xzero(16382) + val(5, 4), "covers registers 16382..16385"},
      {"sparse XZERO past the end", header(1) + zero(64) + xzero(16384), "CVE-2025-32023"},
      {"CVE-2025-32023 shape", cve, "CVE-2025-32023"},
      {"truncated XZERO", header(1) + zero(64) + std::string(1, static_cast<char>(0x7f)), "XZERO"},
      {"trailing opcode after a full stream", good_sparse + zero(1), "past the last register"},
  };
  for (const bad& c : cases) {
    INFO(c.what);
    const std::string message = error_of(c.bytes);
    CHECK_THAT(message, Catch::Matchers::Contains(c.message));
  }
  // Every proper prefix of a valid string is rejected (never read past the end).
  for (const std::string* good : {&good_sparse, &good_dense})
    for (std::size_t n = 0; n < good->size(); n += (good->size() > 1000 ? 97 : 1)) {
      INFO("prefix " << n << " of " << good->size());
      CHECK(error_of(good->substr(0, n)) != "(accepted)");
    }
}

TEST_CASE("from_redis on damaged strings: format_error or a valid sketch, nothing else") {
  std::mt19937_64 rng(2025);
  const std::vector<std::string> seeds = {to_redis(random_sketch(50, 1)), to_redis(random_sketch(1500, 2)),
                                          to_redis(random_sketch(50000, 3))};
  std::size_t accepted = 0, rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string s = seeds[static_cast<std::size_t>(trial) % seeds.size()];
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) s[rng() % s.size()] ^= static_cast<char>(1u << (rng() % 8));
    try {
      const redis_hyperloglog parsed = from_redis(s);
      REQUIRE(*std::max_element(parsed.registers().begin(), parsed.registers().end()) <= 51);
      // Whatever was accepted re-encodes and parses to the same registers.
      REQUIRE(from_redis(to_redis(parsed)) == parsed);
      ++accepted;
    } catch (const format_error&) {
      ++rejected;
    }
  }
  CHECK(accepted > 0);  // flips in registers / cache are legal strings
  CHECK(rejected > 0);  // flips in magic / encoding / opcodes are not
}

TEST_CASE("estimate() vs PFCOUNT's integer: within 0.05 % (α_m vs α_∞ is 0.013 % at m = 16384)") {
  // Both are Ertl's estimator on the same registers; estimate() multiplies by
  // α_m = 0.7213/(1 + 1.079/m), Redis by α_∞ = 1/(2 ln 2): their ratio at
  // m = 16384 is 0.99987, i.e. 0.013 %, plus ≤ 0.5 from Redis's rounding.
  for (std::size_t n : {100u, 5000u, 100000u, 3000000u}) {
    const redis_hyperloglog s = random_sketch(n, n);
    const double count = static_cast<double>(hashsketch::redis_count(s));
    CHECK(std::abs(s.estimate() - count) <= 0.0005 * count + 0.5);
  }
}

TEST_CASE("merging a Redis sketch with a default-hasher sketch is rejected") {
  using plain = hashsketch::hyperloglog<14>;
  // Compile time: the member merge does not exist for the pair ...
  STATIC_REQUIRE_FALSE(member_mergeable<redis_hyperloglog, plain>::value);
  STATIC_REQUIRE_FALSE(member_mergeable<plain, redis_hyperloglog>::value);
  STATIC_REQUIRE(member_mergeable<redis_hyperloglog, redis_hyperloglog>::value);
  // ... and at run time the generic free merge throws incompatible_sketch_error.
  redis_hyperloglog r = sketch_of_k(100);
  plain p;
  p.add("k1");
  CHECK_THROWS_AS(hashsketch::merge(r, p), hashsketch::incompatible_sketch_error);
  CHECK_THROWS_AS(hashsketch::merge(p, r), hashsketch::incompatible_sketch_error);
  // Same policies but another layout: murmur64a with the default layout.
  hashsketch::hyperloglog<14, hashsketch::murmur64a_hasher> murmur_top_bits;
  CHECK_THROWS_WITH(hashsketch::merge(r, murmur_top_bits), Catch::Matchers::Contains("layouts differ"));
  // Same types: the free merge is the member merge; seeds are still checked.
  redis_hyperloglog a = sketch_of_k(50), b = random_sketch(70, 3), expected = a;
  expected.merge(b);
  hashsketch::merge(a, b);
  CHECK(a == expected);
  redis_hyperloglog other_seed{hashsketch::murmur64a_hasher(9)};
  CHECK_THROWS_AS(hashsketch::merge(a, other_seed), hashsketch::incompatible_sketch_error);

  // The case the run-time check exists for: generic code over several sketch types.
  using any_sketch = std::variant<plain, redis_hyperloglog>;
  any_sketch x = redis_hyperloglog(sketch_of_k(10)), y = plain{}, z = redis_hyperloglog(sketch_of_k(20));
  const auto merge_any = [](any_sketch& into, const any_sketch& from) {
    std::visit([](auto& i, const auto& f) { hashsketch::merge(i, f); }, into, from);
  };
  CHECK_THROWS_AS(merge_any(x, y), hashsketch::incompatible_sketch_error);
  merge_any(x, z);
  CHECK(std::get<redis_hyperloglog>(x) == sketch_of_k(20));
}

TEST_CASE("redis_hyperloglog keeps the native format and the other sketch operations") {
  const redis_hyperloglog s = random_sketch(5000, 5);
  const auto native = s.serialize();
  CHECK(redis_hyperloglog::deserialize(native.data(), native.size()) == s);
  // A native sketch of the default hasher is not a Redis sketch.
  const auto plain_bytes = hashsketch::hyperloglog<14>{}.serialize();
  CHECK_THROWS_AS(redis_hyperloglog::deserialize(plain_bytes.data(), plain_bytes.size()), format_error);
  CHECK_THROWS_AS(from_redis(std::string(plain_bytes.begin(), plain_bytes.end())), format_error);
  const auto ci = s.confidence_interval(0.99);
  CHECK(ci.lower <= 5000.0);
  CHECK(5000.0 <= ci.upper);
}

// redis_cardinality's integer form of Redis's add-and-halve loop
// (detail/exact_sums.hpp, issue 16) gives the same double, so the same
// cached cardinality, as the loop of hllCount() it replaced.
namespace {

std::uint64_t redis_cardinality_reference(const hashsketch::register_histogram& h) {
  namespace d = hashsketch::detail;
  const double m = static_cast<double>(d::redis_registers);
  double z = m * d::ertl_tau((m - static_cast<double>(h[d::redis_max_rank])) / m);
  for (unsigned k = d::redis_max_rank - 1; k >= 1; --k) {
    z += static_cast<double>(h[k]);
    z *= 0.5;
  }
  z += m * d::ertl_sigma(static_cast<double>(h[0]) / m);
  return static_cast<std::uint64_t>(std::llround(d::alpha_inf * m * m / z));
}

}  // namespace

TEST_CASE("redis_cardinality equals Redis's loop on every kind of histogram", "[redis][exact]") {
  namespace d = hashsketch::detail;
  std::mt19937_64 rng(51);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::size_t fast = 0, cases = 0;
  for (unsigned shift : {0u, 2u, 6u, 12u, 20u, 30u, 38u, 45u, 50u}) {
    for (double empty : {0.0, 0.01, 0.5, 0.99, 0.9999}) {
      hashsketch::register_histogram h{};
      for (std::size_t i = 0; i < d::redis_registers; ++i) {
        if (u(rng) < empty) {
          ++h[0];
          continue;
        }
        const unsigned v = shift + 1u + static_cast<unsigned>(__builtin_ctzll(rng() | (std::uint64_t{1} << 40)));
        ++h[std::min(v, d::redis_max_rank)];
      }
      INFO("shift " << shift << " empty " << empty);
      CHECK(d::redis_cardinality(h) == redis_cardinality_reference(h));
      double z;
      const double m = static_cast<double>(d::redis_registers);
      fast += d::exact_halving_sum(h.data(), d::redis_max_rank - 1, d::redis_registers,
                                   m * d::ertl_tau((m - static_cast<double>(h[d::redis_max_rank])) / m), z)
                  ? 1u
                  : 0u;
      ++cases;
    }
  }
  CHECK(fast > 0);      // the integer form ran
  CHECK(fast < cases);  // and so did the loop (registers at 51, or a sum past 2^53)
  // Sketches: the header's cached cardinality is the reference's.
  hashsketch::redis_hyperloglog s;
  for (std::size_t n : {100u, 20000u, 1000000u}) {
    for (std::size_t i = 0; i < n; ++i) s.add(rng());
    const std::string bytes = hashsketch::to_redis(s, hashsketch::redis_encoding::dense);
    std::uint64_t cached = 0;
    for (unsigned b = 0; b < 8; ++b) cached |= std::uint64_t{static_cast<unsigned char>(bytes[8 + b])} << (8 * b);
    hashsketch::register_histogram h{};
    const auto view = s.registers();
    for (std::size_t i = 0; i < view.size(); ++i) ++h[view[i]];
    CHECK(cached == redis_cardinality_reference(h));
  }
}

namespace {
// An allocator whose memory arrives filled with 0xA5 (a register value above
// any layout's largest rank), so a reader that relied on zeroed registers
// without zeroing them shows it: from_redis skips the zero fill for dense
// strings only (register_access::data_for_overwrite).
template <class T>
struct poisoning_allocator {
  using value_type = T;
  poisoning_allocator() = default;
  template <class U>
  poisoning_allocator(const poisoning_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    T* p = std::allocator<T>{}.allocate(n);
    std::memset(static_cast<void*>(p), 0xA5, n * sizeof(T));
    return p;
  }
  void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>{}.deallocate(p, n); }
  friend bool operator==(const poisoning_allocator&, const poisoning_allocator&) noexcept { return true; }
  friend bool operator!=(const poisoning_allocator&, const poisoning_allocator&) noexcept { return false; }
};
}  // namespace

TEST_CASE("from_redis writes every register (dense strings skip the zero fill, sparse ones do not)", "[redis]") {
  using poisoned_t = hashsketch::basic_redis_hyperloglog<poisoning_allocator<std::uint8_t>>;
  for (std::size_t n : {0u, 1u, 10u, 1000u, 20000u}) {
    INFO("n = " << n);
    const redis_hyperloglog s = random_sketch(n, 77 + n);
    redis_hyperloglog dense_copy = s;  // the estimate of the same registers, dense
    dense_copy.densify();
    const auto source = s.registers();
    for (const redis_encoding e : {redis_encoding::dense, redis_encoding::sparse}) {
      if (e == redis_encoding::sparse && n == 20000) continue;  // some register may pass 32
      INFO("encoding " << (e == redis_encoding::dense ? "dense" : "sparse"));
      const poisoned_t r = hashsketch::from_redis(to_redis(s, e), poisoning_allocator<std::uint8_t>{});
      const auto read = r.registers();
      REQUIRE(read.size() == source.size());
      CHECK(std::equal(read.begin(), read.end(), source.begin()));
      CHECK(r.estimate() == dense_copy.estimate());
    }
  }
}
