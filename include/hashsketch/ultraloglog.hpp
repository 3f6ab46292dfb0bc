#ifndef HASHSKETCH_ULTRALOGLOG_HPP
#define HASHSKETCH_ULTRALOGLOG_HPP

// ultraloglog<P>: UltraLogLog (O. Ertl, "UltraLogLog: A Practical and More
// Space-Efficient Alternative to HyperLogLog for Approximate Distinct
// Counting", PVLDB 17(7), 2024, arXiv:2308.16862), register for register and
// byte for byte compatible with hash4j's UltraLogLog (Apache-2.0; the
// encoding and the estimators' arithmetic are facts taken from its source and
// paper, the code here is our own).
//
//   hashsketch::ultraloglog<12> visitors;     // 4 KiB, ±1.22 % (√(0.612/4096))
//   visitors.add("user-42");
//   visitors |= other_shard;                  // exact union
//   double n = visitors.estimate();           // FGRA; estimate(ull_estimator::ml)
//
// Memory: m = 2^P one-byte registers + a 1 KiB histogram of register bytes.
// Relative standard error: √(0.6119/m) = 0.782/√m with FGRA (the default),
// 0.761/√m with maximum likelihood; HyperLogLog needs 1.04/√m, so at equal
// error UltraLogLog needs (0.782/1.04)² = 57 % of HyperLogLog's registers at
// one byte each (the 24 % saving of the paper is against 6-bit HLL registers).
// Thread-safety: none inside; any number of concurrent const calls while no
// thread modifies the sketch (const members never write).
//
// Register encoding (hash4j's stored byte; docs/ultraloglog.md): a register
// remembers the set of bits t = rank + P − 2 over the hashes sent to it (its
// "hash prefix"); it stores the highest t and whether t − 1 and t − 2 are set:
//   byte = 4·t + 2·[t − 1 set] + [t − 2 set],   0 = empty.
// In the paper's terms r = 4u + 2x(u−1) + x(u−2) with u the largest rank, and
// byte = r + 4P − 8 for r ≠ 0. Because t does not depend on P (a hash keeps
// its bit when the precision drops), reduce<Q>() is exact.
//
// Design note: basic_sketch keeps HyperLogLog's max-register semantics; this
// class reuses the core's pieces (hasher policies, leading_zeros_addressing,
// register_view, the native format's header, byte readers, the kernel
// dispatch) and adds its own union kernels (detail/ull_kernels.hpp).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "addressing.hpp"
#include "basic_sketch.hpp"
#include "detail/bytes.hpp"
#include "detail/dispatch.hpp"
#include "detail/key_overloads.hpp"
#include "detail/native_format.hpp"
#include "detail/stats.hpp"
#include "detail/ull_kernels.hpp"
#include "errors.hpp"
#include "hash.hpp"
#include "hyperloglog.hpp"

namespace hashsketch {

/// UltraLogLog's estimators: FGRA (the default, 0.782/√m) and maximum
/// likelihood (0.761/√m, an iterative solve: slower).
enum class ull_estimator { fgra, ml };

template <class Sketch>
class martingale;

namespace detail {
struct ull_math;
template <class Sketch>
struct martingale_traits;
}  // namespace detail

/// UltraLogLog with 2^P one-byte registers (P = 4..16).
template <unsigned P, class Hasher = xxh3_hasher, class Allocator = std::allocator<std::uint8_t>>
class ultraloglog {
  static_assert(P >= 4 && P <= 16, "hashsketch: precision P must be in 4..16");
  static_assert(std::is_same<typename std::allocator_traits<Allocator>::value_type, std::uint8_t>::value,
                "hashsketch: the allocator must allocate std::uint8_t");

 public:
  using hasher_type = Hasher;
  using allocator_type = Allocator;
  using hash_type = typename Hasher::result_type;

  /// Precision: m = 2^P registers.
  static constexpr unsigned precision = P;
  /// m, the number of one-byte registers.
  static constexpr std::size_t register_count = std::size_t{1} << P;
  /// Serialised sketch kind (docs/FORMAT.md).
  static constexpr std::uint8_t kind_id = 4;
  /// For messages and `info`.
  static constexpr const char* name = "ultraloglog";

  /// An empty sketch. Allocates m bytes. Throws what the allocator throws.
  explicit ultraloglog(const Hasher& hasher = Hasher{}, const Allocator& alloc = Allocator{})
      : registers_(register_count, std::uint8_t{0}, alloc), hasher_(hasher) {
    reset_histogram();
  }

  // --- adding (O(1), no allocation, one writer) ----------------------------

