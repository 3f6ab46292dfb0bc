#!/usr/bin/env bash
# The NEON kernels, checked on an x86 host: cross-compile tests/kernels_test.cpp
# (every kernel set the CPU runs == the scalar reference, batch XXH3 == xxhash.h,
# add_many == n × add, merge_all / estimate_union == naive) for AArch64 with
# Debian's g++-aarch64-linux-gnu and run it under qemu-aarch64 (qemu-user),
# once, under the default dispatch (which must pick "neon"). On an AArch64
# host it runs natively. scripts/test.sh calls this.
# Build dir: build/neon (override with HASHSKETCH_NEON_BUILD). Time: see the
# "NEON kernels" line of scripts/test.sh's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${HASHSKETCH_NEON_BUILD:-build/neon}
mkdir -p "$out/include"

if [ "$(uname -m)" = aarch64 ]; then
  cxx=${HASHSKETCH_NEON_CXX:-g++}
  run=()
else
  cxx=${HASHSKETCH_NEON_CXX:-aarch64-linux-gnu-g++}
  for tool in "$cxx" qemu-aarch64; do
    command -v "$tool" >/dev/null 2>&1 || {
      echo "neon-test: $tool not found (scripts/install-deps.sh installs g++-aarch64-linux-gnu and qemu-user)" >&2
      exit 1
    }
  done
  run=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
fi

# Only the two header-only dependencies are taken from the host's /usr/include
# (putting all of it on the path would shadow the target's libc headers).
for dep in xxhash.h catch2; do
  [ -e "/usr/include/$dep" ] || { echo "neon-test: /usr/include/$dep missing" >&2; exit 1; }
  ln -sfn "/usr/include/$dep" "$out/include/$dep"
done

bin="$out/kernels_test_aarch64"
echo "neon-test: compiling $bin with $cxx"
"$cxx" -std=c++17 -O2 -Wall -Wextra -Wpedantic -Wshadow -Werror \
  -Iinclude -Itests -isystem "$out/include" \
  tests/kernels_test.cpp tests/catch_main.cpp -o "$bin"

status=0
# One run, under the default dispatch (which must pick neon: checked below).
# Its "every supported kernel set" tests compare each set the CPU runs (neon
# and scalar) with the scalar references directly; a forced neon run repeated
# it, and a forced scalar run only re-ran the portable code that the x86
# stages already run under HASHSKETCH_FORCE_ISA=scalar. Each qemu run of this
# test costs minutes of one core, beside the sanitizer build (CI time).
if env -u HASHSKETCH_FORCE_ISA "${run[@]}" "$bin" >"$out/default.log" 2>&1; then
  echo "neon-test [default]: $(grep -E 'All tests passed' "$out/default.log" || tail -1 "$out/default.log")"
else
  cat "$out/default.log"
  echo "neon-test [default]: FAILED"
  status=1
fi

# The default dispatch on AArch64 must be the NEON set, and an x86 set must
# be refused loudly (abort), never silently replaced.
cat >"$out/active_isa.cpp" <<'CPP'
#include <hashsketch/hyperloglog.hpp>
#include <cstdio>
int main() { std::printf("%s\n", hashsketch::active_isa()); }
CPP
"$cxx" -std=c++17 -O2 -Iinclude -isystem "$out/include" "$out/active_isa.cpp" -o "$out/active_isa_aarch64"
active=$(env -u HASHSKETCH_FORCE_ISA "${run[@]}" "$out/active_isa_aarch64")
if [ "$active" != neon ]; then
  echo "neon-test: default kernel set is '$active', expected neon"
  status=1
fi
# An unsupported HASHSKETCH_FORCE_ISA warns once and runs the best set (0.2.0;
# 0.1.0 aborted): exit 0, the warning on stderr, neon still active.
if refused=$(HASHSKETCH_FORCE_ISA=avx2 "${run[@]}" "$out/active_isa_aarch64" 2>"$out/refused.log") &&
   [ "$refused" = neon ] && grep -q '^hashsketch: warning: HASHSKETCH_FORCE_ISA=avx2:' "$out/refused.log"; then
  echo "neon-test: default set is neon; HASHSKETCH_FORCE_ISA=avx2 ignored: $(head -1 "$out/refused.log")"
else
  cat "$out/refused.log"
  echo "neon-test: HASHSKETCH_FORCE_ISA=avx2 on AArch64 did not warn and fall back to neon (got '${refused:-}')"
  status=1
fi
exit $status
