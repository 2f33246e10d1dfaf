#!/bin/sh
# bench/peers/run.sh: runs the peer benchmark programs and prints the side-by-side table.
#
# Measures: nothing itself. Runs every program REPS times, interleaved (one round runs each
#           program once, so slow drift on a shared machine touches all of them alike; the
#           order rotates from round to round, so no program always runs first), each pinned
#           to CPU 0 with taskset when it works; keeps every line in RESULTS; prints, per
#           workload, the median of the REPS values of each library and our ratio to each peer
#           (ours / theirs: below 1 means ours is faster), and the best peer: the one ours
#           trails most. A ratio is the median of the REPS ratios of the two programs' values
#           in the same round, not the ratio of their medians: a burst of load that covers a
#           round or two then slows both sides of a ratio, whereas with medians it could land
#           on three of one program's runs and two of another's and make a gap of its own.
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
  # The median of ours / theirs over the rounds. The k-th value of each list is from round k:
  # every program reports every workload once per run and runs once per round.
  function paired(ours, theirs,    x, y, n, i, r) {
    n = split(ours, x, " ")
    if (split(theirs, y, " ") != n) return -1
    r = ""
    for (i = 1; i <= n; i++) {
      if (y[i] + 0 <= 0) return -1
      r = r " " (x[i] / y[i])
    }
    return median(r)
  }
  {
    lib = $1; work = $2
    if (!(work in unit)) { order[++nwork] = work; unit[work] = $4 }
    if (!(lib in seen)) { seen[lib] = 1; if (lib != "tornado") peers[++npeers] = lib }
    vals[work, lib] = vals[work, lib] " " $3
  }
  END {
    printf "medians of %d runs; ratio = median over the rounds of tornado / peer in the same round\n", reps
    printf "(below 1: tornado is faster); best peer = the one tornado trails most\n\n"
    printf "%-26s %-12s %9s", "workload", "unit", "tornado"
    for (p = 1; p <= npeers; p++) printf " %9s", peers[p]
    for (p = 1; p <= npeers; p++) printf " %9s", "/" peers[p]
    printf "  %s\n", "best peer"
    for (w = 1; w <= nwork; w++) {
      work = order[w]
      ours = ((work, "tornado") in vals) ? median(vals[work, "tornado"]) : -1
      printf "%-26s %-12s %9s", work, unit[work], ours < 0 ? "-" : sprintf("%.1f", ours)
      best = ""; bestr = -1
      for (p = 1; p <= npeers; p++) {
        r[p] = -1
        if ((work, peers[p]) in vals) {
          printf " %9.1f", median(vals[work, peers[p]])
          if (ours > 0) r[p] = paired(vals[work, "tornado"], vals[work, peers[p]])
          if (r[p] > bestr) { bestr = r[p]; best = peers[p] }
        } else {
          printf " %9s", "-"
        }
      }
      for (p = 1; p <= npeers; p++) printf " %9s", (r[p] > 0) ? sprintf("%.2f", r[p]) : "-"
      if (best != "") printf "  %s (%.2f)", best, bestr
      printf "\n"
    }
  }
' "$results"
