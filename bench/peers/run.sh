#!/bin/sh
# bench/peers/run.sh: runs the peer benchmark programs and prints the side-by-side table.
#
# Measures: nothing itself. Runs every program REPS times, interleaved (one round runs each
#           program once, so slow drift on a shared machine touches all of them alike; the
#           order rotates from round to round, so no program always runs first), each pinned
#           to CPU 0 with taskset when it works; keeps every line in RESULTS; prints, per
#           workload, the median of the REPS values of each library and our ratio to each peer
#           (ours / theirs: below 1 means ours is faster), and the best peer.
# Mirrors:  the "medians of several runs, ratios from the same run" rule of bench/README.md.
#
#   sh run.sh REPS RESULTS PROGRAM...
set -eu
reps=$1
results=$2
shift 2

pin=""
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
  pin="taskset -c 0"
fi

: >"$results"
nprogs=$#
round=1
while [ "$round" -le "$reps" ]; do
  turn=0
  while [ "$turn" -lt "$nprogs" ]; do
    # Round r starts with program number r (mod the count) and wraps around.
    k=$(( (round - 1 + turn) % nprogs + 1 ))
    eval "prog=\${$k}"
    echo "round $round/$reps: $(basename "$prog")${pin:+ (pinned to CPU 0)}" >&2
    $pin "$prog" >>"$results"
    turn=$((turn + 1))
  done
  round=$((round + 1))
done

awk -v reps="$reps" '
  function median(list,    v, n, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) {        # insertion sort: n is the number of repetitions
      t = v[i] + 0
      for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]
      v[j + 1] = t
    }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  {
    lib = $1; work = $2
    if (!(work in unit)) { order[++nwork] = work; unit[work] = $4 }
    if (!(lib in seen)) { seen[lib] = 1; if (lib != "tornado") peers[++npeers] = lib }
    vals[work, lib] = vals[work, lib] " " $3
  }
  END {
    printf "medians of %d runs; ratio = tornado / peer (below 1: tornado is faster)\n\n", reps
    printf "%-26s %-12s %9s", "workload", "unit", "tornado"
    for (p = 1; p <= npeers; p++) printf " %9s", peers[p]
    for (p = 1; p <= npeers; p++) printf " %9s", "/" peers[p]
    printf "  %s\n", "best peer"
    for (w = 1; w <= nwork; w++) {
      work = order[w]
      ours = ((work, "tornado") in vals) ? median(vals[work, "tornado"]) : -1
      printf "%-26s %-12s %9s", work, unit[work], ours < 0 ? "-" : sprintf("%.1f", ours)
      best = ""; bestv = -1
      for (p = 1; p <= npeers; p++) {
        if ((work, peers[p]) in vals) {
          m[p] = median(vals[work, peers[p]])
          printf " %9.1f", m[p]
          if (bestv < 0 || m[p] < bestv) { bestv = m[p]; best = peers[p] }
        } else {
          m[p] = -1
          printf " %9s", "-"
        }
      }
      for (p = 1; p <= npeers; p++)
        printf " %9s", (m[p] > 0 && ours > 0) ? sprintf("%.2f", ours / m[p]) : "-"
      if (best != "" && ours > 0) printf "  %s (%.2f)", best, ours / bestv
      printf "\n"
    }
  }
' "$results"
