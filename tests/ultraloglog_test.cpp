// ultraloglog<P> and martingale<S> against hash4j's reference vectors
// (tests/data/hash4j/: a subset of shared/vectors/hash4j, see its README.md):
// registers, state change probabilities, merges, reductions and ULL→HLL
// conversions byte for byte; FGRA and martingale estimates to ≤ 1e-10
// relative; ML within 2e-3/√m. Plus the union kernels of every instruction
// set against the scalar reference, the hostile-bytes behaviour of the native
// format, and the saturation values we chose where hash4j returns +∞.
#include <hashsketch/martingale.hpp>
#include <hashsketch/ultraloglog.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <utility>
#include <string>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/precisions.hpp"
#include "support/splitmix64.hpp"

using hashsketch::format_error;
using hashsketch::hyperloglog;
using hashsketch::martingale;
using hashsketch::ull_estimator;
using hashsketch::ultraloglog;
using hashsketch::xxh3_hasher;

namespace {

using bytes = std::vector<std::uint8_t>;
using hashsketch_test::splitmix64;
const std::string data_dir = std::string(HASHSKETCH_TEST_DATA_DIR) + "/hash4j/";

bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct vector_case {
  std::map<std::string, std::string> f;
  bool has(const std::string& k) const { return f.count(k) != 0; }
  const std::string& operator[](const std::string& k) const { return f.at(k); }
  unsigned u(const std::string& k) const { return static_cast<unsigned>(std::stoul(f.at(k))); }
  std::uint64_t n(const std::string& k) const { return std::stoull(f.at(k)); }
  double bits(const std::string& k) const {
    const std::uint64_t b = std::stoull(f.at(k), nullptr, 16);
    double d;
    std::memcpy(&d, &b, sizeof d);
    return d;
  }
};

const std::vector<vector_case>& cases() {
  static const std::vector<vector_case> all = [] {
    std::vector<vector_case> out;
    std::ifstream in(data_dir + "index.tsv");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      vector_case c;
      std::stringstream ss(line);
      std::string field;
      while (std::getline(ss, field, '\t')) {
        const auto eq = field.find('=');
        c.f[field.substr(0, eq)] = field.substr(eq + 1);
      }
      out.push_back(c);
    }
    return out;
  }();
  return all;
}

/// The first n hashes of seed s (the vectors' SplitMix64 stream).
std::vector<std::uint64_t> stream(std::uint64_t seed, std::uint64_t n) {
  splitmix64 g{seed};
  std::vector<std::uint64_t> out(n);
  for (auto& h : out) h = g();
  return out;
}

std::vector<std::uint64_t> edge_hashes(const vector_case& c) {
  std::vector<std::uint64_t> out;
  if (c.has("hashes")) {
    std::ifstream in(data_dir + c["hashes"]);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) out.push_back(std::stoull(line, nullptr, 16));
    return out;
  }
  // "saturated": T(i, −1), T(i, 0), T(i, 1) for every register i, where
  // T(i, t) = (i << (64 − p)) | (t ≥ 0 ? 1 << t : 0).
  const unsigned p = c.u("p");
  for (std::uint64_t i = 0; i < (std::uint64_t{1} << p); ++i) {
    const std::uint64_t top = i << (64 - p);
    out.push_back(top);
    out.push_back(top | 1u);
    out.push_back(top | 2u);
  }
  return out;
}

void check_rel(double actual, double expected, double tol) {
  INFO("actual " << actual << " expected " << expected);
  if (expected == 0)
    CHECK(actual == 0);
  else
    CHECK(std::fabs(actual / expected - 1) <= tol);
}

bytes bytes_of(const hashsketch::register_view& v) { return bytes(v.begin(), v.end()); }

// --- per-precision checks, instantiated for P = 4..16 -----------------------

template <unsigned P>
struct at_p {
  using ull = ultraloglog<P, xxh3_hasher>;
  using hll = hyperloglog<P, xxh3_hasher>;

