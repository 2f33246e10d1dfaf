// demos/httpbin_response.cc: the httpbin endpoints that shape the answer rather than echo
// the request: /status, /base64, /bytes, /range, /response-headers and the fixed pages.
// Where httpbin lets a Python exception escape (a bad number, an assertion), the demo answers
// the same 500 (crash()).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "demos/httpbin.h"
#include "tornado/gen/gen.h"
#include "tornado/http/escape.h"
#include "tornado/http/httputil.h"
#include "tornado/stream/iostream.h"

namespace httpbin {
namespace {

using tornado::Future;
using tornado::json::Array;
using tornado::json::Object;
using tornado::web::Rule;
using tornado::web::url;

// Python's random module: MT19937 seeded by init_by_array with abs(seed)'s 32-bit words, so
// that /bytes/n?seed=s gives httpbin's bytes.
class PyRandom {
 public:
  explicit PyRandom(const std::vector<std::uint32_t>& key) {
    init(19650218U);
    std::size_t i = 1, j = 0;
    for (std::size_t k = std::max<std::size_t>(kN, key.size()); k; --k) {
      mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] +
               static_cast<std::uint32_t>(j);
      if (++i >= kN) {
        mt_[0] = mt_[kN - 1];
        i = 1;
      }
      if (++j >= key.size()) j = 0;
    }
    for (std::size_t k = kN - 1; k; --k) {
      mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) -
               static_cast<std::uint32_t>(i);
      if (++i >= kN) {
        mt_[0] = mt_[kN - 1];
        i = 1;
      }
    }
    mt_[0] = 0x80000000U;
  }
  // random.randint(0, 255): getrandbits(9) until below 256.
  unsigned char byte() {
    for (;;) {
      const std::uint32_t r = next() >> 23;
      if (r < 256) return static_cast<unsigned char>(r);
    }
  }

