// Hand distinct counts from a C++ service to Spark SQL (or Druid, Hive,
// BigQuery UDFs): one DataSketches HLL_8 image per partition, which the engine
// unions and estimates at cluster scale.
//
// The service side (this program): each partition (here: 8 shards of a day's
// events, user ids overlapping between shards) keeps a
// datasketches_hyperloglog<12> — the same registers DataSketches' own
// hll_sketch(12) would hold for the same keys — and writes it with
// to_datasketches(). The files land in a directory Spark can read:
//
//   -- Spark 3.5+ SQL. The C++ images are binary files; `content` is the image.
//   CREATE TEMPORARY VIEW cpp_sketches
//   USING binaryFile OPTIONS (path '/data/hll/day=2026-11-22/*.bin');
//
//   -- Unique users over all partitions:
//   SELECT hll_sketch_estimate(hll_union_agg(content)) AS unique_users
//   FROM cpp_sketches;
//
//   -- Mixed with sketches Spark builds itself from BIGINT user ids (Spark's
//   -- hll_sketch_agg hashes a BIGINT as its 8 little-endian bytes, like
//   -- add(std::uint64_t) here; strings as their UTF-8 bytes, like
//   -- add(std::string_view)). `true` lets sketches of different lg_k merge
//   -- (the union folds to the smallest lg_k, exactly as reduce<>() does):
//   SELECT hll_sketch_estimate(hll_union_agg(sketch, true)) AS unique_users
//   FROM (SELECT content AS sketch FROM cpp_sketches
//         UNION ALL
//         SELECT hll_sketch_agg(user_id, 12) AS sketch FROM events
//         WHERE day = '2026-11-22');
//
// Spark is not available here, so this program checks what it can: every
// image reads back to its sketch, its header says HLL / HLL_8 / lg_k 12 /
// OUT_OF_ORDER (readers use the composite estimator, see datasketches.hpp), and
// the union of the read-back images estimates the exact distinct count within
// 4 standard errors. The golden-vector tests (tests/datasketches_test.cpp)
// prove that DataSketches' reader accepts these bytes and decodes the same
// registers. Exits non-zero on any failure.
#include <hashsketch/datasketches.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  constexpr unsigned lg_k = 12;  // 4 KiB per partition, ±1.6 % (1.04/√4096)
  constexpr int partitions = 8;
  constexpr std::uint64_t shard_step = 100000, shard_users = 150000;  // neighbours overlap by 50000
  const std::uint64_t exact = shard_step * (partitions - 1) + shard_users;

  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "hashsketch_spark_handoff";
  fs::create_directories(dir);

  // 1. The service: one sketch per partition, written as a DataSketches image.
  std::vector<hashsketch::datasketches_hyperloglog<lg_k>> shards(partitions);
  std::vector<fs::path> files;
  for (int p = 0; p < partitions; ++p) {
    const std::uint64_t first = shard_step * static_cast<std::uint64_t>(p);
    for (std::uint64_t user = first; user < first + shard_users; ++user) shards[p].add(user);
    const std::vector<std::uint8_t> image = hashsketch::to_datasketches(shards[p], hashsketch::ds_target::hll_8);
    files.push_back(dir / ("part-" + std::to_string(p) + ".bin"));
    std::ofstream(files.back(), std::ios::binary).write(reinterpret_cast<const char*>(image.data()),
                                                        static_cast<std::streamsize>(image.size()));
  }

  // 2. What the engine does: read every image, union, estimate.
  bool ok = true;
  hashsketch::datasketches_hyperloglog<lg_k> all;
  for (int p = 0; p < partitions; ++p) {
    std::ifstream in(files[p], std::ios::binary);
    const std::vector<std::uint8_t> image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const bool header_ok = image.size() == 40 + (std::size_t{1} << lg_k) && image[0] == 10 && image[2] == 7 &&
                           image[3] == lg_k && image[7] == (2 | (2 << 2)) && (image[5] & 0x10) != 0 &&
                           hashsketch::datasketches_lg_k(image.data(), image.size()) == static_cast<int>(lg_k);
    const auto back = hashsketch::from_datasketches<lg_k>(image.data(), image.size());
    const bool same = back == shards[p];
    std::printf("%s: %zu bytes, HLL_8 lg_k %u, estimate %.0f (exact %llu)%s%s\n", files[p].string().c_str(),
                image.size(), lg_k, back.estimate(), static_cast<unsigned long long>(shard_users),
                header_ok ? "" : "  BAD HEADER", same ? "" : "  READ-BACK DIFFERS");
    ok = ok && header_ok && same;
    all.merge(back);
  }

  // hll_union_agg + hll_sketch_estimate, computed here on the same bytes.
  const double estimate = all.estimate();
  const double rse = all.relative_standard_error();
  const double error = (estimate - static_cast<double>(exact)) / static_cast<double>(exact);
  std::printf("union of %d partitions: estimate %.0f, exact %llu, error %+.2f %% (bound ±%.2f %% = 4 x %.2f %% RSE)\n",
              partitions, estimate, static_cast<unsigned long long>(exact), 100 * error, 400 * rse, 100 * rse);
  ok = ok && std::abs(error) <= 4 * rse;

  // A finer partner: Spark sketches at lg_k 14 fold into ours (the union
  // reduces to the smaller lg_k); reading a lg_k 14 image at P = 12 does it.
  hashsketch::datasketches_hyperloglog<14> finer;
  for (std::uint64_t user = 0; user < exact; ++user) finer.add(user);
  const auto finer_image = hashsketch::to_datasketches(finer, hashsketch::ds_target::hll_4);
  const auto folded = hashsketch::from_datasketches<lg_k>(finer_image.data(), finer_image.size());
  std::printf("a lg_k 14 HLL_4 image of the same users (%zu bytes) read at lg_k 12: %s\n", finer_image.size(),
              folded == all ? "same registers as the union" : "DIFFERENT registers");
  ok = ok && folded == all;

  std::printf("%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
