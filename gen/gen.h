// gen/gen.h: coroutine helpers over Future<T>: sleep, moment, with_timeout, multi,
// WaitIterator, and the IOLoop glue run_sync and add_future.
//
// Mirrors:  tornado/gen.py (sleep, moment, with_timeout, multi, WaitIterator,
//           convert_yielded) and IOLoop.run_sync / IOLoop.add_future of tornado/ioloop.py,
//           which live here because reactor/ knows nothing of Futures (DESIGN §1).
//
//   tornado::Future<void> tick() {
//     co_await tornado::gen::sleep(std::chrono::milliseconds(200));   // the loop keeps running
//     auto [a, b] = co_await tornado::gen::multi(fetch_a(), fetch_b());
//     int c = co_await tornado::gen::with_timeout(1.0, fetch_c());     // TimeoutError after 1 s
//   }
//
// Producing: a layer above gen/ that resolves a Future later (a stream's read, a client's
//           exchange) keeps a Promise<T> for it (gen/concurrent.h): made from the Future,
//           resolved once with set_result or set_exception, asked whether the consumer
//           cancelled. The Future's state is private to gen/.
//
//   Future<std::string> f;
//   Promise<std::string> p(f);   // ... later: p.set_result(line);
//
// Ownership: every helper returns a new Future; what it waits on is held through callbacks
//           and producer claims (gen/concurrent.h), never through a cycle, so abandoning the
//           inputs abandons the output and frees everything.
// Thread:   the loop thread (IOLoop::current()).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"

