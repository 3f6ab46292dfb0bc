#ifndef HASHSKETCH_DETAIL_POSTGRES_CODEC_HPP
#define HASHSKETCH_DETAIL_POSTGRES_CODEC_HPP

// The PostgreSQL hll value, schema version 1 (Aggregate Knowledge storage
// spec; citusdata/postgresql-hll src/hll.c multiset_pack / multiset_unpack /
// multiset_card). Included by postgresql.hpp only.
//
//   byte 0  (version << 4) | type        version 1; type 1 EMPTY, 2 EXPLICIT, 3 SPARSE, 4 FULL
//   byte 1  ((regwidth − 1) << 5) | log2m
//   byte 2  (sparseon << 6) | enc(expthresh)   enc(−1) = 63, enc(0) = 0, enc(2^k) = k + 1
//   EXPLICIT: n × 8-byte big-endian hashes, ascending as signed integers, distinct
//   SPARSE:   (log2m + regwidth)-bit words index << regwidth | value, ascending index,
//             bit-packed MSB first, zero padding to the byte (< 8 bits)
//   FULL:     2^log2m regwidth-bit registers, MSB first, zero padding (< 8 bits)

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../errors.hpp"

namespace hashsketch {
namespace detail {

struct postgres_access {
  template <class S>
  static typename S::core_type& core(S& s) noexcept {
    return s.core_;
  }
  template <class S>
  static auto& small(S& s) noexcept {
    return s.small_;
  }
};

constexpr std::size_t pg_header_size = 3;
/// Values an EXPLICIT multiset can hold (hll.c mse_nelem_max: (128 KiB − 8) / 8).
constexpr std::size_t pg_max_explicit = 16383;
/// The largest log2m the extension handles (2^17 one-byte registers = its 128 KiB buffer).
constexpr unsigned pg_max_log2m = 17;

inline std::uint8_t pg_encode_expthresh(std::int64_t e) noexcept {
  if (e == -1) return 63;
  if (e == 0) return 0;
  unsigned k = 0;
  while ((std::int64_t{1} << k) < e) ++k;
  return static_cast<std::uint8_t>(k + 1u);
}

/// The effective explicit threshold (hll.c expthresh_value).
inline std::size_t pg_effective_threshold(std::int64_t expthresh, unsigned log2m, unsigned regwidth) noexcept {
  if (expthresh != -1) return static_cast<std::size_t>(expthresh);
  return ((std::size_t{regwidth} << log2m) + 7u) / 8u / 8u;
}

/// Reads consecutive fields of up to 25 bits, MSB first. The caller checks
/// beforehand that the fields fit in the buffer (it never loads a byte that
/// the fields read so far do not need).
class pg_bit_reader {
 public:
  explicit pg_bit_reader(const unsigned char* p) noexcept : p_(p) {}
  std::uint32_t get(unsigned n) noexcept {
    while (have_ < n) {
      acc_ = (acc_ << 8) | *p_++;
      have_ += 8;
    }
    have_ -= n;
    return static_cast<std::uint32_t>((acc_ >> have_) & ((std::uint64_t{1} << n) - 1u));
  }

 private:
  const unsigned char* p_;
  std::uint64_t acc_ = 0;
  unsigned have_ = 0;
};

/// Appends consecutive fields of up to 25 bits, MSB first, into a buffer
/// sized for them; finish() writes the last partial byte, zero-padded.
class pg_bit_writer {
 public:
  explicit pg_bit_writer(std::uint8_t* p) noexcept : p_(p) {}
  void put(std::uint32_t v, unsigned n) noexcept {
    acc_ = (acc_ << n) | v;
    have_ += n;
    while (have_ >= 8) {
      have_ -= 8;
      *p_++ = static_cast<std::uint8_t>(acc_ >> have_);
    }
  }
  void finish() noexcept {
    if (have_ != 0) *p_++ = static_cast<std::uint8_t>(acc_ << (8u - have_));
    have_ = 0;
  }