  /// Adds a key, by the rules every sketch shares (detail/key_overloads.hpp):
  /// any integer but bool (the hasher's overload; xxh3_hasher hashes the
  /// value as 8 little-endian bytes), an enum as its underlying integer,
  /// float/double only where the hasher has a rule, a string's bytes, or a
  /// key_traits<T> type's canonical key_bytes (which may allocate).
  template <class K, std::enable_if_t<detail::key_is_typed<Hasher, K>::value, int> = 0>
  void add(const K& key) noexcept(detail::key_add_is_noexcept<K>::value) {
    add_hash(detail::key_hash(hasher_, key));
  }
  /// bool, nullptr and floating point without a hasher rule: deleted, so
  /// add(3.2) does not silently mean add(3).
  template <class K, std::enable_if_t<detail::key_is_deleted<Hasher, K>::value, int> = 0>
  void add(const K&) = delete;
  /// Adds the bytes [data, data + size) as ONE key. Character and byte
  /// pointers only: add(keys.data(), keys.size()) with integer keys stops at
  /// a static_assert (use add_many).
  template <class Byte, std::enable_if_t<detail::is_byte_like<Byte>::value, int> = 0>
  void add(const Byte* data, std::size_t size) noexcept {
    add_hash(hasher_(static_cast<const void*>(data), size));
  }
  template <class T, std::enable_if_t<!detail::is_byte_like<T>::value, int> = 0>
  void add(const T*, std::size_t) {
    (void)detail::reject_non_byte_pointer<T>();  // static_assert: not a byte pointer
  }
  /// Adds an already hashed value: index = the top P bits, rank = leading
  /// zeros of the other 64 − P bits + 1 (hyperloglog's default layout).
  void add_hash(std::uint64_t hash) noexcept { (void)update(hash); }
  /// Same result as n add() calls. With xxh3_hasher the keys are hashed by the
  /// SIMD batch kernel, 256 at a time.
  void add_many(const std::uint64_t* keys, std::size_t n) noexcept {
    if constexpr (std::is_same<Hasher, xxh3_hasher>::value) {
      std::uint64_t hashes[256];
      const detail::kernel_table& k = detail::kernels();
      for (std::size_t i = 0; i < n; i += 256) {
        const std::size_t len = n - i < 256 ? n - i : 256;
        k.xxh3_batch(keys + i, len, hasher_.seed(), hashes);
        for (std::size_t j = 0; j < len; ++j) add_hash(hashes[j]);
      }
    } else {
      for (std::size_t i = 0; i < n; ++i) add(keys[i]);
    }
  }

  // --- estimating ----------------------------------------------------------

  /// The FGRA estimate. O(256) after adds (a histogram of register bytes is
  /// kept current); right after a merge one pass over the registers (not
  /// cached: const members never write): with AVX2/AVX-512 the FGRA pass
  /// kernel (detail::ull_pass_*, gathers), elsewhere a histogram. The two
  /// add the same terms in a different order (per register, per byte
  /// value), so they can differ in the last bits (≤ 1e-13 relative).
  double estimate() const noexcept { return estimate(ull_estimator::fgra); }
  /// The estimate of the chosen estimator (ml: an iterative solve, O(64)
  /// per iteration, typically a few iterations).
  double estimate(ull_estimator e) const noexcept;

  /// √(V/m), V = 0.6118931496978439 (FGRA's variance factor, see
  /// detail::ull_math): 0.0782·… = 0.782/√m (1.22 % at P = 12).
  static constexpr double relative_standard_error() noexcept {
    return detail::constexpr_sqrt(0.6118931496978439 / static_cast<double>(register_count));
  }

  /// [estimate/(1 + z·RSE), estimate/(1 − z·RSE)] (z the two-sided normal
  /// quantile of `confidence`), the lower end clamped to the number of
  /// non-empty registers; {0, 0, 0} when empty. Throws std::invalid_argument
  /// unless 0 < confidence < 1.
  interval confidence_interval(double confidence = 0.95) const;

  // --- merging -------------------------------------------------------------

  /// Union (exact: equals the sketch of A ∪ B). Not a byte max: the two
  /// registers' hash prefixes are OR-ed (detail/ull_kernels.hpp). O(m), SIMD.
  /// Throws incompatible_sketch_error if the hashers differ.
  void merge(const ultraloglog& other) {
    check_compatible(other.hasher_);
    detail::ull_kernels().merge(registers_.data(), other.registers_.data(), register_count);
    histogram_valid_ = false;
  }
  /// Union with a finer sketch (Q > P), equal to merge(finer.reduce<P>()).
  template <unsigned Q>
  void merge(const ultraloglog<Q, Hasher, Allocator>& finer) {
    static_assert(Q > P, "hashsketch: merge a coarser sketch into the finer one's reduce<>() instead");
    check_compatible(finer.hasher_);
    fold_into(Q, finer.registers_.data(), registers_.data());
    histogram_valid_ = false;
  }
  ultraloglog& operator|=(const ultraloglog& other) {
    merge(other);
    return *this;
  }
  friend ultraloglog operator|(const ultraloglog& a, const ultraloglog& b) {
    ultraloglog out(a);
    out.merge(b);
    return out;
  }

  /// The exact fold to precision Q ≤ P (hash4j's downsize): equal to the
  /// sketch built at Q from the same keys. O(m).
  template <unsigned Q>
  ultraloglog<Q, Hasher, Allocator> reduce() const {
    static_assert(Q <= P, "hashsketch: reduce<Q>() needs Q <= P (precision cannot grow)");
    ultraloglog<Q, Hasher, Allocator> out(hasher_, registers_.get_allocator());
    ultraloglog<Q, Hasher, Allocator>::fold_into(P, registers_.data(), out.registers_.data());
    out.rebuild_histogram();
    return out;
  }

