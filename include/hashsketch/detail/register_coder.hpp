#ifndef HASHSKETCH_DETAIL_REGISTER_CODER_HPP
#define HASHSKETCH_DETAIL_REGISTER_CODER_HPP

// The native format's dense_compact payload (encoding 3, docs/FORMAT.md):
// m register bytes entropy-coded with a static-model rANS (Duda, "Asymmetric
// numeral systems", arXiv:1311.2540; the 32-bit state / 16-bit word variant),
// four interleaved states so the decoder's four dependency chains overlap.
//   u8      first symbol s0 of the model
//   u8      symbol count − 1 (c − 1; the model covers s0 … s0 + c − 1 ≤ 255)
//   c × varint  quantised frequency f_s, Σ f_s = M = 2^b with b = min(log2 m, 12);
//               f_s0 and f_(s0+c−1) nonzero (the range is tight)
//   4 × u32 the decoder's initial states x0 … x3, each in [2^16, 2^32)
//   u16 …   the renormalisation words, in the order the decoder reads them
// Register i is decoded from state i mod 4. The model is exactly what the
// writer computes from the register histogram in integers (below), so the
// reader recomputes it from the decoded registers and refuses any other:
// one image per register array, like the other encodings. Nothing is
// recomputed from floating point, so every platform decodes the same bytes.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../errors.hpp"
#include "../hash.hpp"  // HASHSKETCH_FORCE_INLINE
#include "bit_io.hpp"
#include "bytes.hpp"

