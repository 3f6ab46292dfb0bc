#ifndef HASHSKETCH_DYNAMIC_HYPERLOGLOG_HPP
#define HASHSKETCH_DYNAMIC_HYPERLOGLOG_HPP

// dynamic_hyperloglog: HyperLogLog whose precision is chosen at run time
// (from configuration, a request, a file), the way DataSketches' lg_k,
// Presto/Trino's approx_distinct(x, e) and Redis users choose it.
//
//   hashsketch::dynamic_hyperloglog visitors(config.precision);  // 4..16, else std::invalid_argument
//   visitors.add("user-42");
//   visitors.merge(other_shard);          // other precisions fold exactly
//   double n = visitors.estimate();
//   auto bytes = visitors.serialize();    // the native format: hyperloglog<P> reads it
//
// It holds exactly one hyperloglog<P> for the P given at construction and
// forwards every member to it, so results, errors and bytes are those of
// hyperloglog<P> (same estimate, same serialized bytes, same exceptions).
// The cost of the run-time precision is one jump on P per call (≈ 1 ns);
// hot loops can take the typed sketch with visit().
//
// Memory: as hyperloglog<P> (sparse while small, then m = 2^P bytes of
// registers + ≈ 350 bytes; docs/sparse.md) + the variant's tag. Error,
// thread-safety: as hyperloglog<P> (const members never write; one writer at
// a time).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "addressing.hpp"
#include "basic_sketch.hpp"
#include "errors.hpp"
#include "hash.hpp"
#include "hyperloglog.hpp"

namespace hashsketch {

// Pinned builds (HASHSKETCH_PIN_ISA) get their own basic_dynamic_hyperloglog, as
// they get their own basic_sketch: its members call the kernel table, so one
// definition shared with an unpinned TU would break the ODR
// (tests/isa_pin_odr_test.cpp).
HASHSKETCH_PIN_NAMESPACE_BEGIN

/// HyperLogLog with a precision P chosen at run time, 4 ≤ P ≤ 16. Hasher,
/// Allocator and Addressing as for hyperloglog<P, Hasher, Allocator, Addressing>.
template <class Hasher = xxh3_hasher, class Allocator = std::allocator<std::uint8_t>,
          class Addressing = leading_zeros_addressing>
class basic_dynamic_hyperloglog;

/// The run-time-precision HyperLogLog with the default hasher and layout
/// (XXH3-64, top-bits/leading-zeros): interchangeable with hyperloglog<P>.
using dynamic_hyperloglog = basic_dynamic_hyperloglog<>;

HASHSKETCH_PIN_NAMESPACE_END

namespace detail {
/// f(std::integral_constant<unsigned, P>{}) for a run-time p in 4..16.
/// Throws precision_error (a std::invalid_argument) for any other p.
template <class F>
decltype(auto) with_precision(unsigned p, F&& f);
}  // namespace detail

HASHSKETCH_PIN_NAMESPACE_BEGIN

template <class Hasher, class Allocator, class Addressing>
class basic_dynamic_hyperloglog {
 public:
  /// The typed sketch at precision P that this class holds when precision() == P.
  template <unsigned P>
  using fixed_type = hyperloglog<P, Hasher, Allocator, Addressing>;
  using hasher_type = Hasher;
  using allocator_type = Allocator;
  using addressing_type = Addressing;
  using hash_type = typename Hasher::result_type;

  static constexpr unsigned min_precision = 4;
  static constexpr unsigned max_precision = 16;

  /// An empty sketch with 2^precision registers and Hasher(seed). Throws
  /// precision_error (derived from std::invalid_argument) unless
  /// 4 ≤ precision ≤ 16. Allocates nothing (the sketch starts sparse).
  explicit basic_dynamic_hyperloglog(unsigned precision, std::uint64_t seed = 0, const Allocator& alloc = Allocator{})
      : sketch_(make(precision, Hasher(seed), alloc)) {}
  /// The same with a hasher object.
  basic_dynamic_hyperloglog(unsigned precision, const Hasher& hasher, const Allocator& alloc = Allocator{})
      : sketch_(make(precision, hasher, alloc)) {}

