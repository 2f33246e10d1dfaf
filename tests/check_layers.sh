#!/bin/sh
# Fails when a file includes a header from a higher layer (DESIGN.md §1):
# reactor < gen < stream < http < web. tests/, bench/ and demos/ may include anything.
rank() {
  case "$1" in
    reactor) echo 1 ;; gen) echo 2 ;; stream) echo 3 ;; http) echo 4 ;; web) echo 5 ;; *) echo 0 ;;
  esac
}
status=0
for layer in reactor gen stream http web; do
  [ -d "$layer" ] || continue
  mine=$(rank "$layer")
  for f in $(find "$layer" -name '*.h' -o -name '*.cc' | sort); do
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"tornado\/\([a-z]*\)\/.*".*/\1/p' "$f"); do
      theirs=$(rank "$inc")
      if [ "$theirs" -gt "$mine" ]; then
        echo "layering: $f includes a header from $inc/, a higher layer than $layer/" >&2
        status=1
      fi
    done
  done
done
[ $status -eq 0 ] && echo "layering: no file includes a header from a higher layer"
exit $status
