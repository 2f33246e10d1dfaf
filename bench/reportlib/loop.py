"""bench/reportlib/loop.py: the loop's unit costs (callbacks, coroutines, the empty iteration).

Reads:  ioloop.json (posted_callbacks, loop_count, syscall_getppid), gen.json (the co_await
        benchmarks) and the peer programs' posted_callbacks lines.
Writes: the "Callbacks, coroutines and the empty iteration" table, each figure also in system
        calls, and callbacks.png (bars with min-max whiskers, ours beside each peer's).
"""
from .document import MAN
from .inputs import get, ratio


def section(rep, run):
    rep.line("## Callbacks, coroutines and the empty iteration")
    rep.line()
    rep.line(f"Google Benchmark, ours alone, CPU time ({MAN}: THE CALLBACK QUEUE, "
             "A COROUTINE SUSPENDED ON READ_UNTIL, THE LOOP'S PHASES).")
    rep.line()
    unit_rows = [
        ("posted_callbacks", "ns/callback", get(run.ioloop, "posted_callbacks", "per_callback")),
        ("co_await_ready", "ns/await", get(run.gen, "co_await_ready", "per_await")),
        ("co_await_make_ready", "ns/await", get(run.gen, "co_await_make_ready", "per_await")),
        ("co_await_pending", "ns/await", get(run.gen, "co_await_pending", "per_await")),
        ("loop_count", "ns/iteration", get(run.ioloop, "loop_count", "cpu")),
        ("syscall_getppid", "ns/call", run.syscall),
    ]
    rows = []
    for name, unit, s in unit_rows:
        rows.append((name, unit, s.cell(), ratio(s, run.syscall)))
    rep.table(["benchmark", "unit", "median (min-max)", "in system calls"], rows)

    cb_data = ""
    for i, (name, _unit, s) in enumerate(unit_rows[:4]):
        if s.values:
            cb_data += f'{i} "tornado {name}" {s.median():.3f} {s.values[0]:.3f} {s.values[-1]:.3f}\n'
    i = 4
    for p in ["tornado"] + run.present:
        s = run.peers.get((p, "posted_callbacks"))
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