  /// The HyperLogLog of the same keys, exactly (register = the largest rank u:
  /// byte >> 2 + 2 − P, 0 when empty). O(m).
  hyperloglog<P, Hasher, Allocator> to_hyperloglog() const {
    hyperloglog<P, Hasher, Allocator> out(hasher_, registers_.get_allocator());
    std::uint8_t* dst = detail::register_access::data(out);
    for (std::size_t i = 0; i < register_count; ++i) {
      const unsigned r = registers_[i];
      dst[i] = static_cast<std::uint8_t>(r == 0 ? 0u : (r >> 2) + 2u - P);
    }
    detail::register_access::registers_changed(out);
    return out;
  }

  // --- state ---------------------------------------------------------------

  /// The m register bytes in hash4j's stored encoding (equal, byte for byte,
  /// to hash4j's getState() for the same hashes). O(1) view.
  register_view registers() const noexcept { return register_view(registers_.data(), registers_.size()); }
  /// True when nothing was added. O(m) at worst.
  bool empty() const noexcept {
    return std::all_of(registers_.begin(), registers_.end(), [](std::uint8_t r) { return r == 0; });
  }
  /// Back to the empty sketch (keeps the hasher and the memory). O(m).
  void clear() noexcept {
    std::fill(registers_.begin(), registers_.end(), std::uint8_t{0});
    reset_histogram();
  }
  const Hasher& hasher() const noexcept { return hasher_; }
  allocator_type get_allocator() const noexcept { return registers_.get_allocator(); }

  /// The probability that the next new distinct key changes a register
  /// (hash4j's getStateChangeProbability(): Σ of per-register probabilities
  /// in units of 2^−64, summed mod 2^64, then rounded to double; 1 when
  /// empty). O(m).
  double state_change_probability() const noexcept {
    std::uint64_t sum = 0;
    for (std::uint8_t r : registers_) sum += scaled_change_probability(r);
    if (sum == 0 && registers_[0] == 0) return 1.0;
    return static_cast<double>(sum) * 0x1p-64;
  }

  // --- serialisation (docs/FORMAT.md, kind 4) ------------------------------

  /// The native format: the 24-byte header of basic_sketch with kind 4,
  /// encoding 0 (dense), addressing 1 (top bits / leading zeros), then the m
  /// register bytes in hash4j's encoding, then XXH64. 24 + m + 8 bytes.
  std::vector<std::uint8_t> serialize() const {
    return detail::write_native_dense(native_id(hasher_), registers_.data());
  }
  static constexpr std::size_t serialized_size() noexcept {
    return format::header_size + register_count + format::checksum_size;
  }
  /// The header fields of this type's native image, with `h`'s seed.
  static detail::native_dense_id native_id(const Hasher& h) noexcept {
    return {kind_id, "ultraloglog", P, Hasher::id, Hasher::name, leading_zeros_addressing::id,
            leading_zeros_addressing::name, h.seed(), register_count};
  }
  /// Reads serialize()'s bytes; never reads outside [data, data + size).
  /// Throws format_error naming the defect (truncation, magic, version, kind,
  /// precision, encoding, hasher, seed, layout, length, a byte that no
  /// register can hold at this P, checksum, trailing bytes).
  static ultraloglog deserialize(const void* data, std::size_t size) {
    return deserialize(data, size, Hasher{}, Allocator{});
  }
  static ultraloglog deserialize(const void* data, std::size_t size, const Hasher& expected,
                                 const Allocator& alloc = Allocator{});

  /// True when r is a byte some register can hold at this precision: 0,
  /// 4P − 4 (rank 1), 4P or 4P + 2 (rank 2), or 4P + 4 … 255 (rank ≥ 3).
  static constexpr bool valid_register(unsigned r) noexcept {
    return r == 0 || r == 4 * P - 4 || r == 4 * P || r == 4 * P + 2 || (r >= 4 * P + 4 && r <= 255);
  }

  friend bool operator==(const ultraloglog& a, const ultraloglog& b) {
    return a.hasher_ == b.hasher_ && a.registers_ == b.registers_;
  }
  friend bool operator!=(const ultraloglog& a, const ultraloglog& b) { return !(a == b); }

 private:
  template <unsigned, class, class>
  friend class ultraloglog;
  template <class>
  friend struct detail::martingale_traits;

  /// hash4j's per-register state change probability scaled by 2^64: an empty
  /// register changes with 1/m; a register with u = t − P + 2 changes when a
  /// hash brings a rank > u (2^−u) or a missing u − 1 (2^−(u−1)) or u − 2
  /// (2^−(u−2)); in units of 2^−64/m. Written with explicit shift counts (the
  /// Java original relies on counts mod 64).
  static std::uint64_t scaled_change_probability(std::uint8_t reg) noexcept {
    const unsigned r = reg;
    if (r == 0) return std::uint64_t{1} << (64u - P);
    const unsigned k = (r >> 2) + 1u - P;  // = u − 1, in [0, 64 − P] for valid bytes
    const std::uint64_t missing = ((r & 2u) | ((r & 1u) << 2)) ^ 7u;
    return (missing << (63u - k)) >> P;  // unsigned: the shift out of 64 bits is the mod 2^64 of the definition
  }

