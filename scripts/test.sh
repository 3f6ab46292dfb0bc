#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   1. Release build (-Werror on our targets), every ctest test;
#   2. the unit tests again once per instruction set this CPU supports
#      (HASHSKETCH_FORCE_ISA), and the NEON kernels under qemu-aarch64;
#   3. an ASan+UBSan build (-fno-sanitize-recover=all) and its ctest;
#   4. the libFuzzer targets (clang), HASHSKETCH_FUZZ_SECONDS each (default 60).
# Exits non-zero on any failure. Build dirs: build/release, build/asan, build/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

"$root/scripts/install-deps.sh"

jobs=${HASHSKETCH_JOBS:-$(nproc)}
fuzz_seconds=${HASHSKETCH_FUZZ_SECONDS:-60}
failures=()
step() { printf '\n==== %s\n' "$*"; }
run_ctest() {  # run_ctest <build dir> <label text> [ctest args...]
  local dir=$1 what=$2
  shift 2
  local log
  log=$(mktemp)
  if (cd "$dir" && ctest --output-on-failure -j "$jobs" "$@") >"$log" 2>&1; then
    grep -E 'tests passed|No tests were found' "$log" | sed "s/^/[$what] /"
  else
    cat "$log"
    failures+=("$what")
  fi
  rm -f "$log"
}

step "Release build"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$jobs"
step "Release ctest (all tests)"
run_ctest build/release "release"

step "Unit tests once per forced instruction set"
isas=(scalar)
if [ "$(uname -m)" = x86_64 ]; then
  flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
  isas+=(sse2)
  [[ $flags == *" avx2"* ]] && isas+=(avx2)
  [[ $flags == *" avx512bw"* ]] && isas+=(avx512)
elif [ "$(uname -m)" = aarch64 ]; then
  isas+=(neon)
fi
for isa in "${isas[@]}"; do
  HASHSKETCH_FORCE_ISA=$isa run_ctest build/release "isa=$isa" -L unit
done
if [ -x scripts/neon-test.sh ]; then
  step "NEON kernels (aarch64 cross build under qemu)"
  scripts/neon-test.sh || failures+=("neon")
fi

step "ASan+UBSan build"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DHASHSKETCH_SANITIZE=address,undefined \
  -DHASHSKETCH_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS="-O1" >/dev/null
cmake --build build/asan -j "$jobs"
step "ASan+UBSan ctest (accuracy tests run in Release only)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest build/asan "asan+ubsan" -LE "accuracy|package"

if command -v clang++ >/dev/null 2>&1 && [ "$fuzz_seconds" -gt 0 ]; then
  step "libFuzzer targets, ${fuzz_seconds}s each"
  cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHASHSKETCH_BUILD_FUZZERS=ON -DHASHSKETCH_BUILD_BENCH=OFF -DHASHSKETCH_BUILD_EXAMPLES=OFF \
    -DHASHSKETCH_BUILD_TOOLS=OFF >/dev/null
  for src in tests/fuzz/*_fuzz.cpp; do
    name=$(basename "$src" .cpp)
    cmake --build build/fuzz -j "$jobs" --target "$name" >/dev/null
    work=$(mktemp -d)
    cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
    mkdir -p build/fuzz/artifacts
    if build/fuzz/bin/"$name" -max_total_time="$fuzz_seconds" -print_final_stats=0 \
        -artifact_prefix="$root/build/fuzz/artifacts/$name-" "$work" >"$work.log" 2>&1; then
      echo "[fuzz] $name: $(grep -Eo '#[0-9]+.*DONE.*' "$work.log" | tail -1 || echo ok)"
    else
      tail -40 "$work.log"
      failures+=("fuzz:$name")
    fi
    rm -rf "$work" "$work.log"
  done
else
  echo "clang++ not found or HASHSKETCH_FUZZ_SECONDS=0: fuzzers skipped" >&2
fi

step "Summary"
if [ ${#failures[@]} -gt 0 ]; then
  echo "FAILED: ${failures[*]}"
  exit 1
fi
echo "all test stages passed"
