#!/bin/sh
# Adds up the "passed failed" counts that each test run of `make check` wrote, and prints the
# closing line CI reads: "N passed, N failed".
passed=0; failed=0
for f in "$@"; do
  [ -f "$f" ] || { echo "missing test counts: $f" >&2; exit 1; }
  read p q < "$f"
  passed=$((passed + p)); failed=$((failed + q))
done
echo "check: plain and sanitizer runs of the suite"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
