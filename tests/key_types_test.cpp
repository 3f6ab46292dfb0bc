// Typed keys: every integer width and signedness, floating point where the
// hasher has a rule (DataSketches), the deleted overloads (bool, nullptr,
// floating point on other hashers), the byte overloads, and key_traits<T>
// for user types.
#include <hashsketch/datasketches.hpp>
#include <hashsketch/hyperloglog.hpp>
#include <hashsketch/key_traits.hpp>
#include <hashsketch/redis.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "hashsketch_catch.hpp"

namespace hs = hashsketch;

namespace {

// --- what compiles -----------------------------------------------------------
template <class S, class K, class = void>
struct can_add : std::false_type {};
template <class S, class K>
struct can_add<S, K, std::void_t<decltype(std::declval<S&>().add(std::declval<K>()))>> : std::true_type {};

using native = hs::hyperloglog<12>;
using ds = hs::datasketches_hyperloglog<12>;

// Every integer type is a key on every sketch; bool and nullptr on none.
static_assert(can_add<native, std::int8_t>::value && can_add<native, std::uint16_t>::value &&
                  can_add<native, std::int32_t>::value && can_add<native, std::uint64_t>::value &&
                  can_add<native, long long>::value && can_add<native, char>::value,
              "integers are keys");
static_assert(can_add<ds, std::int8_t>::value && can_add<ds, std::uint32_t>::value && can_add<ds, long>::value,
              "integers are keys");
static_assert(!can_add<native, bool>::value && !can_add<ds, bool>::value && !can_add<hs::redis_hyperloglog, bool>::value,
              "bool is not a key");
static_assert(!can_add<native, std::nullptr_t>::value && !can_add<ds, std::nullptr_t>::value,
              "nullptr is not a key");
// Floating point: only where the hasher has a rule (DataSketches' update(double)).
static_assert(can_add<ds, double>::value && can_add<ds, float>::value, "DataSketches hashes doubles");
static_assert(!can_add<ds, long double>::value, "no engine defines long double bytes");
static_assert(!can_add<native, double>::value && !can_add<native, float>::value &&
                  !can_add<hs::redis_hyperloglog, double>::value,
              "xxh3 and Redis have no floating rule: add(3.2) must not silently become add(3)");
// Strings and literals still work.
static_assert(can_add<native, const char*>::value && can_add<native, std::string>::value &&
                  can_add<native, std::string_view>::value && can_add<native, const char (&)[6]>::value,
              "strings are keys");

// --- the DataSketches typed vectors --------------------------------------------
struct typed_example {
  std::string type, value;
  std::uint32_t coupon;
};

std::string field(const std::string& line, const std::string& name) {
  const std::string tag = "\"" + name + "\": ";
  const std::size_t at = line.find(tag);
  REQUIRE(at != std::string::npos);
  std::size_t start = at + tag.size(), end;
  if (line[start] == '"') {
    ++start;
    end = line.find('"', start);
  } else {
    end = line.find_first_of(",}", start);
  }
  REQUIRE(end != std::string::npos);
  return line.substr(start, end - start);
}

std::vector<typed_example> read_typed_examples() {
  std::ifstream in(std::string(HASHSKETCH_TEST_DATA_DIR) + "/datasketches/hash_examples_typed.json");
  REQUIRE(in);
  std::vector<typed_example> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"type\"") == std::string::npos) continue;
    out.push_back({field(line, "type"), field(line, "value"),
                   static_cast<std::uint32_t>(std::stoul(field(line, "coupon")))});
  }
  return out;
}

double parse_double(const std::string& v) {
  if (v == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (v.rfind("-NaN(payload 0x", 0) == 0) {
    const std::uint64_t bits = std::stoull(v.substr(15), nullptr, 16);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    REQUIRE(std::isnan(d));
    return d;
  }
  if (v == "inf") return std::numeric_limits<double>::infinity();
  return std::stod(v);  // "-0.0" parses to −0.0
}

// Adds one typed value through our add() and returns the sketch.
ds add_typed(const typed_example& e) {
  ds s;
  const std::string& t = e.type;
  const std::string& v = e.value;
  if (t == "int64_t") s.add(static_cast<std::int64_t>(std::stoll(v)));
  else if (t == "uint64_t") s.add(static_cast<std::uint64_t>(std::stoull(v)));
  else if (t == "int32_t") s.add(static_cast<std::int32_t>(std::stol(v)));
  else if (t == "uint32_t") s.add(static_cast<std::uint32_t>(std::stoul(v)));
  else if (t == "int16_t") s.add(static_cast<std::int16_t>(std::stoi(v)));
  else if (t == "uint16_t") s.add(static_cast<std::uint16_t>(std::stoul(v)));
  else if (t == "int8_t") s.add(static_cast<std::int8_t>(std::stoi(v)));
  else if (t == "uint8_t") s.add(static_cast<std::uint8_t>(std::stoul(v)));
  else if (t == "double") s.add(parse_double(v));
  else if (t == "float") s.add(static_cast<float>(std::stof(v)));
  else FAIL("unknown type " << t);
  return s;
}

}  // namespace

