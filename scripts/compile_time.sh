#!/usr/bin/env bash
# Compile time of the cost every user pays per translation unit: a TU that
# includes <hashsketch/hyperloglog.hpp> and adds one key, against a TU that
# includes only the standard headers the library's own headers include
# (found by scanning them, so the baseline follows the code). Three library
# variants: header-only (default), HASHSKETCH_EXTERN_KERNELS (kernels compiled
# once, see include/hashsketch/kernels.hpp) and the one-off implementation TU.
#
#   scripts/compile_time.sh [compiler] [reps] [flags...]
#   scripts/compile_time.sh g++ 5 -O2        (default)
#   scripts/compile_time.sh clang++ 5 -O3
#
# CPU time (user + sys), wall time and peak RSS via /usr/bin/time when
# present (else bash's time: wall only, reported as both). Runs are
# interleaved and the median of `reps` is reported; on a machine loaded by
# other builds wall time inflates with the load, CPU time much less, so the
# ratios of CPU time are the figures to quote.
set -euo pipefail
cxx=${1:-g++}
reps=${2:-5}
shift $(( $# >= 2 ? 2 : $# )) || true
flags=("$@")
[ ${#flags[@]} -eq 0 ] && flags=(-O2)
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The standard headers the library's headers include (on the hyperloglog path).
printf '#include <hashsketch/hyperloglog.hpp>\n' >"$work/probe.cpp"
std_headers=$("$cxx" -std=c++17 -I"$root/include" -DHASHSKETCH_EXTERN_KERNELS -MM "$work/probe.cpp" |
  tr ' \\' '\n\n' | grep -E '\.hpp$' | sort -u |
  xargs grep -h -E '^#include <[a-z_]+>' | sort -u)

cat >"$work/std.cpp" <<CPP
$std_headers
int main() {
  std::vector<unsigned char> registers(16384);
  registers[42] = 1;
  return std::count(registers.begin(), registers.end(), 1) == 1 ? 0 : 1;
}
CPP
cat >"$work/hll.cpp" <<'CPP'
#include <hashsketch/hyperloglog.hpp>
int main() {
  hashsketch::hyperloglog<14> sketch;
  sketch.add(std::uint64_t{42});
  return sketch.estimate() > 0 ? 0 : 1;
}
CPP
cp "$root/src/kernels.cpp" "$work/impl.cpp"

declare -A args=(
  [std]="$work/std.cpp"
  [header_only]="$work/hll.cpp"
  [extern_kernels]="-DHASHSKETCH_EXTERN_KERNELS $work/hll.cpp"
  [implementation_tu]="$work/impl.cpp"
)
variants=(std header_only extern_kernels implementation_tu)
have_time=0
[ -x /usr/bin/time ] && have_time=1

measure() {  # prints "wall_seconds kilobytes cpu_seconds"
  local v=$1
  # shellcheck disable=SC2086
  if [ $have_time = 1 ]; then
    /usr/bin/time -f "%e %M %U %S" -o "$work/t" "$cxx" -std=c++17 "${flags[@]}" -I"$root/include" -c ${args[$v]} -o "$work/$v.o"
    awk '{print $1, $2, $3 + $4}' "$work/t"
  else
    local TIMEFORMAT=%R
    { time "$cxx" -std=c++17 "${flags[@]}" -I"$root/include" -c ${args[$v]} -o "$work/$v.o"; } 2>"$work/t"
    echo "$(cat "$work/t") 0 $(cat "$work/t")"
  fi
}

for ((r = 0; r < reps; ++r)); do
  for v in "${variants[@]}"; do measure "$v" >>"$work/$v.txt"; done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
std_cpu=$(cut -d' ' -f3 "$work/std.txt" | median)
echo "compiler: $("$cxx" --version | head -1); flags: ${flags[*]}; median of $reps interleaved runs"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
printf '%-18s %8s %8s %8s %12s\n' variant "cpu s" "x std" "wall s" "max RSS MB"
for v in "${variants[@]}"; do
  cpu=$(cut -d' ' -f3 "$work/$v.txt" | median)
  wall=$(cut -d' ' -f1 "$work/$v.txt" | median)
  kb=$(cut -d' ' -f2 "$work/$v.txt" | median)
  printf '%-18s %8.2f %8.2f %8.2f %12.0f\n' "$v" "$cpu" "$(awk -v a="$cpu" -v b="$std_cpu" 'BEGIN{print a/b}')" \
    "$wall" "$(awk -v k="$kb" 'BEGIN{print k/1024}')"
done