namespace tornado::gen {

using Duration = std::chrono::duration<double>;

// A Future that resolves after `seconds` on the current loop (Tornado's gen.sleep).
Future<void> sleep(double seconds);
template <class Rep, class Period>
Future<void> sleep(std::chrono::duration<Rep, Period> d) {
  return sleep(Duration(d).count());
}

// co_await gen::moment: give the loop one iteration, then continue (Tornado's gen.moment).
struct MomentAwaiter {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const {
    IOLoop::current().add_callback(detail::Resumer(h));
  }
  void await_resume() const noexcept {}
};
inline constexpr MomentAwaiter moment{};

// The outcome of `inner`, or, when `timeout` seconds pass first, the exception that
// on_timeout() returns; on_timeout may also stop the operation (the HTTP client closes the
// stream of an exchange that ran out of time). inner's outcome after that is dropped: a failure
// is passed to on_late(exception_ptr), which may log it. The result moves out of inner when
// nobody else holds it.
template <class T, class OnTimeout, class OnLate>
Future<T> with_timeout(double timeout, Future<T> inner, OnTimeout on_timeout, OnLate on_late) {
  if (inner.done()) return inner;
  Future<T> out;
  Promise<T> on_time(out);
  Promise<T> on_done(out);
  IOLoop& loop = IOLoop::current();
  const Timeout t = loop.call_later(
      timeout, [r = std::move(on_time), on_timeout = std::move(on_timeout)]() mutable {
        if (!r.done()) r.set_exception(on_timeout());
      });
  inner.add_done_callback(
      [r = std::move(on_done), &loop, t, on_late = std::move(on_late)](Future<T>& f) mutable {
        loop.remove_timeout(t);
        const std::exception_ptr e = f.exception();  // retrieved: a late one goes to on_late
        if (r.done()) {
          if (e) on_late(e);
        } else if (e) {
          r.set_exception(e);
        } else if constexpr (std::is_void_v<T>) {
          r.set_result();
        } else {
          r.set_result(tornado::detail::take_result(f));
        }
      });
  return out;
}

// The outcome of `inner`, or TimeoutError if `timeout` seconds pass first (Tornado's
// gen.with_timeout). As in Tornado the inner Future is not cancelled; if it later fails, its
// exception is logged.
template <class T>
Future<T> with_timeout(double timeout, Future<T> inner) {
  return with_timeout(
      timeout, std::move(inner),
      [timeout] {
        return std::make_exception_ptr(
            TimeoutError("Timeout after " + std::to_string(timeout) + " seconds"));
      },
      [](const std::exception_ptr& e) {
        log::app_log.error("Exception in Future after timeout: %s",
                           util::exception_message(e).c_str());
      });
}
template <class T, class Rep, class Period>
Future<T> with_timeout(std::chrono::duration<Rep, Period> timeout, Future<T> inner) {
  return with_timeout(Duration(timeout).count(), std::move(inner));
}

namespace detail {

// Logs an error that lost the race to be the result of multi (Tornado logs every exception
// after the first: "Multiple exceptions in yield list").
void log_extra_error(const std::exception_ptr& e);

template <class T>
using MultiResult = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;

template <class T>
struct MultiState {
  explicit MultiState(Future<MultiResult<T>>& out, std::size_t n) : resolver(out), remaining(n) {
    if constexpr (!std::is_void_v<T>) values.resize(n);
  }
  Promise<MultiResult<T>> resolver;
  std::size_t remaining;
  std::vector<std::optional<tornado::detail::Stored<T>>> values;
};

}  // namespace detail

// Waits for all of `children`; the results in order (Tornado's multi over a list). The first
// exception becomes the result; later ones are logged.
template <class T>
Future<detail::MultiResult<T>> multi(std::vector<Future<T>> children) {
  using R = detail::MultiResult<T>;
  Future<R> out;
  if (children.empty()) {
    if constexpr (std::is_void_v<T>) {
      out.set_result();
    } else {
      out.set_result(R{});
    }
    return out;
  }
  auto st = std::make_shared<detail::MultiState<T>>(out, children.size());
  for (std::size_t i = 0; i < children.size(); ++i) {
    children[i].add_done_callback([st, i](Future<T>& f) {
      if (const std::exception_ptr e = f.exception()) {
        if (st->resolver.done()) {
          detail::log_extra_error(e);
        } else {
          st->resolver.set_exception(e);
        }
      } else if constexpr (std::is_void_v<T>) {
        (void)i;  // a void result has no slot to fill
      } else {
        // Copied, not moved: the caller may still hold the child and read its result.
        st->values[i].emplace(f.result());
      }
      if (--st->remaining == 0 && !st->resolver.done()) {
        if constexpr (std::is_void_v<T>) {
          st->resolver.set_result();
        } else {
          R results;
          results.reserve(st->values.size());
          for (auto& v : st->values) results.push_back(std::move(*v));
          st->resolver.set_result(std::move(results));
        }
      }
    });
  }
  return out;
}

// Waits for several Futures of different types: a tuple of their results (void -> Unit).
template <class... T>
Future<std::tuple<tornado::detail::Stored<T>...>> multi(Future<T>... children) {
  using Tuple = std::tuple<tornado::detail::Stored<T>...>;
  if constexpr (sizeof...(T) == 0) return make_ready_future<Tuple>();  // nothing to wait for
  struct State {
    Promise<Tuple> resolver;
    std::size_t remaining = sizeof...(T);
    std::tuple<std::optional<tornado::detail::Stored<T>>...> values;
  };
  Future<Tuple> out;
  auto st = std::make_shared<State>(State{Promise<Tuple>(out), sizeof...(T), {}});
  auto finish = [st] {
    if (--st->remaining != 0 || st->resolver.done()) return;
    st->resolver.set_result(
        std::apply([](auto&... v) { return Tuple(std::move(*v)...); }, st->values));
  };
  auto attach = [&]<std::size_t I, class U>(std::integral_constant<std::size_t, I>, Future<U>& f) {
    f.add_done_callback([st, finish](Future<U>& done) {
      if (const std::exception_ptr e = done.exception()) {
        if (st->resolver.done()) {
          detail::log_extra_error(e);
        } else {
          st->resolver.set_exception(e);
        }
        --st->remaining;
        return;
      }
      if constexpr (std::is_void_v<U>) {
        std::get<I>(st->values).emplace();
      } else {
        std::get<I>(st->values).emplace(done.result());  // copied: the caller may hold it
      }
      finish();
    });
  };
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (attach(std::integral_constant<std::size_t, I>{}, children), ...);
  }
  (std::index_sequence_for<T...>{});
  return out;
}

// Results in the order the Futures finish (Tornado's WaitIterator).
//
//   gen::WaitIterator<int> it(std::move(futures));
//   while (!it.done()) { int r = co_await it.next(); use(it.current_index(), r); }
template <class T>
class WaitIterator {
 public:
  explicit WaitIterator(std::vector<Future<T>> futures) : st_(std::make_shared<Shared>()) {
    st_->futures = std::move(futures);
    st_->unread = st_->futures.size();
    for (std::size_t i = 0; i < st_->futures.size(); ++i) {
      st_->futures[i].add_done_callback([weak = std::weak_ptr<Shared>(st_), i](Future<T>&) {
        if (auto st = weak.lock()) st->finished(i);
      });
    }
  }
  // True once every Future's outcome has been handed out by next().
  bool done() const { return st_->unread == 0 && !st_->waiting.has_value(); }
  // The next Future to finish, as a Future of its outcome.
  Future<T> next() {
    if (st_->unread == 0) throw InvalidStateError("WaitIterator::next() after done()");
    --st_->unread;
    Future<T> out;
    st_->waiting.emplace(out);
    st_->deliver();
    return out;
  }
  // Which Future the last next() resolved with, and that Future (-1 / none before).
  long current_index() const { return st_->current_index; }
  Future<T> current_future() const {
    return st_->current_index < 0 ? Future<T>()
                                  : st_->futures[static_cast<std::size_t>(st_->current_index)];
  }

