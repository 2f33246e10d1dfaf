#!/usr/bin/python3
# tests/demos/httpbin_random.py: the random requests of tests/demos/httpbin_sweep.py --random,
# and classify(), which names the listed class (httpbin_cases.py) a request falls in.
import base64
import json
import random
from urllib.parse import unquote_to_bytes

from httpbin_cases import (BODY, CHUNKED, ECHO, FORM_400, FRAMING, HEADER_BYTES,
                           HOST, HOST_IDNA, METHOD_CASE, OWN_BODY, ROUTING, STATUS_204,
                           STATUS_RANGE, TRAILING_OWS, Case)

# --- random requests ------------------------------------------------------------------------------
#
# Each request is drawn from its own generator, seeded by "seed:index", so that
# --seed S --index I replays one. The draws stay within what both servers can be asked
# without hanging or breaking a connection on purpose (no slow delays, no framing tricks);
# classify() names the deliberate class a request falls in, if any.

NUMBERS = ["0", "1", "2", "3", "5", "10", "26", "99", "100", "101", "1024", "102400", "102401",
           "-1", "01", "007", "x", "1.5", "", "99999999999999999999", "+3", "1_0", "%204"]
CODES = ["200", "201", "202", "204", "206", "300", "301", "302", "303", "304", "305", "307",
         "308", "400", "401", "402", "403", "404", "405", "406", "407", "410", "418", "429",
         "500", "502", "503", "599", "600", "999", "abc", "2.5", "+201", "1_0_0", "0", "100"]
WORDS = ["a", "b", "x", "key", "show_env", "seed", "SEED", "url", "URL", "status_code",
         "absolute", "chunk_size", "n", "Content-Type", "X-Foo", "Location", "q", "", "é"]
PIECES = ["a", "b", "1", "0", "-", "_", ".", "~", " ", "+", "=", "&", "%20", "%41", "%2F", "%3D",
          "%26", "%C3%A9", "%E2%98%83", "%F0%9F%98%80", "%ff", "%fe", "%C3", "%", "%zz", "%00",
          "!", "*", "'", "(", ")", ";", ":", "@", ",", "$", "/", "?", "[", "]", "\"", "<", ">"]
HEADER_NAMES = ["User-Agent", "Accept", "X-Custom", "x-lower", "X_Under", "X-Under", "X-1a",
                "Origin", "Via", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Ssl",
                "X-Real-Ip", "Access-Control-Request-Headers", "Cache-Control", "Accept-Language",
                "Referer", "Dnt", "X-Request-Id", "If-None-Match", "Cookie", "Authorization",
                "Range"]
TEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.~!*'();:@&=+$,/?#[]\"<>"


def _text(rng, n=8, alphabet=TEXT):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, n)))


ASCII_PIECES = [p for p in PIECES if p not in ("%C3%A9", "%E2%98%83", "%F0%9F%98%80", "%ff", "%fe",
                                                "%C3", "%00")]


def _pct(rng, n=6, ascii_only=False):
    """A URL piece: plain characters and %-escapes, some of them bad."""
    pool = ASCII_PIECES if ascii_only else PIECES
    return "".join(rng.choice(pool[:16 if ascii_only else 23] if rng.random() < 0.7 else pool)
                   for _ in range(rng.randint(0, n))).replace("?", "%3F").replace("#", "%23") \
        .replace(" ", "%20").replace("\"", "%22").replace("<", "%3C").replace(">", "%3E") \
        .replace("[", "%5B").replace("]", "%5D")


def _segment(rng):
    """A path segment: never empty, no raw "/"."""
    s = _pct(rng, 5).replace("/", "%2F")
    return s or rng.choice(["a", "b", "1"])