namespace hashsketch {
namespace detail {

#if defined(__GNUC__) || defined(__clang__)
#define HASHSKETCH_PREFETCH(address, for_write) __builtin_prefetch((address), (for_write))
#else
#define HASHSKETCH_PREFETCH(address, for_write) ((void)0)
#endif

constexpr unsigned rans_max_scale_bits = 12;        // M ≤ 4096: a 16 KiB decode table
constexpr std::uint32_t rans_lower = 1u << 16;      // L: states live in [L, 2^32)
constexpr unsigned rans_streams = 4;                // interleaved states

/// b = min(log2 m, 12) for m = 2^P registers (m a power of two ≥ 4).
inline unsigned rans_scale_bits(std::size_t m) noexcept {
  unsigned p = 0;
  while ((std::size_t{1} << p) < m) ++p;
  return p < rans_max_scale_bits ? p : rans_max_scale_bits;
}

/// The quantised model: f_s summing to M = 2^b from counts summing to m. For
/// m ≤ 4096 the counts themselves (M = m, no loss). Above, each count scaled
/// by M/m rounding half up, a present symbol at least 1, and the sum fixed
/// on the largest frequencies (lowest symbol first on ties). Integers only.
inline std::array<std::uint32_t, 256> rans_model(const std::array<std::uint32_t, 256>& counts, std::size_t m) {
  const unsigned b = rans_scale_bits(m);
  unsigned p = 0;
  while ((std::size_t{1} << p) < m) ++p;
  std::array<std::uint32_t, 256> f{};
  if (p <= b) return counts;
  const unsigned shift = p - b;
  std::int64_t sum = 0;
  for (unsigned s = 0; s < 256; ++s) {
    if (counts[s] == 0) continue;
    f[s] = std::max<std::uint32_t>(1u, (counts[s] + (1u << (shift - 1))) >> shift);
    sum += f[s];
  }
  std::int64_t diff = (std::int64_t{1} << b) - sum;
  while (diff != 0) {
    unsigned big = 0;
    for (unsigned s = 1; s < 256; ++s)
      if (f[s] > f[big]) big = s;
    if (diff > 0) {
      f[big] += static_cast<std::uint32_t>(diff);
      diff = 0;
    } else {
      const std::int64_t take = std::min<std::int64_t>(-diff, f[big] - 1);
      f[big] -= static_cast<std::uint32_t>(take);
      diff += take;
    }
  }
  return f;
}

/// Appends the dense_compact payload of registers [r, r + m) to out; m = 2^P,
/// P ≥ 2 (m a multiple of 4).
inline void encode_registers(const std::uint8_t* r, std::size_t m, std::vector<std::uint8_t>& out) {
  std::array<std::uint32_t, 256> counts{};
  for (std::size_t i = 0; i < m; ++i) ++counts[r[i]];
  const std::array<std::uint32_t, 256> f = rans_model(counts, m);
  const unsigned b = rans_scale_bits(m);
  unsigned lo = 0, hi = 255;
  while (f[lo] == 0) ++lo;
  while (f[hi] == 0) --hi;
  out.push_back(static_cast<std::uint8_t>(lo));
  out.push_back(static_cast<std::uint8_t>(hi - lo));
  std::array<std::uint32_t, 256> start{};
  std::uint32_t cum = 0;
  for (unsigned s = lo; s <= hi; ++s) {
    write_varint(out, f[s]);
    start[s] = cum;
    cum += f[s];
  }
  std::uint32_t x[rans_streams] = {rans_lower, rans_lower, rans_lower, rans_lower};
  std::vector<std::uint16_t> words;  // in encoder order; the decoder reads them reversed
  words.reserve(m / 4 + 8);
  for (std::size_t i = m; i-- > 0;) {
    std::uint32_t& s = x[i & 3];
    const std::uint32_t freq = f[r[i]];
    // Renormalise so that the encoded state stays below 2^32.
    const std::uint64_t x_max = (static_cast<std::uint64_t>(rans_lower >> b) << 16) * freq;
    if (s >= x_max) {
      words.push_back(static_cast<std::uint16_t>(s));
      s >>= 16;
    }
    s = ((s / freq) << b) + (s % freq) + start[r[i]];
  }
  for (std::uint32_t s : x) {
    unsigned char buf[4];
    store_le32(buf, s);
    out.insert(out.end(), buf, buf + 4);
  }
  const std::size_t at = out.size();
  out.resize(at + 2 * words.size());
  unsigned char* w = out.data() + at;
  for (std::size_t i = words.size(); i-- > 0; w += 2) store_le16(w, words[i]);
}

/// One rANS decoding step of state x (the caller guarantees 2 readable
/// bytes at w): the register its slot names (counted in `counts`), then x
/// back to the state before the encoder put it, then, without a branch, one
/// 16-bit word in if x fell below 2^16.
template <unsigned B>
HASHSKETCH_FORCE_INLINE void rans_step(std::uint32_t& x, const unsigned char*& w, unsigned b_runtime,
                                       const std::uint32_t* steps, const std::uint8_t* symbols, std::uint8_t& out,
                                       std::uint32_t* counts) noexcept {
  const unsigned b = B ? B : b_runtime;
  const std::uint32_t slot = x & ((1u << b) - 1u);
  const std::uint32_t e = steps[slot];
  const std::uint8_t v = symbols[slot];
  out = v;
  ++counts[v];
  x = (e >> 16) * (x >> b) + (e & 0xFFFFu);
  const std::uint32_t in = x << 16 | load_le16(w);
  const bool low = x < rans_lower;
  x = low ? in : x;
  w += low ? 2 : 0;
}

/// The decoder's inner loop: groups of four registers while at least four
/// words (8 bytes) are left, so no read needs its own bounds check. B = the
/// scale bits as a constant, or 0 for b_runtime. Returns the registers done.
template <unsigned B>
inline std::size_t rans_decode_fast(std::uint32_t (&x)[rans_streams], const unsigned char*& w,
                                    const unsigned char* end, std::size_t m, unsigned b_runtime,
                                    const std::uint32_t* steps, const std::uint8_t* symbols, std::uint8_t* out,
                                    std::uint32_t (&counts)[rans_streams][256]) noexcept {
  std::uint32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
  const unsigned char* p = w;
  std::size_t i = 0;
  for (; i < m && end - p >= 8; i += 4) {
    // Above m = 2^14 the output, the words and the tables outgrow L1; asking
    // early for the lines ahead measured 1.7x faster at P = 15 and 1.15x at
    // 16 (a prefetch never faults; the address is formed as an integer, as
    // it may lie past the buffers' ends).
    HASHSKETCH_PREFETCH(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + 512), 0);
    HASHSKETCH_PREFETCH(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(out + i) + 1024), 1);
    rans_step<B>(x0, p, b_runtime, steps, symbols, out[i], counts[0]);
    rans_step<B>(x1, p, b_runtime, steps, symbols, out[i + 1], counts[1]);
    rans_step<B>(x2, p, b_runtime, steps, symbols, out[i + 2], counts[2]);
    rans_step<B>(x3, p, b_runtime, steps, symbols, out[i + 3], counts[3]);
  }
  x[0] = x0;
  x[1] = x1;
  x[2] = x2;
  x[3] = x3;
  w = p;
  return i;
}