  // Built once per (seed, n) and kept: the cases reuse the same streams many
  // times (keeps the test to seconds under ASan).
  static const ull& build_ull(std::uint64_t seed, std::uint64_t n) {
    static std::map<std::pair<std::uint64_t, std::uint64_t>, ull> memo;
    auto it = memo.find({seed, n});
    if (it == memo.end()) {
      ull s;
      for (std::uint64_t h : stream(seed, n)) s.add_hash(h);
      it = memo.emplace(std::make_pair(seed, n), s).first;
    }
    return it->second;
  }
  static const hll& build_hll(std::uint64_t seed, std::uint64_t n) {
    static std::map<std::pair<std::uint64_t, std::uint64_t>, hll> memo;
    auto it = memo.find({seed, n});
    if (it == memo.end()) {
      hll s;
      for (std::uint64_t h : stream(seed, n)) s.add_hash(h);
      it = memo.emplace(std::make_pair(seed, n), s).first;
    }
    return it->second;
  }

  static void check_ull_estimates(const ull& sketch, const vector_case& c) {
    // hash4j's estimates are of the registers: a sparse sketch (few keys)
    // estimates from its tokens instead, so its densified copy is checked.
    ull dense = sketch;
    dense.densify();
    CHECK(dense == sketch);
    const ull& s = dense;
    const bool saturated = c.bits("est_fgra") == HUGE_VAL;
    if (!saturated) {
      check_rel(s.estimate(), c.bits("est_fgra"), 1e-10);
      check_rel(s.estimate(ull_estimator::fgra), c.bits("est_fgra"), 1e-10);
      check_rel(s.estimate(ull_estimator::ml), c.bits("est_ml"), 2e-3 / std::sqrt(double(ull::register_count)));
    } else {
      // Our documented finite value: the largest estimate of the type.
      CHECK(std::isfinite(s.estimate()));
      CHECK(s.estimate() > 1e19);
      CHECK(s.estimate(ull_estimator::ml) == s.estimate());
    }
    CHECK(s.state_change_probability() == c.bits("scp"));
  }

  static void run(const vector_case& c) {
    INFO("case " << c["id"]);
    const std::string type = c["type"];
    const bool is_ull = c["sketch"] == "ull";
    if (type == "build" || type == "edge") {
      const std::vector<std::uint64_t> hashes =
          type == "build" ? stream(c.n("seed"), c.n("n")) : edge_hashes(c);
      if (is_ull) {
        martingale<ull> mg;
        for (std::uint64_t h : hashes) mg.add_hash(h);
        const ull& s = mg.sketch();
        if (c.has("registers")) CHECK(bytes_of(s.registers()) == read_file(data_dir + c["registers"]));
        check_ull_estimates(s, c);
        CHECK(mg.state_change_probability() == c.bits("mprob"));
        if (std::isfinite(c.bits("est_martingale")))
          check_rel(mg.estimate(), c.bits("est_martingale"), 1e-10);
        else
          CHECK(mg.estimate() >= 0x1p64);  // our finite value: +2^64 per change at p = 0
        // add_hash, add_many (through the identity of hashes) and the
        // martingale's sketch agree.
        if (type == "build") CHECK(build_ull(c.n("seed"), c.n("n")) == s);
      } else {
        martingale<hll> mg;
        for (std::uint64_t h : hashes) mg.add_hash(h);
        const hll& s = mg.sketch();
        if (c.has("registers")) CHECK(bytes_of(s.registers()) == read_file(data_dir + c["registers"]));
        CHECK(mg.state_change_probability() == c.bits("mprob"));
        check_rel(mg.estimate(), c.bits("est_martingale"), 1e-10);
      }
    } else if (type == "merge") {
      // Only same-precision merges here; mixed ones in run_mixed.
      if (c.u("a_p") != P || c.u("b_p") != P) return;
      if (is_ull) {
        ull a = build_ull(c.n("a_seed"), c.n("a_n"));
        const ull b = build_ull(c.n("b_seed"), c.n("b_n"));
        const ull ab = a | b, ba = b | a;
        CHECK(ab == ba);
        a |= b;
        CHECK(a == ab);
        if (c.has("registers")) CHECK(bytes_of(ab.registers()) == read_file(data_dir + c["registers"]));
        check_ull_estimates(ab, c);
        // One sketch fed both key sets has the same registers.
        if (c.n("a_n") + c.n("b_n") <= 200000) {
          ull both = build_ull(c.n("a_seed"), c.n("a_n"));
          for (std::uint64_t h : stream(c.n("b_seed"), c.n("b_n"))) both.add_hash(h);
          CHECK(both == ab);
        }
      } else {
        hll a = build_hll(c.n("a_seed"), c.n("a_n"));
        a.merge(build_hll(c.n("b_seed"), c.n("b_n")));
        if (c.has("registers")) CHECK(bytes_of(a.registers()) == read_file(data_dir + c["registers"]));
      }
    } else if (type == "ull_to_hll") {
      const ull u = build_ull(c.n("seed"), c.n("n"));
      const hll h = u.to_hyperloglog();
      CHECK(h == build_hll(c.n("seed"), c.n("n")));
      if (c.has("registers")) CHECK(bytes_of(h.registers()) == read_file(data_dir + c["registers"]));
    }
  }
};

