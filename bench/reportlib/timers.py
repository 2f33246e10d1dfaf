"""bench/reportlib/timers.py: cost per timer against the number pending, ours and the peers.

Reads:  ioloop.json's timers_pending/timers:<N> runs (ours in Google Benchmark, per_timer)
        and the peer programs' timers/<N> lines (every program, ours included, at the counts
        bench/report.sh passes in BENCH_TIMERS); a program's million_timers stands for N =
        1 M when it has no timers/1000000 line (results of a run without BENCH_TIMERS).
Writes: the timers table (one row per count: ours in Google Benchmark, each peer program,
        and each program's figure over libev's) and timers.png (one line per program against
        the same axes: ours in Google Benchmark with min-max, each peer program beside it).
"""
import re

from .document import MAN
from .inputs import Samples, get

MILLION = 1000000


def peer_counts(run):
    """library -> {N: Samples}, for the programs with per-count timer figures, ours first."""
    out = {}
    for lib in ["tornado"] + run.present:
        counts = {}
        for (l, work), s in run.peers.items():
            m = re.match(r"timers/(\d+)$", work)
            if l == lib and m and s.values:
                counts[int(m.group(1))] = s
        million = run.peers.get((lib, "million_timers"))
        if MILLION not in counts and million and million.values:
            counts[MILLION] = million
        if counts:
            out[lib] = counts
    return out


def section(rep, run):
    rep.line("## Timers: cost per timer against the number pending")
    rep.line()
    rep.line("million_timers' round (schedule N timers with deadlines 1-100 ms ahead, cancel "
             "every other one, run the rest) for N from 1 K to 1 M: ours in Google Benchmark, "
             "and every peer program (ours included) at the counts of BENCH_TIMERS, each count "
             "with its own warm-up round and the median of its timed rounds. CPU nanoseconds "
             f"per scheduled timer ({MAN}: THE TIMEOUT HEAP); ratio = program / libev, per "
             "count (below 1: faster than libev).")
    rep.line()
    ours = {}
    for k in run.ioloop:
        m = re.match(r"timers_pending/timers:(\d+)", k)
        if m:
            ours[int(m.group(1))] = get(run.ioloop, f"timers_pending/timers:{m.group(1)}",
                                        "per_timer")
    peers = peer_counts(run)
    libs = list(peers)
    over = [p for p in libs if p != "libev"] if "libev" in peers else []
    sizes = sorted(set(ours) | {n for c in peers.values() for n in c})
    rows = []
    for n in sizes:
        row = [f"{n:,}", ours.get(n, Samples([])).cell()]
        row += [peers[p][n].cell() if n in peers[p] else "-" for p in libs]
        libev = peers.get("libev", {}).get(n)
        for p in over:
            s = peers[p].get(n)
            row.append(f"{s.median() / libev.median():.2f}"
                       if s and libev and libev.median() else "-")
        rows.append(row)
    rep.table(["timers pending", "tornado (Google Benchmark)"]
              + [f"{p} (peer program)" if p == "tornado" else p for p in libs]
              + [f"{p} / libev" for p in over], rows)
    if not any(n != MILLION for c in peers.values() for n in c):
        rep.line("No per-count figures from the peer programs (they ran without BENCH_TIMERS): "
                 "they appear at 1 M only, from their million_timers.")
        rep.line()

    def points(samples):
        return "".join(f"{n} {s.median():.1f} {s.values[0]:.1f} {s.values[-1]:.1f}\n"
                       for n, s in sorted(samples.items()) if s.values)

    tdata = "# tornado (Google Benchmark)\n" + points(ours) + "\n\n"
    plot_parts = ["'timers.dat' index 0 using 1:2:3:4 with yerrorlines lc 1 lw 2.5 pt 7 "
                  "title 'tornado (Google Benchmark)'"]
    for i, p in enumerate(libs):
        tdata += f"# {p} (peer program)\n" + points(peers[p]) + "\n\n"
        # Ours from the peer program in our colour, dashed; each peer in its own colour.
        style = "lc 1 dt 2 lw 1.5" if p == "tornado" else f"lc {i + 1} lw 1.5"
        plot_parts.append(f"'timers.dat' index {i + 1} using 1:2:3:4 with yerrorlines {style} "
                          f"pt {i + 4} ps 1.2 title '{p} (peer program)'")
    if sizes:
        rep.plot(
            "timers",
            "CPU nanoseconds per scheduled timer (half cancelled, half fired) against the "
            "number scheduled, both axes log scale, whiskers min-max. Thick line: ours in "
            "Google Benchmark; thin lines: the peer programs (libev, libevent, libuv, and ours "
            "dashed) on the same round, same deadlines, same run. At small counts the round's "
            "fixed cost (up to 100 wake-ups, one per distinct deadline) is shared by few "
            "timers, so every line falls; it rises again where the heap leaves the caches. "
            f"Explained in {MAN}, THE TIMEOUT HEAP.",
            "set logscale xy\nset xrange [500:2000000]\nset format x '%.0s%c'\n"
            "set xlabel 'timers scheduled (pending at once)'\n"
            "set ylabel 'ns per timer (CPU)'\nset key top right\n"
            "set title 'Timers: cost per timer against the number pending'\n"
            f"plot {', '.join(plot_parts)}\n",
            tdata)
