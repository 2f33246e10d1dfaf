"""bench/reportlib/timers.py: cost per timer against the number pending.

Reads:  ioloop.json's timers_pending/timers:<N> runs (ours, per_timer) and the peer programs'
        million_timers lines.
Writes: the timers table and timers.png (ours with min-max against N, the peers at 1 M).
"""
import re

from .document import MAN
from .inputs import get


def section(rep, run):
    rep.line("## Timers: cost per timer against the number pending")
    rep.line()
    rep.line("million_timers' round (schedule N timers with deadlines 1-100 ms ahead, cancel "
             "every other one, run the rest) for N from 1 K to 1 M, ours in Google Benchmark; "
             "the peers' figure is their million_timers (N = 1 M) from the peer programs. CPU "
             f"time per scheduled timer ({MAN}: THE TIMEOUT HEAP).")
    rep.line()
    tsizes = sorted({int(m.group(1)) for k in run.ioloop
                     for m in [re.match(r"timers_pending/timers:(\d+)", k)] if m})
    rows = []
    tdata = "# tornado (Google Benchmark)\n"
    for n in tsizes:
        s = get(run.ioloop, f"timers_pending/timers:{n}", "per_timer")
        rows.append((f"{n:,}", s.cell()))
        if s.values:
            tdata += f"{n} {s.median():.1f} {s.values[0]:.1f} {s.values[-1]:.1f}\n"
    rep.table(["timers pending", "tornado ns/timer"], rows)
    tdata += "\n\n"
    plot_parts = ["'timers.dat' index 0 using 1:2:3:4 with yerrorlines title 'tornado'"]
    for i, p in enumerate(["tornado"] + run.present):
        s = run.peers.get((p, "million_timers"))
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