template <unsigned From, unsigned To>
void check_reduce(const vector_case& c) {
  if (c.u("from_p") != From || c.u("p") != To) return;
  INFO("case " << c["id"]);
  if (c["sketch"] == "ull") {
    const auto src = at_p<From>::build_ull(c.n("seed"), c.n("n"));
    const auto r = src.template reduce<To>();
    CHECK(r == at_p<To>::build_ull(c.n("seed"), c.n("n")));
    if (c.has("registers")) CHECK(bytes_of(r.registers()) == read_file(data_dir + c["registers"]));
    at_p<To>::check_ull_estimates(r, c);
    // merging a finer sketch into a coarser one folds it the same way
    ultraloglog<To, xxh3_hasher> coarse;
    coarse.merge(src);
    CHECK(coarse == r);
  } else {
    const auto src = at_p<From>::build_hll(c.n("seed"), c.n("n"));
    const auto r = src.template reduce<To>();
    if (c.has("registers")) CHECK(bytes_of(r.registers()) == read_file(data_dir + c["registers"]));
  }
}

template <unsigned P>
void reduce_cases(const vector_case& c) {
  if constexpr (P - 1 >= 4) check_reduce<P, P - 1>(c);
  if constexpr (P - 2 >= 4) check_reduce<P, P - 2>(c);
  if constexpr (P > 6) check_reduce<P, 4>(c);
}

template <unsigned... Ps>
void for_each_p(const vector_case& c, std::integer_sequence<unsigned, Ps...>) {
  const unsigned p = c.u("p");
  (void)std::initializer_list<int>{((p == Ps ? at_p<Ps>::run(c) : void()), 0)...};
}
template <unsigned... Ps>
void for_each_reduce(const vector_case& c, std::integer_sequence<unsigned, Ps...>) {
  (void)std::initializer_list<int>{(reduce_cases<Ps>(c), 0)...};
}

using all_p = hashsketch_test::test_precisions;  // P = 4..16 (a subset in the sanitizer trees)

template <unsigned PA, unsigned PB>
void check_mixed_merge(const vector_case& c) {
  if (c.u("a_p") != PA || c.u("b_p") != PB) return;
  INFO("case " << c["id"]);
  constexpr unsigned lo = PA < PB ? PA : PB;
  const auto a = at_p<PA>::build_ull(c.n("a_seed"), c.n("a_n"));
  const auto b = at_p<PB>::build_ull(c.n("b_seed"), c.n("b_n"));
  ultraloglog<lo, xxh3_hasher> out;
  out.merge(a.template reduce<lo>());
  out.merge(b.template reduce<lo>());
  if (c.has("registers")) CHECK(bytes_of(out.registers()) == read_file(data_dir + c["registers"]));
  at_p<lo>::check_ull_estimates(out, c);
}

}  // namespace

