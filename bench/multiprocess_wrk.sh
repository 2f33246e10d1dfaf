#!/usr/bin/env bash
# bench/multiprocess_wrk.sh: the helloworld demo with 1 and 2 processes, beside nginx with 1
# and 2 workers, under wrk, all unpinned.
#
#   bash bench/multiprocess_wrk.sh build/demos/helloworld
#   RUNS=3 DURATION=6 CONNECTIONS=100 bash bench/multiprocess_wrk.sh build/demos/helloworld
#
# Each server gets the whole machine, shared with wrk (two threads): on a 2-core machine the
# load generator takes part of the cores the servers would scale onto, so read the figures as
# the scaling of one against the other, not as the servers' ceiling. Keep-alive connections;
# access logs off (helloworld --logging=warning). Prints "NAME  req/s".
set -eu
[ $# -ge 1 ] || { echo "usage: multiprocess_wrk.sh HELLOWORLD" >&2; exit 2; }
HELLO=$1
RUNS=${RUNS:-1}
DURATION=${DURATION:-6}
CONNECTIONS=${CONNECTIONS:-100}
PORT=${PORT:-18081}
TMP=$(mktemp -d)
SERVER=
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM

# shellcheck source=bench/wait_port.sh
. "$(dirname "$0")/wait_port.sh"
# shellcheck source=bench/nginx_hello.sh
. "$(dirname "$0")/nginx_hello.sh"

run() {
  name=$1
  rps=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$PORT/" 2>&1 |
        awk '/Requests\/sec/ {print $2}')
  printf '%-28s %12s req/s\n' "$name" "$rps"
}

stop() {
  kill -TERM "$SERVER"
  wait "$SERVER" 2>/dev/null || true
  SERVER=
}


ulimit -n 4096 2>/dev/null || true
for round in $(seq "$RUNS"); do
  echo "round $round"
  for n in 1 2; do
    "$HELLO" --port="$PORT" --processes="$n" --logging=warning &
    SERVER=$!
    wait_port "$PORT"
    run "helloworld --processes=$n"
    stop
  done
  if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
    for n in 1 2; do
      nginx_hello_conf "$TMP" "$PORT" 4096 "$n"
      "$(command -v nginx || echo /usr/sbin/nginx)" -p "$TMP/" -c "$TMP/nginx.conf" -e "$TMP/error.log" &
      SERVER=$!
      wait_port "$PORT"
      run "nginx, $n worker(s)"
      kill -QUIT "$SERVER"
      wait "$SERVER" 2>/dev/null || true
      SERVER=
    done
  fi
done
