// tests/fuzz/websocket_fuzz.cc: libFuzzer target for the WebSocket frame reader.
//
//   make fuzz && build/fuzz/websocket_fuzz tests/fuzz/corpus/websocket -max_total_time=600
//
// The first input byte picks the side (server: client frames must be masked), a small message
// limit and the piece size; the rest is fed whole and in pieces. What must hold whatever the
// input: both runs yield the same events; no message is over the limit; a text message and a
// close reason are UTF-8; a close code is one that may be sent; an error carries 1002, 1007 or
// 1009 and nothing but a close follows it once draining; the reader never keeps more than one
// frame past the limit; and each message encodes back into a frame that reads the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tornado/web/websocket_protocol.h"

namespace {

using namespace tornado::websocket;

std::string summary(const Event& e) {
  return std::to_string(static_cast<int>(e.kind)) + ":" + std::to_string(e.code) + ":" + e.data;
}

void check(const Event& e, bool server, std::size_t limit, bool draining) {
  switch (e.kind) {
    case Event::Kind::kText:
      if (!valid_utf8(e.data)) std::abort();
      [[fallthrough]];
    case Event::Kind::kBinary: {
      if (draining || e.data.size() > limit) std::abort();
      // Encoded by the other side and read back: the same message.
      const Opcode op = e.kind == Event::Kind::kText ? Opcode::kText : Opcode::kBinary;
      FrameReader back(server, limit);
      back.feed(encode_frame(op, e.data, true,
                             server ? std::optional<std::uint32_t>(0xA1B2C3D4u) : std::nullopt));
      const std::optional<Event> again = back.next();
      if (!again || again->kind != e.kind || again->data != e.data) std::abort();
      break;
    }
    case Event::Kind::kPing:
    case Event::Kind::kPong:
      if (draining || e.data.size() > 125) std::abort();
      break;
    case Event::Kind::kClose:
      if (e.code != 0 && !valid_close_code(e.code) && !draining) std::abort();
      if (!draining && !valid_utf8(e.data)) std::abort();
      break;
    case Event::Kind::kError:
      if (e.code != kCloseProtocolError && e.code != kCloseInvalidData && e.code != kCloseTooBig)
        std::abort();
      break;
  }
}

std::vector<std::string> run(std::string_view in, bool server, std::size_t limit,
                             std::size_t piece) {
  FrameReader r(server, limit);
  std::vector<std::string> out;
  bool draining = false;
  while (true) {
    const std::string_view p = in.substr(0, piece);
    in.remove_prefix(p.size());
    r.feed(p);
    while (std::optional<Event> e = r.next()) {
      check(*e, server, limit, draining);
      out.push_back(summary(*e));
      if (e->kind == Event::Kind::kError && !draining) {
        r.drain_until_close();
        draining = true;
      }
    }
    // Unconsumed bytes: at most one frame's header (14) and payload (bounded by the limit,
    // or by 125 for a control frame), plus what the last piece added.
    if (r.buffered() > 14 + std::max<std::size_t>(limit, 125) + piece) std::abort();
    if (in.empty()) break;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool server = (data[0] & 1) != 0;
  const std::size_t limit = std::size_t{16} << ((data[0] >> 1) & 7);  // 16 B .. 2 KiB
  const std::size_t piece = 1 + (data[0] >> 4);
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (run(in, server, limit, in.size() + 1) != run(in, server, limit, piece)) std::abort();
  return 0;
}