TEST_CASE("ultraloglog: the subset of hash4j's vectors is present", "[ultraloglog][hash4j]") {
  std::map<std::string, int> types;
  for (const auto& c : cases()) ++types[c["type"]];
  CHECK(types["build"] >= 500);
  CHECK(types["merge"] >= 60);
  CHECK(types["downsize"] >= 100);
  CHECK(types["ull_to_hll"] >= 50);
  CHECK(types["edge"] == 12);
}

TEST_CASE("ultraloglog: the hash stream is the vectors' SplitMix64", "[ultraloglog][hash4j]") {
  const auto s = stream(1, 1000);
  CHECK(s[0] == 0x910a2dec89025cc1ull);
  CHECK(s[999] == 0xe71894b1b5034fb7ull);
}

TEST_CASE("ultraloglog: builds, martingales and edges equal hash4j's", "[ultraloglog][hash4j]") {
  for (const auto& c : cases())
    if (c["type"] == "build" || c["type"] == "edge") for_each_p(c, all_p{});
}

TEST_CASE("ultraloglog: merges equal hash4j's", "[ultraloglog][hash4j]") {
  for (const auto& c : cases()) {
    if (c["type"] != "merge") continue;
    for_each_p(c, all_p{});
    if (c["sketch"] == "ull") {
      check_mixed_merge<12, 10>(c);
      check_mixed_merge<8, 14>(c);
      check_mixed_merge<16, 12>(c);
    }
  }
}

TEST_CASE("ultraloglog: reduce<Q> equals hash4j's downsize", "[ultraloglog][hash4j]") {
  for (const auto& c : cases())
    if (c["type"] == "downsize") for_each_reduce(c, all_p{});
}

TEST_CASE("ultraloglog: to_hyperloglog equals hash4j's conversion", "[ultraloglog][hash4j]") {
  for (const auto& c : cases())
    if (c["type"] == "ull_to_hll") for_each_p(c, all_p{});
}

// --- register arithmetic -----------------------------------------------------

namespace {
// hash4j's register ⇄ prefix maps, written with explicit shift counts.
std::uint64_t unpack(std::uint8_t r) {
  if (r < 8) return 0;  // hash4j: 0 (and 4 → 0); no valid register below 12 at P ≥ 4
  return (std::uint64_t{4} | (r & 3u)) << ((r >> 2) - 2u);
}
std::uint8_t pack(std::uint64_t prefix) {
  if (prefix == 0) return 0;
  const unsigned t = 63u - static_cast<unsigned>(__builtin_clzll(prefix));
  const unsigned h = t >= 2 ? static_cast<unsigned>((prefix >> (t - 2)) & 3u) : static_cast<unsigned>((prefix << (2 - t)) & 3u);
  return static_cast<std::uint8_t>(4u * t + h);
}
}  // namespace

TEST_CASE("ultraloglog: the byte union equals OR of hash prefixes", "[ultraloglog]") {
  // Every pair of bytes a register can hold at P = 4 (the widest range).
  std::vector<std::uint8_t> valid;
  for (unsigned r = 0; r < 256; ++r)
    if (ultraloglog<4>::valid_register(r)) valid.push_back(static_cast<std::uint8_t>(r));
  CHECK(valid.size() == 1 + 1 + 2 + 4 * 59);  // empty, u = 1, u = 2, u = 3..61 with any history
  for (std::uint8_t a : valid)
    for (std::uint8_t b : valid) {
      INFO(int(a) << " " << int(b));
      CHECK(hashsketch::detail::ull_union_byte(a, b) == pack(unpack(a) | unpack(b)));
    }
}

