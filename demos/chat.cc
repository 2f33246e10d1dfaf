// demos/chat.cc: Tornado's WebSocket chat demo (demos/websocket/chatdemo.py) in C++.
//
//   build/demos/chat --port=8888
//   open http://127.0.0.1:8888/ in two browser windows; type in one, read in both.
//
// GET / serves a page with a little JavaScript that opens a WebSocket to /chatsocket. Each
// message a page sends ({"body": "..."}) is given an id and broadcast to every open page as
// {"id": N, "body": "..."}; the last --cache_size messages are kept and sent to a newcomer
// as soon as its socket opens. Tornado renders that backlog into the page with a template;
// here it travels over the socket, so the page is a constant and a client without a browser
// (tests/demos/chat_test.cc) sees the same backlog. The page inserts bodies as text, never as
// markup.
#include <deque>
#include <set>
#include <string>

#include "demos/demo.h"
#include "tornado/http/json.h"
#include "tornado/reactor/log.h"
#include "tornado/web/websocket.h"

namespace {

const char* kPage = R"html(<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>Tornado Chat Demo</title>
<style>
body { font-family: sans-serif; margin: 2em; }
#inbox { border: 1px solid #ccc; height: 20em; overflow-y: auto; padding: 0.5em; }
.message { margin: 0.2em 0; }
</style>
</head>
<body>
<div id="inbox"></div>
<form id="messageform">
<input id="message" name="body" autocomplete="off" style="width: 30em">
<input type="submit" value="Post">
</form>
<script>
"use strict";
const inbox = document.getElementById("inbox");
const input = document.getElementById("message");
const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") +
                             location.host + "/chatsocket");
socket.onopen = () => document.body.dataset.connected = "yes";
socket.onmessage = (event) => {
  const message = JSON.parse(event.data);
  const div = document.createElement("div");
  div.className = "message";
  div.id = "m" + message.id;
  div.textContent = message.body;
  inbox.appendChild(div);
  inbox.scrollTop = inbox.scrollHeight;
};
document.getElementById("messageform").onsubmit = (event) => {
  event.preventDefault();
  if (input.value) socket.send(JSON.stringify({body: input.value}));
  input.value = "";
  input.focus();
};
</script>
</body>
</html>
)html";

struct MainHandler : tornado::web::RequestHandler {
  void get() { write(kPage); }
};

// Tornado's ChatSocketHandler: the open sockets and the backlog are shared by all of them.
struct ChatSocketHandler : tornado::websocket::WebSocketHandler {
  static constexpr std::size_t kMaxBody = 4096;  // characters kept of a message
  static inline std::set<ChatSocketHandler*> waiters;
  static inline std::deque<std::string> cache;  // encoded messages, oldest first
  static inline std::size_t cache_size = 200;
  static inline std::int64_t next_id = 1;

  void open() {
    waiters.insert(this);
    for (const std::string& m : cache) (void)write_message(m);
  }
  void on_close() override { waiters.erase(this); }

  void on_message(std::string message, bool is_binary) {
    std::string body;
    try {
      const tornado::json::Value v = tornado::json::decode(message);
      const tornado::json::Value* b = v.is_object() ? v.find("body") : nullptr;
      if (is_binary || !b || !b->is_string()) throw std::invalid_argument("no body");
      body = b->as_string().substr(0, kMaxBody);
    } catch (const std::exception& e) {
      tornado::log::app_log.info("ignoring a message that is not {\"body\": text}: %s", e.what());
      return;
    }
    tornado::json::Object chat{{"id", next_id++}, {"body", body}};
    const std::string encoded = tornado::json::encode(chat);
    cache.push_back(encoded);
    while (cache.size() > cache_size) cache.pop_front();
    tornado::log::app_log.info("sending message to %zu waiters", waiters.size());
    for (ChatSocketHandler* w : waiters) {
      try {
        (void)w->write_message(encoded);
      } catch (const tornado::websocket::WebSocketClosedError&) {
        // closing: its on_close removes it
      }
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  demo::define_server_options(8888);
  tornado::options::define<int>("cache_size", 200, "messages kept for newcomers");
  tornado::options::parse_command_line(argc, argv);
  ChatSocketHandler::cache_size =
      static_cast<std::size_t>(std::max(0, tornado::options::get<int>("cache_size")));
  tornado::web::Application app({
      tornado::web::url<MainHandler>("/"),
      tornado::web::url<ChatSocketHandler>("/chatsocket"),
  });
  return demo::serve(app);
}
