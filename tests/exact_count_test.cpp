// The exact distinct counter behind `hashsketch count --exact`
// (tools/exact_count.cpp), fed with chosen hashes: the hash 0 (the empty-slot
// marker), probe chains that wrap around the table's end, long clusters of
// equal top bits across table growth, the limit, and the option parsers.
// Every count is compared with std::unordered_set on the same hashes.
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "exact_count.hpp"
#include "hashsketch_catch.hpp"
#include "support/splitmix64.hpp"

namespace {

using hashsketch_cli::exact_distinct_counter;

std::uint64_t count_of(const std::vector<std::uint64_t>& hashes, std::uint64_t limit = 100000000) {
  exact_distinct_counter c(limit);
  // Uneven batches, as the scanner's final flush gives.
  for (std::size_t i = 0; i < hashes.size(); i += 300) c.add(hashes.data() + i, std::min<std::size_t>(300, hashes.size() - i));
  return c.count();
}

std::uint64_t reference(const std::vector<std::uint64_t>& hashes) {
  return std::unordered_set<std::uint64_t>(hashes.begin(), hashes.end()).size();
}

std::string message_of(const std::vector<std::uint64_t>& hashes, std::uint64_t limit) {
  exact_distinct_counter c(limit);
  try {
    c.add(hashes.data(), hashes.size());
  } catch (const hashsketch_cli::runtime_failure& e) {
    CHECK(c.count() == limit);  // the keys before the one past the limit are kept
    return e.what();
  }
  return "(no runtime_failure)";
}

hashsketch_cli::parsed_option opt(const std::string& value, const char* name = "--exact-limit") {
  return {name + 2, name, value};
}

}  // namespace

TEST_CASE("exact counter equals a set on random hashes with duplicates", "[exact_count]") {
  hashsketch_test::splitmix64 rng{19};
  std::vector<std::uint64_t> h;
  for (int i = 0; i < 300000; ++i) h.push_back(rng() % 2 ? rng() : h.empty() ? 1 : h[rng() % h.size()]);
  CHECK(count_of(h) == reference(h));
  CHECK(reference(h) > 100000);  // past two growths of the 65536-slot table
}

TEST_CASE("exact counter: the hash 0, wrap-around and clusters", "[exact_count]") {
  // 0 is the empty-slot marker, kept aside: counted once, with or without others.
  CHECK(count_of({0, 0, 0}) == 1);
  CHECK(count_of({0, 5, 0, 5, 7}) == 3);
  // Hashes whose top bits all point at the last slots: probe chains wrap
  // around to slot 0 and meet keys that live there.
  std::vector<std::uint64_t> wrap;
  for (std::uint64_t i = 0; i < 5000; ++i) wrap.push_back(~std::uint64_t{0} - i);
  for (std::uint64_t i = 1; i < 3000; ++i) wrap.push_back(i);  // slot 0 of any table size
  for (std::uint64_t i = 0; i < 5000; ++i) wrap.push_back(~std::uint64_t{0} - i);  // again: duplicates
  CHECK(count_of(wrap) == reference(wrap));
  CHECK(count_of(wrap) == 5000 + 2999);
  // 3000 hashes with the same top 24 bits (one long probe chain at every
  // table size reached), mixed with 102000 random ones that make the table
  // grow twice (at 49152 and 98304 keys) — the chain must survive the rehash.
  std::vector<std::uint64_t> cluster;
  hashsketch_test::splitmix64 rng{7};
  for (std::uint64_t i = 0; i < 105000; ++i)
    cluster.push_back(i % 35 == 0 ? (std::uint64_t{0xABCDEF} << 40) | i : rng());
  for (std::uint64_t i = 0; i < 105000; i += 7) cluster.push_back(cluster[i]);  // duplicates of both kinds
  CHECK(count_of(cluster) == reference(cluster));
  CHECK(reference(cluster) == 105000);
}

