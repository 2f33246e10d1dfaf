"""bench/reportlib/build.py: the report, section by section.

Reads:  one run's directory, through inputs.Run.
Writes: DIR/report.md (the sections in order, then the list of plots drawn and skipped) and,
        through document.Report, DIR/*.dat and DIR/*.png.
"""
import os
import shutil

from . import c10k, header, http, loop, memory, peers, timers
from .document import Report
from .inputs import Run

SECTIONS = [header, loop, c10k, timers, peers, http, memory]


def build(d):
    """Writes d/report.md from the run in d; returns its path."""
    rep = Report(d)
    run = Run(d)
    for s in SECTIONS:
        s.section(rep, run)
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
    path = os.path.join(d, "report.md")
    with open(path, "w") as f:
        f.write("\n".join(rep.md))
    return path
