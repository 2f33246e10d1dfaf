// http/http1connection_parse.cc: the pure parsing half of http1connection: finding and
// parsing a request head, deciding the body's framing, and decoding chunked bodies.
//
// Mirrors:  tornado/http1connection.py (_read_message's head handling, _can_keep_alive's
//           inputs, _read_chunked_body, parse_int, parse_hex_int,
//           is_transfer_encoding_chunked).
//
// Nothing here touches a stream or the loop, so every function can be fed hostile bytes
// directly: the tests feed each input in every split, and tests/fuzz drives these with
// libFuzzer. Where Tornado and RFC 9112 disagree this follows the RFC: chunk extensions and
// trailers are accepted and ignored, a chunk not followed by CRLF is a 400 (Tornado asserts).
#include <array>
#include <cstring>

#include "tornado/http/http1connection.h"
#include "tornado/reactor/util.h"

namespace tornado::http1connection {

namespace {

// Calls f(element) for each comma-separated element of a list header (RFC 9110 §5.6.1),
// trimmed; empty elements are kept so that "chunked," is seen as two.
template <class F>
void for_each_element(std::string_view list, F f) {
  for (;;) {
    const std::size_t comma = list.find(',');
    f(util::trim(list.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

// RFC 3986 reg-name / IP-literal / port characters: what a Host value may hold. A table, as
// every request's Host goes through it byte by byte (a strchr per punctuation byte cost more
// than the rest of the check).
constexpr auto kHostBytes = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (const char c : std::string_view("-._~!$&'()*+;=%:[]"))
    t[static_cast<unsigned char>(c)] = true;
  return t;
}();
bool is_host_byte(unsigned char c) { return kHostBytes[c]; }

// Whether every byte of a Host value is a host byte: four bytes looked up per branch, the
// rest one at a time.
bool is_host_value(std::string_view v) {
  const auto* p = reinterpret_cast<const unsigned char*>(v.data());
  const std::size_t n = v.size();
  std::size_t i = 0;
  // As unsigned: & rather than &&, so that the four lookups need one branch, not four.
  const auto ok = [](unsigned char c) -> unsigned { return is_host_byte(c); };
  for (; i + 4 <= n; i += 4)
    if (!(ok(p[i]) & ok(p[i + 1]) & ok(p[i + 2]) & ok(p[i + 3]))) return false;
  for (; i < n; ++i)
    if (!is_host_byte(p[i])) return false;
  return true;
}

}  // namespace

std::size_t leading_blank_lines(std::string_view data) {
  std::size_t i = 0;
  while (i < data.size()) {
    if (data[i] == '\n') {
      ++i;
    } else if (data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n') {
      i += 2;
    } else {
      break;
    }
  }
  return i;
}

std::size_t find_head_end(std::string_view data, std::size_t from) {
  const char* const base = data.data();
  const std::size_t n = data.size();
  std::size_t i = from;
  while (i < n) {
    const void* hit = std::memchr(base + i, '\n', n - i);
    if (!hit) return std::string_view::npos;
    const std::size_t p = static_cast<std::size_t>(static_cast<const char*>(hit) - base);
    if (p + 1 < n && base[p + 1] == '\n') return p + 2;
    if (p + 2 < n && base[p + 1] == '\r' && base[p + 2] == '\n') return p + 3;
    i = p + 1;
  }
  return std::string_view::npos;
}

RequestStartLine parse_request_head(std::string_view head, HTTPHeaders& headers) {
  auto next_line = [&head]() {
    const std::size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  RequestStartLine start_line = parse_request_start_line(next_line());
  // One of RFC 9112's four target forms, fitting the method: anything else is a 400 before
  // the application sees it (HTTPServerRequest then reads the absolute form).
  (void)parse_request_target(start_line.method, start_line.path);
  // The blank line that ends the head is seen before a search for its end.
  while (!head.empty() && head.front() != '\n' && !head.starts_with("\r\n")) {
    const std::string_view line = next_line();
    if (line.empty()) break;
    headers.parse_line(line);
  }
  return start_line;
}

std::optional<std::uint64_t> parse_int(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;  // 19 digits always fit in 64 bits
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

namespace {

// Transfer-Encoding must be exactly one "chunked" (case-insensitive) over all its fields:
// "gzip, chunked" or two chunked fields are refused, not guessed at.
void require_lone_chunked(const HTTPHeaders& headers) {
  std::size_t elements = 0;
  bool chunked = false;
  for (const auto& f : headers.get_all()) {
    if (f.name != "Transfer-Encoding") continue;
    for_each_element(f.value, [&](std::string_view e) {
      ++elements;
      chunked = util::iequals(e, "chunked");
    });
  }
  if (elements != 1 || !chunked)
    throw HTTPInputError("Unsupported Transfer-Encoding " + headers.get("Transfer-Encoding"));
}

// The Content-Length over all its fields and list elements, which must be plain digits and
// all equal; nullopt when there is none.
std::optional<std::uint64_t> content_length(const HTTPHeaders& headers) {
  std::optional<std::uint64_t> length;
  for (const auto& f : headers.get_all()) {
    if (f.name != "Content-Length") continue;
    for_each_element(f.value, [&](std::string_view e) {
      const std::optional<std::uint64_t> v = parse_int(e);
      if (!v) throw HTTPInputError("Only integer Content-Length is allowed: " + f.value);
      if (length && *length != *v) throw HTTPInputError("Multiple unequal Content-Lengths");
      length = v;
    });
  }
  return length;
}

}  // namespace

Framing request_framing(const RequestStartLine& start_line, const HTTPHeaders& headers,
                        std::uint64_t max_body_size) {
  const std::string_view version = start_line.version;
  const bool http11 = version == "HTTP/1.1";
  // One pass over the fields for the three that decide the framing. Names are stored
  // normalized, so an exact comparison (the length first) finds them: cheaper than a
  // case-insensitive search of every field per name, on every request.
  std::size_t hosts = 0;
  bool has_te = false, has_cl = false;
  for (const auto& f : headers.get_all()) {
    const std::string_view name = f.name;
    if (name == "Host") {
      ++hosts;
      if (!is_host_value(f.value)) throw HTTPInputError("Invalid Host header: " + f.value);
    } else if (name == "Transfer-Encoding") {
      has_te = true;
    } else if (name == "Content-Length") {
      has_cl = true;
    }
  }
  if (hosts > 1) throw HTTPInputError("Multiple Host headers");
  if (hosts == 0 && version != "HTTP/1.0") throw HTTPInputError("Missing Host header");

  Framing framing;
  if (has_te) {
    // RFC 9112 §6.1: a sender of both is trying to smuggle one request inside another.
    if (has_cl) throw HTTPInputError("Message with both Transfer-Encoding and Content-Length");
    if (!http11) throw HTTPInputError("Transfer-Encoding in an HTTP/1.0 message");
    require_lone_chunked(headers);
    framing.chunked = true;
    return framing;
  }
  if (has_cl) {
    const std::optional<std::uint64_t> length = content_length(headers);
    framing.content_length = *length;
    if (framing.content_length > max_body_size)
      throw HTTPInputError("Content-Length too long", 413);
  }
  return framing;
}

bool has_token(const std::string* list, std::string_view token) {
  if (!list) return false;
  std::string_view rest = *list;
  for (;;) {
    const std::size_t comma = rest.find(',');
    std::string_view e = rest.substr(0, comma);
    while (!e.empty() && (e.front() == ' ' || e.front() == '\t')) e.remove_prefix(1);
    while (!e.empty() && (e.back() == ' ' || e.back() == '\t')) e.remove_suffix(1);
    if (e.size() == token.size()) {
      bool same = true;
      for (std::size_t i = 0; i < e.size() && same; ++i) {
        const char c = (e[i] >= 'A' && e[i] <= 'Z') ? static_cast<char>(e[i] + 32) : e[i];
        same = c == token[i];
      }
      if (same) return true;
    }
    if (comma == std::string_view::npos) return false;
    rest.remove_prefix(comma + 1);
  }
}

void parse_response_head(std::string_view head, ResponseStartLine& start_line,
                         HTTPHeaders& headers) {
  const std::size_t nl = head.find('\n');
  std::string_view first = head.substr(0, nl);
  if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
  start_line = parse_response_start_line(first);
  head = nl == std::string_view::npos ? std::string_view{} : head.substr(nl + 1);
  while (!head.empty()) {
    const std::size_t e = head.find('\n');
    std::string_view line = head.substr(0, e);
    head = e == std::string_view::npos ? std::string_view{} : head.substr(e + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    headers.parse_line(line);
  }
}

Framing response_framing(std::string_view request_method, const ResponseStartLine& start_line,
                         const HTTPHeaders& headers) {
  Framing framing;
  const int code = start_line.code;
  const bool has_te = headers.contains("Transfer-Encoding");
  const std::string* cl = headers.find("Content-Length");
  if (has_te && cl) throw HTTPInputError("Response with both Transfer-Encoding and Content-Length");
  const std::optional<std::uint64_t> length = content_length(headers);
  if (code == 204 || code == 304 || (code >= 100 && code < 200)) {
    // Tornado: "Response with code 204 should not have body".
    if (has_te || (code == 204 && length && *length != 0))
      throw HTTPInputError("Response with code " + std::to_string(code) +
                           " should not have a body");
    return framing;
  }
  if (request_method == "HEAD") return framing;
  if (has_te) {
    require_lone_chunked(headers);
    framing.chunked = true;
  } else if (length) {
    framing.content_length = *length;
  } else {
    framing.until_close = true;
  }
  return framing;
}

void ReadBuffer::consume(std::size_t n) {
  pos_ += static_cast<std::uint32_t>(n);  // n <= size()
  // Nothing left: the block goes back to the free list, so an idle keep-alive connection
  // holds none.
  if (pos_ >= end_) release();
}

std::span<char> ReadBuffer::space(std::size_t want, bool whole) {
  want = std::clamp<std::size_t>(want, 1, kMaxBlock);
  if (!block_) {
    capacity_ = static_cast<std::uint32_t>(whole ? std::max(want, kBlock) : kBlock);
    block_ = static_cast<char*>(detail::recycle_allocate(capacity_));
    pos_ = end_ = 0;
  } else if (end_ == capacity_) {
    const std::uint32_t unread = end_ - pos_;
    if (pos_ > 0) {  // room at the front: move the unread bytes there
      std::memmove(block_, block_ + pos_, unread);
    } else if (capacity_ < kMaxBlock) {  // full of unread bytes (a long head): double
      const std::uint32_t grown = capacity_ * 2;
      char* bigger = static_cast<char*>(detail::recycle_allocate(grown));
      std::memcpy(bigger, block_, unread);
      detail::recycle_deallocate(block_, capacity_);
      block_ = bigger;
      capacity_ = grown;
    } else {
      throw HTTPInputError("read buffer full");
    }
    pos_ = 0;
    end_ = unread;
  }
  return {block_ + end_, std::min<std::size_t>(want, capacity_ - end_)};
}

void ReadBuffer::commit(std::size_t n) {
  end_ += static_cast<std::uint32_t>(n);  // n <= the space given
  if (pos_ >= end_) release();            // a read of nothing (at EOF) keeps no block
}

void ReadBuffer::release() {
  if (block_) detail::recycle_deallocate(block_, capacity_);
  block_ = nullptr;
  capacity_ = pos_ = end_ = 0;
}

// ---------------------------------------------------------------- ChunkedDecoder

ChunkedDecoder::Step ChunkedDecoder::feed(std::string_view in) {
  Step step;
  if (in.empty()) return step;
  switch (state_) {
    case State::kSizeLine:
    case State::kTrailer: {
      const std::size_t nl = in.find('\n');
      const std::size_t take = nl == std::string_view::npos ? in.size() : nl + 1;
      const std::size_t limit = state_ == State::kSizeLine ? kMaxSizeLine : max_trailer_size_;
      const std::size_t used = state_ == State::kSizeLine ? line_.size() : trailer_size_;
      if (used + take > limit)
        throw HTTPInputError(state_ == State::kSizeLine ? "chunk size line too long"
                                                        : "chunked trailer too large");
      line_.append(in.substr(0, take));
      if (state_ == State::kTrailer) trailer_size_ += take;
      step.consumed = take;
      if (nl != std::string_view::npos) {
        if (line_.size() < 2 || line_[line_.size() - 2] != '\r')
          throw HTTPInputError("chunk line not terminated by CRLF");
        line_.resize(line_.size() - 2);
        if (state_ == State::kSizeLine) {
          end_size_line();
        } else {
          end_trailer_line();
        }
        line_.clear();
      }
      return step;
    }
    case State::kData: {
      const std::size_t n =
          remaining_ < in.size() ? static_cast<std::size_t>(remaining_) : in.size();
      step.consumed = n;
      step.data = in.substr(0, n);
      remaining_ -= n;
      body_size_ += n;
      if (remaining_ == 0) state_ = State::kDataCR;
      return step;
    }
    case State::kDataCR:
      if (in[0] != '\r') throw HTTPInputError("chunk data not followed by CRLF");
      state_ = State::kDataLF;
      step.consumed = 1;
      return step;
    case State::kDataLF:
      if (in[0] != '\n') throw HTTPInputError("chunk data not followed by CRLF");
      state_ = State::kSizeLine;
      step.consumed = 1;
      return step;
    case State::kDone:
      return step;
  }
  return step;
}

void ChunkedDecoder::end_size_line() {
  std::string_view line = line_;
  std::uint64_t size = 0;
  std::size_t digits = 0;
  while (!line.empty() && util::hex_value(line.front()) >= 0) {
    if (++digits > 15) throw HTTPInputError("chunk size too large");
    size = size * 16 + static_cast<std::uint64_t>(util::hex_value(line.front()));
    line.remove_prefix(1);
  }
  if (digits == 0) throw HTTPInputError("invalid chunk size: " + line_.substr(0, 32));
  // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): accepted and ignored, but it must
  // hold no control bytes.
  line = util::trim(line);
  if (!line.empty()) {
    if (line.front() != ';') throw HTTPInputError("invalid chunk size: " + line_.substr(0, 32));
    for (const char c : line) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7f) throw HTTPInputError("invalid chunk extension");
    }
  }
  // Sizes are below 2^60, but a body may declare many of them: saturate rather than wrap.
  declared_size_ = size > UINT64_MAX - declared_size_ ? UINT64_MAX : declared_size_ + size;
  if (size == 0) {
    state_ = State::kTrailer;
  } else {
    remaining_ = size;
    state_ = State::kData;
  }
}

void ChunkedDecoder::end_trailer_line() {
  if (line_.empty()) {
    state_ = State::kDone;
    return;
  }
  // A trailer field is checked like a header (a bad one is a bad message) and then dropped.
  HTTPHeaders scratch;
  scratch.parse_line(line_);
}

}  // namespace tornado::http1connection
