#ifndef HASHSKETCH_DETAIL_REDIS_CODEC_HPP
#define HASHSKETCH_DETAIL_REDIS_CODEC_HPP

// The bytes of a Redis HyperLogLog string (Redis src/hyperloglog.c, format
// described in its header comment and in docs/redis.md):
//
//   offset 0   "HYLL"                 magic
//   offset 4   encoding               0 = dense, 1 = sparse (anything else is invalid)
//   offset 5   3 unused bytes         Redis writes zeros and never reads them
//   offset 8   cached cardinality     64-bit little-endian; bit 63 set = "stale"
//   offset 16  registers              dense: 16384 × 6 bits, register i at bit 6·i,
//                                       least significant bit first (12288 bytes);
//                                     sparse: a stream of opcodes, each run
//                                       covering consecutive registers:
//                                       ZERO  00xxxxxx           x+1 (1..64) zeros
//                                       XZERO 01xxxxxx yyyyyyyy  (x·256 + y)+1 (1..16384) zeros
//                                       VAL   1vvvvvxx           x+1 (1..4) registers of value v+1 (1..32)
//
// Everything here works on a plain array of 16384 one-byte registers; redis.hpp
// connects it to basic_sketch. The decoder never reads outside the string.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include "../errors.hpp"
#include "../estimators.hpp"
#include "bytes.hpp"
#include "exact_sums.hpp"
#include "kernel_table.hpp"  // pack6 / unpack6 (packed6.hpp layout), per CPU

