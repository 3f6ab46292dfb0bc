// DataSketches coupon modes (LIST and SET), against the golden images of the
// reference implementation (tests/data/datasketches, see PROVENANCE.md): the
// replay of DataSketches' coupon list / hash set gives every LIST and SET
// image byte for byte, compact and updatable; the reader gives back exactly
// the keys' coupons and rejects every defect (named defects, every
// truncation, every bit flip — the last two under ASan/UBSan with the bytes
// past the buffer poisoned).
#include "hashsketch_catch.hpp"
#include "support/test_files.hpp"
#include "support/with_precision.hpp"

#include <hashsketch/datasketches.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HASHSKETCH_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HASHSKETCH_TEST_ASAN 1
#endif
#ifdef HASHSKETCH_TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace hs = hashsketch;
namespace hd = hashsketch::detail;

namespace {

using bytes = std::vector<std::uint8_t>;

const std::string data_dir = std::string(HASHSKETCH_TEST_DATA_DIR) + "/datasketches/";

bytes read_file(const std::string& path) { return hashsketch_test::read_binary_file(path); }

// One line of index.tsv (fields copied from the reference manifest).
struct vector_row {
  std::map<std::string, std::string> f;
  const std::string& operator[](const std::string& k) const { return f.at(k); }
  unsigned lg_k() const { return static_cast<unsigned>(std::stoul(f.at("lg_k"))); }
  std::uint64_t n() const { return std::stoull(f.at("n")); }
  unsigned tgt() const { return f.at("tgt_type") == "HLL_4" ? 0u : f.at("tgt_type") == "HLL_6" ? 1u : 2u; }
  bool compact() const { return f.at("serialization") == "compact"; }
  bytes image() const { return read_file(data_dir + "images/" + f.at("file")); }
};

const std::vector<vector_row>& rows() {
  static const std::vector<vector_row> all = [] {
    std::vector<vector_row> out;
    for (auto& f : hashsketch_test::read_tsv(data_dir + "index.tsv")) out.push_back(vector_row{std::move(f)});
    return out;
  }();
  return all;
}

// The LIST and SET images of fresh sketches (kind "update": keys 0..n-1 or
// "k0".."k{n-1}").
std::vector<const vector_row*> coupon_rows() {
  std::vector<const vector_row*> out;
  for (const auto& r : rows())
    if (r["kind"] == "update" && r["mode"] != "HLL") out.push_back(&r);
  return out;
}

// DataSketches' coupon of a hash, computed here from the README's rule
// (independently of the library's token code): min(clz64(h2), 62) + 1 << 26 | h1 & 0x3FFFFFF.
std::uint32_t coupon_of(const hs::murmur3_128_hash& h) {
  const unsigned lz = h.h2 == 0 ? 64 : static_cast<unsigned>(__builtin_clzll(h.h2));
  return ((std::min(lz, 62u) + 1u) << 26) | static_cast<std::uint32_t>(h.h1 & 0x3FFFFFFu);
}

// The generator's key i of a key type, as a coupon.
std::uint32_t key_coupon(const std::string& key_type, std::uint64_t i) {
  const hs::murmur3_128_hasher h;
  return coupon_of(key_type == "u64" ? h(i) : h(std::string_view("k" + std::to_string(i))));
}

// The builder fed the generator's keys 0..n-1 in key order; stops at the
// first coupon that leaves coupon mode.
hd::ds_coupon_builder replay(const std::string& key_type, unsigned lg_k, std::uint64_t n) {
  hd::ds_coupon_builder b(lg_k);
  for (std::uint64_t i = 0; i < n; ++i)
    if (!b.add(key_coupon(key_type, i))) break;
  return b;
}

std::vector<std::uint32_t> sorted(std::vector<std::uint32_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}
template <class Less>
std::vector<std::uint32_t> sorted(std::vector<std::uint32_t> v, Less less) {
  std::sort(v.begin(), v.end(), less);
  return v;
}

// Register for register (registers() materialises a sparse sketch's).
// Each registers() call of a sparse sketch is a fresh copy: hold the views.
template <class A, class B>
bool regs_equal(const A& a, const B& b) {
  const auto ra = a.registers();
  const auto rb = b.registers();
  return std::equal(ra.begin(), ra.end(), rb.begin(), rb.end());
}

// The invariants every accepted image satisfies: distinct coupons with
// values 1..63, at most max_coupons(lg_k) of them, LIST only below lg_k 8;
// and writing them back (through the replay, in image order) reads back to
// the same set.
// (Plain tests and one REQUIRE: this runs for every accepted flipped image.)
void check_accepted(const hd::ds_coupon_image& img) {
  const auto s = sorted(img.coupons);
  bool ok = std::adjacent_find(s.begin(), s.end()) == s.end() && img.coupons.size() <= hd::ds::max_coupons(img.lg_k);
  for (std::uint32_t c : s) ok = ok && (c >> 26) >= 1u;
  if (img.mode == hd::ds::mode_list) ok = ok && img.coupons.size() <= 7u;
  if (img.mode == hd::ds::mode_set) ok = ok && img.lg_k >= 8u;
  // The write-back (skipped above 100 coupons to keep the flip test fast;
  // the random round trip below covers every size).
  if (img.coupons.size() > 100) {
    REQUIRE(ok);
    return;
  }
  hd::ds_coupon_builder b(img.lg_k);
  for (std::uint32_t c : img.coupons) ok = ok && b.add(c);
  for (bool compact : {true, false}) {
    if (!ok) break;
    const bytes again = hd::ds_encode_coupons(b, img.tgt, compact);
    ok = sorted(hd::ds_read_coupons(again.data(), again.size()).coupons) == s;
  }
  REQUIRE(ok);
}

// ds_read_coupons on `size` bytes: false when rejected with format_error
// (anything else thrown fails the test), true when accepted (and valid).
bool read_within_bounds(const std::uint8_t* data, std::size_t size) {
  try {
    check_accepted(hd::ds_read_coupons(data, size));
    return true;
  } catch (const hs::format_error&) {
    return false;
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Writing: the replay of DataSketches' coupon list and hash set
// ---------------------------------------------------------------------------

TEST_CASE("the replay writes every LIST and SET golden image byte for byte", "[datasketches][coupons][vectors]") {
  std::size_t lists = 0, sets = 0;
  for (const vector_row* r : coupon_rows()) {
    const vector_row& row = *r;
    INFO(row["file"]);
    const hd::ds_coupon_builder b = replay(row["key_type"], row.lg_k(), row.n());
    REQUIRE(b.in_coupon_mode());
    CHECK(hd::ds::mode_names[b.mode()] == row["mode"]);
    CHECK(b.count() == std::stoul(row["coupon_count"]));
    CHECK(hd::ds_encode_coupons(b, row.tgt(), row.compact()) == row.image());
    (row["mode"] == "LIST" ? lists : sets) += 1;
  }
  // index.tsv: 140 LIST and 82 SET images (compact and updatable, HLL_4/6/8).
  CHECK(lists == 140);
  CHECK(sets == 82);
}

TEST_CASE("the replay leaves coupon mode where DataSketches does", "[datasketches][coupons][vectors]") {
  // Every HLL-mode image of a fresh sketch: the same keys take the replay out
  // of coupon mode (the 10^6-key ones stop at the crossing coupon).
  std::size_t checked = 0;
  for (const auto& row : rows()) {
    if (row["kind"] != "update" || row["mode"] != "HLL") continue;
    INFO(row["file"]);
    CHECK_FALSE(replay(row["key_type"], row.lg_k(), row.n()).in_coupon_mode());
    ++checked;
  }
  CHECK(checked == 139);  // the other 14 HLL images are union results and inputs
  // The documented thresholds at every lg_k, with distinct coupons: LIST up
  // to 7; at lg_k < 8 the 8th goes to HLL; else SET up to 3*2^lg_k/32, with
  // the table doubling from 2^5 cells whenever 4*count > 3*cells.
  for (unsigned lg_k = 4; lg_k <= 21; ++lg_k) {
    INFO("lg_k " << lg_k);
    hd::ds_coupon_builder b(lg_k);
    const std::size_t max = lg_k < 8 ? 7 : std::size_t{3} << (lg_k - 5);
    CHECK(hd::ds::max_coupons(lg_k) == max);
    std::mt19937 rng(lg_k);
    std::set<std::uint32_t> seen;
    std::size_t added = 0;
    std::size_t wrong = 0;  // additions where the state differs from the rule (plain test: runs 2^17 times)
    while (true) {
      const std::uint32_t c = (1u + rng() % 63u) << 26 | (rng() & 0x3FFFFFFu);
      if (!seen.insert(c).second) continue;
      ++added;
      const bool still = b.add(c);
      if (added == max + 1) {
        CHECK_FALSE(still);
        break;
      }
      unsigned lg = 3;
      if (added > 7) {
        lg = 5;
        while (4 * added > 3 * (std::size_t{1} << lg)) ++lg;
      }
      const unsigned mode = added <= 7 ? hd::ds::mode_list : hd::ds::mode_set;
      // Adding a stored coupon again changes nothing.
      const bool again = b.add(c);
      wrong += !(still && again && b.count() == added && b.mode() == mode && b.lg_arr() == lg);
      if (wrong != 0) break;
    }
    CHECK(wrong == 0);
    CHECK(added == max + 1);
    CHECK_FALSE(b.add(0x04000001u));  // spent: stays out of coupon mode
  }
}

TEST_CASE("the replay keeps coupons that share an address but differ in value", "[datasketches][coupons]") {
  // DataSketches compares whole coupons: the same 26-bit address with two
  // values is two coupons (the register keeps the larger value on promotion).
  hd::ds_coupon_builder b(12);
  CHECK(b.add(1u << 26 | 77u));
  CHECK(b.add(2u << 26 | 77u));
  CHECK(b.add(1u << 26 | 77u));
  CHECK(b.count() == 2);
  const bytes img = hd::ds_encode_coupons(b, 2, true);
  CHECK(hd::ds_read_coupons(img.data(), img.size()).coupons == std::vector<std::uint32_t>{1u << 26 | 77u, 2u << 26 | 77u});
  // Read as registers (the dense reader), the larger value wins.
  const auto s = hs::from_datasketches<12>(img.data(), img.size());
  CHECK(s.registers()[77] == 2);
}

TEST_CASE("SET layout depends on insertion order only through probe collisions", "[datasketches][coupons]") {
  // Two coupons with the same home cell: the first inserted takes it.
  const std::uint32_t a = 1u << 26 | 3u, c = 2u << 26 | (3u | 1u << 5);  // home 3 in a 2^5 table
  std::vector<std::uint32_t> filler;
  for (std::uint32_t i = 0; i < 6; ++i) filler.push_back(1u << 26 | (10u + i));
  auto build = [&](bool a_first) {
    hd::ds_coupon_builder b(12);
    for (std::uint32_t f : filler) b.add(f);
    b.add(a_first ? a : c);
    b.add(a_first ? c : a);
    REQUIRE(b.mode() == hd::ds::mode_set);
    return b;
  };
  const auto x = build(true), y = build(false);
  CHECK(x.cells() != y.cells());
  CHECK(x.cells()[3] == a);
  CHECK(y.cells()[3] == c);
  const bytes ix = hd::ds_encode_coupons(x, 0, true), iy = hd::ds_encode_coupons(y, 0, true);
  CHECK(ix != iy);
  CHECK(std::equal(ix.begin(), ix.begin() + 12, iy.begin()));  // same header, count, lg_arr
  CHECK(sorted(hd::ds_read_coupons(ix.data(), ix.size()).coupons) ==
        sorted(hd::ds_read_coupons(iy.data(), iy.size()).coupons));
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

TEST_CASE("the reader gives back the keys' coupons from every LIST and SET image", "[datasketches][coupons][vectors]") {
  for (const vector_row* r : coupon_rows()) {
    const vector_row& row = *r;
    INFO(row["file"]);
    const bytes img = row.image();
    const hd::ds_coupon_image got = hd::ds_read_coupons(img.data(), img.size());
    CHECK(got.lg_k == row.lg_k());
    CHECK(got.tgt == row.tgt());
    CHECK(hd::ds::mode_names[got.mode] == row["mode"]);
    std::vector<std::uint32_t> keys;
    for (std::uint64_t i = 0; i < row.n(); ++i) keys.push_back(key_coupon(row["key_type"], i));
    if (row["mode"] == "LIST") {
      CHECK(got.coupons == keys);  // insertion order, compact and updatable
    } else {
      CHECK(sorted(got.coupons) == sorted(keys));  // table order
    }
  }
}

TEST_CASE("HLL-mode images are not coupon images", "[datasketches][coupons]") {
  const bytes hll = read_file(data_dir + "images/u64_lgk8_HLL_8_n1000.compact.bin");
  CHECK_THROWS_WITH(hd::ds_read_coupons(hll.data(), hll.size()), Catch::Contains("HLL mode"));
}

TEST_CASE("named coupon defects are rejected with a reason", "[datasketches][coupons][hostile]") {
  const bytes list = read_file(data_dir + "images/u64_lgk12_HLL_8_n7.compact.bin");
  const bytes list_u = read_file(data_dir + "images/u64_lgk12_HLL_8_n7.updatable.bin");
  const bytes set_c = read_file(data_dir + "images/u64_lgk12_HLL_8_n100.compact.bin");
  const bytes set_u = read_file(data_dir + "images/u64_lgk12_HLL_8_n100.updatable.bin");
  const bytes empty = read_file(data_dir + "images/u64_lgk12_HLL_8_n0.compact.bin");
  REQUIRE(list.size() == 8 + 4 * 7);
  REQUIRE(list_u.size() == 8 + 4 * 8);
  REQUIRE(set_u.size() == 12 + 4 * 256);
  auto rejects = [](const bytes& b, const char* why) {
    INFO(why);
    try {
      (void)hd::ds_read_coupons(b.data(), b.size());
      FAIL("accepted");
    } catch (const hs::format_error& e) {
      CHECK_THAT(e.what(), Catch::Contains(why));
    }
  };
  auto with = [](bytes b, std::size_t i, std::uint8_t v) {
    b[i] = v;
    return b;
  };
  auto with32 = [](bytes b, std::size_t at, std::uint32_t v) {
    hd::store_le32(b.data() + at, v);
    return b;
  };
  const std::uint32_t c0 = hd::load_le32(list.data() + 8);
  // LIST.
  rejects(with(list, 4, 4), "LIST lg_arr 4 is not 3");
  rejects(with(list, 11, 0x00), "register value 0");
  rejects(with32(list, 12, c0), "appears twice");
  rejects(with32(list, 12, 0), "compact coupon 1 is empty");
  rejects(with(list, 6, 9), "exceeds the array size");
  {
    bytes full = list;
    full[6] = 8;
    full.insert(full.end(), {0x01, 0x00, 0x00, 0x04});  // an 8th coupon: value 1, address 1
    rejects(full, "LIST count 8: a full list");
  }
  rejects(with(list_u, 6, 6), "holds a coupon past the count 6");
  rejects(with32(with(list_u, 6, 7), 8 + 4 * 2, 0), "LIST slot 2 is empty but the count is 7");
  rejects(with(empty, 5, 0x08), "count is 0 but the EMPTY flag is clear");
  rejects(with(list, 5, list[5] | 0x04), "EMPTY flag set but the coupon count");
  // SET.
  rejects(with(set_c, 3, 7), "SET mode at lg_k 7");
  rejects(with32(set_c, 8, 101), "truncated");
  rejects(with32(set_u, 8, 101), "disagrees with the 100 coupons present");
  rejects(with32(set_u, 8, 99), "disagrees with the 100 coupons present");
  rejects(with(set_c, 4, 10), "SET lg_arr 10 above lg_k - 3 = 9");
  rejects(with(read_file(data_dir + "images/u64_lgk12_HLL_8_n8.compact.bin"), 4, 4), "SET lg_arr 4 below 5");
  rejects(with(set_c, 4, 7), "overfills a table of 2^7 cells");
  rejects(with32(set_c, 12 + 4 * 5, hd::load_le32(set_c.data() + 12)), "appears twice");
  {
    // A coupon moved to an empty cell that is not on its probe sequence
    // before its home: the cell right before its home (stride is odd, so the
    // cell before is reached last), with the home itself left empty.
    bytes b = set_u;
    const std::size_t cells = 256;
    bool done = false;
    for (std::size_t i = 0; i < cells && !done; ++i) {
      const std::uint32_t c = hd::load_le32(b.data() + 12 + 4 * i);
      if (c == 0 || (c & 255u) != i) continue;  // a coupon at its home cell
      const std::size_t before = (i + cells - 1) % cells;
      if (hd::load_le32(b.data() + 12 + 4 * before) != 0) continue;
      hd::store_le32(b.data() + 12 + 4 * before, c);
      hd::store_le32(b.data() + 12 + 4 * i, 0);
      done = true;
    }
    REQUIRE(done);
    rejects(b, "off its probe sequence");
  }
  {
    // SET lg_k 14 (table 2^11): 13 homes x 126 coupons of stride 1
    // (address bits above 11 are 0 or 1), laid out cell after cell: a table
    // DataSketches could hold (each coupon after occupied cells only) but
    // whose probe chains total ~1.2 M steps; rejected, not walked.
    std::vector<std::uint32_t> seq;
    for (std::uint32_t home = 0; seq.size() < 1536; ++home)
      for (std::uint32_t hi = 0; hi < 2 && seq.size() < 1536; ++hi)
        for (std::uint32_t v = 1; v <= 63 && seq.size() < 1536; ++v) seq.push_back(v << 26 | hi << 11 | home);
    bytes b = {3, 1, 7, 14, 11, 0, 0, 1 | 2 << 2};
    const std::uint32_t n = 1536;
    b.insert(b.end(), {static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8), 0, 0});
    b.resize(12 + 4 * 2048, 0);
    for (std::size_t i = 0; i < seq.size(); ++i) hd::store_le32(b.data() + 12 + 4 * i, seq[i]);
    rejects(b, "probe sequences longer than 32 steps per cell");
    // The same coupons compact are a fine image (order is free there).
    bytes c(b.begin(), b.begin() + 12 + 4 * 1536);
    c[5] = 0x08;
    CHECK(hd::ds_read_coupons(c.data(), c.size()).coupons.size() == 1536);
  }
  {
    // SET count above 3*2^lg_k/32 (lg_k 8: 24), in a table big enough.
    bytes b = {3, 1, 7, 8, 5, 0x08, 0, 1 | 2 << 2, 25, 0, 0, 0};
    for (std::uint32_t i = 0; i < 25; ++i) b.insert(b.end(), {static_cast<std::uint8_t>(i + 1), 0, 0, 0x04});
    rejects(b, "SET count 25 above 3*2^lg_k/32 = 24");
  }
}

// ---------------------------------------------------------------------------
// Hostile bytes
// ---------------------------------------------------------------------------

TEST_CASE("every truncation of every LIST and SET image is rejected", "[datasketches][coupons][hostile]") {
  std::size_t tried = 0, accepted = 0;
  for (const vector_row* r : coupon_rows()) {
    const bytes img = r->image();
    INFO(r->f.at("file"));
    std::vector<std::uint8_t> buf(img);
    for (std::size_t len = buf.size(); len-- > 0;) {
#ifdef HASHSKETCH_TEST_ASAN
      ASAN_POISON_MEMORY_REGION(buf.data() + len, 1);  // a read past len is reported
#endif
      accepted += read_within_bounds(buf.data(), len);  // plain count: cheaper than a CHECK per length
      ++tried;
    }
#ifdef HASHSKETCH_TEST_ASAN
    ASAN_UNPOISON_MEMORY_REGION(buf.data(), buf.size());
#endif
  }
  CHECK(tried > 50000);
  CHECK(accepted == 0);  // the size is exact in both forms: no prefix is an image
}

TEST_CASE("bit flips of every LIST and SET image are rejected or read as a valid image", "[datasketches][coupons][hostile]") {
  std::size_t tried = 0, accepted = 0, must_reject = 0, accepted_wrongly = 0;
  for (const vector_row* r : coupon_rows()) {
    const bytes img = r->image();
    INFO(r->f.at("file"));
    const bool set = (img[7] & 3u) == 1u;
    const std::size_t start = set ? 12 : 8;
    // Every bit of every byte, and the complement, of the HLL_8 images up
    // to 300 bytes (every LIST image and the 8-coupon SETs); of the larger
    // ones the 12-byte preamble, every byte of the first 8 cells and of 16
    // cells spread over the rest (each cell is read by the same code). The
    // HLL_4 and HLL_6 images of the same sketches differ only in byte 7:
    // their preamble bytes.
    std::vector<std::size_t> positions;
    const bool all = r->tgt() == 2;
    const std::size_t cell_stride = std::max<std::size_t>(1, (img.size() - start) / 4 / 16);
    for (std::size_t i = 0; i < img.size(); ++i)
      if (i < 12 || (all && (img.size() <= 300 || i < start + 32 || (i - start) / 4 % cell_stride == 0)))
        positions.push_back(i);
    for (std::size_t i : positions) {
      // Changes that can never give a valid image: the preamble ints, the
      // serial version and the family; and in an updatable image any change
      // to an empty cell (one more coupon than the count says, or one past
      // a LIST's count).
      const bool empty_cell = !r->compact() && i >= start && hd::load_le32(img.data() + start + (i - start) / 4 * 4) == 0;
      const bool never_valid = i <= 2 || empty_cell;
      for (std::uint8_t m : {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF}) {
        bytes b(img);
        b[i] = static_cast<std::uint8_t>(b[i] ^ m);
#ifdef HASHSKETCH_TEST_ASAN
        b.shrink_to_fit();  // the heap block ends at the image: a read past it is reported
#endif
        const bool ok = read_within_bounds(b.data(), b.size());
        if (never_valid) {
          accepted_wrongly += ok;  // plain count: a CHECK per flip costs more than the read
          ++must_reject;
        }
        accepted += ok;
        ++tried;
      }
    }
  }
  CHECK(tried > 30000);
  CHECK(must_reject > 10000);
  CHECK(accepted_wrongly == 0);
  // Accepted flips turned a coupon into another valid coupon or a target
  // type into another, or set a flag that changes nothing here (read-only
  // 0x02, out-of-order 0x10, 0x20); every one was checked by check_accepted.
  CHECK(accepted > 0);
}

TEST_CASE("random coupon sequences: write, read back, same coupons", "[datasketches][coupons]") {
  std::mt19937_64 rng(14);
  for (int trial = 0; trial < 200; ++trial) {
    const unsigned lg_k = 4 + static_cast<unsigned>(rng() % (trial < 180 ? 12 : 18));  // lg_k 16..21 rarely
    const std::size_t n = static_cast<std::size_t>(rng() % (hd::ds::max_coupons(lg_k) + 1));
    hd::ds_coupon_builder b(lg_k);
    std::vector<std::uint32_t> in;
    std::set<std::uint32_t> distinct;
    for (std::size_t i = 0; i < n; ++i) {
      // A small address range (odd trials, lg_k <= 12) forces probe
      // collisions and equal addresses; a range that small at a large lg_k
      // makes the quadratic chains the reader refuses to walk.
      const bool narrow = trial % 2 == 1 && lg_k <= 12;
      const std::uint32_t addr = static_cast<std::uint32_t>(rng() & (narrow ? 0x3FFu : 0x3FFFFFFu));
      const std::uint32_t c = static_cast<std::uint32_t>(1 + rng() % 63) << 26 | addr;
      if (!distinct.insert(c).second) continue;
      if (!b.add(c)) break;
      in.push_back(c);
    }
    REQUIRE(b.in_coupon_mode());
    for (bool compact : {true, false}) {
      for (unsigned tgt = 0; tgt < 3; ++tgt) {
        const bytes img = hd::ds_encode_coupons(b, tgt, compact);
        const hd::ds_coupon_image got = hd::ds_read_coupons(img.data(), img.size());
        if (b.mode() == hd::ds::mode_list) {
          CHECK(got.coupons == in);
        } else {
          CHECK(sorted(got.coupons) == sorted(in));
        }
        CHECK(got.tgt == tgt);
        CHECK(got.lg_k == lg_k);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// The sketch: to_datasketches / from_datasketches in the sparse state
// ---------------------------------------------------------------------------

namespace {

using hashsketch_test::with_p;

template <unsigned P>
hs::datasketches_hyperloglog<P> built(const std::string& key_type, std::uint64_t n) {
  hs::datasketches_hyperloglog<P> s;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (key_type == "u64") {
      s.add(i);
    } else {
      s.add(std::string_view("k" + std::to_string(i)));
    }
  }
  return s;
}

}  // namespace

TEST_CASE("to_datasketches of a small sketch writes DataSketches' own LIST / SET image", "[datasketches][coupons][vectors]") {
  std::size_t identical = 0, set_identical = 0, set_reordered = 0, dense_early = 0;
  for (const vector_row* r : coupon_rows()) {
    const vector_row& row = *r;
    if (row.lg_k() > 16) continue;  // P is 4..16
    INFO(row["file"]);
    with_p(row.lg_k(), [&](auto pc) {
      constexpr unsigned P = decltype(pc)::value;
      const auto s = built<P>(row["key_type"], row.n());
      const bytes ours = hs::to_datasketches(s, static_cast<hs::ds_target>(row.tgt()), row.compact());
      const bytes ref = row.image();
      if (!s.is_sparse()) {
        // The sketch promoted itself before DataSketches leaves coupon mode
        // (only where the dense registers are smaller than the tokens): an
        // HLL image of the same registers.
        CHECK((ours[7] & 3u) == 2u);
        CHECK(regs_equal(hs::from_datasketches<P>(ours.data(), ours.size()), s));
        ++dense_early;
        return;
      }
      if (row["mode"] == "LIST" || row.n() <= 16) {
        // The token store still has the insertion order: DataSketches' bytes.
        CHECK(ours == ref);
        identical += ours == ref;
        return;
      }
      // SET from ascending tokens: the same header, count, lg_arr, size and
      // coupon set; the same cells exactly when DataSketches' insertion (key)
      // order and ascending coupon order fill the table alike.
      REQUIRE(ours.size() == ref.size());
      CHECK(std::equal(ours.begin(), ours.begin() + 12, ref.begin()));
      CHECK(sorted(hd::ds_read_coupons(ours.data(), ours.size()).coupons) ==
            sorted(hd::ds_read_coupons(ref.data(), ref.size()).coupons));
      std::vector<std::uint32_t> keys;
      for (std::uint64_t i = 0; i < row.n(); ++i) keys.push_back(key_coupon(row["key_type"], i));
      hd::ds_coupon_builder ascending(row.lg_k());
      for (std::uint32_t c : sorted(keys, [](std::uint32_t a, std::uint32_t b) {
             return hd::ds_token_of_coupon(a) < hd::ds_token_of_coupon(b);
           }))
        ascending.add(c);
      const bool same_cells = ascending.cells() == replay(row["key_type"], row.lg_k(), row.n()).cells();
      CHECK((ours == ref) == same_cells);
      (ours == ref ? set_identical : set_reordered) += 1;
    });
  }
  INFO("LIST and n = 8 images identical: " << identical << "; sketches dense before DataSketches leaves coupon mode: "
                                            << dense_early);
  CHECK(identical + dense_early == 140 - 8 + 30);  // every LIST image (but lg_k 21's 8), the SET images of n = 8
  INFO("SET images of n >= 100: " << set_identical << " identical, " << set_reordered << " reordered");
  // With >= 100 coupons in 256..2048 cells some probe collision always
  // differs between key order and address order: none is byte-identical.
  CHECK(set_identical + set_reordered == 48);
}

TEST_CASE("from_datasketches of a LIST / SET image is the sparse sketch of the same keys", "[datasketches][coupons][vectors]") {
  std::size_t sparse_read = 0;
  for (const vector_row* r : coupon_rows()) {
    const vector_row& row = *r;
    INFO(row["file"]);
    const bytes img = row.image();
    const unsigned p = std::min(row.lg_k(), 16u);
    with_p(p, [&](auto pc) {
      constexpr unsigned P = decltype(pc)::value;
      const auto got = hs::from_datasketches<P>(img.data(), img.size());
      const auto expect = built<P>(row["key_type"], row.n());
      // Sparse exactly when add() keeps the same keys sparse (at P = 4 the
      // 16 dense bytes are smaller than the tokens of a few keys).
      CHECK(got.is_sparse() == expect.is_sparse());
      CHECK(got == expect);
      CHECK(regs_equal(got, expect));
      // Near exact: linear counting over 2^26 on the coupons' addresses.
      const double n = static_cast<double>(row.n());
      if (got.is_sparse()) CHECK(std::fabs(got.estimate() - n) <= std::max(1.0, 1e-3 * n));
      sparse_read += got.is_sparse();
      // Read at a coarser precision: still the tokens, equal to building there.
      if constexpr (P > 4) {
        const auto coarse = hs::from_datasketches<P - 1>(img.data(), img.size());
        CHECK(coarse == built<P - 1>(row["key_type"], row.n()));
      }
    });
  }
  INFO(sparse_read << " of " << coupon_rows().size() << " read sparse");
  CHECK(sparse_read >= coupon_rows().size() - 12);  // all but lg_k 4's n = 1 and 7
}

TEMPLATE_TEST_CASE_SIG("sparse sketches round-trip through LIST / SET images", "[datasketches][coupons]",
                       ((unsigned P), P), 4, 7, 8, 12, 16) {
  std::mt19937_64 rng(P);
  const std::size_t limit = hd::ds::max_coupons(P);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{17}, limit / 2,
                        limit, limit + 1}) {
    INFO("n " << n);
    hs::datasketches_hyperloglog<P> s;
    for (std::size_t i = 0; i < n; ++i) s.add(rng());
    for (bool compact : {true, false}) {
      for (auto t : {hs::ds_target::hll_4, hs::ds_target::hll_6, hs::ds_target::hll_8}) {
        const bytes img = hs::to_datasketches(s, t, compact);
        const unsigned mode = img[7] & 3u;
        // Coupon mode exactly up to DataSketches' limit (tokens = distinct keys here).
        CHECK(mode == (n > limit || !s.is_sparse() ? 2u : n <= 7 ? 0u : 1u));
        const auto back = hs::from_datasketches<P>(img.data(), img.size());
        if (mode != 2u) {
          CHECK(back.is_sparse());
          CHECK(back == s);
        }
        CHECK(regs_equal(back, s));
      }
    }
  }
}
