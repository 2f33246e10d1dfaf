#!/usr/bin/env bash
# bench/http_wrk.sh: the hello server under wrk, beside nginx when it is installed.
#
#   bash bench/http_wrk.sh build/bench/http_hello            # one run of each scenario
#   RUNS=5 DURATION=10 bash bench/http_wrk.sh build/bench/http_hello
#   SCENARIOS="c50 c500" bash bench/http_wrk.sh build/bench/http_hello \
#       "build/demos/helloworld --logging=warning"             # the web layer beside it
#
# Each argument is a server command (it gets --port=PORT appended), measured in turn, then
# nginx.
# Each server is pinned to core 0 and wrk to core 1. For every run it prints requests/s as
# wrk reports them and the server's CPU per request: the utime+stime that /proc/PID/stat
# gains over the run, divided by the requests wrk completed. On a 2-core machine wrk itself
# tops out near 80K requests/s, so the CPU figure is the one that separates servers. The last
# column is wrk's 99th percentile latency (--latency).
# Scenarios: keep-alive with 50 and 500 connections, Connection: close (c50; close500 for
# 500), and 16 requests pipelined per write. PORT picks the port (bench/report.sh passes a
# free one); nginx runs with its own temporary prefix. nginx runs one worker (master_process off), access log off, answering
# `return 200 "Hello, world"`, as the hello server does.
set -eu
[ $# -ge 1 ] || { echo "usage: http_wrk.sh SERVER_COMMAND..." >&2; exit 2; }
SCENARIOS=${SCENARIOS:-c50 c500 close pipelined}
RUNS=${RUNS:-1}
DURATION=${DURATION:-10}
PORT=${PORT:-18080}
TMP=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM
SERVER=

cat >"$TMP/pipeline.lua" <<'EOF'
init = function(args)
  local r = {}
  for i = 1, 16 do r[i] = wrk.format(nil, "/") end
  req = table.concat(r)
end
request = function() return req end
EOF

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# shellcheck source=bench/wait_port.sh
. "$(dirname "$0")/wait_port.sh"
# shellcheck source=bench/nginx_hello.sh
. "$(dirname "$0")/nginx_hello.sh"

# run NAME WRK_ARGS...: prints "NAME  req/s  us/request"
run() {
  name=$1; shift
  before=$(cpu_ticks "$SERVER")
  out=$(taskset -c 1 wrk -t1 -d"${DURATION}s" --latency "$@" "http://127.0.0.1:$PORT/" 2>&1)
  after=$(cpu_ticks "$SERVER")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  hz=$(getconf CLK_TCK)
  us=$(awk -v t=$((after - before)) -v n="$reqs" -v hz="$hz" \
        'BEGIN { if (n > 0) printf "%.2f", t * 1e6 / hz / n; else print "n/a" }')
  printf '%-12s %-22s %12s req/s %8s us/request  p99 %s\n' "$SERVER_NAME" "$name" "$rps" "$us" "$p99"
}

scenarios() {
  for s in $SCENARIOS; do
    case $s in
      c50) run "keep-alive c50" -c50 ;;
      c500) run "keep-alive c500" -c500 ;;
      close) run "close c50" -c50 -H 'Connection: close' ;;
      close500) run "close c500" -c500 -H 'Connection: close' ;;
      pipelined) run "pipelined16 c50" -c50 -s "$TMP/pipeline.lua" ;;
    esac
  done
}

# 500 connections need more descriptors than a default shell may give.
ulimit -n 4096 2>/dev/null || true

# The servers take turns within each round, so that the machine's drift over minutes falls on
# all of them alike; compare figures from the same round.
nginx_hello_conf "$TMP" "$PORT" 4096
command -v nginx >/dev/null 2>&1 ||
  echo "nginx is not installed: no comparison (apt-get install nginx-light)"

for r in $(seq "$RUNS"); do
  echo "# round $r"
  for cmd in "$@"; do
    SERVER_NAME=$(basename "${cmd%% *}")
    # shellcheck disable=SC2086 # the command is split into its words on purpose
    taskset -c 0 $cmd --port=$PORT 2>/dev/null &
    SERVER=$!
    wait_port
    scenarios
    kill $SERVER; wait $SERVER 2>/dev/null || true
  done
  if command -v nginx >/dev/null 2>&1; then
    SERVER_NAME=nginx
    taskset -c 0 nginx -p "$TMP" -c "$TMP/nginx.conf" &
    SERVER=$!
    wait_port
    scenarios
    kill $SERVER; wait $SERVER 2>/dev/null || true
  fi
done