namespace hashsketch {
namespace detail {

// Pinned builds (HASHSKETCH_PIN_ISA) get their own copies of these codec
// functions, as they get their own kernels(): they call the kernel table, so
// one inline definition shared with an unpinned TU would break the ODR and
// run whichever TU's kernels the linker kept (tests/isa_pin_odr_test.cpp).
HASHSKETCH_PIN_NAMESPACE_BEGIN

// Constants of Redis's format (hyperloglog.c: HLL_P, HLL_REGISTERS, HLL_BITS,
// HLL_HDR_SIZE, HLL_DENSE_SIZE, HLL_SPARSE_* and the hll-sparse-max-bytes
// default of redis.conf).
constexpr unsigned redis_p = 14;
constexpr std::size_t redis_registers = std::size_t{1} << redis_p;  // 16384
constexpr std::size_t redis_header_size = 16;
constexpr std::size_t redis_dense_size = redis_header_size + redis_registers * 6 / 8;  // 12304
constexpr std::uint8_t redis_encoding_dense = 0;
constexpr std::uint8_t redis_encoding_sparse = 1;
constexpr unsigned redis_max_rank = 64 - redis_p + 1;  // 51: 50 hash bits + the sentinel
constexpr unsigned redis_sparse_val_max_value = 32;
constexpr unsigned redis_sparse_val_max_len = 4;
constexpr unsigned redis_sparse_zero_max_len = 64;
constexpr unsigned redis_sparse_xzero_max_len = 16384;
constexpr std::size_t redis_sparse_max_bytes_default = 3000;
constexpr std::uint64_t redis_cache_stale_bit = std::uint64_t{1} << 63;

/// The cardinality Redis's PFCOUNT computes for these registers: Ertl's
/// improved estimator (arXiv:1702.01284, Algorithm 6) with α_∞ = 1/(2 ln 2)
/// and q = 50, rounded to the nearest integer — the same operations in the same
/// order as Redis's hllCount(), so the result is the integer Redis caches.
inline std::uint64_t redis_cardinality(const register_histogram& h) noexcept {
  const double m = static_cast<double>(redis_registers);
  const double start = m * ertl_tau((m - static_cast<double>(h[redis_max_rank])) / m);
  double z;
  // Redis's loop is 50 dependent add-and-halve steps (~4/5 of to_redis's own
  // time); where all of them are exact (no register at 51 and none above 39:
  // n up to ~2^38 keys) the integer form gives the same double.
  if (!exact_halving_sum(h.data(), redis_max_rank - 1, redis_registers, start, z)) {
    z = start;
    for (unsigned k = redis_max_rank - 1; k >= 1; --k) {
      z += static_cast<double>(h[k]);
      z *= 0.5;
    }
  }
  z += m * ertl_sigma(static_cast<double>(h[0]) / m);
  const double e = alpha_inf * m * m / z;  // +inf·0 cannot occur: z ≥ m·σ(0) > 0 or z = ∞ (→ 0)
  return static_cast<std::uint64_t>(std::llround(e));
}

inline void redis_write_header(std::string& out, std::uint8_t encoding, std::uint64_t cached_cardinality) {
  unsigned char h[redis_header_size] = {'H', 'Y', 'L', 'L', encoding, 0, 0, 0};
  store_le64(h + 8, cached_cardinality);
  out.append(reinterpret_cast<const char*>(h), redis_header_size);
}

/// Appends the 12288 dense register bytes (packed6.hpp's layout; the kernel
/// table's pack6: 32 or 64 registers per step with AVX2 / AVX-512 VBMI).
inline void redis_append_dense(std::string& out, const std::uint8_t* regs) {
  const std::size_t start = out.size();
  out.resize(start + redis_registers * 6 / 8);
  kernels().pack6(regs, redis_registers, reinterpret_cast<unsigned char*>(&out[start]));
}

/// True when the 8 bytes at p are all zero (one load; byte order irrelevant).
inline bool all_zero8(const std::uint8_t* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w == 0;
}

/// Calls emit_zero(run) / emit_val(value, run) for the canonical sparse opcode
/// stream of the registers: maximal zero runs (one ZERO when ≤ 64, else one
/// XZERO — a run never exceeds 16384), and runs of equal values cut greedily
/// into VALs of at most 4 from the left. Requires every value ≤ 32.
template <class Zero, class Val>
void redis_sparse_runs(const std::uint8_t* regs, Zero&& emit_zero, Val&& emit_val) {
  std::size_t i = 0;
  while (i < redis_registers) {
    const std::uint8_t v = regs[i];
    std::size_t j = i + 1;
    if (v == 0)  // most registers of a sparse sketch are empty: skip them 8 at a time
      while (j + 8 <= redis_registers && all_zero8(regs + j)) j += 8;
    while (j < redis_registers && regs[j] == v) ++j;
    std::size_t run = j - i;
    if (v == 0) {
      emit_zero(run);
    } else {
      while (run > 0) {
        const std::size_t len = run < redis_sparse_val_max_len ? run : redis_sparse_val_max_len;
        emit_val(v, len);
        run -= len;
      }
    }
    i = j;
  }
}

/// Bytes of the canonical sparse string (header included); assumes values ≤ 32.
/// `non_empty` registers need at least ⌈non_empty/4⌉ VAL bytes, so a sketch
/// that cannot fit `limit` is answered without a pass (returns a value > limit).
inline std::size_t redis_sparse_size(const std::uint8_t* regs, std::size_t non_empty, std::size_t limit) {
  const std::size_t lower_bound = redis_header_size + (non_empty + redis_sparse_val_max_len - 1) / redis_sparse_val_max_len;
  if (lower_bound > limit) return lower_bound;
  std::size_t n = redis_header_size;
  redis_sparse_runs(
      regs, [&](std::size_t run) { n += run > redis_sparse_zero_max_len ? 2 : 1; },
      [&](std::uint8_t, std::size_t) { ++n; });
  return n;
}

inline void redis_append_sparse(std::string& out, const std::uint8_t* regs) {
  redis_sparse_runs(
      regs,
      [&](std::size_t run) {
        if (run > redis_sparse_zero_max_len) {
          const std::size_t x = run - 1;  // 14 bits: 0..16383
          out.push_back(static_cast<char>(0x40u | (x >> 8)));
          out.push_back(static_cast<char>(x & 0xffu));
        } else {
          out.push_back(static_cast<char>(run - 1));
        }
      },
      [&](std::uint8_t v, std::size_t len) {
        out.push_back(static_cast<char>(0x80u | (static_cast<unsigned>(v - 1) << 2) | static_cast<unsigned>(len - 1)));
      });
}

/// Whether redis_decode(s, regs) writes every one of the 16384 registers (a
/// dense string: 12 288 bytes of 6-bit values, any other length refused
/// before a register is written), so regs need not be zeroed first; a sparse
/// string writes only its non-zero runs.
inline bool redis_decode_writes_all(std::string_view s) noexcept {
  return s.size() == redis_dense_size && static_cast<std::uint8_t>(s[4]) == redis_encoding_dense;
}

/// Parses a Redis HyperLogLog string into 16384 registers (which the caller
/// zeroed). Checks, in order: the 16-byte header is present, the magic is
/// "HYLL", the encoding is 0 or 1, a dense string is exactly 12304 bytes and
/// holds no register above 51 (Redis's PFADD cannot produce one, and no
/// HyperLogLog of this layout can hold it), a sparse opcode stream never runs
/// past register 16383 (the CVE-2025-32023 overflow), has no truncated XZERO,
/// and covers exactly 16384 registers. The cached cardinality and the three
/// unused bytes are not checked, as Redis does not check them either.
/// Returns the encoding. Throws format_error naming the defect.
inline std::uint8_t redis_decode(std::string_view s, std::uint8_t* regs) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t size = s.size();
  if (size < redis_header_size)
    throw format_error("truncated: a Redis HyperLogLog string has a 16-byte header, got " + std::to_string(size) +
                       " bytes");
  if (!(p[0] == 'H' && p[1] == 'Y' && p[2] == 'L' && p[3] == 'L'))
    throw format_error("bad magic: not a Redis HyperLogLog string (expected \"HYLL\")");
  const std::uint8_t encoding = p[4];
  if (encoding == redis_encoding_dense) {
    if (size != redis_dense_size)
      throw format_error("dense Redis HyperLogLog must be " + std::to_string(redis_dense_size) + " bytes, got " +
                         std::to_string(size));
    if (kernels().unpack6(p + redis_header_size, redis_registers, regs, redis_max_rank)) {
      // rare path: find the first offender for the message
      for (std::size_t i = 0; i < redis_registers; ++i)
        if (regs[i] > redis_max_rank)
          throw format_error("dense register " + std::to_string(i) + " holds " + std::to_string(regs[i]) +
                             ", above Redis's largest rank " + std::to_string(redis_max_rank));
    }
    return encoding;
  }
  if (encoding != redis_encoding_sparse)
    throw format_error("unknown Redis HyperLogLog encoding " + std::to_string(encoding) + " (0 = dense, 1 = sparse)");

