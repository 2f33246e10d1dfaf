#!/usr/bin/python3
# tests/demos/httpbin_sweep.py: the httpbin demo beside the real httpbin (Debian's
# python3-httpbin, Flask on Werkzeug's server): the same raw requests to both, every
# difference in status, headers and body reported. Standard library only.
#
#   /usr/bin/python3 tests/demos/httpbin_sweep.py --demo build/demos/httpbin   # starts both
#   /usr/bin/python3 tests/demos/httpbin_sweep.py --ours 8888 --theirs 5000    # already running
#   ... --random --seed 7 --duration 60      generated requests for a minute
#   ... --raw 'b"GET /get HTTP/1.1\r\n..."'  one request, as a reproducer prints it
#   ... --slow                              also the cases that take seconds (/delay caps)
#
# Exit status: 0 when every difference is a listed one, 1 otherwise, 77 when a server cannot
# be started (python3-httpbin absent): tests/demos/httpbin_test.cc runs the fixed sweep in
# `make test` and skips on 77.
#
# Every request goes on its own connection with "Connection: close" (Werkzeug's server closes
# after each answer anyway) and the same Host header, so that URLs in the answers are equal.
# What legitimately differs is normalised away, each with its reason (NORMALISED, below);
# where the demo answers otherwise on purpose the case is listed in DELIBERATE, and cases that
# wait for library work in PENDING_HEAD. Those are reported but do not fail the run.
import argparse
import base64
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time

HOST = "httpbin.test"

# Response headers compared neither by value nor by presence, and why.
NORMALISED = {
    "date": "the clock second the answer was made in",
    "server": "names the implementation (Werkzeug/Python against tornado-cpp)",
    "connection": "Werkzeug closes every connection and says so; the sweep closes them anyway",
    "transfer-encoding": "framing: bodies are compared after de-chunking",
}
# Also normalised, in compare():
# - the reason phrase: Werkzeug upper-cases it ("NOT FOUND"); clients ignore it (RFC 9112 4).
# - Content-Length is compared only when both answers carry it (the other side may chunk).
# - Allow is compared as a set: Werkzeug builds it from a Python set, in no stable order.
# - per-endpoint randomness (see random_parts()): /uuid's value (its shape is checked), the
#   bytes of /bytes/n without a seed (their count is checked), the pick of /status/a,b,c (both
#   picks must be among the codes; the rest is compared when both picked the same).
# - an interim 100 (Continue) before the final answer is skipped on both sides.

# Where the demo answers otherwise on purpose, and why. Each reason is a class of input; the
# fixed cases name theirs in DELIBERATE, the random mode asks classify().
ROUTING = ("routing: the demo routes on the path as sent (Tornado's rule); Werkzeug routes on the "
           "%-decoded path and merges or drops doubled slashes (/%67et, /base64/a%2Fb, //get)")
JSON_STRICT = ("the \"json\" field: the library's JSON decoder is RFC 8259 and bounded (DESIGN "
               "§6): no NaN or Infinity, integers past int64 become doubles, 512 levels at most; "
               "Python's json.loads takes all of those")
FORM_400 = ("a malformed form body (multipart with no boundary or no final boundary, a "
            "preamble, a part with no name, a Content-Encoding) is refused with 400 before any handler runs "
            "(Tornado's parse_body_arguments rule); httpbin echoes it with an empty form")
CHUNKED = ("a chunked request body: Debian's httpbin refuses it (501, as Flask's development "
           "server cannot read one); the demo reads it, as httpbin.org does behind gunicorn")
STATUS_RANGE = ("/status/N with N outside 200-999: Werkzeug sends any integer as the status "
                "(-1, 0, 1000) and 1xx codes as a final answer; the demo answers httpbin's "
                "400 \"Invalid status code\" (a 1xx cannot end a response, other numbers are not "
                "HTTP status codes)")
STATUS_204 = "a 204 carries no Content-Type: the library drops it, as Tornado does"
OWN_BODY = ("the page is the demo's own (httpbin's teapot drawing, its 402 joke and its "
            "Moby-Dick excerpt are not copied)")
NO_JSON = "/json is httpbin.org's; Debian's httpbin 0.7 has no such page (404)"
LANDING = "/ is httpbin's manual page, which the demo does not carry (404)"
FRAMING = ("/response-headers with Content-Length or Transfer-Encoding: httpbin sends them beside "
           "its own framing (a broken answer); the demo lists them in the body only")
HEADER_BYTES = ("header values with control characters or beyond Latin-1: the library refuses "
                "to send them (no header injection), so the demo answers 500")

BODY = {"body", "header:content-length"}
DELIBERATE = {
    "get double slash": ("*", ROUTING),
    "anything double slash": ("*", ROUTING),
    "/base64/%2B%2F": ("*", ROUTING),
    "post json big int": (BODY, JSON_STRICT),
    "post json NaN": (BODY, JSON_STRICT),
    "post multipart no boundary": ("*", FORM_400),
    "post multipart broken": ("*", FORM_400),
    "multipart preamble epilogue": ("*", FORM_400),
    "post chunked": ("*", CHUNKED),
    "/json": ("*", NO_JSON),
    "HEAD /json": ("*", NO_JSON),
    "404 /": ("*", LANDING),
    "/html": (BODY, OWN_BODY),
    "/status/402": (BODY, OWN_BODY),
    "/status/418": (BODY, OWN_BODY),
    "/status/204": ({"header:content-type"}, STATUS_204),
    "/response-headers?Content-Length=5": ("*", FRAMING),
}
for _code in ("0", "99", "1000", "-1", "100", "101", "199", "99999999999999999999", "1_0_0"):
    DELIBERATE["/status/" + _code] = ("*", STATUS_RANGE)

