#!/usr/bin/python3
# tests/demos/httpbin_cases.py: what tests/demos/httpbin_sweep.py sends to the httpbin demo
# and to the real httpbin: the fixed cases (every endpoint with its edge cases), and the
# differences the demo makes on purpose, each with its reason (httpbin_random.py draws the
# random requests and sorts them into the same classes).
import base64

HOST = "httpbin.test"

# Where the demo answers otherwise on purpose, and why. Each reason is a class of input; the
# fixed cases name theirs in DELIBERATE, the random mode asks classify().
ROUTING = ("routing: the demo routes on the path as sent (Tornado's rule); Werkzeug routes on the "
           "%-decoded path and merges or drops doubled slashes (/%67et, /base64/a%2Fb, //get)")
JSON_STRICT = ("the \"json\" field: the library's JSON decoder is RFC 8259 and bounded (DESIGN "
               "§6): no NaN or Infinity, integers past int64 become doubles, 512 levels at most; "
               "Python's json.loads takes all of those")
FORM_400 = ("a body the library will not read: a malformed multipart form (no boundary, no "
            "final boundary, a preamble, LF line breaks, a part with no name or no "
            "Content-Disposition) or any body with a Content-Encoding (nothing decompresses "
            "here) is refused with 400 before a handler runs (Tornado's parse_body_arguments); "
            "httpbin echoes it, with an empty form")
STRICT_HTTP = ("malformed HTTP: a folded (obs-fold) header line, a field name that is not a token, "
               "a control character in a field value, HTTP/1.1 without exactly one Host, a "
               "Content-Length that is not digits, userinfo in an absolute-form target: the "
               "library answers 400 as RFC 9110 and 9112 ask; Python's http.server lets them "
               "through")
SMUGGLING = ("ambiguous framing (Content-Length beside Transfer-Encoding, differing "
             "Content-Lengths, a Transfer-Encoding other than a final chunked): the library "
             "refuses it with 400 (DESIGN §6: request smuggling); httpbin reads a body anyway")
METHOD_CASE = ("methods are case-sensitive (RFC 9110 §9.1): the library answers 405 to \"get\"; "
               "Werkzeug matches routes on the upper-cased method")
CHUNKED = ("a chunked request body: Debian's httpbin refuses it (501: httpbin reads chunked "
           "bodies only behind gunicorn); the demo reads it, as httpbin.org does")
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
HOST_IDNA = ("/redirect-to with a URL whose host is not ASCII: Werkzeug writes the host in IDNA "
             "(nameprep, punycode) in Location; the demo has no IDNA tables and %-escapes it")
TRAILING_OWS = ("a header value ending in spaces or tabs: the library strips them (RFC 9110 "
                "§5.5: they are not part of the value); Python's http.server keeps them, so "
                "httpbin echoes them")
HEADER_BYTES = ("header names with a colon or a control character, values with a control "
                "character or beyond Latin-1: the library refuses to send them (no header "
                "injection), so the demo answers 500; Werkzeug sends them")

BODY = {"body", "header:content-length"}
# What a request header's value can reach: the JSON echo and the CORS headers.
ECHO = BODY | {"header:access-control-allow-origin", "header:access-control-allow-headers"}
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
    "obs-fold header": ("*", STRICT_HTTP),
    "header name with a space": ("*", STRICT_HTTP),
    "HTTP/1.1 without Host": ("*", STRICT_HTTP),
    "two Host headers": ("*", STRICT_HTTP),
    "control character in a header value": ("*", STRICT_HTTP),
    "absolute-form http://u@" + HOST + "/get": ("*", STRICT_HTTP),
    "Content-Length +3": ("*", STRICT_HTTP),
    "Content-Length and chunked": ("*", SMUGGLING),
    "two Content-Lengths": ("*", SMUGGLING),
    "Transfer-Encoding gzip": ("*", SMUGGLING),
    "Content-Encoding gzip": ("*", FORM_400),
    "lower-case method": ("*", METHOD_CASE),
    "/redirect-to non-ASCII host": ({"header:location"}, HOST_IDNA),
    "/response-headers name with a colon": ("*", HEADER_BYTES),
    "/cookies/delete control character": ("*", HEADER_BYTES),
    "/json": ("*", NO_JSON),
    "HEAD /json": ("*", NO_JSON),
    "404 /": ("*", LANDING),
    "/html": (BODY, OWN_BODY),
    "/status/402": (BODY, OWN_BODY),
    "/status/418": (BODY, OWN_BODY),
    "HEAD /status/418": (BODY, OWN_BODY),
    "HEAD /html": (BODY, OWN_BODY),
    "/status/204": ({"header:content-type"}, STATUS_204),
    "/response-headers?Content-Length=5": ("*", FRAMING),
}
for _code in ("0", "99", "1000", "-1", "100", "101", "199", "99999999999999999999", "1_0_0"):
    DELIBERATE["/status/" + _code] = ("*", STATUS_RANGE)


