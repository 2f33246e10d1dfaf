// http/escape.h: escaping and unescaping for HTML, URLs and query strings.
//
// Mirrors:  tornado/escape.py (xhtml_escape, xhtml_unescape, url_escape, url_unescape,
//           parse_qs_bytes); JSON comes with the web layer.
//
//   tornado::escape::xhtml_escape("<a href='x'>");      // "&lt;a href=&#x27;x&#x27;&gt;"
//   tornado::escape::url_escape("a b/c");               // "a+b%2Fc"
//   tornado::escape::url_unescape("a+b%2Fc");           // "a b/c"
//   tornado::escape::parse_qs_bytes("a=1&a=2&b=");      // {a: [1, 2]}  (blank b dropped)
//
// Role:     httputil parses query strings and form bodies with parse_qs_bytes; web escapes
//           what it writes into pages. Values are bytes: no charset is decoded or checked
//           here (utf8_valid is for those who must, such as WebSocket text frames).
// Errors:   malformed input is left as it is (a lone "%" stays "%"), as Python does; only
//           parse_qs_bytes with strict_parsing throws HTTPInputError.
// Thread:   pure functions.
// See:      man tornado.httputil.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tornado/http/httputil.h"

namespace tornado::escape {

// & < > " ' become entities (' as &#x27;, as Tornado).
std::string xhtml_escape(std::string_view s);
// Named entities (amp, lt, gt, quot, apos, nbsp, #x27...) and numeric ones (&#NN; &#xHH;) are
// decoded, as UTF-8; anything else is left as it is.
std::string xhtml_unescape(std::string_view s);

// Python's quote_plus (plus: space becomes "+", "/" is escaped) or quote (safe "/", space is
// %20). Letters, digits and "_.-~" are never escaped.
std::string url_escape(std::string_view s, bool plus = true);
// %XX decoding ("+" is a space when plus); a malformed escape is left as it is.
std::string url_unescape(std::string_view s, bool plus = true);

// A query string into name -> values, in order: pairs split on "&", names and values
// url_unescape'd. Blank values are dropped unless keep_blank_values; a pair with no "=" has
// a blank value, or is an HTTPInputError when strict_parsing (Python's parse_qs).
Arguments parse_qs_bytes(std::string_view qs, bool keep_blank_values = false,
                         bool strict_parsing = false);

// Runs of whitespace and control characters (bytes 0x00-0x20) become one space, and the ends
// are trimmed (Tornado's squeeze).
std::string squeeze(std::string_view s);

// Text as HTML with its URLs made links (Tornado's linkify with its defaults): the text is
// xhtml_escape'd, then each http://, https:// or www. URL becomes <a href="...">...</a> (www.
// ones get http:// in the href); URLs of other schemes are left as text.
std::string linkify(std::string_view text);

// Whether s is well-formed UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool utf8_valid(std::string_view s);
// The code point of the UTF-8 sequence at s[i] (i < s.size()), advancing i past it; -1, with i
// unchanged, when the sequence is malformed in any of the ways utf8_valid refuses.
long decode_utf8(std::string_view s, std::size_t& i);
// Appends a code point (at most U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, std::uint32_t cp);

}  // namespace tornado::escape
