#!/usr/bin/python3
# tests/web/template_random.py: random templates inside the language, rendered by
# build/demos/template_render and by Python Tornado (tests/web/template_reference.py), compared
# byte for byte (and for errors, the file and line Tornado names). Run by hand:
#
#   /usr/bin/python3 tests/web/template_random.py [COUNT] [SEED]
#
# Prints each template that differs (with its values) and a closing count; exits 1 when any
# differs.
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RENDER = os.environ.get("TEMPLATE_RENDER", os.path.join(HERE, "../../build/demos/template_render"))
REFERENCE = os.path.join(HERE, "template_reference.py")

VALUES = {"n": 3, "m": -2, "f": 2.5, "s": "a<b>&'c\"", "t": "x y  z", "e": "",
          "l": [1, "two", 3.5, None, True], "d": {"k": "v", "n": 2, "o": {"p": [1, 2]}},
          "b": True, "z": None, "u": "http://example.com/a?b=1&c=2 www.x.org"}
SCALARS = ["n", "m", "f", "s", "t", "e", "b", "z"]


class Gen:
    def __init__(self, rng):
        self.r = rng
        self.loop_vars = []

    def name(self):
        return self.r.choice(SCALARS + ["l", "d", "u"] + self.loop_vars)

    def literal(self):
        return self.r.choice(["0", "1", "2", "-3", "7", "0.5", "2.0", "1e3", "'a'", "\"<x>\"",
                              "''", "None", "True", "False", "[1, 2]", "{'a': 1}", "'it''s'"])

    def expr(self, depth=0):
        r = self.r
        if depth > 2:
            return r.choice([self.literal(), self.name()])
        k = r.randrange(16)
        e = lambda: self.expr(depth + 1)  # noqa: E731
        if k == 0:
            return self.literal()
        if k == 1:
            return self.name()
        if k == 2:
            return "%s %s %s" % (e(), r.choice(["+", "-", "*", "/", "//", "%"]), e())
        if k == 3:
            return "%s %s %s" % (e(), r.choice(["<", ">", "==", "!=", "<=", ">=", "in", "not in"]), e())
        if k == 4:
            return "%s %s %s" % (e(), r.choice(["and", "or"]), e())
        if k == 5:
            return "(not %s)" % e()
        if k == 6:
            return "(%s if %s else %s)" % (e(), e(), e())
        if k == 7:
            return r.choice(["l[%d]" % r.randrange(-5, 6), "d['k']", "d.o.p[1]", "d['o']['p']",
                             "s[%d]" % r.randrange(-3, 3), "d.n", "d.missing", "l"])
        if k == 8:
            return "len(%s)" % r.choice(["s", "l", "d", "t", "e", "n"])
        if k == 9:
            return "%s(%s)" % (r.choice(["xhtml_escape", "url_escape", "squeeze", "linkify", "escape"]),
                               r.choice(["s", "t", "u", "e", "'a b'", "n"]))
        if k == 10:
            return "json_encode(%s)" % e()
        if k == 11:
            return "str(%s)" % e()
        if k == 12:
            return "[%s, %s]" % (e(), e())
        if k == 13:
            return "-" + r.choice(["n", "f", "2", "(1 + 2)"])
        if k == 14:
            return "%s ** %d" % (r.choice(["n", "m", "2", "f"]), r.randrange(0, 4))
        return r.choice(["d.get('k')", "d.get('x', 5)", "t.split()", "s.upper()", "', '.join(['a', 'b'])",
                         "sorted([3, 1, 2])", "list(range(n))", "max(1, n)", "'x' * n", "[0] * 2"])

    def text(self):
        return "".join(self.r.choice(["a", "b", " ", "  ", "\t", "\n", "\n\n  ", "<p>", "{", "}",
                                      "%", "#", "<pre> x  y </pre>", "&", "'"])
                       for _ in range(self.r.randrange(0, 6)))

    def body(self, depth, in_loop):
        return "".join(self.chunk(depth, in_loop) for _ in range(self.r.randrange(1, 4)))

    def chunk(self, depth, in_loop):
        r = self.r
        k = r.randrange(14 if depth < 3 else 5)
        if k == 0:
            return self.text()
        if k == 1:
            return "{{ %s }}" % self.expr()
        if k == 2:
            return "{%% raw %s %%}" % self.expr()
        if k == 3:
            return r.choice(["{# c %s #}" % self.text().replace("#}", ""), "{% comment x %}",
                             "{{! x }}", "{%! y %}", "{{{ n }}}"])
        if k == 4:
            v = "v%d" % depth
            self.loop_vars.append(v)
            return "{%% set %s = %s %%}" % (v, self.expr())
        if k == 5:
            s = "{%% if %s %%}%s" % (self.expr(), self.body(depth + 1, in_loop))
            for _ in range(r.randrange(0, 2)):
                s += "{%% elif %s %%}%s" % (self.expr(), self.body(depth + 1, in_loop))
            if r.random() < 0.5:
                s += "{%% else %%}%s" % self.body(depth + 1, in_loop)
            return s + "{% end %}"
        if k == 6:
            v = "x%d" % depth
            target, it = r.choice([(v, "l"), (v, "d"), (v, "s"), (v, "range(3)"), (v, "[]"),
                                   ("%s, y%d" % (v, depth), "d.items()"), (v, "n")])
            self.loop_vars.append(v)
            s = "{%% for %s in %s %%}%s" % (target, it, self.body(depth + 1, True))
            if r.random() < 0.3:
                s += "{%% else %%}%s" % self.body(depth + 1, in_loop)
            self.loop_vars.remove(v)
            return s + "{% end %}"
        if k == 7:
            c = "c%d" % depth
            return "{%% set %s = 0 %%}{%% while %s < 3 %%}{%% set %s += 1 %%}%s{%% end %%}" % (
                c, c, c, self.body(depth + 1, True))
        if k == 8:
            return "{%% apply %s %%}%s{%% end %%}" % (r.choice(["xhtml_escape", "url_escape", "linkify"]),
                                                    self.body(depth + 1, False))
        if k == 9:
            return "{%% whitespace %s %%}" % r.choice(["all", "single", "oneline"])
        if k == 10:
            return "{%% autoescape %s %%}" % r.choice(["None", "xhtml_escape", "url_escape"])
        if k == 11:
            return "{% include 'inc.html' %}"
        if k == 12 and in_loop:
            return "{%% if %s %%}{%% %s %%}{%% end %%}" % (self.expr(), r.choice(["break", "continue"]))
        return self.text()

    def files(self):
        main_name = self.r.choice(["t.html", "t.txt", "t.js"])
        files = {"inc.html": "[{{ n }}{% block ib %}ib{% end %}]\n  ",
                 "base.html": "<{% block a %}A{% end %}>\n  {% block b %}B{% end %}{% include 'inc.html' %}"}
        if self.r.random() < 0.25:
            main = "{%% extends 'base.html' %%}%s{%% block %s %%}%s{%% end %%}" % (
                self.text(), self.r.choice(["a", "b", "ib"]), self.body(0, False))
        else:
            main = self.body(0, False)
        files[main_name] = main
        return main_name, files


def run(cmd, stdin):
    p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=20)
    where = p.stderr.decode(errors="replace").split(": ")[0] if p.returncode else ""
    return p.returncode, p.stdout, where


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(seed)
    stdin = json.dumps(VALUES).encode()
    differ = errors = 0
    for i in range(count):
        name, files = Gen(rng).files()
        d = tempfile.mkdtemp()
        try:
            for n, text in files.items():
                with open(os.path.join(d, n), "w") as f:
                    f.write(text)
            ours = run([RENDER, "--template_path=" + d, name], stdin)
            theirs = run(["/usr/bin/python3", REFERENCE, d, name], stdin)
        finally:
            shutil.rmtree(d)
        errors += theirs[0] != 0
        same = ours[0] == theirs[0] and ours[1] == theirs[1] and (
            theirs[2] in ("", "?:0") or theirs[2] == ours[2])
        if not same:
            differ += 1
            print("DIFFERS #%d %s: %r" % (i, name, files[name]))
            print("  tornado: %r %r %s" % (theirs[0], theirs[1][:300], theirs[2]))
            print("  ours:    %r %r %s" % (ours[0], ours[1][:300], ours[2]))
    print("%d templates (%d render errors in Tornado), %d differ" % (count, errors, differ))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
