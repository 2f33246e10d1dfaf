// tests/web/template_cases.h: templates with Python Tornado's rendering of them.
//
// Each case: its files (name, source, name, source... separated by \001; the first is the
// one rendered), the values (a JSON object), and what Tornado 6 gives: the output, or for an
// error the "file:line" it names ("?:0" when Tornado names none, as for a file that is
// missing or a whitespace mode it does not know: any error matches then). The outputs came
// from tests/web/template_reference.py; template_test.cc checks them without Python and
// compares against Python again when python3-tornado is there.
//
// Covered: autoescape (default, None, another function, set anywhere in the file, raw),
// operators and str() of every JSON type, comparisons, attribute and index access, len and
// the helpers (xhtml_escape, url_escape, json_encode, squeeze, linkify), str and dict
// methods, if/elif/else, for (with else, break, continue, over lists, dicts, items(),
// strings), while, set (also += and unpacking), comment and {# #}, {{! and {%!, apply,
// whitespace modes by file name and by directive (and <pre>), extends at three levels,
// blocks in blocks, autoescape across extends, include (relative folders, in loops, with
// blocks), and the errors at load and while rendering with their lines (an error of structure
// is reported before an expression that does not parse, as Tornado compiles after parsing).
#pragma once

struct TemplateCase {
  const char* files;
  const char* values;
  const char* expected;
  const char* error;  // "file:line" when rendering fails
};

