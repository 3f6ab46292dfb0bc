#ifndef HASHSKETCH_DETAIL_KEY_OVERLOADS_HPP
#define HASHSKETCH_DETAIL_KEY_OVERLOADS_HPP

// The key rules every sketch and sampler shares (issue 13 items 2 and 3), in
// one place so that hyperloglog, ultraloglog, martingale, postgres_hyperloglog,
// hash_sampler, hash_partitioner and time_window cannot drift apart:
//   - every integer type but bool is a key, hashed by the hasher's own
//     overload (or, lacking one, as its value converted to std::uint64_t:
//     signed types sign-extend, so add(int8_t{-1}) == add(~0ULL));
//   - an enum is its underlying integer;
//   - float/double only where the hasher declares `hashes_floating`; elsewhere
//     a deleted overload, so add(3.2) is never silently add(3);
//   - bool and nullptr never (deleted);
//   - strings (anything convertible to std::string_view) hash their bytes;
//   - a type with key_traits<T> hashes its canonical key_bytes (key_traits.hpp);
//   - (pointer, size) hashes size bytes as ONE key and takes only character
//     and byte pointers; any other pointer stops at a static_assert naming
//     add_many, so `add(keys.data(), keys.size())` with integer keys does
//     not compile.
// basic_sketch spells its overloads out (it was first); the classes that came
// later call key_hash()/key_is_typed/key_is_deleted from here.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "../key_traits.hpp"

namespace hashsketch {
namespace detail {

/// Integer types that add(Int) takes: every integral type but bool.
template <class T>
struct is_integer_key
    : std::integral_constant<bool, std::is_integral<T>::value && !std::is_same<std::remove_cv_t<T>, bool>::value> {};
/// Pointee types of add(pointer, size): character and byte types only.
template <class T>
struct is_byte_like
    : std::integral_constant<bool, std::is_same<std::remove_cv_t<T>, char>::value ||
                                       std::is_same<std::remove_cv_t<T>, unsigned char>::value ||
                                       std::is_same<std::remove_cv_t<T>, signed char>::value ||
                                       std::is_same<std::remove_cv_t<T>, std::byte>::value> {};
/// A hasher opts into floating-point keys with `static constexpr bool
/// hashes_floating = true` and an operator() for the type (float, double;
/// long double never: no engine defines its bytes).
template <class H, class F, class = void>
struct hasher_hashes_floating : std::false_type {};
template <class H, class F>
struct hasher_hashes_floating<H, F, std::enable_if_t<H::hashes_floating>>
    : std::integral_constant<bool, !std::is_same<std::remove_cv_t<F>, long double>::value> {};

/// K (cv/ref removed) is a key of hasher H: add(const K&) exists.
template <class H, class K, class U = std::remove_cv_t<std::remove_reference_t<K>>>
struct key_is_typed
    : std::integral_constant<bool, is_integer_key<U>::value || std::is_enum<U>::value ||
                                       (std::is_floating_point<U>::value && hasher_hashes_floating<H, U>::value) ||
                                       (std::is_convertible<const U&, std::string_view>::value &&
                                        !std::is_same<U, std::nullptr_t>::value) ||
                                       has_key_traits<U>::value> {};
/// K is a type someone could mean as a key but that has no safe rule:
/// bool, nullptr, floating point without a hasher rule. add(K) is deleted.
template <class H, class K, class U = std::remove_cv_t<std::remove_reference_t<K>>>
struct key_is_deleted
    : std::integral_constant<bool, std::is_same<U, bool>::value || std::is_same<U, std::nullptr_t>::value ||
                                       (std::is_floating_point<U>::value && !hasher_hashes_floating<H, U>::value)> {};

/// Sketch::add(key) with a const K& compiles (deleted overloads do not).
template <class Sketch, class K, class = void>
struct sketch_takes_key : std::false_type {};
template <class Sketch, class K>
struct sketch_takes_key<Sketch, K, std::void_t<decltype(std::declval<Sketch&>().add(std::declval<const K&>()))>>
    : std::true_type {};

/// add(const K&) never throws unless it encodes a key_traits type (which may
/// allocate for keys longer than 256 bytes).
template <class K>
struct key_add_is_noexcept
    : std::integral_constant<bool, !has_key_traits<std::remove_cv_t<std::remove_reference_t<K>>>::value ||
                                       std::is_convertible<const K&, std::string_view>::value> {};

/// The hash of a typed key under hasher h (the rules in the header comment).
template <class H, class K>
auto key_hash(const H& h, const K& key) noexcept(key_add_is_noexcept<K>::value) {
  using U = std::remove_cv_t<K>;
  static_assert(key_is_typed<H, U>::value, "hashsketch: not a key type");
  if constexpr (std::is_enum<U>::value) {
    return key_hash(h, static_cast<std::underlying_type_t<U>>(key));
  } else if constexpr (is_integer_key<U>::value || std::is_floating_point<U>::value) {
    return h(key);
  } else if constexpr (std::is_convertible<const U&, std::string_view>::value) {
    const std::string_view s(key);
    return h(static_cast<const void*>(s.data()), s.size());
  } else {
    return with_key_bytes(key, [&h](const void* data, std::size_t size) { return h(data, size); });
  }
}

/// The body of every add(const T*, size) overload with a non-byte T: stops
/// compilation with one message (instantiated only when called).
template <class T>
constexpr bool reject_non_byte_pointer() noexcept {
  static_assert(is_byte_like<T>::value,
                "hashsketch: (pointer, size) hashes size bytes as ONE key and takes only char, unsigned char, "
                "signed char or std::byte pointers; for an array of n integer keys call add_many(keys, n) or "
                "add(keys[i]) in a loop");
  return false;
}

}  // namespace detail
}  // namespace hashsketch

#endif  // HASHSKETCH_DETAIL_KEY_OVERLOADS_HPP