  /// From hyperloglog<P> (lossless, so implicit): the same registers,
  /// hasher and allocator; precision() == P. O(m) for a copy, O(1) for an rvalue.
  template <unsigned P>
  basic_dynamic_hyperloglog(const fixed_type<P>& sketch) : sketch_(std::in_place_type<fixed_type<P>>, sketch) {}
  template <unsigned P>
  basic_dynamic_hyperloglog(fixed_type<P>&& sketch) noexcept
      : sketch_(std::in_place_type<fixed_type<P>>, std::move(sketch)) {}

  /// To hyperloglog<P>: the same registers when P == precision(), the exact
  /// fold (equal to the sketch built at P from the same keys) when
  /// P < precision(). Throws precision_error when P > precision() (precision
  /// cannot grow). O(m); allocates m bytes (the && overload moves when
  /// P == precision()).
  template <unsigned P>
  fixed_type<P> to_hyperloglog() const&;
  template <unsigned P>
  fixed_type<P> to_hyperloglog() &&;

  /// Calls f(s) with the held hyperloglog<P>& s (const& for a const object)
  /// and returns what f returns (the same type for every P): the typed
  /// sketch for hot loops, where a per-call jump on P would cost.
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), sketch_);
  }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), sketch_);
  }

  // --- adding (the overloads of hyperloglog<P>::add, forwarded) ---------

  /// Every key hyperloglog<P>::add accepts, with the same overload
  /// resolution, the same hashing and the same noexcept: the call is
  /// forwarded unchanged, so a key type hyperloglog rejects is rejected here.
  template <class... Key>
  auto add(Key&&... key) noexcept(noexcept(std::declval<fixed_type<min_precision>&>().add(std::declval<Key>()...)))
      -> decltype(std::declval<fixed_type<min_precision>&>().add(std::declval<Key>()...)) {
    return visit([&](auto& s) { return s.add(std::forward<Key>(key)...); });
  }
  /// An already hashed value (see basic_sketch::add_hash).
  void add_hash(hash_type hash) {
    visit([&](auto& s) { s.add_hash(hash); });
  }
  /// n 64-bit keys; register for register the same as n add() calls.
  void add_many(const std::uint64_t* keys, std::size_t n) {
    visit([&](auto& s) { s.add_many(keys, n); });
  }

  // --- estimating ---------------------------------------------------------

  /// hyperloglog<P>::estimate(): O(1) while current(), one register pass after
  /// a merge until refresh().
  double estimate() const noexcept {
    return visit([](const auto& s) { return s.estimate(); });
  }
  /// The estimate of a chosen estimator (Ertl's or the classic one).
  double estimate(estimator e) const noexcept {
    return visit([e](const auto& s) { return s.estimate(e); });
  }
  /// hyperloglog<P>::confidence_interval(confidence). Throws
  /// std::invalid_argument unless 0 < confidence < 1.
  interval confidence_interval(double confidence = 0.95) const {
    return visit([confidence](const auto& s) { return s.confidence_interval(confidence); });
  }
  /// 1.04/√m at this precision.
  double relative_standard_error() const noexcept {
    return visit([](const auto& s) { return s.relative_standard_error(); });
  }

  // --- merging ------------------------------------------------------------

  /// Union. Equal precisions: register-wise max, as hyperloglog<P>::merge.
  /// Different precisions: the result has the smaller one, min(precision(),
  /// other.precision()), and is exact — equal to the sketch built at that
  /// precision from the keys of both (the finer side is folded, as
  /// reduce<Q>() does). O(m) of the finer side; allocates m bytes only when
  /// *this is the finer one (strong guarantee: *this unchanged if that throws).
  /// Throws incompatible_sketch_error if the hashers differ.
  void merge(const basic_dynamic_hyperloglog& other);
  /// merge(other); returns *this.
  basic_dynamic_hyperloglog& operator|=(const basic_dynamic_hyperloglog& other) {
    merge(other);
    return *this;
  }
  /// The union as a new sketch, at the smaller precision of the two.
  friend basic_dynamic_hyperloglog operator|(const basic_dynamic_hyperloglog& a, const basic_dynamic_hyperloglog& b) {
    basic_dynamic_hyperloglog out = a.precision() <= b.precision() ? a : b;
    out.merge(a.precision() <= b.precision() ? b : a);
    return out;
  }

  /// The exact fold to precision q ≤ precision(). Throws precision_error for
  /// q > precision() or q < 4. O(m), allocates 2^q bytes.
  basic_dynamic_hyperloglog reduce(unsigned q) const;

  // --- state --------------------------------------------------------------

  /// P, chosen at construction (changed only by merging a coarser sketch or
  /// assigning another one). O(1).
  unsigned precision() const noexcept { return static_cast<unsigned>(sketch_.index()) + min_precision; }
  /// m = 2^P. O(1).
  std::size_t register_count() const noexcept { return std::size_t{1} << precision(); }
  /// The largest register value at this precision (65 − P for the default layout).
  std::uint8_t max_rank() const noexcept { return Addressing::max_rank(precision()); }
  /// The m registers, read-only (see basic_sketch::registers(): of a sparse
  /// sketch, a view owning a materialised copy).
  register_view registers() const {
    return visit([](const auto& s) { return s.registers(); });
  }
  /// counts[v] = registers holding v.
  register_histogram histogram() const {
    return visit([](const auto& s) { return s.histogram(); });
  }
  bool empty() const noexcept {
    return visit([](const auto& s) { return s.empty(); });
  }
  /// basic_sketch::is_sparse(): tokens, no registers yet (docs/sparse.md).
  bool is_sparse() const noexcept {
    return visit([](const auto& s) { return s.is_sparse(); });
  }
  /// basic_sketch::densify(): forces the dense state.
  void densify() {
    visit([](auto& s) { s.densify(); });
  }
  /// basic_sketch::memory_bytes() of the held sketch + the rest of this object.
  std::size_t memory_bytes() const noexcept {
    return sizeof(*this) + visit([](const auto& s) { return s.memory_bytes() - sizeof(s); });
  }
  /// Back to the empty sketch at the same precision.
  void clear() noexcept {
    visit([](auto& s) { s.clear(); });
  }
  /// basic_sketch::refresh(): brings the summary current after a merge.
  void refresh() noexcept {
    visit([](auto& s) { s.refresh(); });
  }
  /// basic_sketch::current(): whether estimate() is O(1) now.
  bool current() const noexcept {
    return visit([](const auto& s) { return s.current(); });
  }
  const Hasher& hasher() const noexcept {
    return visit([](const auto& s) -> const Hasher& { return s.hasher(); });
  }
  allocator_type get_allocator() const noexcept {
    return visit([](const auto& s) { return s.get_allocator(); });
  }

  // --- serialisation (docs/FORMAT.md) -------------------------------------

  /// The native format of hyperloglog<precision()>, byte for byte, in
  /// encoding `e` (format.hpp; by default automatic, the smallest lossless one).
  std::vector<std::uint8_t> serialize(encoding e = encoding::automatic) const {
    return visit([e](const auto& s) { return s.serialize(e); });
  }
  /// The plain dense image's size, 24 + m + 8 bytes: what
  /// serialize(encoding::dense) writes, and an upper bound of serialize().
  std::size_t serialized_size() const noexcept { return format::header_size + register_count() + format::checksum_size; }

  /// Reads what hyperloglog<P>::serialize() (any P in 4..16) or serialize()
  /// wrote; the precision comes from the header. The checks, the messages
  /// and the guarantees are hyperloglog<P>::deserialize's (never reads
  /// outside [data, data + size); format_error naming the defect), plus
  /// "precision outside 4..16". Expects the default hasher; the overload
  /// takes the hasher (seed) to expect.
  static basic_dynamic_hyperloglog deserialize(const void* data, std::size_t size) {
    return deserialize(data, size, Hasher{}, Allocator{});
  }
  static basic_dynamic_hyperloglog deserialize(const void* data, std::size_t size, const Hasher& expected,
                                               const Allocator& alloc = Allocator{});

  /// Equal precisions, hashers and registers.
  friend bool operator==(const basic_dynamic_hyperloglog& a, const basic_dynamic_hyperloglog& b) {
    return a.sketch_ == b.sketch_;
  }
  friend bool operator!=(const basic_dynamic_hyperloglog& a, const basic_dynamic_hyperloglog& b) { return !(a == b); }

 private:
  template <std::size_t... I>
  static std::variant<fixed_type<static_cast<unsigned>(I) + min_precision>...> variant_for(std::index_sequence<I...>);
  using storage = decltype(variant_for(std::make_index_sequence<max_precision - min_precision + 1>{}));

  static storage make(unsigned precision, const Hasher& hasher, const Allocator& alloc) {
    return detail::with_precision(precision, [&](auto pc) {
      return storage(std::in_place_type<fixed_type<decltype(pc)::value>>, hasher, alloc);
    });
  }

  // A sparse sketch's tokens (precision-free), to be merged into a sketch of
  // another precision with detail::sparse_access::merge_tokens.
  std::vector<std::uint32_t> tokens() const {
    std::vector<std::uint32_t> out;
    visit([&out](const auto& s) {
      out.reserve(detail::sparse_access::token_count(s));
      detail::sparse_access::for_each_token(s, [&out](std::uint32_t t) { out.push_back(t); });
    });
    return out;
  }

  void check_compatible(const basic_dynamic_hyperloglog& other) const {
    if (!(hasher() == other.hasher()))
      throw incompatible_sketch_error(std::string("hashers differ (") + Hasher::name + " seed " +
                                      std::to_string(hasher().seed()) + " vs seed " +
                                      std::to_string(other.hasher().seed()) +
                                      "): the same key lands in different registers");
  }

  // The variant never becomes valueless: copy assignment between
  // alternatives copies first and then moves (basic_sketch's move is
  // noexcept), so an allocation failure leaves the old value.
  storage sketch_;
};

