// tests/web/websocket_protocol_test.cc: the RFC 6455 codec without sockets: tables of frames
// in, events out.
// Mirrors:  tornado/test/websocket_test.py's frame-level cases (WebSocketValidateTest, the
//           mask and accept-key tests), extended to every close code RFC 6455 §7.4.1 assigns
//           to a broken rule; Tornado only aborts there.
#include "tornado/web/websocket_protocol.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

using namespace tornado::websocket;

namespace {

constexpr std::uint32_t kMask = 0x37FA213D;  // RFC 6455 §5.7's example key

std::string masked(Opcode op, std::string_view payload, bool fin = true) {
  return encode_frame(op, payload, fin, kMask);
}

// What a reader yields for `wire`, one word per event: "text:hello", "binary:3",
// "ping:x", "pong:", "close:1000:bye", "error:1002".
std::string events(std::string_view wire, bool server = true, std::size_t limit = 1 << 20,
                   bool byte_by_byte = false) {
  FrameReader r(server, limit);
  std::string out;
  auto drain = [&] {
    while (std::optional<Event> e = r.next()) {
      if (!out.empty()) out += " ";
      switch (e->kind) {
        case Event::Kind::kText:
          out += "text:" + e->data;
          break;
        case Event::Kind::kBinary:
          out += "binary:" + std::to_string(e->data.size());
          break;
        case Event::Kind::kPing:
          out += "ping:" + e->data;
          break;
        case Event::Kind::kPong:
          out += "pong:" + e->data;
          break;
        case Event::Kind::kClose:
          out += "close:" + std::to_string(e->code) + ":" + e->data;
          break;
        case Event::Kind::kError:
          out += "error:" + std::to_string(e->code);
          break;
      }
    }
  };
  if (byte_by_byte) {
    for (char c : wire) {
      r.feed(std::string_view(&c, 1));
      drain();
    }
  } else {
    r.feed(wire);
    drain();
  }
  return out;
}

std::string raw(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s += static_cast<char>(b);
  return s;
}

}  // namespace