/// Decodes a whole dense_compact payload [p, p + size) into out[0 … m).
/// Throws format_error on truncation, a model symbol above max_symbol or
/// past 255, zero first/last frequency, frequencies that do not sum to M, a
/// state out of range, words left over or missing, final states that are not
/// the encoder's initial ones, or a model that is not the writer's for the
/// decoded registers. Never reads outside the payload. O(m + M).
inline void decode_registers(const unsigned char* p, std::size_t size, std::size_t m, unsigned max_symbol,
                             std::uint8_t* out) {
  byte_reader r(p, size);
  const unsigned b = rans_scale_bits(m);
  const std::uint32_t total = 1u << b;
  const unsigned lo = r.u8("model first symbol");
  const unsigned count = r.u8("model symbol count") + 1u;
  if (lo + count > 256) throw format_error("model symbols run past 255");
  if (lo + count - 1 > max_symbol)
    throw format_error("model symbol " + std::to_string(lo + count - 1) + " is above the maximum register value " +
                       std::to_string(max_symbol));
  std::array<std::uint32_t, 256> f{};
  std::uint64_t sum = 0;
  for (unsigned s = lo; s < lo + count; ++s) {
    f[s] = static_cast<std::uint32_t>(read_varint(r, "model frequency", total));
    sum += f[s];
  }
  if (f[lo] == 0 || f[lo + count - 1] == 0) throw format_error("model range has a zero frequency at its end");
  if (sum != total)
    throw format_error("model frequencies sum to " + std::to_string(sum) + ", not " + std::to_string(total));
  // Slot tables: step[slot] = f << 16 | (slot − start of its symbol), the
  // state update's two operands (f ≤ 4096, the offset < 4096); sym[slot] =
  // the symbol, read off the state's dependency chain.
  std::unique_ptr<std::uint32_t[]> step_table(new std::uint32_t[total]);
  std::unique_ptr<std::uint8_t[]> symbol_table(new std::uint8_t[total]);
  std::uint32_t cum = 0;
  for (unsigned s = lo; s < lo + count; ++s) {
    std::uint32_t* const st = step_table.get() + cum;
    const std::uint32_t n = f[s], high = n << 16;
    for (std::uint32_t k = 0; k < n; ++k) st[k] = high | k;  // vectorises (an induction variable)
    std::fill_n(symbol_table.get() + cum, n, static_cast<std::uint8_t>(s));
    cum += n;
  }
  std::uint32_t x[rans_streams];
  for (auto& st : x) {
    st = r.u32("rANS state");
    if (st < rans_lower) throw format_error("rANS state below 2^16");
  }
  const unsigned char* w = r.current();
  const unsigned char* const end = w + r.remaining();
  if ((end - w) % 2 != 0) throw format_error("rANS word stream has an odd byte count");
  // One histogram per state: consecutive equal registers would otherwise
  // chain their count increments through memory.
  std::uint32_t counts4[rans_streams][256] = {};
  // b = 12 (every P ≥ 12, where speed matters) with the shift and mask as
  // constants; smaller b through the same code with them in registers.
  std::size_t i = b == rans_max_scale_bits
                      ? rans_decode_fast<rans_max_scale_bits>(x, w, end, m, b, step_table.get(), symbol_table.get(),
                                                              out, counts4)
                      : rans_decode_fast<0>(x, w, end, m, b, step_table.get(), symbol_table.get(), out, counts4);
  // The last groups, reading each word only after checking it is there.
  const std::uint32_t mask = total - 1u;
  for (; i < m; i += 4) {
    for (unsigned j = 0; j < rans_streams; ++j) {
      const std::uint32_t slot = x[j] & mask;
      const std::uint32_t e = step_table[slot];
      const std::uint8_t v = symbol_table[slot];
      out[i + j] = v;
      ++counts4[j][v];
      x[j] = (e >> 16) * (x[j] >> b) + (e & 0xFFFFu);
      if (x[j] < rans_lower) {
        if (end - w < 2) throw format_error("truncated: rANS word stream ends before register " + std::to_string(i + j));
        x[j] = x[j] << 16 | load_le16(w);
        w += 2;
      }
    }
  }
  if (w != end) throw format_error(std::to_string(end - w) + " trailing bytes after the rANS word stream");
  for (std::uint32_t st : x)
    if (st != rans_lower) throw format_error("rANS final state is not the initial 2^16 (bytes damaged)");
  // The model must be the writer's for these registers: one image per
  // register array.
  std::array<std::uint32_t, 256> counts{};
  for (unsigned v = lo; v < lo + count; ++v)
    counts[v] = counts4[0][v] + counts4[1][v] + counts4[2][v] + counts4[3][v];
  if (rans_model(counts, m) != f) throw format_error("register model is not the one the registers give");
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_REGISTER_CODER_HPP
