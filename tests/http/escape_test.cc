// tests/http/escape_test.cc: escaping and query strings.
// Mirrors:  tornado/test/escape_test.py (test_xhtml_escape, test_xhtml_unescape_numeric,
//           test_url_escape_unicode, test_url_unescape_unicode, test_escape_return_types)
//           and Python's parse_qs rules, as tables.
#include "tornado/http/escape.h"

#include <doctest/doctest.h>

#include <string>

using namespace tornado;
using namespace tornado::escape;

TEST_CASE("escape: xhtml_escape and xhtml_unescape") {
  struct Row {
    std::string raw, escaped;
  };
  const Row rows[] = {
      {"<foo>", "&lt;foo&gt;"},
      {"<script>\"x\"&'y'", "&lt;script&gt;&quot;x&quot;&amp;&#x27;y&#x27;"},
      {"caf\xc3\xa9", "caf\xc3\xa9"},
      {"", ""},
  };
  for (const Row& r : rows) {
    CAPTURE(r.raw);
    CHECK(xhtml_escape(r.raw) == r.escaped);
    CHECK(xhtml_unescape(r.escaped) == r.raw);
  }
  struct Un {
    const char* in;
    std::string out;
  };
  const Un numeric[] = {
      {"foo&#32;bar", "foo bar"},
      {"foo&#x20;bar", "foo bar"},
      {"foo&#X20;bar", "foo bar"},
      {"foo&#xabc;bar",
       "foo\xe0\xaa\xbc"
       "bar"},
      {"foo&#xyz;bar", "foo&#xyz;bar"},
      {"foo&#;bar", "foo&#;bar"},
      {"foo&#x;bar", "foo&#x;bar"},
      {"&amp;amp;", "&amp;"},
      {"&unknown;", "&unknown;"},
      {"&", "&"},
      {"&#1114112;", "&#1114112;"},
      {"&#xD800;", "&#xD800;"},
      {"a &lt b", "a &lt b"},
  };
  for (const Un& u : numeric) {
    CAPTURE(u.in);
    CHECK(xhtml_unescape(u.in) == u.out);
  }
}

TEST_CASE("escape: url_escape and url_unescape") {
  struct Row {
    std::string raw;
    bool plus;
    std::string escaped;
  };
  const Row rows[] = {
      {"a b/c", true, "a+b%2Fc"},
      {"a b/c", false, "a%20b/c"},
      {"\xc3\xa9", true, "%C3%A9"},
      {"_.-~az09", true, "_.-~az09"},
      {"&=?#+%", true, "%26%3D%3F%23%2B%25"},
      {std::string("\0", 1), true, "%00"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.escaped);
    CHECK(url_escape(r.raw, r.plus) == r.escaped);
    CHECK(url_unescape(r.escaped, r.plus) == r.raw);
  }
  // Malformed escapes stay as they are; "+" is a space only with plus.
  CHECK(url_unescape("%") == "%");
  CHECK(url_unescape("%4") == "%4");
  CHECK(url_unescape("%zz%41") == "%zzA");
  CHECK(url_unescape("a+b", false) == "a+b");
  CHECK(url_unescape("a%2") == "a%2");
}

TEST_CASE("escape: parse_qs_bytes") {
  struct Row {
    const char* qs;
    bool keep_blank;
    Arguments expected;
  };
  const Row rows[] = {
      {"a=1&a=2&b=3", false, {{"a", {"1", "2"}}, {"b", {"3"}}}},
      {"foo=&foo=", true, {{"foo", {"", ""}}}},  // test_empty_query_string
      {"foo=&bar=x", false, {{"bar", {"x"}}}},
      {"a+b=c%20d", false, {{"a b", {"c d"}}}},
      {"a=1;b=2", false, {{"a", {"1;b=2"}}}},  // only "&" separates (Python 3.10+)
      {"noeq&x=1", false, {{"x", {"1"}}}},
      {"noeq&x=1", true, {{"noeq", {""}}, {"x", {"1"}}}},
      {"&&=&", true, {{"", {""}}}},
      {"", false, {}},
      {"k=%ff%00", false, {{"k", {std::string("\xff\0", 2)}}}},
  };
  for (const Row& r : rows) {
    CAPTURE(r.qs);
    CHECK(parse_qs_bytes(r.qs, r.keep_blank) == r.expected);
  }
  CHECK_THROWS_AS(parse_qs_bytes("noeq", false, true), HTTPInputError);
}

TEST_CASE("escape: utf8_valid") {
  struct Row {
    std::string s;
    bool ok;
  };
  const Row rows[] = {
      {"", true},
      {"ascii", true},
      {"caf\xc3\xa9", true},
      {"\xe2\x82\xac", true},
      {"\xf0\x9f\x98\x80", true},
      {"\xc3", false},
      {"\xc0\xaf", false},
      {"\xe0\x80\xaf", false},
      {"\xed\xa0\x80", false},
      {"\xf4\x90\x80\x80", false},
      {"\xff", false},
      {"\x80", false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.s);
    CHECK(utf8_valid(r.s) == r.ok);
  }
}

TEST_CASE("escape: squeeze (test_squeeze)") {
  struct Row {
    std::string in, out;
  };
  const Row rows[] = {
      {"sequences     of    whitespace   chars", "sequences of whitespace chars"},
      {"  \t lead and trail \r\n ", "lead and trail"},
      {std::string("nul\0and\x01"
                   "ctl",
                   11),
       "nul and ctl"},
      {"", ""},
      {"   ", ""},
      {"caf\xc3\xa9  ok", "caf\xc3\xa9 ok"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.in);
    CHECK(squeeze(r.in) == r.out);
  }
}