  /// Updates the register of `hash`; returns old and new byte (equal when
  /// nothing changed).
  struct change {
    std::uint8_t before, after;
  };
  change update(std::uint64_t hash) noexcept {
    std::size_t index;
    std::uint8_t rank;
    leading_zeros_addressing::locate<P>(hash, index, rank);
    std::uint8_t& reg = registers_[index];
    const std::uint8_t before = reg;
    // Fast rejection, as cheap as HyperLogLog's `rank > reg`: most hashes
    // bring a bit the register already knows or one more than two below its
    // top, and change nothing (issue 15: add ≤ 1.15× HLL add).
    if (!changes(before, rank)) return change{before, before};
    // The hash sets bit t = rank + P − 2 of the prefix: a register holding
    // only that bit is the byte 4t.
    const std::uint8_t after = detail::ull_union_byte(before, static_cast<std::uint8_t>(4u * (rank + P - 2u)));
    if (after != before) {
      if (!histogram_valid_) rebuild_histogram();
      --histogram_[before];
      ++histogram_[after];
      reg = after;
    }
    return change{before, after};
  }

  /// True when a hash of rank `rank` changes a register holding byte r:
  /// bit t = rank + P − 2 of detail::ull_change_masks[r] (one load and a
  /// bit test, no variable shifts on the hot path). t ≤ 63 for every rank
  /// (rank ≤ 65 − P). Equal to ull_union_byte(r, 4t) != r for every valid r
  /// and rank (tested).
  static bool changes(unsigned r, unsigned rank) noexcept {
    return (detail::ull_change_masks[r] >> (rank + P - 2u)) & 1u;
  }

  /// dst (2^P registers) ∪= src folded from precision from_p ≥ P. Register j
  /// of src goes to i = j >> d (d = from_p − P). Its low d index bits k are
  /// the first d bits after the index at precision P: k = 0 keeps the
  /// register's prefix unchanged (bits do not depend on P); k ≠ 0 means some
  /// hash had its leading-zero run end inside k, at rank d − width(k) + 1,
  /// i.e. bit t = from_p − 1 − width(k).
  static void fold_into(unsigned from_p, const std::uint8_t* src, std::uint8_t* dst) noexcept {
    const unsigned d = from_p - P;
    const std::size_t block = std::size_t{1} << d;
    for (std::size_t i = 0; i < register_count; ++i) {
      const std::uint8_t* s = src + (i << d);
      std::uint8_t acc = detail::ull_union_byte(dst[i], s[0]);
      for (std::size_t k = 1; k < block; ++k) {
        if (s[k] == 0) continue;
        const unsigned width = 64u - detail::clz64_nonzero(k);
        acc = detail::ull_union_byte(acc, static_cast<std::uint8_t>(4u * (from_p - 1u - width)));
      }
      dst[i] = acc;
    }
  }

  void reset_histogram() noexcept {
    histogram_.fill(0);
    histogram_[0] = static_cast<std::uint32_t>(register_count);
    histogram_valid_ = true;
  }
  void rebuild_histogram() noexcept {
    detail::ull_kernels().histogram(registers_.data(), register_count, histogram_.data());
    histogram_valid_ = true;
  }
  std::array<std::uint32_t, 256> current_histogram() const noexcept {
    if (histogram_valid_) return histogram_;
    std::array<std::uint32_t, 256> h;
    detail::ull_kernels().histogram(registers_.data(), register_count, h.data());
    return h;
  }

  void check_compatible(const Hasher& other) const {
    if (!(hasher_ == other))
      throw incompatible_sketch_error(std::string("hashers differ (") + Hasher::name + " seed " +
                                      std::to_string(hasher_.seed()) + " vs seed " + std::to_string(other.seed()) +
                                      "): the same key lands in different registers");
  }

  std::vector<std::uint8_t, Allocator> registers_;
  std::array<std::uint32_t, 256> histogram_;
  bool histogram_valid_ = true;
  Hasher hasher_;
};

// ===========================================================================
// Estimators (definitions)
// ===========================================================================

namespace detail {

/// UltraLogLog's estimator constants and formulas (Ertl 2024, sections 3–4;
/// the arithmetic follows hash4j's OptimalFGRAEstimator and
/// MaximumLikelihoodEstimator so that estimates agree to a few ulps).
/// Operation order matters for that agreement: this header does no
/// expression contraction (no std::fma, and the tests build with
/// -ffp-contract=off where the compiler would fuse).
struct ull_math {
  /// τ, the FGRA exponent minimising the asymptotic variance V(τ) (Ertl 2024,
  /// eq. for the optimal τ; hash4j OptimalFGRAEstimator.TAU, found by Brent's
  /// method on V). The η_i and V below are computed from it.
  static constexpr double tau = 0.8194911375910897;

  /// ω_i(τ) of Ertl 2024 (the four history states of a register, i = the two
  /// history bits: 0 none, 1 = u−2 seen, 2 = u−1 seen, 3 both).
  static double omega(int i, double t) noexcept {
    const auto q = [t](double b) { return std::pow(b, -t); };
    switch (i) {
      case 0: return q(7) - q(8);
      case 1: return q(3) - q(4) - q(7) + q(8);
      case 2: return q(5) - q(6) - q(7) + q(8);
      default: return 1 - q(2) - q(3) + q(4) - q(5) + q(6) + q(7) - q(8);
    }
  }
  /// The common factor of the η_i: (ln 2 / Γ(τ)) / Σ_i ω_i(τ)²/ω_i(2τ).
  static double eta_prefactor(double t) noexcept {
    double s = 0;
    for (int i = 0; i < 4; ++i) s += omega(i, t) * omega(i, t) / omega(i, 2 * t);
    return (std::log(2.0) / std::tgamma(t)) / s;
  }
  /// η_i = prefactor · ω_i(τ)/ω_i(2τ): the optimal weight of a register in
  /// history state i (4.6631, 2.1379, 2.7811, 0.9824).
  static const std::array<double, 4>& eta() noexcept {
    static const std::array<double, 4> e = [] {
      std::array<double, 4> r{};
      for (int i = 0; i < 4; ++i) r[i] = eta_prefactor(tau) * (omega(i, tau) / omega(i, 2 * tau));
      return r;
    }();
    return e;
  }
  /// V(τ) = (prefactor · Γ(2τ)/Γ(τ) − 1)/τ², the asymptotic relative variance
  /// times m (0.6118931496978439, the constant of relative_standard_error()).
  static double variance_factor() noexcept {
    return (eta_prefactor(tau) * (std::tgamma(2 * tau) / std::tgamma(tau)) - 1) / (tau * tau);
  }

