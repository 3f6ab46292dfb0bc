#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   1. Release build with g++ at -O2 (-Werror on our targets), every ctest test;
#   2. the unit tests again under every other instruction set this CPU supports
#      (HASHSKETCH_FORCE_ISA; the default set already ran in step 1), and the
#      NEON kernels under qemu-aarch64 (in the background, beside the builds of steps 3-5);
#   3. an ASan+UBSan build with clang (-fno-sanitize-recover=all): the unit tests
#      built and run by the second compiler;
#   4. a ThreadSanitizer build (clang) of the tests labelled "concurrency";
#   5. the libFuzzer targets (clang), two at a time (one per core), each for
#      HASHSKETCH_FUZZ_SECONDS, or by default for what is left of the time
#      budget HASHSKETCH_CI_BUDGET (seconds, default 1200 = 20 min, counted
#      from the start), 30..300 s per target. 30 s is the floor so that the
#      whole run stays near 22 min on 2 cores even when the stages before
#      run late: every target starts from its corpus (which the unit suite
#      also replays), and libFuzzer covers these small decoders' branches in
#      seconds; the budget, not the floor, sets the time when there is room.
# The test trees link most tests against the compiled kernels
# (tests/CMakeLists.txt, HASHSKETCH_HEADER_ONLY_TESTS); the sanitizer trees
# build only what they run (no benchmarks, examples or accuracy tests), and
# their property tests instantiate P = 4, 7, 11, 16 instead of every P = 4..16
# (HASHSKETCH_TESTS_FEW_PRECISIONS; tests/support/precisions.hpp says why
# those): the Release tree tests every precision.
# Prints each stage's wall time. Exits non-zero on any failure.
# Build dirs: build/release, build/asan, build/tsan, build/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

start_all=$SECONDS
"$root/scripts/install-deps.sh"

jobs=${HASHSKETCH_JOBS:-$(nproc)}
budget=${HASHSKETCH_CI_BUDGET:-1200}
failures=()
timings=()
stage_name=""
stage_start=$SECONDS
step() {
  if [ -n "$stage_name" ]; then timings+=("$(printf '%5ds  %s' $((SECONDS - stage_start)) "$stage_name")"); fi
  stage_name="$*"
  stage_start=$SECONDS
  printf '\n==== %s\n' "$*"
}
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
have_clang=0
command -v clang++ >/dev/null 2>&1 && have_clang=1

# -O2, not CMake's Release default -O3: the flags most users build with
# (distributions, RelWithDebInfo), and a third less compile time for the
# template-heavy tests (sparse_test: 153 s of g++ CPU at -O2, 227 s at -O3).
# The benchmarks' -O2/-O3 comparison has its own targets (bench_summary).
step "Release build (g++ -O2)"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build build/release -j "$jobs"
step "Release ctest (all tests)"
run_ctest build/release "release"

step "Unit tests once per other forced instruction set"
isas=(scalar)
if [ "$(uname -m)" = x86_64 ]; then
  flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
  isas+=(sse2)
  [[ $flags == *" avx2"* ]] && isas+=(avx2)
  [[ $flags == *" avx512bw"* ]] && isas+=(avx512)
elif [ "$(uname -m)" = aarch64 ]; then
  isas+=(neon)
fi
# The last (best) set is the default dispatch, which step 1 already ran.
unset 'isas[${#isas[@]}-1]'
for isa in "${isas[@]}"; do
  HASHSKETCH_FORCE_ISA=$isa run_ctest build/release "isa=$isa" -L unit
done
neon_pid=""
if [ -x scripts/neon-test.sh ]; then
  # One compiler process, then qemu: one core's work. It runs beside the
  # sanitizer and fuzzer builds (which keep the other core busy) and is waited
  # for before the fuzzers run, which have the two cores to themselves.
  echo "[neon] aarch64 cross build and qemu run started in the background"
  neon_log=$(mktemp)
  neon_start=$SECONDS
  scripts/neon-test.sh >"$neon_log" 2>&1 &
  neon_pid=$!
fi
wait_neon() {
  [ -n "$neon_pid" ] || return 0
  local rc=0
  wait "$neon_pid" || rc=$?
  neon_pid=""
  sed 's/^/[neon] /' "$neon_log"
  rm -f "$neon_log"
  timings+=("$(printf '%5ds  %s' $((SECONDS - neon_start)) "NEON kernels (aarch64 cross build under qemu; in the background, from its start until waited for)")")
  [ "$rc" = 0 ] || failures+=("neon")
}

