#!/usr/bin/python3
"""bench/idle_memory.py: a server's memory per idle keep-alive connection.

Measures: for each count N, opens N connections to 127.0.0.1:PORT, sends one GET on each and
          reads its answer (so every connection has been through a request, as an idle
          keep-alive client's has), waits for the server to settle, and prints the server's
          resident memory (VmRSS of /proc/PID/status) before and with the N connections held:
          "N rss_before_kib rss_after_kib". Connections are closed between counts.
Mirrors:  the "memory per connection" section of tornado.internals(7); bench/report.sh runs it
          against bench/http_hello and nginx.

    /usr/bin/python3 bench/idle_memory.py PID PORT N...
"""
import resource
import socket
import sys
import time

from procstat import rss_kib


def hold(port, n):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        socks.append(s)
    for s in socks:
        data = b""
        while b"Hello, world" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return socks


def main():
    pid, port = int(sys.argv[1]), int(sys.argv[2])
    counts = [int(a) for a in sys.argv[3:]]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = max(counts) + 64
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    for n in counts:
        time.sleep(0.2)
        before = rss_kib(pid)
        socks = hold(port, n)
        time.sleep(0.3)
        after = rss_kib(pid)
        for s in socks:
            s.close()
        print(n, before, after, flush=True)


if __name__ == "__main__":
    main()
