#ifndef HASHSKETCH_DETAIL_BYTES_HPP
#define HASHSKETCH_DETAIL_BYTES_HPP

// Little-endian byte access independent of the host's byte order, and a
// bounds-checked reader for untrusted buffers: every read states what it is
// reading so a short buffer produces "truncated: <field>" rather than an
// out-of-bounds access.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../errors.hpp"

namespace hashsketch {
namespace detail {

inline std::uint64_t load_le64(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline std::uint32_t load_le32(const unsigned char* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline std::uint16_t load_le16(const unsigned char* p) noexcept {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline void store_le64(unsigned char* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline void store_le32(unsigned char* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

/// Appends little-endian fields to a byte vector.
class byte_writer {
 public:
  explicit byte_writer(std::vector<std::uint8_t>& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v));
    u8(static_cast<std::uint8_t>(v >> 8));
  }
  void u32(std::uint32_t v) {
    unsigned char b[4];
    store_le32(b, v);
    out_.insert(out_.end(), b, b + 4);
  }
  void u64(std::uint64_t v) {
    unsigned char b[8];
    store_le64(b, v);
    out_.insert(out_.end(), b, b + 8);
  }
  void bytes(const void* p, std::size_t n) {
    const auto* c = static_cast<const std::uint8_t*>(p);
    out_.insert(out_.end(), c, c + n);
  }

 private:
  std::vector<std::uint8_t>& out_;
};

/// Reads little-endian fields from [data, data + size); throws format_error
/// naming the field when fewer bytes remain than the field needs.
class byte_reader {
 public:
  byte_reader(const void* data, std::size_t size) noexcept
      : p_(static_cast<const unsigned char*>(data)), size_(data ? size : 0) {}

  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return size_ - pos_; }
  const unsigned char* current() const noexcept { return p_ + pos_; }

  void need(std::size_t n, const char* field) const {
    if (n > remaining())
      throw format_error(std::string("truncated: ") + field + " needs " + std::to_string(n) + " bytes at offset " +
                         std::to_string(pos_) + ", " + std::to_string(remaining()) + " left");
  }
  std::uint8_t u8(const char* field) {
    need(1, field);
    return p_[pos_++];
  }
  std::uint16_t u16(const char* field) {
    need(2, field);
    auto v = load_le16(p_ + pos_);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32(const char* field) {
    need(4, field);
    auto v = load_le32(p_ + pos_);
    pos_ += 4;
    return v;
  }
  std::uint64_t u64(const char* field) {
    need(8, field);
    auto v = load_le64(p_ + pos_);
    pos_ += 8;
    return v;
  }
  /// Returns a pointer to the next n bytes and skips them.
  const unsigned char* bytes(std::size_t n, const char* field) {
    need(n, field);
    const unsigned char* at = p_ + pos_;
    pos_ += n;
    return at;
  }

 private:
  const unsigned char* p_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_BYTES_HPP
