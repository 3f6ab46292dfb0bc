#ifndef HASHSKETCH_DETAIL_EXACT_SUMS_HPP
#define HASHSKETCH_DETAIL_EXACT_SUMS_HPP

// Sums over a register histogram that the codecs write into their headers
// (Redis's cached cardinality, DataSketches' HIP and kxq fields), computed in
// integers where the floating-point loop they replace is exact, so the double
// is the same bit for bit and the bytes do not change (issue 16: at P = 12..14
// these serial add/multiply chains — 50 to 62 dependent steps — were a third
// of to_redis and most of to_datasketches's fixed cost).
//
// The argument in each case: an IEEE 754 addition whose exact result is
// representable returns that result (no rounding), and halving or scaling by
// a power of two is exact while the value stays normal. If every partial sum
// of a loop is representable, the loop returns the exact sum, whatever the
// order — the same double an integer sum converted once gives.

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "../estimators.hpp"  // register_histogram, detail::pow2_neg
#include "bits.hpp"

namespace hashsketch {
namespace detail {

/// The result of `z = start; for (k = q; k >= 1; --k) z = 0.5 * (z + c[k]);`
/// (Ertl's Σ_k C_k·2^−k as Redis's hllCount and ertl_estimate() evaluate it,
/// with start = m·τ(…)), bit for bit, when start is +0.0 (no register at
/// q + 1, the case of every sketch short of n ≈ 2^q·m) and the sum is exact:
/// with kmax the largest k ≤ q holding a register, every partial sum is
/// W_k·2^−(kmax−k+1) with the integer W_k ≤ W = Σ_k c[k]·2^(kmax−k) < 2^53
/// (guaranteed by (kmax − 1) + bit width of the register count ≤ 53), so it is
/// representable and every step is exact; the result is W·2^−kmax. Returns
/// false (z untouched) when the fast form does not apply (in practice: a
/// register above 54 − bit width(m), i.e. n beyond ~2^(52−P) keys at m = 2^P);
/// callers then run the loop. c[0..q] must be readable; m = Σ c[k] over 0..q + 1.
inline bool exact_halving_sum(const std::uint32_t* c, unsigned q, std::size_t m, double start, double& z) noexcept {
  if (!(start == 0.0) || std::signbit(start)) return false;
  unsigned kmax = q;
  while (kmax >= 1 && c[kmax] == 0) --kmax;
  if (kmax == 0) {  // every step adds +0.0 to +0.0 and halves it
    z = 0.0;
    return true;
  }
  const unsigned m_bits = m == 0 ? 0u : 64u - clz64_nonzero(static_cast<std::uint64_t>(m));  // bit width of m
  if (kmax - 1u + m_bits > 53u) return false;
  std::uint64_t w = 0;  // Σ c[k]·2^(kmax−k) ≤ m·2^(kmax−1) < 2^53: no overflow
  for (unsigned k = 1; k <= kmax; ++k) w += static_cast<std::uint64_t>(c[k]) << (kmax - k);
  z = static_cast<double>(w) * pow2_neg(kmax);  // both factors exact, the product normal
  return true;
}

/// DataSketches' kxq0 = Σ_{v<32} C_v·2^−v and kxq1 = Σ_{32≤v≤63} C_v·2^−v,
/// equal bit for bit to the sums in ascending v (the loop ds_encode ran
/// before; tests/datasketches_test.cpp keeps it as the reference), for
/// m ≤ 2^21 registers (DataSketches' largest lg_k):
/// kxq0's partial sums are multiples of 2^−31 below 2^21 + 1, kxq1's multiples
/// of 2^−63 below m·2^−31 ≤ 2^−10: at most 53 significant bits either way, so
/// each addition is exact and so is the integer form (Σ C_v·2^(31−v) and
/// Σ C_v·2^(63−v), each < 2^53, scaled once).
inline void ds_kxq_sums(const register_histogram& h, double& kxq0, double& kxq1) noexcept {
  std::uint64_t k0 = 0, k1 = 0;
  for (unsigned v = 0; v < 32; ++v) k0 += static_cast<std::uint64_t>(h[v]) << (31u - v);
  for (unsigned v = 32; v < 64; ++v) k1 += static_cast<std::uint64_t>(h[v]) << (63u - v);
  kxq0 = static_cast<double>(k0) * pow2_neg(31);
  kxq1 = static_cast<double>(k1) * pow2_neg(63);
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_EXACT_SUMS_HPP
