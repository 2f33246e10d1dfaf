// web/websocket_protocol.cc: RFC 6455 frames: the encoder, the incremental reader and its
// checks, the UTF-8 validator, close codes and the accept key.
//
// Mirrors:  tornado/websocket.py WebSocketProtocol13._write_frame, _receive_frame,
//           _handle_message and compute_accept_value; where Tornado only aborts the stream,
//           the reader names the RFC's close code so that the peer learns why.
// In loop:  none: web/websocket.cc calls feed() with what the stream read and next() until
//           it yields nothing.
#include "tornado/web/websocket_protocol.h"

#include <algorithm>
#include <cstring>

#include "tornado/http/base64.h"
#include "tornado/web/sha1.h"

namespace tornado::websocket {

namespace {

constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::size_t kMaxControlPayload = 125;

bool is_control(unsigned opcode) { return (opcode & 0x8) != 0; }
bool known_opcode(unsigned op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

// The length of the UTF-8 sequence starting with `c` and the smallest value it may encode
// (anything below is an overlong form); 0 for a byte that cannot start one.
int sequence_length(unsigned char c, std::uint32_t& min) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return min = 0x80, 2;
  if ((c & 0xF0) == 0xE0) return min = 0x800, 3;
  if ((c & 0xF8) == 0xF0) return min = 0x10000, 4;
  return 0;
}

}  // namespace

std::string compute_accept_value(std::string_view key) {
  Sha1 h;
  h.update(key);
  h.update(kAcceptGuid);
  const Sha1::Digest d = h.digest();
  return base64_encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

bool valid_key(std::string_view key) {
  const std::optional<std::string> raw = base64_decode(key);
  return raw && raw->size() == 16 && key.size() == 24;
}

bool valid_close_code(unsigned code) {
  if (code >= 3000 && code <= 4999) return true;
  if (code < 1000 || code > 1014) return false;
  return code != 1004 && code != 1005 && code != 1006;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Runs of ASCII go eight bytes at a time: most text is mostly ASCII.
    while (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    std::uint32_t min = 0;
    const int len = sequence_length(p[i], min);
    if (len == 0 || i + static_cast<std::size_t>(len) > n) return false;
    if (len == 1) {
      ++i;
      continue;
    }
    std::uint32_t cp = p[i] & (0x7Fu >> len);
    for (int k = 1; k < len; ++k) {
      const unsigned char c = p[i + static_cast<std::size_t>(k)];
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += static_cast<std::size_t>(len);
  }
  return true;
}

void apply_mask(char* data, std::size_t n, std::uint32_t key, std::size_t offset) {
  unsigned char k[4] = {static_cast<unsigned char>(key >> 24),
                        static_cast<unsigned char>(key >> 16), static_cast<unsigned char>(key >> 8),
                        static_cast<unsigned char>(key)};
  for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<char>(data[i] ^ k[(i + offset) & 3]);
}

std::string encode_frame(Opcode opcode, std::string_view payload, bool fin,
                         std::optional<std::uint32_t> mask, bool rsv1) {
  std::string out;
  out.reserve(payload.size() + 14);
  out += static_cast<char>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | static_cast<int>(opcode));
  const char mask_bit = mask ? '\x80' : '\0';
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(mask_bit | static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(mask_bit | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xFF);
  }
  if (mask) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((*mask >> shift) & 0xFF);
  }
  const std::size_t start = out.size();
  out.append(payload);
  if (mask) apply_mask(out.data() + start, payload.size(), *mask);
  return out;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string out;
  if (code == 0) return out;
  out += static_cast<char>(code >> 8);
  out += static_cast<char>(code & 0xFF);
  // A control frame holds 125 bytes at most; the reason is cut at a character boundary.
  std::size_t n = std::min(reason.size(), kMaxControlPayload - 2);
  while (n > 0 && n < reason.size() && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) --n;
  out.append(reason.substr(0, n));
  return out;
}

// --- the reader ---------------------------------------------------------------------------------

void FrameReader::feed(std::string_view bytes) {
  if (failed_ || closed_) return;
  // What next() consumed is dropped before the buffer grows, so a long connection does not
  // keep every frame it ever read.
  if (pos_ > 0 && (pos_ == buf_.size() || pos_ >= 4096)) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

std::optional<FrameReader::Header> FrameReader::parse_header(std::string_view in) const {
  if (in.size() < 2) return std::nullopt;
  const auto b0 = static_cast<unsigned char>(in[0]);
  const auto b1 = static_cast<unsigned char>(in[1]);
  Header h{(b0 & 0x80) != 0, (b0 >> 4) & 0x7u, b0 & 0x0Fu, (b1 & 0x80) != 0, b1 & 0x7Fu, 2, 0};
  std::size_t extra = 0;
  if (h.length == 126) extra = 2;
  if (h.length == 127) extra = 8;
  if (in.size() < 2 + extra) return std::nullopt;
  if (extra) {
    h.length = 0;
    for (std::size_t i = 0; i < extra; ++i)
      h.length = (h.length << 8) | static_cast<unsigned char>(in[2 + i]);
  }
  h.size = 2 + extra + (h.masked ? 4 : 0);
  if (in.size() < h.size) return std::nullopt;
  if (h.masked) {
    for (std::size_t i = 0; i < 4; ++i)
      h.key = (h.key << 8) | static_cast<unsigned char>(in[2 + extra + i]);
  }
  return h;
}

std::optional<Event> FrameReader::fail(std::uint16_t code, std::string why) {
  // The bytes are kept where the bad frame starts (or, for a bad payload, where the next
  // begins): draining reads from there, so where the input was cut changes nothing.
  failed_ = true;
  message_.clear();
  message_.shrink_to_fit();
  message_opcode_.reset();
  return Event{Event::Kind::kError, std::move(why), code};
}

// The checks a header allows before its payload arrives (RFC 6455 §5.2, §5.5, §10.4).
std::optional<Event> FrameReader::check_header(const Header& h) const {
  auto err = [](std::uint16_t code, const char* why) {
    return Event{Event::Kind::kError, why, code};
  };
  // Draining skips frames it does not look into, but never waits for a huge one.
  if (draining_)
    return h.length > std::max<std::size_t>(max_message_size_, kMaxControlPayload)
               ? std::optional<Event>(err(kCloseProtocolError, "frame too long while closing"))
               : std::nullopt;
  if (h.rsv) return err(kCloseProtocolError, "reserved bits set without an extension");
  if (!known_opcode(h.opcode)) return err(kCloseProtocolError, "reserved opcode");
  if (server_ && !h.masked) return err(kCloseProtocolError, "client frame not masked");
  if (!server_ && h.masked) return err(kCloseProtocolError, "server frame masked");
  if (is_control(h.opcode)) {
    if (h.length > kMaxControlPayload) return err(kCloseProtocolError, "control frame too long");
    if (!h.fin) return err(kCloseProtocolError, "fragmented control frame");
    return std::nullopt;
  }
  if (h.opcode == 0 && !message_opcode_) return err(kCloseProtocolError, "nothing to continue");
  if (h.opcode != 0 && message_opcode_)
    return err(kCloseProtocolError, "new message inside a fragmented one");
  if (h.length > max_message_size_ || message_.size() + h.length > max_message_size_)
    return err(kCloseTooBig, "message too big");
  return std::nullopt;
}

std::optional<Event> FrameReader::next() {
  while (!failed_ && !closed_) {
    const std::string_view in = std::string_view(buf_).substr(pos_);
    const std::optional<Header> h = parse_header(in);
    if (!h) return std::nullopt;
    if (std::optional<Event> e = check_header(*h)) return fail(e->code, std::move(e->data));
    if (h->length > in.size() - h->size) return std::nullopt;
    const std::size_t n = static_cast<std::size_t>(h->length);
    std::string payload(in.substr(h->size, n));
    pos_ += h->size + n;
    if (h->masked) apply_mask(payload.data(), payload.size(), h->key);
    if (std::optional<Event> e = on_frame(*h, std::move(payload))) return e;
  }
  return std::nullopt;
}

std::optional<Event> FrameReader::on_frame(const Header& h, std::string payload) {
  if (is_control(h.opcode)) return on_control(h.opcode, std::move(payload));
  if (draining_) return std::nullopt;
  if (!h.fin) {
    if (h.opcode != 0) message_opcode_ = h.opcode;
    message_.append(payload);
    return std::nullopt;
  }
  unsigned opcode = h.opcode;
  if (opcode == 0) {
    opcode = *message_opcode_;
    message_opcode_.reset();
    message_.append(payload);
    payload = std::move(message_);
    message_.clear();
  }
  if (opcode == static_cast<unsigned>(Opcode::kText)) {
    if (!valid_utf8(payload)) return fail(kCloseInvalidData, "text message is not UTF-8");
    return Event{Event::Kind::kText, std::move(payload)};
  }
  return Event{Event::Kind::kBinary, std::move(payload)};
}

std::optional<Event> FrameReader::on_control(unsigned opcode, std::string payload) {
  if (opcode == static_cast<unsigned>(Opcode::kPing)) {
    if (draining_) return std::nullopt;
    return Event{Event::Kind::kPing, std::move(payload)};
  }
  if (opcode == static_cast<unsigned>(Opcode::kPong)) {
    if (draining_) return std::nullopt;
    return Event{Event::Kind::kPong, std::move(payload)};
  }
  closed_ = true;
  Event e{Event::Kind::kClose, {}, 0};
  if (draining_) return e;
  if (payload.size() == 1) return fail(kCloseProtocolError, "close payload of one byte");
  if (payload.size() >= 2) {
    e.code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                        static_cast<unsigned char>(payload[1]));
    if (!valid_close_code(e.code)) return fail(kCloseProtocolError, "invalid close code");
    e.data = payload.substr(2);
    if (!valid_utf8(e.data)) return fail(kCloseInvalidData, "close reason is not UTF-8");
  }
  return e;
}

}  // namespace tornado::websocket
