#!/usr/bin/env python3
# tests/support/http_peer.py: a small HTTP/1.1 server on Python's http.server, the client
# tests' real peer beside this library's own server (tests/http/httpclient_peer_test.cc).
#
#   python3 tests/support/http_peer.py        # prints "listening on 127.0.0.1:PORT"
#
# It keeps connections alive (protocol HTTP/1.1, one thread per connection) and counts what
# it sees, so that a test can prove reuse from the server's side:
#   GET  /hello            "hello", with Content-Length
#   GET  /chunked          "chunk1chunk2", chunked
#   GET  /redirect/N       302 to /redirect/N-1, and /redirect/0 is /hello
#   POST /echo             the request body back
#   GET  /slow?ms=N        sleeps N ms, then answers "start end" (monotonic seconds)
#   GET  /big?n=N          N bytes of "x"
#   GET  /close            answers with Connection: close and closes
#   GET  /arm-drop         answers normally; the next request on this connection is read and
#                          the connection closed with no answer (a server that dropped an idle
#                          connection just as the client reused it)
#   GET  /stats            "connections requests dropped" so far
#   GET  /stats/reset      zeroes them
import http.server
import signal
import sys
import threading
import time

lock = threading.Lock()
stats = {"connections": 0, "requests": 0, "dropped": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.drop_next = False
        with lock:
            stats["connections"] += 1

    def log_message(self, *args):
        pass

    def send_text(self, body, code=200, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def dropped(self):
        if not self.drop_next:
            with lock:
                stats["requests"] += 1
            return False
        with lock:
            stats["dropped"] += 1
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self.close_connection = True
        return True

    def do_GET(self):
        if self.dropped():
            return
        path, _, query = self.path.partition("?")
        args = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        if path == "/hello":
            self.send_text("hello")
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"chunk1", b"chunk2"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        elif path.startswith("/redirect/"):
            n = int(path.rsplit("/", 1)[1])
            target = "/hello" if n == 0 else "/redirect/%d" % (n - 1)
            self.send_text("", 302, [("Location", target)])
        elif path == "/slow":
            start = time.monotonic()
            time.sleep(int(args.get("ms", "500")) / 1000)
            self.send_text("%.6f %.6f" % (start, time.monotonic()))
        elif path == "/big":
            self.send_text(b"x" * int(args.get("n", "0")))
        elif path == "/close":
            self.send_text("bye", headers=[("Connection", "close")])
            self.close_connection = True
        elif path == "/arm-drop":
            self.drop_next = True
            self.send_text("armed")
        elif path == "/stats":
            with lock:
                self.send_text("%(connections)d %(requests)d %(dropped)d" % stats)
        elif path == "/stats/reset":
            with lock:
                for k in stats:
                    stats[k] = 0
            self.send_text("ok")
        else:
            self.send_text("not found", 404)

    do_HEAD = do_GET

    def do_POST(self):
        if self.dropped():
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_text(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops SYNs when 11 clients connect at once


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server = Server(("127.0.0.1", 0), Handler)
print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
