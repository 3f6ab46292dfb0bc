#!/usr/bin/env bash
# The README's first command: installs what is missing, builds the Release
# command-line tool, generates a realistic week of web-analytics logs (~10 M
# events, a few hundred thousand users; once, kept under build/demo-data) and
# answers three everyday questions with hashsketch and with the exact
# standard-tool pipeline, printing both answers and both wall times:
#   1. distinct users in the week       (count vs cut | sort -u | wc -l)
#   2. distinct users per day, merged   (per-day sketches → merged week)
#   3. mean session length from a 1 % sample (hash sampling by user vs 1 % of
#      lines at random; only the first keeps the login/logout pairs intact)
# Finishes in well under 2 minutes on 2 cores once the data exists
# (generation adds a few seconds, a first build about a minute).
#
# Environment: HASHSKETCH_DEMO_EVENTS (default 10000000), HASHSKETCH_DEMO_USERS
# (default 400000), HASHSKETCH_DEMO_DATA (default build/demo-data),
# HASHSKETCH_DEMO_BUILD (default build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C  # byte order for sort, '.' decimals for printf

events=${HASHSKETCH_DEMO_EVENTS:-10000000}
users=${HASHSKETCH_DEMO_USERS:-400000}
data=${HASHSKETCH_DEMO_DATA:-build/demo-data}
build=${HASHSKETCH_DEMO_BUILD:-build/release}
work=$build/demo-work
bin=$build/bin

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f s", b - a }'; }
say() { printf '%s\n' "$*"; }
num() { printf "%'d" "$1" 2>/dev/null || printf '%d' "$1"; }

scripts/install-deps.sh
say "== Building the Release command-line tool ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target hashsketch_cli hashsketch_gen_weblog >/dev/null

marker="$data/.complete-$events-$users"
if [ ! -e "$marker" ]; then
  say "== Generating the web log: $events events, $users users, 7 days -> $data/"
  rm -rf "$data"
  "$bin/hashsketch_gen_weblog" --events "$events" --users "$users" --days 7 --seed 1 --out "$data"
  touch "$marker"
fi
files=("$data"/weblog-*.tsv)
mkdir -p "$work"
rm -f "$work"/*.hsk
lines=$(cat "${files[@]}" | wc -l)
bytes=$(cat "${files[@]}" | wc -c)
say ""
say "Data: ${#files[@]} daily files, $(num "$lines") events, $((bytes / 1000000)) MB; columns:"
say "  date  time  user  device  event  page      e.g. $(head -n 3 "${files[0]}" | tail -n 1 | tr '\t' ' ')"
# Warm the page cache so neither side of a comparison pays for the disk.
cat "${files[@]}" >/dev/null

# ---------------------------------------------------------------------------
say ""
say "== 1. Distinct users in the week"
t0=$(now)
sketch_json=$("$bin/hashsketch" count -q -f 3 --format json -o "$work/week-direct.hsk" "${files[@]}")
t1=$(now)
truth=$(cut -f3 "${files[@]}" | sort -u | wc -l)
t2=$(now)
estimate=$(printf '%s' "$sketch_json" | sed -E 's/.*"estimate": ([0-9.]+).*/\1/')
lower=$(printf '%s' "$sketch_json" | sed -E 's/.*"lower": ([0-9.]+).*/\1/')
upper=$(printf '%s' "$sketch_json" | sed -E 's/.*"upper": ([0-9.]+).*/\1/')
awk -v e="$estimate" -v lo="$lower" -v hi="$upper" -v t="$truth" -v ts="$(elapsed "$t0" "$t1")" -v tc="$(elapsed "$t1" "$t2")" 'BEGIN {
  printf "   hashsketch count -f 3          %9.0f  (95%% interval %.0f .. %.0f)  %8s   16 KiB of state\n", e, lo, hi, ts
  printf "   cut -f3 | sort -u | wc -l      %9d  (exact)                          %8s\n", t, tc
  printf "   error %+.2f %%, truth %s the interval\n", 100 * (e - t) / t, (lo <= t && t <= hi) ? "inside" : "OUTSIDE"
}'

