#!/bin/sh
# Adds up the counts that each test run of `make check` wrote (first line "passed failed
# skipped", then one line per skipped case), lists the skipped cases with their reasons, and
# prints the closing line CI reads, last: "N passed, N failed".
passed=0; failed=0; skipped=0; reasons=""
for f in "$@"; do
  [ -f "$f" ] || { echo "missing test counts: $f" >&2; exit 1; }
  read p q s < "$f"
  passed=$((passed + p)); failed=$((failed + q)); skipped=$((skipped + ${s:-0}))
  reasons="$reasons$(tail -n +2 "$f" | sed "s|^|  ($(dirname "$f")) |")
"
done
echo "check: every run of the suite (plain, sanitizers, feature switches)"
if [ "$skipped" -gt 0 ]; then
  echo "$skipped skipped:"
  printf '%s' "$reasons" | grep -v '^$'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
