"""bench/reportlib/readme.py: pasting the last report into bench/README.md.

Reads:  DIR/report.md and the README.
Writes: the README's region between BEGIN and END, replaced by the report one heading level
        down, with each plot's image line turned into a line naming the PNG in DIR (the PNGs
        stay in the build tree, not in git).
"""
import os
import re
import sys

from .inputs import read

BEGIN = "<!-- report:begin (make bench-readme pastes this region; do not edit by hand) -->"
END = "<!-- report:end -->"


def paste(readme, d):
    """Replaces the marked region of readme with report.md, naming the plots in d."""
    report = read(os.path.join(d, "report.md"))
    if report is None:
        sys.exit(f"{d}/report.md is missing: run make bench-report first")
    text = read(readme)
    if BEGIN not in text or END not in text:
        sys.exit(f"{readme} has no marked region ({BEGIN} ... {END})")
    body = report.split("\n", 1)[1].lstrip("\n")  # the report's own title goes
    body = re.sub(r"^(#+) ", r"#\1 ", body, flags=re.M)  # one level down
    body = re.sub(r"^!\[\w+\]\((\w+\.png)\)$",
                  lambda m: f"Plot: `{d.rstrip('/')}/{m.group(1)}` (drawn by `make bench-report`).",
                  body, flags=re.M)
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(readme, "w") as f:
        f.write(head + BEGIN + "\n\n" + body.rstrip() + "\n\n" + END + tail)
