#ifndef HASHSKETCH_DETAIL_BIT_IO_HPP
#define HASHSKETCH_DETAIL_BIT_IO_HPP

// Bit-level writing and bounds-checked reading for the native format's coded
// payloads (detail/token_coder.hpp, detail/register_coder.hpp), and LEB128
// varints. Bits are packed least significant first: bit i of the stream is
// bit (i mod 8) of byte ⌊i / 8⌋. Readers never touch a byte outside
// [data, data + size) and throw format_error naming the field.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../errors.hpp"
#include "bits.hpp"
#include "bytes.hpp"

namespace hashsketch {
namespace detail {

/// Appends v as an unsigned LEB128 varint (7 bits per byte, low group first,
/// high bit = more follows): 1 byte below 128, at most 10 bytes.
inline void write_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

/// Bytes write_varint(v) appends.
inline std::size_t varint_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

/// Reads a varint written by write_varint from r. Throws format_error when it
/// is truncated, longer than 10 bytes, overflows 64 bits, is not in its
/// shortest form (a redundant last byte 0x00: every value has one encoding,
/// so equal sketches keep equal bytes), or exceeds `max`.
inline std::uint64_t read_varint(byte_reader& r, const char* field, std::uint64_t max) {
  std::uint64_t v = 0;
  for (unsigned i = 0;; ++i) {
    const std::uint8_t b = r.u8(field);
    if (i == 9 && b > 1) throw format_error(std::string(field) + " overflows 64 bits");
    v |= static_cast<std::uint64_t>(b & 0x7F) << (7 * i);
    if (!(b & 0x80)) {
      if (b == 0 && i > 0) throw format_error(std::string(field) + " is not in its shortest varint form");
      break;
    }
  }
  if (v > max) throw format_error(std::string(field) + " " + std::to_string(v) + " exceeds " + std::to_string(max));
  return v;
}

/// Appends bits to a byte vector, least significant bit first.
class bit_writer {
 public:
  explicit bit_writer(std::vector<std::uint8_t>& out) : out_(out) {}
  /// The low k bits of v (k ≤ 32).
  void bits(std::uint32_t v, unsigned k) {
    if (k == 0) return;
    acc_ |= static_cast<std::uint64_t>(v & ((k == 32) ? ~0u : ((1u << k) - 1u))) << fill_;
    fill_ += k;
    while (fill_ >= 8) {
      out_.push_back(static_cast<std::uint8_t>(acc_));
      acc_ >>= 8;
      fill_ -= 8;
    }
  }
  /// `count` one bits then a zero bit (unary code of count: count + 1 bits).
  void unary(std::uint64_t count) {
    while (count >= 32) {
      bits(~0u, 32);
      count -= 32;
    }
    bits((1u << count) - 1u, static_cast<unsigned>(count) + 1u);  // count ones, then the 0 above them
  }
  /// Pads the last byte with zero bits. Call once, at the end.
  void finish() {
    if (fill_ > 0) out_.push_back(static_cast<std::uint8_t>(acc_));
    acc_ = 0;
    fill_ = 0;
  }

 private:
  std::vector<std::uint8_t>& out_;
  std::uint64_t acc_ = 0;
  unsigned fill_ = 0;
};

/// Reads bits from [data, data + size) in bit_writer's order.
class bit_reader {
 public:
  bit_reader(const unsigned char* data, std::size_t size) noexcept : p_(data), size_(data ? size : 0) {}

  /// k bits (k ≤ 32) as a number.
  std::uint32_t bits(unsigned k, const char* field) {
    if (k == 0) return 0;
    if (k > size_ * 8 - pos_) truncated(field);
    unsigned avail;
    const std::uint64_t w = peek(avail);  // avail ≥ 57 unless the stream ends sooner, so ≥ k here
    pos_ += k;
    return static_cast<std::uint32_t>(w & ((std::uint64_t{1} << k) - 1));
  }
  /// The number of one bits before the next zero bit (which is consumed).
  /// Throws format_error once the count exceeds `limit`, without scanning
  /// further, or when the stream ends first.
  std::uint64_t unary(std::uint64_t limit, const char* field) {
    std::uint64_t count = 0;
    for (;;) {
      unsigned avail;
      const std::uint64_t w = peek(avail);
      if (avail == 0) truncated(field);
      std::uint64_t zeros = ~w;
      if (avail < 64) zeros &= (std::uint64_t{1} << avail) - 1;
      if (zeros != 0) {
        const unsigned t = ctz64_nonzero(zeros);
        count += t;
        if (count > limit) too_long(field, limit);
        pos_ += t + 1u;
        return count;
      }
      count += avail;
      if (count > limit) too_long(field, limit);
      pos_ += avail;
    }
  }
  /// Bits consumed so far.
  std::size_t position() const noexcept { return pos_; }
  /// Checks that only zero padding bits of the last byte are left, and no
  /// further byte: throws format_error otherwise.
  void expect_end(const char* what) const {
    const std::size_t used_bytes = (pos_ + 7) / 8;
    if (used_bytes < size_)
      throw format_error(std::to_string(size_ - used_bytes) + " trailing bytes after the " + what);
    if ((pos_ & 7) != 0 && (p_[pos_ >> 3] >> (pos_ & 7)) != 0)
      throw format_error(std::string("nonzero padding bits after the ") + what);
  }

 private:
  // Up to 64 bits starting at pos_ (bit 0 = next bit); avail = how many of
  // them lie inside the buffer (the rest read as zero). Reads only bytes
  // inside the buffer.
  std::uint64_t peek(unsigned& avail) const noexcept {
    const std::size_t byte = pos_ >> 3;
    const unsigned off = static_cast<unsigned>(pos_ & 7);
    const std::size_t left = size_ - byte;
    const std::size_t n = left < 8 ? left : 8;
    avail = static_cast<unsigned>(n * 8) - (n ? off : 0u);
    if (n == 0) return 0;
    return load_le_upto8(p_ + byte, n) >> off;
  }
  [[noreturn]] void truncated(const char* field) const {
    throw format_error(std::string("truncated: ") + field + " runs past the end of the payload at bit " +
                       std::to_string(pos_));
  }
  [[noreturn]] static void too_long(const char* field, std::uint64_t limit) {
    throw format_error(std::string(field) + " exceeds its maximum " + std::to_string(limit));
  }

  const unsigned char* p_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_BIT_IO_HPP
