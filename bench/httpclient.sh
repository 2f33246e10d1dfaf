#!/usr/bin/env bash
# bench/httpclient.sh: AsyncHTTPClient as a load generator beside wrk and Python Tornado's
# client, against one server.
#
#   bash bench/httpclient.sh build/bench/http_hello build/bench/httpclient_load
#   RUNS=5 bash bench/httpclient.sh build/bench/http_hello build/bench/httpclient_load
#
# The server (given --port=PORT) is pinned to core 0, every client to core 1. Each round runs,
# in turn: wrk -c1 and httpclient_load with 10,000 sequential keep-alive GETs; wrk -c100 and
# httpclient_load with 100 concurrent fetch loops (50,000 GETs); httpclient_load again with a
# connection per request (--keep_alive=0), sequential and with 100 loops; then, when
# python3-tornado is installed, bench/tornado_client.py the same two ways (its client opens a
# connection per request, as Tornado's simple client always does). Compare figures of one
# round: the machine drifts between rounds.
set -eu
[ $# -eq 2 ] || { echo "usage: httpclient.sh SERVER_COMMAND HTTPCLIENT_LOAD" >&2; exit 2; }
SERVER_CMD=$1
LOAD=$2
RUNS=${RUNS:-1}
PORT=${PORT:-18081}
URL="http://127.0.0.1:$PORT/"
SERVER=
trap 'kill $SERVER 2>/dev/null || true' EXIT INT TERM

# shellcheck source=bench/wait_port.sh
. "$(dirname "$0")/wait_port.sh"

wrk_line() {
  out=$(taskset -c 1 wrk -t1 -c"$1" -d5s "$URL" 2>&1)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  printf 'wrk        c%-4d %-10s %33s req/s\n' "$1" keep-alive "$rps"
}

# shellcheck disable=SC2086 # the command is split into its words on purpose
taskset -c 0 $SERVER_CMD --port="$PORT" 2>/dev/null &
SERVER=$!
wait_port
for r in $(seq "$RUNS"); do
  echo "# round $r"
  wrk_line 1
  taskset -c 1 "$LOAD" --requests=10000 --concurrency=1 "$URL"
  wrk_line 100
  taskset -c 1 "$LOAD" --requests=50000 --concurrency=100 "$URL"
  # A connection per request, as Tornado's client: the like-for-like figure beside it.
  taskset -c 1 "$LOAD" --requests=2000 --concurrency=1 --keep_alive=0 "$URL"
  taskset -c 1 "$LOAD" --requests=5000 --concurrency=100 --keep_alive=0 "$URL"
  if /usr/bin/python3 -c 'import tornado' 2>/dev/null; then
    taskset -c 1 /usr/bin/python3 bench/tornado_client.py "$URL" 2000 1
    taskset -c 1 /usr/bin/python3 bench/tornado_client.py "$URL" 5000 100
  else
    echo "python3-tornado is not installed: no Tornado figure (apt-get install python3-tornado)"
  fi
done
