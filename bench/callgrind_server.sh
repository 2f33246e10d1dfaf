#!/bin/bash
# bench/callgrind_server.sh: user-space instructions per request of one server, counted by
# callgrind (bench/http_instructions.sh runs it for the hello servers and nginx side by side).
#
#   bash bench/callgrind_server.sh build/demos/helloworld            # -> "N requests, M Ir/request"
#   ANNOTATE=1 bash bench/callgrind_server.sh build/demos/helloworld # and the top functions
#   LOAD=wrk bash bench/callgrind_server.sh build/demos/helloworld   # wrk -t1 -c10 for DURATION s
#   bash bench/callgrind_server.sh build/bench/http_hello             # the bare HTTPServer
#   bash bench/callgrind_server.sh /usr/sbin/nginx                    # one worker, "Hello, world"
#   CLOSE=1 bash bench/callgrind_server.sh build/bench/http_hello     # a connection per request
#
# Also prints the allocations per request: the calls to malloc, calloc and realloc that
# callgrind recorded, less those of the idle run.
#
# The server runs under callgrind pinned to core 0; bench/fixed_load.py (ROUNDS rounds of one
# keep-alive GET on each of 10 connections) drives it from core 1, then SIGINT stops it (a
# graceful shutdown). A first run with no request at all counts start-up and shutdown, which
# are subtracted; the rest is divided by the requests served. The fixed load gives the same
# batches on every run, so the count repeats to a few instructions per request; wrk's timed
# runs vary by several hundred with the machine's load. Counts do not depend on the machine's
# speed, so one run of each build compares them.
set -eu
SERVER=${1:?usage: callgrind_server.sh SERVER_BINARY [ARGS...]}
shift
EXTRA=("$@")
PORT=${PORT:-18931}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-1000}
OUT=${OUT:-build/bench/callgrind}/$(basename "$SERVER")
mkdir -p "$OUT"

# How each server is told its port: the demos take Tornado's options, http_hello only
# --port/--address, nginx a configuration (one worker, no master, no access log, as in
# bench/http_wrk.sh).
case "$(basename "$SERVER")" in
  nginx)
    # shellcheck source=bench/nginx_hello.sh
    . "$(dirname "$0")/nginx_hello.sh"
    nginx_hello_conf "$PWD/$OUT" "$PORT"
    ARGS=(-p "$PWD/$OUT" -c "$PWD/$OUT/nginx.conf") ;;
  http_hello) ARGS=(--port="$PORT" --address=127.0.0.1) ;;
  *) ARGS=(--port="$PORT" --address=127.0.0.1 --logging=warning) ;;
esac

# run_server NAME LOAD: the server under callgrind, with the load (a command) while it runs.
run_server() {
  local name=$1 load=$2
  rm -f "$OUT/$name.out"
  taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.out" \
    "$SERVER" "${ARGS[@]}" ${EXTRA[@]+"${EXTRA[@]}"} 2>"$OUT/$name.log" &
  local pid=$!
  # Valgrind starts slowly on a loaded machine: wait up to 60 s for the port (wait_port's 5 s
  # is for native servers), and a SIGINT sent before the server handles it would be lost.
  local i=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || [ $i -ge 600 ]; do
    i=$((i + 1)); sleep 0.1
  done
  # The port opens (bind) before the loop handles signals: give it a moment, then ask again
  # every 5 s until it stops.
  sleep 1
  eval "$load"
  i=0
  while kill -INT "$pid" 2>/dev/null && [ $i -lt 6 ]; do
    i=$((i + 1))
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  kill -KILL "$pid" 2>/dev/null && echo "warning: $name run did not stop on SIGINT" >&2
  wait "$pid" || true
}

total_ir() { grep -m1 '^summary:' "$1" | awk '{print $2}'; }

# The calls to malloc, calloc and realloc recorded in a callgrind file (operator new calls
# malloc). Names in the file are compressed: "fn=(7) malloc" or "cfn=(7) malloc" once,
# "(7)" alone after.
allocations() {
  awk '/^fn=/ {
         line = substr($0, 4)
         if (match(line, /^\([0-9]+\)/) && RLENGTH < length(line))
           names[substr(line, RSTART, RLENGTH)] = substr(line, RLENGTH + 2)
         next
       }
       /^cfn=/ {
         line = substr($0, 5)
         if (match(line, /^\([0-9]+\)/)) {
           id = substr(line, RSTART, RLENGTH); rest = substr(line, RLENGTH + 2)
           if (rest != "") names[id] = rest
           cur = names[id]
         } else cur = line
         next
       }
       /^calls=/ { split(substr($0, 7), a, " ")
                   if (cur == "malloc" || cur == "calloc" || cur == "realloc") n += a[1] }
       END { print n + 0 }' "$1"
}

run_server idle ":"
if [ "${LOAD:-fixed}" = wrk ]; then
  run_server load "taskset -c 1 wrk -t1 -c10 -d${DURATION}s http://127.0.0.1:$PORT/ > $OUT/wrk.txt"
  requests=$(awk '/requests in/ {print $1}' "$OUT/wrk.txt")
else
  run_server load "taskset -c 1 /usr/bin/python3 $(dirname "$0")/fixed_load.py $PORT $ROUNDS > $OUT/load.txt"
  requests=$(cat "$OUT/load.txt")
fi
idle=$(total_ir "$OUT/idle.out")
load=$(total_ir "$OUT/load.out")
allocs=$(( $(allocations "$OUT/load.out") - $(allocations "$OUT/idle.out") ))
echo "$requests requests, $(( (load - idle) / requests )) Ir/request," \
  "$(awk -v a="$allocs" -v r="$requests" 'BEGIN { printf "%.1f", a / r }') allocations/request" \
  "(idle run $idle Ir)"
if [ -n "${ANNOTATE:-}" ]; then
  callgrind_annotate --inclusive=no "$OUT/load.out" 2>/dev/null | sed -n '1,60p'
fi
