#!/usr/bin/python3
# tests/web/template_reference.py: Python Tornado's rendering of a template, for the
# differential tests of web/template (build/demos/template_render is the C++ side).
#
#   /usr/bin/python3 tests/web/template_reference.py DIR NAME < values.json
#   /usr/bin/python3 tests/web/template_reference.py --batch ROOT   (many cases, one start)
#
# Renders Loader(DIR).load(NAME).generate(**values), the values being the JSON object on
# stdin with its objects read as tornado.util.ObjectDict (dicts that also answer a.b, which
# the C++ side gives objects). Writes the bytes to stdout and exits 0; on an error writes
# "NAME:LINE: message" to stderr (the line Tornado's generated code names, 0 when none) and
# exits 1.
#
# Tornado 6.4 writes ' as &#x27; (html.escape), as web/template does; Tornado 6.2 (Debian 12)
# wrote &#39;. The newer definition is put in place so that either version compares.
import html
import json
import logging
import os
import re
import sys
import traceback

from tornado import escape, template
from tornado.util import ObjectDict

escape.xhtml_escape = lambda value: html.escape(escape.to_unicode(value))


def error_line(exc):
    if isinstance(exc, template.ParseError):
        return exc.filename, exc.lineno
    if isinstance(exc, SyntaxError):  # in the generated code: no template line
        return "?", 0
    # The generated code's lines end with "# name:line": find the deepest generated frame.
    found = ("?", 0)
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        loader = frame.f_globals.get("__loader__")
        if not frame.f_code.co_filename.endswith(".generated.py") or loader is None:
            continue
        lines = loader.get_source(None).splitlines()
        if 0 < lineno <= len(lines):
            m = re.search(r"# (.*?):(\d+)(?: \(via .*\))?$", lines[lineno - 1])
            if m:
                found = (m.group(1), int(m.group(2)))
    return found


def render(root, name, text):
    """(status, output bytes, error line)."""
    values = json.loads(text, object_hook=ObjectDict) if text.strip() else {}
    try:
        return 0, template.Loader(root).load(name).generate(**values), ""
    except Exception as e:  # noqa: BLE001 - every failure is reported the same way
        filename, line = error_line(e)
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        return 1, b"", "%s:%d: %s: %s\n" % (filename, line, type(e).__name__, message)


def batch(root):
    """Each folder ROOT/N holds a case: its files, "name" and values.json; the answers go to
    theirs.out, theirs.err and theirs.status beside them."""
    for case in sorted(os.listdir(root)):
        d = os.path.join(root, case)
        with open(os.path.join(d, "name")) as f:
            name = f.read()
        with open(os.path.join(d, "values.json")) as f:
            status, out, err = render(d, name, f.read())
        with open(os.path.join(d, "theirs.out"), "wb") as f:
            f.write(out)
        with open(os.path.join(d, "theirs.err"), "w") as f:
            f.write(err)
        with open(os.path.join(d, "theirs.status"), "w") as f:
            f.write(str(status))
    return 0


def main():
    logging.disable(logging.CRITICAL)  # Tornado logs the generated code of a failed compile
    if sys.argv[1] == "--batch":
        return batch(sys.argv[2])
    status, out, err = render(sys.argv[1], sys.argv[2], sys.stdin.read())
    sys.stderr.write(err)
    sys.stdout.buffer.write(out)
    return status


if __name__ == "__main__":
    sys.exit(main())
