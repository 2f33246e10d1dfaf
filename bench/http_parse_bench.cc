// bench/http_parse_bench.cc: the request-head parser on real request heads, and the same heads
// through Debian's libhttp-parser (Node's old parser) when it is installed.
//
//   make build/bench/http_parse_bench && build/bench/http_parse_bench
//
// Ours does what the server does with a head: find its end, parse the start line and every
// header into HTTPHeaders (names normalized, values copied, each line checked strictly), and
// decide the framing. libhttp-parser is given callbacks that copy each header name and value
// into strings, so both produce owned fields; with no callbacks it would only validate.
// Figures: bytes/s (MB/s of head) and items/s (requests/s).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "tornado/http/http1connection.h"

#if defined(HAVE_HTTP_PARSER)
#include <http_parser.h>
#endif

namespace {

// Heads as browsers, curl, wrk and a proxy send them.
const std::vector<std::string>& heads() {
  static const std::vector<std::string> h = {
      "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
      "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/7.88.1\r\n"
      "Accept: */*\r\n\r\n",
      "GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n"
      "Host: www.kittyhell.com\r\n"
      "User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) "
      "Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n"
      "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
      "Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n"
      "Accept-Encoding: gzip,deflate\r\n"
      "Accept-Charset: Shift_JIS,utf-8;q=0.7,*;q=0.7\r\n"
      "Keep-Alive: 115\r\n"
      "Connection: keep-alive\r\n"
      "Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx; "
      "__utma=xxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.x; "
      "__utmz=xxxxxxxxx.xxxxxxxxxx.x.x.utmccn=(referral)|utmcsr=reader.livedoor.com|"
      "utmcct=/reader/|utmcmd=referral\r\n\r\n",
      "POST /api/v1/items?draft=1 HTTP/1.1\r\nHost: api.example.com\r\n"
      "Content-Type: application/json\r\nContent-Length: 27\r\n"
      "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\r\n"
      "X-Forwarded-For: 203.0.113.7, 10.0.0.1\r\nX-Forwarded-Proto: https\r\n\r\n",
  };
  return h;
}

std::size_t total_bytes() {
  std::size_t n = 0;
  for (const auto& h : heads()) n += h.size();
  return n;
}

void BM_parse_request_head(benchmark::State& state) {
  using namespace tornado;
  for (auto _ : state) {
    for (const std::string& h : heads()) {
      const std::size_t end = http1connection::find_head_end(h);
      RequestStartLine line;
      HTTPHeaders headers;
      http1connection::parse_request_head(std::string_view(h).substr(0, end), line, headers);
      benchmark::DoNotOptimize(http1connection::request_framing(line, headers, 1 << 20));
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * heads().size()));
}
BENCHMARK(BM_parse_request_head);

#if defined(HAVE_HTTP_PARSER)
struct Collected {
  std::string url;
  std::vector<std::pair<std::string, std::string>> fields;
};

int on_url(http_parser* p, const char* at, std::size_t n) {
  static_cast<Collected*>(p->data)->url.append(at, n);
  return 0;
}
int on_field(http_parser* p, const char* at, std::size_t n) {
  auto* c = static_cast<Collected*>(p->data);
  c->fields.emplace_back(std::string(at, n), std::string());
  return 0;
}
int on_value(http_parser* p, const char* at, std::size_t n) {
  static_cast<Collected*>(p->data)->fields.back().second.append(at, n);
  return 0;
}

void BM_libhttp_parser(benchmark::State& state) {
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_url = on_url;
  settings.on_header_field = on_field;
  settings.on_header_value = on_value;
  for (auto _ : state) {
    for (const std::string& h : heads()) {
      Collected c;
      c.fields.reserve(8);
      http_parser p;
      http_parser_init(&p, HTTP_REQUEST);
      p.data = &c;
      const std::size_t n = http_parser_execute(&p, &settings, h.data(), h.size());
      if (n != h.size() || HTTP_PARSER_ERRNO(&p) != HPE_OK) state.SkipWithError("parse error");
      benchmark::DoNotOptimize(c);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * heads().size()));
}
BENCHMARK(BM_libhttp_parser);
#endif

}  // namespace

BENCHMARK_MAIN();