# ---------------------------------------------------------------------------
say ""
say "== 2. Distinct users per day; the week from the merged daily sketches"
say "   day          sketch (P=14)      exact    error"
sketch_time=0
exact_time=0
for f in "${files[@]}"; do
  day=$(basename "$f" .tsv)
  day=${day#weblog-}
  t0=$(now)
  e=$("$bin/hashsketch" count -q -f 3 -o "$work/$day.hsk" "$f" | cut -d' ' -f1)
  t1=$(now)
  x=$(cut -f3 "$f" | sort -u | wc -l)
  t2=$(now)
  sketch_time=$(awk -v s="$sketch_time" -v a="$t0" -v b="$t1" 'BEGIN { print s + b - a }')
  exact_time=$(awk -v s="$exact_time" -v a="$t1" -v b="$t2" 'BEGIN { print s + b - a }')
  awk -v d="$day" -v e="$e" -v x="$x" 'BEGIN { printf "   %s   %9d  %9d   %+6.2f %%\n", d, e, x, 100 * (e - x) / x }'
done
t0=$(now)
"$bin/hashsketch" merge -o "$work/week.hsk" "$work"/2*.hsk
week=$("$bin/hashsketch" estimate "$work/week.hsk" | cut -d' ' -f1)
t1=$(now)
awk -v e="$week" -v t="$truth" -v m="$(elapsed "$t0" "$t1")" -v s="$sketch_time" -v x="$exact_time" 'BEGIN {
  printf "   week (merge of 7 sketches) %9d  %9d   %+6.2f %%   merge + estimate %s\n", e, t, 100 * (e - t) / t, m
  printf "   wall time: 7 daily sketches %.2f s, 7 exact daily counts %.2f s\n", s, x
}'
if cmp -s "$work/week.hsk" "$work/week-direct.hsk"; then
  say "   the merged week is byte-for-byte the sketch of the whole week (merge is exact)"
else
  say "   WARNING: the merged week differs from the sketch of the whole week"
fi

# ---------------------------------------------------------------------------
say ""
say "== 3. Mean session length (login -> logout) from a 1 % sample"
# Pairs each user's login with their next logout on the same day; prints the
# mean session length, the half-width of its 95 % interval and the number of
# sessions. The sampling unit of hash sampling is the user, not the session
# (heavy users bring many sessions), so the interval is the one of a ratio
# estimator over users (Cochran, Sampling Techniques, 3rd ed., §6.4):
#   mean = ΣS_u / ΣN_u,  var ≈ n/(n−1) · Σ(S_u − mean·N_u)² / (ΣN_u)²
# where S_u, N_u are user u's total session time and session count.
sessions='
BEGIN { FS = "\t" }
{ if (!($1 in day)) day[$1] = ndays++
  split($2, hms, ":"); t = hms[1] * 3600 + hms[2] * 60 + hms[3] }
$5 == "login" { start[$3] = t; startday[$3] = day[$1]; next }
$5 == "logout" && ($3 in start) && startday[$3] == day[$1] {
  d = t - start[$3]; su[$3] += d; nu[$3]++; s += d; n++; delete start[$3] }
END { if (n == 0) { print "0 0 0"; exit }
      m = s / n; users = 0; r = 0
      for (u in nu) { users++; e = su[u] - m * nu[u]; r += e * e }
      v = users > 1 ? users / (users - 1) * r / (n * n) : 0
      printf "%.1f %.1f %d\n", m, 1.96 * sqrt(v), n }'
t0=$(now)
# (grep first: only login/logout lines matter, and grep is faster than awk)
read -r true_mean _ true_n < <(grep -h -F -e $'\tlogin\t' -e $'\tlogout\t' "${files[@]}" | awk "$sessions")
t1=$(now)
read -r hash_mean hash_hw hash_n < <("$bin/hashsketch" sample -q -r 0.01 -f 3 "${files[@]}" | awk "$sessions")
t2=$(now)
read -r line_mean line_hw line_n < <(cat "${files[@]}" | awk 'BEGIN { srand(42) } rand() < 0.01' | awk "$sessions")
t3=$(now)
awk -v tm="$true_mean" -v tn="$true_n" -v hm="$hash_mean" -v hh="$hash_hw" -v hn="$hash_n" \
    -v lm="$line_mean" -v lh="$line_hw" -v ln="$line_n" \
    -v t1="$(elapsed "$t0" "$t1")" -v t2="$(elapsed "$t1" "$t2")" -v t3="$(elapsed "$t2" "$t3")" 'BEGIN {
  printf "   all events (truth)                     %7.1f s  over %d sessions            %8s\n", tm, tn, t1
  printf "   hashsketch sample -r 0.01 -f 3 (users) %7.1f s  +- %5.1f, %d sessions  %8s   %s\n", hm, hh, hn, t2,
         (hm - hh <= tm && tm <= hm + hh) ? "truth inside the 95% interval" : "truth outside the 95% interval"
  printf "   1%% of lines at random                  %7.1f s  +- %5.1f, %d sessions  %8s   %+.0f %% biased\n", lm, lh, ln, t3,
         100 * (lm - tm) / tm
}'
say "   Random lines keep a login but drop its logout, pairing it with a later one:"
say "   sessions come out too long. Hash sampling keeps every event of 1 % of users."

# ---------------------------------------------------------------------------
say ""
say "== 4. How accurate, in general?"
say "   docs/accuracy.svg plots the error of every estimator against n (how to read it:"
say "   docs/accuracy.md); regenerate it with the bench/accuracy program ($bin/accuracy)."
say "   More: hashsketch --help, docs/cli.md."