def _query(rng, keys=WORDS, ascii_only=False):
    pairs = []
    for _ in range(rng.randint(0, 4)):
        k = rng.choice(keys) if rng.random() < 0.7 else _pct(rng, 4, ascii_only)
        k = k.replace("é", "%C3%A9")
        if rng.random() < 0.1:
            pairs.append(_pct(rng, 3, ascii_only).replace("=", ""))  # a name with no "="
        else:
            pairs.append("%s=%s" % (k.replace("&", "%26").replace("=", "%3D"),
                                    _pct(rng, 8, ascii_only).replace("&", "%26")))
    if rng.random() < 0.05:
        pairs.insert(rng.randint(0, len(pairs)), "")  # "&&"
    return "&".join(pairs)


def _json_value(rng, depth=0):
    r = rng.random()
    if depth > 3 or r < 0.35:
        return rng.choice([None, True, False, 0, -1, 7, 2 ** 40, -(2 ** 62), 0.5, -2.25, 1e-7,
                           1e21, 3.0, "", "x", "é", "☃", "\U0001F600", "a\"b\\c", "\n\t\x01",
                           "</script>", "\x7f"])
    if r < 0.6:
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["a", "b", "é", "", "k", "z"]): _json_value(rng, depth + 1)
            for _ in range(rng.randint(0, 3))}


def _multipart(rng):
    """(content type, body, whether it is malformed for Tornado's parser)."""
    boundary = rng.choice(["zz", "sweep42", "----WebKitFormBoundaryabc", "a b", "x=y"])
    nl = b"\r\n"
    mangled = False
    if rng.random() < 0.1:
        nl, mangled = rng.choice([b"\n", b"\r"]), True
    out = b""
    if rng.random() < 0.05:
        out, mangled = b"preamble" + nl, True
    for _ in range(rng.randint(0, 4)):
        name = rng.choices(["f", "file", "\u00e9", "a b", "x\"y", "", "a;b"],
                           [30, 10, 5, 5, 5, 2, 5])[0]
        out += b"--" + boundary.encode() + rng.choice([b"", b"", b"", b" ", b"\t"]) + nl
        quote = rng.random() < 0.85 or not name or " " in name or ";" in name or "\"" in name
        disp = "form-data; name=" + ("\"%s\"" % name.replace("\"", "\\\"") if quote else name)
        if rng.random() < 0.05:
            disp, mangled = "form-data", True  # no name
        if rng.random() < 0.5:
            disp += rng.choice(["; filename=\"a.txt\"", "; filename=\"b.bin\"", "; filename=\"\"",
                                "; filename=\"\u00e9.txt\"", "; filename=\"c d.png\"",
                                "; filename=e.txt", "; filename*=UTF-8''%C3%A9.txt",
                                "; filename=\"C:\\\\dir\\\\f.txt\""])
        if rng.random() < 0.05:
            mangled = True  # no Content-Disposition
        else:
            out += rng.choice([b"Content-Disposition: ", b"content-disposition:"]) + \
                disp.encode("utf-8") + nl
        if rng.random() < 0.5:
            out += b"Content-Type: " + rng.choice(
                [b"text/plain", b"application/octet-stream", b"image/png",
                 b"text/plain; charset=utf-8", b"text/plain; charset=latin-1"]) + nl
        value = rng.choice([b"", b"v", "\u00e9".encode(), bytes(rng.randrange(256)
                                                               for _ in range(rng.randint(1, 40))),
                            b"line1\r\nline2", b"--not-a-boundary", b"\xe9t\xe9"])
        out += nl + value + nl
        if name == "":
            mangled = True  # Tornado wants a name
    if rng.random() < 0.05:
        mangled = True  # no final boundary
    else:
        out += b"--" + boundary.encode() + b"--" + nl
        if rng.random() < 0.05:
            out += b"epilogue"
    quoted = "\"%s\"" % boundary if " " in boundary or "=" in boundary else boundary
    ctype = rng.choice(["multipart/form-data"] * 6 + ["Multipart/Form-Data", "MULTIPART/FORM-DATA"])
    return ctype + "; boundary=" + quoted, out, mangled


