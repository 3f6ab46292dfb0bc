// detail/bytes.hpp: the word-at-a-time little-endian loads and stores equal
// their byte-by-byte definitions at every offset (unaligned included), the
// partial tail load reads exactly the bytes it is given, and the hashes whose
// inner loops use them still produce their published verification values.
// (bytes_codegen, from tests/bytes_test.cmake, checks the machine code.)

#include <hashsketch/detail/bytes.hpp>
#include <hashsketch/detail/murmur3.hpp>
#include <hashsketch/detail/murmur64a.hpp>
#include <hashsketch/detail/packed6.hpp>
#include <hashsketch/hash.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/splitmix64.hpp"

namespace hd = hashsketch::detail;

TEST_CASE("load_le/store_le equal the byte-by-byte definitions at every offset", "[bytes]") {
  hashsketch_test::splitmix64 rng{16};
  unsigned char buf[32];
  for (int round = 0; round < 200; ++round) {
    for (auto& b : buf) b = static_cast<unsigned char>(rng());
    for (std::size_t at = 0; at + 8 <= sizeof buf; ++at) {
      const unsigned char* p = buf + at;
      CHECK(hd::load_le64(p) == hd::load_le64_bytewise(p));
      CHECK(hd::load_le32(p) == hd::load_le32_bytewise(p));
      CHECK(hd::load_le16(p) == hd::load_le16_bytewise(p));
    }
    const std::uint64_t v = rng();
    for (std::size_t at = 0; at + 8 <= sizeof buf; ++at) {
      unsigned char fast[32], slow[32];
      std::memcpy(fast, buf, sizeof buf);
      std::memcpy(slow, buf, sizeof buf);
      hd::store_le64(fast + at, v);
      hd::store_le64_bytewise(slow + at, v);
      CHECK(std::memcmp(fast, slow, sizeof buf) == 0);
      hd::store_le32(fast + at, static_cast<std::uint32_t>(v >> 7));
      hd::store_le32_bytewise(slow + at, static_cast<std::uint32_t>(v >> 7));
      CHECK(std::memcmp(fast, slow, sizeof buf) == 0);
      hd::store_le16(fast + at, static_cast<std::uint16_t>(v >> 19));
      hd::store_le16_bytewise(slow + at, static_cast<std::uint16_t>(v >> 19));
      CHECK(std::memcmp(fast, slow, sizeof buf) == 0);
    }
  }
  // Byte order is little-endian whatever the host: the first byte is the low one.
  const unsigned char seq[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  CHECK(hd::load_le64(seq) == 0x0807060504030201ull);
  CHECK(hd::load_le32(seq + 1) == 0x05040302u);
  CHECK(hd::load_le16(seq + 6) == 0x0807u);
}

TEST_CASE("load_le_upto8 reads exactly n bytes, the rest as zero", "[bytes]") {
  hashsketch_test::splitmix64 rng{8};
  for (int round = 0; round < 200; ++round) {
    // The n bytes sit at the very end of a heap block so that any read past
    // them is an out-of-bounds read ASan reports.
    for (std::size_t n = 0; n <= 8; ++n) {
      std::vector<unsigned char> block(n + 1);
      for (auto& b : block) b = static_cast<unsigned char>(rng());
      const unsigned char* p = block.data() + 1;  // unaligned
      std::uint64_t expected = 0;
      for (std::size_t i = n; i-- > 0;) expected = (expected << 8) | p[i];
      INFO("n = " << n);
      CHECK(hd::load_le_upto8(p, n) == expected);
    }
  }
  CHECK(hd::load_le_upto8(nullptr, 0) == 0u);
}

TEST_CASE("xxh3_hasher(uint64) is XXH3-64 of the key's 8 little-endian bytes", "[bytes][hash]") {
  hashsketch_test::splitmix64 rng{64};
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0x9E3779B97F4A7C15ull}}) {
    const hashsketch::xxh3_hasher h(seed);
    for (int i = 0; i < 1000; ++i) {
      const std::uint64_t key = rng();
      unsigned char le[8];
      hd::store_le64_bytewise(le, key);
      CHECK(h(key) == XXH3_64bits_withSeed(le, 8, seed));
    }
  }
}

TEST_CASE("xxh3_hasher(bytes) equals XXH3_64bits_withSeed for every length 0..300 and seed", "[bytes][hash]") {
  // The byte overload computes XXH3's 4..8 and 9..16-byte formulas inline;
  // any other length calls xxhash.h. Random bytes at an odd offset, seeds
  // that set every byte of the seed (the 4..8 formula byte-swaps its low half).
  hashsketch_test::splitmix64 rng{300};
  std::vector<unsigned char> bytes(400);
  for (const std::uint64_t seed : {0ull, 1ull, 7ull, 0x123456789ABCDEFull, ~0ull}) {
    const hashsketch::xxh3_hasher h(seed);
    for (int rep = 0; rep < 50; ++rep) {
      for (unsigned char& c : bytes) c = static_cast<unsigned char>(rng() >> 56);
      for (std::size_t len = 0; len <= 300; ++len) {
        INFO("seed " << seed << " length " << len);
        REQUIRE(h(bytes.data() + 3, len) == XXH3_64bits_withSeed(bytes.data() + 3, len, seed));
      }
    }
  }
}

