// web/websocket_protocol.h: the RFC 6455 wire format, without sockets: frames in and out,
// masking, UTF-8 checks, close codes and the handshake's accept key.
//
// Mirrors:  tornado/websocket.py WebSocketProtocol13 (_write_frame, _receive_frame,
//           _handle_message's checks, compute_accept_value, _websocket_mask).
//
//   tornado::websocket::FrameReader r(/*server=*/true, 10 << 20);
//   r.feed(bytes_from_the_socket);
//   while (auto e = r.next()) { ... e->kind, e->data, e->code ... }
//   std::string out = tornado::websocket::encode_frame(Opcode::kText, "hi", true, mask);
//
// Role:     web/websocket.cc's connection feeds what it reads to a FrameReader and acts on the
//           events it yields (a message, a ping, a pong, a close, or an error that carries
//           the close code to send); it writes with encode_frame. Nothing here does I/O, so the
//           rules are tested with tables of bytes (tests/web/websocket_protocol_test.cc) and
//           fuzzed (tests/fuzz/websocket_fuzz.cc).
// Errors:   every rule broken gives an Event of kind kError with the RFC's code: 1002 for a
//           framing error (reserved bits, unknown opcodes, an unmasked client frame or a
//           masked server frame, a control frame over 125 bytes or fragmented, a continuation
//           with nothing to continue, a new message inside a fragmented one, a close payload
//           of one byte or with a code that may not be sent), 1007 for text (or a close
//           reason) that is not UTF-8, 1009 for a message over the limit. After an error
//           the reader yields nothing more, unless told to drain until the peer's close.
// Memory:   the reader keeps at most one frame's bytes plus the message being assembled; a
//           frame whose length would pass the limit is refused from its header, before its
//           payload arrives.
// Thread:   plain objects; one per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tornado::websocket {

enum class Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// RFC 6455 §7.4.1 codes this library sends.
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseInvalidData = 1007;
inline constexpr std::uint16_t kClosePolicy = 1008;
inline constexpr std::uint16_t kCloseTooBig = 1009;

// The one value defined by RFC 6455 §1.3 for Sec-WebSocket-Accept.
std::string compute_accept_value(std::string_view key);
// Whether `key` is a valid Sec-WebSocket-Key: base64 of 16 bytes.
bool valid_key(std::string_view key);

// Whether a code may appear in a close frame (RFC 6455 §7.4: 1000-1003, 1007-1014, 3000-4999).
bool valid_close_code(unsigned code);

// Whether `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view s);

// XORs `data` in place with the 4-byte key, starting at key byte `offset % 4`.
void apply_mask(char* data, std::size_t n, std::uint32_t key, std::size_t offset = 0);

// One frame. A mask (clients must, servers must not) is the 4 key bytes, big-endian.
std::string encode_frame(Opcode opcode, std::string_view payload, bool fin = true,
                         std::optional<std::uint32_t> mask = std::nullopt, bool rsv1 = false);
// A close frame's payload: the code (none when 0) and the reason, cut to fit 125 bytes.
std::string close_payload(std::uint16_t code, std::string_view reason);

struct Event {
  enum class Kind : std::uint8_t { kText, kBinary, kPing, kPong, kClose, kError };
  Kind kind;
  std::string data;        // the message, the ping or pong payload, the close reason, the error
  std::uint16_t code = 0;  // kClose: the peer's code (0 when it sent none); kError: what to send
};

class FrameReader {
 public:
  // server: frames come from a client and must be masked (else they must not be).
  FrameReader(bool server, std::size_t max_message_size)
      : server_(server), max_message_size_(max_message_size) {}

  // Takes more bytes from the peer.
  void feed(std::string_view bytes);
  // The next event the fed bytes complete, or nullopt when more bytes are needed (or after an
  // error or a close: nothing follows those).
  std::optional<Event> next();
  // Bytes fed and not yet consumed by next().
  std::size_t buffered() const { return buf_.size() - pos_; }
  // After an error the connection only waits for the peer's close frame: the reader then
  // takes frames whatever their mask, and yields only a close.
  void drain_until_close() {
    draining_ = true;
    failed_ = false;
  }
  bool failed() const { return failed_; }

 private:
  struct Header {
    bool fin;
    unsigned rsv;
    unsigned opcode;
    bool masked;
    std::uint64_t length;
    std::size_t size;  // of the header itself, mask included
    std::uint32_t key;
  };
  std::optional<Header> parse_header(std::string_view in) const;
  std::optional<Event> check_header(const Header& h) const;
  std::optional<Event> on_frame(const Header& h, std::string payload);
  std::optional<Event> on_control(unsigned opcode, std::string payload);
  std::optional<Event> fail(std::uint16_t code, std::string why);

  bool server_;
  std::size_t max_message_size_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::string message_;  // the fragments so far
  std::optional<unsigned> message_opcode_;
  bool failed_ = false;
  bool closed_ = false;
  bool draining_ = false;
};

}  // namespace tornado::websocket