TEST_CASE("exact counter: the limit", "[exact_count]") {
  std::vector<std::uint64_t> thousand;
  for (std::uint64_t i = 1; i <= 1000; ++i) thousand.push_back(i * 0x9E3779B97F4A7C15ull);
  std::vector<std::uint64_t> twice = thousand;
  twice.insert(twice.end(), thousand.begin(), thousand.end());
  CHECK(count_of(twice, 1000) == 1000);  // exactly at the limit, duplicates included
  std::vector<std::uint64_t> one_more = twice;
  one_more.push_back(12345);
  const std::string m = message_of(one_more, 1000);
  CHECK(m.find("more than 1000 distinct keys: --exact stops at --exact-limit 1000") != std::string::npos);
  CHECK(message_of({0, 1}, 1).find("more than 1 distinct keys") != std::string::npos);
  CHECK_THROWS_AS(exact_distinct_counter(0), hashsketch_cli::usage_error);
  CHECK_THROWS_AS(exact_distinct_counter(hashsketch_cli::max_exact_limit + 1), hashsketch_cli::usage_error);
  // The largest table: 2^27 slots (1 GiB) for 10^8 keys, 2^33 (64 GiB) for 2^32.
  CHECK(exact_distinct_counter().max_table_bytes() == (std::uint64_t{1} << 30));
  CHECK(exact_distinct_counter(hashsketch_cli::max_exact_limit).max_table_bytes() == (std::uint64_t{1} << 36));
}

TEST_CASE("exact options: parsers and the comparison", "[exact_count]") {
  using hashsketch_cli::parse_alert_sigma;
  using hashsketch_cli::parse_exact_limit;
  CHECK(parse_exact_limit(opt("100000000")) == 100000000);
  CHECK(parse_exact_limit(opt("1e8")) == 100000000);
  CHECK(parse_exact_limit(opt("4294967296")) == hashsketch_cli::max_exact_limit);
  CHECK(parse_exact_limit(opt("2.5e6")) == 2500000);
  for (const char* bad : {"0", "-1", "1.5", "4294967297", "1e10", "", " 5", "5 ", "abc", "nan", "inf", "0x10"})
    CHECK_THROWS_AS(parse_exact_limit(opt(bad)), hashsketch_cli::usage_error);
  CHECK(parse_alert_sigma(opt("3", "--alert-sigma")) == 3.0);
  CHECK(parse_alert_sigma(opt("0.5", "--alert-sigma")) == 0.5);
  for (const char* bad : {"0", "-2", "", "nan", "inf", "x", " 3", "3x"})
    CHECK_THROWS_AS(parse_alert_sigma(opt(bad, "--alert-sigma")), hashsketch_cli::usage_error);

  // within_interval is lower ≤ exact ≤ upper, ends included.
  const hashsketch::interval ci{90.0, 100.0, 110.0};
  const auto in = hashsketch_cli::compare_exact(ci, 0.05, 90);
  CHECK(in.within_interval);
  CHECK(in.error == Approx(10.0 / 90.0).epsilon(1e-12));
  CHECK(in.error_sigma == Approx(10.0 / 90.0 / 0.05).epsilon(1e-12));
  CHECK(hashsketch_cli::compare_exact(ci, 0.05, 110).within_interval);
  CHECK_FALSE(hashsketch_cli::compare_exact(ci, 0.05, 89).within_interval);
  CHECK_FALSE(hashsketch_cli::compare_exact(ci, 0.05, 111).within_interval);
  const auto empty = hashsketch_cli::compare_exact(hashsketch::interval{0, 0, 0}, 0.01, 0);
  CHECK(empty.within_interval);
  CHECK(empty.error == 0.0);
  CHECK(hashsketch_cli::exact_json_fields(in) ==
        ", \"exact\": 90, \"error\": 0.111111, \"error_sigma\": 2.222, \"within_interval\": true");
  CHECK(hashsketch_cli::exact_text(in) == "; exact 90: error +11.11% (+2.22 sigma), inside the interval");
}