TEST_CASE("websocket protocol: the accept key of RFC 6455 §1.3, and key validation") {
  CHECK(compute_accept_value("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(valid_key("dGhlIHNhbXBsZSBub25jZQ=="));
  CHECK_FALSE(valid_key(""));
  CHECK_FALSE(valid_key("c2hvcnQ="));                  // 5 bytes, not 16
  CHECK_FALSE(valid_key("dGhlIHNhbXBsZSBub25jZQ=!"));  // not base64
}

TEST_CASE("websocket protocol: frame headers for each length form, masked and not") {
  struct Row {
    std::size_t length;
    bool mask;
    std::string head;  // the bytes before the payload
  };
  const std::vector<Row> rows = {
      {0, false, raw({0x81, 0x00})},
      {125, false, raw({0x81, 125})},
      {126, false, raw({0x81, 126, 0x00, 126})},
      {65535, false, raw({0x81, 126, 0xFF, 0xFF})},
      {65536, false, raw({0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0})},
      {5, true, raw({0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D})},
  };
  for (const Row& row : rows) {
    CAPTURE(row.length);
    const std::string payload(row.length, 'a');
    const std::string f =
        encode_frame(Opcode::kText, payload, true,
                     row.mask ? std::optional<std::uint32_t>(kMask) : std::nullopt);
    REQUIRE(f.size() == row.head.size() + row.length);
    CHECK(f.substr(0, row.head.size()) == row.head);
    // Read back by the side that expects this masking.
    CHECK(events(f, row.mask) == "text:" + payload);
  }
  // RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d.
  CHECK(masked(Opcode::kText, "Hello") ==
        raw({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
}

TEST_CASE("websocket protocol: frames in, events out (server side: client frames)") {
  const std::string hel = masked(Opcode::kText, "Hel", false);
  const std::string lo = masked(Opcode::kContinuation, "lo");
  const std::string ping = masked(Opcode::kPing, "p");
  struct Row {
    const char* name;
    std::string wire;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"text", masked(Opcode::kText, "hello"), "text:hello"},
      {"binary", masked(Opcode::kBinary, std::string(3, '\0')), "binary:3"},
      {"empty text", masked(Opcode::kText, ""), "text:"},
      {"fragments with a ping between", hel + ping + lo, "ping:p text:Hello"},
      {"UTF-8 split across fragments",
       masked(Opcode::kText, "\xC3", false) + masked(Opcode::kContinuation, "\xA9"),
       "text:\xC3\xA9"},
      {"pong", masked(Opcode::kPong, "x"), "pong:x"},
      {"close with code and reason", masked(Opcode::kClose, close_payload(1000, "bye")),
       "close:1000:bye"},
      {"close without payload", masked(Opcode::kClose, ""), "close:0:"},
      {"close code 3000", masked(Opcode::kClose, close_payload(3000, "")), "close:3000:"},
      {"nothing after close", masked(Opcode::kClose, "") + masked(Opcode::kText, "late"),
       "close:0:"},
      {"unmasked client frame", encode_frame(Opcode::kText, "hi"), "error:1002"},
      {"reserved bit", encode_frame(Opcode::kText, "hi", true, kMask, true), "error:1002"},
      {"reserved opcode 3", raw({0x83, 0x80, 0, 0, 0, 0}), "error:1002"},
      {"reserved opcode 0xB", raw({0x8B, 0x80, 0, 0, 0, 0}), "error:1002"},
      {"ping over 125 bytes", masked(Opcode::kPing, std::string(126, 'p')), "error:1002"},
      {"fragmented ping", masked(Opcode::kPing, "p", false), "error:1002"},
      {"continuation without a start", lo, "error:1002"},
      {"new message inside a fragmented one", hel + masked(Opcode::kText, "x"), "error:1002"},
      {"text not UTF-8", masked(Opcode::kText, "\xFF"), "error:1007"},
      {"close payload of one byte", masked(Opcode::kClose, "\x03"), "error:1002"},
      {"close code 999", masked(Opcode::kClose, close_payload(999, "")), "error:1002"},
      {"close code 1005", masked(Opcode::kClose, close_payload(1005, "")), "error:1002"},
      {"close code 1006", masked(Opcode::kClose, close_payload(1006, "")), "error:1002"},
      {"close code 5000", masked(Opcode::kClose, close_payload(5000, "")), "error:1002"},
      {"close reason not UTF-8", masked(Opcode::kClose, close_payload(1000, "\xC0\x80")),
       "error:1007"},
      {"nothing after an error", encode_frame(Opcode::kText, "a") + masked(Opcode::kText, "b"),
       "error:1002"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    CHECK(events(row.wire) == row.expected);
    CHECK(events(row.wire, true, 1 << 20, true) == row.expected);  // one byte at a time
  }
}

TEST_CASE("websocket protocol: the client side refuses masked frames") {
  CHECK(events(encode_frame(Opcode::kText, "ok"), false) == "text:ok");
  CHECK(events(masked(Opcode::kText, "no"), false) == "error:1002");
}

TEST_CASE("websocket protocol: the message limit counts fragments, from the frame header") {
  CHECK(events(masked(Opcode::kBinary, std::string(16, 'x')), true, 16) == "binary:16");
  CHECK(events(masked(Opcode::kBinary, std::string(17, 'x')), true, 16) == "error:1009");
  const std::string two = masked(Opcode::kBinary, std::string(10, 'x'), false) +
                          masked(Opcode::kContinuation, std::string(10, 'x'));
  CHECK(events(two, true, 16) == "error:1009");
  // A header announcing 2^63 bytes is refused before any payload arrives.
  FrameReader r(true, 1 << 20);
  r.feed(raw({0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0}));
  std::optional<Event> e = r.next();
  REQUIRE(e);
  CHECK(e->code == kCloseTooBig);
  // What follows is not kept: the reader holds the bad header and nothing more.
  r.feed(std::string(4096, 'x'));
  CHECK(r.buffered() == 14);
  CHECK_FALSE(r.next());
}

TEST_CASE("websocket protocol: draining after an error yields only the peer's close") {
  FrameReader r(true, 1 << 20);
  r.feed(encode_frame(Opcode::kText, "unmasked"));
  REQUIRE(r.next()->kind == Event::Kind::kError);
  r.drain_until_close();
  r.feed(masked(Opcode::kText, "ignored") + masked(Opcode::kClose, close_payload(1002, "")));
  std::optional<Event> e = r.next();
  REQUIRE(e);
  CHECK(e->kind == Event::Kind::kClose);
  CHECK_FALSE(r.next());
}

TEST_CASE("websocket protocol: draining finds a close that came in the same read as the error") {
  // Found by the fuzz target: the bytes after a bad frame were dropped with it, so the peer's
  // close was seen or not depending on where the reads happened to cut the input.
  FrameReader r(true, 1 << 20);
  r.feed(encode_frame(Opcode::kText, "unmasked") + masked(Opcode::kClose, ""));
  REQUIRE(r.next()->kind == Event::Kind::kError);
  r.drain_until_close();
  std::optional<Event> e = r.next();
  REQUIRE(e);
  CHECK(e->kind == Event::Kind::kClose);
}

TEST_CASE("websocket protocol: UTF-8 validation") {
  struct Row {
    std::string text;
    bool valid;
  };
  const std::vector<Row> rows = {
      {"", true},
      {"plain ascii, longer than eight bytes", true},
      {"\xC3\xA9", true},               // é
      {"\xE2\x82\xAC", true},           // €
      {"\xF0\x9F\x98\x80", true},       // U+1F600
      {"\xF4\x8F\xBF\xBF", true},       // U+10FFFF
      {"\xC0\x80", false},              // overlong NUL
      {"\xE0\x80\x80", false},          // overlong
      {"\xF0\x80\x80\x80", false},      // overlong
      {"\xED\xA0\x80", false},          // surrogate
      {"\xF4\x90\x80\x80", false},      // past U+10FFFF
      {"\xC3", false},                  // cut short
      {"\x80", false},                  // a continuation byte alone
      {"abcdefgh\xE2\x82", false},      // cut short after a fast ASCII run
      {"\xF8\x88\x80\x80\x80", false},  // five-byte form
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    CHECK(valid_utf8(row.text) == row.valid);
  }
}

TEST_CASE("websocket protocol: close codes and payloads") {
  for (unsigned c : {1000u, 1001u, 1002u, 1003u, 1007u, 1008u, 1009u, 1010u, 1011u, 3000u, 4999u})
    CHECK(valid_close_code(c));
  for (unsigned c : {0u, 999u, 1004u, 1005u, 1006u, 1015u, 2000u, 2999u, 5000u, 65535u})
    CHECK_FALSE(valid_close_code(c));
  CHECK(close_payload(0, "ignored").empty());
  CHECK(close_payload(1000, "ok") == raw({0x03, 0xE8, 'o', 'k'}));
  // A long reason is cut to fit 125 bytes, at a character boundary.
  std::string reason;
  for (int i = 0; i < 100; ++i) reason += "\xC3\xA9";
  const std::string p = close_payload(1000, reason);
  CHECK(p.size() <= 125);
  CHECK(valid_utf8(p.substr(2)));
}
