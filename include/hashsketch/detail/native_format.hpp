#ifndef HASHSKETCH_DETAIL_NATIVE_FORMAT_HPP
#define HASHSKETCH_DETAIL_NATIVE_FORMAT_HPP

// The native binary format's container (docs/FORMAT.md has it byte by
// byte). Version 1, the dense form: a 24-byte header, m register bytes, an
// XXH64 checksum of all that precedes it. Version 2: a 10-byte header, the
// seed as a varint, a coded payload (sparse tokens: detail/token_coder.hpp;
// entropy-coded registers: detail/register_coder.hpp), the XXH64 checksum.
// Version 3 (what the coded encodings write now): the same payloads behind
// an 8-byte header that omits the hasher id, addressing id and seed when
// they are the defaults, and a 4-byte XXH32 checksum. One
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

/// Appends the header of a native image in format `version` (1, 2 or 3;
/// docs/FORMAT.md) up to and including the seed: the one writer of the
/// fields every version shares (magic, version, kind, precision, encoding,
/// the hasher and addressing ids), then each version's own: version 1 the
/// reserved u16 and the u64 seed; 2 the seed as a varint; 3 the encoding
/// byte's bit 7 set and the two ids and the varint seed only when they are
/// not the defaults (hasher 1, addressing 1, seed 0).
inline void write_native_header(std::vector<std::uint8_t>& out, const native_dense_id& id, std::uint8_t version,
                                std::uint8_t encoding_u8) {
  byte_writer w(out);
  w.bytes(format::magic, 4);
  w.u8(version);
  w.u8(id.kind);
  w.u8(static_cast<std::uint8_t>(id.precision));
  const bool identity = version != format::version_3 || id.hasher_id != format::default_hasher_id ||
                        id.addressing_id != format::default_addressing_id || id.seed != 0;
  w.u8(static_cast<std::uint8_t>(encoding_u8 | (version == format::version_3 && identity
                                                    ? format::encoding_identity_flag
                                                    : 0u)));
  if (!identity) return;
  w.u8(id.hasher_id);
  w.u8(id.addressing_id);
  if (version == format::version) {
    w.u16(0);  // reserved, must be zero
    w.u64(id.seed);
  } else {
    write_varint(out, id.seed);
  }
}

/// The identifying fields of a native image of any version, read without
/// knowing the sketch type (a program that dispatches on kind, precision
/// and seed, like the CLI). encoding_id is the encoding without version 3's
/// identity flag.
struct native_header {
  unsigned version, kind, precision, encoding_id, hasher_id, addressing_id;
  std::uint64_t seed;
};

/// The one reader of the header write_native_header writes, leaving r on
/// the first byte after the seed (version 1: on the payload length). Checks
/// the magic, that the version is known (and is `only_version` unless that
/// is 0), and that a version-3 identity field is not the defaults; with
/// `expected`, also every field against it, field by field in image order
/// (so the first wrong field names the defect), and the encoding byte
/// (version 1: 0; 2 and 3: sparse or dense_compact).
inline native_header read_native_header(byte_reader& r, const native_dense_id* expected, unsigned only_version) {
  const unsigned char* magic = r.bytes(4, "magic");
  if (!std::equal(magic, magic + 4, format::magic)) throw format_error("bad magic (not a hashsketch sketch)");
  native_header h{};
  h.version = r.u8("version");
  if ((h.version != format::version && h.version != format::version_2 && h.version != format::version_3) ||
      (only_version != 0 && h.version != only_version))
    throw format_error("unknown format version " + std::to_string(h.version));
  h.kind = r.u8("kind");
  if (expected && h.kind != expected->kind)
    throw format_error("sketch kind " + std::to_string(h.kind) + " is not " + expected->kind_name + " (kind " +
                       std::to_string(expected->kind) + ")");
  h.precision = r.u8("precision");
  if (expected && h.precision != expected->precision)
    throw format_error("precision " + std::to_string(h.precision) + " differs from the type's " +
                       std::to_string(expected->precision));
  const unsigned enc_byte = r.u8("encoding");
  const bool identity = h.version != format::version_3 || (enc_byte & format::encoding_identity_flag) != 0;
  h.encoding_id = h.version == format::version_3 ? enc_byte & ~unsigned{format::encoding_identity_flag} : enc_byte;
  if (expected) {
    if (h.version == format::version) {
      if (h.encoding_id != format::encoding_dense_u8)
        throw format_error("unknown register encoding " + std::to_string(h.encoding_id));
    } else {
      if (h.encoding_id == format::encoding_dense_u8)
        throw format_error("register encoding 0 (dense) is written as format version 1, not " +
                           std::to_string(h.version));
      if (h.encoding_id != format::encoding_sparse_u8 && h.encoding_id != format::encoding_compact_u8)
        throw format_error("unknown register encoding " + std::to_string(h.encoding_id));
    }
  }
  h.hasher_id = identity ? r.u8("hasher id") : format::default_hasher_id;
  if (expected && h.hasher_id != expected->hasher_id)
    throw format_error("hasher id " + std::to_string(h.hasher_id) + " is not " + expected->hasher_name);
  h.addressing_id = identity ? r.u8("addressing id") : format::default_addressing_id;
  if (expected && h.addressing_id != expected->addressing_id)
    throw format_error("register layout id " + std::to_string(h.addressing_id) + " is not " +
                       expected->addressing_name);
  if (h.version == format::version) {
    const unsigned reserved = r.u16("reserved");
    if (expected && reserved != 0) throw format_error("reserved header bytes are not zero");
    h.seed = r.u64("seed");
  } else {
    h.seed = identity ? read_varint(r, "seed", ~std::uint64_t{0}) : 0;
  }
  if (expected && h.seed != expected->seed)
    throw format_error("hasher seed " + std::to_string(h.seed) + " differs from the expected " +
                       std::to_string(expected->seed));
  // One image per sketch: version 3 omits the identity exactly when it is
  // the defaults.
  if (h.version == format::version_3 && identity && h.hasher_id == format::default_hasher_id &&
      h.addressing_id == format::default_addressing_id && h.seed == 0)
    throw format_error("version-3 identity field repeats the defaults (it is written only when they differ)");
  return h;
}