 private:
  std::uint8_t* p_;
  std::uint64_t acc_ = 0;
  unsigned have_ = 0;
};

/// The parameters of a value to write, after checking them as the extension's
/// check_modifiers does (and against what the sketch can represent).
struct pg_resolved {
  unsigned log2m, regwidth;
  std::int64_t expthresh;
  int sparseon;
  std::int64_t max_sparse;
};

inline pg_resolved pg_resolve(const postgres_options& o, unsigned p, unsigned r) {
  pg_resolved out{o.log2m == 0 ? p : o.log2m, o.regwidth == 0 ? r : o.regwidth, o.expthresh, o.sparseon,
                  o.max_sparse};
  if (out.log2m < 4 || out.log2m > p)
    throw precision_error("PostgreSQL log2m " + std::to_string(out.log2m) + " must be in 4.." + std::to_string(p) +
                          " for this sketch (precision cannot grow)");
  if (out.regwidth < 1 || out.regwidth > r)
    throw std::invalid_argument("hashsketch: PostgreSQL regwidth " + std::to_string(out.regwidth) +
                                " must be in 1.." + std::to_string(r) + " for this sketch");
  const std::int64_t e = out.expthresh;
  if (e < -1 || e > static_cast<std::int64_t>(pg_max_explicit) || (e > 0 && (e & (e - 1)) != 0))
    throw std::invalid_argument("hashsketch: PostgreSQL expthresh " + std::to_string(e) +
                                " must be -1, 0 or a power of two up to 8192");
  if (out.sparseon != 0 && out.sparseon != 1)
    throw std::invalid_argument("hashsketch: PostgreSQL sparseon must be 0 or 1");
  if (out.max_sparse < -1) throw std::invalid_argument("hashsketch: PostgreSQL max_sparse must be -1 or >= 0");
  return out;
}

/// What to_postgres writes: the type and, for SPARSE / FULL, the registers at
/// the output's log2m and regwidth.
struct pg_plan {
  postgres_type type;
  std::vector<std::uint8_t> regs;  // 2^log2m values (SPARSE / FULL only)
  std::size_t nonzero = 0;
};

template <unsigned P, unsigned R, class A>
pg_plan pg_make_plan(const postgres_hyperloglog<P, R, A>& s, const pg_resolved& o) {
  pg_plan plan{postgres_type::empty, {}, 0};
  if (s.empty()) return plan;
  const std::size_t expval = pg_effective_threshold(o.expthresh, o.log2m, o.regwidth);
  if (!s.promoted()) {
    if (s.explicit_hashes().size() <= expval) {
      plan.type = postgres_type::explicit_;
      return plan;
    }
  } else if (expval > s.explicit_limit()) {
    throw std::invalid_argument("hashsketch: the sketch kept whole hashes only up to " +
                                std::to_string(s.explicit_limit()) + " and no longer knows whether they fit the " +
                                std::to_string(expval) + " of this expthresh; construct it with explicit_limit >= " +
                                std::to_string(expval));
  }
  const std::size_t m = std::size_t{1} << o.log2m;
  plan.regs.assign(m, 0);
  const register_view regs = s.registers();
  if (o.log2m == P)
    std::copy(regs.begin(), regs.end(), plan.regs.begin());
  else
    postgres_addressing<R>::fold(P, regs.data(), o.log2m, plan.regs.data());
  const std::uint8_t cap = static_cast<std::uint8_t>((1u << o.regwidth) - 1u);
  for (std::uint8_t& v : plan.regs) {
    if (v > cap) v = cap;
    if (v != 0) ++plan.nonzero;
  }
  const std::size_t sparse_bits = plan.nonzero * (o.log2m + o.regwidth);
  const std::size_t full_bits = m * o.regwidth;
  // hll.c multiset_pack: the sparse / full choice, including hll_set_max_sparse.
  const bool sparse = o.sparseon != 0 && ((o.max_sparse != -1 && plan.nonzero <= static_cast<std::size_t>(o.max_sparse)) ||
                                          (o.max_sparse == -1 && sparse_bits < full_bits));
  plan.type = sparse ? postgres_type::sparse : postgres_type::full;
  return plan;
}

/// hll.c multiset_card over registers (the compressed branch). Summed in
/// register order like the extension; every term is a power of two.
inline double pg_card_registers(const std::vector<std::uint8_t>& regs, unsigned log2m, unsigned regwidth) {
  const std::size_t m = regs.size();
  double sum = 0.0;
  int zeros = 0;
  for (std::uint8_t v : regs) {
    sum += 1.0 / static_cast<double>(std::uint64_t{1} << v);
    if (v == 0) ++zeros;
  }
  const double md = static_cast<double>(m);
  // gamma_register_count_squared, evaluated in the extension's order.
  double gamma;
  switch (m) {
    case 16: gamma = 0.673 * md * md; break;
    case 32: gamma = 0.697 * md * md; break;
    case 64: gamma = 0.709 * md * md; break;
    default: gamma = (0.7213 / (1.0 + 1.079 / md)) * md * md; break;
  }
  const double estimator = gamma / sum;
  // 1ULL << L with L = 2^regwidth − 2 + log2m; the hardware reduces the shift
  // count mod 64 (x86-64 SHL, AArch64 LSLV), which is what the extension
  // computes for regwidth ≥ 6 (L ≥ 64).
  const unsigned total_bits = ((1u << regwidth) - 2u + log2m) & 63u;
  const double two_to_l = static_cast<double>(std::uint64_t{1} << total_bits);
  const double large_cutoff = two_to_l / 30.0;
  if (zeros != 0 && estimator < 5.0 * md / 2.0) return md * std::log(md / zeros);
  if (estimator <= large_cutoff) return estimator;
  return -two_to_l * std::log(1.0 - estimator / two_to_l);
}

template <unsigned P, unsigned R, class A>
void pg_write(const postgres_hyperloglog<P, R, A>& s, const pg_resolved& o, const pg_plan& plan,
              std::vector<std::uint8_t>& out) {
  out.push_back(static_cast<std::uint8_t>(0x10u | static_cast<unsigned>(plan.type)));
  out.push_back(static_cast<std::uint8_t>(((o.regwidth - 1u) << 5) | o.log2m));
  out.push_back(static_cast<std::uint8_t>((static_cast<unsigned>(o.sparseon) << 6) | pg_encode_expthresh(o.expthresh)));
  switch (plan.type) {
    case postgres_type::empty:
    case postgres_type::undefined:
      return;
    case postgres_type::explicit_:
      for (std::uint64_t h : s.explicit_hashes())
        for (int b = 7; b >= 0; --b) out.push_back(static_cast<std::uint8_t>(h >> (8 * b)));
      return;
    case postgres_type::sparse: {
      const unsigned chunk = o.log2m + o.regwidth;
      const std::size_t bits = plan.nonzero * chunk;
      out.resize(pg_header_size + (bits + 7u) / 8u, 0);
      pg_bit_writer w(out.data() + pg_header_size);
      for (std::size_t i = 0; i < plan.regs.size(); ++i)
        if (plan.regs[i] != 0) w.put(static_cast<std::uint32_t>((i << o.regwidth) | plan.regs[i]), chunk);
      w.finish();
      return;
    }
    case postgres_type::full: {
      const std::size_t bits = plan.regs.size() * o.regwidth;
      out.resize(pg_header_size + (bits + 7u) / 8u, 0);
      pg_bit_writer w(out.data() + pg_header_size);
      for (std::uint8_t v : plan.regs) w.put(v, o.regwidth);
      w.finish();
      return;
    }
  }
}

[[noreturn]] inline void pg_fail(const std::string& what) { throw format_error("PostgreSQL hll: " + what); }

/// The largest value a register can hold in a value of these parameters.
inline unsigned pg_max_value(unsigned log2m, unsigned regwidth) noexcept {
  const unsigned cap = (1u << regwidth) - 1u;
  return cap < 64u - log2m ? cap : 64u - log2m;
}

}  // namespace detail

inline postgres_header postgres_read_header(const void* data, std::size_t size) {
  if (data == nullptr && size != 0) detail::pg_fail("null data");
  if (size < detail::pg_header_size)
    detail::pg_fail("truncated: the header needs 3 bytes, " + std::to_string(size) + " given");
  const auto* p = static_cast<const unsigned char*>(data);
  const unsigned version = p[0] >> 4, type = p[0] & 0xFu;
  if (version != 1) detail::pg_fail("unknown schema version " + std::to_string(version) + " (only 1 exists)");
  if (type > 4) detail::pg_fail("unknown storage type " + std::to_string(type));
  if (p[2] & 0x80u) detail::pg_fail("cutoff byte 0x" + std::to_string(p[2]) + " has its unused top bit set");
  const unsigned enc = p[2] & 0x3Fu;
  // The extension only creates expthresh −1, 0 or 2^k ≤ 8192 (enc ≤ 14 or 63).
  if (enc > 14 && enc != 63)
    detail::pg_fail("cutoff byte encodes explicit threshold code " + std::to_string(enc) +
                    " (valid: 0..14 and 63 = auto)");
  postgres_header h;
  h.type = static_cast<postgres_type>(type);
  h.log2m = p[1] & 0x1Fu;
  h.regwidth = (p[1] >> 5) + 1u;
  h.expthresh = enc == 63 ? -1 : enc == 0 ? 0 : (std::int64_t{1} << (enc - 1u));
  h.sparseon = (p[2] >> 6) & 1;
  return h;
}

template <unsigned P, unsigned Regwidth, class Allocator>
std::vector<std::uint8_t> to_postgres(const postgres_hyperloglog<P, Regwidth, Allocator>& sketch,
                                      const postgres_options& options) {
  const detail::pg_resolved o = detail::pg_resolve(options, P, Regwidth);
  const detail::pg_plan plan = detail::pg_make_plan(sketch, o);
  std::vector<std::uint8_t> out;
  detail::pg_write(sketch, o, plan, out);
  return out;
}

template <unsigned P, unsigned Regwidth, class Allocator>
double postgres_count(const postgres_hyperloglog<P, Regwidth, Allocator>& sketch, const postgres_options& options) {
  const detail::pg_resolved o = detail::pg_resolve(options, P, Regwidth);
  const detail::pg_plan plan = detail::pg_make_plan(sketch, o);
  switch (plan.type) {
    case postgres_type::explicit_:
      return static_cast<double>(sketch.explicit_hashes().size());
    case postgres_type::sparse:
    case postgres_type::full:
      return detail::pg_card_registers(plan.regs, o.log2m, o.regwidth);
    default:
      return 0.0;
  }
}

template <unsigned P, unsigned Regwidth, class Allocator>
postgres_hyperloglog<P, Regwidth, Allocator> from_postgres(const void* data, std::size_t size,
                                                           const postgres_hasher& hasher) {
  using sketch_t = postgres_hyperloglog<P, Regwidth, Allocator>;
  const postgres_header h = postgres_read_header(data, size);
  const auto* p = static_cast<const unsigned char*>(data);
  const unsigned char* body = p + detail::pg_header_size;
  const std::size_t body_size = size - detail::pg_header_size;
  std::size_t threshold = detail::pg_effective_threshold(h.expthresh, h.log2m, h.regwidth);
  if (threshold > detail::pg_max_explicit) threshold = detail::pg_max_explicit;

  switch (h.type) {
    case postgres_type::undefined:
      detail::pg_fail("UNDEFINED value (type 0): hll_cardinality is NULL for it; it is not a sketch");
    case postgres_type::empty: {
      if (body_size != 0) detail::pg_fail("EMPTY value with " + std::to_string(body_size) + " bytes after the header");
      return sketch_t(threshold, hasher);
    }
    case postgres_type::explicit_: {
      if (body_size % 8 != 0)
        detail::pg_fail("EXPLICIT payload of " + std::to_string(body_size) + " bytes is not a multiple of 8");
      const std::size_t n = body_size / 8;
      if (n > detail::pg_max_explicit)
        detail::pg_fail("EXPLICIT value with " + std::to_string(n) + " hashes (the extension holds at most 16383)");
      std::vector<std::uint64_t> hashes(n);
      for (std::size_t i = 0; i < n; ++i) {
        std::uint64_t v = 0;
        for (unsigned b = 0; b < 8; ++b) v = (v << 8) | body[8 * i + b];
        hashes[i] = v;
        if (i > 0 && !(static_cast<std::int64_t>(hashes[i - 1]) < static_cast<std::int64_t>(v)))
          detail::pg_fail("EXPLICIT hashes " + std::to_string(i - 1) + " and " + std::to_string(i) +
                          " are unsorted or duplicate (they must ascend as signed integers)");
      }
      sketch_t out(n > threshold ? n : threshold, hasher);
      auto& core = detail::postgres_access::core(out);
      for (std::uint64_t v : hashes) core.add_hash(v);
      detail::postgres_access::small(out).assign_sorted(hashes.begin(), hashes.end());
      return out;
    }
    case postgres_type::sparse:
    case postgres_type::full:
      break;
  }

  const char* kind = h.type == postgres_type::sparse ? "SPARSE" : "FULL";
  if (h.log2m < P)
    detail::pg_fail(std::string(kind) + " value of log2m " + std::to_string(h.log2m) +
                    " cannot be read at precision " + std::to_string(P) + " (precision cannot grow)");
  if (h.log2m > detail::pg_max_log2m)
    detail::pg_fail(std::string(kind) + " value of log2m " + std::to_string(h.log2m) +
                    " (the extension handles at most 17)");
  if (h.regwidth < Regwidth)
    detail::pg_fail(std::string(kind) + " value of regwidth " + std::to_string(h.regwidth) +
                    " cannot be read as regwidth " + std::to_string(Regwidth) + " (saturated registers would be lost)");
  const std::size_t m = std::size_t{1} << h.log2m;
  const unsigned max_value = detail::pg_max_value(h.log2m, h.regwidth);
  std::vector<std::uint8_t> regs(m, 0);
  const std::size_t bits = body_size * 8u;

  if (h.type == postgres_type::full) {
    const std::size_t want = (m * h.regwidth + 7u) / 8u;
    if (body_size != want)
      detail::pg_fail("FULL payload of " + std::to_string(body_size) + " bytes; log2m " + std::to_string(h.log2m) +
                      ", regwidth " + std::to_string(h.regwidth) + " needs " + std::to_string(want));
    detail::pg_bit_reader rd(body);
    for (std::size_t i = 0; i < m; ++i) {
      const unsigned v = rd.get(h.regwidth);
      if (v > max_value)
        detail::pg_fail("FULL register " + std::to_string(i) + " holds " + std::to_string(v) +
                        ", above the largest possible value " + std::to_string(max_value));
      regs[i] = static_cast<std::uint8_t>(v);
    }
    const std::size_t used = m * h.regwidth;
    if (used < bits && rd.get(static_cast<unsigned>(bits - used)) != 0) detail::pg_fail("FULL padding bits are not zero");
  } else {
    const unsigned chunk = h.log2m + h.regwidth;
    // Entries that fit: at most bits / chunk; the writer padded fewer than 8
    // bits, so at least n_min are real. Entries between may be real (non-zero)
    // or padding (all-zero, possible only when chunk < 8).
    const std::size_t n_max = bits / chunk;
    const std::size_t n_min = bits >= 8 ? (bits - 8u) / chunk + 1u : 0u;
    if (n_min > n_max)
      detail::pg_fail("SPARSE payload of " + std::to_string(body_size) + " bytes leaves " +
                      std::to_string(bits - n_max * chunk) + " bits of padding (8 or more)");
    std::size_t n = 0;
    std::size_t last_index = 0;
    const std::uint32_t value_mask = (1u << h.regwidth) - 1u;
    detail::pg_bit_reader rd(body);
    bool padding_word = false;
    for (; n < n_max; ++n) {
      const std::uint32_t word = rd.get(chunk);
      if (word == 0 && n >= n_min) {  // zero padding (it was read: count it as used)
        padding_word = true;
        break;
      }
      const std::uint32_t value = word & value_mask;
      const std::size_t index = word >> h.regwidth;
      if (value == 0)
        detail::pg_fail("SPARSE entry " + std::to_string(n) + " (register " + std::to_string(index) +
                        ") holds value 0, which is never written");
      if (value > max_value)
        detail::pg_fail("SPARSE entry " + std::to_string(n) + " holds " + std::to_string(value) +
                        ", above the largest possible value " + std::to_string(max_value));
      if (n > 0 && index <= last_index)
        detail::pg_fail("SPARSE indices out of order: entry " + std::to_string(n) + " has register " +
                        std::to_string(index) + " after register " + std::to_string(last_index));
      regs[index] = static_cast<std::uint8_t>(value);
      last_index = index;
    }
    for (std::size_t at = (n + (padding_word ? 1u : 0u)) * chunk; at < bits; at += 16) {
      const unsigned len = static_cast<unsigned>(bits - at < 16 ? bits - at : 16);
      if (rd.get(len) != 0) detail::pg_fail("SPARSE padding bits are not zero");
    }
  }

  sketch_t out(threshold, hasher);
  auto& core = detail::postgres_access::core(out);
  std::uint8_t* dst = detail::register_access::data(core);
  const std::uint8_t cap = static_cast<std::uint8_t>((1u << Regwidth) - 1u);
  for (std::uint8_t& v : regs)
    if (v > cap) v = cap;
  if (h.log2m == P)
    std::copy(regs.begin(), regs.end(), dst);
  else
    postgres_addressing<Regwidth>::fold(h.log2m, regs.data(), P, dst);
  detail::register_access::registers_changed(core);
  detail::postgres_access::small(out).promote();
  return out;
}

}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_POSTGRES_CODEC_HPP
