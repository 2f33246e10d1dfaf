// demos/httpbin_request.cc: the handler base of the httpbin demo: the request as httpbin sees
// it through Werkzeug (environ headers, args, form, files, data, URL), httpbin's get_dict, and
// what Flask adds to every answer (CORS headers, automatic OPTIONS, HTML error pages).
#include <algorithm>
#include <cctype>
#include <map>

#include "demos/httpbin.h"
#include "tornado/http/escape.h"

namespace httpbin {

namespace {

using tornado::json::Object;

// Werkzeug's HTTPException pages: title and description by status.
const std::map<int, std::pair<std::string_view, std::string_view>>& error_pages() {
  static const std::map<int, std::pair<std::string_view, std::string_view>> pages = {
      {400,
       {"Bad Request",
        "The browser (or proxy) sent a request that this server could not understand."}},
      {404,
       {"Not Found",
        "The requested URL was not found on the server. If you entered the URL manually "
        "please check your spelling and try again."}},
      {405, {"Method Not Allowed", "The method is not allowed for the requested URL."}},
      {500,
       {"Internal Server Error",
        "The server encountered an internal error and was unable to complete your request. "
        "Either the server is overloaded or there is an error in the application."}},
  };
  return pages;
}

// The request headers httpbin hides unless the query has show_env (they come from its hosting).
bool env_header(std::string_view name) {
  for (std::string_view h :
       {"X-Varnish", "X-Request-Start", "X-Heroku-Queue-Depth", "X-Real-Ip", "X-Forwarded-Proto",
        "X-Forwarded-Protocol", "X-Forwarded-Ssl", "X-Heroku-Queue-Wait-Time", "X-Forwarded-For",
        "X-Heroku-Dynos-In-Use", "X-Forwarded-Port", "X-Request-Id", "Via", "Total-Route-Time",
        "Connect-Time"})
    if (name == h) return true;
  return false;
}

std::string environ_key(std::string_view name) {
  std::string k;
  for (char c : name)
    k += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return k;
}

// The request target as Werkzeug's url_parse splits it: the fragment is dropped, and a target
// starting with "//" has its first segment taken for a host and put back into the path. (An
// absolute-form target comes reduced to its path: the library reads it as RFC 9112 asks.)
struct Target {
  std::string path, query;
};

Target split_target(std::string_view t) {
  Target out;
  std::string netloc;
  if (t.starts_with("//")) {
    const std::size_t end = std::min(t.find_first_of("/?#", 2), t.size());
    netloc = std::string(t.substr(2, end - 2));
    t.remove_prefix(end);
  }
  t = t.substr(0, t.find('#'));
  const std::size_t q = t.find('?');
  out.path = std::string(t.substr(0, q));
  out.query = q == std::string_view::npos ? "" : std::string(t.substr(q + 1));
  if (!netloc.empty()) out.path = "/" + netloc + out.path;
  return out;
}

// A form field's text, in its part's charset (UTF-8 unless said; Werkzeug fails on a charset
// Python does not know, and this knows fewer than Python).
std::string decode_part(std::string_view data, const std::optional<std::string>& content_type) {
  std::string charset = "utf-8";
  if (content_type)
    charset = option(parse_options_header(*content_type).second, "charset").value_or(charset);
  for (char& c : charset) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (charset == "utf-8" || charset == "utf8" || charset == "utf_8" || charset == "u8")
    return decode_utf8(data);
  if (charset == "latin-1" || charset == "latin1" || charset == "iso-8859-1" || charset == "l1")
    return latin1_to_utf8(data);
  if (charset == "ascii" || charset == "us-ascii") {
    std::string out;
    for (char c : data)
      out += static_cast<unsigned char>(c) < 0x80 ? std::string(1, c) : "\xef\xbf\xbd";
    return out;
  }
  crash("a form part in charset " + charset);
}

// Werkzeug's multipart parser (sansio MultipartDecoder over the whole body): any fault
// makes the whole form empty, as Werkzeug's silent FormDataParser does.
// Parts with no name are keyed None; they are stored as "null" (what json.dumps makes of a
// lone None key) and counted, because jsonify cannot sort None among other names.
bool parse_multipart(std::string_view body, std::string_view boundary, MultiDict& fields,
                     std::vector<std::pair<std::string, std::string>>& files,
                     std::size_t& nameless_fields, bool& nameless_file) {
  // A line break is CRLF, LF or CR; a boundary line may have trailing blanks.
  auto line_break_at = [&](std::size_t i) -> std::size_t {
    if (body.substr(i, 2) == "\r\n") return 2;
    if (i < body.size() && (body[i] == '\n' || body[i] == '\r')) return 1;
    return 0;
  };
  const std::string dash = "--" + std::string(boundary);
  // Finds a boundary line at or after `from`: returns {start, end, final}; start is where the
  // line break before it begins (when `need_break`).
  struct Hit {
    std::size_t start, end;
    bool final;
  };
  auto find_boundary = [&](std::size_t from, bool need_break) -> std::optional<Hit> {
    for (std::size_t at = body.find(dash, from); at != std::string_view::npos;
         at = body.find(dash, at + 1)) {
      std::size_t start = at;
      if (at >= 2 && body.substr(at - 2, 2) == "\r\n") {
        start = at - 2;
      } else if (at >= 1 && (body[at - 1] == '\n' || body[at - 1] == '\r')) {
        start = at - 1;
      } else if (need_break) {
        continue;
      }
      std::size_t j = at + dash.size();
      if (body.substr(j, 2) == "--") {
        j += 2;
        while (j < body.size() &&
               (body[j] == ' ' || body[j] == '\t' || body[j] == '\f' || body[j] == '\v'))
          ++j;
        return Hit{start, j + line_break_at(j), true};
      }
      while (j < body.size() &&
             (body[j] == ' ' || body[j] == '\t' || body[j] == '\f' || body[j] == '\v'))
        ++j;
      if (const std::size_t lb = line_break_at(j)) return Hit{start, j + lb, false};
    }
    return std::nullopt;
  };
  std::optional<Hit> hit = find_boundary(0, false);
  if (!hit) return false;
  std::size_t at = hit->end;
  std::vector<std::string> file_names;
  while (!hit->final) {
    // Part headers end at the first blank line (CRLFCRLF, CRCR or LFLF).
    std::size_t blank = std::string_view::npos, blank_len = 0;
    for (std::string_view b : {"\r\n\r\n", "\r\r", "\n\n"}) {
      const std::size_t p = body.find(b, at);
      if (p < blank) {
        blank = p;
        blank_len = b.size();
      }
    }
    if (blank == std::string_view::npos) return false;
    std::string head(body.substr(at, blank - at));
    at = blank + blank_len;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string logical;
    auto flush_line = [&]() -> bool {
      std::string_view l = logical;
      while (!l.empty() && std::isspace(static_cast<unsigned char>(l.front()))) l.remove_prefix(1);
      while (!l.empty() && std::isspace(static_cast<unsigned char>(l.back()))) l.remove_suffix(1);
      if (!l.empty()) {
        if (!tornado::escape::utf8_valid(l)) return false;
        const std::size_t colon = l.find(':');
        if (colon == std::string_view::npos) return false;
        auto trim = [](std::string_view s) {
          while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
            s.remove_prefix(1);
          while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
            s.remove_suffix(1);
          return std::string(s);
        };
        headers.emplace_back(trim(l.substr(0, colon)), trim(l.substr(colon + 1)));
      }
      logical.clear();
      return true;
    };
    for (std::size_t i = 0; i < head.size();) {
      std::size_t lb = head.substr(i, 2) == "\r\n" ? 2 : (head[i] == '\n' || head[i] == '\r');
      if (lb && i + lb < head.size() && (head[i + lb] == ' ' || head[i + lb] == '\t')) {
        logical += ' ';  // a continued header line
        i += lb + 1;
      } else if (lb) {
        if (!flush_line()) return false;
        i += lb;
      } else {
        logical += head[i++];
      }
    }
    if (!flush_line()) return false;
    auto get = [&](std::string_view name) -> std::optional<std::string> {
      for (const auto& [n, v] : headers) {
        if (n.size() != name.size()) continue;
        bool same = true;
        for (std::size_t k = 0; k < n.size(); ++k)
          same = same && std::tolower(static_cast<unsigned char>(n[k])) == name[k];
        if (same) return v;
      }
      return std::nullopt;
    };
    const auto disposition = get("content-disposition");
    if (!disposition) return false;
    const Options params = parse_options_header(*disposition).second;
    const std::optional<std::string> name = option(params, "name");
    const std::optional<std::string> filename = option(params, "filename");
    hit = find_boundary(at, true);
    if (!hit) return false;
    const std::string_view data = body.substr(at, hit->start - at);
    at = hit->end;
    if (filename) {
      bool seen = !name && nameless_file;
      for (const auto& n : file_names) seen = seen || (name && n == *name);
      if (name) file_names.push_back(*name);
      if (!name) nameless_file = true;
      if (!seen)
        files.emplace_back(
            name.value_or("null"),
            json_safe(data, get("content-type").value_or("application/octet-stream")));
    } else {
      fields.emplace_back(name.value_or("null"), decode_part(data, get("content-type")));
      if (!name) ++nameless_fields;
    }
  }
  return true;
}

}  // namespace

// --- what Flask adds -----------------------------------------------------------------------------

void Handler::set_default_headers() {
  set_header("Content-Type", "text/html; charset=utf-8");
  set_header("Access-Control-Allow-Origin", header("Origin").value_or("*"));
  set_header("Access-Control-Allow-Credentials", "true");
  if (request().method == "OPTIONS") {
    // Only used for the preflight request.
    set_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, PATCH, OPTIONS");
    set_header("Access-Control-Max-Age", "3600");
    if (auto h = header("Access-Control-Request-Headers"))
      set_header("Access-Control-Allow-Headers", *h);
  }
}

void Handler::write_error(int status_code, std::exception_ptr) {
  if (status_code == 405) set_header("Allow", allow());
  const auto& pages = error_pages();
  const auto page = pages.find(status_code);
  const std::string title(page != pages.end() ? page->second.first : reason());
  const std::string code = std::to_string(status_code);
  write("<!doctype html>\n<html lang=en>\n<title>" + code + " " + title + "</title>\n<h1>" + title +
        "</h1>\n<p>" + std::string(page != pages.end() ? page->second.second : "") + "</p>\n");
}

std::string Handler::decode_argument(std::string_view value, std::string_view) const {
  return decode_utf8(value);
}

bool Handler::supports_method(std::string_view method) const {
  if (method == "TRACE") {
    for (std::string_view m : methods())
      if (m == "TRACE") return true;
    return false;
  }
  return RequestHandler::supports_method(method);
}

void Handler::prepare() {
  if (request().method != "TRACE") return;
  trace();
  if (!finished()) (void)finish();
}

std::string Handler::allow() const {
  std::string out;
  auto add = [&out](std::string_view m) {
    if (out.find(m) != std::string::npos) return;
    if (!out.empty()) out += ", ";
    out += m;
  };
  for (std::string_view m : methods()) {
    add(m);
    if (m == "GET") add("HEAD");
  }
  add("OPTIONS");
  return out;
}

void Handler::jsonify(const Value& v) {
  tornado::json::EncodeOptions o;
  o.compact = true;
  o.sort_keys = true;
  o.script_safe = false;
  write(tornado::json::encode(v, o) + "\n");
  set_header("Content-Type", "application/json");
}

void crash(const std::string& why) { throw tornado::web::HTTPError(500, why); }

// --- the request as Werkzeug presents it ---------------------------------------------------------

const MultiDict& Handler::environ_headers() {
  if (headers_) return *headers_;
  // http.server's fields become WSGI environ keys: upper case, "-" as "_", repeated ones
  // joined with ","; Content-Type and Content-Length have keys of their own (the last wins).
  MultiDict env;
  for (const auto& f : request().headers.get_all()) {
    const std::string k = environ_key(f.name);
    const bool own = k == "CONTENT_TYPE" || k == "CONTENT_LENGTH";
    const std::string key = own ? k : "HTTP_" + k;
    bool merged = false;
    for (auto& [ek, ev] : env) {
      if (ek != key) continue;
      ev = own ? f.value : ev + "," + f.value;
      merged = true;
    }
    if (!merged) env.emplace_back(key, f.value);
  }
  // An absolute-form target names the host: Werkzeug puts it in HTTP_HOST.
  if (!request().target_scheme.empty()) {
    bool replaced = false;
    for (auto& [k, v] : env)
      if (k == "HTTP_HOST") {
        v = request().host;
        replaced = true;
      }
    if (!replaced) env.emplace_back("HTTP_HOST", request().host);
  }
  // And back: EnvironHeaders names them with str.title(), and skips empty Content-Type/Length.
  headers_.emplace();
  for (const auto& [k, v] : env) {
    if (k.starts_with("HTTP_")) {
      std::string name = k.substr(5);
      for (char& c : name)
        if (c == '_') c = '-';
      headers_->emplace_back(py_title(name), v);
    } else if (!v.empty()) {
      headers_->emplace_back(k == "CONTENT_TYPE" ? "Content-Type" : "Content-Length", v);
    }
  }
  return *headers_;
}

std::optional<std::string> Handler::header(std::string_view name) {
  const std::string want = environ_key(name);
  for (const auto& [n, v] : environ_headers())
    if (environ_key(n) == want) return v;
  if (want == "CONTENT_TYPE" || want == "CONTENT_LENGTH") {
    for (const auto& f : request().headers.get_all())
      if (environ_key(f.name) == want) return "";  // present but empty
  }
  return std::nullopt;
}

const MultiDict& Handler::args() {
  if (!args_) args_ = url_decode(latin1_to_utf8(split_target(request().uri).query));
  return *args_;
}

std::string Handler::path() {
  const std::string raw = split_target(request().uri).path;
  std::string p = decode_utf8(unquote_bytes(latin1_to_utf8(raw)));
  const std::size_t first = p.find_first_not_of('/');
  return "/" + (first == std::string::npos ? "" : p.substr(first));
}

std::string Handler::host_url() {
  // Flask builds external URLs from its URL map, bound to the host in lower case.
  std::string host = latin1_to_utf8(header("Host").value_or(""));
  if (host.ends_with(":80")) host.resize(host.size() - 3);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return "http://" + host;
}

std::string Handler::url() {
  std::string host = latin1_to_utf8(header("Host").value_or(""));
  if (host.ends_with(":80")) host.resize(host.size() - 3);
  const std::string p = path();
  std::string rest = host + uri_to_iri_part("/" + url_quote(std::string_view(p).substr(1), "/:"));
  const std::string qs = latin1_to_utf8(split_target(request().uri).query);
  if (!qs.empty()) rest += "?" + uri_to_iri_part(url_quote(qs, ":&%=+$!*'(),"));
  // Behind a proxy, httpbin takes the scheme from X-Forwarded-Proto and friends.
  std::optional<std::string> proto = header("X-Forwarded-Proto");
  if (!proto || proto->empty()) proto = header("X-Forwarded-Protocol");
  if (!proto && header("X-Forwarded-Ssl") == "on") proto = "https";
  if (!proto) return "http://" + rest;
  // It rebuilds the URL with urlparse and urlunparse, which drop the ";" of empty parameters
  // ending the last path segment.
  const std::size_t path_at = rest.find('/');
  const std::size_t query_at = rest.find('?');
  const std::size_t last_slash = rest.rfind('/', query_at);
  const std::size_t semi = rest.find(';', last_slash);
  if (path_at != std::string::npos && semi != std::string::npos &&
      semi + 1 == std::min(query_at, rest.size()))
    rest.erase(semi, 1);
  if (proto->empty()) return "//" + rest;
  return latin1_to_utf8(*proto) + "://" + rest;
}

std::string Handler::mimetype() {
  std::string m = parse_options_header(header("Content-Type").value_or("")).first;
  for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return m;
}

void Handler::parse_form() {
  if (form_) return;
  form_.emplace();
  const std::string m = mimetype();
  if (m == "application/x-www-form-urlencoded" || m == "application/x-url-encoded") {
    *form_ = url_decode(request().body);
  } else if (m == "multipart/form-data") {
    const std::string boundary =
        option(parse_options_header(*header("Content-Type")).second, "boundary").value_or("");
    bool ascii = true;
    for (char c : boundary) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (boundary.empty() || !ascii ||
        !parse_multipart(request().body, boundary, *form_, files_, nameless_fields_,
                         nameless_file_)) {
      form_->clear();
      files_.clear();
      nameless_fields_ = 0;
      nameless_file_ = false;
    }
  }
}

const MultiDict& Handler::form() {
  parse_form();
  return *form_;
}

const std::vector<std::pair<std::string, std::string>>& Handler::files() {
  parse_form();
  return files_;
}

std::string Handler::data() {
  // The form parsers consume the body; request.data is what is left.
  const std::string m = mimetype();
  if (m == "application/x-www-form-urlencoded" || m == "application/x-url-encoded" ||
      m == "multipart/form-data")
    return {};
  return request().body;
}

Value Handler::get_dict(std::initializer_list<std::string_view> keys) {
  Value out = Object{};
  for (std::string_view key : keys) {
    if (key == "url") {
      out["url"] = url();
    } else if (key == "args") {
      out["args"] = semiflatten(args());
    } else if (key == "form") {
      const MultiDict& f = form();
      std::size_t nulls = 0;
      for (const auto& [k, v] : f) nulls += k == "null";
      if (nameless_fields_ > 0 && (nulls != f.size() || nulls > nameless_fields_))
        crash("jsonify cannot sort a nameless form field among named ones");
      out["form"] = semiflatten(f);
    } else if (key == "data") {
      out["data"] = json_safe(data());
    } else if (key == "origin") {
      out["origin"] = latin1_to_utf8(header("X-Forwarded-For").value_or(request().remote_ip));
    } else if (key == "headers") {
      bool show_env = false;
      for (const auto& [k, v] : args()) show_env = show_env || k == "show_env";
      Value h = Object{};
      for (const auto& [name, value] : environ_headers())
        if (show_env || !env_header(name)) h[name] = latin1_to_utf8(value);
      out["headers"] = std::move(h);
    } else if (key == "files") {
      if (nameless_file_ && files().size() > 1)
        crash("jsonify cannot sort a nameless file among named ones");
      Value f = Object{};
      for (const auto& [name, value] : files()) f[name] = value;
      out["files"] = std::move(f);
    } else if (key == "json") {
      Value parsed;
      try {
        const std::string d = data();
        if (!d.empty()) parsed = tornado::json::decode(d);
      } catch (const tornado::json::DecodeError&) {
      }
      out["json"] = std::move(parsed);
    } else if (key == "method") {
      out["method"] = request().method;
    }
  }
  return out;
}

}  // namespace httpbin