TEST_CASE("ultraloglog: the add fast path's change masks equal the union", "[ultraloglog]") {
  // update() skips a hash when bit t = rank + P − 2 of ull_change_masks[r]
  // is clear; that must be exactly "the union with the hash's byte 4t leaves
  // r unchanged", for every byte a register can hold at any P and every t a
  // hash can bring there (t = P − 1 … 63).
  std::size_t checked = 0, changing = 0;
  for (unsigned p = 4; p <= 16; ++p)
    for (unsigned r = 0; r < 256; ++r) {
      const bool valid = r == 0 || r == 4 * p - 4 || r == 4 * p || r == 4 * p + 2 || r >= 4 * p + 4;
      if (!valid) continue;
      for (unsigned t = p - 1; t <= 63; ++t) {
        INFO("P = " << p << " r = " << r << " t = " << t);
        const bool by_union =
            hashsketch::detail::ull_union_byte(static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(4 * t)) != r;
        const bool by_mask = (hashsketch::detail::ull_change_masks[r] >> t) & 1u;
        CHECK(by_mask == by_union);
        ++checked;
        changing += by_union;
      }
    }
  CHECK(checked > 30000);
  CHECK(changing > 1000);
  CHECK(changing < checked);
}

TEST_CASE("ultraloglog: union, histogram and FGRA-pass kernels of every instruction set equal the scalar ones", "[ultraloglog][kernels]") {
  using hashsketch::detail::ull_kernels_for;
  splitmix64 rng{77};
  std::vector<std::uint8_t> valid;
  for (unsigned r = 0; r < 256; ++r)
    if (ultraloglog<4>::valid_register(r)) valid.push_back(static_cast<std::uint8_t>(r));
  const hashsketch::detail::ull_kernel_table* ref = ull_kernels_for("scalar");
  REQUIRE(ref != nullptr);
  int tested = 0;
  for (const char* isa : hashsketch::detail::all_isa_names) {
    const hashsketch::detail::ull_kernel_table* k = ull_kernels_for(isa);
    if (k == nullptr) continue;
    ++tested;
    for (std::size_t n : {0, 1, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 1000, 4096, 65536}) {
      // Registers near each other (the history-bit cases d = 0, 1, 2) and
      // far apart, plus empty ones.
      std::vector<std::uint8_t> a(n), b(n);
      for (std::size_t i = 0; i < n; ++i) {
        a[i] = valid[rng() % valid.size()];
        const int near = static_cast<int>(rng() % 4);
        const std::size_t j = std::find(valid.begin(), valid.end(), a[i]) - valid.begin();
        b[i] = near < 3 ? valid[std::min(valid.size() - 1, j + static_cast<std::size_t>(rng() % 12))] : valid[rng() % valid.size()];
        if (rng() % 2) std::swap(a[i], b[i]);
      }
      std::vector<std::uint8_t> x = a, y = a;
      ref->merge(x.data(), b.data(), n);
      k->merge(y.data(), b.data(), n);
      INFO(isa << " n = " << n);
      CHECK(x == y);
      std::vector<std::uint32_t> h1(256), h2(256);
      ref->histogram(a.data(), n, h1.data());
      k->histogram(a.data(), n, h2.data());
      CHECK(h1 == h2);
      // the FGRA pass: the same bits in every set (the lanes add in the
      // same order), and its counts are the histogram's entries
      using hashsketch::detail::ull_math;
      const auto table = ull_math::pass_table(4);
      const auto special = ull_math::special_bytes(4);
      const hashsketch::detail::ull_pass_result p1 = ref->fgra_pass(a.data(), n, table.data(), special.data());
      const hashsketch::detail::ull_pass_result p2 = k->fgra_pass(a.data(), n, table.data(), special.data());
      CHECK(std::memcmp(&p1.sum, &p2.sum, sizeof(double)) == 0);
      for (int c = 0; c < 8; ++c) {
        CHECK(p1.counts[c] == p2.counts[c]);
        CHECK(p1.counts[c] == h1[special[c]]);
      }
      double by_histogram = 0;
      for (unsigned r = 0; r < 256; ++r) by_histogram += static_cast<double>(h1[r]) * table[r];
      CHECK(std::fabs(p1.sum - by_histogram) <= 1e-12 * by_histogram);
      // registers far from the special bytes (the SIMD fast path: no block
      // needs counting) and all-special blocks
      std::vector<std::uint8_t> mid(n), low(n);
      for (std::size_t i = 0; i < n; ++i) {
        mid[i] = static_cast<std::uint8_t>(20 + rng() % 232);                    // 4P + 4 … 251 at P = 4
        low[i] = special[rng() % 8];
      }
      for (const std::vector<std::uint8_t>* v : {&mid, &low}) {
        const auto q1 = ref->fgra_pass(v->data(), n, table.data(), special.data());
        const auto q2 = k->fgra_pass(v->data(), n, table.data(), special.data());
        CHECK(std::memcmp(&q1.sum, &q2.sum, sizeof(double)) == 0);
        CHECK(std::equal(q1.counts, q1.counts + 8, q2.counts));
      }
    }
  }
  CHECK(tested >= 1);
  // the kernel set in use follows HASHSKETCH_FORCE_ISA like the main table
  CHECK(std::string(hashsketch::detail::ull_kernels().isa) == hashsketch::active_isa());
}

