#!/bin/bash
# bench/websocket.sh: WebSocket echo round trips over one connection and broadcast fan-out to
# 1,000 clients, against this library's demos (httpbin's /ws/echo, chat's /chatsocket) and
# against python3-websockets' servers doing the same (tests/support/ws_peer.py server, chat).
# The client is build/bench/websocket_load in every case. bench/README.md has the figures.
#
#   make build/bench/websocket_load build/demos/httpbin build/demos/chat
#   bash bench/websocket.sh build/bench/websocket_load build/demos
set -eu
LOAD=${1:-build/bench/websocket_load}
DEMOS=${2:-build/demos}
CLIENTS=${CLIENTS:-1000}
MESSAGES=${MESSAGES:-20}
SECONDS_EACH=${SECONDS_EACH:-3}
LOG=$(mktemp)
trap 'rm -f "$LOG"; [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null || true' EXIT

# Starts a server that prints "listening on 127.0.0.1:PORT"; sets PID and PORT.
start() {
  "$@" >"$LOG" 2>&1 &
  PID=$!
  PORT=""
  for _ in $(seq 100); do
    PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$LOG" | head -1)
    [ -n "$PORT" ] && return 0
    sleep 0.05
  done
  echo "server did not start: $*"; cat "$LOG"; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }

ulimit -n "$(ulimit -Hn)"
have_python=1
/usr/bin/python3 -c 'import websockets' 2>/dev/null || have_python=0

echo "== echo round trips, one connection, 64-byte messages"
start "$DEMOS/httpbin" --port=0
printf 'tornado-cpp httpbin /ws/echo: '; "$LOAD" --echo "ws://127.0.0.1:$PORT/ws/echo" "$SECONDS_EACH"
stop
if [ $have_python = 1 ]; then
  start /usr/bin/python3 tests/support/ws_peer.py server
  printf 'python3-websockets:          '; "$LOAD" --echo "ws://127.0.0.1:$PORT/" "$SECONDS_EACH"
  stop
fi

echo "== broadcast to $CLIENTS clients, $MESSAGES messages"
start "$DEMOS/chat" --port=0 --cache_size=0
printf 'tornado-cpp chat demo: '; "$LOAD" --broadcast "ws://127.0.0.1:$PORT/chatsocket" "$CLIENTS" "$MESSAGES"
stop
if [ $have_python = 1 ]; then
  start /usr/bin/python3 tests/support/ws_peer.py chat
  printf 'python3-websockets:    '; "$LOAD" --broadcast "ws://127.0.0.1:$PORT/" "$CLIENTS" "$MESSAGES"
  stop
fi
