"""bench/reportlib/peers.py: the peer programs side by side, and the pipe chain.

Reads:  the peer programs' lines (peers/results.txt) but the c10k/ and timers/ ones, which
        the C10K and timers sections table, and poller.json's pipe_chain runs (ours in Google
        Benchmark).
Writes: the peers table (median and min-max per library, ours over each peer),
        pipe_chain.png (clustered bars per backend and configuration) and the table of our
        pipe chain in Google Benchmark.
"""
import re

from .document import MAN
from .inputs import Samples, ratio


def section(rep, run):
    rep.line("## The peer programs: the same workloads on each library")
    rep.line()
    peers, units, present = run.peers, run.units, run.present
    libs = ["tornado"] + present
    # c10k/ and timers/ are tabled with their figures.
    works = [w for w in units if not w.startswith(("c10k/", "timers/"))]
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
    for k in sorted(run.poller):
        m = re.match(r"pipe_chain/(\w+)/pipes:(\d+)/active:(\d+)", k)
        if m:
            rows.append((f"{m.group(1)}/{m.group(2)}/{m.group(3)}",
                         Samples([v / 1e3 for v in run.poller[k]["real"]]).cell()))
    if rows:
        rep.line("The pipe chain in Google Benchmark, ours alone (wall time, us per run):")
        rep.line()
        rep.table(["backend/pipes/active", "us/run"], rows)
