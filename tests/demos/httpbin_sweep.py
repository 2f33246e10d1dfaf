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
# what is sent, and where the demo answers otherwise on purpose (DELIBERATE, each class with
# its reason), is in httpbin_cases.py and httpbin_random.py. Listed differences are counted
# by reason but do not fail the run.
import argparse
import ast
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

from httpbin_cases import DELIBERATE, Case, fixed_cases
from httpbin_random import decoded, random_case, status_codes

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

# --- talking to a server --------------------------------------------------------------------------

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


# --- what may differ ------------------------------------------------------------------------------

def random_parts(case, ours, theirs):
    """Checks and removes what is random by design: (differences found, whether the rest of
    the answers is comparable)."""
    out = []
    if case.check == "uuid":
        for who, a in (("ours", ours), ("theirs", theirs)):
            if a.status == 200 and a.body:
                try:
                    v = json.loads(a.body).get("uuid", "")
                except (ValueError, AttributeError):
                    v = ""
                if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                    r"[0-9a-f]{12}", v):
                    out.append(("body", "%s: not a version 4 UUID: %r" % (who, a.body)))
                a.body = b"<uuid>"
    elif case.check == "random_bytes":
        if ours.status == theirs.status == 200:
            if len(ours.body) != len(theirs.body):
                out.append(("body", "random byte counts differ: %d vs %d" % (
                    len(ours.body), len(theirs.body))))
            ours.body = theirs.body = b"<random bytes>"
    elif case.check == "status_choice":
        path = case.target.split("?")[0]
        if "://" in path:  # absolute-form
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        codes = status_codes(decoded(path[len("/status/"):])) or set()
        if ours.status != theirs.status:
            for who, a in (("ours", ours), ("theirs", theirs)):
                if a.status not in codes:
                    out.append(("status", "%s picked %s, not one of %s" % (
                        who, a.status, sorted(codes))))
            return out, False  # different picks: nothing more to compare
    return out, True


def compare(case, ours, theirs):
    """The differences between two answers to the same request: (aspect, text) pairs, the
    aspect being "status", "header:<name>", "body" or "transport"."""
    out, rest = random_parts(case, ours, theirs)
    if not rest:
        return out
    if ours.error or theirs.error:
        if ours.error != theirs.error:
            out.append(("transport", "transport: ours %r, theirs %r" % (ours.error, theirs.error)))
        if ours.status is None or theirs.status is None:
            return out
    if ours.status != theirs.status:
        out.append(("status", "status: ours %s, theirs %s" % (ours.status, theirs.status)))
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


# --- running --------------------------------------------------------------------------------------

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


def run_random(report, ports, seed, duration, index=None):
    """Random requests for `duration` seconds (or the one numbered `index`)."""
    if index is not None:
        case, listed = random_case(seed, index)
        report.run(case, ports, listed=listed)
        return
    deadline = time.monotonic() + duration
    i = 0
    while time.monotonic() < deadline:
        case, listed = random_case(seed, i)
        if not report.run(case, ports, listed=listed):
            print("  replay: %s --ours PORT --theirs PORT --random --seed %s --index %d" % (
                sys.argv[0], seed, i))
        i += 1


def start_servers(demo):
    """Starts the demo and httpbin on free ports; returns (ports, processes). A cross-built
    demo runs behind the emulator `make check-cross` names (TORNADO_TEST_EMULATOR)."""
    procs, ports = [], []
    emulator = os.environ.get("TORNADO_TEST_EMULATOR", "").split()
    specs = [(emulator + [demo, "--port=0", "--address=127.0.0.1"],
              rb"listening on [0-9.]+:([0-9]+)"),
             (["/usr/bin/python3", "-m", "httpbin.core", "--port", "0"],
              rb"Running on http://[0-9.]+:([0-9]+)")]
    for argv, pattern in specs:
        log = tempfile.TemporaryFile()
        try:
            p = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        except OSError as e:
            stop_servers(procs)
            print("cannot start %s: %s" % (argv[0], e))
            sys.exit(77)
        p.log = log
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
    """Stops them (SIGTERM); returns the demo's exit status and the end of its log."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    if not procs:
        return 0, ""
    procs[0].log.seek(0)
    return procs[0].returncode, procs[0].log.read().decode("utf-8", "replace")[-3000:]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--demo", help="the demo binary: start it and httpbin on free ports")
    ap.add_argument("--ours", type=int, help="port of a running demo")
    ap.add_argument("--theirs", type=int, help="port of a running httpbin")
    ap.add_argument("--random", action="store_true", help="generated requests")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=10, help="seconds of random requests")
    ap.add_argument("--index", type=int, help="with --random: replay only this request")
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
            report.run(Case("raw", raw=ast.literal_eval(args.raw)), ports)
        elif args.random:
            run_random(report, ports, args.seed, args.duration, args.index)
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
        status, log = stop_servers(procs)
    print(report.summary())
    if status != 0:
        # It stops cleanly on SIGTERM; anything else (a sanitizer's report) is a failure.
        print("the demo exited with status %s; the end of its log:\n%s" % (status, log))
        return 1
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