# Cases that differ only because the library does not yet answer HEAD on a handler that has
# only get() (Tornado's rule: HEAD is a method of its own). Switch them on when it does.
PENDING_HEAD = {"HEAD /get", "HEAD /headers", "HEAD /status/418", "HEAD /bytes/10?seed=1",
                "HEAD /range/100", "HEAD /redirect/2", "HEAD /html", "HEAD /stream/2",
                "HEAD /cookies", "HEAD /base64/YQ", "HEAD /robots.txt", "HEAD /range/100 Range",
                "HEAD /anything"}
PENDING = "pending HEAD support in the library (a handler with only get() answering HEAD)"
# And those that wait for absolute-form request targets (GET http://host/path HTTP/1.1).
PENDING_ABSOLUTE = {"absolute-form target"}
PENDING_ABS = "pending absolute-form request targets in the library"


# --- talking to a server -----------------------------------------------------------------------

class Answer:
    def __init__(self):
        self.status = None
        self.reason = ""
        self.headers = []  # (name, value) in order
        self.body = b""
        self.error = ""  # a transport problem: no answer, a torn answer
        self.elapsed = 0.0

    def header(self, name, default=None):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return default

    def header_all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def summary(self):
        if self.error and self.status is None:
            return "no answer (%s)" % self.error
        lines = ["%s %s" % (self.status, self.reason)]
        lines += ["%s: %s" % h for h in self.headers]
        body = self.body if len(self.body) <= 600 else self.body[:600] + b"..."
        lines.append("")
        lines.append(repr(body))
        if self.error:
            lines.append("(%s)" % self.error)
        return "\n".join(lines)


def exchange(port, raw, timeout=8.0, head=False):
    """Sends raw bytes on a new connection and reads the answer until the server closes."""
    a = Answer()
    start = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError as e:
        a.error = "connect: %s" % e
        return a
    data = b""
    try:
        try:
            s.sendall(raw)
        except OSError:
            pass  # the server may answer (400, 413) before reading all of it
        deadline = start + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                a.error = "timed out"
                break
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                a.error = "timed out"
                break
            except OSError as e:
                a.error = "recv: %s" % e
                break
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    a.elapsed = time.monotonic() - start
    parse_answer(a, data, head)
    return a


def parse_answer(a, data, head):
    while True:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            if data:
                a.error = (a.error + "; " if a.error else "") + "torn head %r" % data[:200]
            elif not a.error:
                a.error = "closed without an answer"
            return
        lines = data[:end].decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (-?\d+) ?(.*)$", lines[0])
        if not m:
            a.error = "bad status line %r" % lines[0]
            return
        status = int(m.group(1))
        rest = data[end + 4:]
        if status == 100 and rest:
            data = rest  # an interim answer; the final one follows
            continue
        a.status, a.reason = status, m.group(2)
        for line in lines[1:]:
            name, _, value = line.partition(":")
            a.headers.append((name, value.strip()))
        break
    if head or status in (204, 304) or 100 <= status < 200:
        a.body = rest
        return
    if (a.header("Transfer-Encoding") or "").lower() == "chunked":
        body, at = b"", 0
        while True:
            eol = rest.find(b"\r\n", at)
            if eol < 0:
                a.error = "torn chunked body"
                break
            size = int(rest[at:eol].split(b";")[0] or b"0", 16)
            if size == 0:
                break
            body += rest[eol + 2:eol + 2 + size]
            at = eol + 2 + size + 2
        a.body = body
    elif a.header("Content-Length") is not None:
        n = int(a.header("Content-Length"))
        a.body = rest[:n]
        if len(rest) < n:
            a.error = "body shorter than its Content-Length"
    else:
        a.body = rest


# --- requests -----------------------------------------------------------------------------------

class Case:
    """One request. `raw` wins when given; otherwise it is built from the parts."""

    def __init__(self, name, method="GET", target="/get", headers=(), body=b"",
                 length=None, raw=None, check=None, timeout=8.0):
        self.name = name
        self.method = method
        self.target = target
        self.headers = list(headers)
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        # Content-Length: given, or set when there is a body (or the method usually has one).
        if length is None and (self.body or method in ("POST", "PUT", "PATCH")):
            length = len(self.body)
        self.length = length
        self._raw = raw
        self.check = check  # an extra normaliser name (see random_parts)
        self.timeout = timeout

    def raw(self):
        if self._raw is not None:
            return self._raw
        head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (self.method, self.target, HOST)
        for n, v in self.headers:
            head += "%s: %s\r\n" % (n, v)
        if self.length is not None:
            head += "Content-Length: %d\r\n" % self.length
        head += "Connection: close\r\n\r\n"
        return head.encode("utf-8", "surrogateescape") + self.body

    def is_head(self):
        if self._raw is not None:
            return self._raw.startswith(b"HEAD ")
        return self.method == "HEAD"


