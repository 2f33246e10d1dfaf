#!/usr/bin/env python3
"""bench/soak.py: a long mixed load against the httpbin demo, with a share of faulted clients.

    python3 bench/soak.py build/demos/httpbin --clients 200 --seconds 600 --faults 0.25

Starts the demo on an ephemeral loopback port, then runs `clients` asyncio clients for
`seconds`. Each client opens a connection and, with probability `faults`, misbehaves on it
(cuts mid-head, mid-body or mid-response, sends garbage, trickles bytes slowly, or resets with
SO_LINGER 0); otherwise it sends a few keep-alive requests from a fixed mix and checks each
answer (status, framing, body). Afterwards it reports: requests sent and failed, faults
injected, every WARNING or ERROR line the server logged, and the server's RSS and open
descriptors at the start, at the peak, and once the load has gone. Exit status 0 only when no
normal request failed, no WARNING/ERROR line appeared, and RSS and descriptors came back.
Not part of `make check`: it is a soak, minutes long.
"""
import argparse
import asyncio
import os
import random
import re
import socket
import struct
import subprocess
import sys
import time

from procstat import open_fds, rss_kib


# (method, target, body, expected status, a substring the body must hold)
NORMAL = [
    ("GET", "/get?a=1", b"", 200, b'"a": "1"'),
    ("POST", "/post", b"x=1&y=2", 200, b'"x": "1"'),
    ("GET", "/bytes/2048", b"", 200, None),
    ("GET", "/status/418", b"", 418, b"teapot"),
    ("GET", "/stream/5", b"", 200, b'"id": 4'),
    ("GET", "/range/1000", b"", 200, None),
    ("GET", "/headers", b"", 200, b"User-Agent"),
    ("PUT", "/put", b'{"k": [1, 2]}', 200, b'"k"'),
]


class Stats:
    def __init__(self):
        self.sent = 0
        self.ok = 0
        self.failed = []
        self.faults = {}


