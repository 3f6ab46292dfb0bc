#ifndef HASHSKETCH_KEY_TRAITS_HPP
#define HASHSKETCH_KEY_TRAITS_HPP

// key_traits<T>: the customisation point that lets a sketch add a user type.
//
//   struct page_view { std::uint32_t site; std::uint64_t user; char pad_[4]; };
//   template <> struct hashsketch::key_traits<page_view> {
//     static auto fields(const page_view& v) { return std::tie(v.site, v.user); }
//   };
//   hashsketch::hyperloglog<14> s;
//   s.add(page_view{7, 42, {}});      // hashes site and user, never the padding
//
// A sketch never hashes an object's bytes (padding bytes are indeterminate, so
// equal keys could hash differently). It hashes key_bytes(key): a canonical
// encoding of exactly the fields that fields() names, in that order, the same
// on every host and compiler:
//   - bool: 1 byte, 0 or 1;
//   - any other integer, char types and enums included (enums by their
//     underlying type): the value widened to 64 bits (signed types
//     sign-extend, unsigned zero-extend), 8 little-endian bytes — so changing
//     a field from int32 to int64 keeps the hashes of the values it held;
//   - float and double: the value as a double, canonicalised (−0.0 → +0.0,
//     every NaN → 0x7ff8000000000000), its 8 IEEE bytes little-endian;
//   - anything convertible to std::string_view (std::string, const char*):
//     the length as 8 little-endian bytes, then the bytes — the length prefix
//     keeps ("ab", "c") and ("a", "bc") apart;
//   - a type with its own key_traits: its encoding, recursively.
// Any other field type is a compile error naming it. fields() may return a
// std::tuple of references (std::tie) or of values (std::make_tuple).
//
// Keys whose encoding fits 256 bytes are encoded on the stack; longer ones
// allocate (std::bad_alloc propagates from add()).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace hashsketch {

/// Specialise for a user type with `static auto fields(const T&)` returning a
/// tuple of the fields that make up the key (see the header comment). The
/// primary template is empty: a type without a specialisation is not a key.
template <class T>
struct key_traits {};

namespace detail {

template <class T, class = void>
struct has_key_traits : std::false_type {};
template <class T>
struct has_key_traits<T, std::void_t<decltype(key_traits<T>::fields(std::declval<const T&>()))>> : std::true_type {};

template <class T>
struct key_always_false : std::false_type {};

/// Two passes over the same fields: one that only counts bytes (Out = size
/// counter) and one that writes them.
class key_size_counter {
 public:
  void put(const void*, std::size_t n) noexcept { size_ += n; }
  std::size_t size() const noexcept { return size_; }

 private:
  std::size_t size_ = 0;
};
class key_byte_writer {
 public:
  explicit key_byte_writer(unsigned char* out) noexcept : out_(out) {}
  void put(const void* p, std::size_t n) noexcept {
    if (n != 0) std::memcpy(out_, p, n);
    out_ += n;
  }

 private:
  unsigned char* out_;
};

template <class Out>
void put_le64(Out& out, std::uint64_t v) noexcept {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  out.put(b, 8);
}

template <class Out, class T>
void encode_key_field(Out& out, const T& v) noexcept;

template <class Out, class Tuple, std::size_t... I>
void encode_key_tuple(Out& out, const Tuple& t, std::index_sequence<I...>) noexcept {
  (encode_key_field(out, std::get<I>(t)), ...);
}

template <class Out, class T>
void encode_key_field(Out& out, const T& v) noexcept {
  using U = std::remove_cv_t<std::remove_reference_t<T>>;
  if constexpr (std::is_same<U, bool>::value) {
    const unsigned char b = v ? 1 : 0;
    out.put(&b, 1);
  } else if constexpr (std::is_enum<U>::value) {
    encode_key_field(out, static_cast<std::underlying_type_t<U>>(v));
  } else if constexpr (std::is_integral<U>::value) {
    // Signed types sign-extend through int64, unsigned ones zero-extend.
    if constexpr (std::is_signed<U>::value)
      put_le64(out, static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
    else
      put_le64(out, static_cast<std::uint64_t>(v));
  } else if constexpr (std::is_same<U, float>::value || std::is_same<U, double>::value) {
    double d = static_cast<double>(v);
    std::uint64_t bits;
    if (std::isnan(d)) {
      bits = 0x7ff8000000000000ULL;
    } else {
      if (d == 0.0) d = 0.0;  // −0.0 → +0.0
      std::memcpy(&bits, &d, sizeof bits);
    }
    put_le64(out, bits);
  } else if constexpr (std::is_array<U>::value) {
    // A char array would convert to string_view through strlen and read past
    // an unterminated field: name the bytes explicitly instead.
    static_assert(key_always_false<U>::value,
                  "hashsketch: a key_traits field may not be an array; return std::string_view(field, size) "
                  "for a fixed-size character field");
  } else if constexpr (std::is_convertible<const U&, std::string_view>::value) {
    const std::string_view s(v);
    put_le64(out, static_cast<std::uint64_t>(s.size()));
    out.put(s.data(), s.size());
  } else if constexpr (has_key_traits<U>::value) {
    const auto fields = key_traits<U>::fields(v);
    encode_key_tuple(out, fields, std::make_index_sequence<std::tuple_size<decltype(fields)>::value>{});
  } else {
    static_assert(key_always_false<U>::value,
                  "hashsketch: a key_traits field must be an integer, enum, bool, float/double, a string "
                  "(convertible to std::string_view) or a type with its own key_traits");
  }
}

/// Calls f(data, size) with the canonical encoding of key.
template <class T, class F>
decltype(auto) with_key_bytes(const T& key, F&& f) {
  static_assert(has_key_traits<T>::value, "hashsketch: specialise hashsketch::key_traits<T> to add this type");
  key_size_counter counter;
  encode_key_field(counter, key);
  constexpr std::size_t inline_size = 256;
  if (counter.size() <= inline_size) {
    unsigned char buffer[inline_size];
    key_byte_writer w(buffer);
    encode_key_field(w, key);
    return f(static_cast<const void*>(buffer), counter.size());
  }
  std::vector<unsigned char> buffer(counter.size());
  key_byte_writer w(buffer.data());
  encode_key_field(w, key);
  return f(static_cast<const void*>(buffer.data()), buffer.size());
}

}  // namespace detail

/// The canonical bytes a sketch hashes for a key_traits type (see the header
/// comment). O(encoded size); allocates the returned vector.
template <class T, std::enable_if_t<detail::has_key_traits<T>::value, int> = 0>
std::vector<unsigned char> key_bytes(const T& key) {
  return detail::with_key_bytes(key, [](const void* p, std::size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    return std::vector<unsigned char>(c, c + n);
  });
}

}  // namespace hashsketch

#endif  // HASHSKETCH_KEY_TRAITS_HPP