sanitizer_cxx=()
sanitizer_name=g++
if [ "$have_clang" = 1 ]; then sanitizer_cxx=(-DCMAKE_CXX_COMPILER=clang++); sanitizer_name=clang++; fi
# Debug info for the sanitizer and fuzzer trees: line tables only, which is
# what their reports print (file:line per frame); full -g cost ~10 % more
# compile time of these trees.
debug_lines=-gline-tables-only
[ "$have_clang" = 1 ] || debug_lines=-g1
step "ASan+UBSan build ($sanitizer_name: tests and tools)"
cmake -S . -B build/asan "${sanitizer_cxx[@]}" -DCMAKE_BUILD_TYPE=Debug \
  -DHASHSKETCH_SANITIZE=address,undefined -DHASHSKETCH_BUILD_BENCH=OFF \
  -DHASHSKETCH_BUILD_EXAMPLES=OFF -DHASHSKETCH_BUILD_ACCURACY_TESTS=OFF -DHASHSKETCH_TESTS_FEW_PRECISIONS=ON -DCMAKE_CXX_FLAGS="-O1" \
  -DCMAKE_CXX_FLAGS_DEBUG="$debug_lines" >/dev/null
cmake --build build/asan -j "$jobs"
step "ASan+UBSan ctest (accuracy, package and compile-only tests run in Release only)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest build/asan "asan+ubsan" -LE "accuracy|package|compile"

step "ThreadSanitizer build and ctest (label concurrency)"
cmake -S . -B build/tsan "${sanitizer_cxx[@]}" -DCMAKE_BUILD_TYPE=Debug \
  -DHASHSKETCH_SANITIZE=thread -DHASHSKETCH_BUILD_BENCH=OFF -DHASHSKETCH_BUILD_EXAMPLES=OFF \
  -DHASHSKETCH_BUILD_TOOLS=OFF -DHASHSKETCH_BUILD_ACCURACY_TESTS=OFF -DHASHSKETCH_TESTS_FEW_PRECISIONS=ON -DCMAKE_CXX_FLAGS="-O1" \
  -DCMAKE_CXX_FLAGS_DEBUG="$debug_lines" >/dev/null
mapfile -t tsan_tests < <(cd build/tsan && ctest -N -L concurrency | sed -n 's/^ *Test *#[0-9]*: *//p')
if [ ${#tsan_tests[@]} -eq 0 ]; then
  echo "no tests labelled concurrency" >&2
  failures+=("tsan:none")
else
  cmake --build build/tsan -j "$jobs" --target "${tsan_tests[@]}"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 run_ctest build/tsan "tsan" -L concurrency
fi

if [ "$have_clang" = 1 ] && [ "${HASHSKETCH_FUZZ_SECONDS:-1}" != 0 ]; then
  step "libFuzzer targets (clang), two at a time"
  cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHASHSKETCH_BUILD_FUZZERS=ON -DHASHSKETCH_BUILD_BENCH=OFF -DHASHSKETCH_BUILD_EXAMPLES=OFF \
    -DHASHSKETCH_BUILD_TOOLS=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" >/dev/null
  fuzzers=()
  for src in tests/fuzz/*_fuzz.cpp; do fuzzers+=("$(basename "$src" .cpp)"); done
  cmake --build build/fuzz -j "$jobs" --target "${fuzzers[@]}" >/dev/null
  wait_neon
  rounds=$(( (${#fuzzers[@]} + 1) / 2 ))
  left=$(( budget - (SECONDS - start_all) - 60 ))
  fuzz_seconds=${HASHSKETCH_FUZZ_SECONDS:-$(( left / rounds ))}
  [ -z "${HASHSKETCH_FUZZ_SECONDS:-}" ] && { [ "$fuzz_seconds" -lt 30 ] && fuzz_seconds=30; [ "$fuzz_seconds" -gt 300 ] && fuzz_seconds=300; }
  echo "[fuzz] ${#fuzzers[@]} targets, ${fuzz_seconds}s each, 2 at a time"
  mkdir -p build/fuzz/artifacts
  fuzz_one() {  # fuzz_one <name>: runs one target on a copy of its corpus
    local name=$1 work
    work=$(mktemp -d)
    cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
    if build/fuzz/bin/"$name" -max_total_time="$fuzz_seconds" -print_final_stats=0 \
        -artifact_prefix="$root/build/fuzz/artifacts/$name-" "$work" >"$work.log" 2>&1; then
      echo "[fuzz] $name: $(grep -Eo '#[0-9]+.*DONE.*' "$work.log" | tail -1 || echo ok)"
      rm -rf "$work" "$work.log"
      return 0
    fi
    tail -40 "$work.log"
    rm -rf "$work" "$work.log"
    return 1
  }
  for ((i = 0; i < ${#fuzzers[@]}; i += 2)); do
    pids=()
    names=()
    for name in "${fuzzers[@]:i:2}"; do
      fuzz_one "$name" &
      pids+=($!)
      names+=("$name")
    done
    for k in "${!pids[@]}"; do
      wait "${pids[$k]}" || failures+=("fuzz:${names[$k]}")
    done
  done
else
  echo "clang++ not found or HASHSKETCH_FUZZ_SECONDS=0: fuzzers skipped" >&2
fi

wait_neon
step "Summary"
timings+=("$(printf '%5ds  %s' $((SECONDS - start_all)) "total")")
printf '%s\n' "${timings[@]}"
if [ ${#failures[@]} -gt 0 ]; then
  echo "FAILED: ${failures[*]}"
  exit 1
fi
echo "all test stages passed"
