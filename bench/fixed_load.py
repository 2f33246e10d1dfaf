#!/usr/bin/python3
"""bench/fixed_load.py: a fixed, repeatable load for instruction counts (bench/callgrind_server.sh).

    bench/fixed_load.py PORT [ROUNDS [CONNECTIONS [PATH]]]
    CLOSE=1 bench/fixed_load.py PORT [ROUNDS [CONNECTIONS [PATH]]]

Opens CONNECTIONS keep-alive connections, then ROUNDS times sends one GET on each and reads
every response before the next round: the same requests arrive in the same batches on every
run, so callgrind's count per request is repeatable to a few instructions, which wrk's timed
runs (batches that vary with the machine's load) are not. Prints the number of responses.

With CLOSE=1 every request of a round comes on a connection of its own, sent with
"Connection: close", and the round reads each response to the server's close: the cost of
accepting, serving and closing one connection per request.
"""
import os
import socket
import sys


def read_response(sock, buf):
    """Reads one response with a Content-Length body; returns what is left over."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("connection closed")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += sock.recv(65536)
    return rest[length:]


def close_rounds(port, rounds, conns, path):
    """ROUNDS rounds of CONNECTIONS new connections, one "Connection: close" request each."""
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n"
               % (path, port)).encode()
    for _ in range(rounds):
        socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(conns)]
        for s in socks:
            s.sendall(request)
        for s in socks:
            read_response(s, b"")
            while s.recv(65536):  # to the server's close
                pass
            s.close()
    print(rounds * conns)


def main():
    port = int(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    conns = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    path = sys.argv[4] if len(sys.argv) > 4 else "/"
    if os.environ.get("CLOSE") == "1":
        close_rounds(port, rounds, conns, path)
        return
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path, port)).encode()
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(conns)]
    bufs = [b""] * conns
    for _ in range(rounds):
        for s in socks:
            s.sendall(request)
        for i, s in enumerate(socks):
            bufs[i] = read_response(s, bufs[i])
    for s in socks:
        s.close()
    print(rounds * conns)


main()