  struct fgra_constants {
    double pow_2_tau, pow_2_minus_tau, pow_4_minus_tau, minus_inv_tau;
    double eta_x, eta23x, eta13x, eta3012xx;
    double p4_eta23, p4_eta01, p4_eta3, p4_eta1, p2_eta_x, phi_1, p_initial;
    double p2_eta02, p2_eta13, p2_eta2, p2_eta3;
    std::array<double, 236> contribution;  // register byte − 4P − 4 → η_h·2^(−τu)
    std::array<double, 17> factor;         // estimation_factor(p), p = 4..16
  };
  static const fgra_constants& fgra() noexcept {
    static const fgra_constants c = [] {
      const std::array<double, 4>& e = eta();
      fgra_constants k{};
      k.pow_2_tau = std::pow(2.0, tau);
      k.pow_2_minus_tau = std::pow(2.0, -tau);
      k.pow_4_minus_tau = std::pow(4.0, -tau);
      k.minus_inv_tau = -1 / tau;
      k.eta_x = e[0] - e[1] - e[2] + e[3];
      k.eta23x = (e[2] - e[3]) / k.eta_x;
      k.eta13x = (e[1] - e[3]) / k.eta_x;
      k.eta3012xx = (e[3] * e[0] - e[1] * e[2]) / (k.eta_x * k.eta_x);
      k.p4_eta23 = k.pow_4_minus_tau * (e[2] - e[3]);
      k.p4_eta01 = k.pow_4_minus_tau * (e[0] - e[1]);
      k.p4_eta3 = k.pow_4_minus_tau * e[3];
      k.p4_eta1 = k.pow_4_minus_tau * e[1];
      k.p2_eta_x = k.pow_2_minus_tau * k.eta_x;
      k.phi_1 = e[0] / (k.pow_2_tau * (2. * k.pow_2_tau - 1));
      k.p_initial = k.eta_x * (k.pow_4_minus_tau / (2 - k.pow_2_minus_tau));
      k.p2_eta02 = k.pow_2_minus_tau * (e[0] - e[2]);
      k.p2_eta13 = k.pow_2_minus_tau * (e[1] - e[3]);
      k.p2_eta2 = k.pow_2_minus_tau * e[2];
      k.p2_eta3 = k.pow_2_minus_tau * e[3];
      for (int j = 0; j < 236; ++j) k.contribution[j] = e[j & 3] * std::pow(2.0, -tau * ((j + 12) >> 2));
      for (unsigned p = 4; p <= 16; ++p) k.factor[p] = estimation_factor(p);
      return k;
    }();
    return c;
  }

