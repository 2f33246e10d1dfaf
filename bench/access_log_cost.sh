#!/usr/bin/env bash
# bench/access_log_cost.sh: what the access log costs the helloworld demo, in pairs of runs.
#
#   bash bench/access_log_cost.sh [build/demos/helloworld]
#   PAIRS=9 DURATION=4 bash bench/access_log_cost.sh
#
# Each pair runs the demo twice back to back under wrk (-t1 -c50 keep-alive): once with its
# default INFO access log, written to a file as a deployed server's would be, and once with
# --logging=warning (no access line). The demo is pinned to core 0 and wrk to core 1. Each run
# prints requests/s and the server's CPU per request (utime + stime from /proc/PID/stat over
# the run, divided by the requests); each pair prints both ratios, log on over log off. On two
# cores wrk limits requests/s, so the CPU ratio is the steadier of the two. Medians at the end.
set -eu
here=$(dirname "$0")
DEMO=${1:-build/demos/helloworld}
PAIRS=${PAIRS:-7}
DURATION=${DURATION:-4}
PORT=${PORT:-18181}
TMP=$(mktemp -d)
SERVER=
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM
# shellcheck source=bench/wait_port.sh
. "$here/wait_port.sh"

# run [ARGS...]: "REQUESTS_PER_S NS_OF_CPU_PER_REQUEST" for one run of the demo with ARGS.
run() {
  taskset -c 0 "$DEMO" --port="$PORT" "$@" >"$TMP/access.log" 2>&1 &
  SERVER=$!
  wait_port
  local t0 t1 out
  t0=$(awk '{ print $14 + $15 }' "/proc/$SERVER/stat")
  out=$(taskset -c 1 wrk -t1 -c50 -d"${DURATION}s" "http://127.0.0.1:$PORT/")
  t1=$(awk '{ print $14 + $15 }' "/proc/$SERVER/stat")
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
  echo "$out" | awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ { n = $1 } /Requests\/sec/ { rps = $2 }
    END { printf "%d %.0f\n", rps, ticks * 1e9 / hz / n }'
}

printf "%-5s %12s %12s %8s %14s %14s %8s\n" pair "on req/s" "off req/s" ratio "on ns CPU/req" \
  "off ns CPU/req" ratio
for p in $(seq "$PAIRS"); do
  read -r on_rps on_cpu < <(run)
  read -r off_rps off_cpu < <(run --logging=warning)
  awk -v p="$p" -v a="$on_rps" -v b="$off_rps" -v c="$on_cpu" -v d="$off_cpu" \
    'BEGIN { printf "%-5s %12d %12d %8.2f %14d %14d %8.2f\n", p, a, b, a / b, c, d, c / d }'
done | tee "$TMP/pairs"
sort -n -k4 "$TMP/pairs" | awk '{ r[NR] = $4 } END { m = r[int((NR + 1) / 2)]; printf "median requests/s on / off %.2f\n", m }'
sort -n -k7 "$TMP/pairs" | awk '{ r[NR] = $7 } END { m = r[int((NR + 1) / 2)]; printf "median CPU per request on / off %.2f\n", m }'