 private:
  struct Shared {
    std::vector<Future<T>> futures;
    std::deque<std::size_t> ready;
    std::optional<Promise<T>> waiting;
    std::size_t unread = 0;
    long current_index = -1;

    void finished(std::size_t i) {
      ready.push_back(i);
      deliver();
    }
    void deliver() {
      if (!waiting || ready.empty()) return;
      const std::size_t i = ready.front();
      ready.pop_front();
      current_index = static_cast<long>(i);
      Promise<T> r = std::move(*waiting);
      waiting.reset();
      const Future<T>& f = futures[i];
      if (const std::exception_ptr e = f.exception()) {
        r.set_exception(e);
      } else if constexpr (std::is_void_v<T>) {
        r.set_result();
      } else {
        r.set_result(f.result());
      }
    }
  };
  std::shared_ptr<Shared> st_;
};

// A Future passes through; a vector of Futures becomes multi() (Tornado's convert_yielded).
template <class T>
Future<T> convert_yielded(Future<T> f) {
  return f;
}
template <class T>
Future<detail::MultiResult<T>> convert_yielded(std::vector<Future<T>> fs) {
  return multi(std::move(fs));
}

namespace detail {
template <class R>
struct Unwrap {
  using type = R;
};
template <class T>
struct Unwrap<Future<T>> {
  using type = T;
};
}  // namespace detail

// Runs `loop` until fn()'s Future resolves and returns its result (rethrowing its exception);
// TimeoutError if `timeout` passes first. fn may return a Future<T> (a coroutine) or a plain
// value. As Tornado's IOLoop.run_sync; the loop must not be running already.
template <class F>
typename detail::Unwrap<std::invoke_result_t<F&>>::type run_sync(
    IOLoop& loop, F&& fn, std::optional<Duration> timeout = std::nullopt) {
  using R = std::invoke_result_t<F&>;
  using T = typename detail::Unwrap<R>::type;
  // Checked before anything is queued: the queued callback refers to this frame.
  if (loop.running()) throw std::logic_error("run_sync: the IOLoop is already running");
  if (loop.closed()) throw std::logic_error("run_sync: the IOLoop is closed");
  std::optional<Future<T>> result;
  auto active = std::make_shared<bool>(true);  // a late resolution must not stop a later run
  loop.add_callback([&] {
    try {
      if constexpr (std::is_same_v<R, Future<T>>) {
        result.emplace(fn());
      } else if constexpr (std::is_void_v<R>) {
        fn();
        result.emplace(make_ready_future());
      } else {
        result.emplace(make_ready_future<T>(fn()));
      }
    } catch (...) {
      result.emplace(make_failed_future<T>(std::current_exception()));
    }
    result->add_done_callback([&loop, active](Future<T>&) {
      if (*active) loop.stop();
    });
  });
  Timeout t;
  if (timeout) t = loop.call_later(timeout->count(), [&loop] { loop.stop(); });
  loop.start();
  *active = false;
  loop.remove_timeout(t);
  if (!result || !result->done())
    throw TimeoutError("Operation timed out after " +
                       std::to_string(timeout ? timeout->count() : 0.0) + " seconds");
  if constexpr (std::is_void_v<T>) {
    result->result();
  } else {
    return std::move(result->result());
  }
}

// Runs callback(future) on `loop` once `future` is done (Tornado's IOLoop.add_future).
template <class T, class F>
void add_future(IOLoop& loop, const Future<T>& future, F&& callback) {
  future.add_done_callback([&loop, cb = std::forward<F>(callback)](Future<T>& f) mutable {
    if (&loop == IOLoop::current_or_null()) {
      cb(f);
    } else {
      loop.add_callback([cb = std::move(cb), f]() mutable { cb(f); });
    }
  });
}

}  // namespace tornado::gen
