#!/usr/bin/python3
"""tests/check_function_length.py: lists the library's functions longer than a limit.

Run by `make check-functions` (part of `make check`). The compiler finds the functions, not
a pattern over the text: each library source (reactor gen stream http web) is parsed by
clang++ -fsyntax-only, which dumps the declarations of namespace tornado
(-ast-dump -ast-dump-filter=tornado::). Every function, method, constructor, destructor and
lambda body the dump shows in a library file (a .cc or one of the headers it includes) is
measured from the first line of its declaration to its closing brace; template
instantiations, and headers seen from several sources, count once.

The dump writes a location in full only when its file or line changes from the one written
before it ("line:12:3", "col:9"), so the locations are read in order and completed from the
last full one, as the dumper wrote them. A self-test first reads the dump of a small sample
whose lengths are known, so that a clang whose dump reads otherwise fails loudly rather than
finding nothing.

Usage:  tests/check_function_length.py [--max-lines 80] [--cxx clang++] [FILE.cc ...]
Exit:   0 when every function is within the limit (or clang++ is missing: it says it
        skipped), 1 when some are not (each listed as file:line: name: N lines), 2 when a
        source does not parse or the self-test fails.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

LAYERS = ("reactor", "gen", "stream", "http", "web")
FUNCTION_KINDS = ("FunctionDecl", "CXXMethodDecl", "CXXConstructorDecl", "CXXDestructorDecl",
                  "CXXConversionDecl")
# One written location: "path:line:col", "line:N:M" or "col:M" (TextNodeDumper::dumpLocation).
LOCATION = re.compile(
    r"(?P<spelling>Spelling=)?"
    r"(?:line:(?P<line>\d+):\d+|col:\d+"
    r"|(?P<file>(?:<scratch space>|<built-in>|[^\s<>,:=']+)):(?P<fline>\d+):\d+)")
NODE = re.compile(r"^[\s|`-]*(?P<kind>\w+) 0x[0-9a-f]+ ")
NAME = re.compile(r"(?:col:\d+|line:\d+:\d+|:\d+:\d+)(?:\s+(?:used|referenced|implicit|"
                  r"constexpr|invalid|inline|virtual|static|explicit|delete|default))*"
                  r"\s+(?P<name>[^\s']+)")


def library_path(path, root):
    """The path relative to the tree when it is a library file, else None."""
    path = os.path.normpath(path)
    for prefix in ("build/include/tornado/", os.path.join(root, "build/include/tornado") + "/",
                   root + "/"):
        if path.startswith(prefix):
            path = path[len(prefix):]
            break
    return path if path.split("/", 1)[0] in LAYERS else None


def functions_in_dump(text, root):
    """(file, first line, last line, name) of each function whose range is in a library file."""
    found = []
    last_file = last_line = None
    for raw in text.splitlines():
        if raw.startswith("Dumping "):  # each filtered declaration is dumped afresh
            last_file = last_line = None
            continue
        # Locations come before the first quote (the type, a string literal's text).
        cut = min((i for i in (raw.find("'"), raw.find('"')) if i >= 0), default=len(raw))
        head = raw[:cut]
        places = []
        for m in LOCATION.finditer(head):
            if m.group("file") is not None:
                last_file, last_line = m.group("file"), int(m.group("fline"))
            elif m.group("line") is not None:
                last_line = int(m.group("line"))
            if not m.group("spelling"):
                places.append((last_file, last_line))
        node = NODE.match(raw)
        if not node or node.group("kind") not in FUNCTION_KINDS or len(places) < 3:
            continue
        (begin_file, begin), (end_file, end) = places[0], places[1]
        if begin_file != end_file or begin_file is None:
            continue
        path = library_path(begin_file, root)
        if path is None:
            continue
        name = NAME.search(head[head.rfind(">") + 1:] if ">" in head else head)
        found.append((path, begin, end, name.group("name") if name else "?"))
    return found


def dump(cxx, source, root):
    cmd = [cxx, "-std=c++20", "-fsyntax-only", "-w", "-I" + os.path.join(root, "build/include"),
           "-I" + root, "-Xclang", "-ast-dump", "-Xclang", "-ast-dump-filter=tornado::", source]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, errors="replace")
    if done.returncode != 0:
        return None, done.stderr
    return functions_in_dump(done.stdout, root), ""


def self_test(cxx):
    """Checks the reading of the dump on a file whose lengths are known: functions of 80 and 81
    lines, a method defined out of line, one in the class, a template instantiated twice, a
    lambda, a function in an anonymous namespace, and a declaration without a body."""
    import tempfile
    body = lambda n: "{\n  int x = 0;\n" + "  x += 1;\n" * (n - 3) + "}\n"
    code = ("namespace tornado {\n"
            "int eighty() " + body(80) +
            "int eighty_one() " + body(81) +
            "struct S {\n  void inside() " + body(82) + "  void outside();\n};\n"
            "void S::outside() " + body(83) +
            "template <class T> T twice(T t) " + body(84) +
            "int use() { return twice(1) + static_cast<int>(twice(2.0)); }\n"
            "auto lambda = [] " + body(85) + ";\n"
            "namespace {\nint hidden() " + body(86) + "}\n"
            "int declared();\n"
            "}  // namespace tornado\n")
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "web"))
        with open(os.path.join(tmp, "web", "sample.cc"), "w") as f:
            f.write(code)
        cmd = [cxx, "-std=c++20", "-fsyntax-only", "-w", "-Xclang", "-ast-dump", "-Xclang",
               "-ast-dump-filter=tornado::", "web/sample.cc"]
        done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write("self-test: the sample does not parse:\n" + done.stderr)
            return False
        found = {(name, end - begin + 1) for _, begin, end, name in
                 functions_in_dump(done.stdout, tmp)}
    want = {("eighty", 80), ("eighty_one", 81), ("inside", 82), ("outside", 83),
            ("twice", 84), ("operator()", 85), ("hidden", 86), ("use", 1)}
    if not want <= found:
        sys.stderr.write("self-test: expected %s, read %s\n" % (sorted(want - found), sorted(found)))
        return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-lines", type=int, default=80)
    parser.add_argument("--cxx", default=os.environ.get("CLANGXX", "clang++"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("sources", nargs="*")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if shutil.which(args.cxx) is None:
        print("skipped: function length check (no %s)" % args.cxx)
        return 0
    if not self_test(args.cxx):
        return 2
    sources = args.sources or sorted(
        os.path.join(layer, f) for layer in LAYERS if os.path.isdir(os.path.join(root, layer))
        for f in os.listdir(os.path.join(root, layer)) if f.endswith(".cc"))
    seen = {}
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for source, (found, errors) in zip(sources,
                                           pool.map(lambda s: dump(args.cxx, s, root), sources)):
            if found is None:
                failed.append((source, errors))
                continue
            for path, begin, end, name in found:
                key = (path, begin)
                seen[key] = max(seen.get(key, (0, name)), (end - begin + 1, name))
    for source, errors in failed:
        sys.stderr.write("%s does not parse:\n%s\n" % (source, errors))
    if failed:
        return 2
    long_ones = sorted((path, begin, name, lines) for (path, begin), (lines, name) in seen.items()
                       if lines > args.max_lines)
    for path, begin, name, lines in long_ones:
        print("%s:%d: %s: %d lines (more than %d)" % (path, begin, name, lines, args.max_lines))
    print("functions: %d in %d sources, %d longer than %d lines" %
          (len(seen), len(sources), len(long_ones), args.max_lines))
    return 1 if long_ones else 0


if __name__ == "__main__":
    sys.exit(main())
