// demos/nonblocking.cc: the classic Tornado lesson, that waiting must not block the loop.
//
//   build/demos/nonblocking --port=8888 [--delay=5s] [--processes=N]
//   curl http://127.0.0.1:8888/sleep      # answers after --delay, without blocking anyone
//   curl http://127.0.0.1:8888/blocking   # a blocking call, run on a 2-thread executor
//   curl http://127.0.0.1:8888/justnow    # answers at once, even while the others wait
//   curl http://127.0.0.1:8888/           # a page listing them, rendered from a template
//
// /sleep awaits gen::sleep: the coroutine is parked and the loop serves others. /blocking
// calls a function that really blocks its thread (nanosleep) on a ThreadPoolExecutor, as
// Tornado's run_on_executor, and awaits its Future: the loop thread never sleeps. Beyond the
// executor's two threads, /blocking requests queue for a thread, but /justnow is not slowed.
// The index page is demos/templates/nonblocking.html (--template_path), rendered by
// RequestHandler::render as Tornado's first example does.
#include <time.h>

#include <chrono>
#include <memory>
#include <optional>

#include "demos/demo.h"
#include "tornado/gen/executor.h"
#include "tornado/gen/gen.h"

namespace {

using tornado::Future;
using tornado::options::Duration;

Duration delay() { return tornado::options::get<Duration>("delay"); }

struct SleepHandler : tornado::web::RequestHandler {
  Future<void> get() {
    co_await tornado::gen::sleep(delay());
    write("slept\n");
  }
};

// What a blocking library call looks like: it holds its thread for the whole time.
int blocking_call(double seconds) {
  timespec ts{
      static_cast<time_t>(seconds),
      static_cast<long>((seconds - static_cast<double>(static_cast<time_t>(seconds))) * 1e9)};
  while (::nanosleep(&ts, &ts) != 0) {
  }
  return 42;
}

// The executor is the rule's argument (Tornado's initialize kwargs), shared by every request;
// each serving process makes its own once it runs (threads do not survive a fork).
using Executor = std::optional<tornado::ThreadPoolExecutor>;
struct BlockingHandler : tornado::web::RequestHandler {
  explicit BlockingHandler(Executor* executor) : executor_(executor) {}
  Future<void> get() {
    const int answer = co_await (*executor_)->submit(blocking_call, delay().count());
    write("blocked for a while on a worker thread: " + std::to_string(answer) + "\n");
  }
  Executor* executor_;
};

struct JustNowHandler : tornado::web::RequestHandler {
  void get() { write("i am just now\n"); }
};

struct IndexHandler : tornado::web::RequestHandler {
  Future<void> get() {
    using tornado::json::Array;
    return render("nonblocking.html",
                  {{"title", "Non-blocking lessons"},
                   {"delay", delay().count()},
                   {"pages", Array{Array{"/sleep", "gen::sleep, the loop serves others"},
                                   Array{"/blocking", "a blocking call on a worker thread"},
                                   Array{"/justnow", "at once"}}}});
  }
};

}  // namespace

int main(int argc, char** argv) {
  demo::define_server_options(8888);
  tornado::options::define<Duration>("delay", Duration(5), "how long /sleep and /blocking take");
  tornado::options::define<std::string>("template_path", "demos/templates",
                                        "the folder of the index page's template");
  tornado::options::parse_command_line(argc, argv);
  // Made in each serving process: threads do not survive --processes' fork.
  Executor pool;
  using tornado::web::url;
  tornado::web::Settings settings;
  settings.template_path = tornado::options::get<std::string>("template_path");
  tornado::web::Application app(
      {
          url<IndexHandler>("/"),
          url<SleepHandler>("/sleep"),
          url<BlockingHandler>("/blocking", &pool),
          url<JustNowHandler>("/justnow"),
      },
      settings);
  const int status = demo::serve(app, [&pool] { pool.emplace(2); });
  if (pool) pool->shutdown(false);
  return status;
}