def _body(rng):
    """(content type or None, body bytes)."""
    kind = rng.choice(["none", "text", "binary", "json", "json", "form", "form", "multipart",
                       "multipart"])
    if kind == "none":
        return None, b""
    if kind == "text":
        return rng.choice([None, "text/plain", "text/plain; charset=utf-8"]), \
            _text(rng, 30, TEXT + "éü☃").encode("utf-8")
    if kind == "binary":
        return rng.choice([None, "application/octet-stream", "image/png"]), \
            bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    if kind == "json":
        body = json.dumps(_json_value(rng), ensure_ascii=rng.random() < 0.5).encode("utf-8")
        return rng.choice(["application/json", None, "text/plain"]), body
    if kind == "form":
        return rng.choice(["application/x-www-form-urlencoded",
                           "application/x-www-form-urlencoded; charset=utf-8",
                           "APPLICATION/X-WWW-FORM-URLENCODED", None]), _query(rng).encode()
    ctype, body, mangled = _multipart(rng)
    return ctype, body


def _header(rng, name):
    if name == "Cookie":
        return "; ".join("%s=%s" % (rng.choice(["a", "b", "c", "__utma", "_gauges_unique", "q"]),
                                    rng.choice(["1", "x y", "\"q\"", "\"a\\073b\"", "", "é", "=",
                                                "a,b"]))
                         for _ in range(rng.randint(0, 3)))
    if name == "Authorization":
        user, pw = rng.choice(["u", "user", "é", ""]), rng.choice(["p", "pass", "", "a:b"])
        token = base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
        return rng.choice(["Basic " + token, "Basic " + token, "basic " + token, "Bearer x",
                           "Basic !!", "Basic", "Basic " + token[:-1], "Digest a=b"])
    if name == "Range":
        a, b = rng.choice(["", "0", "1", "5", "-3", "1023", "2000", "x", " 2"]), \
            rng.choice(["", "0", "9", "25", "-1", "1023", "5000", "x", "3 "])
        return rng.choice(["bytes=%s-%s" % (a, b), "bytes=%s-%s,%s-%s" % (a, b, b, a),
                           "bytes=-%s" % b, "items=%s-%s" % (a, b), "bytes=%s" % a, "bytes"])
    if name == "X-Forwarded-Proto":
        return rng.choice(["https", "http", "", "ws"])
    if name == "X-Forwarded-Ssl":
        return rng.choice(["on", "off"])
    if name == "Origin":
        return rng.choice(["http://example.com", "null", "https://a.test:8443"])
    return _text(rng, 12, TEXT.replace("\"", "") + ("é" if rng.random() < 0.1 else ""))


def _path(rng):
    route = rng.choice([
        "/get", "/post", "/put", "/patch", "/delete", "/anything", "/anything/{s}",
        "/anything/{s}/{s}", "/headers", "/ip", "/user-agent", "/uuid", "/status/{codes}",
        "/status/{codes}", "/redirect/{n}", "/relative-redirect/{n}", "/absolute-redirect/{n}",
        "/redirect-to", "/redirect-to", "/cookies", "/cookies/set", "/cookies/set/{s}/{s}",
        "/cookies/delete", "/basic-auth/{user}/{pw}", "/base64/{b64}", "/bytes/{n}",
        "/stream/{n}", "/range/{n}", "/range/{n}", "/delay/{delay}", "/response-headers",
        "/response-headers", "/robots.txt", "/html", "/{s}", "/get/{s}"])
    codes = ",".join(rng.choice(CODES) + (":" + rng.choice(["1", "0", "2.5", "x"])
                                          if rng.random() < 0.2 else "")
                     for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 3)))
    b64 = base64.urlsafe_b64encode(_text(rng, 12, TEXT + "é").encode()).decode()
    if rng.random() < 0.3:
        b64 = rng.choice([b64.rstrip("="), b64 + "!", b64[:-1], "%3D" + b64])
    return route.format(s=_segment(rng), codes=codes, n=rng.choice(NUMBERS),
                        user=rng.choice(["u", "user", "%C3%A9"]), pw=rng.choice(["p", "pass"]),
                        b64=b64 or "YQ==", delay=rng.choice(["0", "0.0", "0.01", "-1", "x",
                                                             "nan", "1e-3"]))


