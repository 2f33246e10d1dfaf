// demos/chat.cc: Tornado's WebSocket chat demo (demos/websocket/chatdemo.py) in C++.
//
//   build/demos/chat --port=8888 [--cache_size=200] [--template_path=demos/templates/chat]
//   open http://127.0.0.1:8888/ in two browser windows; type in one, read in both.
//
// GET / renders demos/templates/chat/index.html with the last --cache_size messages, each
// through message.html (autoescaped: a body is text, never markup), so a newcomer finds the
// backlog in the page itself. The page's script opens a WebSocket to /chatsocket. Each
// message a page sends ({"body": "..."}) is given an id, rendered with message.html as the
// backlog is, and broadcast to every open page as {"id": N, "body": "...", "html": "..."};
// the page appends the html of the ones it does not have yet. Run from the top of the tree
// (the templates' folder is relative), as the demo tests do.
#include <deque>
#include <set>
#include <string>

#include "demos/demo.h"
#include "tornado/http/json.h"
#include "tornado/reactor/log.h"
#include "tornado/web/websocket.h"

namespace {

// Tornado's ChatSocketHandler: the open sockets and the backlog are shared by all of them.
struct ChatSocketHandler : tornado::websocket::WebSocketHandler {
  static constexpr std::size_t kMaxBody = 4096;  // characters kept of a message
  static inline std::set<ChatSocketHandler*> waiters;
  static inline std::deque<tornado::json::Value> cache;  // {id, body, html}, oldest first
  static inline std::size_t cache_size = 200;
  static inline std::int64_t next_id = 1;

  // The backlog is in the page: the socket only brings what is posted from now on.
  void open() { waiters.insert(this); }
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
    std::string html = render_string("message.html", {{"message", chat}});
    chat.emplace_back("html", std::move(html));
    const std::string encoded = tornado::json::encode(chat);
    cache.emplace_back(std::move(chat));
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

struct MainHandler : tornado::web::RequestHandler {
  tornado::Future<void> get() {
    tornado::json::Array messages(ChatSocketHandler::cache.begin(), ChatSocketHandler::cache.end());
    return render("index.html", {{"messages", std::move(messages)}});
  }
};

}  // namespace

int main(int argc, char** argv) {
  demo::define_server_options(8888);
  tornado::options::define<int>("cache_size", 200, "messages kept for newcomers");
  tornado::options::define<std::string>("template_path", "demos/templates/chat",
                                        "the folder of index.html and message.html");
  tornado::options::parse_command_line(argc, argv);
  ChatSocketHandler::cache_size =
      static_cast<std::size_t>(std::max(0, tornado::options::get<int>("cache_size")));
  tornado::web::Settings settings;
  settings.template_path = tornado::options::get<std::string>("template_path");
  tornado::web::Application app(
      {
          tornado::web::url<MainHandler>("/"),
          tornado::web::url<ChatSocketHandler>("/chatsocket"),
      },
      settings);
  // Both templates are loaded (and parsed) now, so that a wrong folder is said at once.
  try {
    for (const char* name : {"index.html", "message.html"})
      (void)app.template_loader(settings.template_path).load(name);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error: %s (run from the top of the tree, or give --template_path)\n",
                 e.what());
    return 1;
  }
  return demo::serve(app);
}
