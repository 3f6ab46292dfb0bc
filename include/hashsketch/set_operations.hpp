#ifndef HASHSKETCH_SET_OPERATIONS_HPP
#define HASHSKETCH_SET_OPERATIONS_HPP

// Set operations over many sketches at once, at memory speed:
//
//   std::vector<hashsketch::hyperloglog<14>> minutes = ...;   // one per minute
//   auto hour = hashsketch::merge_all(minutes.begin(), minutes.end());
//   double both = hashsketch::estimate_union(monday, tuesday);  // |A ∪ B|, no union built
//
// merge_all is the k-way union (register-wise max of k sketches) written into
// one result: each input is read once, no intermediate sketch is made, and
// the result's histogram is built once at the end. estimate_union reads two
// sketches once and estimates their union without writing any registers.
// Both work for every sketch type (any family, precision, hasher, allocator,
// layout); both require equal hashers (same seed) and throw
// incompatible_sketch_error otherwise — the same key would land in
// different registers, so the union would be meaningless.
//
// Thread-safety: the inputs are only read (any number of concurrent callers
// may share them while nobody writes them); the result is a new object.

#include <cstddef>
#include <cstring>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>

#include "basic_sketch.hpp"
#include "detail/dispatch.hpp"
#include "errors.hpp"
#include "estimators.hpp"

namespace hashsketch {

namespace detail {
/// merge_all accepts ranges of sketches and ranges of pointers to sketches.
template <class Sketch>
const Sketch& sketch_ref(const Sketch& s) noexcept {
  return s;
}
template <class Sketch>
const Sketch& sketch_ref(const Sketch* s) noexcept {
  return *s;
}
template <class Sketch>
const Sketch& sketch_ref(Sketch* s) noexcept {
  return *s;
}
template <class InputIt>
using merge_all_result_t = std::decay_t<decltype(sketch_ref(*std::declval<InputIt&>()))>;

template <class Hasher>
void check_same_hasher(const Hasher& expected, const Hasher& got, std::size_t position) {
  if (!(expected == got))
    throw incompatible_sketch_error(std::string("hashers differ (") + Hasher::name + " seed " +
                                    std::to_string(expected.seed()) + " vs seed " + std::to_string(got.seed()) +
                                    " at position " + std::to_string(position) +
                                    "): the same key lands in different registers");
}

// merge_all's loop; `position` numbers the first input in error messages.
// Dense into dense goes through the SIMD kernel with the summary rebuilt
// once at the end; any pair with a sparse side through Sketch::merge, which
// applies the state rules (and rebuilds a stale summary before it updates
// registers token by token).
template <class InputIt, class Sketch>
Sketch merge_all_into(InputIt first, InputIt last, Sketch init, std::size_t position) {
  const detail::kernel_table& k = detail::kernels();
  for (; first != last; ++first, ++position) {
    const Sketch& s = detail::sketch_ref(*first);
    detail::check_same_hasher(init.hasher(), s.hasher(), position);
    if (init.is_sparse() || s.is_sparse()) {
      init.merge(s);
    } else {
      k.merge_max(detail::register_access::data(init), s.registers().data(), Sketch::register_count);
      detail::register_access::registers_changed_lazily(init);
    }
  }
  init.refresh();
  return init;
}
}  // namespace detail

/// The union of every sketch in [first, last) (sketches, or pointers to
/// sketches, all of one type), added into `init`, which is returned: equal,
/// register for register and in its state, to init | s_1 | … | s_k, and to
/// the sketch of the union of all their keys.
/// States (basic_sketch): while init and the inputs are sparse the tokens
/// are united (init stays sparse while they fit, docs/sparse.md); a dense
/// input makes init dense, and sparse inputs are applied to its registers
/// token by token.
/// Complexity: O(k·m) with the SIMD merge kernel over dense inputs (O(n_i)
/// for a sparse one), each input read once, `init`'s registers staying
/// cache-resident; one summary pass at the end (none when the range is empty
/// and init is current). The result is current (Sketch::current()): its
/// estimate() needs no register pass.
/// No allocation beyond `init` itself (and its promotion, if the tokens
/// outgrow the sparse state).
/// Throws incompatible_sketch_error (naming the position in the range) if a
/// sketch's hasher differs from init's; `init` (a copy) is then discarded.
template <class InputIt, class Sketch>
Sketch merge_all(InputIt first, InputIt last, Sketch init) {
  static_assert(std::is_same<detail::merge_all_result_t<InputIt>, Sketch>::value,
                "hashsketch::merge_all: the range must hold sketches (or pointers to them) of init's type");
  return detail::merge_all_into(first, last, std::move(init), 0);
}

/// The union of every sketch in [first, last) (sketches, or pointers to
/// sketches, all of one type), as one new sketch with the first one's hasher
/// and allocator. Same as merge_all(std::next(first), last, *first).
/// An empty range gives an empty sketch with a default-constructed hasher
/// and allocator (the union of nothing); when the sketches use a non-default
/// hasher (seed), pass an empty sketch with it as `init` instead, so the
/// result stays mergeable with them.
/// Complexity, memory and errors: as the overload with `init` (the first
/// sketch is copied, not merged into an empty one).
template <class InputIt>
detail::merge_all_result_t<InputIt> merge_all(InputIt first, InputIt last) {
  using sketch = detail::merge_all_result_t<InputIt>;
  if (first == last) return sketch{};
  sketch out(detail::sketch_ref(*first));
  ++first;
  return detail::merge_all_into(first, last, std::move(out), 1);
}

/// |A ∪ B| estimated without materialising the union: one pass over both
/// register arrays computes the summary of max(a, b) that the family's
/// estimator reads (register_stats for HyperLogLog, a histogram otherwise).
/// Always equal to (a | b).estimate(), at about the cost of reading a and b
/// once. O(m), no allocation, for two dense sketches; with a sparse operand
/// it is (a | b).estimate() itself (O(n + m), allocates the union: the
/// sparse estimate needs the united tokens). Throws incompatible_sketch_error
/// if the hashers differ.
template <class Family, unsigned P, class Hasher, class Allocator, class Addressing, class... Estimator>
double estimate_union(const basic_sketch<Family, P, Hasher, Allocator, Addressing>& a,
                      const basic_sketch<Family, P, Hasher, Allocator, Addressing>& b, Estimator... e) {
  static_assert(sizeof...(Estimator) == 0 || Family::has_estimator_choice,
                "hashsketch::estimate_union: this family has no estimator choice");
  using sketch = basic_sketch<Family, P, Hasher, Allocator, Addressing>;
  detail::check_same_hasher(a.hasher(), b.hasher(), 1);
  if (a.is_sparse() || b.is_sparse()) return (a | b).estimate(e...);
  constexpr std::size_t m = sketch::register_count;
  constexpr unsigned q = sketch::max_rank - 1u;
  const detail::kernel_table& k = detail::kernels();
  if constexpr (detail::family_has_stats_estimate<Family>::value && register_stats_fit(m, q)) {
    register_stats st;
    k.merge_stats(a.registers().data(), b.registers().data(), m, q, &st);
    return Family::estimate(st, m, q, e...);
  } else {
    register_histogram h;
    k.merge_histogram(a.registers().data(), b.registers().data(), m, h.data());
    return Family::estimate(h, m, q, e...);
  }
}

}  // namespace hashsketch

#endif  // HASHSKETCH_SET_OPERATIONS_HPP