def random_case(seed, index):
    """The request numbered `index` of seed `seed`, and the listed reason it falls under."""
    rng = random.Random("%s:%s" % (seed, index))
    method = rng.choices(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
                          "FROB"], [50, 15, 5, 5, 5, 6, 6, 3, 1])[0]
    path = _path(rng)
    # Header names and values must be Latin-1 tokens, so /response-headers mostly gets ASCII.
    query = _query(rng, ascii_only=path.startswith("/response-headers") and rng.random() < 0.7)
    target = path + ("?" + query if query or rng.random() < 0.05 else "")
    headers = [(name, _header(rng, name))
               for name in rng.sample(HEADER_NAMES, rng.randint(0, 4))]
    if headers and rng.random() < 0.1:
        headers.append((headers[0][0], _header(rng, headers[0][0])))  # a repeated field
    ctype, body = (None, b"")
    if method in ("POST", "PUT", "PATCH", "DELETE") or rng.random() < 0.1:
        ctype, body = _body(rng)
    if ctype:
        headers.append(("Content-Type", ctype))
    if body and rng.random() < 0.02:
        headers.append(("Content-Encoding", rng.choice(["gzip", "identity"])))
    if rng.random() < 0.5:
        rng.shuffle(headers)
    if body and rng.random() < 0.05:
        headers.append(("Expect", "100-continue"))
    if rng.random() < 0.01:
        method = method.lower()
    host = HOST
    if rng.random() < 0.05:
        host = rng.choice([HOST + ":80", HOST.upper(), HOST + ":8080", "127.0.0.1", "[::1]:80"])
    if rng.random() < 0.03:
        # absolute-form: the target names the host, the Host header is ignored
        target = rng.choice(["http://", "https://", "HTTP://"]) + host + target
        host = "other.test"
    raw = None
    if body and rng.random() < 0.02:
        head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, target, host)
        head += "".join("%s: %s\r\n" % h for h in headers)
        head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        raw = head.encode("utf-8") + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        headers.append(("Transfer-Encoding", "chunked"))
    check = None
    if path.startswith("/uuid"):
        check = "uuid"
    elif path.startswith("/bytes/") and "seed" not in query.lower():
        check = "random_bytes"
    elif path.startswith("/status/") and "," in path:
        check = "status_choice"
    case = Case("random %s:%d" % (seed, index), method, target, headers, body, raw=raw,
                check=check, host=host)
    return case, classify(case, path, query, ctype, body)


def decoded(s):
    """Werkzeug's view of a %-encoded piece: bytes, then UTF-8 with U+FFFD."""
    return unquote_to_bytes(s).decode("utf-8", "replace")


def status_codes(codes):
    """The codes httpbin could answer for /status/<codes>, or None when it answers 400/500."""
    out = set()
    for choice in codes.split(","):
        code, _, weight = choice.partition(":")
        if ":" in weight:
            return None
        try:
            out.add(int(code))
            float(weight or "1")
        except ValueError:
            return None
    return out


def _tornado_refuses(ctype, body):
    """Whether Tornado's parse_multipart_form_data raises for this body (so the library
    answers 400)."""
    boundary = ctype.partition("boundary=")[2].split(";")[0].strip()
    if boundary.startswith('"') and boundary.endswith('"'):
        boundary = boundary[1:-1]
    b = boundary.encode()
    end = body.rfind(b"--" + b + b"--")
    if not b or end < 0:
        return True
    for part in body[:end].split(b"--" + b + b"\r\n"):
        if not part:
            continue
        eoh = part.find(b"\r\n\r\n")
        if eoh < 0 or not part.endswith(b"\r\n"):
            return True
        head = part[:eoh].decode("latin-1")
        if any(line and ":" not in line for line in head.split("\r\n")):
            return True  # HTTPHeaders.parse: a line with no colon
        disp = [line.split(":", 1)[1].strip() for line in head.split("\r\n")
                if line.lower().startswith("content-disposition:")]
        if not disp or not disp[0].startswith("form-data"):
            return True
        if 'name=""' in disp[0] or "name=" not in disp[0].replace("filename=", ""):
            return True
    return False


