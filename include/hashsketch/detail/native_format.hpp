#ifndef HASHSKETCH_DETAIL_NATIVE_FORMAT_HPP
#define HASHSKETCH_DETAIL_NATIVE_FORMAT_HPP

// The native binary format's container (docs/FORMAT.md has it byte by
// byte). Version 1, the dense form: a 24-byte header, m register bytes, an
// XXH64 checksum of all that precedes it. Version 2: a 10-byte header, the
// seed as a varint, a coded payload (sparse tokens: detail/token_coder.hpp;
// entropy-coded registers: detail/register_coder.hpp), the checksum. One
// writer and one reader serve every sketch kind (the register-core sketches
// and ultraloglog); each kind checks only what its register bytes may hold.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <stdexcept>

#include "../errors.hpp"
#include "../format.hpp"
#include "../hash.hpp"  // xxhash.h, header-only (XXH_INLINE_ALL): XXH64
#include "bit_io.hpp"
#include "bytes.hpp"
#include "register_coder.hpp"
#include "token_coder.hpp"

namespace hashsketch {

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
  const unsigned enc = r.u8("encoding");
  if (enc != format::encoding_dense_u8)
    throw format_error("unknown register encoding " + std::to_string(enc));
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

/// Writes a version-2 image: the fixed header with `encoding_u8`, the seed,
/// `payload`, the checksum.
inline std::vector<std::uint8_t> write_native_v2(const native_dense_id& id, std::uint8_t encoding_u8,
                                                 const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out;
  out.reserve(format::header_v2_fixed_size + 10 + payload.size() + format::checksum_size);
  byte_writer w(out);
  w.bytes(format::magic, 4);
  w.u8(format::version_2);
  w.u8(id.kind);
  w.u8(static_cast<std::uint8_t>(id.precision));
  w.u8(encoding_u8);
  w.u8(id.hasher_id);
  w.u8(id.addressing_id);
  write_varint(out, id.seed);
  w.bytes(payload.data(), payload.size());
  w.u64(XXH64(out.data(), out.size(), 0));
  return out;
}

/// The image of a dense state (id.register_count register bytes) in
/// encoding e: dense → version 1 (write_native_dense, the 0.1 bytes);
/// dense_compact → version 2, rANS-coded; automatic → the smaller of the two
/// (dense on a tie). encoding::sparse throws std::invalid_argument: dense
/// registers have no tokens.
inline std::vector<std::uint8_t> write_native(const native_dense_id& id, const std::uint8_t* registers,
                                              encoding e) {
  if (e == encoding::dense) return write_native_dense(id, registers);
  if (e == encoding::sparse)
    throw std::invalid_argument("hashsketch: encoding::sparse needs a sparse sketch (a dense one has no tokens)");
  std::vector<std::uint8_t> payload;
  encode_registers(registers, id.register_count, payload);
  std::vector<std::uint8_t> compact = write_native_v2(id, format::encoding_compact_u8, payload);
  if (e == encoding::automatic &&
      compact.size() >= format::header_size + id.register_count + format::checksum_size)
    return write_native_dense(id, registers);
  return compact;
}

/// The image of a sparse state: n tokens, ascending, one per index26, in
/// encoding::sparse (also for automatic: the registers would lose the
/// tokens' finer bits). encoding::dense and dense_compact throw
/// std::invalid_argument: the caller turns the tokens into registers (the
/// layout's locate_token) and calls the register overload.
inline std::vector<std::uint8_t> write_native(const native_dense_id& id, const std::uint32_t* tokens,
                                              std::size_t n, encoding e) {
  if (e != encoding::sparse && e != encoding::automatic)
    throw std::invalid_argument("hashsketch: a dense encoding of a sparse state needs its registers");
  std::vector<std::uint8_t> payload;
  payload.reserve(varint_size(n) + 3 * n + 8);
  encode_tokens(tokens, n, payload);
  return write_native_v2(id, format::encoding_sparse_u8, payload);
}

/// The identifying fields of a native image of either version, read
/// without knowing the sketch type (a program that dispatches on kind,
/// precision and seed, like the CLI). Checks magic and version only; the
/// type's reader checks the rest and the checksum.
struct native_header {
  unsigned version, kind, precision, encoding_id, hasher_id, addressing_id;
  std::uint64_t seed;
};
inline native_header read_native_header(const void* data, std::size_t size) {
  byte_reader r(data, size);
  const unsigned char* magic = r.bytes(4, "magic");
  if (!std::equal(magic, magic + 4, format::magic)) throw format_error("bad magic (not a hashsketch sketch)");
  native_header h{};
  h.version = r.u8("version");
  if (h.version != format::version && h.version != format::version_2)
    throw format_error("unknown format version " + std::to_string(h.version));
  h.kind = r.u8("kind");
  h.precision = r.u8("precision");
  h.encoding_id = r.u8("encoding");
  h.hasher_id = r.u8("hasher id");
  h.addressing_id = r.u8("addressing id");
  if (h.version == format::version) {
    r.u16("reserved");
    h.seed = r.u64("seed");
  } else {
    h.seed = read_varint(r, "seed", ~std::uint64_t{0});
  }
  return h;
}

/// What read_native found in an image: registers (dense or dense_compact)
/// or tokens (sparse).
struct native_image {
  encoding form = encoding::dense;
  /// dense: the m register bytes, inside the caller's buffer (no copy).
  const unsigned char* dense_registers = nullptr;
  /// dense_compact: the m decoded register bytes.
  std::vector<std::uint8_t> decoded_registers;
  /// sparse: the tokens, ascending, distinct index26, rank26 ≤ max_rank26.
  std::vector<std::uint32_t> tokens;