TEST_CASE("ultraloglog: the union kernel of every instruction set equals the scalar one on every byte pair", "[ultraloglog][kernels]") {
  // All 256 × 256 byte pairs (every valid pair at every P = 4 … 16 is among
  // them, the invalid ones too), laid out so that each pair meets every lane
  // position: the 65536 pairs at offsets 0 … 64 of the buffers, and every
  // tail length 0 … 300 (the masked AVX-512 tail, the scalar SSE2/AVX2/NEON
  // tails, the 4-vector AVX-512 loop), each against the scalar reference.
  using hashsketch::detail::ull_kernels_for;
  const hashsketch::detail::ull_kernel_table* ref = ull_kernels_for("scalar");
  REQUIRE(ref != nullptr);
  std::vector<std::uint8_t> a(65536 + 64), b(65536 + 64);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<std::uint8_t>(i >> 8);
    b[i] = static_cast<std::uint8_t>(i);
  }
  int tested = 0;
  for (const char* isa : hashsketch::detail::all_isa_names) {
    const hashsketch::detail::ull_kernel_table* k = ull_kernels_for(isa);
    if (k == nullptr) continue;
    ++tested;
    std::size_t mismatches = 0;
    for (std::size_t offset = 0; offset <= 64; offset += 1) {
      std::vector<std::uint8_t> x(a.begin() + static_cast<std::ptrdiff_t>(offset), a.end()), y = x;
      ref->merge(x.data(), b.data(), 65536);
      k->merge(y.data(), b.data(), 65536);
      mismatches += x != y;
    }
    for (std::size_t n = 0; n <= 300; ++n) {
      // the bytes just after n must stay untouched
      std::vector<std::uint8_t> x(a.begin() + 20000, a.begin() + 20000 + 320), y = x;
      ref->merge(x.data(), b.data() + 7, n);
      k->merge(y.data(), b.data() + 7, n);
      mismatches += x != y;
    }
    INFO(isa);
    CHECK(mismatches == 0);
  }
  CHECK(tested >= 1);
}

TEST_CASE("ultraloglog: the union kernels follow force_isa() after the first merge", "[ultraloglog][kernels]") {
  // ull_kernels() used to pick its set once, on the first call: a later
  // force_isa() switched HyperLogLog's kernels but not UltraLogLog's.
  ultraloglog<10> a, b, both;
  for (std::uint64_t i = 0; i < 20000; ++i) {
    (i % 3 ? a : b).add(i);
    both.add(i);
  }
  ultraloglog<10> first = a;
  first.merge(b);  // the first use picks the set in use now
  REQUIRE(first == both);
  const std::string initial = hashsketch::active_isa();
  CHECK(std::string(hashsketch::detail::ull_kernels().isa) == initial);
  int switched = 0;
  for (const char* isa : hashsketch::detail::all_isa_names) {
    if (hashsketch::detail::kernels_for(isa) == nullptr) continue;
    INFO(isa);
    REQUIRE(hashsketch::force_isa(isa));
    CHECK(std::string(hashsketch::detail::ull_kernels().isa) == isa);
    ultraloglog<10> x = a;
    x.merge(b);
    CHECK(x == both);
    switched += std::string(isa) != initial;
  }
  CHECK(hashsketch::force_isa(nullptr));
  CHECK(std::string(hashsketch::detail::ull_kernels().isa) == initial);
  if (switched == 0) WARN("only one kernel set on this CPU: nothing to switch to");
}