  /// ψ(z)/η_x of the paper: the expected contribution of a register whose
  /// history is summarised by z and z².
  static double psi_prime(double z, double z2) noexcept {
    const fgra_constants& k = fgra();
    return (z + k.eta23x) * (z2 + k.eta13x) + k.eta3012xx;
  }
  /// σ(z) (small-range correction of empty registers): a series in z^(2^i).
  static double sigma(double z) noexcept {
    const fgra_constants& k = fgra();
    if (z <= 0.) return eta()[3];
    if (z >= 1.) return std::numeric_limits<double>::infinity();
    double pow_z = z, next = z * z, s = 0, pow_tau = k.eta_x;
    for (;;) {
      const double old = s;
      const double next_next = next * next;
      s += pow_tau * (pow_z - next) * psi_prime(next, next_next);
      if (!(s > old)) return s / z;
      pow_z = next;
      next = next_next;
      pow_tau *= k.pow_2_tau;
    }
  }
  /// φ(z) (large-range correction of saturated registers): a series in
  /// z^(2^−i).
  static double phi(double z, double z2) noexcept {
    const fgra_constants& k = fgra();
    if (z <= 0.) return 0.;
    if (z >= 1.) return k.phi_1;
    double prev = z2, pow_z = z, next = std::sqrt(pow_z);
    double p = k.p_initial / (1. + next);
    double ps = psi_prime(pow_z, prev);
    double s = next * (ps + ps) * p;
    for (;;) {
      prev = pow_z;
      pow_z = next;
      const double old = s;
      next = std::sqrt(pow_z);
      const double next_ps = psi_prime(pow_z, prev);
      p *= k.pow_2_minus_tau / (1. + next);
      s += next * ((next_ps + next_ps) - (pow_z + next) * ps) * p;
      if (!(s > old)) return s;
      ps = next_ps;
    }
  }
  static double small_range_z(std::int64_t c0, std::int64_t c4, std::int64_t c8, std::int64_t c10,
                              std::int64_t m) noexcept {
    const std::int64_t alpha = m + 3 * (c0 + c4 + c8 + c10);
    const std::int64_t beta = m - c0 - c4;
    const std::int64_t gamma = 4 * c0 + 2 * c4 + 3 * c8 + c10;
    const double quad_root = (std::sqrt(static_cast<double>(beta * beta + 4 * alpha * gamma)) -
                              static_cast<double>(beta)) /
                             static_cast<double>(2 * alpha);
    const double root = quad_root * quad_root;
    return root * root;
  }
  static double large_range_z(std::int64_t c0, std::int64_t c1, std::int64_t c2, std::int64_t c3,
                              std::int64_t m) noexcept {
    const std::int64_t alpha = m + 3 * (c0 + c1 + c2 + c3);
    const std::int64_t beta = c0 + c1 + 2 * (c2 + c3);
    const std::int64_t gamma = m + 2 * c0 + c2 - c3;
    return std::sqrt((std::sqrt(static_cast<double>(beta * beta + 4 * alpha * gamma)) - static_cast<double>(beta)) /
                     static_cast<double>(2 * alpha));
  }
  static double large_range_contribution(std::int64_t c0, std::int64_t c1, std::int64_t c2, std::int64_t c3,
                                         std::int64_t m, int w) noexcept {
    const fgra_constants& k = fgra();
    const std::array<double, 4>& e = eta();
    const double z = large_range_z(c0, c1, c2, c3, m);
    const double root_z = std::sqrt(z);
    double s = phi(root_z, z) * static_cast<double>(c0 + c1 + c2 + c3);
    s += z * (1 + root_z) *
         (static_cast<double>(c0) * e[0] + static_cast<double>(c1) * e[1] + static_cast<double>(c2) * e[2] +
          static_cast<double>(c3) * e[3]);
    s += root_z * (static_cast<double>(c0 + c1) * (z * k.p2_eta02 + k.p2_eta2) +
                   static_cast<double>(c2 + c3) * (z * k.p2_eta13 + k.p2_eta3));
    return s * std::pow(k.pow_2_minus_tau, w) / ((1 + root_z) * (1 + z));
  }
  /// m·m^(1/τ) / (1 + V(1 + τ)/(2m)): the scale and first-order bias
  /// correction of the FGRA estimate (Ertl 2024, FGRA estimator).
  static double estimation_factor(unsigned p) noexcept {
    const double m = std::ldexp(1.0, static_cast<int>(p));
    const double bias = 1. / (1. + variance_factor() * (1. + tau) / (2. * m));
    return bias * m * std::pow(m, 1. / tau);
  }

  /// The FGRA estimate from a histogram of register bytes at precision p.
  /// Every register saturated (byte 255 everywhere; only crafted input or
  /// n near 2^64·m reach it): the formula's sum is 0 and hash4j returns +∞;
  /// we return the estimate of registers all at the largest rank with full
  /// history but no large-range correction, m·η_3·2^(−τ(65−p)) as the sum —
  /// finite, and above every estimate of a non-saturated sketch.
  static double fgra_estimate(const std::uint32_t* h, unsigned p) noexcept {
    const fgra_constants& k = fgra();
    std::int64_t c0 = 0;
    for (unsigned r = 0; r < 4 * p - 4; ++r) c0 += h[r];
    double sum = 0;
    for (unsigned r = 4 * p + 4; r < 252; ++r)
      if (h[r] != 0) sum += static_cast<double>(h[r]) * k.contribution[r - 4 * p - 4];
    return fgra_finish(sum, c0, h[4 * p - 4], h[4 * p], h[4 * p + 2], h[252], h[253], h[254], h[255], p);
  }
  /// The FGRA estimate from the register pass (detail::ull_pass_result:
  /// the ordinary registers' sum and the special bytes' counts, in the order
  /// of ull_special_bytes()).
  static double fgra_estimate(const ull_pass_result& r, unsigned p) noexcept {
    const std::uint32_t* c = r.counts;
    return fgra_finish(r.sum, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], p);
  }
  /// FGRA from the sum over ordinary registers (rank ≥ 3, below the top
  /// rank) and the counts of the others: c0 empty, c4 = byte 4P − 4 (rank
  /// 1), c8 = 4P and c10 = 4P + 2 (rank 2), w0..w3 = 252..255 (top rank).
  static double fgra_finish(double sum, std::int64_t c0, std::int64_t c4, std::int64_t c8, std::int64_t c10,
                            std::int64_t w0, std::int64_t w1, std::int64_t w2, std::int64_t w3,
                            unsigned p) noexcept {
    const fgra_constants& k = fgra();
    const std::int64_t m = std::int64_t{1} << p;
    if (c0 == m) return 0.0;
    if (c0 > 0 || c4 > 0 || c8 > 0 || c10 > 0) {
      const double z = small_range_z(c0, c4, c8, c10, m);
      if (c0 > 0) sum += static_cast<double>(c0) * sigma(z);
      if (c4 > 0) sum += static_cast<double>(c4) * k.p2_eta_x * psi_prime(z, z * z);
      if (c8 > 0) sum += static_cast<double>(c8) * (z * k.p4_eta01 + k.p4_eta1);
      if (c10 > 0) sum += static_cast<double>(c10) * (z * k.p4_eta23 + k.p4_eta3);
    }
    if (w0 > 0 || w1 > 0 || w2 > 0 || w3 > 0)
      sum += large_range_contribution(w0, w1, w2, w3, m, 65 - static_cast<int>(p));
    if (!(sum > 0)) sum = static_cast<double>(m) * eta()[3] * std::pow(k.pow_2_minus_tau, 65 - static_cast<int>(p));
    return k.factor[p] * std::pow(sum, k.minus_inv_tau);
  }

