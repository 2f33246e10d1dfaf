#!/bin/sh
# tests/check_install.sh: installs into a scratch DESTDIR as a packager would, builds and runs a
# one-file program against the installed tree with nothing but `pkg-config --cflags --libs
# tornado`, then uninstalls and checks that nothing the install wrote is left.
#   sh tests/check_install.sh [BUILD]      (make check-install runs it)
set -eu
build=${1:-build}
make=${MAKE:-make}
stage=$(mktemp -d /tmp/tornado-install-XXXXXX)
trap 'rm -rf "$stage"' EXIT
prefix=/usr/local

$make --no-print-directory -s BUILD="$build" DESTDIR="$stage/root" PREFIX=$prefix install
test -f "$stage/root$prefix/include/tornado/web/web.h" || { echo "web/web.h not installed"; exit 1; }
test -f "$stage/root$prefix/lib/libtornado.a" || { echo "libtornado.a not installed"; exit 1; }

# The program a user writes after reading README.md: the installed include form only.
cat > "$stage/hello.cc" <<'EOF'
#include <tornado/gen/gen.h>
#include <tornado/http/json.h>
#include <tornado/reactor/ioloop.h>
#include <tornado/web/web.h>

#include <cstdio>

int main() {
  tornado::IOLoop loop;
  int ran = 0;
  loop.add_callback([&] {
    ++ran;
    loop.stop();
  });
  loop.start();
  std::printf("%d %s\n", ran, tornado::json::encode(tornado::json::Value("installed")).c_str());
  return ran == 1 ? 0 : 1;
}
EOF
export PKG_CONFIG_SYSROOT_DIR="$stage/root"
export PKG_CONFIG_LIBDIR="$stage/root$prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs tornado)
# The tree's own headers must not be reachable: build from the scratch folder.
(cd "$stage" && ${CXX:-g++} hello.cc $flags -o hello)
out=$("$stage/hello")
[ "$out" = '1 "installed"' ] || { echo "the installed program printed: $out"; exit 1; }

# Every complete program in a man page's EXAMPLES (a literal block with a tornado include and a
# main) compiles and links against the installed tree, as a reader would paste it. A block
# that follows the comment line
#   .\" check-install: run
# is also run, and must exit 0 within 30 s (a program that ends by itself and checks itself).
n=0
r=0
for page in man/man3/*.3 man/man7/*.7; do
  awk -v out="$stage/example" -v page="$(basename "$page")" '
    /^\.Sh EXAMPLES/ { e = 1; next }
    /^\.Sh / { e = 0 }
    e && /^\.\\" check-install: run/ { run = 1; next }
    e && /^\.Bd -literal/ { b = 1; t = ""; next }
    e && b && /^\.Ed/ {
      b = 0
      if (t ~ /#include <tornado\// && t ~ /main\(/) {
        f = out "-" page "-" (++k) (run ? "-run" : "") ".cc"; printf "%s", t > f; close(f)
      }
      run = 0
      next
    }
    e && b {
      gsub(/\\e/, "\\"); gsub(/\\&/, ""); gsub(/\\\(aq/, "\047"); gsub(/\\\(dq/, "\""); gsub(/\\-/, "-")
      t = t $0 "\n"
    }' "$page"
done
# Compiled side by side, one per core (twenty programs one after another took minutes); each
# failure leaves its compiler output in NAME.err. Run in the order of the pages.
jobs=$(nproc 2>/dev/null || echo 2)
ls "$stage"/example-*.cc 2>/dev/null | CXX="${CXX:-g++}" FLAGS="$flags" xargs -r -P "$jobs" -I{} \
  sh -c 'cd "${1%/*}" && $CXX "$1" $FLAGS -o "${1%.cc}.out" 2>"${1%.cc}.err" \
           || touch "${1%.cc}.failed"' _ {}
for ex in "$stage"/example-*.cc; do
  [ -f "$ex" ] || continue
  if [ -f "${ex%.cc}.failed" ]; then
    echo "a man page example does not compile: $(basename "$ex")"; cat "${ex%.cc}.err"; exit 1
  fi
  n=$((n + 1))
  case "$ex" in
    *-run.cc)
      (cd "$stage" && timeout 30 "${ex%.cc}.out" >"$stage/example.log" 2>&1) \
        || { echo "a man page example failed when run: $(basename "$ex")"; cat "$stage/example.log"
             exit 1; }
      r=$((r + 1)) ;;
  esac
done
echo "man page examples: $n complete programs compile against the installed headers, $r ran"

$make --no-print-directory -s BUILD="$build" DESTDIR="$stage/root" PREFIX=$prefix uninstall
left=$(find "$stage/root" -type f | sed "s|^$stage/root||")
if [ -n "$left" ]; then
  echo "make uninstall left files behind:"; echo "$left"; exit 1
fi
echo "install: headers, library, pkg-config and man pages installed, used and removed cleanly"