 private:
  static constexpr std::size_t kN = 624;
  void init(std::uint32_t s) {
    mt_[0] = s;
    for (std::size_t i = 1; i < kN; ++i)
      mt_[i] = 1812433253U * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
    index_ = kN;
  }
  std::uint32_t next() {
    if (index_ >= kN) {
      for (std::size_t k = 0; k < kN; ++k) {
        const std::uint32_t y = (mt_[k] & 0x80000000U) | (mt_[(k + 1) % kN] & 0x7fffffffU);
        mt_[k] = mt_[(k + 397) % kN] ^ (y >> 1) ^ ((y & 1U) ? 0x9908b0dfU : 0U);
      }
      index_ = 0;
    }
    std::uint32_t y = mt_[index_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    return y ^ (y >> 18);
  }
  std::uint32_t mt_[kN];
  std::size_t index_ = kN;
};

// --- /status -------------------------------------------------------------------------------------

struct StatusHandler : Handler {
  std::vector<std::string_view> methods() const override {
    return {"GET", "POST", "PUT", "DELETE", "PATCH", "TRACE"};
  }
  void trace() override { any(path_args().at(0)); }
  void invalid() {
    set_status(400);
    set_header("Content-Type", "text/plain; charset=utf-8");
    write("Invalid status code");
  }
  void any(const std::string& codes) {
    if (codes.find(',') == std::string::npos) {
      const auto code = py_int(codes);
      if (!code) return invalid();
      return answer(code->clamped());
    }
    // "a,b:w,...": a weighted random pick.
    std::vector<std::pair<std::int64_t, double>> choices;
    for (std::size_t at = 0; at <= codes.size();) {
      const std::size_t comma = std::min(codes.find(',', at), codes.size());
      const std::string choice = codes.substr(at, comma - at);
      at = comma + 1;
      std::string code = choice, weight = "1";
      if (const std::size_t colon = choice.find(':'); colon != std::string::npos) {
        if (choice.find(':', colon + 1) != std::string::npos) crash("too many ':' in " + choice);
        code = choice.substr(0, colon);
        weight = choice.substr(colon + 1);
      }
      const auto c = py_int(code);
      const auto w = py_float(weight);
      if (!c || !w) return invalid();
      choices.emplace_back(c->clamped(), *w);
    }
    // random.uniform(0, total), then bisect.bisect (right) over the running sums.
    std::vector<double> cumulative;
    double total = 0;
    for (const auto& [c, w] : choices) cumulative.push_back(total += w);
    std::mt19937_64 rng{std::random_device{}()};
    const double x = total * std::uniform_real_distribution<double>(0, 1)(rng);
    std::size_t lo = 0, hi = cumulative.size();
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (x < cumulative[mid]) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    if (lo >= choices.size()) crash("weighted_choice ran past its choices");
    answer(choices[lo].first);
  }
  // httpbin's status_code(): some codes come with headers (which replace the default
  // Content-Type) and a body.
  void answer(std::int64_t code) {
    // Werkzeug would send a status line with any integer: -1, 0, 1000. The demo keeps to HTTP's
    // three digits, and a 1xx cannot end a response: those get httpbin's invalid-code answer.
    if (code < 200 || code > 999) return invalid();
    set_status(static_cast<int>(code));
    switch (code) {
      case 301:
      case 302:
      case 303:
      case 305:
      case 307:
        clear_header("Content-Type");
        set_header("location", "/redirect/1");
        break;
      case 401:
        clear_header("Content-Type");
        set_header("WWW-Authenticate", "Basic realm=\"Fake Realm\"");
        break;
      case 402:
        clear_header("Content-Type");
        set_header("x-more-info", "http://vimeo.com/22053820");
        write("Payment required.");
        break;
      case 406:
        set_header("Content-Type", "application/json");
        write(
            R"({"message": "Client did not request a supported media type.", )"
            R"("accept": ["image/webp", "image/svg+xml", "image/jpeg", "image/png", "image/*"]})");
        break;
      case 407:
        clear_header("Content-Type");
        set_header("Proxy-Authenticate", "Basic realm=\"Fake Realm\"");
        break;
      case 418:
        clear_header("Content-Type");
        set_header("x-more-info", "http://tools.ietf.org/html/rfc2324");
        write("\n    I'm a teapot: short and stout.\n");
        break;
      default:
        break;
    }
  }
};

// --- /base64, /bytes, /range ---------------------------------------------------------------------

struct Base64Handler : Handler {
  void get(const std::string& value) {
    std::string v = value;
    for (char& c : v) c = c == '-' ? '+' : c == '_' ? '/' : c;  // the URL-safe alphabet
    const auto d = py_b64decode(v);
    if (!d) crash("incorrect base64 padding");
    if (!tornado::escape::utf8_valid(*d)) crash("decoded base64 is not UTF-8");
    write(*d);
  }
};

struct BytesHandler : Handler {
  void get(const std::string& n) {
    const std::int64_t count = std::min<std::int64_t>(py_int(n)->clamped(), 100 * 1024);
    std::string out(static_cast<std::size_t>(count), '\0');
    if (const auto seed = arg_nocase(args(), "seed")) {
      const auto s = py_int(*seed);
      if (!s) crash("seed is not an integer: " + *seed);
      PyRandom rng(s->words());
      for (char& c : out) c = static_cast<char>(rng.byte());
    } else {
      std::mt19937 rng{std::random_device{}()};
      for (char& c : out) c = static_cast<char>(rng() & 0xff);
    }
    set_header("Content-Type", "application/octet-stream");
    write(out);
  }
};

// /range/n: n bytes of the alphabet, with byte ranges as httpbin reads them.

// The bounds of a Range header as httpbin's parse_request_range gives them: `left`-`right`
// inclusive, `right` alone for the last `right` bytes, nothing for everything.
struct RangeBounds {
  std::optional<std::int64_t> left, right;
};

// Where the header is one range Tornado reads, its reading agrees with httpbin's, so Tornado's
// parser (httputil::parse_request_range) decides. What Tornado refuses, httpbin still reads its
// own looser way: the text after "bytes...=" split on "-", each side a Python int or nothing,
// so bytes=0-9,20-29 is everything (the "9,20" is not a number) and bytes=+1-2 is bytes 1-2.
RangeBounds range_bounds(std::string_view header) {
  RangeBounds b;
  if (const auto r = tornado::httputil::parse_request_range(header)) {
    if (r->start && *r->start < 0) {
      b.right = -*r->start;  // "-6": the last six
    } else if (r->start) {
      b.left = *r->start;
      if (r->end) b.right = *r->end - 1;  // Tornado's end is exclusive
    } else {
      b.right = r->end;  // "-0" (nothing at all), or "" (everything)
    }
    return b;
  }
  std::string_view r = header;
  while (!r.empty() && std::isspace(static_cast<unsigned char>(r.front()))) r.remove_prefix(1);
  while (!r.empty() && std::isspace(static_cast<unsigned char>(r.back()))) r.remove_suffix(1);
  const std::size_t eq = r.find('=');
  if (!r.starts_with("bytes") || eq == std::string_view::npos ||
      r.find('=', eq + 1) != std::string_view::npos)
    return b;
  const std::string_view spec = r.substr(eq + 1);
  const std::size_t dash = spec.find('-');
  if (dash != std::string_view::npos) {
    const std::string_view rest = spec.substr(dash + 1);
    if (auto v = py_int(rest.substr(0, rest.find('-')))) b.right = v->clamped();
  }
  if (auto v = py_int(spec.substr(0, dash))) b.left = v->clamped();
  return b;
}

// The first and last byte of `size` the bounds select, or nullopt when they select none
// (416 Range Not Satisfiable).
std::optional<std::pair<std::int64_t, std::int64_t>> byte_span(const RangeBounds& b,
                                                               std::int64_t size) {
  std::int64_t first = 0, last = size - 1;
  if (!b.left && b.right) {
    first = std::max<std::int64_t>(0, size - *b.right);
  } else if (b.left) {
    first = *b.left;
    if (b.right) last = *b.right;
  }
  if (first > last || first < 0 || first >= size || last < 0 || last >= size) return std::nullopt;
  return std::pair{first, last};
}

// ?chunk_size= and ?duration=: how the bytes are paced. Bad values fail as httpbin's int(),
// float() and time.sleep() do, before the first byte is sent.
struct Pacing {
  std::int64_t chunk = 10 * 1024;
  double duration = 0;
};

Pacing range_pacing(const MultiDict& args) {
  Pacing p;
  if (const auto c = arg_nocase(args, "chunk_size")) {
    const auto v = py_int(*c);
    if (!v) crash("chunk_size is not an integer: " + *c);
    p.chunk = std::max<std::int64_t>(1, v->clamped());
  }
  if (const auto d = arg_nocase(args, "duration")) {
    const auto v = py_float(*d);
    if (!v) crash("duration is not a number: " + *d);
    p.duration = *v;
  }
  if (!std::isfinite(p.duration) || p.duration < 0)
    crash("time.sleep() refuses " + std::to_string(p.duration));
  return p;
}

struct RangeHandler : Handler {
  Future<void> get(const std::string& n) {
    const PyInt count = *py_int(n);
    const std::int64_t size = count.clamped();
    set_header("ETag", "range" + count.digits);
    set_header("Accept-Ranges", "bytes");
    if (size <= 0 || size > 100 * 1024) {
      set_status(404);
      set_header("Content-Type", "text/plain; charset=utf-8");
      write("number of bytes must be in the range (0, 102400]");
      co_return;
    }
    const Pacing pacing = range_pacing(args());
    const auto span = byte_span(range_bounds(header("Range").value_or("")), size);
    if (!span) {
      set_status(416);
      set_header("Content-Range", "bytes */" + std::to_string(size));
      set_header("Content-Length", "0");
      set_header("Content-Type", "text/plain; charset=utf-8");
      co_return;
    }
    const auto [first, last] = *span;
    set_status(first == 0 && last == size - 1 ? 200 : 206);
    set_header("Content-Type", "application/octet-stream");
    set_header("Content-Length", std::to_string(last + 1 - first));
    set_header("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) +
                                    "/" + std::to_string(size));
    try {
      co_await send_alphabet(first, last, pacing, size);
    } catch (const tornado::StreamClosedError&) {
      // The client left mid-range: stop pacing bytes to nobody.
    }
  }

  // Bytes first..last of the alphabet in chunk_size pieces, spread over `duration` for the
  // whole `size` as httpbin paces them.
  Future<void> send_alphabet(std::int64_t first, std::int64_t last, Pacing pacing,
                             std::int64_t size) {
    const double pause_per_byte = pacing.duration / static_cast<double>(size);
    std::string piece;
    for (std::int64_t i = first; i <= last; ++i) {
      piece += static_cast<char>('a' + i % 26);
      if (static_cast<std::int64_t>(piece.size()) == pacing.chunk || i == last) {
        write(piece);
        co_await flush();
        if (pause_per_byte > 0)
          co_await tornado::gen::sleep(
              std::chrono::duration<double>(pause_per_byte * static_cast<double>(piece.size())));
        piece.clear();
      }
    }
  }
};

// UTF-8 text as Latin-1 bytes, or nullopt past U+00FF.
std::optional<std::string> to_latin1(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const long cp = tornado::escape::decode_utf8(s, i);
    if (cp < 0 || cp > 0xff) return std::nullopt;
    out += static_cast<char>(cp);
  }
  return out;
}

// --- /response-headers ---------------------------------------------------------------------------

// The query becomes response headers, and the body lists the response's headers, its own
// Content-Length included: httpbin re-renders until that length stops changing.
struct ResponseHeaders : Handler {
  std::vector<std::string_view> methods() const override { return {"GET", "POST"}; }
  static bool is(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(a[i])) !=
          std::tolower(static_cast<unsigned char>(b[i])))
        return false;
    return true;
  }
  static std::string render(const Value& v) {
    tornado::json::EncodeOptions o;
    o.compact = true;
    o.sort_keys = true;
    o.script_safe = false;
    return tornado::json::encode(v, o) + "\n";
  }
  // GET and POST only: not any(), which would take the other methods too.
  void respond() {
    // Werkzeug's MultiDict hands out a key's values together, keys in the order they first
    // came ("URL=a&url=b&URL=c" gives URL: a, URL: c, url: b).
    MultiDict q;
    Array lists;
    for (const auto& [k, v] : first_values(args())) {
      Array values;
      for (const auto& [k2, v2] : args()) {
        if (k2 != k) continue;
        values.emplace_back(v2);
        q.emplace_back(k2, v2);
      }
      lists.push_back(Array{k, std::move(values)});
    }
    std::string body = render(lists);
    MultiDict headers{{"Content-Type", "application/json"},
                      {"Content-Length", std::to_string(body.size())}};
    for (;;) {
      Value d = Object{};
      for (const auto& [name, unused] : headers) {
        Array all;
        for (const auto& [n2, v2] : headers)
          if (is(n2, name)) all.emplace_back(v2);
        d[name] = all.size() == 1 ? std::move(all.front()) : Value(std::move(all));
      }
      std::string next = render(d);
      const bool same = next == body;
      body = std::move(next);
      if (same) break;
      headers = {{"Content-Type", "application/json"},
                 {"Content-Length", std::to_string(body.size())}};
      headers.insert(headers.end(), q.begin(), q.end());
    }
    write(body);
    set_header("Content-Type", "application/json");
    MultiDict out;
    for (const auto& [k, v] : q) {
      // Flask's after_request sets the CORS headers over whatever the query said; framing and
      // connection headers from a query would break the response (the demo does not send them).
      if (is(k, "Access-Control-Allow-Origin") || is(k, "Access-Control-Allow-Credentials") ||
          is(k, "Content-Length") || is(k, "Transfer-Encoding") || is(k, "Connection"))
        continue;
      out.emplace_back(k, v);
    }
    // Werkzeug's Response makes URIs of Location (the last one; when that changes it, it
    // replaces them all) and of Content-Location (every one becomes the last, made a URI).
    for (std::string_view name : {"Location", "Content-Location"}) {
      std::size_t first = out.size(), last = out.size();
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (!is(out[i].first, name)) continue;
        if (first == out.size()) first = i;
        last = i;
      }
      if (last == out.size()) continue;
      const std::string uri = iri_to_uri(out[last].second, name == "Location");
      if (name == "Location" && uri == out[last].second) continue;
      MultiDict kept;
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (!is(out[i].first, name)) {
          kept.push_back(out[i]);
        } else if (i == first) {
          kept.emplace_back(std::string(name), uri);
        }
      }
      out = std::move(kept);
    }
    // http.server writes header lines in Latin-1.
    for (const auto& [k, v] : out) {
      const auto name = to_latin1(k), value = to_latin1(v);
      if (!name || !value) crash("a header beyond Latin-1: " + k);
      add_header(*name, *value);
    }
  }
  void get() { respond(); }
  void post() { respond(); }
};