def controls(s):
    """Whether s holds a control character a header value may not carry (tab it may)."""
    return any((ord(ch) < 32 and ch != "\t") or ord(ch) == 127 for ch in s)


def name_controls(s):
    """Whether s holds a control character a header name may not carry."""
    return "\t" in s or controls(s)


def _netloc_not_ascii(url):
    """Whether Werkzeug's url_parse finds a network location with non-ASCII characters in the
    Latin-1 reading of the URL's UTF-8 (what /redirect-to puts in Location)."""
    url = url.encode("utf-8").decode("latin-1")
    if url.isascii():
        return False
    scheme, colon, rest = url.partition(":")
    if not (colon and scheme and all(c.isalnum() or c in "+-." for c in scheme) and
            not rest.isdigit()):
        rest = url
    if not rest.startswith("//"):
        return False
    netloc = rest[2:]
    for c in "/?#":
        netloc = netloc.split(c)[0]
    return not netloc.isascii()


def classify(case, path, query, ctype, body):
    """(allowed aspects or "*", reason) when the request falls in a listed class, else None."""
    found = []
    if ("%2f" in path.lower() and not path.startswith("/anything/")) or "//" in decoded(path):
        found.append(("*", ROUTING))
    if path.startswith("/status/"):
        codes = status_codes(decoded(path[len("/status/"):]))
        for code in codes or ():
            if not 200 <= code <= 999:
                found.append(("*", STATUS_RANGE))
            elif code == 204:
                found.append(({"header:content-type"}, STATUS_204))
            elif code in (402, 418):
                found.append((BODY, OWN_BODY))
    if path == "/html":
        found.append((BODY, OWN_BODY))
    if any(v != v.rstrip(" \t") for _, v in case.headers):
        found.append((ECHO, TRAILING_OWS))
    if ctype and ctype.startswith("multipart/form-data") and body and _tornado_refuses(ctype, body):
        found.append(("*", FORM_400))
    if any(n.lower() == "content-encoding" for n, _ in case.headers) and body:
        found.append(("*", FORM_400))
    if case.method != case.method.upper():
        found.append(("*", METHOD_CASE))
    if any(n.lower() == "transfer-encoding" for n, _ in case.headers):
        found.append(("*", CHUNKED))
    pairs = [p.partition("=")[::2] for p in query.split("&") if p]
    args = [(decoded(k.replace("+", " ")), decoded(v.replace("+", " "))) for k, v in pairs]
    if path.startswith("/response-headers"):
        if any(k.lower() in ("content-length", "transfer-encoding") for k, _ in args):
            found.append(("*", FRAMING))
        if any(name_controls(k) or ":" in k or controls(v) or max(map(ord, k + v), default=0) > 255
               for k, v in args):
            found.append(("*", HEADER_BYTES))
    if path.startswith("/redirect-to") and any(controls(v) for k, v in args
                                               if k.lower() == "url"):
        found.append(("*", HEADER_BYTES))
    urls = [v for k, v in args if k.lower() == "url"][:1]
    if path.startswith("/redirect-to") and urls and _netloc_not_ascii(urls[0]):
        found.append(({"header:location"}, HOST_IDNA))
    if path.startswith("/cookies/") and (any(controls(k) for k, _ in args) or
                                         controls(decoded(path))):
        found.append(("*", HEADER_BYTES))
    if not found:
        return None
    if any(a == "*" for a, _ in found):
        aspects = "*"
    else:
        aspects = set().union(*(a for a, _ in found))
    return aspects, "; ".join(sorted({r for _, r in found}))
