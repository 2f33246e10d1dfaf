// demos/httpbin.h: what the parts of the httpbin demo share: the text rules of the Python
// stack httpbin runs on, and the handler base that answers as Flask and Werkzeug do.
//
// Role:     httpbin (python3-httpbin 0.7, Flask on Werkzeug 2.2) sees a request through
//           Werkzeug: header names re-cased from the WSGI environ, query and form values
//           decoded as UTF-8 with U+FFFD for bad bytes, URLs rebuilt as IRIs, cookies parsed by
//           its own grammar. Its answers are Flask's: sorted compact JSON with a newline,
//           Werkzeug's HTML error pages, CORS headers on every answer, an automatic OPTIONS.
//           Handler rebuilds that view from the raw request (the web layer gives the bytes
//           as sent) so that the demo answers byte for byte as httpbin does;
//           tests/demos/httpbin_sweep.py checks it against the real one.
// Parts:    httpbin_text.cc (the Python and Werkzeug text rules), httpbin_header.cc
//           (Werkzeug's header parameter and cookie grammars), httpbin_request.cc (the
//           handler base: the request as httpbin sees it, errors, OPTIONS), httpbin.cc (the
//           echo endpoints and main), httpbin_redirect.cc (redirects, cookies, Basic
//           authentication), httpbin_response.cc (the other endpoints that shape answers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tornado/http/json.h"
#include "tornado/web/web.h"

namespace httpbin {

using tornado::json::Value;

// --- Python and Werkzeug text rules (httpbin_text.cc) --------------------------------------------

// Python's bytes.decode("utf-8", "replace"): each maximal ill-formed subsequence becomes one
// U+FFFD. With `requote`, its bytes become "%XX" instead (Werkzeug's uri_to_iri).
std::string decode_utf8(std::string_view bytes, bool requote = false);
// Werkzeug's WSGI "encoding dance": the latin-1 characters Python's http.server read, as UTF-8.
std::string latin1_to_utf8(std::string_view bytes);
// Werkzeug's _unquote_to_bytes: "%XX" becomes the byte, unless that byte is in `keep`.
std::string unquote_bytes(std::string_view s, std::string_view keep = {});
// Werkzeug's url_quote: UTF-8 bytes outside the always-safe set and `safe` become "%XX".
std::string url_quote(std::string_view s, std::string_view safe);
// Werkzeug's uri_to_iri for a path or a query: escapes of non-ASCII UTF-8 and of unreserved
// characters are decoded; reserved characters and bad bytes stay escaped.
std::string uri_to_iri_part(std::string_view s);
// Werkzeug's iri_to_uri: Response applies it to Location (with safe_conversion: ASCII with no
// whitespace stays as it is) and to Content-Location.
std::string iri_to_uri(std::string_view iri, bool safe_conversion);

// Name and values in arrival order, repeated names kept (Werkzeug's MultiDict).
using MultiDict = std::vector<std::pair<std::string, std::string>>;
// Werkzeug's url_decode: pairs split on "&", "+" as space, %-escapes, UTF-8 with U+FFFD.
MultiDict url_decode(std::string_view bytes);
// The first value of each name, in first-appearance order (dict(multidict.items())).
MultiDict first_values(const MultiDict& d);
// The first value of the name given in any case (httpbin's CaseInsensitiveDict over
// request.args.items()).
std::optional<std::string> arg_nocase(const MultiDict& args, std::string_view name);
// httpbin's semiflatten: name -> value, or name -> [values] when repeated.
Value semiflatten(const MultiDict& d);
// httpbin's json_safe: UTF-8 text as is, anything else as a base64 data: URL.
std::string json_safe(std::string_view bytes,
                      std::string_view content_type = "application/octet-stream");

// Python's int(text) and float(text) (whitespace, a sign, "_" between digits; float also
// "inf", "nan", exponents). nullopt where Python raises ValueError.
struct PyInt {
  bool negative = false;
  std::string digits;  // decimal, no leading zeros ("0" for zero)
  // The value, clamped to +-2^53 (beyond that every use here only needs "huge").
  std::int64_t clamped() const;
  // abs() as 32-bit words, least significant first (what random.seed() feeds MT19937).
  std::vector<std::uint32_t> words() const;
};
std::optional<PyInt> py_int(std::string_view text);
std::optional<double> py_float(std::string_view text);
// base64.b64decode without validation: characters outside the alphabet are skipped, padding
// ends the data; nullopt for a bad length ("Incorrect padding").
std::optional<std::string> py_b64decode(std::string_view text);
// Python's str.title() over ASCII.
std::string py_title(std::string_view s);

// Werkzeug's parse_options_header: the value ("multipart/form-data", as sent) and its
// parameters (names lower-cased, values unquoted; nullopt for a name with no "=value").
using Options = std::vector<std::pair<std::string, std::optional<std::string>>>;
std::pair<std::string, Options> parse_options_header(std::string_view value);
// The parameter `name` of parsed options (nullopt when absent or valueless).
std::optional<std::string> option(const Options& options, std::string_view name);
// Werkzeug's cookie grammar: name, value pairs of a Cookie header, quotes and escapes removed.
MultiDict parse_cookie(std::string_view header);
// Werkzeug's dump_cookie value quoting (octal escapes, quotes when needed).
std::string cookie_quote(std::string_view value);

// An exception httpbin lets escape (ValueError, AssertionError...): Flask answers 500.
[[noreturn]] void crash(const std::string& why);

// --- the handler base (httpbin_request.cc) -------------------------------------------------------

// Every handler of the demo. Subclasses say which methods their route has (methods()); the
// base answers OPTIONS, TRACE (through trace()) and errors as Flask does.
class Handler : public tornado::web::RequestHandler {
 public:
  void set_default_headers() override;
  // httpbin sets no ETag (Tornado would, on every 200 GET).
  std::optional<std::string> compute_etag() const override { return std::nullopt; }
  void write_error(int status_code, std::exception_ptr error) override;
  // Path groups with bad UTF-8 get U+FFFD, as Werkzeug decodes them (Tornado refuses: 400).
  std::string decode_argument(std::string_view value, std::string_view name) const override;
  bool supports_method(std::string_view method) const override;
  // Flask's automatic OPTIONS: 200, Allow, no body.
  template <class... S>
  void options(const S&...) {
    set_header("Allow", allow());
    (void)finish();
  }
  // TRACE is not among Tornado's methods: a route that has it answers here.
  void prepare();

