// tests/http/http1connection_test.cc: the HTTP/1 parsers, as tables.
// Mirrors:  the parsing halves of tornado/test/httpserver_test.py and
//           http1connection_test.py: each row is a request head or a chunked body, with the
//           outcome expected. Every input is also fed in every split (each prefix, then the
//           rest) and placed to end at a guard page, so incremental parsing must say
//           "incomplete" rather than fail, and an overread faults even without a sanitizer.
#include "tornado/http/http1connection.h"

#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <string_view>

using namespace tornado;
using namespace tornado::http1connection;

namespace {

// A copy of `s` whose last byte is the last byte before an inaccessible page.
class Guarded {
 public:
  explicit Guarded(std::string_view s) {
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    pages_ = (s.size() + page - 1) / page + 1;
    size_ = pages_ * page;
    void* m = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(m != MAP_FAILED);
    base_ = static_cast<char*>(m);
    REQUIRE(::mprotect(base_ + size_ - page, page, PROT_NONE) == 0);
    char* start = base_ + size_ - page - s.size();
    if (!s.empty()) std::memcpy(start, s.data(), s.size());
    view_ = std::string_view(start, s.size());
  }
  ~Guarded() { ::munmap(base_, size_); }
  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;
  std::string_view view() const { return view_; }

 private:
  std::size_t pages_ = 0;
  std::size_t size_ = 0;
  char* base_ = nullptr;
  std::string_view view_;
};

struct HeadRow {
  const char* name;
  std::string input;
  int code;  // 0: accepted; else the status the server answers
  std::uint64_t content_length = 0;
  bool chunked = false;
};

// Runs a whole head through what the connection does: skip blank lines, find the end, parse,
// decide the framing. Returns 0 or the HTTPInputError's code.
int run_head(std::string_view data, HeadRow& out, std::uint64_t max_body = 1000) {
  const std::size_t blank = leading_blank_lines(data);
  data.remove_prefix(blank);
  const std::size_t end = find_head_end(data);
  if (end == std::string_view::npos) return -1;  // incomplete
  try {
    RequestStartLine line;
    HTTPHeaders headers;
    parse_request_head(data.substr(0, end), line, headers);
    const Framing f = request_framing(line, headers, max_body);
    out.content_length = f.content_length;
    out.chunked = f.chunked;
    return 0;
  } catch (const HTTPInputError& e) {
    return e.code();
  }
}

std::string head(std::string_view request_line, std::string_view fields) {
  return std::string(request_line) + "\r\n" + std::string(fields) + "\r\n";
}

}  // namespace

TEST_CASE("http1connection: a byte not allowed in Host is refused at every place") {
  // Hosts of every length up to 13 (whole groups of four looked up at once, and the rest one
  // at a time), each with a refused byte at each place.
  for (std::size_t len = 1; len <= 13; ++len) {
    std::string value(len, 'a');
    HeadRow out{};
    CAPTURE(len);
    CHECK(run_head(head("GET / HTTP/1.1", "Host: " + value + "\r\n"), out) == 0);
    for (std::size_t at = 0; at < len; ++at) {
      for (const char bad : {'/', '@', '"', '\x80', ',', '{'}) {
        std::string host = value;
        host[at] = bad;
        CAPTURE(at);
        CAPTURE(host);
        CHECK(run_head(head("GET / HTTP/1.1", "Host: " + host + "\r\n"), out) == 400);
      }
    }
  }
  HeadRow out{};
  CHECK(run_head(head("GET / HTTP/1.1", "Host: [::1]:8080\r\n"), out) == 0);
  CHECK(run_head(head("GET / HTTP/1.1", "Host: A-z.0_9~!$&'()*+;=%:\r\n"), out) == 0);
}

