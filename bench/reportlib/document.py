"""bench/reportlib/document.py: the report being written, its tables and its plots.

Reads:  nothing but what the sections hand it.
Writes: DIR/<plot>.dat as each plot is queued, and DIR/<plot>.png when draw() runs gnuplot
        (pngcairo; skipped, and listed as skipped, without gnuplot or with REPORT_NO_PLOTS
        set). The Markdown lines are kept here until build writes DIR/report.md.
"""
import os
import shutil
import subprocess
import sys

# Where the figures are explained.
MAN = "tornado.internals(7)"


class Report:
    def __init__(self, d):
        self.dir = d
        self.md = []
        self.plots = []  # (file, title, gnuplot script, data)
        self.skipped = []

    def line(self, text=""):
        self.md.append(text)

    def table(self, head, rows):
        self.line("| " + " | ".join(head) + " |")
        self.line("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
        for r in rows:
            self.line("| " + " | ".join(str(c) for c in r) + " |")
        self.line()

    def plot(self, name, caption, script, data):
        """Queues a plot; its data file is written now, the PNG by draw()."""
        self.plots.append((name, caption, script, data))
        with open(os.path.join(self.dir, name + ".dat"), "w") as f:
            f.write(data)
        self.line(f"![{name}]({name}.png)")
        self.line()
        self.line(f"*Figure `{name}.png`.* {caption}")
        self.line()

    def draw(self):
        """Runs gnuplot on every queued plot; returns the names drawn."""
        gp = None if os.environ.get("REPORT_NO_PLOTS") else shutil.which("gnuplot")
        drawn = []
        for name, _caption, script, _data in self.plots:
            if not gp:
                self.skipped.append(name)
                continue
            full = (
                "set terminal pngcairo noenhanced size 900,560 font 'sans,10'\n"
                f"set output '{name}.png'\nset grid\nset key top left\n" + script
            )
            r = subprocess.run([gp], input=full, text=True, cwd=self.dir,
                               capture_output=True)
            if r.returncode == 0 and os.path.exists(os.path.join(self.dir, name + ".png")):
                drawn.append(name)
            else:
                self.skipped.append(name)
                sys.stderr.write(f"gnuplot failed on {name}: {r.stderr}\n")
        return drawn
