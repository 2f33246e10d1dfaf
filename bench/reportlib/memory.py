"""bench/reportlib/memory.py: resident memory per idle keep-alive connection.

Reads:  memory.txt (bench/idle_memory.py through bench/report.sh: server, connections held,
        RSS KiB before and after).
Writes: the memory table (KiB per connection per server and count) and memory.png.
"""
from .document import MAN


def section(rep, run):
    memory = run.memory
    rep.line("## Memory per idle connection")
    rep.line()
    if not memory:
        rep.line("No memory figures (the probe did not run).")
        rep.line()
        return
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
