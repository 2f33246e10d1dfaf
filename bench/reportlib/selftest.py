"""bench/reportlib/selftest.py: a sample run, and the table rows it must give (make test).

Reads:  nothing from the tree.
Writes: a sample run (machine.txt, ioloop.json, poller.json, peers/results.txt, http.txt,
        instructions.txt, memory.txt) into a temporary directory, builds its report there
        with plots turned off, and exits with the rows that are missing (and a plot's data
        that is wrong), if any. No timing is checked.
"""
import json
import os
import sys
import tempfile

from .build import build
from .inputs import read


def bm(name, ns, **counters):
    b = {"name": name, "run_name": name, "run_type": "iteration", "real_time": ns,
         "cpu_time": ns, "time_unit": "ns"}
    b.update(counters)
    return b


def self_test():
    """Writes a sample run into a temporary directory and checks the tables."""
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "machine.txt"), "w") as f:
            f.write("cpu=Sample CPU\ncores=2\nkernel=Linux 6\ncompiler=g++ 12\nquick=1\n")
        with open(os.path.join(d, "ioloop.json"), "w") as f:
            json.dump({"benchmarks": [bm("syscall_getppid", v) for v in (100, 110, 300)]
                       + [bm("posted_callbacks", 1, per_callback=v * 1e-9) for v in (20, 30, 25)]
                       + [bm("timers_pending/timers:1000/iterations:1/manual_time", 1,
                              per_timer=v * 1e-9) for v in (500, 400)]}, f)
        with open(os.path.join(d, "poller.json"), "w") as f:
            json.dump({"benchmarks": [bm("c10k/poll/fds:100", 101 * v) for v in (7, 9, 8)]
                       + [bm("c10k/epoll/fds:100", 101 * 2.0)]}, f)
        os.mkdir(os.path.join(d, "peers"))
        with open(os.path.join(d, "peers", "results.txt"), "w") as f:
            f.write("tornado   million_timers   300.0 ns/timer\n"
                    "libev     million_timers   200.0 ns/timer\n"
                    "tornado   timers/1000      600.0 ns/timer\n"
                    "libev     timers/1000      500.0 ns/timer\n"
                    "libevent  timers/1000     2000.0 ns/timer\n"
                    "tornado   timers/1000      650.0 ns/timer\n"
                    "libev     timers/1000      550.0 ns/timer\n"
                    "libevent  timers/1000     2100.0 ns/timer\n")
        with open(os.path.join(d, "http.txt"), "w") as f:
            f.write("http_hello   keep-alive c50   1000.00 req/s   10.00 us/request\n"
                    "nginx        keep-alive c50   2000.00 req/s    5.00 us/request\n")
        with open(os.path.join(d, "instructions.txt"), "w") as f:
            f.write("# callgrind, fixed load, start-up and shutdown subtracted\n"
                    "server         Ir/request  allocations/request    / nginx\n"
                    "http_hello          14000                  3.0       2.00\n"
                    "nginx                7000                  3.0       1.00\n")
        with open(os.path.join(d, "memory.txt"), "w") as f:
            f.write("tornado 100 1000 1400\n")
        os.environ["REPORT_NO_PLOTS"] = "1"
        text = read(build(d))
        with open(os.path.join(d, "http_instructions.dat")) as f:
            plotted = f.read()
    expect = [
        "| http_hello | 14,000 | 3.0 | 2.00 |",
        "one system call (getppid) costs 110.0 (100.0-300.0) ns",
        "| posted_callbacks | ns/callback | 25.0 (20.0-30.0) | 0.23 |",
        "| 100 | 2.0 | 8.0 (7.0-9.0) | - | - | 4.0 |",
        # Timers: ours in Google Benchmark, then each program per count (two rounds: median
        # and min-max) and over libev; million_timers stands for 1 M without timers/1000000.
        "| 1,000 | 450.0 (400.0-500.0) | 625.0 (600.0-650.0) | 525.0 (500.0-550.0) "
        "| 2,050.0 (2,000.0-2,100.0) | 1.19 | 3.90 |",
        "| 1,000,000 | - | 300.0 | 200.0 | - | 1.50 | - |",
        "| million_timers | ns/timer | 300.0 | 200.0 | - | 1.50 | - |",
        "| keep-alive c50 | 1,000 | 10.00 | 2,000 | 5.00 | 0.50 | 2.00 |",
        "| 100 | 4.00 |",
        "Skipped: ",
    ]
    # Per-count timer lines are the timers section's, not rows of the peers table.
    absent = ["| timers/1000 |"]
    bad = [e for e in expect if e not in text] + [f"(should be absent) {a}" for a in absent
                                                  if a in text]
    # The instructions plot's data: one bar per server, in the table's order.
    if plotted != "server instructions\nhttp_hello 14000\nnginx 7000\n":
        bad.append("http_instructions.dat: " + repr(plotted))
    if bad:
        sys.exit("bench/report.py self-test: wrong in the report:\n" + "\n".join(bad))
    print("bench/report.py self-test: the sample run's tables are right")
