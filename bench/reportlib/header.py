"""bench/reportlib/header.py: the report's title and the machine it ran on.

Reads:  machine.txt's fields (CPU, cores, kernel, compiler, date, QUICK, load, settings and
        the seconds of each stage, from bench/report.sh) and syscall_getppid from ioloop.json.
Writes: the first lines of report.md: when and how long, the machine line, the settings,
        where the run's time went, and the peers that were not installed.
"""


def section(rep, run):
    machine = run.machine
    quick = machine.get("quick") not in ("", "0", None)
    rep.line("# tornado-cpp benchmark report")
    rep.line()
    rep.line(f"Run {machine.get('date', '?')}"
             f"{' (QUICK=1: fewer sizes and repetitions)' if quick else ''}"
             f", {machine.get('seconds', '?')} s. Figures are medians over the repetitions,"
             " with min-max in brackets; ratios are taken within this run.")
    rep.line()
    rep.line(f"**Machine:** {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
             f"{machine.get('kernel', '?')}, {machine.get('compiler', '?')}; one system call "
             f"(getppid) costs {run.syscall.cell()} ns; load average at start "
             f"{machine.get('load', '?')}.")
    rep.line()
    if machine.get("params"):
        rep.line(f"Settings: {machine['params']}.")
        rep.line()
    stages = [f"{k[6:]} {v} s" for k, v in machine.items() if k.startswith("stage_")]
    if stages:
        rep.line("Where the run's time went: " + ", ".join(stages) + ".")
        rep.line()
    if run.missing:
        rep.line(f"Not installed, so not compared: {', '.join(run.missing)}.")
        rep.line()