# --- requests -------------------------------------------------------------------------------------


class Case:
    """One request. `raw` wins when given; otherwise it is built from the parts."""

    def __init__(self, name, method="GET", target="/get", headers=(), body=b"",
                 length=None, raw=None, check=None, timeout=8.0, host=HOST):
        self.name = name
        self.host = host
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
        head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (self.method, self.target, self.host)
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
              "url=%C3%A9", "url=/q%22x%27y%3Cz%26"):
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
    add(Case("/basic-auth bearer", target="/basic-auth/u/p",
             headers=[("Authorization", "Bearer x")]))
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
              "bytes=99999999999999999999-", "bytes=0x10-", "bytes=1_0-", "bytes=5", "bytes=00-09",
              "bytes=-1024", "bytes=-1025", "bytes=1023-1023", "bytes=3-4,", "bytes=-00",
              "bytes=0-9223372036854775800", "bytesx=3-4", "bytes=3-4=5"):
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
              "Server=fake", "Content-Length=5", "URL=a&url=b&URL=c"):
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
    for t in ("https://" + HOST + "/anything/x?y=1", "http://" + HOST + ":80/get",
              "http://" + HOST.upper() + ":8080/absolute-redirect/1", "http://u@" + HOST + "/get"):
        add(Case("absolute-form " + t, raw=b"GET " + t.encode() + b" HTTP/1.1\r\nHost: other\r\n"
                 b"Connection: close\r\n\r\n"))
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
    # What the library refuses or reads otherwise (listed in DELIBERATE).
    def raw(head, body=b""):
        return (head.replace("\n", "\r\n").replace("HOST", HOST)).encode() + body
    add(Case("obs-fold header", raw=raw("GET /get HTTP/1.1\nHost: HOST\nX-A: a\n b\n"
                                        "Connection: close\n\n")))
    add(Case("header name with a space", raw=raw("GET /get HTTP/1.1\nHost: HOST\nX A: a\n"
                                                 "Connection: close\n\n")))
    add(Case("HTTP/1.1 without Host", raw=raw("GET /get HTTP/1.1\nConnection: close\n\n")))
    add(Case("control character in a header value",
             raw=raw("GET /get HTTP/1.1\nHost: HOST\nOrigin: a\x01b\nConnection: close\n\n")))
    add(Case("two Host headers", raw=raw("GET /get HTTP/1.1\nHost: HOST\nHost: b\n"
                                         "Connection: close\n\n")))
    add(Case("Content-Length +3", raw=raw("POST /post HTTP/1.1\nHost: HOST\nContent-Length: +3"
                                          "\nConnection: close\n\n", b"abc")))
    add(Case("Content-Length and chunked", raw=raw(
        "POST /post HTTP/1.1\nHost: HOST\nContent-Length: 3\nTransfer-Encoding: chunked\n"
        "Connection: close\n\n", b"3\r\nabc\r\n0\r\n\r\n")))
    add(Case("two Content-Lengths", raw=raw("POST /post HTTP/1.1\nHost: HOST\nContent-Length: 3\n"
                                            "Content-Length: 4\nConnection: close\n\n", b"abcd")))
    add(Case("same Content-Length twice", raw=raw(
        "POST /post HTTP/1.1\nHost: HOST\nContent-Length: 3\nContent-Length: 3\n"
        "Connection: close\n\n", b"abc")))
    add(Case("Transfer-Encoding gzip", raw=raw("POST /post HTTP/1.1\nHost: HOST\nTransfer-Encoding:"
                                               " gzip\nConnection: close\n\n", b"abc")))
    add(Case("Content-Encoding gzip", method="POST", target="/post", body="abc",
             headers=[("Content-Type", "text/plain"), ("Content-Encoding", "gzip")]))
    add(Case("Content-Encoding without a body", target="/get",
             headers=[("Content-Encoding", "gzip")]))
    add(Case("lower-case method", method="get", target="/get"))
    add(Case("LF line endings", raw=b"GET /get?lf=1 HTTP/1.1\nHost: " + HOST.encode() +
             b"\nConnection: close\n\n"))
    add(Case("HTTP/1.2", raw=raw("GET /get HTTP/1.2\nHost: HOST\nConnection: close\n\n")))
    add(Case("raw UTF-8 in the target", raw=raw("GET /anything/\u00e9?x=\u00e9 HTTP/1.1\nHost: "
                                                "HOST\nConnection: close\n\n")))
    add(Case("Latin-1 header bytes", raw=b"GET /headers HTTP/1.1\r\nHost: " + HOST.encode() +
             b"\r\nX-A: \xe9t\xe9\r\nConnection: close\r\n\r\n"))
    add(Case("a fragment in the target", target="/get?a=1#frag"))
    # Found by the random mode. (The library's own multipart parser reads only a Content-Type
    # spelled "multipart/form-data"; other spellings reach the demo's Werkzeug rules intact.)
    add(Case("multipart nameless file alone", method="POST", target="/post",
             headers=[("Content-Type", "Multipart/Form-Data; boundary=zz")],
             body=b"--zz\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nv\r\n--zz--\r\n"))
    add(Case("multipart nameless field beside others", method="POST", target="/post",
             headers=[("Content-Type", "Multipart/Form-Data; boundary=zz")],
             body=b"--zz\r\nContent-Disposition: form-data\r\n\r\nv\r\n--zz\r\n"
                  b"Content-Disposition: form-data; name=\"a\"\r\n\r\nw\r\n--zz--\r\n"))
    add(Case("multipart nameless field alone", method="POST", target="/post",
             headers=[("Content-Type", "Multipart/Form-Data; boundary=zz")],
             body=b"--zz\r\nContent-Disposition: form-data\r\n\r\nv\r\n--zz--\r\n"))
    add(Case("multipart boundary line with blanks", method="POST", target="/post",
             headers=[("Content-Type", "Multipart/Form-Data; boundary=zz")],
             body=b"--zz \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--zz--\r\n"))
    add(Case("multipart LF line breaks", method="POST", target="/post",
             headers=[("Content-Type", "Multipart/Form-Data; boundary=zz")],
             body=b"--zz\nContent-Disposition: form-data; name=\"a\"\n\nv\n--zz--\n"))
    add(Case("proxy scheme and a trailing ;", target="/anything/a;/b;?q=1",
             headers=[("X-Forwarded-Proto", "https")]))
    add(Case("/range/huge", target="/range/99999999999999999999"))
    add(Case("/redirect-to non-ASCII host", target="/redirect-to?url=//%C3%A9.test/x"))
    for q in ("url=//%20.;/%3C.", "url=//u:p@h:99999/a%20b", "url=//u@h:%2B80/%20",
              "url=//:8080/x%20y", "url=//[::1]:80/x%20y", "url=http://@h:x/%20"):
        add(Case("/redirect-to netloc " + q, target="/redirect-to?" + q))
    add(Case("/response-headers name with a colon", target="/response-headers?a:b=1"))
    add(Case("/cookies/delete control character", target="/cookies/delete?a%01=1"))
    return c
