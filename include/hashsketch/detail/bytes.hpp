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

// Byte order of the host, decided once. Where the compiler does not say (a
// compiler without __BYTE_ORDER__ and not MSVC) the portable byte loops below
// are used, which are correct everywhere, only slower.
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HASHSKETCH_BYTES_LITTLE_ENDIAN 1
#elif defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ && \
    (defined(__GNUC__) || defined(__clang__))
#define HASHSKETCH_BYTES_BIG_ENDIAN 1
#elif defined(_MSC_VER)
// Every architecture MSVC targets (x86, x64, ARM, ARM64) is little-endian.
#define HASHSKETCH_BYTES_LITTLE_ENDIAN 1
#endif

namespace hashsketch {
namespace detail {

// The reference definitions: a value's bytes, least significant first. Used
// where the host's byte order is unknown, and by tests as the specification
// the fast versions must equal.
inline std::uint64_t load_le64_bytewise(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline std::uint32_t load_le32_bytewise(const unsigned char* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline std::uint16_t load_le16_bytewise(const unsigned char* p) noexcept {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline void store_le64_bytewise(unsigned char* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline void store_le32_bytewise(unsigned char* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline void store_le16_bytewise(unsigned char* p, std::uint16_t v) noexcept {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
}

// The versions everything calls: one std::memcpy of the whole word, which
// every supported compiler turns into a single (unaligned) load or store,
// plus a byte swap on big-endian hosts. g++ -O2 does not fuse the byte loops
// above into one access (clang does): the byte-by-byte store of a key that
// the hash then reloads as a word cost a store-forwarding stall per key,
// 2.5x on the histogram pass and 4x on murmur3 (issue 16). Any pointer
// alignment is fine.
#if defined(HASHSKETCH_BYTES_LITTLE_ENDIAN) || defined(HASHSKETCH_BYTES_BIG_ENDIAN)
// The same value with its bytes in little-endian order (its own inverse).
#if defined(HASHSKETCH_BYTES_BIG_ENDIAN)
inline std::uint64_t host_le(std::uint64_t v) noexcept { return __builtin_bswap64(v); }
inline std::uint32_t host_le(std::uint32_t v) noexcept { return __builtin_bswap32(v); }
inline std::uint16_t host_le(std::uint16_t v) noexcept { return __builtin_bswap16(v); }
#else
inline std::uint64_t host_le(std::uint64_t v) noexcept { return v; }
inline std::uint32_t host_le(std::uint32_t v) noexcept { return v; }
inline std::uint16_t host_le(std::uint16_t v) noexcept { return v; }
#endif
inline std::uint64_t load_le64(const unsigned char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return host_le(v);
}
inline std::uint32_t load_le32(const unsigned char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return host_le(v);
}
inline std::uint16_t load_le16(const unsigned char* p) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return host_le(v);
}
inline void store_le64(unsigned char* p, std::uint64_t v) noexcept {
  v = host_le(v);
  std::memcpy(p, &v, sizeof v);
}
inline void store_le32(unsigned char* p, std::uint32_t v) noexcept {
  v = host_le(v);
  std::memcpy(p, &v, sizeof v);
}
inline void store_le16(unsigned char* p, std::uint16_t v) noexcept {
  v = host_le(v);
  std::memcpy(p, &v, sizeof v);
}
#else
inline std::uint64_t load_le64(const unsigned char* p) noexcept { return load_le64_bytewise(p); }
inline std::uint32_t load_le32(const unsigned char* p) noexcept { return load_le32_bytewise(p); }
inline std::uint16_t load_le16(const unsigned char* p) noexcept { return load_le16_bytewise(p); }
inline void store_le64(unsigned char* p, std::uint64_t v) noexcept { store_le64_bytewise(p, v); }
inline void store_le32(unsigned char* p, std::uint32_t v) noexcept { store_le32_bytewise(p, v); }
inline void store_le16(unsigned char* p, std::uint16_t v) noexcept { store_le16_bytewise(p, v); }
#endif

/// The first n bytes at p (n = 0..8) as a little-endian number, the bytes
/// beyond n reading as zero; reads exactly bytes p[0..n). For the 1..15-byte
/// tails of block hashes (MurmurHash3, MurmurHash64A): at most two loads and
/// no per-byte loop. For n = 4..8 the two 4-byte loads overlap, and the
/// overlapping bytes are equal, so OR-ing them is exact; for n = 1..3 bytes
/// 0, n/2 and n−1 cover every byte.
inline std::uint64_t load_le_upto8(const unsigned char* p, std::size_t n) noexcept {
  if (n >= 4) {
    const std::uint64_t lo = load_le32(p);
    const std::uint64_t hi = load_le32(p + n - 4);
    return lo | (hi << (8u * (n - 4u)));
  }
  if (n == 0) return 0;
  return static_cast<std::uint64_t>(p[0]) | (static_cast<std::uint64_t>(p[n / 2]) << (8u * (n / 2))) |
         (static_cast<std::uint64_t>(p[n - 1]) << (8u * (n - 1)));
}

/// Appends little-endian fields to a byte vector. Every field grows the
/// vector with resize() and is written in place: no std::vector::insert,
/// whose two range instantiations (pointer and const pointer) clang compiles
/// in every TU that includes this header, used or not, because non-template
/// inline functions name them (issue 16: compile time of a user TU).
class byte_writer {
 public:
  explicit byte_writer(std::vector<std::uint8_t>& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { store_le16(grow(2), v); }
  void u32(std::uint32_t v) { store_le32(grow(4), v); }
  void u64(std::uint64_t v) { store_le64(grow(8), v); }
  void bytes(const void* p, std::size_t n) {
    if (n != 0) std::memcpy(grow(n), p, n);
  }

 private:
  /// The n bytes just appended (zeroed, about to be overwritten).
  unsigned char* grow(std::size_t n) {
    const std::size_t at = out_.size();
    out_.resize(at + n);
    return out_.data() + at;
  }

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
