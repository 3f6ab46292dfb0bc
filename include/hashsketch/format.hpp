#ifndef HASHSKETCH_FORMAT_HPP
#define HASHSKETCH_FORMAT_HPP

// The native binary format's public vocabulary: which encoding serialize()
// writes, and the constants of the layout. docs/FORMAT.md has every byte.

#include <cstddef>
#include <cstdint>

namespace hashsketch {

/// How serialize() stores a sketch (docs/FORMAT.md, "Encodings").
///  - automatic: the smallest lossless encoding of the sketch's state: for a
///    dense sketch the smaller of dense and dense_compact (dense on a tie, it
///    loads for free); for a sparse sketch always sparse (its registers
///    would lose the tokens' finer bits, and with them the near-exact
///    estimate, so dense_compact is never chosen for it on its own).
///  - dense: format version 1, one byte per register, 24 + m + 8 bytes;
///    byte for byte what hashsketch 0.1 writes and reads. Loads with no
///    decoding. A sparse sketch writes its registers (the tokens' finer bits
///    are dropped: it reads back dense).
///  - dense_compact: format version 2, the registers entropy-coded (static
///    rANS with the model in the image): ≈ 0.36 byte per register at n ≫ m.
///    A sparse sketch writes its registers, as for dense.
///  - sparse: format version 2, the sorted tokens delta-coded (Golomb–Rice
///    gaps, unary ranks): ≈ 2.0–3.0 bytes per key for 100 ≤ n ≤ 10^4. Only a
///    sparse sketch has tokens; asking a dense one for it throws
///    std::invalid_argument.
/// Every reader accepts every encoding (deserialize() needs no hint).
/// basic_sketch::serialize() defaults to automatic (since 0.2.0); pass
/// dense for the bytes a 0.1 reader needs.
enum class encoding : std::uint8_t { automatic, dense, dense_compact, sparse };

/// Layout of the native binary format (docs/FORMAT.md has it byte by byte).
namespace format {
constexpr unsigned char magic[4] = {'H', 'S', 'K', 'T'};
/// Version 1: the dense form (24-byte header, m register bytes, checksum).
/// Still what encoding::dense writes, so existing readers keep reading it.
constexpr std::uint8_t version = 1;
/// Version 2: a 10-byte fixed header, the seed as a varint, an encoded
/// payload, the checksum (encodings sparse and dense_compact). Still read;
/// written by 0.2.0 development builds only.
constexpr std::uint8_t version_2 = 2;
/// Version 3: the encodings of version 2 behind a shorter header (8 bytes
/// when the hasher id, addressing id and seed are the defaults, which are
/// then omitted) and a 4-byte XXH32 checksum: what sparse and dense_compact
/// write.
constexpr std::uint8_t version_3 = 3;
/// Version 3: bit 7 of the encoding byte says the identity field (hasher
/// id u8, addressing id u8, varint seed) follows; clear, they are the
/// defaults below.
constexpr std::uint8_t encoding_identity_flag = 0x80;
constexpr std::uint8_t default_hasher_id = 1;      // xxh3_hasher
constexpr std::uint8_t default_addressing_id = 1;  // leading_zeros_addressing
/// Register encoding byte (offset 7, both versions). 1 was reserved in
/// version 1 for packed 6-bit registers and stays unused.
constexpr std::uint8_t encoding_dense_u8 = 0;    // version 1 only
constexpr std::uint8_t encoding_sparse_u8 = 2;   // version 2 only
constexpr std::uint8_t encoding_compact_u8 = 3;  // version 2 only
/// Version 1 header bytes (magic … payload length).
constexpr std::size_t header_size = 24;
/// Version 2 fixed header bytes (magic … addressing id), before the seed.
constexpr std::size_t header_v2_fixed_size = 10;
/// Version 3 fixed header bytes (magic … encoding), before the identity.
constexpr std::size_t header_v3_fixed_size = 8;
/// XXH64 checksum bytes of versions 1 and 2.
constexpr std::size_t checksum_size = 8;
/// XXH32 checksum bytes of version 3.
constexpr std::size_t checksum_v3_size = 4;
/// Index bits of a token (CORE-SHAPE.md: token = index26 << 6 | rank26 − 1).
constexpr unsigned token_index_bits = 26;
}  // namespace format

}  // namespace hashsketch

#endif  // HASHSKETCH_FORMAT_HPP