/// read_native_header of a whole image: checks magic and version (and a
/// version-3 identity); the type's reader checks the rest and the checksum.
inline native_header read_native_header(const void* data, std::size_t size) {
  byte_reader r(data, size);
  return read_native_header(r, nullptr, 0);
}

/// Writes header, the m register bytes and the checksum: 24 + m + 8 bytes.
inline std::vector<std::uint8_t> write_native_dense(const native_dense_id& id, const std::uint8_t* registers) {
  std::vector<std::uint8_t> out;
  out.reserve(format::header_size + id.register_count + format::checksum_size);
  write_native_header(out, id, format::version, format::encoding_dense_u8);
  byte_writer w(out);
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
  read_native_header(r, &expected, format::version);
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

/// Writes a coded image in format `version` (2 or 3): the header with
/// `encoding_u8`, `payload`, the checksum (version 2: XXH64, 8 bytes;
/// version 3: XXH32, 4 bytes). The writers write version 3; version 2 is
/// written only to check that its golden files still re-encode.
inline std::vector<std::uint8_t> write_native_coded(const native_dense_id& id, std::uint8_t version,
                                                    std::uint8_t encoding_u8,
                                                    const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out;
  out.reserve(format::header_v2_fixed_size + 10 + payload.size() + format::checksum_size);
  write_native_header(out, id, version, encoding_u8);
  out.insert(out.end(), payload.begin(), payload.end());
  byte_writer w(out);
  if (version == format::version_3)
    w.u32(XXH32(out.data(), out.size(), 0));
  else
    w.u64(XXH64(out.data(), out.size(), 0));
  return out;
}

/// The image of a dense state (id.register_count register bytes) in
/// encoding e: dense → version 1 (write_native_dense, the 0.1 bytes);
/// dense_compact → version 3 (`version`: 2 for the older header),
/// rANS-coded; automatic → the smaller of the two (dense on a tie).
/// encoding::sparse throws std::invalid_argument: dense registers have no
/// tokens.
inline std::vector<std::uint8_t> write_native(const native_dense_id& id, const std::uint8_t* registers,
                                              encoding e, std::uint8_t version = format::version_3) {
  if (e == encoding::dense) return write_native_dense(id, registers);
  if (e == encoding::sparse)
    throw std::invalid_argument("hashsketch: encoding::sparse needs a sparse sketch (a dense one has no tokens)");
  std::vector<std::uint8_t> payload;
  encode_registers(registers, id.register_count, payload);
  std::vector<std::uint8_t> compact = write_native_coded(id, version, format::encoding_compact_u8, payload);
  if (e == encoding::automatic &&
      compact.size() >= format::header_size + id.register_count + format::checksum_size)
    return write_native_dense(id, registers);
  return compact;
}

/// The image of a sparse state: n tokens, ascending, one per index26, in
/// encoding::sparse (also for automatic: the registers would lose the
/// tokens' finer bits), format version 3 (`version`: 2 for the older
/// header). encoding::dense and dense_compact throw std::invalid_argument:
/// the caller turns the tokens into registers (the layout's locate_token)
/// and calls the register overload.
inline std::vector<std::uint8_t> write_native(const native_dense_id& id, const std::uint32_t* tokens,
                                              std::size_t n, encoding e, std::uint8_t version = format::version_3) {
  if (e != encoding::sparse && e != encoding::automatic)
    throw std::invalid_argument("hashsketch: a dense encoding of a sparse state needs its registers");
  std::vector<std::uint8_t> payload;
  payload.reserve(varint_size(n) + 3 * n + 8);
  encode_tokens(tokens, n, payload);
  return write_native_coded(id, version, format::encoding_sparse_u8, payload);
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

/// Reads any native image (version 1 dense, versions 2 and 3 sparse or
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
  const auto* bytes = static_cast<const unsigned char*>(data);
  // Version 1 has its own reader (length field, XXH64 over a fixed layout).
  // A null pointer with a size reads as truncated in read_native_header.
  if (bytes != nullptr && size > 4 && bytes[4] == format::version && std::equal(bytes, bytes + 4, format::magic)) {
    image.form = encoding::dense;
    image.dense_registers = read_native_dense(data, size, expected);
    return image;
  }
  const native_header h = read_native_header(r, &expected, 0);  // version 2 or 3 here
  const std::size_t checksum_size = h.version == format::version_3 ? format::checksum_v3_size : format::checksum_size;
  r.need(checksum_size, "checksum");
  const std::size_t payload_size = r.remaining() - checksum_size;
  const unsigned char* payload = r.bytes(payload_size, "payload");
  const std::size_t covered = r.position();
  const bool intact = h.version == format::version_3 ? r.u32("checksum") == XXH32(data, covered, 0)
                                                     : r.u64("checksum") == XXH64(data, covered, 0);
  if (!intact) throw format_error("checksum mismatch (bytes damaged)");
  if (h.encoding_id == format::encoding_sparse_u8) {
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
