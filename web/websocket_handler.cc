// web/websocket_handler.cc: WebSocketHandler: the server's handshake and the handler's side
// of an open connection.
//
// Mirrors:  tornado/websocket.py WebSocketHandler (get, check_origin, select_subprotocol,
//           write_message, ping, close, on_ws_connection_close) and WebSocketProtocol13's
//           accept_connection, _handle_websocket_headers, _accept_connection.
// In loop:  Application runs get() like any handler method. After the checks it finishes a
//           101 response through the HTTP connection, detaches the stream, calls open() (the
//           derived class's, through the calls url<H> bound), and starts the
//           WebSocketProtocol, which from then on calls back into the handler (waiting for a
//           coroutine open() before it reads the first frame).
#include <algorithm>

#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"
#include "tornado/web/websocket.h"

namespace tornado::websocket {

namespace {

std::vector<std::string> split_list(const std::string* header) {
  std::vector<std::string> out;
  if (!header) return out;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    const std::size_t b = item.find_first_not_of(" \t");
    if (b != std::string_view::npos) {
      item = item.substr(b, item.find_last_not_of(" \t") - b + 1);
      out.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

bool WebSocketHandler::refuse(int status, const char* why) {
  set_status(status);
  (void)finish(why);
  log::gen_log.debug("%s", why);
  return false;
}

void WebSocketHandler::handshake() {
  const HTTPHeaders& h = request().headers;
  if (util::ascii_lower(h.get("Upgrade")) != "websocket") {
    refuse(400, "Can \"Upgrade\" only to \"WebSocket\".");
    return;
  }
  bool upgrade = false;
  for (const std::string& t : split_list(h.find("Connection")))
    upgrade |= util::ascii_lower(t) == "upgrade";
  if (!upgrade) {
    refuse(400, "\"Connection\" must be \"Upgrade\".");
    return;
  }
  const std::string* origin = h.find("Origin");
  if (!origin) origin = h.find("Sec-Websocket-Origin");
  if (origin && !check_origin(*origin)) {
    refuse(403, "Cross origin websockets not allowed");
    return;
  }
  const std::string version = h.get("Sec-Websocket-Version");
  if (version != "13" && version != "8" && version != "7") {
    // 7 and 8 are the last drafts, framed as 13 is: Tornado accepts the three and names them.
    set_status(426, "Upgrade Required");
    set_header("Sec-WebSocket-Version", "7, 8, 13");
    (void)finish();
    return;
  }
  if (!h.contains("Host") || !valid_key(h.get("Sec-Websocket-Key"))) {
    refuse(400, "Missing/Invalid WebSocket headers");
    return;
  }
  if (get_compression_options())
    throw std::invalid_argument("permessage-deflate needs zlib, which this library does not use");
  // Whether open() can be called is known before the 101: a mistake answers 500.
  if (!calls_)
    throw std::logic_error(
        "a WebSocketHandler must be routed with url<H>, which finds H's "
        "open() and on_message()");
  const std::size_t groups = path_args().size();
  const unsigned takes = calls_->open_arities;
  if (!((groups < 7 && (takes >> groups) & 1u) || (takes & 1u)))
    throw std::invalid_argument("the handler's open() takes neither the pattern's " +
                                std::to_string(groups) + " groups nor no argument");
  const std::vector<std::string> offered = split_list(h.find("Sec-Websocket-Protocol"));
  if (std::optional<std::string> chosen = select_subprotocol(offered)) {
    if (std::find(offered.begin(), offered.end(), *chosen) == offered.end())
      throw std::logic_error("select_subprotocol chose a subprotocol the client did not offer");
    subprotocol_ = *chosen;
    set_header("Sec-WebSocket-Protocol", subprotocol_);
  }
  clear_header("Content-Type");
  set_status(101);
  set_header("Upgrade", "websocket");
  set_header("Connection", "Upgrade");
  set_header("Sec-WebSocket-Accept", compute_accept_value(h.get("Sec-Websocket-Key")));
  (void)finish();
  std::string unread;
  std::shared_ptr<IOStream> stream = detach(&unread);
  if (!stream || stream->closed()) return;  // the client left during the handshake
  ws_ = std::make_shared<detail::WebSocketProtocol>(stream, true, params());
  std::optional<Future<void>> opened;
  try {
    opened = calls_->open(*this, path_args());
  } catch (...) {
    log::app_log.error("Uncaught exception in open() %s: %s", request_summary().c_str(),
                       util::exception_message(std::current_exception()).c_str());
    ws_->abort();
    ws_.reset();
    return;
  }
  // open() may have closed it already: the loop still runs, to read the peer's close. A
  // coroutine open() holds the frames back until it is done.
  ws_->start(shared_from_this(), this, std::move(unread), std::move(opened));
}

WebSocketParams WebSocketHandler::params() const {
  const web::Settings& s = settings();
  return {s.websocket_ping_interval, s.websocket_ping_timeout, s.websocket_max_message_size};
}

std::optional<std::string> WebSocketHandler::select_subprotocol(
    const std::vector<std::string>& offered) {
  (void)offered;
  return std::nullopt;
}

// Same origin: the Origin's host[:port] equals the Host header, as Tornado compares them.
bool WebSocketHandler::check_origin(std::string_view origin) {
  const std::size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view netloc = origin.substr(scheme + 3);
  netloc = netloc.substr(0, netloc.find_first_of("/?#"));
  return util::ascii_lower(netloc) == request().headers.get("Host");
}

Future<void> WebSocketHandler::write_message(std::string_view message, bool binary) {
  if (!ws_) throw WebSocketClosedError();
  return ws_->write_message(message, binary);
}

void WebSocketHandler::ping(std::string_view data) {
  if (!ws_) throw WebSocketClosedError();
  ws_->write_ping(data);
}

void WebSocketHandler::close(std::optional<std::uint16_t> code, std::string_view reason) {
  if (!ws_) return;
  if (!code && !reason.empty()) code = kCloseNormal;
  ws_->close(code.value_or(0), reason);
}

std::optional<std::uint16_t> WebSocketHandler::close_code() const {
  return ws_ ? ws_->close_code() : last_code_;
}

std::string WebSocketHandler::close_reason() const {
  return ws_ ? ws_->close_reason() : last_reason_;
}

void WebSocketHandler::set_nodelay(bool on) {
  if (ws_) ws_->stream()->set_nodelay(on);
}

std::optional<Future<void>> WebSocketHandler::ws_message(std::string data, bool is_binary) {
  return calls_->on_message(*this, std::move(data), is_binary);
}
void WebSocketHandler::ws_ping(std::string_view data) { on_ping(data); }
void WebSocketHandler::ws_pong(std::string_view data) { on_pong(data); }

void WebSocketHandler::ws_closed() {
  // The protocol is dropped here (Tornado's _break_cycles), after keeping what it learned.
  last_code_ = ws_->close_code();
  last_reason_ = ws_->close_reason();
  std::shared_ptr<detail::WebSocketProtocol> keep = std::move(ws_);
  on_close();
}

}  // namespace tornado::websocket
