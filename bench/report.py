#!/usr/bin/python3
"""bench/report.py: the benchmark report, from one run's raw output.

Measures: nothing itself. Reads what bench/report.sh left in DIR (Google Benchmark JSON with
          repetitions, the peer programs' lines, wrk's figures, the idle-memory probe, the
          machine) and writes DIR/report.md: one table per figure with the median, the spread
          (min-max over the repetitions) and ratios taken within this run, and a PNG plot per
          figure drawn by gnuplot when it is installed (listed as skipped otherwise).
Mirrors:  bench/README.md, whose marked region `--readme` replaces with the report's tables.
          Standard library only (Debian's /usr/bin/python3).

    /usr/bin/python3 bench/report.py DIR                       # DIR/report.md and DIR/*.png
    /usr/bin/python3 bench/report.py --readme bench/README.md DIR
    /usr/bin/python3 bench/report.py --self-test                # a sample run (make test)
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

BEGIN = "<!-- report:begin (make bench-readme pastes this region; do not edit by hand) -->"
END = "<!-- report:end -->"
MAN = "tornado.internals(7)"
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


def ratio(a, b):
    if not a.values or not b.values or b.median() == 0:
        return "-"
    return f"{a.median() / b.median():.2f}"


class Report:
    def __init__(self, d):
        self.dir = d
        self.md = []
        self.plots = []  # (file, title, gnuplot script, data)
        self.skipped = []

    def line(self, text=""):
        self.md.append(text)

    def table(self, head, rows):
        self.line("| " + " | ".join(head) + " |")
        self.line("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
        for r in rows:
            self.line("| " + " | ".join(str(c) for c in r) + " |")
        self.line()

    def plot(self, name, caption, script, data):
        """Queues a plot; its data file is written now, the PNG by draw()."""
        self.plots.append((name, caption, script, data))
        with open(os.path.join(self.dir, name + ".dat"), "w") as f:
            f.write(data)
        self.line(f"![{name}]({name}.png)")
        self.line()
        self.line(f"*Figure `{name}.png`.* {caption}")
        self.line()

    def draw(self):
        gp = None if os.environ.get("REPORT_NO_PLOTS") else shutil.which("gnuplot")
        drawn = []
        for name, _caption, script, _data in self.plots:
            if not gp:
                self.skipped.append(name)
                continue
            full = (
                "set terminal pngcairo noenhanced size 900,560 font 'sans,10'\n"
                f"set output '{name}.png'\nset grid\nset key top left\n" + script
            )
            r = subprocess.run([gp], input=full, text=True, cwd=self.dir,
                               capture_output=True)
            if r.returncode == 0 and os.path.exists(os.path.join(self.dir, name + ".png")):
                drawn.append(name)
            else:
                self.skipped.append(name)
                sys.stderr.write(f"gnuplot failed on {name}: {r.stderr}\n")
        return drawn


def build(d):
    rep = Report(d)
    machine = {}
    for line in (read(os.path.join(d, "machine.txt")) or "").splitlines():
        k, _, v = line.partition("=")
        machine[k] = v
    ioloop = gbench(os.path.join(d, "ioloop.json"))
    gen = gbench(os.path.join(d, "gen.json"))
    poller = gbench(os.path.join(d, "poller.json"))
    peers, units = peer_lines(os.path.join(d, "peers", "results.txt"))
    http = http_lines(os.path.join(d, "http.txt"))
    memory = memory_lines(os.path.join(d, "memory.txt"))
    present = [p for p in PEERS if any(k[0] == p for k in peers)]
    missing = [p for p in PEERS if p not in present]

    syscall = get(ioloop, "syscall_getppid", "cpu")
    rep.line("# tornado-cpp benchmark report")
    rep.line()
    rep.line(f"Run {machine.get('date', '?')}"
             f"{' (QUICK=1: fewer sizes and repetitions)' if machine.get('quick') not in ('', '0', None) else ''}"
             f", {machine.get('seconds', '?')} s. Figures are medians over the repetitions,"
             " with min-max in brackets; ratios are taken within this run.")
    rep.line()
    rep.line(f"**Machine:** {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
             f"{machine.get('kernel', '?')}, {machine.get('compiler', '?')}; one system call "
             f"(getppid) costs {syscall.cell()} ns; load average at start "
             f"{machine.get('load', '?')}.")
    rep.line()
    if machine.get("params"):
        rep.line(f"Settings: {machine['params']}.")
        rep.line()
    stages = [f"{k[6:]} {v} s" for k, v in machine.items() if k.startswith("stage_")]
    if stages:
        rep.line("Where the run's time went: " + ", ".join(stages) + ".")
        rep.line()
    if missing:
        rep.line(f"Not installed, so not compared: {', '.join(missing)}.")
        rep.line()

    # --- the loop's unit costs --------------------------------------------------------------
    rep.line("## Callbacks, coroutines and the empty iteration")
    rep.line()
    rep.line(f"Google Benchmark, ours alone, CPU time ({MAN}: THE CALLBACK QUEUE, "
             "A COROUTINE SUSPENDED ON READ_UNTIL, THE LOOP'S PHASES).")
    rep.line()
    unit_rows = [
        ("posted_callbacks", "ns/callback", get(ioloop, "posted_callbacks", "per_callback")),
        ("co_await_ready", "ns/await", get(gen, "co_await_ready", "per_await")),
        ("co_await_make_ready", "ns/await", get(gen, "co_await_make_ready", "per_await")),
        ("co_await_pending", "ns/await", get(gen, "co_await_pending", "per_await")),
        ("loop_count", "ns/iteration", get(ioloop, "loop_count", "cpu")),
        ("syscall_getppid", "ns/call", syscall),
    ]
    rows = []
    for name, unit, s in unit_rows:
        rows.append((name, unit, s.cell(), ratio(s, syscall)))
    rep.table(["benchmark", "unit", "median (min-max)", "in system calls"], rows)

    cb_data = ""
    for i, (name, _unit, s) in enumerate(unit_rows[:4]):
        if s.values:
            cb_data += f'{i} "tornado {name}" {s.median():.3f} {s.values[0]:.3f} {s.values[-1]:.3f}\n'
    i = 4
    for p in ["tornado"] + present:
        s = peers.get((p, "posted_callbacks"))
        if s and s.values:
            cb_data += f'{i} "{p} posted (peers)" {s.median():.3f} {s.values[0]:.3f} {s.values[-1]:.3f}\n'
            i += 1
    if cb_data:
        rep.plot(
            "callbacks",
            "Cost of one posted callback and one coroutine resumption, in nanoseconds of CPU "
            "(log scale; bars are medians, whiskers min-max). Read the gap between a callback "
            "posted from a callback (one loop iteration each, Tornado's rule) and libev's "
            "ev_feed_event (same pass), and how much a pending co_await adds over a ready "
            f"one. Explained in {MAN}, THE CALLBACK QUEUE and A COROUTINE SUSPENDED ON "
            "READ_UNTIL.",
            "set style fill solid 0.6\nset boxwidth 0.6\nset logscale y\nset key off\n"
            "set ylabel 'ns per callback or await (CPU)'\nset xtics rotate by -30\n"
            "set title 'Posted callbacks and coroutine resumption'\n"
            "plot 'callbacks.dat' using 1:3:xtic(2) with boxes, "
            "'' using 1:3:4:5 with yerrorbars lc rgb 'black' pt 0\n",
            cb_data)

    # --- C10K ---------------------------------------------------------------------------------
    rep.line("## The C10K lesson: one active descriptor among many idle ones")
    rep.line()
    rep.line("One pipe chain active among N registered idle descriptors (socketpairs, both "
             "ends registered); each loop iteration has exactly one ready descriptor. CPU time "
             f"per iteration, Google Benchmark ({MAN}: BACKENDS AND THE C10K PROBLEM). kqueue "
             "is the real backend over the test suite's epoll shim, so its figure is epoll's "
             "plus the translation.")
    rep.line()
    backends = ["epoll", "poll", "select", "kqueue"]
    sizes = sorted({int(m.group(1)) for k in poller
                    for m in [re.match(r"c10k/\w+/fds:(\d+)", k)] if m})
    grid = {}
    for b in backends:
        for n in sizes:
            s = get(poller, f"c10k/{b}/fds:{n}", "cpu")
            if s.values:
                grid[b, n] = Samples([v / 101.0 for v in s.values])
    rows = []
    for n in sizes:
        rows.append([f"{n:,}"] + [grid[b, n].cell() if (b, n) in grid else "-" for b in backends]
                    + [f"{grid['poll', n].median() / grid['epoll', n].median():.1f}"
                       if ("poll", n) in grid and ("epoll", n) in grid else "-"])
    rep.table(["registered fds"] + [f"{b} ns/iteration" for b in backends] + ["poll / epoll"],
              rows)
    peer_c10k = {}  # (library, backend) -> {N: Samples of ns per iteration}
    for (lib, work), smp in peers.items():
        m = re.match(r"c10k/(\w+)/(\d+)$", work)
        if m:
            peer_c10k.setdefault((lib, m.group(1)), {})[int(m.group(2))] = Samples(
                [v * 1e3 / 101.0 for v in smp.values])
    if peer_c10k:
        pkeys = sorted(peer_c10k, key=lambda k: (k[0] != "tornado", k[0], k[1]))
        psizes = sorted({n for v in peer_c10k.values() for n in v})
        rep.line("The same runs in the peer programs (wall time; N registered read ends of N "
                 "socketpairs; ns per iteration, median of their timed runs):")
        rep.line()
        rep.table(["registered fds"] + [f"{lib} {b}" for lib, b in pkeys],
                  [[f"{n:,}"] + [peer_c10k[k][n].cell() if n in peer_c10k[k] else "-"
                                 for k in pkeys] for n in psizes])
    if grid:
        data = ""
        for b in backends:
            data += f"# {b}\n"
            for n in sizes:
                if (b, n) in grid:
                    s = grid[b, n]
                    data += f"{n} {s.median():.1f} {s.values[0]:.1f} {s.values[-1]:.1f}\n"
            data += "\n\n"
        plots = ", ".join(f"'c10k.dat' index {i} using 1:2:3:4 with yerrorlines lw 2 title '{b}'"
                          for i, b in enumerate(backends))
        for j, (lib, b) in enumerate(sorted(peer_c10k)):
            data += f"# {lib} {b} (peer program)\n"
            data += "".join(f"{n} {v.median():.1f}\n" for n, v in sorted(peer_c10k[lib, b].items()))
            data += "\n\n"
            plots += (f", 'c10k.dat' index {len(backends) + j} using 1:2 with linespoints dt 2 "
                      f"title '{lib} {b} (peer program)'")
        rep.plot(
            "c10k",
            "Cost of one loop iteration with one ready descriptor (ns of CPU, log scale) "
            "against the number of registered idle descriptors (log scale). poll and select "
            "hand the kernel every registered descriptor on every iteration, so their line "
            "climbs with the count; epoll (and kqueue) hand it only the ready ones, so theirs "
            "stays flat. Dashed lines: the peer programs (libev, libevent, libuv and ours) on "
            "the same chain, wall time. "
            f"select stops at 1,000 (FD_SETSIZE). Explained in {MAN}, BACKENDS "
            "AND THE C10K PROBLEM.",
            "set logscale xy\nset key outside right top\nset xlabel 'registered idle descriptors'\n"
            "set ylabel 'ns per loop iteration (CPU)'\n"
            "set title 'The C10K lesson: iteration cost against idle descriptors'\n"
            f"plot {plots}\n",
            data)
    if not peer_c10k:
        rep.line("No peer C10K runs (bench/peers did not run them).")
        rep.line()

    # --- timers -------------------------------------------------------------------------------
    rep.line("## Timers: cost per timer against the number pending")
    rep.line()
    rep.line("million_timers' round (schedule N timers with deadlines 1-100 ms ahead, cancel "
             "every other one, run the rest) for N from 1 K to 1 M, ours in Google Benchmark; "
             "the peers' figure is their million_timers (N = 1 M) from the peer programs. CPU "
             f"time per scheduled timer ({MAN}: THE TIMEOUT HEAP).")
    rep.line()
    tsizes = sorted({int(m.group(1)) for k in ioloop
                     for m in [re.match(r"timers_pending/timers:(\d+)", k)] if m})
    rows = []
    tdata = "# tornado (Google Benchmark)\n"
    for n in tsizes:
        s = get(ioloop, f"timers_pending/timers:{n}", "per_timer")
        rows.append((f"{n:,}", s.cell()))
        if s.values:
            tdata += f"{n} {s.median():.1f} {s.values[0]:.1f} {s.values[-1]:.1f}\n"
    rep.table(["timers pending", "tornado ns/timer"], rows)
    tdata += "\n\n"
    plot_parts = ["'timers.dat' index 0 using 1:2:3:4 with yerrorlines title 'tornado'"]
    for i, p in enumerate(["tornado"] + present):
        s = peers.get((p, "million_timers"))
        tdata += f"# {p} million_timers (peer programs)\n"
        if s and s.values:
            tdata += f"1000000 {s.median():.1f} {s.values[0]:.1f} {s.values[-1]:.1f}\n"
        else:
            tdata += "\n"
        tdata += "\n\n"
        plot_parts.append(f"'timers.dat' index {i + 1} using 1:2:3:4 with yerrorbars "
                          f"pt {i + 5} ps 1.5 title '{p} (peer program)'")
    if tsizes:
        rep.plot(
            "timers",
            "CPU nanoseconds per scheduled timer (half cancelled, half fired) against the "
            "number scheduled (log scale). At small counts the round's fixed cost (up to 100 "
            "wake-ups, one per distinct deadline) is shared by few timers, so the line falls; "
            "it rises again where the heap leaves the caches; the points at 1 M are the peer programs' million_timers, same deadlines, same "
            f"run. Explained in {MAN}, THE TIMEOUT HEAP.",
            "set logscale x\nset xrange [500:2000000]\n"
            "set xlabel 'timers scheduled (pending at once)'\n"
            "set ylabel 'ns per timer (CPU)'\nset yrange [0:*]\n"
            "set title 'Timers: cost per timer against the number pending'\n"
            f"plot {', '.join(plot_parts)}\n",
            tdata)
    rep.line("Per-count figures for libev, libevent and libuv are not measured yet: their "
             "programs schedule 1 M timers only.")
    rep.line()

    # --- peers --------------------------------------------------------------------------------
    rep.line("## The peer programs: the same workloads on each library")
    rep.line()
    libs = ["tornado"] + present
    works = [w for w in units if not w.startswith("c10k/")]  # c10k/ is tabled with its figure
    if works:
        rep.line(f"bench/peers/, each program pinned to CPU 0, rounds interleaved; ratio = "
                 "tornado / peer (below 1: ours is faster).")
        rep.line()
        rows = []
        for w in works:
            ours = peers.get(("tornado", w), Samples([]))
            row = [w, units[w]] + [peers.get((p, w), Samples([])).cell() for p in libs]
            row += [ratio(ours, peers.get((p, w), Samples([]))) for p in present]
            rows.append(row)
        rep.table(["workload", "unit"] + libs + [f"/{p}" for p in present], rows)
        chain = [w for w in works if w.startswith("pipe_chain/")]
        if chain:
            data = "config " + " ".join(libs) + "\n"
            for w in chain:
                vals = []
                for p in libs:
                    s = peers.get((p, w))
                    vals.append(f"{s.median():.1f}" if s and s.values else "NaN")
                data += w.replace("pipe_chain/", "") + " " + " ".join(vals) + "\n"
            cols = ", ".join(f"'' using {i + 2} title col" for i in range(1, len(libs)))
            rep.plot(
                "pipe_chain",
                "Microseconds per run of libevent's pipe chain (100 writes through N "
                "socketpairs, A chains active), per backend and configuration "
                "(backend/pipes/active), for each library: bars of one cluster should be "
                "level (the work is system calls), and poll and select clusters with 1,000 "
                f"pipes and 1 active show the C10K cost. Explained in {MAN}, BACKENDS AND THE "
                "C10K PROBLEM and THE LOOP'S PHASES.",
                "set style data histograms\nset style histogram clustered gap 1\n"
                "set style fill solid 0.7\nset xtics rotate by -30\nset key top left\n"
                "set ylabel 'us per run (wall)'\nset logscale y\nset yrange [100:*]\n"
                "set title 'The pipe chain against its peers, per backend'\n"
                "plot 'pipe_chain.dat' using 2:xtic(1) title col"
                + (", " + cols if cols else "") + "\n",
                data)
    else:
        rep.line("No peer results (bench/peers did not run).")
        rep.line()

    # ours per backend (Google Benchmark)
    rows = []
    for k in sorted(poller):
        m = re.match(r"pipe_chain/(\w+)/pipes:(\d+)/active:(\d+)", k)
        if m:
            rows.append((f"{m.group(1)}/{m.group(2)}/{m.group(3)}",
                         Samples([v / 1e3 for v in poller[k]["real"]]).cell()))
    if rows:
        rep.line("The pipe chain in Google Benchmark, ours alone (wall time, us per run):")
        rep.line()
        rep.table(["backend/pipes/active", "us/run"], rows)

    # --- HTTP ---------------------------------------------------------------------------------
    rep.line("## HTTP: the hello server against nginx")
    rep.line()
    if http:
        rep.line("bench/http_hello (an HTTPServer answering \"Hello, world\") and nginx (one "
                 "worker, access log off, same answer), each pinned to core 0, wrk pinned to "
                 "core 1; CPU per request is the server's utime+stime over the run divided by "
                 f"the requests ({MAN}: THE LIFE OF A KEEP-ALIVE REQUEST). Instructions per "
                 "request are not measured (no hardware counters in this VM).")
        rep.line()
        scen = []
        for (_s, sc) in http:
            if sc not in scen:
                scen.append(sc)
        servers = sorted({s for (s, _sc) in http}, key=lambda s: (s != "tornado", s))
        rows = []
        rdata = "scenario " + " ".join(servers) + "\n"
        cdata = rdata
        for sc in scen:
            row = [sc]
            for s in servers:
                rps, cpu = http.get((s, sc), (Samples([]), Samples([])))
                row += [rps.cell(0), cpu.cell(2)]
            if "nginx" in servers and "tornado" in servers:
                t = http.get(("tornado", sc), (Samples([]), Samples([])))
                n = http.get(("nginx", sc), (Samples([]), Samples([])))
                row += [ratio(t[0], n[0]), ratio(t[1], n[1])]
            rows.append(row)
            label = sc.replace(" ", "_")
            rdata += label + " " + " ".join(
                f"{http[(s, sc)][0].median():.0f}" if (s, sc) in http else "NaN"
                for s in servers) + "\n"
            cdata += label + " " + " ".join(
                f"{http[(s, sc)][1].median():.2f}" if (s, sc) in http and http[(s, sc)][1].values
                else "NaN" for s in servers) + "\n"
        head = ["scenario"]
        for s in servers:
            head += [f"{s} req/s", f"{s} us CPU/req"]
        if "nginx" in servers and "tornado" in servers:
            head += ["req/s ours/nginx", "CPU ours/nginx"]
        else:
            rep.line("nginx is not installed: no comparison.")
            rep.line()
        rep.table(head, rows)
        cols = ", ".join(f"'' using {i + 2} title col" for i in range(1, len(servers)))
        hist = ("set style data histograms\nset style histogram clustered gap 1\n"
                "set style fill solid 0.7\nset key top right\nset yrange [0:*]\n")
        rep.plot(
            "http_rps",
            "Requests per second (higher is better) for keep-alive and Connection: close at 50 "
            "and 500 connections, wrk on the other core. On two cores wrk itself limits the "
            "keep-alive figures, so read the CPU plot beside it. Explained in "
            f"{MAN}, THE LIFE OF A KEEP-ALIVE REQUEST.",
            hist + "set ylabel 'requests/s'\nset title 'HTTP: requests per second'\n"
            "plot 'http_rps.dat' using 2:xtic(1) title col" + (", " + cols if cols else "")
            + "\n",
            rdata)
        rep.plot(
            "http_cpu",
            "The server's CPU microseconds per request (lower is better), same runs: the "
            "figure that separates servers when the load generator is the bottleneck; close "
            "adds accept, the handshake and teardown to every request. Explained in "
            f"{MAN}, THE LIFE OF A KEEP-ALIVE REQUEST.",
            hist + "set ylabel 'us of server CPU per request'\n"
            "set title 'HTTP: server CPU per request'\n"
            "plot 'http_cpu.dat' using 2:xtic(1) title col" + (", " + cols if cols else "")
            + "\n",
            cdata)
    else:
        rep.line("wrk is not installed: no HTTP figures.")
        rep.line()

    rep.line("## Memory per idle connection")
    rep.line()
    if memory:
        rep.line("N keep-alive connections, each through one request, then held idle; the "
                 "server's resident memory growth divided by N (bench/idle_memory.py; "
                 f"{MAN}: MEMORY PER CONNECTION).")
        rep.line()
        counts = sorted({n for v in memory.values() for n, _ in v})
        servers = sorted(memory, key=lambda s: (s != "tornado", s))
        rows = []
        for n in counts:
            rows.append([f"{n:,}"] + [next((f"{k:.2f}" for c, k in memory[s] if c == n), "-")
                                      for s in servers])
        rep.table(["connections"] + [f"{s} KiB/connection" for s in servers], rows)
        data = ""
        for s in servers:
            data += f"# {s}\n" + "".join(f"{n} {k:.3f}\n" for n, k in memory[s]) + "\n\n"
        rep.plot(
            "memory",
            "Resident memory per idle keep-alive connection (KiB) against the number held "
            "(log scale): a flat line is a fixed cost per connection; a falling one means a "
            "fixed cost shared out. Explained in "
            f"{MAN}, MEMORY PER CONNECTION.",
            "set logscale x\nset xlabel 'idle connections held'\nset yrange [0:*]\n"
            "set ylabel 'KiB of server RSS per connection'\n"
            "set title 'Memory per idle connection'\n"
            "plot " + ", ".join(f"'memory.dat' index {i} using 1:2 with linespoints title '{s}'"
                                for i, s in enumerate(servers)) + "\n",
            data)
    else:
        rep.line("No memory figures (the probe did not run).")
        rep.line()

    drawn = rep.draw()
    rep.line("## Plots")
    rep.line()
    rep.line("Drawn: " + (", ".join(f"{n}.png" for n in drawn) or "none") + ".")
    if rep.skipped:
        rep.line("Skipped: " + ", ".join(f"{n}.png" for n in rep.skipped)
                 + (" (gnuplot is not installed)" if not shutil.which("gnuplot") else
                    " (plots turned off)" if os.environ.get("REPORT_NO_PLOTS") else "")
                 + ".")
    rep.line()
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write("\n".join(rep.md))
    return os.path.join(d, "report.md")


def paste(readme, d):
    """Replaces the marked region of readme with report.md, naming the plots in d."""
    report = read(os.path.join(d, "report.md"))
    if report is None:
        sys.exit(f"{d}/report.md is missing: run make bench-report first")
    text = read(readme)
    if BEGIN not in text or END not in text:
        sys.exit(f"{readme} has no marked region ({BEGIN} ... {END})")
    body = report.split("\n", 1)[1].lstrip("\n")  # the report's own title goes
    body = re.sub(r"^(#+) ", r"#\1 ", body, flags=re.M)  # one level down
    # The PNGs stay in the build tree (not in git): the README names them and how to draw them.
    body = re.sub(r"^!\[\w+\]\((\w+\.png)\)$",
                  lambda m: f"Plot: `{d.rstrip('/')}/{m.group(1)}` (drawn by `make bench-report`).",
                  body, flags=re.M)
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(readme, "w") as f:
        f.write(head + BEGIN + "\n\n" + body.rstrip() + "\n\n" + END + tail)


def self_test():
    """Writes a sample run into a temporary directory and checks the tables (make test)."""
    import tempfile

    def rep(name, ns, **counters):
        b = {"name": name, "run_name": name, "run_type": "iteration", "real_time": ns,
             "cpu_time": ns, "time_unit": "ns"}
        b.update(counters)
        return b

    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "machine.txt"), "w") as f:
            f.write("cpu=Sample CPU\ncores=2\nkernel=Linux 6\ncompiler=g++ 12\nquick=1\n")
        with open(os.path.join(d, "ioloop.json"), "w") as f:
            json.dump({"benchmarks": [rep("syscall_getppid", v) for v in (100, 110, 300)]
                       + [rep("posted_callbacks", 1, per_callback=v * 1e-9) for v in (20, 30, 25)]
                       + [rep("timers_pending/timers:1000/iterations:1/manual_time", 1,
                              per_timer=v * 1e-9) for v in (500, 400)]}, f)
        with open(os.path.join(d, "poller.json"), "w") as f:
            json.dump({"benchmarks": [rep("c10k/poll/fds:100", 101 * v) for v in (7, 9, 8)]
                       + [rep("c10k/epoll/fds:100", 101 * 2.0)]}, f)
        os.mkdir(os.path.join(d, "peers"))
        with open(os.path.join(d, "peers", "results.txt"), "w") as f:
            f.write("tornado   million_timers   300.0 ns/timer\n"
                    "libev     million_timers   200.0 ns/timer\n")
        with open(os.path.join(d, "http.txt"), "w") as f:
            f.write("http_hello   keep-alive c50   1000.00 req/s   10.00 us/request\n"
                    "nginx        keep-alive c50   2000.00 req/s    5.00 us/request\n")
        with open(os.path.join(d, "memory.txt"), "w") as f:
            f.write("tornado 100 1000 1400\n")
        os.environ["REPORT_NO_PLOTS"] = "1"
        text = read(build(d))
    expect = [
        "one system call (getppid) costs 110.0 (100.0-300.0) ns",
        "| posted_callbacks | ns/callback | 25.0 (20.0-30.0) | 0.23 |",
        "| 100 | 2.0 | 8.0 (7.0-9.0) | - | - | 4.0 |",
        "| 1,000 | 450.0 (400.0-500.0) |",
        "| million_timers | ns/timer | 300.0 | 200.0 | 1.50 |",
        "| keep-alive c50 | 1,000 | 10.00 | 2,000 | 5.00 | 0.50 | 2.00 |",
        "| 100 | 4.00 |",
        "Skipped: ",
    ]
    bad = [e for e in expect if e not in text]
    if bad:
        sys.exit("bench/report.py self-test: missing from the report:\n" + "\n".join(bad))
    print("bench/report.py self-test: the sample run's tables are right")


def main(argv):
    if argv == ["--self-test"]:
        self_test()
    elif len(argv) == 3 and argv[0] == "--readme":
        paste(argv[1], argv[2])
    elif len(argv) == 1:
        print(build(argv[0]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