  /// The byte values the FGRA pass counts apart, in fgra_finish's order.
  static std::array<std::uint8_t, 8> special_bytes(unsigned p) noexcept {
    return {0, static_cast<std::uint8_t>(4 * p - 4), static_cast<std::uint8_t>(4 * p),
            static_cast<std::uint8_t>(4 * p + 2), 252, 253, 254, 255};
  }
  /// The pass's lookup table at precision p: η_h·2^(−τu) for the ordinary
  /// bytes 4p + 4 … 251, 0 for every other byte.
  static std::array<double, 256> pass_table(unsigned p) noexcept {
    const fgra_constants& k = fgra();
    std::array<double, 256> t{};
    for (unsigned r = 4 * p + 4; r < 252; ++r) t[r] = k.contribution[r - 4 * p - 4];
    return t;
  }

  // --- maximum likelihood ---------------------------------------------------

  /// Hurwitz ζ(s, q) for s > 1 by Euler–Maclaurin: 40 terms, the tail
  /// integral and the Bernoulli corrections up to B_6 (truncation error
  /// < 1e-20 relative for s ∈ {2, 3}, q = 5/4; rounding dominates).
  static double hurwitz_zeta(double s, double q) noexcept {
    const int n = 40;
    double sum = 0;
    for (int k = 0; k < n; ++k) sum += std::pow(k + q, -s);
    const double x = n + q;
    sum += std::pow(x, 1 - s) / (s - 1) + 0.5 * std::pow(x, -s) + s / 12 * std::pow(x, -s - 1) -
           s * (s + 1) * (s + 2) / 720 * std::pow(x, -s - 3) +
           s * (s + 1) * (s + 2) * (s + 3) * (s + 4) / 30240 * std::pow(x, -s - 5);
    return sum;
  }
  /// 1/√(Fisher information·m) per √m: √(ln 2/ζ(2, 5/4)) = 0.76086 (Ertl 2024).
  static double ml_inv_sqrt_fisher() noexcept {
    static const double v = std::sqrt(std::log(2.0) / hurwitz_zeta(2, 1.25));
    return v;
  }
  /// First-order bias of the ML estimate: 3/2·ln 2·ζ(3, 5/4)/ζ(2, 5/4)² (Ertl 2024).
  static double ml_bias_constant() noexcept {
    static const double v = 1.5 * std::log(2.0) * hurwitz_zeta(3, 1.25) / std::pow(hurwitz_zeta(2, 1.25), 2);
    return v;
  }

  /// The x maximising e^(−a·x)·Π_k (1 − e^(−x/2^k))^b[k] (b has 64 entries,
  /// a ≥ 0): Ertl 2017 (arXiv:1702.01284) Algorithm 8 — a secant iteration on
  /// g(x) = a·x + Σ b_k·h(x/2^k) − Σ b_k with h(x) = 1 − x/(e^x − 1), h of
  /// the largest argument from its Taylor series and the others by the
  /// doubling identity h(2x) = (x + h(x)(1 − h(x)))/(x + 1 − h(x)). Stops when
  /// the step is below x·relative_error_limit. +∞ when a = 0.
  static double solve_ml(double a, const std::int64_t* b, double relative_error_limit) noexcept {
    if (a == 0.) return std::numeric_limits<double>::infinity();
    int k_max = 63;
    while (k_max >= 0 && b[k_max] == 0) --k_max;
    if (k_max < 0) return 0.;
    int k_min = k_max;
    std::int64_t s1 = 0;
    double s2 = 0;
    for (int k = k_max; k >= 0; --k) {
      if (b[k] > 0) {
        s1 += b[k];
        s2 += std::ldexp(static_cast<double>(b[k]), k);
        k_min = k;
      }
    }
    const double s1d = static_cast<double>(s1);
    // Start between the bounds s1/(s2/2 + a) ≤ x ≤ s1/a (Ertl 2017, sec. on ML).
    double x = s2 <= 1.5 * a ? s1d / (0.5 * s2 + a) : std::log1p(s2 / a) * (s1d / s2);
    double g_previous = 0, delta = x;
    while (delta > x * relative_error_limit) {
      int exponent;
      (void)std::frexp(x, &exponent);  // x = f·2^exponent, f ∈ [0.5, 1)
      const int kappa = exponent + 1;  // x ∈ [2^(kappa−2), 2^(kappa−1))
      const int top = std::max(k_max, kappa);
      // x' = x/2^(top + 1) ≤ 1/4: the Taylor series of h converges fast there.
      double xp = std::ldexp(x, -(top + 1));
      const double xp2 = xp * xp;
      double h = xp + xp2 * (-1. / 3. + xp2 * (1. / 45. - xp2 * (1. / 472.5)));
      for (int k = kappa - 1; k >= k_max; --k) {
        const double hp = 1. - h;
        h = (xp + h * hp) / (xp + hp);
        xp += xp;
      }
      double g = static_cast<double>(b[k_max]) * h;
      for (int k = k_max - 1; k >= k_min; --k) {
        const double hp = 1. - h;
        h = (xp + h * hp) / (xp + hp);
        xp += xp;
        g += static_cast<double>(b[k]) * h;
      }
      g += x * a;
      if (g_previous < g && g <= s1d)
        delta *= (g - s1d) / (g_previous - g);
      else
        delta = 0;
      x += delta;
      g_previous = g;
    }
    return x;
  }

