// `hashsketch count --exact`: the exact distinct count equals `sort -u | wc -l`
// (and a plain C++ reference) on generated files with duplicates, CRLF line
// ends, missing and empty fields and a last line without newline; the same
// for every -j and for stdin; --exact-limit and its error path; the exit
// status 3 rule of --alert-sigma; usage errors of the new options.
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "hashsketch_catch.hpp"
#include "support/splitmix64.hpp"

#ifdef HASHSKETCH_TOOLS_BUILT

namespace {

const std::string cli = std::string(HASHSKETCH_BIN_DIR) + "/hashsketch";

struct scratch_dir {
  std::string path = std::string(HASHSKETCH_BIN_DIR) + "/monitor_cli_test_tmp_" + std::to_string(::getpid());
  scratch_dir() { std::filesystem::create_directories(path); }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

const std::string& scratch() {
  static const scratch_dir dir;
  return dir.path;
}

std::string path(const std::string& name) { return scratch() + "/" + name; }

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

struct result {
  int status;
  std::string out, err;
};

// `hashsketch ARGS`, or any shell command when raw; stdin is /dev/null
// unless the command redirects it.
result run(const std::string& args, bool raw = false) {
  const std::string out = path("stdout.txt"), err = path("stderr.txt");
  const std::string command =
      "cd '" + scratch() + "' && " + (raw ? args : "'" + cli + "' " + args + " </dev/null") + " >'" + out + "' 2>'" + err + "'";
  const int rc = std::system(command.c_str());
  REQUIRE(rc != -1);
  REQUIRE(WIFEXITED(rc));
  return {WEXITSTATUS(rc), read_file(out), read_file(err)};
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// The raw text of a top-level value in count's one-line, flat JSON object.
std::string json_raw(const std::string& json, const std::string& key) {
  const std::string k = "\"" + key + "\": ";
  const std::size_t at = json.find(k);
  REQUIRE(at != std::string::npos);
  const std::size_t b = at + k.size();
  const std::size_t e = json.find_first_of(",}", b);
  REQUIRE(e != std::string::npos);
  return json.substr(b, e - b);
}

double json_number(const std::string& json, const std::string& key) {
  const std::string raw = json_raw(json, key);
  char* end = nullptr;
  const double v = std::strtod(raw.c_str(), &end);
  REQUIRE(*end == '\0');
  return v;
}

// A TAB-separated file of `lines` lines whose third field is one of
// `universe` user ids, with the awkward cases mixed in: CRLF line ends (one
// line in 3), lines with only two fields (1 in 17: missing field), empty
// third fields (1 in 29), empty lines (1 in 41), keys that differ only in
// case, and no newline after the last line.
std::string generated_file(std::uint64_t seed, std::size_t lines, std::uint64_t universe) {
  hashsketch_test::splitmix64 rng{seed};
  std::string out;
  for (std::size_t i = 0; i < lines; ++i) {
    const std::uint64_t r = rng();
    const std::string eol = (r % 3 == 0) ? "\r\n" : "\n";
    const std::string ts = std::to_string(1764547200 + i);
    if (r % 41 == 0) {
      out += eol;
    } else if (r % 17 == 0) {
      out += ts + "\tGET" + eol;
    } else if (r % 29 == 0) {
      out += ts + "\tGET\t\t/x" + eol;
    } else {
      const std::uint64_t user = rng() % universe;
      out += ts + "\tGET\t" + (user % 5 == 0 ? "User-" : "user-") + std::to_string(user) + "\t/p" +
             std::to_string(r % 13) + eol;
    }
  }
  out += "1764547199\tGET\tlast-user-without-newline";
  return out;
}

// The reference: cut(1)-style 1-based fields of lines without their "\r\n";
// lines with fewer fields have no key.
std::size_t reference_distinct(const std::vector<std::string>& contents, unsigned field) {
  std::unordered_set<std::string> seen;
  for (const std::string& text : contents) {
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t nl = text.find('\n', start);
      if (nl == std::string::npos) nl = text.size();
      std::string line = text.substr(start, nl - start);
      start = nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (field == 0) {
        seen.insert(line);
        continue;
      }
      std::size_t b = 0;
      bool ok = true;
      for (unsigned f = 1; f < field && ok; ++f) {
        const std::size_t d = line.find('\t', b);
        if (d == std::string::npos) ok = false;
        else b = d + 1;
      }
      if (!ok) continue;
      const std::size_t d = line.find('\t', b);
      seen.insert(line.substr(b, d == std::string::npos ? std::string::npos : d - b));
    }
  }
  return seen.size();
}

std::uint64_t shell_count(const std::string& pipeline) {
  const result r = run(pipeline, true);
  REQUIRE(r.status == 0);
  return std::strtoull(r.out.c_str(), nullptr, 10);
}

struct files {
  std::string a, b;  // paths
  std::string text_a, text_b;
};

const files& generated() {
  static const files f = [] {
    files out{path("a.tsv"), path("b.tsv"), generated_file(11, 120000, 90000), generated_file(12, 30000, 120000)};
    write_file(out.a, out.text_a);
    write_file(out.b, out.text_b);
    return out;
  }();
  return f;
}

}  // namespace

TEST_CASE("count --exact equals sort -u | wc -l and the reference", "[tools][monitor]") {
  const files& f = generated();
  const std::size_t ref3 = reference_distinct({f.text_a, f.text_b}, 3);
  const std::size_t ref_lines = reference_distinct({f.text_a, f.text_b}, 0);
  // More keys than the exact table's first size holds (3/4 of 65536 slots),
  // so the table grows while counting.
  REQUIRE(ref3 > 49152);
  REQUIRE(ref_lines > 49152);

  // The shell's answer: CR only ever ends a line here, so tr -d '\r' is the
  // CRLF rule; awk's NF ≥ 3 is "has a third field" (an empty one included);
  // LC_ALL=C so that sort -u compares bytes, not a locale's collation.
  const std::string files_arg = "'" + f.a + "' '" + f.b + "'";
  // `cat a b` would join a.tsv's unterminated last line with b.tsv's first;
  // the CLI reads each file's last line as a line, so the shell reads each
  // file separately and ends it with a newline too.
  const std::uint64_t sort3_separate =
      shell_count("for f in " + files_arg +
                  "; do tr -d '\\r' < \"$f\"; echo; done | awk -F'\\t' 'NF >= 3 { print $3 }' | LC_ALL=C sort -u | wc -l");
  const std::uint64_t sort_lines =
      shell_count("for f in " + files_arg + "; do tr -d '\\r' < \"$f\"; echo; done | LC_ALL=C sort -u | wc -l");
  CHECK(sort3_separate == ref3);
  // (Empty lines are keys in whole-line mode: the empty string, once.)
  CHECK(sort_lines == ref_lines);

  for (const char* threads : {"1", "3"}) {
    const result r = run(std::string("count -q -j ") + threads + " -f 3 --exact --format json " + files_arg);
    INFO("-j " << threads << ": " << r.err);
    REQUIRE(r.status == 0);
    CHECK(json_number(r.out, "exact") == static_cast<double>(ref3));
    const double est = json_number(r.out, "estimate");
    const double err = json_number(r.out, "error");
    const double sigma = json_number(r.out, "error_sigma");
    const double rse = json_number(r.out, "relative_standard_error");
    CHECK(err == Approx((est - static_cast<double>(ref3)) / static_cast<double>(ref3)).margin(1e-5));
    CHECK(sigma == Approx(err / rse).margin(1e-3));
    const bool inside = json_number(r.out, "lower") <= static_cast<double>(ref3) &&
                        static_cast<double>(ref3) <= json_number(r.out, "upper");
    CHECK(json_raw(r.out, "within_interval") == (inside ? "true" : "false"));
    // The printed estimate is the same with and without --exact.
    const result plain = run(std::string("count -q -j ") + threads + " -f 3 --format json " + files_arg);
    REQUIRE(plain.status == 0);
    CHECK(json_raw(plain.out, "estimate") == json_raw(r.out, "estimate"));
    CHECK_FALSE(contains(plain.out, "\"exact\""));

    const result whole = run(std::string("count -q -j ") + threads + " --exact --format json " + files_arg);
    REQUIRE(whole.status == 0);
    CHECK(json_number(whole.out, "exact") == static_cast<double>(ref_lines));
  }

  // Standard input: one thread, the same answer.
  const result in = run("'" + cli + "' count -q -f 3 --exact --format json < '" + f.a + "'", true);
  REQUIRE(in.status == 0);
  CHECK(json_number(in.out, "exact") == static_cast<double>(reference_distinct({f.text_a}, 3)));
  CHECK(json_number(in.out, "exact") ==
        static_cast<double>(shell_count("tr -d '\\r' < '" + f.a +
                                        "' | awk -F'\\t' 'NF >= 3 { print $3 }' | LC_ALL=C sort -u | wc -l")));

  // Text output: the exact figures follow the usual line.
  const result t = run("count -q -f 3 --exact " + files_arg);
  REQUIRE(t.status == 0);
  CHECK(contains(t.out, " distinct (95% interval "));
  CHECK(contains(t.out, "; exact " + std::to_string(ref3) + ": error "));
  CHECK(contains(t.out, " sigma), "));
  CHECK(t.out.find('\n') == t.out.size() - 1);  // still one line
}

TEST_CASE("count --exact on empty input is 0 and exact", "[tools][monitor]") {
  write_file(path("empty.tsv"), "");
  for (const char* e : {"ertl", "classic"}) {
    const result r = run(std::string("count -q --exact --format json -e ") + e + " empty.tsv");
    REQUIRE(r.status == 0);
    CHECK(json_number(r.out, "exact") == 0);
    CHECK(json_number(r.out, "error") == 0);
    CHECK(json_raw(r.out, "within_interval") == "true");
  }
}

TEST_CASE("count --exact-limit: at the limit it counts, past it exit 1 and no report", "[tools][monitor]") {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "key-" + std::to_string(i % 1000) + "\n";  // 1000 distinct, 3 times
  write_file(path("thousand.txt"), text);
  for (const char* threads : {"1", "2"}) {
    INFO("-j " << threads);
    const result at = run(std::string("count -q -j ") + threads + " --exact --exact-limit 1000 --format json thousand.txt");
    REQUIRE(at.status == 0);
    CHECK(json_number(at.out, "exact") == 1000);
    const result e_form = run(std::string("count -q -j ") + threads + " --exact --exact-limit=1e3 --format json thousand.txt");
    REQUIRE(e_form.status == 0);
    CHECK(json_number(e_form.out, "exact") == 1000);

    const result past = run(std::string("count -q -j ") + threads + " --exact --exact-limit 999 thousand.txt");
    CHECK(past.status == 1);
    CHECK(past.out.empty());
    CHECK(contains(past.err, "hashsketch count: more than 999 distinct keys: --exact stops at --exact-limit 999"));
    CHECK(contains(past.err, "raise --exact-limit"));
  }
  // Past the limit in a file of many 1 MiB chunks on several threads: the
  // worker that hits the limit goes on with the next chunk (the scan stops
  // at the end), and its sink's full batch must not overflow — this crashed
  // (SIGSEGV) before count_sink::flush emptied the batch before adding it.
  std::string many;
  for (int i = 0; i < 400000; ++i) many += "k" + std::to_string(i) + "\n";  // 3.3 MB, 400000 distinct
  write_file(path("many.txt"), many);
  for (const char* threads : {"1", "2", "4"}) {
    INFO("-j " << threads);
    const result past = run(std::string("count -q -j ") + threads + " --exact --exact-limit 1000 many.txt");
    CHECK(past.status == 1);
    CHECK(contains(past.err, "more than 1000 distinct keys"));
    const result at = run(std::string("count -q -j ") + threads + " --exact --exact-limit 400000 --format json many.txt");
    REQUIRE(at.status == 0);
    CHECK(json_number(at.out, "exact") == 400000);
  }
  // The same on standard input.
  const result pipe = run("'" + cli + "' count -q --exact --exact-limit 10 < thousand.txt", true);
  CHECK(pipe.status == 1);
  CHECK(contains(pipe.err, "more than 10 distinct keys"));
}

TEST_CASE("count --alert-sigma: exit 3 exactly when the truth is outside the band", "[tools][monitor]") {
  // A case built to miss: P = 4 (m = 16, rse 26 %) on 200000 distinct keys.
  std::string text;
  for (int i = 0; i < 200000; ++i) text += std::to_string(i) + "\n";
  write_file(path("big.txt"), text);
  const result base = run("count -q -p 4 --exact --alert-sigma 1000 --format json big.txt");
  REQUIRE(base.status == 0);
  CHECK(json_number(base.out, "exact") == 200000);
  const double z = std::fabs(json_number(base.out, "error_sigma"));
  INFO("|error_sigma| = " << z);
  // A strict sigma: the estimate of 16 registers is never within 0.0001
  // standard errors (±0.0026 %, ±5 keys) of 200000 here.
  REQUIRE(z > 0.0001);
  const result strict = run("count -q -p 4 --exact --alert-sigma 0.0001 --format json big.txt");
  CHECK(strict.status == 3);
  CHECK(json_number(strict.out, "exact") == 200000);  // the report is still printed
  CHECK(contains(strict.err, "hashsketch count: accuracy alert: the exact count 200000 is outside the 0.0001-sigma band"));
  // Around the observed |z|: half of it alerts, twice it does not.
  char half[32], twice[32];
  std::snprintf(half, sizeof half, "%.6g", z / 2);
  std::snprintf(twice, sizeof twice, "%.6g", z * 2);
  CHECK(run(std::string("count -q -p 4 --exact --alert-sigma ") + half + " big.txt").status == 3);
  const result calm = run(std::string("count -q -p 4 --exact --alert-sigma ") + twice + " big.txt");
  CHECK(calm.status == 0);
  CHECK(calm.err.empty());
  // Without --alert-sigma a miss is reported, never an exit status.
  CHECK(run("count -q -p 4 --exact big.txt").status == 0);
}

TEST_CASE("count: usage errors of the new options", "[tools][monitor]") {
  write_file(path("one.txt"), "x\n");
  for (const char* bad : {"--exact-limit 0", "--exact-limit -5", "--exact-limit abc", "--exact-limit 1.5",
                          "--exact-limit 5e9", "--exact-limit ''", "--alert-sigma 0", "--alert-sigma -1",
                          "--alert-sigma nan", "--alert-sigma inf", "--alert-sigma x"}) {
    const result r = run(std::string("count -q --exact ") + bad + " one.txt");
    INFO(bad << ": " << r.err);
    CHECK(r.status == 2);
    CHECK(contains(r.err, "Try 'hashsketch count --help'."));
  }
  const result needs = run("count -q --alert-sigma 3 one.txt");
  CHECK(needs.status == 2);
  CHECK(contains(needs.err, "option '--alert-sigma' needs --exact"));
  CHECK(run("count -q --exact-limit 10 one.txt").status == 2);
  CHECK(run("count -q --exact=1 one.txt").status == 2);  // a flag takes no value
  const result help = run("count --help");
  CHECK(contains(help.out, "--exact"));
  CHECK(contains(help.out, "--exact-limit"));
  CHECK(contains(help.out, "--alert-sigma"));
}

#else

TEST_CASE("monitor CLI tests need the tools", "[tools][monitor]") {
  WARN("HASHSKETCH_BUILD_TOOLS is OFF: bin/hashsketch was not built, nothing to test");
}

#endif