// --- implementation -------------------------------------------------------

HASHSKETCH_PIN_NAMESPACE_END

namespace detail {
template <class F>
decltype(auto) with_precision(unsigned p, F&& f) {
  switch (p) {
    case 4: return f(std::integral_constant<unsigned, 4>{});
    case 5: return f(std::integral_constant<unsigned, 5>{});
    case 6: return f(std::integral_constant<unsigned, 6>{});
    case 7: return f(std::integral_constant<unsigned, 7>{});
    case 8: return f(std::integral_constant<unsigned, 8>{});
    case 9: return f(std::integral_constant<unsigned, 9>{});
    case 10: return f(std::integral_constant<unsigned, 10>{});
    case 11: return f(std::integral_constant<unsigned, 11>{});
    case 12: return f(std::integral_constant<unsigned, 12>{});
    case 13: return f(std::integral_constant<unsigned, 13>{});
    case 14: return f(std::integral_constant<unsigned, 14>{});
    case 15: return f(std::integral_constant<unsigned, 15>{});
    case 16: return f(std::integral_constant<unsigned, 16>{});
    default: break;
  }
  throw precision_error("precision " + std::to_string(p) + " is outside 4..16");
}
}  // namespace detail

HASHSKETCH_PIN_NAMESPACE_BEGIN