namespace {
// SMHasher's VerificationTest (Appleby, public domain): hash the keys {},
// {0}, {0,1}, … {0..254} with seeds 256, 255, … 1, hash the 256 concatenated
// little-endian results with seed 0, and read the first 4 bytes little-endian.
// It covers every tail length 0..7 (0..15 for Murmur3) and the block loops.
template <class Hash>
std::uint32_t smhasher_verification(std::size_t out_bytes, Hash hash) {
  unsigned char key[256];
  std::vector<unsigned char> results(256 * out_bytes);
  for (unsigned i = 0; i < 256; ++i) {
    key[i] = static_cast<unsigned char>(i);
    hash(key, i, 256 - i, results.data() + out_bytes * i);
  }
  unsigned char final_hash[16];
  hash(results.data(), results.size(), 0, final_hash);
  return hd::load_le32_bytewise(final_hash);
}
}  // namespace

TEST_CASE("murmur64a and murmur3 (word and tail loads) give SMHasher's verification values", "[bytes][hash]") {
  // Published values (SMHasher main.cpp): MurmurHash64A 0x1F0D3804,
  // MurmurHash3_x64_128 0x6384BA69.
  const std::uint32_t m64a = smhasher_verification(8, [](const void* p, std::size_t n, std::uint64_t seed, unsigned char* out) {
    hd::store_le64(out, hd::murmur64a(p, n, seed));
  });
  CHECK(m64a == 0x1F0D3804u);
  const std::uint32_t m3 = smhasher_verification(16, [](const void* p, std::size_t n, std::uint64_t seed, unsigned char* out) {
    std::uint64_t h1, h2;
    hd::murmur3_x64_128(p, n, seed, h1, h2);
    hd::store_le64(out, h1);
    hd::store_le64(out + 8, h2);
  });
  CHECK(m3 == 0x6384BA69u);
}

TEST_CASE("xxh3_hasher(uint64) equals XXH3 of the bytes for seeds that exercise every byte of the seed", "[bytes][hash]") {
  // The closed form folds the seed's low 32 bits byte-swapped into its high
  // half: seeds with distinct bytes in every position catch a wrong swap.
  hashsketch_test::splitmix64 rng{32};
  for (int s = 0; s < 64; ++s) {
    const std::uint64_t seed = s < 8 ? (std::uint64_t{0xA5} << (8 * s)) : rng();
    const hashsketch::xxh3_hasher h(seed);
    const hashsketch::xxh3_hasher copy = h;
    for (std::uint64_t key : {std::uint64_t{0}, ~std::uint64_t{0}, std::uint64_t{0x0102030405060708ull}, rng()}) {
      unsigned char le[8];
      hd::store_le64_bytewise(le, key);
      CHECK(h(key) == XXH3_64bits_withSeed(le, 8, seed));
      CHECK(copy(key) == h(le, 8));
    }
  }
  CHECK(hashsketch::xxh3_hasher{}(std::uint64_t{42}) == hashsketch::xxh3_hasher(0)(std::uint64_t{42}));
}

TEST_CASE("pack6/unpack6 follow the 6-bit little-endian layout (Redis dense, DataSketches HLL_6)", "[bytes][packed6]") {
  hashsketch_test::splitmix64 rng{6};
  for (std::size_t n = 8; n <= 64; n += 8) {
    std::vector<std::uint8_t> regs(n);
    for (auto& r : regs) r = static_cast<std::uint8_t>(rng() & 63u);
    // The layout by definition: register i is bits 6i..6i+5 of the byte string.
    std::vector<unsigned char> expected(n * 6 / 8, 0);
    for (std::size_t i = 0; i < n; ++i)
      for (unsigned bit = 0; bit < 6; ++bit)
        if (regs[i] >> bit & 1u) expected[(6 * i + bit) / 8] |= static_cast<unsigned char>(1u << ((6 * i + bit) % 8));
    // Exactly 6n/8 bytes are written: the guard bytes after them stay.
    std::vector<unsigned char> packed(n * 6 / 8 + 8, 0xEE);
    hd::pack6_scalar(regs.data(), n, packed.data());
    INFO("n = " << n);
    CHECK(std::equal(expected.begin(), expected.end(), packed.begin()));
    for (std::size_t g = expected.size(); g < packed.size(); ++g) CHECK(packed[g] == 0xEE);
    // Unpack from a heap block that ends right after the packed bytes (ASan
    // catches any read beyond them).
    std::vector<unsigned char> exact(expected);
    std::vector<std::uint8_t> back(n, 0xFF);
    const unsigned largest = *std::max_element(regs.begin(), regs.end());
    CHECK_FALSE(hd::unpack6_scalar(exact.data(), n, back.data(), largest));
    CHECK(back == regs);
    if (largest > 0) CHECK(hd::unpack6_scalar(exact.data(), n, back.data(), largest - 1));
  }
}