  std::size_t index = 0;  // next register to be covered
  std::size_t at = redis_header_size;
  while (at < size) {
    const unsigned op = p[at];
    std::size_t run;
    std::uint8_t value = 0;
    std::size_t width = 1;
    if ((op & 0xc0u) == 0x00u) {  // ZERO
      run = (op & 0x3fu) + 1u;
    } else if ((op & 0xc0u) == 0x40u) {  // XZERO
      if (at + 1 >= size)
        throw format_error("truncated: sparse XZERO opcode at offset " + std::to_string(at) +
                           " lacks its second byte");
      run = (((op & 0x3fu) << 8) | p[at + 1]) + 1u;
      width = 2;
    } else {  // VAL
      value = static_cast<std::uint8_t>(((op >> 2) & 0x1fu) + 1u);
      run = (op & 0x03u) + 1u;
    }
    // Checked before anything is written: a run past the last register is the
    // out-of-bounds write of CVE-2025-32023.
    if (run > redis_registers - index)
      throw format_error("sparse opcode at offset " + std::to_string(at) + " covers registers " +
                         std::to_string(index) + ".." + std::to_string(index + run - 1) +
                         ", past the last register " + std::to_string(redis_registers - 1) +
                         " (run overflow, CVE-2025-32023)");
    if (value != 0)
      for (std::size_t k = 0; k < run; ++k) regs[index + k] = value;
    index += run;
    at += width;
  }
  if (index != redis_registers)
    throw format_error("sparse opcodes cover " + std::to_string(index) + " registers, not " +
                       std::to_string(redis_registers));
  return encoding;
}

HASHSKETCH_PIN_NAMESPACE_END

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_REDIS_CODEC_HPP