TEST_CASE("every typed add lands on DataSketches' coupon (hash_examples_typed.json)", "[datasketches]") {
  const std::vector<typed_example> examples = read_typed_examples();
  std::set<std::string> types;
  for (const typed_example& e : examples) {
    INFO(e.type << " " << e.value << " coupon " << e.coupon);
    types.insert(e.type);
    const ds s = add_typed(e);
    // coupon = rank << 26 | low 26 bits of h1; at lg_k 12 the register is the
    // low 12 bits and holds the rank; every other register stays 0.
    const std::size_t slot = e.coupon & 0xFFFu;
    const unsigned rank = e.coupon >> 26;
    std::size_t nonzero = 0;
    for (std::uint8_t r : s.registers()) nonzero += r != 0;
    CHECK(nonzero == 1);
    CHECK(unsigned{s.registers()[slot]} == rank);
  }
  // Every typed update overload of the reference library is covered.
  const std::set<std::string> expected = {"int64_t", "uint64_t", "int32_t", "uint32_t", "int16_t",
                                          "uint16_t", "int8_t",  "uint8_t",  "double",   "float"};
  CHECK(types == expected);
  CHECK(examples.size() >= 24);
}

TEST_CASE("DataSketches typed keys: the widening and canonicalisation rules", "[datasketches]") {
  ds a, b;
  // 3.2 and 3.9 are different keys (they were one, 3, before typed overloads).
  a.add(3.2);
  b.add(3.9);
  CHECK(a != b);
  // −0.0 and +0.0 are one key; every NaN is one key; float goes through double.
  ds z1, z2, n1, n2, f1, f2;
  z1.add(0.0);
  z2.add(-0.0);
  CHECK(z1 == z2);
  n1.add(std::numeric_limits<double>::quiet_NaN());
  n2.add(-std::numeric_limits<double>::signaling_NaN());
  CHECK(n1 == n2);
  f1.add(2.5f);
  f2.add(2.5);
  CHECK(f1 == f2);
  // uint32 0xFFFFFFFF hashes like int32 −1 like int64 −1 (DataSketches'
  // update(uint32_t) casts to int32_t first).
  ds u, i, l;
  u.add(std::uint32_t{0xFFFFFFFF});
  i.add(std::int32_t{-1});
  l.add(std::int64_t{-1});
  CHECK(u == i);
  CHECK(i == l);
}

TEST_CASE("native sketches: integer keys convert to uint64 (sign- or zero-extended), unchanged from 0.1.0") {
  native a, b, c, d;
  a.add(std::int32_t{-1});
  b.add(std::uint64_t{0xFFFFFFFFFFFFFFFFull});
  CHECK(a == b);
  c.add(std::uint32_t{0xFFFFFFFF});
  d.add(std::uint64_t{0xFFFFFFFFull});
  CHECK(c == d);
  CHECK(c != a);
  native e, f;
  e.add(std::uint8_t{7});
  f.add(7);
  CHECK(e == f);
}

TEST_CASE("enumerations are added as their underlying integer (0.1.0 converted unscoped ones implicitly)") {
  enum plain : int { minus_one = -1 };
  enum class small : std::uint16_t { top = 0xFFFF };
  native a, b, c, d;
  a.add(minus_one);
  b.add(-1);
  CHECK(a == b);
  c.add(small::top);
  d.add(std::uint16_t{0xFFFF});
  CHECK(c == d);
  ds e, f;
  e.add(small::top);
  f.add(std::int16_t{-1});  // DataSketches: uint16 → int16 → int64
  CHECK(e == f);
}

TEST_CASE("the byte overloads take char, unsigned char, signed char and std::byte pointers alike") {
  const char text[] = {'k', 'e', 'y', '-', '1'};
  unsigned char u[5];
  signed char sc[5];
  std::byte b[5];
  std::memcpy(u, text, 5);
  std::memcpy(sc, text, 5);
  std::memcpy(b, text, 5);
  native s1, s2, s3, s4, s5;
  s1.add(text, 5);
  s2.add(u, 5);
  s3.add(sc, 5);
  s4.add(b, 5);
  s5.add(std::string_view(text, 5));
  CHECK(s1 == s5);
  CHECK(s2 == s5);
  CHECK(s3 == s5);
  CHECK(s4 == s5);
}