TEST_CASE("ultraloglog: derived constants", "[ultraloglog]") {
  using hashsketch::detail::ull_math;
  // η_i, V from τ (Ertl 2024); hash4j's published values for comparison.
  const auto& eta = ull_math::eta();
  CHECK(std::fabs(eta[0] / 4.663135422063788 - 1) < 1e-13);
  CHECK(std::fabs(eta[1] / 2.1378502137958524 - 1) < 1e-13);
  CHECK(std::fabs(eta[2] / 2.781144650979996 - 1) < 1e-13);
  CHECK(std::fabs(eta[3] / 0.9824082545153715 - 1) < 1e-13);
  CHECK(std::fabs(ull_math::variance_factor() / 0.6118931496978439 - 1) < 1e-13);
  INFO(ull_math::ml_inv_sqrt_fisher() / 0.7608621002725182 - 1);
  INFO(ull_math::ml_bias_constant() / 0.4814737652772006 - 1);
  CHECK(std::fabs(ull_math::ml_inv_sqrt_fisher() / 0.7608621002725182 - 1) < 1e-14);
  CHECK(std::fabs(ull_math::ml_bias_constant() / 0.4814737652772006 - 1) < 1e-14);
  // τ minimises V: V grows on both sides.
  const auto v = [](double t) {
    return (ull_math::eta_prefactor(t) * (std::tgamma(2 * t) / std::tgamma(t)) - 1) / (t * t);
  };
  CHECK(v(ull_math::tau) < v(ull_math::tau - 1e-3));
  CHECK(v(ull_math::tau) < v(ull_math::tau + 1e-3));
  CHECK(ultraloglog<12>::relative_standard_error() == Approx(std::sqrt(0.6118931496978439 / 4096)));
}

// --- serialisation -----------------------------------------------------------

TEST_CASE("ultraloglog: native format round trip and hostile bytes", "[ultraloglog][format]") {
  ultraloglog<6> s;
  for (std::uint64_t h : stream(3, 300)) s.add_hash(h);
  const bytes b = s.serialize();
  REQUIRE(b.size() == ultraloglog<6>::serialized_size());
  CHECK(b[5] == 4);  // kind
  const auto back = ultraloglog<6>::deserialize(b.data(), b.size());
  CHECK(back == s);
  CHECK(back.estimate() == s.estimate());
  for (std::size_t i = 0; i < b.size(); ++i)
    for (unsigned bit = 0; bit < 8; ++bit) {
      bytes bad = b;
      bad[i] ^= static_cast<std::uint8_t>(1u << bit);
      INFO("byte " << i << " bit " << bit);
      CHECK_THROWS_AS(ultraloglog<6>::deserialize(bad.data(), bad.size()), format_error);
    }
  for (std::size_t len = 0; len < b.size(); ++len)
    CHECK_THROWS_AS(ultraloglog<6>::deserialize(b.data(), len), format_error);
  bytes longer = b;
  longer.push_back(0);
  CHECK_THROWS_AS(ultraloglog<6>::deserialize(longer.data(), longer.size()), format_error);
  // an HLL's bytes are refused, and the other way round
  hyperloglog<6> h;
  const bytes hb = h.serialize();
  CHECK_THROWS_AS(ultraloglog<6>::deserialize(hb.data(), hb.size()), format_error);
  CHECK_THROWS_AS(hyperloglog<6>::deserialize(b.data(), b.size()), format_error);
}