template <class Hasher, class Allocator, class Addressing>
template <unsigned P>
auto basic_dynamic_hyperloglog<Hasher, Allocator, Addressing>::to_hyperloglog() const& -> fixed_type<P> {
  static_assert(P >= min_precision && P <= max_precision, "hashsketch: precision P must be in 4..16");
  if (const auto* same = std::get_if<fixed_type<P>>(&sketch_)) return *same;
  if (P > precision())
    throw precision_error("cannot convert a P=" + std::to_string(precision()) + " sketch to the finer P=" +
                          std::to_string(P));
  fixed_type<P> out(hasher(), get_allocator());
  if (is_sparse()) {  // tokens carry no precision: out holds the same ones
    const std::vector<std::uint32_t> t = tokens();
    detail::sparse_access::merge_tokens(out, t.data(), t.size());
    return out;
  }
  Addressing::fold(precision(), registers().data(), P, detail::register_access::data(out));
  detail::register_access::registers_changed(out);
  return out;
}

template <class Hasher, class Allocator, class Addressing>
template <unsigned P>
auto basic_dynamic_hyperloglog<Hasher, Allocator, Addressing>::to_hyperloglog() && -> fixed_type<P> {
  if (auto* same = std::get_if<fixed_type<P>>(&sketch_)) return std::move(*same);
  return static_cast<const basic_dynamic_hyperloglog&>(*this).template to_hyperloglog<P>();
}