 protected:
  // The methods the route was declared with (Flask adds HEAD for GET, and OPTIONS).
  virtual std::vector<std::string_view> methods() const { return {"GET"}; }
  virtual void trace() {}
  std::string allow() const;

  // The request as Werkzeug presents it.
  const MultiDict& args();                                   // request.args
  const MultiDict& environ_headers();                        // request.headers, in environ order
  std::optional<std::string> header(std::string_view name);  // request.headers.get
  std::string path();                                        // request.path, decoded
  std::string url();                                         // httpbin's get_url(request)
  std::string host_url();   // scheme://host, for url_for(_external=True)
  std::string mimetype();   // request.mimetype
  const MultiDict& form();  // request.form
  const std::vector<std::pair<std::string, std::string>>& files();  // name, json_safe value
  std::string data();                                               // request.data
  // httpbin's get_dict(*keys): the fields in the order asked.
  Value get_dict(std::initializer_list<std::string_view> keys);

  // Flask's jsonify: sorted keys, compact, ASCII, a final newline.
  void jsonify(const Value& v);

 private:
  void parse_form();
  std::optional<MultiDict> args_, headers_, form_;
  std::vector<std::pair<std::string, std::string>> files_;
  std::size_t nameless_fields_ = 0;  // multipart parts with no name (Werkzeug's None key)
  bool nameless_file_ = false;
};

// The rules of each part.
std::vector<tornado::web::Rule> response_rules();
std::vector<tornado::web::Rule> redirect_rules();

}  // namespace httpbin