async def read_response(reader):
    """Reads one response; returns (status, body). Raises on malformed or cut responses."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    return status, body


def request_bytes(method, target, body):
    head = f"{method} {target} HTTP/1.1\r\nHost: soak\r\nUser-Agent: soak\r\n"
    if body or method in ("POST", "PUT"):
        ctype = "application/json" if body.startswith(b"{") else "application/x-www-form-urlencoded"
        head += f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


async def normal_client(port, rng, stats):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(rng.randint(1, 5)):
            method, target, body, want, needle = rng.choice(NORMAL)
            stats.sent += 1
            writer.write(request_bytes(method, target, body))
            await writer.drain()
            try:
                status, got = await asyncio.wait_for(read_response(reader), 10)
            except Exception as e:  # noqa: BLE001 - every failure is reported
                stats.failed.append(f"{method} {target}: {type(e).__name__} {e}")
                return
            if status != want or (needle is not None and needle not in got):
                stats.failed.append(f"{method} {target}: {status} {got[:80]!r}")
            else:
                stats.ok += 1
    finally:
        writer.close()


async def faulty_client(port, rng, stats):
    kind = rng.choice(["cut_head", "cut_body", "cut_response", "garbage", "slow", "reset"])
    stats.faults[kind] = stats.faults.get(kind, 0) + 1
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sock = writer.get_extra_info("socket")
    try:
        full = request_bytes("POST", "/post", b"a=" + b"z" * 4000)
        if kind == "cut_head":
            writer.write(full[: rng.randint(1, full.index(b"\r\n\r\n"))])
        elif kind == "cut_body":
            writer.write(full[: full.index(b"\r\n\r\n") + 4 + rng.randint(0, 3000)])
        elif kind == "cut_response":
            writer.write(request_bytes("GET", "/bytes/65536", b""))
            await writer.drain()
            await reader.read(rng.randint(1, 2000))
        elif kind == "garbage":
            writer.write(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 600))))
        elif kind == "slow":
            for i in range(0, 40, 4):
                writer.write(full[i : i + 4])
                await writer.drain()
                await asyncio.sleep(0.05)
        elif kind == "reset":
            writer.write(request_bytes("GET", "/delay/1", b""))
            await writer.drain()
            await asyncio.sleep(rng.random() * 0.3)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await writer.drain()
    except (ConnectionError, OSError):
        pass  # the server may close a misbehaving connection first: that is its right
    finally:
        writer.close()


async def client_loop(port, seed, deadline, faults, stats):
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        try:
            if rng.random() < faults:
                await faulty_client(port, rng, stats)
            else:
                await normal_client(port, rng, stats)
        except (ConnectionError, OSError) as e:
            stats.failed.append(f"connect: {e}")


async def sample(pid, deadline, peaks):
    while time.monotonic() < deadline:
        peaks["rss"] = max(peaks["rss"], rss_kib(pid))
        peaks["fds"] = max(peaks["fds"], open_fds(pid))
        await asyncio.sleep(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("demo", help="path to the built httpbin demo")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--faults", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cpu", default="0", help="core to pin the server to (taskset)")
    args = ap.parse_args()

    cmd = [args.demo, "--port=0", "--address=127.0.0.1"]
    if args.cpu and os.path.exists("/usr/bin/taskset"):
        cmd = ["taskset", "-c", args.cpu] + cmd
    server = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    line = server.stderr.readline()
    m = re.search(r"listening on ([0-9.]+):([0-9]+)", line)
    if not m:
        print("the demo did not start:", line, file=sys.stderr)
        return 2
    port = int(m.group(2))
    log_lines = []

    async def drain_log():
        loop = asyncio.get_running_loop()
        while True:
            text = await loop.run_in_executor(None, server.stderr.readline)
            if not text:
                return
            if text.startswith("[W") or text.startswith("[E"):
                log_lines.append(text.rstrip())

    async def run():
        log_task = asyncio.ensure_future(drain_log())
        await asyncio.sleep(0.2)
        start = {"rss": rss_kib(server.pid), "fds": open_fds(server.pid)}
        stats = Stats()
        deadline = time.monotonic() + args.seconds
        peaks = dict(start)
        await asyncio.gather(
            sample(server.pid, deadline, peaks),
            *(client_loop(port, args.seed * 100003 + i, deadline, args.faults, stats)
              for i in range(args.clients)))
        await asyncio.sleep(2)  # let the server see the last connections go
        end = {"rss": rss_kib(server.pid), "fds": open_fds(server.pid)}
        server.terminate()
        server.wait(10)
        await asyncio.wait_for(log_task, 10)
        return stats, start, peaks, end

    stats, start, peaks, end = asyncio.run(run())
    # The access log is INFO; the 4xx answers to garbage are WARNING lines by Tornado's rule
    # (one per bad request, as Tornado logs them); only other WARNING/ERROR lines count.
    unexpected = [l for l in log_lines if not re.search(r"\] 4\d\d ", l)]
    print(f"clients {args.clients}, {args.seconds:.0f} s, faults {args.faults:.0%}")
    print(f"normal requests: {stats.sent} sent, {stats.ok} ok, {len(stats.failed)} failed")
    print("faults injected: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.faults.items())))
    print(f"server RSS KiB: start {start['rss']}, peak {peaks['rss']}, after {end['rss']}")
    print(f"server fds: start {start['fds']}, peak {peaks['fds']}, after {end['fds']}")
    print(f"WARNING/ERROR lines: {len(log_lines)} ({len(unexpected)} other than 4xx access lines)")
    for l in unexpected[:20]:
        print("  " + l)
    for f in stats.failed[:20]:
        print("  failed: " + f)
    rss_back = end["rss"] <= start["rss"] * 1.5 + 2048
    ok = not stats.failed and not unexpected and end["fds"] == start["fds"] and rss_back
    print("soak: " + ("clean" if ok else "PROBLEMS"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
