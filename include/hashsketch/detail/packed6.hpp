#ifndef HASHSKETCH_DETAIL_PACKED6_HPP
#define HASHSKETCH_DETAIL_PACKED6_HPP

// Arrays of 6-bit registers packed least significant bit first — register i
// in bits 6i..6i+5 of the little-endian byte string, four registers per three
// bytes. Redis's dense HyperLogLog strings (hyperloglog.c, HLL_DENSE_GET_REGISTER)
// and Apache DataSketches' HLL_6 images use this same layout.
//
// Both directions work on 8 registers ↔ 6 bytes per step in one 64-bit word
// (SWAR): the registers as 8 bytes (register j in bits 8j..8j+5) and as 48
// packed bits are related by three halvings — byte pairs into 12-bit halves
// of 16-bit lanes, those into 24-bit halves of 32-bit lanes, those into 48
// bits. Word loads and stores (bytes.hpp) instead of byte-at-a-time access:
// with unsigned char on both sides the compiler must assume every register
// written may alias the bytes being read, and reloads them (issue 16: a
// byte-wise from_redis was 160x a memcpy of the same bytes).
//
// pack6_scalar / unpack6_scalar are the scalar references of the kernel
// table's pack6 / unpack6 (detail/kernel_table.hpp); the codecs call those,
// which take 24 or 48 bytes per step where the CPU has AVX2 or AVX-512 VBMI
// (kernels_avx2.hpp, kernels_avx512.hpp; equality: tests/kernels_test.cpp).

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "bytes.hpp"

namespace hashsketch {
namespace detail {

/// 8 registers (each < 64, one per byte) → their 48-bit packing.
inline std::uint64_t pack6x8(std::uint64_t r) noexcept {
  r = (r & 0x003F003F003F003Full) | ((r & 0x3F003F003F003F00ull) >> 2);
  r = (r & 0x00000FFF00000FFFull) | ((r & 0x0FFF00000FFF0000ull) >> 4);
  return (r & 0xFFFFFFull) | ((r >> 32) << 24);
}

/// The inverse: 48 packed bits (the top 16 bits are ignored) → 8 register bytes.
inline std::uint64_t unpack6x8(std::uint64_t w) noexcept {
  w = (w & 0xFFFFFFull) | (((w >> 24) & 0xFFFFFFull) << 32);
  w = (w & 0x00000FFF00000FFFull) | ((w & 0x00FFF00000FFF000ull) << 4);
  return (w & 0x003F003F003F003Full) | ((w & 0x0FC00FC00FC00FC0ull) << 2);
}

/// Packs n registers (n a multiple of 8; only the low 6 bits of each count)
/// into exactly 6n/8 bytes at dst. Each step stores a whole word at a 6-byte stride (its top 2 bytes
/// are overwritten by the next step); the last step stores exactly 6 bytes.
inline void pack6_scalar(const std::uint8_t* regs, std::size_t n, unsigned char* dst) noexcept {
  const std::size_t bytes = n / 8 * 6;
  std::size_t i = 0, o = 0;
  for (; o + 8 <= bytes; i += 8, o += 6) store_le64(dst + o, pack6x8(load_le64(regs + i)));
  for (; o < bytes; i += 8, o += 6) {
    unsigned char last[8];
    store_le64(last, pack6x8(load_le64(regs + i)));
    std::memcpy(dst + o, last, 6);
  }
}

/// Unpacks n registers (n a multiple of 8) from the 6n/8 bytes at src — and
/// reads no byte beyond them — into dst. Returns true when some register is
/// above `limit` (< 64): adding 127 − limit sets a byte's top bit exactly
/// then, and registers ≤ 63 never carry into the next byte.
inline bool unpack6_scalar(const unsigned char* src, std::size_t n, std::uint8_t* dst, unsigned limit) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ull;
  const std::uint64_t bias = ones * (127u - limit);
  const std::size_t bytes = n / 8 * 6;
  std::uint64_t above = 0;
  std::size_t i = 0, at = 0;
  for (; at + 8 <= bytes; i += 8, at += 6) {  // whole-word loads while 8 bytes remain
    const std::uint64_t r = unpack6x8(load_le64(src + at));
    store_le64(dst + i, r);
    above |= r + bias;
  }
  for (; at < bytes; i += 8, at += 6) {  // the last 6 bytes
    const std::uint64_t r = unpack6x8(load_le_upto8(src + at, 6));
    store_le64(dst + i, r);
    above |= r + bias;
  }
  return (above & (ones * 0x80u)) != 0;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_PACKED6_HPP
