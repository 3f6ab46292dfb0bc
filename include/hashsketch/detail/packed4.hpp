#ifndef HASHSKETCH_DETAIL_PACKED4_HPP
#define HASHSKETCH_DETAIL_PACKED4_HPP

// Arrays of 4-bit register offsets, two per byte, register 2i in the low
// nibble of byte i and 2i + 1 in the high one: the body of Apache
// DataSketches' HLL_4 images (datasketches-java hll/Hll4Array.java; layout in
// datasketches_codec.hpp). A nibble holds register − base (base = the image's
// cur_min), 15 marking an exception whose value is in the aux table.
//
// pack4_scalar / unpack4_scalar are the scalar references of the kernel
// table's pack4 / unpack4 (detail/kernel_table.hpp); the codec calls those,
// 64 registers per step with AVX2 (kernels_avx2.hpp; equality:
// tests/kernels_test.cpp). The references take 8 registers per step in one
// 64-bit word (SWAR).

#include <cstddef>
#include <cstdint>

#include "bytes.hpp"

namespace hashsketch {
namespace detail {

/// dst[i] = min(regs[2i] − base, 15) | min(regs[2i + 1] − base, 15) << 4 for
/// i < n/2 (n even), and the exceptions' bitmap: bit j % 64 of
/// exceptions[j / 64] is set exactly when register j's nibble is 15 (all
/// ⌈n/64⌉ words are written; bits past n are 0). Requires base ≤ regs[j] < 64
/// for every j < n.
inline void pack4_scalar(const std::uint8_t* regs, std::size_t n, unsigned base, unsigned char* dst,
                         std::uint64_t* exceptions) noexcept {
  for (std::size_t w = 0; w < (n + 63) / 64; ++w) exceptions[w] = 0;
  // 8 registers → 4 bytes per step: subtract base from every byte (no borrow:
  // registers ≥ base), clamp at 15, then pack byte pairs.
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  std::size_t i = 0;
  for (; 2 * i + 8 <= n; i += 4) {
    const std::uint64_t d = load_le64(regs + 2 * i) - ones * base;  // each byte 0..63
    const std::uint64_t big = ((d + ones * (128 - 15)) >> 7) & ones;  // byte ≥ 15
    // byte k's 0/1 to bit 56 + k (the partial products below bit 56 are
    // distinct single bits, so nothing carries into the top byte)
    exceptions[2 * i / 64] |= ((big * 0x0102040810204080ULL) >> 56) << (2 * i % 64);
    const std::uint64_t c = (d & ~(big * 0xFF)) | (big * 15);
    std::uint64_t x = (c | (c >> 4)) & 0x00FF00FF00FF00FFULL;  // even bytes: lo | hi << 4
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x >> 16)) & 0xFFFFFFFFULL;
    store_le32(dst + i, static_cast<std::uint32_t>(x));
  }
  for (; i < n / 2; ++i) {
    const unsigned lo = regs[2 * i] - base, hi = regs[2 * i + 1] - base;
    if (lo >= 15) exceptions[2 * i / 64] |= std::uint64_t{1} << (2 * i % 64);
    if (hi >= 15) exceptions[(2 * i + 1) / 64] |= std::uint64_t{1} << ((2 * i + 1) % 64);
    dst[i] = static_cast<unsigned char>((lo < 15 ? lo : 15u) | (hi < 15 ? hi : 15u) << 4);
  }
}

/// dst[j] = base + nibble j of src (j < n, n even; reads n/2 bytes). Returns
/// how many nibbles are 15 (the exception marker). Requires base ≤ 240.
inline std::size_t unpack4_scalar(const unsigned char* src, std::size_t n, unsigned base, std::uint8_t* dst) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  const std::uint64_t bias = ones * base;  // base + nibble ≤ 255: no carry between bytes
  std::size_t marked = 0, j = 0;
  for (; j + 8 <= n; j += 8) {
    // 4 nibble bytes → 8 bytes in slot order
    std::uint64_t y = load_le32(src + j / 2);
    y = (y | (y << 16)) & 0x0000FFFF0000FFFFULL;
    y = (y | (y << 8)) & 0x00FF00FF00FF00FFULL;
    const std::uint64_t z = (y & 0x000F000F000F000FULL) | ((y & 0x00F000F000F000F0ULL) << 4);
    // nibble + 1 reaches bit 4 only for 15 (no carry out of a byte); the
    // multiply adds the eight 0/1 bytes into the top byte
    const std::uint64_t fifteen = ((z + ones) >> 4) & ones;
    marked += static_cast<std::size_t>((fifteen * ones) >> 56);
    store_le64(dst + j, z + bias);
  }
  for (; j < n; j += 2) {
    const unsigned byte = src[j / 2];
    const unsigned lo = byte & 15u, hi = byte >> 4;
    marked += (lo == 15u) + (hi == 15u);
    dst[j] = static_cast<std::uint8_t>(base + lo);
    dst[j + 1] = static_cast<std::uint8_t>(base + hi);
  }
  return marked;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_PACKED4_HPP