  /// The ML estimate from a histogram of register bytes (Ertl 2024, ML
  /// estimator with first-order bias correction). A register with largest
  /// rank u and history contributes to a the probability mass of the hashes
  /// that would still change it and to b[k] for each rank it has seen.
  /// Saturation (a = 0): hash4j returns +∞; we return the FGRA saturation
  /// value (fgra_estimate's).
  static double ml_estimate(const std::uint32_t* hist, unsigned p) noexcept {
    const std::int64_t m = std::int64_t{1} << p;
    double a = 0;
    std::int64_t b[64] = {};
    for (unsigned r = 0; r < 256; ++r) {
      const std::int64_t c = hist[r];
      if (c == 0) continue;
      const int r2 = static_cast<int>(r) - static_cast<int>(4 * p) - 4;
      double contribution;
      if (r2 < 0) {
        if (r2 == -8) {
          b[1] += c;
          contribution = 0.5;
        } else if (r2 == -4) {
          b[2] += c;
          contribution = 0.75;
        } else if (r2 == -2) {
          b[1] += c;
          b[2] += c;
          contribution = 0.25;
        } else {
          contribution = 1.;
        }
      } else {
        int k;
        contribution = 0;
        if (r < 252) {
          k = (r2 >> 2) + 3;
          b[k] += c;
          contribution += std::ldexp(1.0, -k);
        } else {
          k = 65 - static_cast<int>(p);
          b[k - 1] += c;
        }
        if ((r & 1u) == 0)
          contribution += std::ldexp(1.0, -(k - 2));
        else
          b[k - 2] += c;
        if ((r & 2u) == 0)
          contribution += std::ldexp(1.0, -(k - 1));
        else
          b[k - 1] += c;
      }
      a += static_cast<double>(c) * contribution;
    }
    if (a == 0.) return fgra_estimate(hist, p);
    const double md = static_cast<double>(m);
    return md * solve_ml(a, b, 0.001 * ml_inv_sqrt_fisher() / std::sqrt(md)) / (1. + ml_bias_constant() / md);
  }
};

}  // namespace detail

template <unsigned P, class H, class A>
double ultraloglog<P, H, A>::estimate(ull_estimator e) const noexcept {
  if (e == ull_estimator::fgra && !histogram_valid_ && detail::ull_kernels().pass_is_faster) {
    // Right after a merge: one SIMD pass over the registers (gathers from
    // the contribution table) instead of a histogram (detail::ull_pass_*).
    static const std::array<double, 256> table = detail::ull_math::pass_table(P);
    static const std::array<std::uint8_t, 8> special = detail::ull_math::special_bytes(P);
    return detail::ull_math::fgra_estimate(
        detail::ull_kernels().fgra_pass(registers_.data(), register_count, table.data(), special.data()), P);
  }
  const std::array<std::uint32_t, 256> h = current_histogram();
  return e == ull_estimator::ml ? detail::ull_math::ml_estimate(h.data(), P)
                                : detail::ull_math::fgra_estimate(h.data(), P);
}

template <unsigned P, class H, class A>
interval ultraloglog<P, H, A>::confidence_interval(double confidence) const {
  if (!(confidence > 0.0 && confidence < 1.0)) throw std::invalid_argument("hashsketch: confidence must be in (0, 1)");
  const std::array<std::uint32_t, 256> h = current_histogram();
  const double e = estimate();  // the same value estimate() returns, also right after a merge
  const double z = detail::normal_quantile_two_sided(confidence);
  const double spread = z * relative_standard_error();
  const double non_empty = static_cast<double>(register_count - h[0]);
  double lower = std::max(std::max(e / (1.0 + spread), non_empty), 0.0);
  const double upper = e == 0.0        ? 0.0
                       : spread < 1.0 ? std::max(e / (1.0 - spread), lower)
                                      : std::numeric_limits<double>::infinity();
  return interval{std::min(lower, e), e, upper};
}

template <unsigned P, class H, class A>
ultraloglog<P, H, A> ultraloglog<P, H, A>::deserialize(const void* data, std::size_t size, const H& expected,
                                                        const A& alloc) {
  const unsigned char* payload = detail::read_native_dense(data, size, native_id(expected));
  ultraloglog out(expected, alloc);
  for (std::size_t i = 0; i < register_count; ++i) {
    if (!valid_register(payload[i]))
      throw format_error("register " + std::to_string(i) + " holds " + std::to_string(payload[i]) +
                         ", which no UltraLogLog register holds at P = " + std::to_string(P));
    out.registers_[i] = payload[i];
  }
  out.rebuild_histogram();
  return out;
}

}  // namespace hashsketch

#endif  // HASHSKETCH_ULTRALOGLOG_HPP
