"""bench/reportlib/http.py: the hello server against nginx under wrk.

Reads:  http.txt (bench/http_wrk.sh: req/s and the server's CPU us per request, per server
        and scenario, one line per round) and instructions.txt (bench/http_instructions.sh:
        user-space instructions and allocations per request under callgrind).
Writes: the HTTP table (both servers, ours over nginx), the instructions table, and
        http_rps.png, http_cpu.png (clustered bars per scenario), http_instructions.png (one
        bar per server).
"""
from .document import MAN
from .inputs import Samples, ratio


def section(rep, run):
    http = run.http
    rep.line("## HTTP: the hello server against nginx")
    rep.line()
    if not http:
        rep.line("wrk is not installed: no HTTP figures.")
        rep.line()
        return
    rep.line("bench/http_hello (an HTTPServer answering \"Hello, world\") and nginx (one "
             "worker, access log off, same answer), each pinned to core 0, wrk pinned to "
             "core 1; CPU per request is the server's utime+stime over the run divided by "
             f"the requests ({MAN}: THE LIFE OF A KEEP-ALIVE REQUEST).")
    rep.line()
    instructions_table(rep, run.instructions)
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


def instructions_table(rep, rows):
    """User-space instructions and allocations per request, each server over nginx."""
    if not rows:
        rep.line("Instructions per request: not measured (valgrind missing, or the run failed).")
        rep.line()
        return
    rep.line("User-space instructions per request, counted by callgrind over a fixed load "
             "(bench/http_instructions.sh: 10 keep-alive connections, a run with no request "
             "subtracted), with the heap allocations per request callgrind saw; they do not "
             "depend on the machine's load.")
    rep.line()
    base = next((ir for (name, ir, _a) in rows if name == "nginx"), None)
    rep.table(["server", "instructions/request", "allocations/request", "over nginx"],
              [[name, f"{ir:,}", allocs, f"{ir / base:.2f}" if base else "-"]
               for (name, ir, allocs) in rows])
    rep.plot(
        "http_instructions",
        "User-space instructions per request (lower is better) under callgrind's fixed "
        "load: the bare HTTPServer, the helloworld demo (Application, routing, "
        "RequestHandler, default headers, ETag) and nginx. Unlike requests/s, this does not "
        "move with the machine's load. Explained in "
        f"{MAN}, THE LIFE OF A KEEP-ALIVE REQUEST.",
        "set style data histograms\nset style fill solid 0.7\nset key off\n"
        "set yrange [0:*]\nset ylabel 'instructions per request'\n"
        "set title 'HTTP: user-space instructions per request'\n"
        "plot 'http_instructions.dat' using 2:xtic(1) title col\n",
        "server instructions\n" + "".join(f"{name} {ir}\n" for (name, ir, _a) in rows))
