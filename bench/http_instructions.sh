#!/usr/bin/env bash
# bench/http_instructions.sh: user-space instructions and heap allocations per request of the
# hello servers beside nginx, counted by valgrind's callgrind (`make bench-instructions`).
#
#   bash bench/http_instructions.sh [build/bench/http_hello] [build/demos/helloworld]
#   LOAD=wrk DURATION=5 bash bench/http_instructions.sh   # wrk -t1 -c10 instead of the fixed load
#
# Each server in turn goes through bench/callgrind_server.sh, which says how it counts: the
# server alone under callgrind on core 0, a run with no request subtracted, bench/fixed_load.py
# (10 keep-alive connections, ROUNDS rounds of one GET on each) from core 1, every instruction
# of the server process in user space (its code, libc, the loop while it waits) divided by the
# requests answered. nginx runs as one process with one worker (bench/nginx_hello.sh), and is
# skipped with a line saying so when it is not installed. Kernel time is not in these counts:
# bench/http_wrk.sh measures the servers' whole CPU.
set -eu
here=$(dirname "$0")
HELLO=${1:-build/bench/http_hello}
WEB=${2:-build/demos/helloworld}
for tool in valgrind taskset /usr/bin/python3; do
  command -v $tool >/dev/null 2>&1 || { echo "skipped: $tool is not installed"; exit 0; }
done
NGINX=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)

# count NAME SERVER: "NAME Ir/request allocations/request", from callgrind_server.sh's last line
# ("N requests, M Ir/request, A allocations/request (idle run I Ir)").
count() {
  local line
  line=$(bash "$here/callgrind_server.sh" "$2" | tail -1)
  echo "$1 $(echo "$line" | awk '{print $3, $5}')"
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "# callgrind, ${LOAD:-fixed} load, start-up and shutdown subtracted"
count http_hello "$HELLO" >>"$results"
if [ -x "$WEB" ]; then count helloworld "$WEB" >>"$results"; else echo "helloworld skipped: $WEB is not built"; fi
if [ -n "$NGINX" ]; then count nginx "$NGINX" >>"$results"; else echo "nginx skipped: not installed (apt-get install nginx-light)"; fi
awk '{ name[NR] = $1; ir[NR] = $2; al[NR] = $3; if ($1 == "nginx") base = $2 }
     END {
       printf "%-12s %12s %20s %10s\n", "server", "Ir/request", "allocations/request", "/ nginx"
       for (i = 1; i <= NR; i++)
         printf "%-12s %12d %20s %10s\n", name[i], ir[i], al[i],
                base ? sprintf("%.2f", ir[i] / base) : "-"
     }' "$results"