TEST_CASE("http1connection: request heads, every row in every split") {
  const std::string host = "Host: example.com\r\n";
  HeadRow rows[] = {
      {"plain GET", head("GET / HTTP/1.1", host), 0},
      {"HTTP/1.0 needs no Host", head("GET / HTTP/1.0", ""), 0},
      {"bare LF line ends (test_newlines)", "GET / HTTP/1.1\nHost: a\n\n", 0},
      {"a leading CRLF is ignored", "\r\n" + head("GET / HTTP/1.1", host), 0},
      {"Content-Length", head("POST / HTTP/1.1", host + "Content-Length: 10\r\n"), 0, 10},
      {"equal Content-Length list", head("POST / HTTP/1.1", host + "Content-Length: 7, 7\r\n"), 0,
       7},
      {"chunked", head("POST / HTTP/1.1", host + "Transfer-Encoding: chunked\r\n"), 0, 0, true},
      {"Chunked, any case", head("POST / HTTP/1.1", host + "Transfer-Encoding: Chunked\r\n"), 0, 0,
       true},
      {"obs-text in a value", head("GET / HTTP/1.1", host + "X-A: caf\xc3\xa9\r\n"), 0},
      {"tab in a value", head("GET / HTTP/1.1", host + "X-A: a\tb\r\n"), 0},
      {"HTTP/1.2 is a 1.x", head("GET / HTTP/1.2", host), 0},
      {"absolute-form target", head("GET http://example.com:80/a?b HTTP/1.1", host), 0},
      {"absolute-form, IPv6 literal", head("GET HTTPS://[::1]:8443/a HTTP/1.1", host), 0},
      {"OPTIONS *", head("OPTIONS * HTTP/1.1", host), 0},
      {"CONNECT host:port", head("CONNECT example.com:443 HTTP/1.1", host), 0},
      {"target without a slash", head("GET a/b HTTP/1.1", host), 400},
      {"* for GET", head("GET * HTTP/1.1", host), 400},
      {"host:port for GET", head("GET example.com:443 HTTP/1.1", host), 400},
      {"CONNECT to a path", head("CONNECT /a HTTP/1.1", host), 400},
      {"absolute-form, another scheme", head("GET ftp://example.com/a HTTP/1.1", host), 400},
      {"absolute-form with userinfo", head("GET http://u@example.com/ HTTP/1.1", host), 400},
      {"malformed request line (test_malformed_first_line)", head("asdf", ""), 400},
      {"double space in the request line", head("GET  / HTTP/1.1", host), 400},
      {"lower-case version", head("GET / http/1.1", host), 400},
      {"HTTP/2.0", head("GET / HTTP/2.0", host), 400},
      {"method not a token (FOO,BAR)", head("FOO,BAR / HTTP/1.1", host), 400},
      {"control byte in the target", head("GET /\x01 HTTP/1.1", host), 400},
      {"NUL in the target", head(std::string("GET /\0 HTTP/1.1", 15), host), 400},
      {"no colon (test_malformed_headers)", head("GET / HTTP/1.0", "asdf\r\n"), 400},
      {"whitespace before the colon", head("GET / HTTP/1.1", host + "X-Foo : b\r\n"), 400},
      {"NUL in a value", head("GET / HTTP/1.1", host + std::string("X-A: a\0b\r\n", 10)), 400},
      {"bare CR in a value", head("GET / HTTP/1.1", host + "X-A: a\rb\r\n"), 400},
      {"obs-fold", head("GET / HTTP/1.1", host + "X-A: a\r\n b\r\n"), 400},
      {"empty header name", head("GET / HTTP/1.1", host + ": b\r\n"), 400},
      {"header name not a token", head("GET / HTTP/1.1", host + "X(A): b\r\n"), 400},
      {"HTTP/1.1 without Host", head("GET / HTTP/1.1", ""), 400},
      {"two Host headers", head("GET / HTTP/1.1", host + host), 400},
      {"whitespace in Host (test_invalid_host_header_with_whitespace)",
       head("GET / HTTP/1.1", "Host: foo bar\r\n"), 400},
      {"slash in Host", head("GET / HTTP/1.1", "Host: a/b\r\n"), 400},
      {"Content-Length and Transfer-Encoding",
       head("POST / HTTP/1.1", host + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n"), 400},
      {"two Transfer-Encoding: chunked",
       head("POST / HTTP/1.1",
            host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
       400},
      {"gzip, chunked", head("POST / HTTP/1.1", host + "Transfer-Encoding: gzip, chunked\r\n"),
       400},
      {"identity", head("POST / HTTP/1.1", host + "Transfer-Encoding: identity\r\n"), 400},
      {"Transfer-Encoding in HTTP/1.0", head("POST / HTTP/1.0", "Transfer-Encoding: chunked\r\n"),
       400},
      {"Content-Length foo", head("POST / HTTP/1.1", host + "Content-Length: foo\r\n"), 400},
      {"Content-Length +10", head("POST / HTTP/1.1", host + "Content-Length: +10\r\n"), 400},
      {"Content-Length 1_0", head("POST / HTTP/1.1", host + "Content-Length: 1_0\r\n"), 400},
      {"Content-Length -1", head("POST / HTTP/1.1", host + "Content-Length: -1\r\n"), 400},
      {"Content-Length 1 0", head("POST / HTTP/1.1", host + "Content-Length: 1 0\r\n"), 400},
      {"unequal Content-Length list", head("POST / HTTP/1.1", host + "Content-Length: 1, 2\r\n"),
       400},
      {"two unequal Content-Length headers",
       head("POST / HTTP/1.1", host + "Content-Length: 1\r\nContent-Length: 2\r\n"), 400},
      {"Content-Length past 64 bits",
       head("POST / HTTP/1.1", host + "Content-Length: 99999999999999999999999\r\n"), 400},
      {"Content-Length over max_body_size",
       head("POST / HTTP/1.1", host + "Content-Length: 1001\r\n"), 413},
  };
  for (HeadRow& row : rows) {
    CAPTURE(row.name);
    const Guarded whole(row.input);
    HeadRow got{};
    const int code = run_head(whole.view(), got);
    CHECK(code == row.code);
    if (code == 0) {
      CHECK(got.content_length == row.content_length);
      CHECK(got.chunked == row.chunked);
    }
    // Every prefix shorter than the head is incomplete, never an error; and the end found
    // by rescanning from two bytes before a split is the end a full scan finds.
    std::string_view data = whole.view();
    data.remove_prefix(leading_blank_lines(data));
    const std::size_t end = find_head_end(data);
    REQUIRE(end != std::string_view::npos);
    for (std::size_t k = 0; k < data.size(); ++k) {
      CAPTURE(k);
      const Guarded prefix(data.substr(0, k));
      const std::size_t early = find_head_end(prefix.view());
      if (k < end) {
        CHECK(early == std::string_view::npos);
        CHECK(find_head_end(data, k >= 2 ? k - 2 : 0) == end);
      }
    }
  }
}

TEST_CASE("http1connection: find_head_end") {
  struct Row {
    std::string data;
    std::size_t end;
  };
  const std::size_t npos = std::string_view::npos;
  const Row rows[] = {
      {"", npos},
      {"GET / HTTP/1.0\r\n", npos},
      {"GET / HTTP/1.0\r\n\r", npos},
      {"GET / HTTP/1.0\r\n\r\n", 18},
      {"GET / HTTP/1.0\n\n", 16},
      {"GET / HTTP/1.0\n\r\n", 17},
      {"GET / HTTP/1.0\r\n\r\nGET /2", 18},
      {"a\r\n\rb\r\n\r\n", 9},  // a bare CR is not a blank line
  };
  for (const Row& r : rows) {
    CAPTURE(r.data);
    CHECK(find_head_end(r.data) == r.end);
  }
  CHECK(leading_blank_lines("\r\n\n\r\nGET") == 5);
  CHECK(leading_blank_lines("\rGET") == 0);
}

TEST_CASE("http1connection: parse_int (Tornado's digits-only rule)") {
  struct Row {
    const char* s;
    std::optional<std::uint64_t> v;
  };
  const Row rows[] = {{"0", 0},
                      {"10", 10},
                      {"007", 7},
                      {"", std::nullopt},
                      {"+1", std::nullopt},
                      {"-1", std::nullopt},
                      {"1_0", std::nullopt},
                      {" 1", std::nullopt},
                      {"1 ", std::nullopt},
                      {"0x10", std::nullopt},
                      {"18446744073709551615", std::nullopt},
                      {"1844674407370955161", 1844674407370955161ULL}};
  for (const Row& r : rows) {
    CAPTURE(r.s);
    CHECK(parse_int(r.s) == r.v);
  }
}

namespace {

struct ChunkRow {
  const char* name;
  std::string input;
  bool ok;
  std::string body;      // when ok
  std::size_t rest = 0;  // bytes after the body's end left unconsumed
};

// Decodes `parts` in order; returns false on an HTTPInputError. `left` is what was not consumed.
bool decode(const std::vector<std::string_view>& parts, std::string& body, std::size_t& left,
            std::size_t max_trailer = 1024) {
  ChunkedDecoder d(max_trailer);
  body.clear();
  left = 0;
  try {
    for (std::string_view p : parts) {
      while (!p.empty() && !d.done()) {
        const auto step = d.feed(p);
        REQUIRE(step.consumed > 0);
        REQUIRE(step.consumed <= p.size());
        body.append(step.data);
        p.remove_prefix(step.consumed);
      }
      left += p.size();
    }
  } catch (const HTTPInputError&) {
    return false;
  }
  return d.done();
}

}  // namespace

TEST_CASE("http1connection: chunked bodies, every row in every split") {
  const ChunkRow rows[] = {
      {"one chunk", "4\r\nWiki\r\n0\r\n\r\n", true, "Wiki"},
      {"two chunks", "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n", true, "Wikipedia"},
      {"upper-case hex", "A\r\n0123456789\r\n0\r\n\r\n", true, "0123456789"},
      {"leading zeros", "0004\r\nabcd\r\n000\r\n\r\n", true, "abcd"},
      {"empty body", "0\r\n\r\n", true, ""},
      {"extension ignored (RFC 9112 7.1.1)", "4;x=1\r\nabcd\r\n0;y\r\n\r\n", true, "abcd"},
      {"extension after BWS", "4 ;x=\"q\"\r\nabcd\r\n0\r\n\r\n", true, "abcd"},
      {"trailer ignored (RFC 9112 7.1.2)", "4\r\nabcd\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n", true,
       "abcd"},
      {"bytes after the body are left", "1\r\na\r\n0\r\n\r\nGET", true, "a", 3},
      {"CRLF inside the data", "4\r\n\r\n\r\n\r\n0\r\n\r\n", true, "\r\n\r\n"},
      {"non-hex size (test_chunked_request_body_invalid_size)", "1_a\r\n", false, ""},
      {"empty size", "\r\nabc\r\n", false, ""},
      {"negative size", "-1\r\n", false, ""},
      {"size with 0x", "0x4\r\nabcd\r\n", false, ""},
      {"size too large", "1000000000000000\r\n", false, ""},
      {"size line with bare LF", "4\nabcd\r\n0\r\n\r\n", false, ""},
      {"data not followed by CRLF", "4\r\nabcdX\r\n0\r\n\r\n", false, ""},
      {"data followed by LF only", "4\r\nabcd\n0\r\n\r\n", false, ""},
      {"data longer than its size", "2\r\nabcd\r\n0\r\n\r\n", false, ""},
      {"control byte in an extension", "4;\x01\r\nabcd\r\n0\r\n\r\n", false, ""},
      {"bad trailer", "0\r\nno colon\r\n\r\n", false, ""},
      {"trailer with obs-fold", "0\r\nX: a\r\n b\r\n\r\n", false, ""},
      {"size line too long", "4;" + std::string(5000, 'x') + "\r\n", false, ""},
      {"trailers too large", "0\r\n" + std::string(2000, 'X') + ": a\r\n\r\n", false, ""},
  };
  for (const ChunkRow& row : rows) {
    CAPTURE(row.name);
    const Guarded whole(row.input);
    std::string body;
    std::size_t left = 0;
    CHECK(decode({whole.view()}, body, left) == row.ok);
    if (row.ok) {
      CHECK(body == row.body);
      CHECK(left == row.rest);
    }
    for (std::size_t k = 0; k <= row.input.size(); ++k) {
      CAPTURE(k);
      const Guarded a(whole.view().substr(0, k));
      const Guarded b(whole.view().substr(k));
      std::string split_body;
      std::size_t split_left = 0;
      CHECK(decode({a.view(), b.view()}, split_body, split_left) == row.ok);
      if (row.ok) {
        CHECK(split_body == row.body);
        CHECK(split_left == row.rest);
      }
    }
  }
}

TEST_CASE("http1connection: a chunked body fed one byte at a time") {
  const std::string input = "3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX: y\r\n\r\n";
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i)
    bytes.push_back(std::string_view(input).substr(i, 1));
  std::string body;
  std::size_t left = 0;
  CHECK(decode(bytes, body, left));
  CHECK(body == "abc0123456789abcdef");
  CHECK(left == 0);
}

// What a reader checks its body limit against: the sizes are counted when their line ends,
// before any of the chunk's bytes.
TEST_CASE("http1connection: declared_size counts each chunk when its size line ends") {
  ChunkedDecoder d;
  CHECK(d.feed("40000000\r").consumed == 9);
  CHECK(d.declared_size() == 0);
  CHECK(d.feed("\n").consumed == 1);
  CHECK(d.declared_size() == std::uint64_t{1} << 30);  // 1 GiB declared, nothing received
  CHECK(d.body_size() == 0);
  ChunkedDecoder two;
  std::string_view in = "3\r\nabc\r\n5\r\n";
  while (!in.empty()) in.remove_prefix(two.feed(in).consumed);
  CHECK(two.declared_size() == 8);
  CHECK(two.body_size() == 3);
}

// The connection's read buffer: the stream reads into space() and the bytes stay in order
// through each way it makes room (a fresh block, moving the unread bytes to the front,
// doubling), and an emptied buffer holds no block.
TEST_CASE("http1connection: ReadBuffer keeps unread bytes through each way it makes room") {
  constexpr std::size_t kBlock = ReadBuffer::kBlock;
  ReadBuffer b;
  std::string expect;  // what view() must show
  char next = 'a';
  auto fill = [&](std::span<char> s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i, next = next == 'z' ? 'a' : static_cast<char>(next + 1)) {
      s[i] = next;
      expect += next;
    }
    b.commit(n);
  };
  // A head's first read: one block, however much is allowed.
  std::span<char> s = b.space(16 * 1024);
  CHECK(s.size() == kBlock);
  fill(s, 5);
  CHECK(b.view() == expect);
  // The rest of the block, then a full block with bytes consumed: they move to the front.
  s = b.space(16 * 1024);
  CHECK(s.size() == kBlock - 5);
  fill(s, s.size());
  b.consume(3);
  expect.erase(0, 3);
  s = b.space(16 * 1024);
  CHECK(s.size() == 3);
  CHECK(b.view() == expect);
  fill(s, 3);
  // Full of unread bytes (a head longer than a block): it doubles.
  s = b.space(16 * 1024);
  CHECK(s.size() == kBlock);
  fill(s, 10);
  CHECK(b.view() == expect);
  CHECK(b.size() == kBlock + 10);
  // Consumed to the end: empty, and a body read's first block is as large as it asks.
  b.consume(b.size());
  CHECK(b.size() == 0);
  CHECK(b.view().empty());
  s = b.space(100000, true);
  CHECK(s.size() == 100000);
  expect.clear();
  fill(s, 100000);
  CHECK(b.view() == expect);
  // A short read of a small body keeps to one block.
  b.consume(b.size());
  CHECK(b.space(7, true).size() == 7);
}

// What an idle keep-alive connection holds is one allocation: its stream with the
// HTTP1ServerConnection inside, behind std::make_shared's 16-byte control block
// (HTTP1ServerConnection::create). glibc's malloc gives a request of n bytes a chunk of n + 8
// rounded up to 16, so 424 bytes is the most that fits a 432-byte chunk; bench/README.md
// ("Memory per idle connection") measures the server's resident memory per idle connection
// against nginx's with it. On 32-bit targets everything is smaller.
TEST_CASE("http1connection: an idle server connection's block fits a 432-byte malloc chunk") {
  constexpr std::size_t kControlBlock = 2 * sizeof(void*);
  const std::size_t block = sizeof(IOStream) + sizeof(HTTP1ServerConnection) + kControlBlock;
  CHECK(block <= 424);
  // The read buffer's share: 32-bit offsets (a block is at most kMaxBlock bytes).
  CHECK(sizeof(ReadBuffer) <= 40);
}
