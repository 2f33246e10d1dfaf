#!/usr/bin/env bash
# bench/http_instructions.sh: user-space instructions per request, the hello servers beside
# nginx, counted by valgrind's callgrind.
#
#   bash bench/http_instructions.sh [build/bench/http_hello] [build/demos/helloworld]
#   DURATION=5 CONNECTIONS=10 bash bench/http_instructions.sh
#
# Each server runs alone under `valgrind --tool=callgrind`, pinned to core 0; wrk (pinned to
# core 1) drives it with CONNECTIONS keep-alive connections for DURATION seconds. nginx runs
# with `daemon off; master_process off;` and one worker, so that its single process is the
# one callgrind watches (no --trace-children needed), access log off, answering `return 200
# "Hello, world"` as the hello servers do. Skipped with a line saying so when nginx is not
# installed.
#
# The method: start-up is not counted, nor the first connections' set-up. The server starts
# under callgrind, a short warm-up load runs (WARMUP seconds), then `callgrind_control
# --zero` clears the counters; the measured load runs; `callgrind_control --dump` writes the
# counts since the zeroing, and the script divides that total Ir (every instruction the
# server process ran in user space: its own code, libc, the loop while it waited) by the
# requests wrk says were answered. Kernel time is not instructions callgrind sees: the figure
# compares the user-space work of the servers (bench/http_wrk.sh measures their whole CPU).
# wrk's own count includes requests still in flight when it stops; with 10 connections that
# is at most 10 of thousands.
set -eu
HELLO=${1:-build/bench/http_hello}
WEB=${2:-build/demos/helloworld}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONNECTIONS=${CONNECTIONS:-10}
PORT=${PORT:-18090}
TMP=$(mktemp -d)
SERVER=
trap 'if [ -n "$SERVER" ]; then kill $SERVER 2>/dev/null || true; fi; rm -rf "$TMP"' EXIT INT TERM

for tool in valgrind callgrind_control wrk; do
  command -v $tool >/dev/null 2>&1 || { echo "skipped: $tool is not installed"; exit 0; }
done

# Under valgrind a server takes seconds to start: wait up to 60 s for its port.
wait_port_long() {
  i=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || [ $i -ge 600 ]; do
    i=$((i + 1)); sleep 0.1
  done
}

# measure NAME COMMAND...: prints "NAME  Ir  requests  Ir/request"
measure() {
  name=$1; shift
  out="$TMP/cg.$name"
  taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>"$TMP/vg.$name" &
  SERVER=$!
  wait_port_long
  taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$PORT/" >/dev/null 2>&1
  callgrind_control --zero $SERVER >/dev/null 2>&1
  res=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s \
          "http://127.0.0.1:$PORT/" 2>&1)
  callgrind_control --dump $SERVER >/dev/null 2>&1
  kill -INT $SERVER 2>/dev/null || true
  wait $SERVER 2>/dev/null || true
  SERVER=
  reqs=$(echo "$res" | awk '/requests in/ {print $1}')
  # The dump made by --dump is the first numbered one: "$out.1"; its summary line is the total.
  ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$out.1")
  awk -v n="$name" -v ir="$ir" -v r="$reqs" \
    'BEGIN { printf "%-14s %14d Ir %8d requests %10.0f Ir/request\n", n, ir, r, ir / r }'
  echo "$name $(awk -v ir="$ir" -v r="$reqs" 'BEGIN { printf "%.0f", ir / r }')" >>"$TMP/results"
}

: >"$TMP/results"
echo "# callgrind, wrk -t1 -c$CONNECTIONS -d${DURATION}s keep-alive, after a ${WARMUP}s warm-up"
measure http_hello "$HELLO" --port=$PORT
if [ -x "$WEB" ]; then
  measure helloworld "$WEB" --port=$PORT --logging=warning
else
  echo "helloworld     skipped: $WEB is not built"
fi
if command -v nginx >/dev/null 2>&1; then
  cat >"$TMP/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log $TMP/error.log;
pid $TMP/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP;
  server {
    listen 127.0.0.1:$PORT;
    location / { default_type text/plain; return 200 "Hello, world"; }
  }
}
EOF
  measure nginx "$(command -v nginx)" -p "$TMP" -c "$TMP/nginx.conf"
  nginx_ir=$(awk '$1 == "nginx" {print $2}' "$TMP/results")
  awk -v base="$nginx_ir" '$1 != "nginx" { printf "%-14s %.2fx nginx\n", $1, $2 / base }' \
    "$TMP/results"
else
  echo "nginx          skipped: nginx is not installed (apt-get install nginx-light)"
fi
