#!/usr/bin/python3
# tests/support/ws_peer.py: Debian's python3-websockets as the other end of a WebSocket, for
# tests/web/websocket_peer_test.cc.
#
#   /usr/bin/python3 tests/support/ws_peer.py client ws://127.0.0.1:8888/ws/echo
#       drives an echo server: text and binary messages of 0, 125, 126, 65535, 65536 bytes
#       and 1 MiB, fragmented messages, a ping, a close with code 4000 that must be echoed;
#       prints one "ok ..." line per step and exits 0, or prints the failure and exits 1.
#   /usr/bin/python3 tests/support/ws_peer.py server
#       an echo server on 127.0.0.1 (a port the kernel picks, printed as "listening on
#       127.0.0.1:PORT"); "fragment" is answered in three fragments, "close:CODE" closes with
#       that code and the reason "bye"; each connection's end is printed as
#       "closed CODE REASON". It pings every 50 ms and drops a peer that does not answer.
#       SIGTERM stops it (exit 0).
#   /usr/bin/python3 tests/support/ws_peer.py chat
#       the chat demo's protocol for bench/websocket.sh: each {"body": text} is numbered and
#       sent to every open connection, as demos/chat does (without the backlog).
# Exit 77 when the websockets module is missing.
import asyncio
import signal
import sys

try:
    import websockets
except ImportError:
    print("python3-websockets is not installed")
    sys.exit(77)

SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20]


async def client(url):
    async with websockets.connect(url, max_size=None, ping_interval=None) as ws:
        for n in SIZES:
            for message in ("a" * n, b"\xfe" * n):
                await ws.send(message)
                back = await asyncio.wait_for(ws.recv(), 5)
                assert back == message, f"echo of {len(message)} {type(message).__name__}"
        print("ok echo", len(SIZES) * 2, "messages", flush=True)
        await ws.send(["frag", "ment", "ed"])
        assert await asyncio.wait_for(ws.recv(), 5) == "fragmented"
        await ws.send([b"\x00\x01", b"", b"\x02"])
        assert await asyncio.wait_for(ws.recv(), 5) == b"\x00\x01\x02"
        print("ok fragmented", flush=True)
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 5)
        print("ok ping", flush=True)
        await ws.close(code=4000, reason="done")
        assert ws.close_code == 4000, f"close code {ws.close_code}"
        print("ok close", ws.close_code, flush=True)


async def chat():
    import json
    clients = set()
    next_id = 0

    async def handler(ws, path=None):
        nonlocal next_id
        clients.add(ws)
        try:
            async for m in ws:
                next_id += 1
                out = json.dumps({"id": next_id, "body": json.loads(m)["body"]})
                websockets.broadcast(clients, out)
        finally:
            clients.discard(ws)

    await listen(handler, ping_interval=None)


async def listen(handler, **kwargs):
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None, **kwargs) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on 127.0.0.1:{port}", flush=True)
        await stop


async def serve():
    async def handler(ws, path=None):
        try:
            async for m in ws:
                if m == "fragment":
                    await ws.send(["frag", "ment", "ed"])
                elif isinstance(m, str) and m.startswith("close:"):
                    await ws.close(code=int(m[6:]), reason="bye")
                else:
                    await ws.send(m)
        finally:
            print("closed", ws.close_code, ws.close_reason, flush=True)

    await listen(handler, ping_interval=0.05, ping_timeout=0.5)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "client":
        try:
            asyncio.run(asyncio.wait_for(client(sys.argv[2]), 30))
        except Exception as e:  # the test prints what went wrong
            print("FAILED:", type(e).__name__, e, flush=True)
            sys.exit(1)
    elif len(sys.argv) >= 2 and sys.argv[1] == "server":
        asyncio.run(serve())
    elif len(sys.argv) >= 2 and sys.argv[1] == "chat":
        asyncio.run(chat())
    else:
        print(__doc__ or "usage: ws_peer.py client URL | server")
        sys.exit(2)


main()
