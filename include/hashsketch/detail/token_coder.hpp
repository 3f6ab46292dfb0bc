#ifndef HASHSKETCH_DETAIL_TOKEN_CODER_HPP
#define HASHSKETCH_DETAIL_TOKEN_CODER_HPP

// The native format's sparse payload (encoding 2, docs/FORMAT.md): a sorted
// token list (token = index26 << 6 | rank26 − 1, one token per index26,
// ascending) as
//   varint n                      number of tokens, 0 … 2^26
//   for each token, in order:     (bit stream, least significant bit first)
//     gap = index26 − previous index26 − 1   (previous = −1 for the first)
//       Rice code with parameter k(n): gap >> k in unary (ones, then a zero),
//       then the low k bits of gap
//     rank26 − 1 in unary
//   zero bits to the byte boundary
// Why these codes: n hashed keys put their index26 values uniformly in
// [0, 2^26), so the gaps are close to geometric with mean 2^26/n, for which a
// Rice code with the parameter below costs within ~0.05 bit of the entropy
// (log2(2^26/n) + 1.44 bits); rank26 − 1 counts leading (or trailing) zeros
// of uniform bits, geometric(1/2), whose entropy (2 bits) is exactly the
// unary code's mean length. At n = 1000: 17.6 + 2 bits ≈ 2.45 bytes per key.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../errors.hpp"
#include "../format.hpp"
#include "bit_io.hpp"
#include "bytes.hpp"

namespace hashsketch {
namespace detail {

constexpr std::uint32_t token_index_limit = std::uint32_t{1} << format::token_index_bits;  // 2^26

/// The Rice parameter for n tokens: the optimal one for a geometric gap with
/// mean 2^26/n (Kiely, "Selecting the Golomb parameter in Rice coding", IPN
/// Progress Report 42-159, 2004: k = max(0, 1 + ⌊log2(ln(φ − 1) / ln θ)⌋) with
/// ln θ ≈ −n/2^26), in integers so every reader and writer agrees:
/// c = ⌊−ln(φ − 1)·2^26⌋ = 32293578, k = 0 if c/n = 0, else 1 + ⌊log2 ⌊c/n⌋⌋
/// (capped at 25). Derived from n, so it is not stored.
constexpr unsigned image_rice_parameter(std::size_t n) noexcept {
  const std::uint64_t q = n == 0 ? 0 : std::uint64_t{32293578} / n;
  unsigned k = 0;
  for (std::uint64_t v = q; v != 0; v >>= 1) ++k;  // bit width of q = 1 + ⌊log2 q⌋
  return k > 25 ? 25 : k;
}

/// Appends the sparse payload of tokens [t, t + n) to out. Throws
/// std::invalid_argument if they are not ascending with distinct index26
/// values (the store guarantees it: a caller bug, never user data).
inline void encode_tokens(const std::uint32_t* t, std::size_t n, std::vector<std::uint8_t>& out) {
  if (n > token_index_limit) throw std::invalid_argument("hashsketch: more than 2^26 tokens");
  write_varint(out, n);
  const unsigned k = image_rice_parameter(n);
  const std::uint32_t low_mask = (std::uint32_t{1} << k) - 1u;
  bit_writer w(out);
  std::int64_t previous = -1;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t index = t[i] >> 6;
    if (static_cast<std::int64_t>(index) <= previous)
      throw std::invalid_argument("hashsketch: tokens not ascending with distinct index26 (token " +
                                  std::to_string(i) + ")");
    const auto gap = static_cast<std::uint32_t>(index - previous - 1);
    w.unary(gap >> k);
    w.bits(gap & low_mask, k);
    w.unary(t[i] & 63u);
    previous = index;
  }
  w.finish();
}

/// Bytes encode_tokens writes for these tokens (same preconditions).
inline std::size_t encoded_tokens_size(const std::uint32_t* t, std::size_t n) noexcept {
  const unsigned k = image_rice_parameter(n);
  std::uint64_t bits = 0;
  std::int64_t previous = -1;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t index = t[i] >> 6;
    bits += ((static_cast<std::uint64_t>(index - previous - 1)) >> k) + 1 + k + (t[i] & 63u) + 1;
    previous = index;
  }
  return varint_size(n) + static_cast<std::size_t>((bits + 7) / 8);
}

/// Decodes a whole sparse payload [p, p + size): the tokens, ascending with
/// distinct index26 values, each rank26 in 1 … max_rank26 (the layout's
/// largest rank at precision 26: 39 for the default and Redis layouts, 63
/// for DataSketches'). Throws format_error on a truncated or oversized count,
/// an index26 past 2^26 − 1, a rank above max_rank26, bits left over or
/// nonzero padding. Never reads outside the payload; allocates at most
/// 4 bytes per token the payload can hold (a count the bytes cannot back is
/// refused before allocating).
inline std::vector<std::uint32_t> decode_tokens(const unsigned char* p, std::size_t size, unsigned max_rank26) {
  byte_reader r(p, size);
  const auto n = static_cast<std::size_t>(read_varint(r, "token count", token_index_limit));
  const unsigned k = image_rice_parameter(n);
  // Every token costs at least k + 2 bits (an empty unary quotient, k low
  // bits, a rank of 1).
  if (static_cast<std::uint64_t>(n) * (k + 2u) > static_cast<std::uint64_t>(r.remaining()) * 8u)
    throw format_error("token count " + std::to_string(n) + " needs more bytes than the payload's " +
                       std::to_string(r.remaining()));
  std::vector<std::uint32_t> tokens;
  tokens.reserve(n);
  bit_reader b(r.current(), r.remaining());
  std::uint32_t next = 0;  // smallest index26 the next token may have
  for (std::size_t i = 0; i < n; ++i) {
    if (next >= token_index_limit) throw format_error("token " + std::to_string(i) + ": index26 past 2^26 − 1");
    // The quotient may not carry the index past 2^26 − 1.
    const std::uint64_t quotient = b.unary((token_index_limit - 1u - next) >> k, "token index gap");
    const std::uint64_t gap = (quotient << k) | b.bits(k, "token index gap");
    if (gap > token_index_limit - 1u - next)
      throw format_error("token " + std::to_string(i) + ": index26 past 2^26 − 1");
    const auto index = static_cast<std::uint32_t>(next + gap);
    const auto rank_minus_1 = static_cast<std::uint32_t>(b.unary(max_rank26 - 1u, "token rank26 - 1"));
    tokens.push_back(index << 6 | rank_minus_1);
    next = index + 1u;
  }
  b.expect_end("sparse tokens");
  return tokens;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_TOKEN_CODER_HPP
