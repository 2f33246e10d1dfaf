#!/usr/bin/python3
"""bench/report.py: the benchmark report, from one run's raw output.

Measures: nothing itself. Reads what bench/report.sh left in DIR (Google Benchmark JSON with
          repetitions, the peer programs' lines, wrk's figures, the idle-memory probe, the
          machine) and writes DIR/report.md: one table per figure with the median, the spread
          (min-max over the repetitions) and ratios taken within this run, and a PNG plot per
          figure drawn by gnuplot when it is installed (listed as skipped otherwise).
Mirrors:  bench/README.md, whose marked region `--readme` replaces with the report's tables.
          Standard library only (Debian's /usr/bin/python3). The work is bench/reportlib/'s,
          one module per section (its __init__.py lists them); this is the command line.

    /usr/bin/python3 bench/report.py DIR                       # DIR/report.md and DIR/*.png
    /usr/bin/python3 bench/report.py --readme bench/README.md DIR
    /usr/bin/python3 bench/report.py --self-test                # a sample run (make test)
"""
import os
import sys

# The source tree stays clean: no __pycache__ beside bench/reportlib's modules.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from reportlib.build import build  # noqa: E402 (after the path is set)
from reportlib.readme import paste  # noqa: E402
from reportlib.selftest import self_test  # noqa: E402


def main(argv):
    if argv == ["--self-test"]:
        self_test()
    elif len(argv) == 3 and argv[0] == "--readme":
        paste(argv[1], argv[2])
    elif len(argv) == 1:
        print(build(argv[0]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
