#!/usr/bin/env bash
# bench/report.sh: runs every benchmark with machine-readable output, then bench/report.py.
#
# Measures: nothing itself. Into $OUT (build/bench): the Google Benchmark programs' JSON
#           (ioloop.json, poller.json, gen.json; repetitions give the spread), the peer
#           programs' raw lines (peers/results.txt, via bench/peers/run.sh, with the C10K
#           chains and the timer round at several counts), the HTTP load
#           runs (http.txt, via bench/http_wrk.sh, ours and nginx), instructions per request
#           (instructions.txt, via bench/http_instructions.sh), the memory per idle
#           connection (memory.txt, via bench/idle_memory.py), and the machine (machine.txt).
#           Then bench/report.py writes $OUT/report.md and the plots.
# Mirrors:  `make bench-report` (which builds the programs first); bench/README.md.
#
#   QUICK=1 OUT=build/bench bash bench/report.sh     # under 2 minutes
set -eu
OUT=${OUT:-build/bench}
QUICK=${QUICK:-}
PY=/usr/bin/python3
here=$(dirname "$0")
mkdir -p "$OUT"
pin=""
taskset -c 0 true 2>/dev/null && pin="taskset -c 0"
start=$(date +%s)

if [ -n "$QUICK" ]; then
  # The peer programs make a fifth of their timed runs (bench_runs()); poller_bench's own pipe
  # chains are left to the peer programs.
  reps=3; min_time=0.05; peer_reps=1; http_runs=1; duration=2; conns="100 1000"; ir_rounds=300
  c10k='/fds:(10|100|1000|10000)$'; timers='/timers:(1000|10000|100000|1000000)/'
  chains='^c10k/'; peer_timers="1000 100000 1000000"
  export BENCH_QUICK=1
else
  # min_time is CPU time for most of these, and a loaded machine stretches it in wall time.
  reps=5; min_time=0.1; peer_reps=3; http_runs=3; duration=4; conns="100 1000 3000 10000"
  ir_rounds=1000
  c10k=''; timers=''; chains='^pipe_chain/|^c10k/'; peer_timers="1000 10000 100000 1000000"
fi

# The machine line's parts; report.py formats them.
{
  echo "cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "cores=$(nproc)"
  echo "kernel=$(uname -sr)"
  echo "compiler=$(${CXX:-g++} --version | head -1)"
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "quick=${QUICK:-0}"
  echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "params=$reps repetitions of at least ${min_time} s each, $peer_reps peer rounds, wrk $http_runs x ${duration} s per scenario"
} >"$OUT/machine.txt"

# stage NAME: records the seconds since the previous stage into machine.txt (the report
# prints where the run's time went).
last=$start
stage() {
  now=$(date +%s)
  echo "stage_$1=$((now - last))" >>"$OUT/machine.txt"
  last=$now
}

# gbench PROGRAM NAME FILTER: one Google Benchmark program, pinned, JSON into $OUT/NAME.json.
gbench() {
  echo "== $1 ($3)" >&2
  $pin "$OUT/$1" --benchmark_filter="$3" --benchmark_repetitions=$reps \
    --benchmark_min_time=$min_time --benchmark_out="$OUT/$2.json" \
    --benchmark_out_format=json --benchmark_format=console >"$OUT/$2.txt" 2>&1 ||
    echo "$1 failed: see $OUT/$2.txt" >&2
}
gbench ioloop_bench ioloop "^(posted_callbacks|syscall_getppid|loop_count|timers_pending$timers)"
stage ioloop
gbench gen_bench gen '^(co_await_ready|co_await_make_ready|co_await_pending|multi_100)$'
stage gen
gbench poller_bench poller "($chains).*$c10k"
stage poller

# The peers: every program found in $OUT/peers (built by make), interleaved rounds, with the
# C10K chains (N registered read ends, so 10,000 needs 20,064 descriptors: raised when allowed)
# and million_timers' round at the counts of BENCH_TIMERS (timers/<N>, beside our
# timers_pending; 1,000,000 is million_timers' own figure).
BENCH_C10K="10 100 1000 10000"
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 20100 ]; then
  ulimit -n 20100 2>/dev/null || BENCH_C10K="10 100 1000 3000"
fi
export BENCH_C10K
BENCH_TIMERS=$peer_timers
export BENCH_TIMERS
progs=""
for p in tornado_bench libev_bench libevent_bench libuv_bench asio_bench; do
  [ -x "$OUT/peers/$p" ] && progs="$progs $OUT/peers/$p"
done
echo "== peers ($peer_reps rounds:$progs)" >&2
# shellcheck disable=SC2086 # one word per program
sh "$here/peers/run.sh" "$peer_reps" "$OUT/peers/results.txt" $progs >"$OUT/peers/table.txt" ||
  echo "peer run failed" >&2
stage peers

# HTTP: ours and nginx (when installed) under wrk, on a free port.
free_port() {
  $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
if command -v wrk >/dev/null 2>&1; then
  echo "== http ($http_runs rounds of ${duration}s)" >&2
  PORT=$(free_port) RUNS=$http_runs DURATION=$duration SCENARIOS="c50 c500 close close500" \
    bash "$here/http_wrk.sh" "$OUT/http_hello" >"$OUT/http.txt" 2>&1 || echo "http run failed" >&2
else
  echo "wrk is missing: no HTTP figures" >"$OUT/http.txt"
fi
stage http

# User-space instructions and allocations per request under callgrind, ours beside nginx
# (bench/http_instructions.sh; the helloworld demo too when it is built).
if command -v valgrind >/dev/null 2>&1; then
  echo "== instructions per request (callgrind, $ir_rounds rounds)" >&2
  ROUNDS=$ir_rounds OUT=$OUT/callgrind PORT=$(free_port) \
    bash "$here/http_instructions.sh" "$OUT/http_hello" "$(dirname "$OUT")/demos/helloworld" \
    >"$OUT/instructions.txt" 2>&1 || echo "instruction count failed" >&2
else
  echo "valgrind is missing: no instruction counts" >"$OUT/instructions.txt"
fi
stage instructions

# Memory per idle connection: ours, then nginx with one worker.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
. "$here/wait_port.sh"
. "$here/nginx_hello.sh"
echo "== memory per idle connection ($conns)" >&2
: >"$OUT/memory.txt"
PORT=$(free_port)
"$OUT/http_hello" --port="$PORT" 2>/dev/null &
server=$!
wait_port
# shellcheck disable=SC2086 # one word per count
$PY "$here/idle_memory.py" "$server" "$PORT" $conns | sed 's/^/tornado /' >>"$OUT/memory.txt" || true
kill "$server"; wait "$server" 2>/dev/null || true
if command -v nginx >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  PORT=$(free_port)
  nginx_hello_conf "$tmp" "$PORT" 16384
  nginx -p "$tmp" -c "$tmp/nginx.conf" &
  server=$!
  wait_port
  # shellcheck disable=SC2086
  $PY "$here/idle_memory.py" "$server" "$PORT" $conns | sed 's/^/nginx /' >>"$OUT/memory.txt" || true
  kill "$server"; wait "$server" 2>/dev/null || true
  rm -rf "$tmp"
fi

stage memory
echo "seconds=$(( $(date +%s) - start ))" >>"$OUT/machine.txt"
$PY "$here/report.py" "$OUT"