TEST_CASE("ultraloglog: a register byte no register can hold is refused even with a valid checksum",
          "[ultraloglog][format]") {
  ultraloglog<5> s;
  bytes b = s.serialize();
  for (unsigned r : {1u, 15u, 17u, 18u, 19u, 21u, 23u}) {  // 4P−4 = 16, 4P = 20, 4P+2 = 22 are valid
    bytes bad = b;
    bad[24] = static_cast<std::uint8_t>(r);
    const std::uint64_t sum = XXH64(bad.data(), 24 + 32, 0);
    for (int i = 0; i < 8; ++i) bad[24 + 32 + i] = static_cast<std::uint8_t>(sum >> (8 * i));
    INFO(r);
    CHECK_THROWS_AS(ultraloglog<5>::deserialize(bad.data(), bad.size()), format_error);
  }
}

TEST_CASE("martingale: serialised form carries the estimate and the probability", "[martingale][format]") {
  martingale<ultraloglog<8>> m;
  for (std::uint64_t h : stream(5, 2000)) m.add_hash(h);
  const bytes b = m.serialize();
  const auto back = martingale<ultraloglog<8>>::deserialize(b.data(), b.size());
  CHECK(back == m);
  CHECK(back.estimate() == m.estimate());
  CHECK(back.state_change_probability() == m.state_change_probability());
  for (std::size_t i = 0; i < b.size(); ++i) {
    bytes bad = b;
    bad[i] ^= 0x10;
    INFO("byte " << i);
    CHECK_THROWS_AS(martingale<ultraloglog<8>>::deserialize(bad.data(), bad.size()), format_error);
  }
  for (std::size_t len = 0; len < b.size(); ++len)
    CHECK_THROWS_AS(martingale<ultraloglog<8>>::deserialize(b.data(), len), format_error);
  martingale<hyperloglog<8>> mh;
  for (std::uint64_t h : stream(5, 2000)) mh.add_hash(h);
  const bytes bh = mh.serialize();
  CHECK(martingale<hyperloglog<8>>::deserialize(bh.data(), bh.size()) == mh);
  CHECK_THROWS_AS(martingale<ultraloglog<8>>::deserialize(bh.data(), bh.size()), format_error);
}

TEST_CASE("ultraloglog: keys, add_many, clear, confidence interval", "[ultraloglog]") {
  ultraloglog<10> a, b;
  std::vector<std::uint64_t> keys = stream(9, 5000);
  for (std::uint64_t k : keys) a.add(k);
  b.add_many(keys.data(), keys.size());
  CHECK(a == b);
  for (std::uint64_t k : stream(10, 1000)) b.add(k);
  CHECK(a != b);
  const auto ci = a.confidence_interval(0.95);
  CHECK(ci.lower < 5000);
  CHECK(ci.upper > 5000);
  CHECK(ci.estimate == a.estimate());
  CHECK_THROWS_AS(a.confidence_interval(1.0), std::invalid_argument);
  a.clear();
  CHECK(a.empty());
  CHECK(a.estimate() == 0);
  CHECK(a.state_change_probability() == 1.0);
  // estimate right after a merge (stale histogram) equals the rebuilt one
  ultraloglog<10> c;
  c.merge(b);
  const double after_merge = c.estimate();
  c.add_hash(0);  // rebuilds the histogram
  ultraloglog<10> d = b;
  d.add_hash(0);
  CHECK(c.estimate() == d.estimate());
  // the pass (per register) and the histogram (per byte value) add the same
  // terms in another order: a few ulps apart at most
  CHECK(std::fabs(after_merge / b.estimate() - 1) <= 1e-13);
  CHECK(c.confidence_interval().estimate == c.estimate());
  ultraloglog<10> other_seed(xxh3_hasher(1));
  CHECK_THROWS_AS(a.merge(other_seed), hashsketch::incompatible_sketch_error);
}
