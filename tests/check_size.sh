#!/bin/sh
# tests/check_size.sh: the library's share of a static, stripped helloworld, against a budget.
#
#   make check-size            (builds make static-demos first; SIZE_BUDGET_KIB=... to change it)
#
# The share is the stripped size of build/static/helloworld minus that of a C++ program that
# only calls printf (tests/size/printf_only.cc), built and linked with the same flags: what a
# static program pays for using tornado-cpp. Also printed, not enforced: how much of the share
# the C and C++ runtime facilities the library calls cost alone (tests/size/runtime_only.cc),
# and httpbin's share. The budget holds for x86-64; another target prints the sizes only.
#
# Environment (the Makefile sets it): CXX, OPT, LDFLAGS, STRIP, SIZE_BUDGET_KIB.
set -eu

dir=$1
out=$dir/size
mkdir -p "$out"

build() {  # build NAME: tests/size/NAME.cc, static and stripped, into $out/NAME
  # shellcheck disable=SC2086  # the flags are word lists
  $CXX -std=c++20 $OPT "tests/size/$1.cc" $LDFLAGS -o "$out/$1.debug" 2>"$out/$1.log" || {
    cat "$out/$1.log" >&2
    echo "check-size: could not link tests/size/$1.cc statically" >&2
    exit 1
  }
  $STRIP -o "$out/$1" "$out/$1.debug"
}
bytes() { wc -c <"$1" | tr -d ' '; }
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }

if [ ! -f "$dir/helloworld" ]; then
  echo "check-size: $dir/helloworld is missing (the web demos are not built with NO_WEB=1)" >&2
  exit 1
fi
build printf_only
build runtime_only

base=$(bytes "$out/printf_only")
runtime=$(($(bytes "$out/runtime_only") - base))
hello=$(bytes "$dir/helloworld")
share=$((hello - base))
budget=$((SIZE_BUDGET_KIB * 1024))

echo "static, stripped ($CXX $OPT, $LDFLAGS):"
echo "  printf-only program        $base bytes"
echo "  helloworld                 $hello bytes"
echo "  library's share            $share bytes ($(kib "$share")), budget $SIZE_BUDGET_KIB KiB"
echo "    of which the runtime     $runtime bytes ($(kib "$runtime")): exceptions, a thread,"
echo "                             strtod (tests/size/runtime_only.cc)"
if [ -f "$dir/httpbin" ]; then
  echo "  httpbin                    $(bytes "$dir/httpbin") bytes, share $(($(bytes "$dir/httpbin") - base))"
fi
if [ -f "$out/numeric_hello" ]; then
  echo "  helloworld, numeric bind   $(bytes "$out/numeric_hello") bytes, share" \
    "$(($(bytes "$out/numeric_hello") - base)) (tests/size/numeric_hello.cc: no name lookup)"
fi

case $($CXX -dumpmachine) in
  x86_64-*) ;;
  *)
    echo "check-size: the budget is for x86-64; not enforced for $($CXX -dumpmachine)"
    exit 0
    ;;
esac
if [ "$share" -gt "$budget" ]; then
  echo "check-size: FAILED: the library's share of helloworld is $share bytes, over the" \
    "budget of $budget ($SIZE_BUDGET_KIB KiB); see bench/README.md, Static builds and size" >&2
  exit 1
fi
echo "check-size: within budget"