// --- key_traits ---------------------------------------------------------------

namespace shop {
enum class channel : std::uint8_t { web = 1, app = 2 };
// Padding between site and user (and after flag) on every common ABI.
struct visit {
  std::uint8_t site;
  std::uint64_t user;
  bool flag;
};
struct order_line {
  visit who;
  std::string sku;
  channel via;
  double price;
};
}  // namespace shop

template <>
struct hashsketch::key_traits<shop::visit> {
  static auto fields(const shop::visit& v) { return std::tie(v.site, v.user, v.flag); }
};
template <>
struct hashsketch::key_traits<shop::order_line> {
  static auto fields(const shop::order_line& o) { return std::tie(o.who, o.sku, o.via, o.price); }
};

namespace {
struct no_traits {
  int x;
};
static_assert(!can_add<native, no_traits>::value, "a type without key_traits is not a key");
static_assert(can_add<native, shop::visit>::value && can_add<ds, shop::order_line>::value, "key_traits types are keys");

std::vector<unsigned char> le64(std::uint64_t v) {
  std::vector<unsigned char> b(8);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  return b;
}
void append(std::vector<unsigned char>& to, const std::vector<unsigned char>& more) {
  to.insert(to.end(), more.begin(), more.end());
}
}  // namespace

TEST_CASE("key_traits: the documented canonical encoding, field by field") {
  const shop::visit v{7, 0x0102030405060708ull, true};
  std::vector<unsigned char> want = le64(7);
  append(want, le64(0x0102030405060708ull));
  want.push_back(1);
  CHECK(hs::key_bytes(v) == want);

  const shop::order_line o{v, "sku-9", shop::channel::app, -0.0};
  std::vector<unsigned char> want2 = want;
  append(want2, le64(5));
  for (char c : std::string("sku-9")) want2.push_back(static_cast<unsigned char>(c));
  append(want2, le64(2));
  append(want2, le64(0));  // −0.0 is hashed as +0.0
  CHECK(hs::key_bytes(o) == want2);
}

TEST_CASE("key_traits: padding bytes never reach the hash") {
  // Two objects with equal fields and different padding bytes.
  alignas(shop::visit) unsigned char raw1[sizeof(shop::visit)], raw2[sizeof(shop::visit)];
  std::memset(raw1, 0x00, sizeof raw1);
  std::memset(raw2, 0xA5, sizeof raw2);
  auto* a = new (raw1) shop::visit;
  auto* b = new (raw2) shop::visit;
  a->site = b->site = 3;
  a->user = b->user = 99;
  a->flag = b->flag = false;
  REQUIRE(sizeof(shop::visit) > 1 + 8 + 1);                 // there is padding
  REQUIRE(std::memcmp(raw1, raw2, sizeof raw1) != 0);       // and it differs
  native s1, s2, via_bytes;
  s1.add(*a);
  s2.add(*b);
  CHECK(s1 == s2);
  CHECK_FALSE(s1.empty());
  // add(key) is add of its canonical bytes, with any hasher.
  const std::vector<unsigned char> bytes = hs::key_bytes(*a);
  via_bytes.add(bytes.data(), bytes.size());
  CHECK(s1 == via_bytes);
  ds d1, d2;
  d1.add(*a);
  d2.add(bytes.data(), bytes.size());
  CHECK(d1 == d2);
}

TEST_CASE("key_traits: distinct field values are distinct keys, long keys use the heap path") {
  // The string's length prefix keeps "ab" + channel apart from "abc" + channel.
  const shop::order_line x{{1, 2, false}, "ab", shop::channel::web, 1.0};
  const shop::order_line y{{1, 2, false}, "abc", shop::channel::web, 1.0};
  CHECK(hs::key_bytes(x) != hs::key_bytes(y));
  // Encodings above 256 bytes take the allocating path; same hash as the bytes.
  const shop::order_line big{{1, 2, true}, std::string(1000, 'z'), shop::channel::app, 2.5};
  const std::vector<unsigned char> bytes = hs::key_bytes(big);
  REQUIRE(bytes.size() > 256);
  native s1, s2;
  s1.add(big);
  s2.add(bytes.data(), bytes.size());
  CHECK(s1 == s2);
  // Many distinct structs: counted like any keys (|error| ≤ 5·RSE at n = 20 000).
  native many;
  for (std::uint64_t i = 0; i < 20000; ++i) many.add(shop::visit{static_cast<std::uint8_t>(i % 7), i / 7, i % 2 == 0});
  CHECK(std::fabs(many.estimate() - 20000.0) <= 5.0 * native::relative_standard_error() * 20000.0);
}