inline const TemplateCase kTemplateCases[] = {
    {"t.txt"
     "\001"
     "{{ x }}",
     "{\"x\": \"<a href=\\\"x\\\">&'</a>\"}", "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;&lt;/a&gt;",
     ""},
    {"t.html"
     "\001"
     "{{ x }} {% raw x %}",
     "{\"x\": \"<b>\"}", "&lt;b&gt; <b>", ""},
    {"t.txt"
     "\001"
     "{% autoescape None %}{{ x }}",
     "{\"x\": \"<b>\"}", "<b>", ""},
    {"t.txt"
     "\001"
     "{{ x }}{% autoescape None %}",
     "{\"x\": \"<b>\"}", "<b>", ""},
    {"t.txt"
     "\001"
     "{% autoescape url_escape %}{{ x }}",
     "{\"x\": \"a b/c&\"}", "a+b%2Fc%26", ""},
    {"t.txt"
     "\001"
     "{{ 1 + 2 * 3 - 4 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ -7 % 3 }} {{ 2 ** "
     "10 }} {{ 2 ** -1 }}",
     "{}", "3 3.5 3 -4 -2 2 1024 0.5", ""},
    {"t.txt"
     "\001"
     "{{ 1.5 * 2 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e-5 }} {{ 3.0 }} {{ -0.0 }} {{ 7.5 // 2 }} {{ "
     "-7.5 % 2 }}",
     "{}", "3.0 0.30000000000000004 1e+16 1e-05 3.0 -0.0 3.0 0.5", ""},
    {"t.txt"
     "\001"
     "{{ 'a' + \"b\" }} {{ 'ab' * 3 }} {{ 2 * 'x' }} {{ [1] + [2, 3] }} {{ [0] * 3 }} {{ 'a' 'b' "
     "}}",
     "{}", "ab ababab xx [1, 2, 3] [0, 0, 0] ab", ""},
    {"t.txt"
     "\001"
     "{{ None }} {{ True }} {{ False }} {{ [1, 'a', None, True, 2.5, {'k': 'v'}] }} {{ {} }} {{ [] "
     "}}",
     "{}",
     "None True False [1, &#x27;a&#x27;, None, True, 2.5, {&#x27;k&#x27;: &#x27;v&#x27;}] {} []",
     ""},
    {"t.txt"
     "\001"
     "{{ x }}",
     "{\"x\": {\"a\": [1, 2.0, \"s'q\", \"d\\\"q\", \"both'\\\"\"], \"b\": null, \"c\": {\"d\": "
     "true}}}",
     "{&#x27;a&#x27;: [1, 2.0, &quot;s&#x27;q&quot;, &#x27;d&quot;q&#x27;, "
     "&#x27;both\\&#x27;&quot;&#x27;], &#x27;b&#x27;: None, &#x27;c&#x27;: {&#x27;d&#x27;: True}}",
     ""},
    {"t.txt"
     "\001"
     "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 != "
     "2 }} {{ 2 >= 2 }} {{ 1 <= 0 }}",
     "{}", "True False True True True True True False", ""},
    {"t.txt"
     "\001"
     "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in d }} {{ 'z' not in d }} {{ 3 not in [3] }} {{ "
     "x is None }} {{ x is not None }}",
     "{\"d\": {\"k\": 1}, \"x\": null}", "True True True True False True False", ""},
    {"t.txt"
     "\001"
     "{{ 1 and 2 }} {{ 0 and 2 }} {{ 0 or 'y' }} {{ '' or [] }} {{ not 0 }} {{ not [1] }} {{ 'a' "
     "if x else 'b' }} {{ 'a' if not x else 'b' }}",
     "{\"x\": 0}", "2 0 y [] True False b a", ""},
    {"t.txt"
     "\001"
     "{{ a.b.c }} {{ a['b']['c'] }} {{ a.l[0] }} {{ a.l[-1] }} {{ s[1] }} {{ s[-1] }}",
     "{\"a\": {\"b\": {\"c\": \"deep\"}, \"l\": [10, 20, 30]}, \"s\": \"h\\u00e9llo\"}",
     "deep deep 10 30 é o", ""},
    {"t.txt"
     "\001"
     "{{ len(s) }} {{ len(l) }} {{ len(d) }} {{ len('') }}",
     "{\"s\": \"h\\u00e9llo\", \"l\": [1, 2], \"d\": {\"a\": 1}}", "5 2 1 0", ""},
    {"t.txt"
     "\001"
     "{{ xhtml_escape('<&>') }} {{ escape('\"') }} {{ url_escape('a b&c/d') }} {{ url_escape('a "
     "b', False) }} {{ json_encode(x) }} {{ squeeze('  a \\t\\n b  ') }}",
     "{\"x\": {\"a\": [1, \"</script>\", 2.5, null]}}",
     "&amp;lt;&amp;amp;&amp;gt; &amp;quot; a+b%26c%2Fd a%20b {&quot;a&quot;: [1, "
     "&quot;&lt;\\/script&gt;&quot;, 2.5, null]} a b",
     ""},
    {"t.html"
     "\001"
     "{% autoescape None %}{{ linkify(t) }}",
     "{\"t\": \"see http://www.example.com/a?b=1&c=2 and www.foo.org, or (https://x.y/z) and "
     "ftp://no.pe and mailto:x@y <i>\"}",
     "see <a "
     "href=\"http://www.example.com/a?b=1&amp;c=2\">http://www.example.com/a?b=1&amp;c=2</a> and "
     "<a href=\"http://www.foo.org\">www.foo.org</a>, or (<a "
     "href=\"https://x.y/z\">https://x.y/z</a>) and ftp://no.pe and mailto:x@y &lt;i&gt;",
     ""},
    {"t.txt"
     "\001"
     "{{ x.upper() }} {{ x.lower() }} {{ ' a '.strip() }} {{ x.startswith('Ab') }} {{ "
     "x.endswith('z') }} {{ x.replace('b', 'B') }} {{ ','.join(l) }} {{ 'a b  c'.split() }} {{ "
     "'a,b'.split(',') }}",
     "{\"x\": \"Abc\", \"l\": [\"p\", \"q\"]}",
     "ABC abc a True False ABc p,q [&#x27;a&#x27;, &#x27;b&#x27;, &#x27;c&#x27;] [&#x27;a&#x27;, "
     "&#x27;b&#x27;]",
     ""},
    {"t.txt"
     "\001"
     "{{ str(1) + str(2.5) }} {{ int('42') + 1 }} {{ int(3.9) }} {{ float(2) }} {{ abs(-3) }} {{ "
     "min(3, 1, 2) }} {{ max([4, 9, 2]) }} {{ sorted([3, 1, 2]) }} {{ list(range(3)) }} {{ "
     "bool('') }}",
     "{}", "12.5 43 3 2.0 3 1 9 [1, 2, 3] [0, 1, 2] False", ""},
    {"t.txt"
     "\001"
     "{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }} {{ sorted(d.keys()) }} {{ "
     "list(d.values()) }}",
     "{\"d\": {\"a\": 1, \"b\": 2}}", "1 None 5 [&#x27;a&#x27;, &#x27;b&#x27;] [1, 2]", ""},
    {"t.txt"
     "\001"
     "{% if x %}yes{% elif y %}maybe{% else %}no{% end %}|{% if y %}Y{% end %}",
     "{\"x\": 0, \"y\": 1}", "maybe|Y", ""},
    {"t.txt"
     "\001"
     "{% for i in range(5) %}{% if i == 1 %}{% continue %}{% end %}{% if i == 3 %}{% break %}{% "
     "end %}{{ i }}{% end %}",
     "{}", "02", ""},
    {"t.txt"
     "\001"
     "{% for i in [] %}{{ i }}{% else %}empty{% end %} {% for i in [1] %}{{ i }}{% else %}done{% "
     "end %} {% for i in [1, 2] %}{% break %}{% else %}never{% end %}",
     "{}", "empty 1done ", ""},
    {"t.txt"
     "\001"
     "{% for k, v in d.items() %}{{ k }}={{ v }};{% end %} {% for k in d %}{{ k }}{% end %}",
     "{\"d\": {\"b\": 1, \"a\": [2], \"c\": {\"x\": 3}}}", "b=1;a=[2];c={&#x27;x&#x27;: 3}; bac",
     ""},
    {"t.txt"
     "\001"
     "{% for i, x in enumerate(l) %}{{ i }}:{{ x }} {% end %}{% for c in 'ab' %}[{{ c }}]{% end %}",
     "{\"l\": [\"x\", \"y\"]}", "0:x 1:y [a][b]", ""},
    {"t.txt"
     "\001"
     "{% for row in rows %}{% for cell in row %}{{ cell }},{% end %}\n{% end %}",
     "{\"rows\": [[1, 2], [3, 4]]}", "1,2,\n3,4,\n", ""},
    {"t.txt"
     "\001"
     "{% set i = 0 %}{% while i < 5 %}{{ i }}{% set i += 1 %}{% if i == 4 %}{% break %}{% end %}{% "
     "end %}",
     "{}", "0123", ""},
    {"t.txt"
     "\001"
     "{% set i = 3 %}{% while i %}{% set i = i - 1 %}{{ i }}{% else %}!{% end %}",
     "{}", "210!", ""},
    {"t.txt"
     "\001"
     "{% set x = 1 %}{% set x = x + 1 %}{{ x }}{% set a, b = [1, 2] %}{{ a }}{{ b }}{% set s = 'a' "
     "%}{% set s += 'b' %}{{ s }}{% set n = 3 %}{% set n *= 2 %}{{ n }}",
     "{}", "212ab6", ""},
    {"t.txt"
     "\001"
     "{% for x in l %}{% end %}{{ x }}",
     "{\"l\": [1, 2, 3]}", "3", ""},
    {"t.txt"
     "\001"
     "{% comment this is ignored {{ x }} %}a{# a comment {{ nope }} #}b",
     "{}", "ab", ""},
    {"t.txt"
     "\001"
     "{{! x }} {%! if %} {{!}} {{{ x }}} {{{{ x }}}} a{b}c {",
     "{\"x\": 1}", "{{ x }} {% if %} {{}} {1} {{1}} a{b}c {", ""},
    {"t.txt"
     "\001"
     "{% apply upper_ %}not found{% end %}",
     "{}", "", "t.txt:1"},
    {"t.html"
     "\001"
     "{% apply xhtml_escape %}<b>{{ x }}</b>{% end %}|{% apply url_escape %}a b{% end %}|{% apply "
     "linkify %}http://a.b/{% end %}",
     "{\"x\": \"<i>\"}",
     "&lt;b&gt;&amp;lt;i&amp;gt;&lt;/b&gt;|a+b|<a href=\"http://a.b/\">http://a.b/</a>", ""},
    {"t.txt"
     "\001"
     "{% apply xhtml_escape %}{% set y = 1 %}{{ y }}{% end %}{{ y }}",
     "{}", "", "t.txt:1"},
    {"t.html"
     "\001"
     "  a  \t b \n\n   c  \n\t\n  d <pre>  x  \n\n y </pre> e  \n",
     "{}", "  a  \t b \n\n   c  \n\t\n  d <pre>  x  \n\n y </pre> e  \n", ""},
    {"t.js"
     "\001"
     "  a  \t b \n\n   c  \n\t\n  d <pre>  x  \n\n y </pre> e  \n",
     "{}", "  a  \t b \n\n   c  \n\t\n  d <pre>  x  \n\n y </pre> e  \n", ""},
    {"t.txt"
     "\001"
     "  a  \t b \n\n   c  \n\t\n  d <pre>  x  \n\n y </pre> e  \n",
     "{}", "  a  \t b \n\n   c  \n\t\n  d <pre>  x  \n\n y </pre> e  \n", ""},
    {"t.txt"
     "\001"
     "{% whitespace oneline %}  a  \t b \n\n   c  \n\t\n  d <pre>  x  \n\n y </pre> e  \n{% "
     "whitespace single %}  a  \t b \n\n   c  \n\t\n  d <pre>  x  \n\n y </pre> e  \n{% whitespace "
     "all %}  a  \t b \n\n   c  \n\t\n  d <pre>  x  \n\n y </pre> e  \n",
     "{}",
     "  a  \t b \n\n   c  \n\t\n  d <pre>  x  \n\n y </pre> e  \n  a  \t b \n\n   c  \n\t\n  d "
     "<pre>  x  \n\n y </pre> e  \n  a  \t b \n\n   c  \n\t\n  d <pre>  x  \n\n y </pre> e  \n",
     ""},
    {"t.html"
     "\001"
     "<ul>\n  {% for i in l %}\n    <li>{{ i }}</li>\n  {% end %}\n</ul>\n",
     "{\"l\": [1, 2]}", "<ul>\n\n<li>1</li>\n\n<li>2</li>\n\n</ul>\n", ""},
    {"t.txt"
     "\001"
     "{% whitespace oneline %}<ul>\n  {% for i in l %}\n    <li>{{ i }}</li>\n  {% end %}\n</ul>\n",
     "{\"l\": [1, 2]}", "<ul>  <li>1</li>  <li>2</li>  </ul> ", ""},
    {"page.html"
     "\001"
     "{% extends 'base.html' %}ignored{% block title %}Page{% end %}{% block body %}{{ x }}{% end "
     "%}"
     "\001"
     "base.html"
     "\001"
     "<title>{% block title %}Default{% end %}</title>\n<body>{% block body %}{% end %}</body>\n{% "
     "block footer %}foot{% end %}",
     "{\"x\": \"<>\"}", "<title>Page</title>\n<body>&lt;&gt;</body>\nfoot", ""},
    {"c.html"
     "\001"
     "{% extends \"page.html\" %}{% block body %}child {{ x }}{% end %}{% block footer %}cf{% end "
     "%}"
     "\001"
     "page.html"
     "\001"
     "{% extends 'base.html' %}{% block title %}Page{% end %}{% block body %}page{% end %}"
     "\001"
     "base.html"
     "\001"
     "<title>{% block title %}Default{% end %}</title>\n<body>{% block body %}{% end %}</body>\n{% "
     "block footer %}foot{% end %}",
     "{\"x\": 1}", "<title>Page</title>\n<body>child 1</body>\ncf", ""},
    {"d.html"
     "\001"
     "{% extends 'c.html' %}{% block title %}D{% end %}"
     "\001"
     "c.html"
     "\001"
     "{% extends \"page.html\" %}{% block body %}child {% block inner %}ci{% end %}{% end %}"
     "\001"
     "page.html"
     "\001"
     "{% extends 'base.html' %}{% block title %}Page{% end %}"
     "\001"
     "base.html"
     "\001"
     "<title>{% block title %}Default{% end %}</title>\n<body>{% block body %}{% end %}</body>\n{% "
     "block footer %}foot{% end %}",
     "{}", "<title>D</title>\n<body>child ci</body>\nfoot", ""},
    {"d.html"
     "\001"
     "{% extends 'c.html' %}{% block inner %}DI{% end %}"
     "\001"
     "c.html"
     "\001"
     "{% extends \"base.html\" %}{% block body %}child {% block inner %}ci{% end %}{% end %}"
     "\001"
     "base.html"
     "\001"
     "<title>{% block title %}Default{% end %}</title>\n<body>{% block body %}{% end %}</body>\n{% "
     "block footer %}foot{% end %}",
     "{}", "<title>Default</title>\n<body>child DI</body>\nfoot", ""},
    {"t.html"
     "\001"
     "{% extends 'esc.html' %}{% block b %}{{ x }}{% end %}"
     "\001"
     "esc.html"
     "\001"
     "{% autoescape None %}{{ x }}|{% block b %}{% end %}",
     "{\"x\": \"<>\"}", "<>|&lt;&gt;", ""},
    {"t.html"
     "\001"
     "{% autoescape None %}{% extends 'esc.html' %}{% block b %}{{ x }}{% end %}"
     "\001"
     "esc.html"
     "\001"
     "{{ x }}|{% block b %}{% end %}",
     "{\"x\": \"<>\"}", "&lt;&gt;|<>", ""},
    {"t.html"
     "\001"
     "a{% include 'inc.html' %}b{% include \"sub/inc2.html\" %}{{ y }}"
     "\001"
     "inc.html"
     "\001"
     "[{{ x }}{% set y = 2 %}]"
     "\001"
     "sub/inc2.html"
     "\001"
     "{% include 'inc3.txt' %}"
     "\001"
     "sub/inc3.txt"
     "\001"
     "<{{ x }}>",
     "{\"x\": \"<i>\"}", "a[&lt;i&gt;]b<&lt;i&gt;>2", ""},
    {"t.html"
     "\001"
     "{% for i in l %}{% include 'row.html' %}{% end %}"
     "\001"
     "row.html"
     "\001"
     "<li>{{ i }}</li>",
     "{\"l\": [1, 2]}", "<li>1</li><li>2</li>", ""},
    {"t.html"
     "\001"
     "{% extends 'b.html' %}{% block x %}{% include 'i.html' %}{% end %}"
     "\001"
     "b.html"
     "\001"
     "[{% block x %}{% end %}]{% include 'i.html' %}"
     "\001"
     "i.html"
     "\001"
     "{% block y %}iy{% end %}",
     "{}", "[iy]iy", ""},
    {"t.html"
     "\001"
     "{% extends 'b.html' %}{% block y %}override{% end %}"
     "\001"
     "b.html"
     "\001"
     "[{% include 'i.html' %}]"
     "\001"
     "i.html"
     "\001"
     "{% block y %}iy{% end %}",
     "{}", "[override]", ""},
    {"t.txt"
     "\001"
     "line1\n{% if x %}\nno end",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{% end %}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n\n{% else %}",
     "{}", "", "t.txt:3"},
    {"t.txt"
     "\001"
     "{% for x in l %}\n{% elif y %}{% end %}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{{ }}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{{ x ",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{% if x ",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{# x ",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{% %}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{% foo %}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{% break %}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{% whitespace bogus %}",
     "{}", "", "?:0"},
    {"t.txt"
     "\001"
     "a\n{% extends %}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{% include '' %}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{% apply %}x{% end %}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{% block %}x{% end %}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{% set %}",
     "{}", "", "t.txt:2"},
    {"t.html"
     "\001"
     "a\n{% include 'missing.html' %}",
     "{}", "", "?:0"},
    {"t.txt"
     "\001"
     "ok\n{{ missing }}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "ok\n\n{{ 1 + 'a' }}",
     "{}", "", "t.txt:3"},
    {"t.txt"
     "\001"
     "{% for i in 5 %}\n{% end %}",
     "{}", "", "t.txt:1"},
    {"t.txt"
     "\001"
     "a\n{{ d['k'] }}",
     "{\"d\": {}}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{{ l[5] }}",
     "{\"l\": [1]}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{{ 1 / 0 }}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{{ x.nope }}",
     "{\"x\": {\"a\": 1}}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{{ 1 < 'a' }}",
     "{}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a\n{{ y }}\n{% set y = 1 %}",
     "{\"y\": 5}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "{% if 1 %}\n{% elif 1 / 0 %}\n{% end %}{% if 0 %}\n{% elif 1 / 0 %}{% end %}",
     "{}", "", "t.txt:4"},
    {"t.html"
     "\001"
     "{% extends 'b.html' %}{% block x %}\n\n{{ nope }}{% end %}"
     "\001"
     "b.html"
     "\001"
     "{% block x %}{% end %}",
     "{}", "", "t.html:3"},
    {"t.html"
     "\001"
     "x\n{% include 'i.html' %}"
     "\001"
     "i.html"
     "\001"
     "\n\n{{ nope }}",
     "{}", "", "i.html:3"},
    {"t.txt"
     "\001"
     "{{ len(5) }}",
     "{}", "", "t.txt:1"},
    {"t.txt"
     "\001"
     "a\n{{ x() }}",
     "{\"x\": 1}", "", "t.txt:2"},
    {"t.txt"
     "\001"
     "a{{% block b %}{{ n }}\n\n{% end %}",
     "{\"n\": 1}", "", "t.txt:3"},
    {"t.txt"
     "\001"
     "{% for x in [1] %}{% else %}\n{% break %}{% end %}",
     "{}", "", "?:0"},

};
