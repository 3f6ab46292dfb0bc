#ifndef HASHSKETCH_DETAIL_DATASKETCHES_CODEC_HPP
#define HASHSKETCH_DETAIL_DATASKETCHES_CODEC_HPP

// Reader and writer of Apache DataSketches' HLL serialisation format (shared
// by the Java and C++ implementations; layout in the header comment of
// datasketches-java hll/PreambleUtil.java, constants in datasketches-cpp
// hll/include/HllUtil.hpp; docs/datasketches.md restates it). All multi-byte
// fields are little-endian.
//
//   byte 0   preamble ints: 2 LIST, 3 SET, 10 HLL     byte 4  lg_arr
//   byte 1   serial version 1                           byte 5  flags
//   byte 2   family 7 (HLL)                             byte 6  LIST count / HLL cur_min
//   byte 3   lg_k (4..21)                               byte 7  cur_mode | tgt_type << 2
//   LIST: uint32 coupons from byte 8 (compact: count of them; updatable: 2^lg_arr slots)
//   SET:  uint32 count at 8, coupons from 12 (compact: count; updatable: 2^lg_arr hash table)
//   HLL:  f64 HIP at 8, f64 kxq0 at 16, f64 kxq1 at 24, u32 num_at_cur_min at 32,
//         u32 aux_count at 36, registers from 40 (HLL_4 nibbles + aux, HLL_6 packed, HLL_8 bytes)
//   coupon = value << 26 | (h1 & 0x3FFFFFF), value 1..63; its register is coupon & (2^lg_k − 1).
//
// The reader trusts nothing: it checks the size the header implies against
// the buffer before touching the body, checks every index against 2^lg_k and
// every value against 63, and writes only into the caller's 2^p registers.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../errors.hpp"
#include "../estimators.hpp"
#include "bits.hpp"
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
namespace ds {

constexpr unsigned serial_version = 1;
constexpr unsigned family_hll = 7;
constexpr unsigned min_lg_k = 4;
constexpr unsigned max_lg_k = 21;

constexpr unsigned flag_big_endian = 0x01;  // Java, historical: never written little-endian
constexpr unsigned flag_read_only = 0x02;   // Java: informational
constexpr unsigned flag_empty = 0x04;
constexpr unsigned flag_compact = 0x08;
constexpr unsigned flag_out_of_order = 0x10;
constexpr unsigned flag_full_size = 0x20;  // C++ "full size" / Java "rebuild cur_min, kxq": neither matters here
constexpr unsigned flags_known = flag_big_endian | flag_read_only | flag_empty | flag_compact | flag_out_of_order |
                                 flag_full_size;

constexpr unsigned mode_list = 0;
constexpr unsigned mode_set = 1;
constexpr unsigned mode_hll = 2;
constexpr unsigned preamble_ints[3] = {2, 3, 10};

constexpr std::size_t list_start = 8;
constexpr std::size_t set_start = 12;
constexpr std::size_t hll_start = 40;

constexpr unsigned value_bits_shift = 26;            // coupon = value << 26 | address
constexpr std::uint32_t address_mask = 0x3FFFFFFu;  // 26 address bits
constexpr unsigned max_value = 63;                   // min(clz, 62) + 1
constexpr unsigned aux_token = 15;                   // HLL_4 nibble meaning "see the aux table"
constexpr unsigned lg_list_slots = 3;                // updatable LIST images hold 8 slots
constexpr std::size_t empty_updatable_size = list_start + (std::size_t{4} << lg_list_slots);

constexpr const char* mode_names[3] = {"LIST", "SET", "HLL"};

/// Initial lg size of DataSketches' HLL_4 aux (exception) hash table for a
/// given lg_k: datasketches-cpp HllUtil.hpp LG_AUX_ARR_INTS / datasketches-java
/// HllUtil.LG_AUX_ARR_INTS, a format constant because an updatable HLL_4 image
/// carries the whole table (4 << lg bytes, zeroed when there is no exception).
/// Checked against the updatable HLL_4 golden images (lg_k 4, 8, 16, 21).
constexpr unsigned lg_aux_arr_ints(unsigned lg_k) noexcept {
  return lg_k <= 6 ? 2u : lg_k <= 9 ? 3u : lg_k <= 11 ? 4u : lg_k <= 13 ? 5u : lg_k - 8u;
}

/// Smallest aux table (lg size) that DataSketches grows to for `count`
/// exceptions: it doubles while 4·count > 3·size (load factor 3/4).
inline unsigned aux_lg_size(unsigned lg_k, std::size_t count) noexcept {
  unsigned lg = lg_aux_arr_ints(lg_k);
  while (4 * count > 3 * (std::size_t{1} << lg)) ++lg;
  return lg;
}

inline double load_f64(const unsigned char* p) noexcept {
  const std::uint64_t bits = load_le64(p);
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}
inline std::uint64_t f64_bits(double v) noexcept {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

[[noreturn]] inline void fail(const std::string& what) { throw format_error("DataSketches HLL image: " + what); }

}  // namespace ds

/// The checked 8-byte preamble.
struct ds_preamble {
  unsigned pre_ints, lg_k, lg_arr, flags, byte6, cur_mode, tgt;
};

inline ds_preamble ds_read_preamble(const void* data, std::size_t size) {
  if (data == nullptr || size < 8)
    ds::fail("truncated: the preamble needs 8 bytes, " + std::to_string(data ? size : 0) + " given");
  const auto* b = static_cast<const unsigned char*>(data);
  ds_preamble h{b[0], b[3], b[4], b[5], b[6], b[7] & 3u, (b[7] >> 2) & 3u};
  if (b[2] != ds::family_hll)
    ds::fail("family id " + std::to_string(b[2]) + " is not 7 (HLL); not an HLL sketch (CPC is 16, Theta 2/3)");
  if (b[1] != ds::serial_version) ds::fail("unknown serial version " + std::to_string(b[1]) + " (expected 1)");
  if (h.lg_k < ds::min_lg_k || h.lg_k > ds::max_lg_k) ds::fail("lg_k " + std::to_string(h.lg_k) + " outside 4..21");
  if (h.flags & ~ds::flags_known) ds::fail("unknown flag bits in flags byte " + std::to_string(h.flags));
  if (h.flags & ds::flag_big_endian) ds::fail("big-endian images are not supported");
  if (b[7] >> 4) ds::fail("unknown bits in mode byte " + std::to_string(b[7]));
  if (h.cur_mode > ds::mode_hll) ds::fail("unknown current mode 3 in mode byte");
  if (h.tgt > 2) ds::fail("unknown target type 3 in mode byte (0 HLL_4, 1 HLL_6, 2 HLL_8)");
  if (h.pre_ints != ds::preamble_ints[h.cur_mode])
    ds::fail("preamble ints " + std::to_string(h.pre_ints) + " do not match " + ds::mode_names[h.cur_mode] +
             " mode (expected " + std::to_string(ds::preamble_ints[h.cur_mode]) + ")");
  return h;
}

namespace ds {

inline void expect_size(std::size_t size, std::uint64_t expected, const char* what) {
  if (size < expected)
    fail(std::string("truncated: ") + what + " needs " + std::to_string(expected) + " bytes, " + std::to_string(size) +
         " given");
  if (size > expected)
    fail(std::to_string(size - expected) + " trailing bytes after " + what + " (" + std::to_string(expected) +
         " bytes)");
}

}  // namespace ds

/// Everything the body decoder needs, taken from a header whose fields and
/// implied size have all been checked against the buffer (O(1), no allocation:
/// hostile or truncated input is rejected before any memory is committed).
struct ds_header {
  ds_preamble pre;
  std::size_t count = 0;       // LIST/SET coupons (compact: stored entries)
  std::size_t cells = 0;       // LIST/SET/aux cells to scan (updatable: table size)
  std::size_t body_at = 0;     // first coupon / register byte
  unsigned cur_min = 0;        // HLL
  std::uint32_t aux_count = 0; // HLL_4
  std::size_t aux_at = 0;      // HLL_4: first aux byte (cells = entries or table cells)
};

inline ds_header ds_validate(const void* data, std::size_t size, unsigned p) {
  ds_header r;
  r.pre = ds_read_preamble(data, size);
  const ds_preamble& h = r.pre;
  if (p > h.lg_k)
    ds::fail("lg_k " + std::to_string(h.lg_k) + " is below the requested precision " + std::to_string(p) +
             " (precision cannot grow; read it at P <= " + std::to_string(h.lg_k) + ")");
  const auto* b = static_cast<const unsigned char*>(data);
  const std::size_t k = std::size_t{1} << h.lg_k;
  const bool compact = (h.flags & ds::flag_compact) != 0;
  if (h.cur_mode != ds::mode_hll) {
    const char* mode = ds::mode_names[h.cur_mode];
    if (h.cur_mode == ds::mode_list) {
      r.body_at = ds::list_start;
      r.count = h.byte6;
    } else {
      if (size < ds::set_start) ds::expect_size(size, ds::set_start, "the SET preamble");
      r.body_at = ds::set_start;
      r.count = load_le32(b + 8);
    }
    if (h.lg_arr > 26) ds::fail(std::string(mode) + " lg_arr " + std::to_string(h.lg_arr) + " above 26");
    const std::size_t slots = std::size_t{1} << h.lg_arr;
    if (r.count > slots)
      ds::fail(std::string(mode) + " coupon count " + std::to_string(r.count) + " exceeds the array size 2^" +
               std::to_string(h.lg_arr));
    if ((h.flags & ds::flag_empty) && r.count != 0)
      ds::fail("EMPTY flag set but the coupon count is " + std::to_string(r.count));
    r.cells = compact ? r.count : slots;
    ds::expect_size(size, r.body_at + 4 * static_cast<std::uint64_t>(r.cells),
                    compact ? "the compact coupon array" : "the coupon array of 2^lg_arr slots");
    return r;
  }
  if (size < ds::hll_start) ds::expect_size(size, ds::hll_start, "the HLL preamble");
  r.body_at = ds::hll_start;
  r.cur_min = h.byte6;
  const double hip = ds::load_f64(b + 8), kxq0 = ds::load_f64(b + 16), kxq1 = ds::load_f64(b + 24);
  const std::uint32_t num_at_cur_min = load_le32(b + 32);
  r.aux_count = load_le32(b + 36);
  if (!(std::isfinite(hip) && hip >= 0.0)) ds::fail("HIP accumulator is not a finite non-negative number");
  if (!(std::isfinite(kxq0) && kxq0 >= 0.0 && std::isfinite(kxq1) && kxq1 >= 0.0))
    ds::fail("kxq0/kxq1 are not finite non-negative numbers");
  if (r.cur_min > ds::max_value) ds::fail("cur_min " + std::to_string(r.cur_min) + " > 63");
  if (num_at_cur_min > k)
    ds::fail("num_at_cur_min " + std::to_string(num_at_cur_min) + " exceeds k = " + std::to_string(k));
  if (r.aux_count > k) ds::fail("aux count " + std::to_string(r.aux_count) + " exceeds k = " + std::to_string(k));
  if (h.tgt != 0 && r.aux_count != 0)
    ds::fail("aux count " + std::to_string(r.aux_count) + " in an HLL_" + (h.tgt == 1 ? "6" : "8") + " image");
  if (h.tgt == 2) {
    ds::expect_size(size, ds::hll_start + k, "the HLL_8 register array");
  } else if (h.tgt == 1) {
    ds::expect_size(size, ds::hll_start + k * 3 / 4 + 1, "the HLL_6 register array");
  } else {
    r.aux_at = ds::hll_start + k / 2;
    if (h.lg_arr > h.lg_k + 1)
      ds::fail("HLL_4 aux table lg size " + std::to_string(h.lg_arr) + " exceeds lg_k + 1 = " +
               std::to_string(h.lg_k + 1));
    if (compact) {
      r.cells = r.aux_count;
      ds::expect_size(size, r.aux_at + 4 * static_cast<std::uint64_t>(r.cells),
                      "the HLL_4 nibbles and compact aux entries");
    } else if (h.lg_arr == 0) {
      // No aux table: writers append a zeroed area of the initial table size
      // (datasketches-cpp) or nothing (older writers); accept both (checked
      // to be all zero by the body decoder).
      if (r.aux_count != 0) ds::fail("aux count " + std::to_string(r.aux_count) + " but no aux table (lg_arr 0)");
      if (size != r.aux_at)
        ds::expect_size(size, r.aux_at + (std::uint64_t{4} << ds::lg_aux_arr_ints(h.lg_k)),
                        "the HLL_4 nibbles and the empty aux area");
    } else {
      r.cells = std::size_t{1} << h.lg_arr;
      if (r.aux_count > r.cells)
        ds::fail("aux count " + std::to_string(r.aux_count) + " exceeds the aux table size 2^" +
                 std::to_string(h.lg_arr));
      ds::expect_size(size, r.aux_at + 4 * static_cast<std::uint64_t>(r.cells),
                      "the HLL_4 nibbles and aux hash table");
    }
  }
  return r;
}

namespace ds {

/// Applies one LIST/SET coupon to the 2^p registers (folding is the mask).
inline void apply_coupon(std::uint32_t coupon, std::size_t i, std::size_t p_mask, std::uint8_t* dst) {
  const unsigned value = coupon >> value_bits_shift;
  if (value == 0) fail("coupon " + std::to_string(i) + " (" + std::to_string(coupon) + ") has register value 0");
  std::uint8_t& r = dst[coupon & address_mask & p_mask];
  if (value > r) r = static_cast<std::uint8_t>(value);
}

/// LIST and SET: coupons (sizes already checked).
inline void decode_coupons(const unsigned char* b, const ds_header& hd, std::size_t p_mask, std::uint8_t* dst) {
  const bool compact = (hd.pre.flags & flag_compact) != 0;
  std::size_t seen = 0;
  for (std::size_t i = 0; i < hd.cells; ++i) {
    const std::uint32_t c = load_le32(b + hd.body_at + 4 * i);
    if (c == 0) {
      if (compact) fail("compact coupon " + std::to_string(i) + " is empty (0)");
      continue;  // an empty slot of the updatable array
    }
    apply_coupon(c, i, p_mask, dst);
    ++seen;
  }
  if (seen != hd.count)
    fail(std::string(mode_names[hd.pre.cur_mode]) + " count " + std::to_string(hd.count) + " disagrees with the " +
         std::to_string(seen) + " coupons present");
}

/// Stores register value v of slot s (s < 2^lg_k) into the 2^p registers.
inline void put(std::uint8_t* dst, std::size_t p_mask, std::size_t s, unsigned v) noexcept {
  std::uint8_t& r = dst[s & p_mask];
  if (v > r) r = static_cast<std::uint8_t>(v);
}

inline void decode_hll8(const unsigned char* a, std::size_t k, std::size_t p_mask, std::uint8_t* dst) {
  // One pass copies (or folds) and ORs every byte; a value above 63 has bit 6
  // or 7 set, and only then is the array scanned again to name the register.
  unsigned seen = 0;
  if (p_mask + 1 == k) {
    // A plain copy, then an OR over the source 8 bytes per step: a byte loop
    // that copies and ORs together is neither (the compiler must assume each
    // store may change the next source byte).
    std::memcpy(dst, a, k);
    // Four independent accumulators, 32 bytes a step: one accumulator was a
    // loop-carried chain at 8 bytes a cycle (2 µs at P = 16, 4x the copy;
    // g++ -O2 does not vectorise the reduction). k ≥ 16 is a multiple of 16.
    std::uint64_t any0 = 0, any1 = 0, any2 = 0, any3 = 0;
    std::size_t s = 0;
    for (; s + 32 <= k; s += 32) {
      any0 |= load_le64(a + s);
      any1 |= load_le64(a + s + 8);
      any2 |= load_le64(a + s + 16);
      any3 |= load_le64(a + s + 24);
    }
    for (; s < k; s += 8) any0 |= load_le64(a + s);
    const std::uint64_t any = (any0 | any1) | (any2 | any3);
    seen = (any & 0xC0C0C0C0C0C0C0C0ull) != 0 ? 0xFFu : 0u;
  } else {
    for (std::size_t s = 0; s < k; ++s) {
      seen |= a[s];
      put(dst, p_mask, s, a[s]);
    }
  }
  if (seen > max_value) {
    for (std::size_t s = 0; s < k; ++s)
      if (a[s] > max_value) fail("HLL_8 register " + std::to_string(s) + " holds " + std::to_string(a[s]) + " > 63");
  }
}

inline void decode_hll6(const unsigned char* a, std::size_t k, std::size_t p_mask, std::uint8_t* dst) {
  // 4 registers per 3 bytes (k is a multiple of 16), then one padding byte
  // that the writer leaves zero (it lets a reader load 16 bits at any slot).
  const std::size_t groups = k / 4;
  if (p_mask + 1 == k) {  // no fold: the kernel table's unpack6 (packed6.hpp); 6 bits never exceed 63
    (void)kernels().unpack6(a, k, dst, max_value);
    if (a[3 * groups] != 0) fail("HLL_6 padding byte is not zero");
    return;
  }
  for (std::size_t g = 0; g < groups; ++g) {
    const unsigned char* q = a + 3 * g;
    const std::uint32_t w = static_cast<std::uint32_t>(q[0]) | (static_cast<std::uint32_t>(q[1]) << 8) |
                            (static_cast<std::uint32_t>(q[2]) << 16);
    for (unsigned j = 0; j < 4; ++j) put(dst, p_mask, 4 * g + j, (w >> (6 * j)) & 63u);
  }
  if (a[3 * groups] != 0) fail("HLL_6 padding byte is not zero");
}

struct aux_entry {
  std::uint32_t slot;
  std::uint8_t value;
};

inline void decode_hll4(const unsigned char* b, std::size_t size, const ds_header& hd, std::size_t p_mask,
                        std::uint8_t* dst) {
  const std::size_t k = std::size_t{1} << hd.pre.lg_k;
  const unsigned cur_min = hd.cur_min;
  const bool compact = (hd.pre.flags & flag_compact) != 0;
  std::vector<aux_entry> aux;
  aux.reserve(hd.aux_count);
  for (std::size_t i = 0; i < hd.cells; ++i) {
    const std::uint32_t pair = load_le32(b + hd.aux_at + 4 * i);
    if (pair == 0) {
      if (compact) fail("compact aux entry " + std::to_string(i) + " is empty (0)");
      continue;  // an empty cell of the updatable hash table
    }
    const std::uint32_t slot = pair & address_mask;
    const unsigned value = pair >> value_bits_shift;
    if (slot >= k)
      fail("aux entry " + std::to_string(i) + " names slot " + std::to_string(slot) + ", outside 0.." +
           std::to_string(k - 1));
    if (value < cur_min + aux_token)
      fail("aux entry for slot " + std::to_string(slot) + " holds " + std::to_string(value) +
           ", which a nibble would hold (cur_min " + std::to_string(cur_min) + ")");
    aux.push_back(aux_entry{slot, static_cast<std::uint8_t>(value)});
  }
  if (aux.size() != hd.aux_count)
    fail("aux count " + std::to_string(hd.aux_count) + " disagrees with the " + std::to_string(aux.size()) +
         " entries in the aux table");
  if (!compact && hd.pre.lg_arr == 0) {
    for (std::size_t i = hd.aux_at; i < size; ++i)
      if (b[i] != 0) fail("non-zero byte " + std::to_string(i) + " in the empty aux area");
  }
  // Aux entries are in hash-table order, which depends on insertion history:
  // sort them by slot, then walk them beside the nibbles.
  std::sort(aux.begin(), aux.end(), [](const aux_entry& x, const aux_entry& y) { return x.slot < y.slot; });
  for (std::size_t i = 1; i < aux.size(); ++i)
    if (aux[i].slot == aux[i - 1].slot) fail("two aux entries for slot " + std::to_string(aux[i].slot));
  const unsigned char* nibbles = b + hll_start;
  const bool may_overflow = cur_min + (aux_token - 1) > max_value;
  std::size_t j = 0;
  std::size_t next_aux = aux.empty() ? k : aux[0].slot;  // k: no more entries
  // The slow path handles one slot: an exception, an aux entry, or a value
  // that may pass 63 (only when cur_min > 49).
  auto slow = [&](std::size_t s, unsigned nib) {
    unsigned v = cur_min + nib;
    if (nib == aux_token || s == next_aux) {
      if (nib != aux_token) fail("aux entry for slot " + std::to_string(s) + ", whose nibble is not the exception marker");
      if (s != next_aux) fail("slot " + std::to_string(s) + " is marked as an exception but has no aux entry");
      v = aux[j++].value;
      next_aux = j < aux.size() ? aux[j].slot : k;
    } else if (v > max_value) {
      fail("HLL_4 slot " + std::to_string(s) + " decodes to " + std::to_string(v) + " > 63 (cur_min " +
           std::to_string(cur_min) + ")");
    }
    put(dst, p_mask, s, v);
  };
  const bool direct = p_mask + 1 == k;  // no fold: registers are written, not maxed
  std::size_t s = 0;
  if (direct && !may_overflow) {
    // Every slot as cur_min + nibble in one pass (the kernel table's unpack4,
    // packed4.hpp), which also counts the exception nibbles (15; cur_min + 15
    // ≤ 63 here, so no value passes 63). Then each aux entry must sit on one
    // and gives its slot's value, and there must be as many as there are
    // exception nibbles; only a defective image takes the scan that names the
    // first unmatched exception.
    const std::size_t marked = kernels().unpack4(nibbles, k, cur_min, dst);
    for (const aux_entry& e : aux) {
      if (((nibbles[e.slot >> 1] >> (4 * (e.slot & 1u))) & 15u) != aux_token)
        fail("aux entry for slot " + std::to_string(e.slot) + ", whose nibble is not the exception marker");
      dst[e.slot] = e.value;
    }
    if (marked != aux.size()) {
      for (std::size_t t = 0, a = 0; t < k; ++t) {
        while (a < aux.size() && aux[a].slot < t) ++a;
        if (((nibbles[t >> 1] >> (4 * (t & 1u))) & 15u) == aux_token && (a == aux.size() || aux[a].slot != t))
          fail("slot " + std::to_string(t) + " is marked as an exception but has no aux entry");
      }
    }
    return;
  }
  for (; s < k; s += 2) {
    const unsigned byte = nibbles[s >> 1];
    const unsigned lo = byte & 15u, hi = byte >> 4;
    if (lo == aux_token || hi == aux_token || next_aux <= s + 1 || may_overflow) {
      slow(s, lo);
      slow(s + 1, hi);
    } else if (direct) {
      dst[s] = static_cast<std::uint8_t>(cur_min + lo);
      dst[s + 1] = static_cast<std::uint8_t>(cur_min + hi);
    } else {
      put(dst, p_mask, s, cur_min + lo);
      put(dst, p_mask, s + 1, cur_min + hi);
    }
  }
}

}  // namespace ds

/// Decodes a validated image into `dst`, 2^p zeroed registers, p ≤ lg_k
/// (folding registers with equal low p bits by max). Throws format_error for
/// defects in the body (values, entries, counts).
inline void ds_decode_body(const void* data, std::size_t size, const ds_header& hd, unsigned p, std::uint8_t* dst) {
  const auto* b = static_cast<const unsigned char*>(data);
  const std::size_t p_mask = (std::size_t{1} << p) - 1u;
  const std::size_t k = std::size_t{1} << hd.pre.lg_k;
  if (hd.pre.cur_mode != ds::mode_hll) {
    ds::decode_coupons(b, hd, p_mask, dst);
    return;
  }
  const unsigned char* a = b + ds::hll_start;
  switch (hd.pre.tgt) {
    case 2:
      ds::decode_hll8(a, k, p_mask, dst);
      break;
    case 1:
      ds::decode_hll6(a, k, p_mask, dst);
      break;
    default:
      ds::decode_hll4(b, size, hd, p_mask, dst);
      break;
  }
  if (hd.pre.flags & ds::flag_empty) {
    for (std::size_t i = 0; i <= p_mask; ++i)
      if (dst[i] != 0) ds::fail("EMPTY flag set but registers are not zero");
  }
}

/// Whether ds_decode_body(…, hd, p, dst) writes every one of the 2^p
/// registers, so dst need not be zeroed first: an HLL_8 or HLL_6 image of
/// precision p (a copy or an unpack, no fold). HLL_4 (whose exceptions are
/// maxed in), a finer image (folded by max) and LIST/SET need zeroed ones.
inline bool ds_decode_writes_all(const ds_header& hd, unsigned p) noexcept {
  return hd.pre.cur_mode == ds::mode_hll && hd.pre.lg_k == p && (hd.pre.tgt == 2 || hd.pre.tgt == 1);
}

/// ds_validate + ds_decode_body.
inline void ds_decode(const void* data, std::size_t size, unsigned p, std::uint8_t* dst) {
  ds_decode_body(data, size, ds_validate(data, size, p), p, dst);
}

/// Writes an image of 2^p registers (histogram h) in HLL mode, or the empty
/// image when every register is 0. tgt: 0 HLL_4, 1 HLL_6, 2 HLL_8.
inline std::vector<std::uint8_t> ds_encode(const std::uint8_t* regs, unsigned p, const register_histogram& h,
                                           unsigned tgt, bool compact, double hip) {
  const std::size_t k = std::size_t{1} << p;
  std::vector<std::uint8_t> out;
  byte_writer w(out);
  if (h[0] == k) {
    // DataSketches' own empty image: LIST mode, no coupons, EMPTY flag.
    out.reserve(compact ? 8 : ds::empty_updatable_size);
    w.u8(ds::preamble_ints[ds::mode_list]);
    w.u8(ds::serial_version);
    w.u8(ds::family_hll);
    w.u8(static_cast<std::uint8_t>(p));
    w.u8(ds::lg_list_slots);
    w.u8(static_cast<std::uint8_t>(ds::flag_empty | (compact ? ds::flag_compact : 0u)));
    w.u8(0);
    w.u8(static_cast<std::uint8_t>(ds::mode_list | (tgt << 2)));
    if (!compact) out.resize(ds::empty_updatable_size, 0);
    return out;
  }
  // kxq0 = Σ 2^−v over registers below 32, kxq1 over 32..63 (DataSketches
  // splits the sum so each part is exact in a double: 2^21 terms spanning
  // 2^0..2^−31, or 2^−32..2^−63, need at most 21 + 31 = 52 mantissa bits).
  // Both sums are exact, so they are computed in integers (exact_sums.hpp):
  // the same doubles as the two 32-step floating-point chains in ascending v
  // (tests/datasketches_test.cpp compares them on every histogram it builds).
  double kxq0, kxq1;
  ds_kxq_sums(h, kxq0, kxq1);
  // HLL_6/HLL_8 keep cur_min = 0 (their registers are stored as they are) and
  // count the zero registers; HLL_4 stores register − cur_min in a nibble, so
  // its cur_min is the smallest register.
  unsigned cur_min = 0;
  if (tgt == 0)
    while (h[cur_min] == 0) ++cur_min;
  std::vector<std::uint32_t> aux_table;
  std::size_t aux_count = 0;
  unsigned aux_lg = 0;
  if (tgt == 0) {
    for (unsigned v = cur_min + ds::aux_token; v <= ds::max_value; ++v) aux_count += h[v];
    if (aux_count != 0) {
      aux_lg = ds::aux_lg_size(p, aux_count);
      aux_table.assign(std::size_t{1} << aux_lg, 0);
    }
  }
  const std::size_t body = tgt == 2 ? k : tgt == 1 ? k * 3 / 4 + 1 : k / 2;
  out.reserve(ds::hll_start + body + 4 * (aux_table.empty() ? (std::size_t{1} << ds::lg_aux_arr_ints(p)) : aux_table.size()));
  // The 40-byte header in a local array and one append (a push_back per byte
  // re-checked the capacity 40 times).
  unsigned char hd[ds::hll_start] = {ds::preamble_ints[ds::mode_hll],
                                     ds::serial_version,
                                     ds::family_hll,
                                     static_cast<std::uint8_t>(p),
                                     static_cast<std::uint8_t>(aux_lg),
                                     static_cast<std::uint8_t>((compact ? ds::flag_compact : 0u) | ds::flag_out_of_order),
                                     static_cast<std::uint8_t>(cur_min),
                                     static_cast<std::uint8_t>(ds::mode_hll | (tgt << 2))};
  store_le64(hd + 8, ds::f64_bits(hip));
  store_le64(hd + 16, ds::f64_bits(kxq0));
  store_le64(hd + 24, ds::f64_bits(kxq1));
  store_le32(hd + 32, h[cur_min]);
  store_le32(hd + 36, static_cast<std::uint32_t>(aux_count));
  out.insert(out.end(), hd, hd + ds::hll_start);
  if (tgt == 2) {
    out.insert(out.end(), regs, regs + k);  // one copy (resize would zero the bytes first)
    return out;
  }
  const std::size_t at = out.size();
  out.resize(at + body, 0);
  std::uint8_t* a = out.data() + at;
  if (tgt == 1) {
    kernels().pack6(regs, k, a);  // packed6.hpp's layout, per CPU; the padding byte stays zero
  } else {
    // nibble = min(register − cur_min, 15): 15 marks an exception (aux). The
    // kernel table's pack4 (packed4.hpp), 64 registers per step with AVX2,
    // which also gives the exceptions as a bitmap (one bit per slot).
    // pack4 writes every bitmap word, so the bitmap is not zeroed first; up to
    // P = 16 (8 KiB) it lives on the stack (a zeroed vector was an allocation
    // and a memset per image against a 30-70 ns copy at P = 12).
    const std::size_t words = (k + 63) / 64;
    constexpr std::size_t local_words = 1024;
    std::uint64_t local[local_words];
    std::unique_ptr<std::uint64_t[]> heap;
    std::uint64_t* exceptions = local;
    if (words > local_words) {
      heap.reset(new std::uint64_t[words]);
      exceptions = heap.get();
    }
    kernels().pack4(regs, k, cur_min, a, exceptions);
    if (aux_count != 0) {
      // Put each exception in DataSketches' open-addressing table keyed by
      // slot: probe from slot & mask with stride (slot >> lg) | 1 (odd, so it
      // visits every cell of the power-of-two table).
      const std::size_t mask = aux_table.size() - 1u;
      for (std::size_t w64 = 0; w64 < words; ++w64) {
        // Exceptions are rare: skip four empty words at a time.
        if (w64 + 4 <= words && (exceptions[w64] | exceptions[w64 + 1] | exceptions[w64 + 2] | exceptions[w64 + 3]) == 0) {
          w64 += 3;
          continue;
        }
        std::uint64_t t = exceptions[w64];
        while (t != 0) {
          const std::size_t s = 64 * w64 + ctz64_nonzero(t);
          t &= t - 1;
          std::size_t probe = s & mask;
          const std::size_t stride = (s >> aux_lg) | 1u;
          while (aux_table[probe] != 0) probe = (probe + stride) & mask;
          aux_table[probe] = (static_cast<std::uint32_t>(regs[s]) << ds::value_bits_shift) | static_cast<std::uint32_t>(s);
        }
      }
    }
    if (compact) {
      for (std::uint32_t pair : aux_table)
        if (pair != 0) w.u32(pair);
    } else if (aux_table.empty()) {
      out.resize(out.size() + (std::size_t{4} << ds::lg_aux_arr_ints(p)), 0);
    } else {
      for (std::uint32_t pair : aux_table) w.u32(pair);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Coupon modes (LIST and SET), coupon by coupon
// ---------------------------------------------------------------------------
//
// DataSketches keeps a small sketch as its coupons (value << 26 | 26 address
// bits) until there are more than 3·2^lg_k/32 of them. The behaviour below is
// re-implemented from the format description (datasketches-cpp
// CouponList-internal.hpp / CouponHashSet-internal.hpp behaviour, restated in
// ../shared/vectors/datasketches/README.md and docs/datasketches.md) and is
// checked byte for byte against every LIST and SET golden image:
//   - LIST: 8 slots filled in insertion order; a coupon equal to a stored one
//     is a duplicate (only the full 32 bits: the same address with another
//     value is a second coupon). The 8th distinct coupon leaves LIST mode:
//     to HLL for lg_k < 8, else to a SET that receives the 8 coupons in list
//     order.
//   - SET: an open-addressing table of 2^lg_arr cells (lg_arr 5 at first).
//     A coupon's probe starts at coupon & (2^lg_arr − 1) and steps by
//     ((coupon & 0x3FFFFFF) >> lg_arr) | 1 (odd: it visits every cell).
//     After an insertion that makes 4·count > 3·2^lg_arr the table doubles —
//     rebuilt by scanning the old cells in index order — or, when lg_arr is
//     already lg_k − 3, the sketch goes to HLL mode. So a SET holds at most
//     3·2^(lg_k−3)/4 = 3·2^lg_k/32 coupons.
//   - A compact image writes the non-empty cells in cell order; an updatable
//     image all cells.
// The cells (hence the compact order) depend on the insertion order through
// probe collisions; the coupon set, count and lg_arr do not.

namespace ds {

constexpr unsigned lg_init_set_cells = 5;     // a new SET has 2^5 cells
constexpr unsigned min_set_lg_k = 8;          // below, LIST goes straight to HLL
constexpr std::size_t list_max_coupons = 7;   // the 8th distinct coupon leaves LIST mode

/// lg of the largest SET table at lg_k (≥ 8): 2^(lg_k − 3) cells.
constexpr unsigned max_set_lg_arr(unsigned lg_k) noexcept { return lg_k - 3u; }

/// The most coupons a LIST or SET image of lg_k holds: 7 below lg_k 8 (LIST
/// only), else 3·2^lg_k/32 (a full largest table at load 3/4).
constexpr std::size_t max_coupons(unsigned lg_k) noexcept {
  return lg_k < min_set_lg_k ? list_max_coupons : std::size_t{3} << (lg_k - 5u);
}

/// DataSketches' load rule: a table of 2^lg_arr cells is too full for count.
constexpr bool set_overloaded(std::size_t count, unsigned lg_arr) noexcept {
  return 4 * count > 3 * (std::size_t{1} << lg_arr);
}

/// The probe sequence's first cell and stride for a coupon in a 2^lg_arr table.
constexpr std::size_t probe_home(std::uint32_t coupon, unsigned lg_arr) noexcept {
  return coupon & ((std::size_t{1} << lg_arr) - 1u);
}
constexpr std::size_t probe_stride(std::uint32_t coupon, unsigned lg_arr) noexcept {
  return ((coupon & address_mask) >> lg_arr) | 1u;
}

/// The cell of `coupon` in the table, or the first empty cell of its probe
/// sequence (found = false). The table must have an empty cell (load ≤ 3/4).
inline std::size_t probe_find(const std::uint32_t* cells, unsigned lg_arr, std::uint32_t coupon, bool& found) noexcept {
  const std::size_t mask = (std::size_t{1} << lg_arr) - 1u;
  const std::size_t stride = probe_stride(coupon, lg_arr);
  std::size_t at = probe_home(coupon, lg_arr);
  while (cells[at] != 0 && cells[at] != coupon) at = (at + stride) & mask;
  found = cells[at] == coupon;
  return at;
}

}  // namespace ds

/// DataSketches' coupon state (LIST, then SET) replayed coupon by coupon, so
/// that the image written from it is the one DataSketches writes after the
/// same coupon sequence. O(1) expected per add (O(count) for a table
/// doubling); memory 4·2^lg_arr bytes.
class ds_coupon_builder {
 public:
  /// An empty LIST at lg_k (4..21).
  explicit ds_coupon_builder(unsigned lg_k) : lg_k_(lg_k), cells_(std::size_t{1} << ds::lg_list_slots, 0u) {}

  /// Adds one coupon (value << 26 | address, value 1..63). Returns true while
  /// DataSketches would still be in LIST/SET mode; false once this coupon
  /// took it to HLL mode (the builder then keeps returning false, and its
  /// cells are no longer an image).
  bool add(std::uint32_t coupon) {
    if (hll_) return false;
    if (mode_ == ds::mode_list) {
      for (std::size_t i = 0; i < count_; ++i)
        if (cells_[i] == coupon) return true;  // duplicate
      cells_[count_++] = coupon;
      if (count_ < cells_.size()) return true;
      if (lg_k_ < ds::min_set_lg_k) return !(hll_ = true);
      // LIST → SET: the list's coupons, in list order, into a new table.
      std::vector<std::uint32_t> list;
      list.swap(cells_);
      cells_.assign(std::size_t{1} << ds::lg_init_set_cells, 0u);
      lg_arr_ = ds::lg_init_set_cells;
      mode_ = ds::mode_set;
      count_ = 0;
      for (std::uint32_t c : list)
        if (!add(c)) return false;
      return true;
    }
    bool found;
    const std::size_t at = ds::probe_find(cells_.data(), lg_arr_, coupon, found);
    if (found) return true;
    cells_[at] = coupon;
    ++count_;
    if (!ds::set_overloaded(count_, lg_arr_)) return true;
    if (lg_arr_ == ds::max_set_lg_arr(lg_k_)) return !(hll_ = true);
    grow();
    return true;
  }

  /// False once the coupons took DataSketches to HLL mode.
  bool in_coupon_mode() const noexcept { return !hll_; }
  unsigned lg_k() const noexcept { return lg_k_; }
  /// ds::mode_list or ds::mode_set.
  unsigned mode() const noexcept { return mode_; }
  /// lg of the cell count: 3 for LIST, the table size for SET.
  unsigned lg_arr() const noexcept { return lg_arr_; }
  /// Distinct coupons held.
  std::size_t count() const noexcept { return count_; }
  /// The 2^lg_arr cells (0 = empty): LIST slots in insertion order, or the
  /// SET hash table.
  const std::vector<std::uint32_t>& cells() const noexcept { return cells_; }

 private:
  void grow() {
    const unsigned lg = lg_arr_ + 1;
    std::vector<std::uint32_t> bigger(std::size_t{1} << lg, 0u);
    for (std::uint32_t c : cells_) {
      if (c == 0) continue;
      bool found;
      bigger[ds::probe_find(bigger.data(), lg, c, found)] = c;
    }
    cells_.swap(bigger);
    lg_arr_ = lg;
  }

  unsigned lg_k_;
  unsigned mode_ = ds::mode_list;
  unsigned lg_arr_ = ds::lg_list_slots;
  std::size_t count_ = 0;
  bool hll_ = false;
  std::vector<std::uint32_t> cells_;
};

/// The LIST or SET image of a builder still in coupon mode, as
/// datasketches-cpp serialises a coupon list (CouponList::serialize): the
/// preamble (lg_arr 3 for LIST, the table's for SET; flags EMPTY when there
/// is no coupon, COMPACT, OUT_OF_ORDER if asked — DataSketches sets it on
/// union results only), the SET count at byte 8, then all cells (updatable)
/// or the non-empty ones in cell order (compact). tgt: 0 HLL_4, 1 HLL_6, 2 HLL_8.
inline std::vector<std::uint8_t> ds_encode_coupons(const ds_coupon_builder& b, unsigned tgt, bool compact,
                                                   bool out_of_order = false) {
  const bool set = b.mode() == ds::mode_set;
  const std::size_t start = set ? ds::set_start : ds::list_start;
  std::vector<std::uint8_t> out;
  out.reserve(start + 4 * (compact ? b.count() : b.cells().size()));
  byte_writer w(out);
  w.u8(static_cast<std::uint8_t>(ds::preamble_ints[b.mode()]));
  w.u8(ds::serial_version);
  w.u8(ds::family_hll);
  w.u8(static_cast<std::uint8_t>(b.lg_k()));
  w.u8(static_cast<std::uint8_t>(b.lg_arr()));
  w.u8(static_cast<std::uint8_t>((b.count() == 0 ? ds::flag_empty : 0u) | (compact ? ds::flag_compact : 0u) |
                                 (out_of_order ? ds::flag_out_of_order : 0u)));
  w.u8(static_cast<std::uint8_t>(set ? 0u : b.count()));
  w.u8(static_cast<std::uint8_t>(b.mode() | (tgt << 2)));
  if (set) w.u32(static_cast<std::uint32_t>(b.count()));
  for (std::uint32_t c : b.cells())
    if (c != 0 || !compact) w.u32(c);
  return out;
}

/// Reads the coupons of a LIST or SET image whose header ds_validate has
/// checked (sizes included), in image order: LIST insertion order, SET cell
/// order. Checks everything DataSketches' own writer guarantees, so a
/// defect throws format_error naming it:
///   - mode LIST or SET (an HLL image has no coupons);
///   - LIST: lg_arr 3, count ≤ 7 (the 8th coupon leaves LIST mode); in an
///     updatable image the count's coupons fill slots 0..count−1 and the rest
///     are empty (DataSketches reads only the first count slots);
///   - SET: lg_k ≥ 8; count ≤ 3·2^lg_k/32; 5 ≤ lg_arr ≤ lg_k − 3 and
///     4·count ≤ 3·2^lg_arr, compact images too (DataSketches records the
///     table size there as well); in an updatable table every coupon must sit
///     on its own probe sequence with no empty cell before it (else
///     DataSketches would not find it and would store it twice);
///   - every coupon: no empty (0) entry in a compact image, value 1..63, no
///     coupon twice; the number present equals the count; EMPTY flag exactly
///     when the count is 0.
/// Never reads outside [data, data + size). O(count log count); the probe
/// check walks at most 32 cells per table cell in all (a DataSketches table
/// at load ≤ 3/4 needs about 2 per coupon; a hostile table built for long
/// chains is rejected instead of being walked quadratically).
inline std::vector<std::uint32_t> ds_decode_coupon_body(const void* data, std::size_t /*size*/, const ds_header& hd) {
  const ds_preamble& h = hd.pre;
  if (h.cur_mode == ds::mode_hll) ds::fail("HLL mode: the image holds registers, not coupons");
  const auto* b = static_cast<const unsigned char*>(data);
  const bool compact = (h.flags & ds::flag_compact) != 0;
  const bool list = h.cur_mode == ds::mode_list;
  const std::string mode = ds::mode_names[h.cur_mode];
  if ((h.flags & ds::flag_empty) == 0 && hd.count == 0)
    ds::fail(mode + " coupon count is 0 but the EMPTY flag is clear");
  if (list) {
    if (h.lg_arr != ds::lg_list_slots)
      ds::fail("LIST lg_arr " + std::to_string(h.lg_arr) + " is not 3 (DataSketches' list has 8 slots)");
    if (hd.count > ds::list_max_coupons)
      ds::fail("LIST count " + std::to_string(hd.count) +
               ": a full list, which DataSketches never writes (it leaves LIST mode at the 8th coupon)");
  } else {
    if (h.lg_k < ds::min_set_lg_k)
      ds::fail("SET mode at lg_k " + std::to_string(h.lg_k) + " (below lg_k 8 DataSketches goes from LIST to HLL)");
    if (hd.count > ds::max_coupons(h.lg_k))
      ds::fail("SET count " + std::to_string(hd.count) + " above 3*2^lg_k/32 = " +
               std::to_string(ds::max_coupons(h.lg_k)) + ", where DataSketches is in HLL mode");
    if (h.lg_arr > ds::max_set_lg_arr(h.lg_k))
      ds::fail("SET lg_arr " + std::to_string(h.lg_arr) + " above lg_k - 3 = " +
               std::to_string(ds::max_set_lg_arr(h.lg_k)));
    if (h.lg_arr < ds::lg_init_set_cells)
      ds::fail("SET lg_arr " + std::to_string(h.lg_arr) + " below 5 (DataSketches' smallest table)");
    if (ds::set_overloaded(hd.count, h.lg_arr))
      ds::fail("SET count " + std::to_string(hd.count) + " overfills a table of 2^" + std::to_string(h.lg_arr) +
               " cells (DataSketches keeps 4*count <= 3*cells)");
  }
  std::vector<std::uint32_t> coupons;
  coupons.reserve(hd.count);
  for (std::size_t i = 0; i < hd.cells; ++i) {
    const std::uint32_t c = load_le32(b + hd.body_at + 4 * i);
    if (c == 0) {
      if (compact) ds::fail("compact coupon " + std::to_string(i) + " is empty (0)");
      if (list && i < hd.count)
        ds::fail("LIST slot " + std::to_string(i) + " is empty but the count is " + std::to_string(hd.count));
      continue;
    }
    if ((c >> ds::value_bits_shift) == 0)
      ds::fail("coupon " + std::to_string(i) + " (" + std::to_string(c) + ") has register value 0");
    if (list && i >= hd.count)
      ds::fail("LIST slot " + std::to_string(i) + " holds a coupon past the count " + std::to_string(hd.count) +
               " (DataSketches reads only the first count slots)");
    coupons.push_back(c);
  }
  if (coupons.size() != hd.count)
    ds::fail(mode + " count " + std::to_string(hd.count) + " disagrees with the " + std::to_string(coupons.size()) +
             " coupons present");
  std::vector<std::uint32_t> sorted(coupons);
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i] == sorted[i - 1]) ds::fail("coupon " + std::to_string(sorted[i]) + " appears twice");
  if (!list && !compact) {
    // Each stored coupon must be where DataSketches' probe finds it: on its
    // own probe sequence, after non-empty cells only.
    const unsigned lg = h.lg_arr;
    const std::size_t mask = hd.cells - 1u;
    std::size_t budget = 32 * hd.cells;
    for (std::size_t i = 0; i < hd.cells; ++i) {
      const std::uint32_t c = load_le32(b + hd.body_at + 4 * i);
      if (c == 0) continue;
      const std::size_t stride = ds::probe_stride(c, lg);
      std::size_t at = ds::probe_home(c, lg);
      while (at != i) {
        if (load_le32(b + hd.body_at + 4 * at) == 0)
          ds::fail("SET cell " + std::to_string(i) + " holds coupon " + std::to_string(c) +
                   " off its probe sequence (an empty cell comes first): not a DataSketches hash table");
        if (budget-- == 0)
          ds::fail("SET probe sequences longer than 32 steps per cell in all: not a DataSketches table at load <= 3/4");
        at = (at + stride) & mask;
      }
    }
  }
  return coupons;
}

/// A LIST or SET image's lg_k, target type and coupons (image order).
struct ds_coupon_image {
  unsigned lg_k = 0;
  unsigned tgt = 0;
  unsigned mode = 0;     // ds::mode_list or ds::mode_set
  unsigned lg_arr = 0;
  unsigned flags = 0;
  std::vector<std::uint32_t> coupons;
};

/// ds_validate + ds_decode_coupon_body: the coupons of a whole LIST/SET
/// image; format_error for any defect, an HLL-mode image included.
inline ds_coupon_image ds_read_coupons(const void* data, std::size_t size) {
  const ds_header hd = ds_validate(data, size, ds::min_lg_k);
  ds_coupon_image r;
  r.coupons = ds_decode_coupon_body(data, size, hd);
  r.lg_k = hd.pre.lg_k;
  r.tgt = hd.pre.tgt;
  r.mode = hd.pre.cur_mode;
  r.lg_arr = hd.pre.lg_arr;
  r.flags = hd.pre.flags;
  return r;
}

HASHSKETCH_PIN_NAMESPACE_END

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_DATASKETCHES_CODEC_HPP