  bool is_sparse() const noexcept { return form == encoding::sparse; }
  /// The m register bytes of a dense or dense_compact image.
  const unsigned char* registers() const noexcept {
    return form == encoding::dense ? dense_registers : decoded_registers.data();
  }
};

/// Reads any native image (version 1 dense, version 2 sparse or
/// dense_compact) of the sketch `expected` describes. Checks the header
/// fields against `expected`, the checksum, then decodes the payload;
/// never reads outside [data, data + size). max_register: the largest
/// register byte the kind allows (a dense_compact model may not name a
/// larger one); max_rank26: the layout's largest rank at precision 26 (a
/// token's rank may not exceed it). Version-1 register values are left to
/// the caller to check, as before (its message names the register).
/// Throws format_error naming the first defect.
inline native_image read_native(const void* data, std::size_t size, const native_dense_id& expected,
                                unsigned max_register, unsigned max_rank26) {
  native_image image;
  byte_reader r(data, size);
  const unsigned char* magic = r.bytes(4, "magic");
  if (!std::equal(magic, magic + 4, format::magic)) throw format_error("bad magic (not a hashsketch sketch)");
  const unsigned version = r.u8("version");
  if (version == format::version) {
    image.form = encoding::dense;
    image.dense_registers = read_native_dense(data, size, expected);
    return image;
  }
  if (version != format::version_2) throw format_error("unknown format version " + std::to_string(version));
  const unsigned kind = r.u8("kind");
  if (kind != expected.kind)
    throw format_error("sketch kind " + std::to_string(kind) + " is not " + expected.kind_name + " (kind " +
                       std::to_string(expected.kind) + ")");
  const unsigned p = r.u8("precision");
  if (p != expected.precision)
    throw format_error("precision " + std::to_string(p) + " differs from the type's " +
                       std::to_string(expected.precision));
  const unsigned enc = r.u8("encoding");
  if (enc == format::encoding_dense_u8)
    throw format_error("register encoding 0 (dense) is written as format version 1, not 2");
  if (enc != format::encoding_sparse_u8 && enc != format::encoding_compact_u8)
    throw format_error("unknown register encoding " + std::to_string(enc));
  const unsigned hasher_id = r.u8("hasher id");
  if (hasher_id != expected.hasher_id)
    throw format_error("hasher id " + std::to_string(hasher_id) + " is not " + expected.hasher_name);
  const unsigned layout = r.u8("addressing id");
  if (layout != expected.addressing_id)
    throw format_error("register layout id " + std::to_string(layout) + " is not " + expected.addressing_name);
  const std::uint64_t seed = read_varint(r, "seed", ~std::uint64_t{0});
  if (seed != expected.seed)
    throw format_error("hasher seed " + std::to_string(seed) + " differs from the expected " +
                       std::to_string(expected.seed));
  r.need(format::checksum_size, "checksum");
  const std::size_t payload_size = r.remaining() - format::checksum_size;
  const unsigned char* payload = r.bytes(payload_size, "payload");
  const std::size_t covered = r.position();
  const std::uint64_t stored = r.u64("checksum");
  if (stored != XXH64(data, covered, 0)) throw format_error("checksum mismatch (bytes damaged)");
  if (enc == format::encoding_sparse_u8) {
    image.form = encoding::sparse;
    image.tokens = decode_tokens(payload, payload_size, max_rank26);
  } else {
    image.form = encoding::dense_compact;
    image.decoded_registers.resize(expected.register_count);
    decode_registers(payload, payload_size, expected.register_count, max_register, image.decoded_registers.data());
  }
  return image;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_NATIVE_FORMAT_HPP