def multipart(parts, boundary="sweepBoundary42"):
    """parts: (name, value bytes, filename or None, content type or None)."""
    out = b""
    for name, value, filename, ctype in parts:
        out += b"--" + boundary.encode() + b"\r\n"
        disp = 'Content-Disposition: form-data; name="%s"' % name
        if filename is not None:
            disp += '; filename="%s"' % filename
        out += disp.encode("utf-8") + b"\r\n"
        if ctype:
            out += b"Content-Type: " + ctype.encode() + b"\r\n"
        out += b"\r\n" + (value if isinstance(value, bytes) else value.encode("utf-8")) + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return [("Content-Type", "multipart/form-data; boundary=" + boundary)], out


def auth(user, password):
    token = base64.b64encode(("%s:%s" % (user, password)).encode("utf-8")).decode()
    return [("Authorization", "Basic " + token)]


def fixed_cases(slow=False):
    c = []
    add = c.append
    form = [("Content-Type", "application/x-www-form-urlencoded")]
    js = [("Content-Type", "application/json")]
    binary = bytes(range(256)) + b"\xff\xfe\x00\x80"

    # The echo endpoints, each with its methods, bodies and arguments.
    add(Case("get", target="/get"))
    add(Case("get args", target="/get?a=1&a=2&b=x&c=&d"))
    add(Case("get args escaped", target="/get?sp=a+b&pct=%41%2F%3D%26&u=%C3%A9&bad=%ff%fe&k%20=v"))
    add(Case("get args odd", target="/get?&&=&a==b&;c=1&a=3"))
    add(Case("get headers repeated", target="/get",
             headers=[("X-Rep", "1"), ("X-Rep", "2"), ("x-lower-case", "v"), ("X-1a-b", "t")]))
    add(Case("get header latin-1", target="/get", headers=[("X-Utf8", "\u00e9t\u00e9")]))
    add(Case("get show_env", target="/get?show_env=1",
             headers=[("X-Forwarded-For", "10.0.0.1"), ("Via", "1.1 proxy")]))
    add(Case("get hidden env headers", target="/get",
             headers=[("X-Forwarded-For", "10.0.0.1"), ("X-Request-Id", "r"),
                      ("X-Forwarded-Proto", "https")]))
    add(Case("get origin", target="/get", headers=[("Origin", "http://example.com")]))
    add(Case("get with a body", target="/get", body="ignored"))
    add(Case("get trailing slash", target="/get/"))
    add(Case("get double slash", target="//get"))
    add(Case("get path params", target="/get;x=1"))
    add(Case("post to get", method="POST", target="/get"))
    for m in ("POST", "PUT", "PATCH", "DELETE"):
        p = "/" + m.lower()
        add(Case(m + " empty", method=m, target=p))
        add(Case(m + " text", method=m, target=p + "?q=1", body="hello",
                 headers=[("Content-Type", "text/plain")]))
        add(Case(m + " form", method=m, target=p, body="a=1&a=2&b=%20x+y&c", headers=form))
        add(Case(m + " json", method=m, target=p, body='{"k": [1, 2.5, "x", null, true]}',
                 headers=js))
        add(Case(m + " binary", method=m, target=p, body=binary,
                 headers=[("Content-Type", "application/octet-stream")]))
        add(Case("GET to " + p, target=p))
    for other in ("PUT", "PATCH", "DELETE", "OPTIONS"):
        add(Case(other + " to /post", method=other, target="/post"))
    add(Case("post json without type", method="POST", target="/post", body='{"a": 1}'))
    add(Case("post json scalar", method="POST", target="/post", body="42", headers=js))
    add(Case("post json string", method="POST", target="/post", body='"\\u00e9\\ud83d\\ude00"',
             headers=js))
    add(Case("post json invalid", method="POST", target="/post", body="{nope", headers=js))
    add(Case("post json big int", method="POST", target="/post",
             body="[12345678901234567890123, 1e400, -0, 0.1, 1E2]", headers=js))
    add(Case("post json NaN", method="POST", target="/post", body="[NaN, Infinity, -Infinity]",
             headers=js))
    add(Case("post json dup keys", method="POST", target="/post", body='{"a": 1, "a": 2}',
             headers=js))
    add(Case("post json nested", method="POST", target="/post", body='{"a": {"b": [{}, []]}}',
             headers=js))
    add(Case("post utf-8 text", method="POST", target="/post", body="h\u00e9llo \u2603 \U0001F600",
             headers=[("Content-Type", "text/plain; charset=utf-8")]))
    add(Case("post invalid utf-8", method="POST", target="/post", body=b"ok\xc3(\xa0\xed\xa0\x80"))
    add(Case("post form utf-8", method="POST", target="/post", body="n=%C3%A9&m=%FF&o=\u00e9",
             headers=form))
    add(Case("post form charset", method="POST", target="/post", body="a=1",
             headers=[("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]))
    add(Case("post form upper type", method="POST", target="/post", body="a=1",
             headers=[("Content-Type", "Application/X-WWW-Form-Urlencoded")]))
    add(Case("post form no type", method="POST", target="/post", body="a=1&b=2"))
    h, b = multipart([("f", "1", None, None), ("f", "2", None, None),
                      ("up", "file body\n", "a.txt", "text/plain"),
                      ("up", "second", "b.txt", "text/plain"),
                      ("bin", binary, "b.bin", "application/octet-stream"),
                      ("bin2", b"\x00\xff", "c.bin", None),
                      ("img", b"\x89PNG\r\n\x1a\n\x00", "i.png", "image/png")])
    add(Case("post multipart", method="POST", target="/post?q=1", headers=h, body=b))
    add(Case("put multipart", method="PUT", target="/put", headers=h, body=b))
    h, b = multipart([("e", "", None, None), ("empty", b"", "e.txt", "text/plain"),
                      ("u", "\u00e9", None, None), ("nf", "x", "", None)])
    add(Case("post multipart empty parts", method="POST", target="/post", headers=h, body=b))
    add(Case("post multipart no boundary", method="POST", target="/post",
             headers=[("Content-Type", "multipart/form-data")], body=b"--x\r\n"))
    add(Case("post multipart broken", method="POST", target="/post",
             headers=[("Content-Type", "multipart/form-data; boundary=zz")],
             body=b"--zz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"))
    add(Case("post multipart quoted boundary", method="POST", target="/post",
             headers=[("Content-Type", 'multipart/form-data; boundary="q q"')],
             body=b'--q q\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--q q--\r\n'))
    add(Case("post expect 100-continue", method="POST", target="/post", body="a=1",
             headers=form + [("Expect", "100-continue")]))
    add(Case("post chunked", raw=b"POST /post HTTP/1.1\r\nHost: " + HOST.encode() +
             b"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))

    add(Case("anything", target="/anything"))
    add(Case("anything path", target="/anything/a/b%20c/%C3%A9?x=1"))
    add(Case("anything trailing slash", target="/anything/"))
    add(Case("anything double slash", target="/anything//x"))
    add(Case("anything dot segments", target="/anything/a/../b/./c"))
    for m in ("POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS"):
        add(Case("anything " + m, method=m, target="/anything/x?y=1", body="d=1", headers=form))
    add(Case("anything unknown method", method="FROB", target="/anything"))

    # Small fixed endpoints.
    for p in ("/headers", "/ip", "/user-agent", "/json", "/html", "/robots.txt"):
        add(Case(p, target=p, headers=[("User-Agent", "sweep/1.0")]))
    add(Case("/user-agent absent", target="/user-agent"))
    add(Case("/ip forwarded", target="/ip", headers=[("X-Forwarded-For", "1.2.3.4, 5.6.7.8")]))
    add(Case("/headers cookie and auth", target="/headers",
             headers=[("Cookie", "a=1"), ("Authorization", "Bearer x"), ("Content-Type", "a/b")]))
    add(Case("/uuid", target="/uuid", check="uuid"))
    add(Case("post /headers", method="POST", target="/headers"))

    # /status/{codes}
    for code in ("200", "201", "204", "301", "302", "303", "304", "305", "307", "308", "400",
                 "401", "402", "404", "406", "407", "418", "500", "503", "599", "600", "999",
                 "+200", "%20200", "200%20", "1_0_0", "abc", "2.0", "", "200,abc", ",200",
                 "200,", "200:1", "200:0,201", "201:1,202:x"):
        add(Case("/status/" + code, target="/status/" + code))
    for code in ("0", "99", "1000", "-1", "100", "101", "199", "99999999999999999999"):
        add(Case("/status/" + code, target="/status/" + code))
    add(Case("/status/200,201,202", target="/status/200,201,202", check="status_choice"))
    for m in ("POST", "PUT", "PATCH", "DELETE", "TRACE"):
        add(Case(m + " /status/201", method=m, target="/status/201"))

    # Redirects.
    for n in ("1", "2", "5", "0", "-1", "01", "x", "100", "1000"):
        add(Case("/redirect/" + n, target="/redirect/" + n))
        add(Case("/relative-redirect/" + n, target="/relative-redirect/" + n))
        add(Case("/absolute-redirect/" + n, target="/absolute-redirect/" + n))
    add(Case("/redirect/3 absolute", target="/redirect/3?absolute=true"))
    add(Case("/redirect/1 absolute", target="/redirect/1?absolute=TRUE"))
    add(Case("/redirect/2 absolute=no", target="/redirect/2?absolute=no"))
    for q in ("url=/get", "url=http://example.com/x?y=1", "url=%2Fa%20b", "url=/x&status_code=307",
              "url=/x&status_code=200", "url=/x&status_code=399", "url=/x&status_code=abc",
              "URL=/x&Status_Code=301", "url=", "status_code=301", "", "url=/a&url=/b",
              "url=%C3%A9"):
        add(Case("/redirect-to?" + q, target="/redirect-to?" + q))
    for m in ("POST", "PUT", "PATCH", "DELETE"):
        add(Case(m + " /redirect-to", method=m, target="/redirect-to?url=/x"))
    add(Case("/redirect-to form url", method="POST", target="/redirect-to", body="url=/f",
             headers=form))

    # Cookies.
    add(Case("/cookies none", target="/cookies"))
    add(Case("/cookies", target="/cookies", headers=[("Cookie", "a=1; b=two; c=")]))
    add(Case("/cookies quoted", target="/cookies", headers=[("Cookie", 'q="a b"; r="x\\"y"')]))
    add(Case("/cookies env", target="/cookies", headers=[("Cookie", "__utma=1; x=2")]))
    add(Case("/cookies env shown", target="/cookies?show_env=1",
             headers=[("Cookie", "__utma=1; x=2")]))
    add(Case("/cookies junk", target="/cookies", headers=[("Cookie", "novalue; =x; ;a=1;;")]))
    add(Case("/cookies two headers", target="/cookies",
             headers=[("Cookie", "a=1"), ("Cookie", "b=2")]))
    for q in ("a=1&b=2", "a=1&a=2", "sp=a%20b", "q=%22x%22", "semi=a%3Bb", "u=%C3%A9", "", "e="):
        add(Case("/cookies/set?" + q, target="/cookies/set?" + q))
        add(Case("/cookies/delete?" + q, target="/cookies/delete?" + q))

    # Basic authentication.
    add(Case("/basic-auth good", target="/basic-auth/user/pass", headers=auth("user", "pass")))
    add(Case("/basic-auth wrong", target="/basic-auth/user/pass", headers=auth("user", "x")))
    add(Case("/basic-auth none", target="/basic-auth/user/pass"))
    add(Case("/basic-auth colon", target="/basic-auth/u/p:q", headers=auth("u", "p:q")))
    add(Case("/basic-auth utf-8", target="/basic-auth/%C3%A9/p", headers=auth("\u00e9", "p")))
    add(Case("/basic-auth bad base64", target="/basic-auth/u/p",
             headers=[("Authorization", "Basic !!!")]))
    add(Case("/basic-auth lower scheme", target="/basic-auth/u/p",
             headers=[("Authorization", "basic dTpw")]))
    add(Case("/basic-auth no colon", target="/basic-auth/u/p",
             headers=[("Authorization", "Basic dXA=")]))
    add(Case("/basic-auth bearer", target="/basic-auth/u/p", headers=[("Authorization", "Bearer x")]))
    add(Case("/basic-auth missing part", target="/basic-auth/u"))

    # /base64
    for v in ("aGVsbG8gd29ybGQ=", "aGVsbG8gd29ybGQ", "SFRUUEJJTiBpcyBhd2Vzb21l", "_-8", "w6k=",
              "gA==", "!!!", "", "aGVsbG8/d29ybGQ=", "YQ", "YQ=", "a%20b", "%2B%2F"):
        add(Case("/base64/" + v, target="/base64/" + v))

    # /bytes, /stream, /range, /delay and their caps.
    for n in ("0", "1", "16", "102400", "102401", "200000", "-1", "x", "1.5"):
        add(Case("/bytes/" + n, target="/bytes/" + n, check="random_bytes"))
    for q in ("seed=0", "seed=42", "seed=-7", "SEED=5", "seed=4294967296", "seed=x", "seed=",
              "seed=123456789012345678901234567890"):
        add(Case("/bytes/64?" + q, target="/bytes/64?" + q))
    for n in ("0", "1", "3", "100", "101", "1000", "-1", "x"):
        add(Case("/stream/" + n, target="/stream/" + n + "?a=1",
                 headers=[("X-Order", "1"), ("Accept", "*/*")]))
    for n in ("1", "26", "1024", "102400", "102401", "0", "-1", "x"):
        add(Case("/range/" + n, target="/range/" + n))
    for r in ("bytes=0-9", "bytes=10-", "bytes=-5", "bytes=0-0", "bytes=1023-", "bytes=1023-2000",
              "bytes=1024-", "bytes=5-2", "bytes=-0", "bytes=-2000", "bytes=0-1023",
              "bytes=0-9,20-29", "bytes=x-y", "bytes=", "bytes", "items=0-9", "bytes=1-2-3",
              " bytes=3-4", "bytes=3-4 ", "bytes = 3-4", "bytes=+3-4", "bytes=3 - 4",
              "bytes=99999999999999999999-", "bytes=0x10-", "bytes=1_0-"):
        add(Case("/range/1024 Range: " + r, target="/range/1024", headers=[("Range", r)]))
    add(Case("/range/26 chunk_size", target="/range/26?chunk_size=5",
             headers=[("Range", "bytes=2-20")]))
    add(Case("/range/26 bad chunk_size", target="/range/26?chunk_size=x"))
    add(Case("/range/26 bad duration", target="/range/26?duration=x"))
    for n in ("0", "0.1", "0.0", "-1", "x", "nan", "1e-9"):
        add(Case("/delay/" + n, target="/delay/" + n))
    add(Case("POST /delay/0", method="POST", target="/delay/0?a=1", body="x=1", headers=form))
    if slow:
        add(Case("/delay/11 (capped at 10)", target="/delay/11", timeout=15))
        add(Case("/delay/inf (capped at 10)", target="/delay/inf", timeout=15))

    # Response headers.
    for q in ("a=1", "a=1&a=2", "Content-Type=text/plain", "X-Empty=", "a=1&b=2&a=3",
              "Content-Type=text/plain&Content-Type=text/html", "Location=/x", "", "k%20=v",
              "Server=fake", "Content-Length=5"):
        add(Case("/response-headers?" + q, target="/response-headers?" + q))
    add(Case("POST /response-headers", method="POST", target="/response-headers?a=1"))

    # Not found, methods, OPTIONS, HEAD.
    for p in ("/", "/nope", "/GET", "/get/x", "/status", "/status/", "/bytes", "/cookies/",
              "/basic-auth/u/p/x", "/%", "/%zz", "/get%00"):
        add(Case("404 " + p, target=p))
    add(Case("FROB /nope", method="FROB", target="/nope"))
    add(Case("FROB /get", method="FROB", target="/get"))
    for p in ("/get", "/post", "/status/200", "/anything/x", "/nope", "/cookies", "/redirect/2",
              "/range/10"):
        add(Case("OPTIONS " + p, method="OPTIONS", target=p,
                 headers=[("Access-Control-Request-Headers", "X-A, X-B")]))
    add(Case("OPTIONS origin", method="OPTIONS", target="/get", headers=[("Origin", "http://o")]))
    for p in ("/get", "/headers", "/status/418", "/bytes/10?seed=1", "/range/100", "/redirect/2",
              "/json", "/html", "/stream/2", "/cookies", "/base64/YQ", "/robots.txt"):
        add(Case("HEAD " + p, method="HEAD", target=p))
    add(Case("HEAD /range/100 Range", method="HEAD", target="/range/100",
             headers=[("Range", "bytes=1-2")]))
    add(Case("HEAD /nope", method="HEAD", target="/nope"))
    add(Case("HEAD /post", method="HEAD", target="/post"))
    add(Case("HEAD /anything", method="HEAD", target="/anything"))
    # The request line and the head: versions, Host forms, odd fields.
    h = HOST.encode()
    add(Case("HTTP/1.0 get", raw=b"GET /get?v=1 HTTP/1.0\r\nHost: " + h + b"\r\n\r\n"))
    add(Case("absolute-form target", raw=b"GET http://" + h + b"/get?a=1 HTTP/1.1\r\nHost: "
             b"other.test\r\nConnection: close\r\n\r\n"))
    add(Case("Host with :80", raw=b"GET /get HTTP/1.1\r\nHost: " + h + b":80\r\n"
             b"Connection: close\r\n\r\n"))
    add(Case("Host with a port", raw=b"GET /anything HTTP/1.1\r\nHost: " + h + b":8080\r\n"
             b"Connection: close\r\n\r\n"))
    add(Case("absolute redirect Host :80", raw=b"GET /absolute-redirect/1 HTTP/1.1\r\nHost: "
             b"HttpBin.Test:80\r\nConnection: close\r\n\r\n"))
    add(Case("header underscore", target="/headers", headers=[("X_Under", "1"), ("X-Under", "2")]))
    add(Case("header empty value", target="/headers", headers=[("X-Empty", "")]))
    add(Case("header inner spaces", target="/headers", headers=[("X-Sp", "a  b\tc")]))
    add(Case("two Content-Types", method="POST", target="/post", body="a=1",
             headers=[("Content-Type", "text/plain"),
                      ("Content-Type", "application/x-www-form-urlencoded")]))
    add(Case("post empty Content-Type", method="POST", target="/post", body="a=1",
             headers=[("Content-Type", "")]))
    add(Case("post x-url-encoded", method="POST", target="/post", body="a=1&b",
             headers=[("Content-Type", "application/x-url-encoded")]))
    add(Case("anything everything", method="PUT", target="/anything/p?q=1&q=2",
             headers=[("Content-Type", "application/json"), ("X-A", "b")], body='{"z": [1]}'))

    # More multipart forms.
    mp = [("Content-Type", "multipart/form-data; boundary=zz")]
    add(Case("multipart filename*", method="POST", target="/post", headers=mp,
             body=b"--zz\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%C3%A9.txt"
                  b"\r\n\r\n\xc3\xa9\r\n--zz--\r\n"))
    add(Case("multipart preamble epilogue", method="POST", target="/post", headers=mp,
             body=b"preamble\r\n--zz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1"
                  b"\r\n--zz--\r\nepilogue"))
    add(Case("multipart part charset", method="POST", target="/post", headers=mp,
             body=b"--zz\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Type: text/plain;"
                  b" charset=latin-1\r\n\r\n\xe9\r\n--zz--\r\n"))
    add(Case("multipart unquoted params", method="POST", target="/post", headers=mp,
             body=b"--zz\r\nContent-Disposition: form-data; name=a; filename=b.txt\r\n\r\nx"
                  b"\r\n--zz--\r\n"))
    add(Case("multipart empty", method="POST", target="/post", headers=mp, body=b"--zz--\r\n"))
    add(Case("multipart upper type", method="POST", target="/post",
             headers=[("Content-Type", "Multipart/Form-Data; boundary=zz")],
             body=b"--zz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--zz--\r\n"))
    add(Case("multipart file types", method="POST", target="/post", headers=mp,
             body=b"--zz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n"
                  b"Content-Type: text/plain; charset=utf-8\r\n\r\n\xff\r\n--zz--\r\n"))

    # More redirects, cookies and authentication.
    for q in ("url=/a%20b", "url=http://example.com/%C3%A9", "url=/x%09y", "url=%20/x",
              "url=//evil.test/x", "url=/x&status_code=%2B301", "url=/x&status_code=3_0_1"):
        add(Case("/redirect-to?" + q, target="/redirect-to?" + q))
    add(Case("/cookies/set/n/v", target="/cookies/set/n/v%20w"))
    add(Case("/cookies octal", target="/cookies", headers=[("Cookie", 'o="a\\073b\\054c"; p=x y')]))
    add(Case("/cookies spaces", target="/cookies", headers=[("Cookie", " a = 1 ;b=2 ")]))
    for v in ("Basic  dTpw", "Basic dTpw ", "BASIC dTpw", "Basic dT pw", "Basic dTpw==x",
              "Basic w6k6cA==", "Basic gDpw"):
        add(Case("/basic-auth " + v, target="/basic-auth/u/p", headers=[("Authorization", v)]))
    add(Case("/basic-auth e acute", target="/basic-auth/%C3%A9/p",
             headers=[("Authorization", "Basic w6k6cA==")]))

    # More response headers, ranges and status picks.
    for q in ("Location=/x%20y", "Location=/a&Location=/b%20c", "Content-Location=/p%20q",
              "X-Ok=%C3%A9", "A=1&a=2", "Access-Control-Allow-Origin=x"):
        add(Case("/response-headers?" + q, target="/response-headers?" + q))
    add(Case("/range/30 duration", target="/range/30?duration=0.05&chunk_size=10",
             headers=[("Range", "bytes=1-25")]))
    add(Case("/status/ 201 : 1 ", target="/status/%20201%20:%201%20,202:0"))
    add(Case("/status/200:inf", target="/status/200:inf,201"))
    add(Case("/status/1:2:3", target="/status/200,1:2:3"))
    add(Case("/status/weights zero", target="/status/200:0,201:0"))
    return c


# --- what may differ ------------------------------------------------------------------------------

def random_parts(case, ours, theirs):
    """Checks and removes what is random by design; returns differences found."""
    out = []
    if case.check == "uuid":
        for who, a in (("ours", ours), ("theirs", theirs)):
            if a.status == 200:
                v = json.loads(a.body)
                if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                    r"[0-9a-f]{12}", v.get("uuid", "")):
                    out.append(("body", "%s: not a version 4 UUID: %r" % (who, a.body)))
                a.body = b"<uuid>"
    elif case.check == "random_bytes":
        if ours.status == theirs.status == 200:
            if len(ours.body) != len(theirs.body):
                out.append(("body", "random byte counts differ: %d vs %d" % (
                    len(ours.body), len(theirs.body))))
            ours.body = theirs.body = b"<random bytes>"
    elif case.check == "status_choice":
        codes = {int(c.split(":")[0]) for c in case.target.rsplit("/", 1)[1].split(",")}
        if ours.status != theirs.status:
            for who, a in (("ours", ours), ("theirs", theirs)):
                if a.status not in codes:
                    out.append(("status", "%s picked %s, not one of %s" % (
                        who, a.status, sorted(codes))))
            ours.status = theirs.status = ours.headers = theirs.headers = None
            ours.body = theirs.body = b""
    return out


def compare(case, ours, theirs):
    """The differences between two answers to the same request: (aspect, text) pairs, the
    aspect being "status", "header:<name>", "body" or "transport"."""
    out = random_parts(case, ours, theirs)
    if ours.error or theirs.error:
        if ours.error != theirs.error:
            out.append(("transport", "transport: ours %r, theirs %r" % (ours.error, theirs.error)))
        if ours.status is None or theirs.status is None:
            return out
    if ours.status != theirs.status:
        out.append(("status", "status: ours %s, theirs %s" % (ours.status, theirs.status)))
    if ours.headers is not None:
        out += compare_headers(ours, theirs)
    if ours.body != theirs.body:
        out.append(("body", "body: " + body_diff(ours.body, theirs.body)))
    return out


def compare_headers(ours, theirs):
    def fields(a):
        d = {}
        for n, v in a.headers:
            d.setdefault(n.lower(), []).append(v)
        return d
    fo, ft = fields(ours), fields(theirs)
    out = []
    for name in sorted(set(fo) | set(ft)):
        if name in NORMALISED:
            continue
        vo, vt = fo.get(name), ft.get(name)
        if name == "content-length" and (vo is None or vt is None):
            continue
        if name == "allow" and vo and vt:
            vo = [sorted(x.strip() for x in ",".join(vo).split(","))]
            vt = [sorted(x.strip() for x in ",".join(vt).split(","))]
        if name == "set-cookie" and vo and vt:
            vo, vt = sorted(vo), sorted(vt)
        if vo != vt:
            out.append(("header:" + name, "header %s: ours %r, theirs %r" % (name, vo, vt)))
    return out


def body_diff(a, b):
    try:
        ja, jb = json.loads(a), json.loads(b)
    except ValueError:
        ja = jb = None
    if isinstance(ja, dict) and isinstance(jb, dict):
        if ja == jb:
            return "same JSON, other bytes:\n    ours   %r\n    theirs %r" % (a[:300], b[:300])
        lines = []
        for k in sorted(set(ja) | set(jb)):
            if ja.get(k, "<absent>") != jb.get(k, "<absent>"):
                lines.append("    %s: ours %s, theirs %s" % (
                    k, json.dumps(ja.get(k, "<absent>"))[:300],
                    json.dumps(jb.get(k, "<absent>"))[:300]))
        return "JSON differs:\n" + "\n".join(lines)
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return "%d vs %d bytes, first difference at %d:\n    ours   %r\n    theirs %r" % (
        len(a), len(b), i, a[max(0, i - 40):i + 160], b[max(0, i - 40):i + 160])


# --- running ----------------------------------------------------------------------------------------

class Report:
    def __init__(self, show_listed=False):
        self.sent = 0
        self.failed = 0
        self.listed = {}  # reason -> count
        self.show_listed = show_listed

    def run(self, case, ports, label=None, listed=None):
        """Sends one case to both; prints its differences unless they are listed. `listed` is
        (allowed aspects or "*", reason) for cases not named in DELIBERATE."""
        raw = case.raw()
        ours = exchange(ports[0], raw, case.timeout, case.is_head())
        theirs = exchange(ports[1], raw, case.timeout, case.is_head())
        self.sent += 1
        diffs = compare(case, ours, theirs)
        if not diffs:
            return True
        name = label or case.name
        if listed is None:
            listed = DELIBERATE.get(case.name)
        if listed is None and case.name in PENDING_HEAD:
            listed = ("*", PENDING)
        if listed is None and case.name in PENDING_ABSOLUTE:
            listed = ("*", PENDING_ABS)
        allowed = listed is not None and (
            listed[0] == "*" or all(aspect in listed[0] for aspect, _ in diffs))
        if allowed:
            self.listed[listed[1]] = self.listed.get(listed[1], 0) + 1
            if not self.show_listed:
                return True
            print("LISTED %s (%s)" % (name, listed[1]))
        else:
            self.failed += 1
            print("DIFF %s" % name)
        print("  reproduce: %s --ours PORT --theirs PORT --raw %r" % (sys.argv[0], raw))
        for _, d in diffs:
            print("  " + d.replace("\n", "\n  "))
        print("  --- ours\n    " + ours.summary().replace("\n", "\n    "))
        print("  --- theirs\n    " + theirs.summary().replace("\n", "\n    "))
        sys.stdout.flush()
        return allowed

    def summary(self):
        lines = ["%d requests, %d unlisted differences, %d listed" % (
            self.sent, self.failed, sum(self.listed.values()))]
        for reason, n in sorted(self.listed.items(), key=lambda kv: -kv[1]):
            lines.append("  listed %4d: %s" % (n, reason))
        return "\n".join(lines)


def start_servers(demo):
    """Starts the demo and httpbin on free ports; returns (ports, processes)."""
    procs, ports = [], []
    specs = [([demo, "--port=0", "--address=127.0.0.1"], rb"listening on [0-9.]+:([0-9]+)"),
             (["/usr/bin/python3", "-m", "httpbin.core", "--port", "0"],
              rb"Running on http://[0-9.]+:([0-9]+)")]
    for argv, pattern in specs:
        log = tempfile.TemporaryFile()
        try:
            p = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        except OSError as e:
            stop_servers(procs)
            raise SystemExit("cannot start %s: %s" % (argv[0], e))
        procs.append(p)
        deadline = time.monotonic() + 15
        port = None
        while time.monotonic() < deadline and port is None and p.poll() is None:
            log.seek(0)
            m = re.search(pattern, log.read())
            if m:
                port = int(m.group(1))
            else:
                time.sleep(0.05)  # polling a log file: there is nothing to wait on
        if port is None:
            log.seek(0)
            text = log.read().decode("utf-8", "replace")[-400:]
            stop_servers(procs)
            print("cannot start %s: %s" % (" ".join(argv), text))
            sys.exit(77)
        ports.append(port)
    return ports, procs


def stop_servers(procs):
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--demo", help="the demo binary: start it and httpbin on free ports")
    ap.add_argument("--ours", type=int, help="port of a running demo")
    ap.add_argument("--theirs", type=int, help="port of a running httpbin")
    ap.add_argument("--random", action="store_true", help="generated requests")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=10, help="seconds of random requests")
    ap.add_argument("--raw", help="one request, as a Python bytes literal")
    ap.add_argument("--slow", action="store_true", help="also the cases that take seconds")
    ap.add_argument("--only", help="fixed cases whose name contains this")
    ap.add_argument("--show-listed", action="store_true",
                    help="also print the listed differences (deliberate, pending)")
    args = ap.parse_args()

    procs = []
    if args.demo:
        if subprocess.call(["/usr/bin/python3", "-c", "import httpbin"],
                           stderr=subprocess.DEVNULL) != 0:
            print("skipped: Debian's python3-httpbin is not installed")
            return 77
        ports, procs = start_servers(args.demo)
    elif args.ours and args.theirs:
        ports = [args.ours, args.theirs]
    else:
        ap.error("give --demo, or --ours and --theirs")
    report = Report(args.show_listed)
    try:
        if args.raw:
            import ast
            report.run(Case("raw", raw=ast.literal_eval(args.raw)), ports)
        elif args.random:
            import httpbin_random
            httpbin_random.run(report, ports, args.seed, args.duration)
        else:
            cases = fixed_cases(args.slow)
            names = [c.name for c in cases]
            dups = {n for n in names if names.count(n) > 1}
            assert not dups, "case names must be unique: %s" % dups
            for case in cases:
                if args.only and args.only not in case.name:
                    continue
                report.run(case, ports)
    finally:
        stop_servers(procs)
    print(report.summary())
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