// --- fixed pages ---------------------------------------------------------------------------------

struct RobotsHandler : Handler {
  void get() {
    set_header("Content-Type", "text/plain");
    write("User-agent: *\nDisallow: /deny\n");
  }
};

struct HtmlHandler : Handler {
  void get() {
    write(
        "<!DOCTYPE html>\n<html>\n  <head></head>\n  <body>\n"
        "    <h1>A page to test HTML clients with</h1>\n"
        "    <p>This page is served by the httpbin demo of tornado-cpp.</p>\n"
        "  </body>\n</html>");
  }
};

struct JsonHandler : Handler {
  void get() {
    jsonify(Object{
        {"slideshow",
         Object{{"author", "Yours Truly"},
                {"date", "date of publication"},
                {"slides", Array{Object{{"title", "Wake up to WonderWidgets!"}, {"type", "all"}},
                                 Object{{"items", Array{"Why <em>WonderWidgets</em> are great",
                                                        "Who <em>buys</em> WonderWidgets"}},
                                        {"title", "Overview"},
                                        {"type", "all"}}}},
                {"title", "Sample Slide Show"}}}});
  }
};

struct UuidHandler : Handler {
  void get() {
    std::random_device rd;
    unsigned char b[16];
    for (auto& c : b) c = static_cast<unsigned char>(rd());
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    char s[40];
    std::snprintf(s, sizeof s,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    jsonify(Object{{"uuid", s}});
  }
};

}  // namespace

std::vector<Rule> response_rules() {
  return {
      url<StatusHandler>("/status/([^/]+)"),
      url<Base64Handler>("/base64/([^/]+)"),
      url<BytesHandler>(R"(/bytes/(\d+))"),
      url<RangeHandler>(R"(/range/(\d+))"),
      url<ResponseHeaders>("/response-headers"),
      url<RobotsHandler>("/robots.txt"),
      url<HtmlHandler>("/html"),
      url<JsonHandler>("/json"),
      url<UuidHandler>("/uuid"),
  };
}

}  // namespace httpbin