template <class Hasher, class Allocator, class Addressing>
void basic_dynamic_hyperloglog<Hasher, Allocator, Addressing>::merge(const basic_dynamic_hyperloglog& other) {
  check_compatible(other);
  const unsigned p = precision(), q = other.precision();
  if (q < p) {
    // The result is coarser than *this: fold ourselves into a copy of other
    // (allocates; *this untouched until the noexcept move at the end).
    basic_dynamic_hyperloglog out = other;
    if (is_sparse()) {
      const std::vector<std::uint32_t> t = tokens();
      out.visit([&](auto& s) { detail::sparse_access::merge_tokens(s, t.data(), t.size()); });
    } else {
      out.visit([&](auto& s) {
        Addressing::fold(p, registers().data(), q, detail::register_access::data(s));
        detail::register_access::registers_changed_lazily(s);
      });
    }
    *this = std::move(out);
    return;
  }
  visit([&](auto& s) {
    using same_type = std::remove_reference_t<decltype(s)>;
    if (q == p) {
      s.merge(std::get<same_type>(other.sketch_));
    } else if (other.is_sparse()) {
      // other is finer and sparse: its tokens carry no precision (as in
      // basic_sketch::merge<Q>(finer)); a sparse *this stays sparse while
      // the union fits.
      const std::vector<std::uint32_t> t = other.tokens();
      detail::sparse_access::merge_tokens(s, t.data(), t.size());
    } else {
      // other is finer: fold it into our registers without a temporary, as
      // basic_sketch::merge<Q>(finer) does.
      Addressing::fold(q, other.registers().data(), p, detail::register_access::data(s));
      detail::register_access::registers_changed_lazily(s);
    }
  });
}

template <class Hasher, class Allocator, class Addressing>
auto basic_dynamic_hyperloglog<Hasher, Allocator, Addressing>::reduce(unsigned q) const -> basic_dynamic_hyperloglog {
  if (q > precision())
    throw precision_error("cannot fold P=" + std::to_string(precision()) + " to the finer P=" + std::to_string(q));
  basic_dynamic_hyperloglog out(q, hasher(), get_allocator());
  if (is_sparse()) {  // the same tokens, sparse while they fit 2^q bytes
    const std::vector<std::uint32_t> t = tokens();
    out.visit([&](auto& s) { detail::sparse_access::merge_tokens(s, t.data(), t.size()); });
    return out;
  }
  out.visit([&](auto& s) {
    Addressing::fold(precision(), registers().data(), q, detail::register_access::data(s));
    detail::register_access::registers_changed(s);
  });
  return out;
}

template <class Hasher, class Allocator, class Addressing>
auto basic_dynamic_hyperloglog<Hasher, Allocator, Addressing>::deserialize(const void* data, std::size_t size,
                                                                           const Hasher& expected,
                                                                           const Allocator& alloc)
    -> basic_dynamic_hyperloglog {
  // Header bytes 0..6: magic, version, kind, precision (docs/FORMAT.md).
  constexpr std::size_t precision_offset = 6;
  const auto* bytes = static_cast<const unsigned char*>(data);
  unsigned p = max_precision;  // when unreadable: hyperloglog<16>'s reader names the defect
  if (size > precision_offset) {
    const bool ours = std::equal(bytes, bytes + 4, format::magic) && bytes[4] == format::version &&
                      bytes[5] == hll_family::kind_id;
    const unsigned stored = bytes[precision_offset];
    if (stored >= min_precision && stored <= max_precision)
      p = stored;
    else if (ours)
      throw format_error("precision " + std::to_string(stored) + " is outside 4..16");
  }
  return detail::with_precision(p, [&](auto pc) -> basic_dynamic_hyperloglog {
    return fixed_type<decltype(pc)::value>::deserialize(data, size, expected, alloc);
  });
}

HASHSKETCH_PIN_NAMESPACE_END

}  // namespace hashsketch

#endif  // HASHSKETCH_DYNAMIC_HYPERLOGLOG_HPP
