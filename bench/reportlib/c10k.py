"""bench/reportlib/c10k.py: one active descriptor among many idle ones, per backend.

Reads:  poller.json's c10k/<backend>/fds:<N> runs (ours, CPU time of 101 iterations) and the
        peer programs' c10k/<backend>/<N> lines (wall time per run of 101 iterations).
Writes: the C10K tables (ours per backend with poll / epoll; the peer programs per library
        and backend) and c10k.png (ours solid with min-max, the peer programs dashed).
"""
import re

from .document import MAN
from .inputs import Samples, get

BACKENDS = ["epoll", "poll", "select", "kqueue"]


def section(rep, run):
    rep.line("## The C10K lesson: one active descriptor among many idle ones")
    rep.line()
    rep.line("One pipe chain active among N registered idle descriptors (socketpairs, both "
             "ends registered); each loop iteration has exactly one ready descriptor. CPU time "
             f"per iteration, Google Benchmark ({MAN}: BACKENDS AND THE C10K PROBLEM). kqueue "
             "is the real backend over the test suite's epoll shim, so its figure is epoll's "
             "plus the translation.")
    rep.line()
    backends = BACKENDS
    sizes = sorted({int(m.group(1)) for k in run.poller
                    for m in [re.match(r"c10k/\w+/fds:(\d+)", k)] if m})
    grid = {}
    for b in backends:
        for n in sizes:
            s = get(run.poller, f"c10k/{b}/fds:{n}", "cpu")
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
    for (lib, work), smp in run.peers.items():
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
