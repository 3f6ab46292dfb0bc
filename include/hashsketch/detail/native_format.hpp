#ifndef HASHSKETCH_DETAIL_NATIVE_FORMAT_HPP
#define HASHSKETCH_DETAIL_NATIVE_FORMAT_HPP

// The native binary format's dense form (docs/FORMAT.md has it byte by
// byte): a 24-byte header, m register bytes, an XXH64 checksum of all that
// precedes it. One writer and one reader serve every sketch kind (the
// register-core sketches and ultraloglog); each kind checks only what its
// register bytes may hold.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../errors.hpp"
#include "../hash.hpp"  // xxhash.h, header-only (XXH_INLINE_ALL): XXH64
#include "bytes.hpp"

namespace hashsketch {

/// Layout of the native binary format (docs/FORMAT.md has it byte by byte).
namespace format {
constexpr unsigned char magic[4] = {'H', 'S', 'K', 'T'};
constexpr std::uint8_t version = 1;
constexpr std::uint8_t encoding_dense_u8 = 0;  // 1 = packed 6-bit and 2 = sparse are reserved
constexpr std::size_t header_size = 24;
constexpr std::size_t checksum_size = 8;
}  // namespace format

namespace detail {

/// What a dense native image says about its sketch: every field but the
/// register bytes. Names are for error messages.
struct native_dense_id {
  std::uint8_t kind;
  const char* kind_name;
  unsigned precision;
  std::uint8_t hasher_id;
  const char* hasher_name;
  std::uint8_t addressing_id;
  const char* addressing_name;
  std::uint64_t seed;
  std::size_t register_count;
};

/// Writes header, the m register bytes and the checksum: 24 + m + 8 bytes.
inline std::vector<std::uint8_t> write_native_dense(const native_dense_id& id, const std::uint8_t* registers) {
  std::vector<std::uint8_t> out;
  out.reserve(format::header_size + id.register_count + format::checksum_size);
  byte_writer w(out);
  w.bytes(format::magic, 4);
  w.u8(format::version);
  w.u8(id.kind);
  w.u8(static_cast<std::uint8_t>(id.precision));
  w.u8(format::encoding_dense_u8);
  w.u8(id.hasher_id);
  w.u8(id.addressing_id);
  w.u16(0);  // reserved, must be zero
  w.u64(id.seed);
  w.u32(static_cast<std::uint32_t>(id.register_count));
  w.bytes(registers, id.register_count);
  w.u64(XXH64(out.data(), out.size(), 0));
  return out;
}

/// Checks every header field against `expected`, the length, the checksum
/// and that nothing trails it; returns the m register bytes inside
/// [data, data + size) (never reads outside it). Throws format_error naming
/// the first defect. The caller validates the register values.
inline const unsigned char* read_native_dense(const void* data, std::size_t size, const native_dense_id& expected) {
  byte_reader r(data, size);
  const unsigned char* magic = r.bytes(4, "magic");
  if (!std::equal(magic, magic + 4, format::magic)) throw format_error("bad magic (not a hashsketch sketch)");
  const unsigned version = r.u8("version");
  if (version != format::version) throw format_error("unknown format version " + std::to_string(version));
  const unsigned kind = r.u8("kind");
  if (kind != expected.kind)
    throw format_error("sketch kind " + std::to_string(kind) + " is not " + expected.kind_name + " (kind " +
                       std::to_string(expected.kind) + ")");
  const unsigned p = r.u8("precision");
  if (p != expected.precision)
    throw format_error("precision " + std::to_string(p) + " differs from the type's " +
                       std::to_string(expected.precision));
  const unsigned encoding = r.u8("encoding");
  if (encoding != format::encoding_dense_u8)
    throw format_error("unknown register encoding " + std::to_string(encoding));
  const unsigned hasher_id = r.u8("hasher id");
  if (hasher_id != expected.hasher_id)
    throw format_error("hasher id " + std::to_string(hasher_id) + " is not " + expected.hasher_name);
  const unsigned layout = r.u8("addressing id");
  if (layout != expected.addressing_id)
    throw format_error("register layout id " + std::to_string(layout) + " is not " + expected.addressing_name);
  if (r.u16("reserved") != 0) throw format_error("reserved header bytes are not zero");
  const std::uint64_t seed = r.u64("seed");
  if (seed != expected.seed)
    throw format_error("hasher seed " + std::to_string(seed) + " differs from the expected " +
                       std::to_string(expected.seed));
  const std::uint32_t length = r.u32("payload length");
  if (length != expected.register_count)
    throw format_error("payload length " + std::to_string(length) + " is not m = " +
                       std::to_string(expected.register_count));
  const unsigned char* payload = r.bytes(expected.register_count, "registers");
  const std::size_t covered = r.position();
  const std::uint64_t stored = r.u64("checksum");
  if (r.remaining() != 0) throw format_error(std::to_string(r.remaining()) + " trailing bytes after the checksum");
  if (stored != XXH64(data, covered, 0)) throw format_error("checksum mismatch (bytes damaged)");
  return payload;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_NATIVE_FORMAT_HPP
