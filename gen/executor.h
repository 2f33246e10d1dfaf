// gen/executor.h: a fixed pool of threads that runs blocking calls off the loop.
//
// Mirrors:  concurrent.futures.ThreadPoolExecutor (what Tornado uses for blocking work) and
//           tornado.concurrent.run_on_executor.
//
//   tornado::ThreadPoolExecutor pool(2);
//   tornado::Future<std::string> f = pool.submit([] { return slow_disk_read(); });
//   std::string s = co_await f;             // the loop keeps serving while the worker reads
//
// In loop:  submit() is called on a loop thread; the call runs on a worker; its result (or
//           exception) travels back with IOLoop::add_callback and resolves the Future on the
//           loop that submitted it, so Futures are only ever touched by their loop's thread.
// Ownership: the executor owns its threads and its queue of calls. Destroying it, or
//           shutdown(true), waits for every queued call to finish. Shut the executor down
//           before closing the loops it reports to: a result that arrives at a closed loop is
//           dropped (its Future is abandoned).
// Thread:   submit() from a loop thread; shutdown() from any thread but a worker.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/reactor/callback.h"

namespace tornado {

class ThreadPoolExecutor {
 public:
  // Starts max_workers threads (at least 1).
  explicit ThreadPoolExecutor(std::size_t max_workers);
  ~ThreadPoolExecutor();
  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;

  // Runs fn(args...) on a worker. The Future resolves on IOLoop::current() of the caller.
  // Arguments are copied or moved into the call, as std::thread does. Throws
  // std::runtime_error after shutdown(). A submitted call cannot be cancelled.
  template <class F, class... A>
  auto submit(F&& fn, A&&... args)
      -> Future<std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>>;

  // Stops taking new calls. With wait, returns once every queued call has run and the threads
  // have exited; without, returns at once (the destructor still waits).
  void shutdown(bool wait = true);
  std::size_t max_workers() const { return threads_.size(); }

 private:
  using Task = InlineFunction<void()>;
  void post(Task task);
  void work();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Task> tasks_;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  std::vector<std::thread> threads_;
};

template <class F, class... A>
auto ThreadPoolExecutor::submit(F&& fn, A&&... args)
    -> Future<std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>> {
  using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>;
  Future<R> f;
  Promise<R> promise(f);
  promise.set_running();  // as a concurrent.futures Future once handed to a pool
  IOLoop* loop = &IOLoop::current();
  // The Promise only ever moves between threads (a move leaves the shared count alone); it is
  // used again on the loop thread, in the callback that delivers the outcome.
  post([loop, r = std::move(promise), fn = std::forward<F>(fn),
        args = std::make_tuple(std::forward<A>(args)...)]() mutable {
    std::optional<detail::Stored<R>> value;
    std::exception_ptr error;
    try {
      if constexpr (std::is_void_v<R>) {
        std::apply(fn, std::move(args));
        value.emplace();
      } else {
        value.emplace(std::apply(fn, std::move(args)));
      }
    } catch (...) {
      error = std::current_exception();
    }
    // Moved, not copied: the worker must not keep a reference to the exception after the loop
    // thread may have read it (the last release would race with that read).
    loop->add_callback(
        [r = std::move(r), value = std::move(value), error = std::move(error)]() mutable {
          if (error) {
            r.set_exception(error);
          } else if constexpr (std::is_void_v<R>) {
            r.set_result();
          } else {
            r.set_result(std::move(*value));
          }
        });
  });
  return f;
}

// Tornado's run_on_executor: run a function (or a member function with its object) on
// `executor` and get a Future. `run_on_executor(pool, &Db::query, &db, "select 1")`.
template <class F, class... A>
auto run_on_executor(ThreadPoolExecutor& executor, F&& fn, A&&... args) {
  return executor.submit(std::forward<F>(fn), std::forward<A>(args)...);
}

}  // namespace tornado
