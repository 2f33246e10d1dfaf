"""bench/reportlib/inputs.py: one run's raw output, parsed.

Reads:  what bench/report.sh leaves in DIR: machine.txt, ioloop.json, gen.json, poller.json
        (Google Benchmark JSON with repetitions), peers/results.txt (the peer programs'
        "<library> <workload> <value> <unit>" lines), http.txt (bench/http_wrk.sh) and
        memory.txt (bench/idle_memory.py).
Writes: nothing. Every figure becomes a Samples (its repetitions: median and min-max).
"""
import json
import os
import re
import statistics

# The peer libraries, in the order their columns appear.
PEERS = ["libev", "libevent", "libuv", "asio"]


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


class Samples:
    """The repetitions of one figure: median and spread."""

    def __init__(self, values):
        self.values = sorted(values)

    def median(self):
        return statistics.median(self.values)

    def cell(self, digits=1):
        if not self.values:
            return "-"
        m = f"{self.median():,.{digits}f}"
        if len(self.values) == 1:
            return m
        return f"{m} ({self.values[0]:,.{digits}f}-{self.values[-1]:,.{digits}f})"


def ratio(a, b):
    """a's median over b's, as a table cell ("-" when either is missing)."""
    if not a.values or not b.values or b.median() == 0:
        return "-"
    return f"{a.median() / b.median():.2f}"


def gbench(path):
    """Google Benchmark JSON: run name -> {field: [value per repetition]} in nanoseconds."""
    text = read(path)
    runs = {}
    if not text:
        return runs
    try:
        data = json.loads(text)
    except ValueError:
        return runs
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    for b in data.get("benchmarks", []):
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        unit = scale.get(b.get("time_unit", "ns"), 1.0)
        entry = runs.setdefault(name, {})
        entry.setdefault("real", []).append(b["real_time"] * unit)
        entry.setdefault("cpu", []).append(b["cpu_time"] * unit)
        for key in ("per_callback", "per_timer", "per_await", "steps_per_run"):
            if key in b:
                # Inverted rates are seconds per item; steps_per_run is a plain count.
                v = b[key] if key == "steps_per_run" else b[key] * 1e9
                entry.setdefault(key, []).append(v)
    return runs


def get(runs, name, field):
    """The Samples of field for the run called name (or name/<arguments>)."""
    for key, entry in runs.items():
        if key == name or key.startswith(name + "/"):
            if field in entry:
                return Samples(entry[field])
    return Samples([])


def peer_lines(path):
    """bench/peers lines: (library, workload) -> Samples, and workload -> unit, in order."""
    values, units = {}, {}
    for line in (read(path) or "").splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue
        lib, work, value, unit = parts
        try:
            v = float(value)
        except ValueError:
            continue
        values.setdefault((lib, work), []).append(v)
        units.setdefault(work, unit)
    return {k: Samples(v) for k, v in values.items()}, units


def http_lines(path):
    """bench/http_wrk.sh lines: (server, scenario) -> (req/s Samples, us/request Samples)."""
    rps, cpu = {}, {}
    pat = re.compile(r"^(\S+)\s+(.+?)\s+([\d.]+)([kM]?) req/s\s+(\S+) us/request")
    for line in (read(path) or "").splitlines():
        m = pat.match(line)
        if not m:
            continue
        server = "tornado" if m.group(1) == "http_hello" else m.group(1)
        key = (server, m.group(2).strip())
        mult = {"": 1, "k": 1e3, "M": 1e6}[m.group(4)]
        rps.setdefault(key, []).append(float(m.group(3)) * mult)
        try:
            cpu.setdefault(key, []).append(float(m.group(5)))
        except ValueError:
            pass
    return {k: (Samples(v), Samples(cpu.get(k, []))) for k, v in rps.items()}


def instruction_lines(path):
    """bench/http_instructions.sh's table: [(server, Ir/request, allocations/request)]."""
    out = []
    for line in (read(path) or "").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1].isdigit():
            out.append((parts[0], int(parts[1]), parts[2]))
    return out


def memory_lines(path):
    """bench/idle_memory.py lines: server -> [(connections, KiB per connection)]."""
    out = {}
    for line in (read(path) or "").splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[1].isdigit():
            n, before, after = int(parts[1]), int(parts[2]), int(parts[3])
            if n > 0 and before > 0:
                out.setdefault(parts[0], []).append((n, (after - before) / n))
    return out


class Run:
    """Everything one run left in DIR, parsed once for every section."""

    def __init__(self, d):
        self.dir = d
        self.machine = {}
        for line in (read(os.path.join(d, "machine.txt")) or "").splitlines():
            k, _, v = line.partition("=")
            self.machine[k] = v
        self.ioloop = gbench(os.path.join(d, "ioloop.json"))
        self.gen = gbench(os.path.join(d, "gen.json"))
        self.poller = gbench(os.path.join(d, "poller.json"))
        self.peers, self.units = peer_lines(os.path.join(d, "peers", "results.txt"))
        self.http = http_lines(os.path.join(d, "http.txt"))
        self.memory = memory_lines(os.path.join(d, "memory.txt"))
        self.instructions = instruction_lines(os.path.join(d, "instructions.txt"))
        # The peer libraries with at least one figure in this run, and the others.
        self.present = [p for p in PEERS if any(k[0] == p for k in self.peers)]
        self.missing = [p for p in PEERS if p not in self.present]
        self.syscall = get(self.ioloop, "syscall_getppid", "cpu")
