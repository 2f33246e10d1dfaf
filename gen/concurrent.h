// gen/concurrent.h: Future<T>, the result of every asynchronous operation, its producer side
// Promise<T>, and a coroutine.
//
// Mirrors:  tornado/concurrent.py (Future, chain_future, future_set_result_unless_cancelled,
//           future_set_exception_unless_cancelled, future_add_done_callback) and the coroutine
//           machinery of tornado/gen.py: a function returning Future<T> may use co_await and
//           co_return, exactly as a Tornado coroutine returns a Future.
//
//   tornado::Future<int> answer() {
//     co_await tornado::gen::sleep(0.1);
//     co_return 42;
//   }
//   int v = tornado::gen::run_sync(loop, answer);          // 42
//
// Ownership: a Future is a shared handle: copies refer to one state, which lives while any
//           copy, any producer (a coroutine computing it, a timer, a worker) or any scheduled
//           callback still refers to it. A coroutine suspended in co_await is owned by the
//           Future it waits on: if every producer of that Future goes away without resolving
//           it (its timer destroyed with a closed IOLoop, its Event destroyed), the waiting
//           coroutine is destroyed, its locals unwound, and so on up the chain. Nothing leaks.
// Rules:    callbacks and resumed coroutines never run inside set_result(): they are queued
//           as continuations on IOLoop::current() (of the thread that resolves the Future) and
//           run as soon as the callable that resolved it returns to the loop, so the caller of
//           set_result finishes first and a chain of awaits never deepens the stack. co_await on a
//           Future that is already done continues at once, without a trip through the loop. An
//           exception never retrieved is logged when the state is freed
//           ("Future exception was never retrieved", as Tornado).
// Thread:   a Future and its state belong to one loop thread; other threads hand results over
//           with IOLoop::add_callback (ThreadPoolExecutor does).
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "tornado/gen/recycle.h"
#include "tornado/reactor/callback.h"
#include "tornado/reactor/ioloop.h"

namespace tornado {

// The Future was cancelled before it resolved (Future::cancel).
class CancelledError : public std::runtime_error {
 public:
  CancelledError() : std::runtime_error("Future was cancelled") {}
};

// result() on a pending Future, or set_result() on a done one.
class InvalidStateError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

template <class T>
class Future;
template <class T>
class Promise;

namespace detail {

struct Unit {};
template <class T>
using Stored = std::conditional_t<std::is_void_v<T>, Unit, T>;

// The part of a Future's state that does not depend on T.
class FutureStateBase {
 public:
  enum class Status : std::uint8_t { kPending, kResult, kException, kCancelled };

  FutureStateBase() = default;
  FutureStateBase(const FutureStateBase&) = delete;
  FutureStateBase& operator=(const FutureStateBase&) = delete;
  ~FutureStateBase();

  bool done() const { return status != Status::kPending; }
  // Rethrows the stored exception (marking it retrieved).
  void rethrow_if_failed();
  // Throws InvalidStateError(what): out of line, so that each Future<T> and each place that
  // checks a state does not carry the exception's construction.
  [[noreturn]] static void throw_invalid_state(const char* what);

  Status status = Status::kPending;
  bool running = false;    // a coroutine or worker is producing it: cancel() refuses
  bool retrieved = false;  // someone looked at the exception
  std::uint32_t producers = 0;
  std::exception_ptr error;
};

// Moves a suspended coroutine through the loop's callback queue. It owns the coroutine while
// it is queued: a Resumer destroyed without running (the loop closed, or the Future it waited
// on was abandoned) destroys the coroutine frame, so no frame is ever leaked.
class Resumer {
 public:
  explicit Resumer(std::coroutine_handle<> h) noexcept : h_(h) {}
  Resumer(Resumer&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Resumer& operator=(Resumer&&) = delete;
  ~Resumer() {
    if (h_) h_.destroy();
  }
  void operator()() { std::exchange(h_, {}).resume(); }

 private:
  std::coroutine_handle<> h_;
};

// enable_shared_from_this lets a done callback be handed a Future without the waiter list
// holding one (which would keep a never-resolved state alive forever).
template <class T>
class FutureState : public FutureStateBase, public std::enable_shared_from_this<FutureState<T>> {
 public:
  using DoneCallback = InlineFunction<void(Future<T>&)>;
  struct Waiter {
    std::coroutine_handle<> coroutine;  // either a coroutine to resume...
    DoneCallback callback;              // ...or a done callback
  };

  ~FutureState() { drop_waiters(); }

  template <class... A>
  void set_value(A&&... a) {
    if (done()) throw_invalid_state("set_result on a Future that is already done");
    value.emplace(std::forward<A>(a)...);
    status = Status::kResult;
    schedule_waiters();
  }
  void set_error(std::exception_ptr e, Status s = Status::kException) {
    if (done()) throw_invalid_state("set_exception on a Future that is already done");
    error = std::move(e);
    status = s;
    schedule_waiters();
  }
  void add_waiter(Waiter w) {
    if (w.coroutine && !first_ && more_.empty()) {  // keeps waiters in registration order
      first_ = w.coroutine;
    } else {
      more_.push_back(std::move(w));
    }
  }
  // Every producer is gone and nothing will ever resolve this state: drop the waiters, which
  // destroys coroutines suspended on it (their frames unwind) and done callbacks unrun.
  void abandon() { drop_waiters(); }

  std::optional<Stored<T>> value;

 private:
  void schedule_waiters();
  void schedule(Waiter& w, IOLoop& loop);
  void drop_waiters() {
    const std::coroutine_handle<> first = std::exchange(first_, {});
    std::vector<Waiter> more = std::move(more_);
    more_.clear();
    if (first) first.destroy();
    for (Waiter& w : more)
      if (w.coroutine) w.coroutine.destroy();
  }

  // Most Futures have exactly one waiter, a coroutine: keep its handle inline (8 bytes), and
  // everything else (done callbacks, further waiters) in the vector, allocated only if used.
  std::coroutine_handle<> first_;
  std::vector<Waiter> more_;
};

struct Access;
template <class T>
struct PromiseBase;

}  // namespace detail

template <class T>
class Future {
 public:
  using value_type = T;
  using State = detail::FutureState<T>;

  // A new, pending Future (one allocation: the state, from the thread's free list of that
  // size, gen/recycle.h: a request makes and drops several).
  Future() : state_(std::allocate_shared<State>(detail::RecyclingAllocator<State>{})) {}

  bool done() const { return state_->done(); }
  bool cancelled() const { return state_->status == State::Status::kCancelled; }
  bool running() const { return state_->running && !done(); }

  // The result; rethrows the Future's exception; InvalidStateError while pending.
  decltype(auto) result() const {
    if (!done()) State::throw_invalid_state("result() on a pending Future");
    state_->rethrow_if_failed();
    if constexpr (!std::is_void_v<T>) return static_cast<T&>(*state_->value);
  }
  // The exception, or nullptr; InvalidStateError while pending.
  std::exception_ptr exception() const {
    if (!done()) State::throw_invalid_state("exception() on a pending Future");
    state_->retrieved = true;
    return state_->error;
  }

  template <class... A>
  void set_result(A&&... a) const {
    state_->set_value(std::forward<A>(a)...);
  }
  void set_exception(std::exception_ptr e) const { state_->set_error(std::move(e)); }
  template <class E>
  void set_exception(E&& e) const {
    state_->set_error(std::make_exception_ptr(std::forward<E>(e)));
  }

  // As Tornado: a Future that is done, or being produced by a running coroutine or task,
  // cannot be cancelled (returns false). Otherwise it resolves with CancelledError.
  bool cancel() const {
    if (done() || state_->running) return false;
    state_->set_error(std::make_exception_ptr(CancelledError()), State::Status::kCancelled);
    return true;
  }

  // Runs cb(future) on the loop once this Future is done (at once, through the loop, if it
  // already is). Never inside set_result's caller.
  void add_done_callback(typename State::DoneCallback cb) const {
    typename State::Waiter w{{}, std::move(cb)};
    if (done()) {
      Future self = *this;
      IOLoop::current().add_callback([w = std::move(w), self]() mutable { w.callback(self); });
      return;
    }
    state_->add_waiter(std::move(w));
  }

  // Its exception, when one comes, counts as retrieved: it is not logged as "never retrieved"
  // (as Tornado's done callback that calls future.exception()), and a consumer that awaits the
  // Future still gets it.
  void silence_exception() const { state_->retrieved = true; }

  // --- co_await ---
  // Awaiting a temporary Future (or `co_await std::move(f)`) moves the result out when, at
  // resumption, no other consumer holds the state (the usual `co_await stream->read_until(...)`);
  // otherwise the result is copied so other holders still see it.
  struct Awaiter {
    const std::shared_ptr<State>* state;  // the awaited Future outlives the co_await
    bool temporary;
    bool await_ready() const noexcept { return (*state)->done(); }
    void await_suspend(std::coroutine_handle<> h) const {
      (*state)->add_waiter(typename State::Waiter{h, {}});
    }
    T await_resume() const {
      (*state)->rethrow_if_failed();
      if constexpr (std::is_void_v<T>) {
        return;
      } else if constexpr (!std::is_copy_constructible_v<T>) {
        return std::move(*(*state)->value);  // move-only (a lock guard): the awaiter takes it
      } else {
        // Producers (Promises: a timer that may still fire, a with_timeout) never read it.
        if (temporary && state->use_count() - static_cast<long>((*state)->producers) == 1)
          return std::move(*(*state)->value);
        return *(*state)->value;
      }
    }
  };
  Awaiter operator co_await() const& noexcept { return Awaiter{&state_, false}; }
  Awaiter operator co_await() && noexcept { return Awaiter{&state_, true}; }

  using promise_type = detail::PromiseBase<T>;

 private:
  friend class Promise<T>;
  friend struct detail::Access;
  explicit Future(std::shared_ptr<State> s) : state_(std::move(s)) {}
  std::shared_ptr<State> state_;
};

// The producer's side of a Future: what Tornado's producers do with Future.set_result and
// set_exception, given its own handle. A Promise is a claim: while one exists, the Future may
// still resolve; when the last one goes away with the Future pending, the Future is abandoned
// (its waiting coroutines are destroyed and their frames unwound, see Future above). Library
// code that promises to resolve a Future later (a stream's read, a timer, a queue waiter) holds
// a Promise rather than the Future.
//
//   Future<std::string> read_line() {
//     Future<std::string> f;
//     pending_ = Promise<std::string>(f);          // later: pending_.set_result(line)
//     return f;
//   }
//
// Resolving a Future whose consumer cancelled it does nothing (Tornado's
// future_set_result_unless_cancelled), so cancelling a sleep or a read is harmless; resolving
// it twice is an InvalidStateError.
template <class T>
class Promise {
 public:
  // Holds no Future.
  Promise() = default;
  // A claim on f.
  explicit Promise(const Future<T>& f) : Promise(f.state_) {}
  Promise(Promise&& o) noexcept = default;
  Promise& operator=(Promise&& o) noexcept {
    if (this != &o) {
      release();
      state_ = std::move(o.state_);
    }
    return *this;
  }
  // A second claim on the same Future.
  Promise(const Promise& o) : Promise(o.state_) {}
  Promise& operator=(const Promise&) = delete;
  ~Promise() { release(); }

  // Whether it holds a Future.
  explicit operator bool() const { return state_ != nullptr; }
  // The Future it resolves.
  Future<T> future() const { return Future<T>(state_); }
  // True when it holds no Future, or the Future is resolved or cancelled already.
  bool done() const { return !state_ || state_->done(); }
  // The consumer cancelled the Future.
  bool cancelled() const {
    return state_ && state_->status == detail::FutureStateBase::Status::kCancelled;
  }
  // The operation has started and cannot be taken back: Future::cancel() now refuses and
  // Future::running() is true (a coroutine, a queued write, a task handed to a pool).
  void set_running() const { state_->running = true; }

  template <class... A>
  void set_result(A&&... a) {
    if (!cancelled()) state_->set_value(std::forward<A>(a)...);
  }
  void set_exception(std::exception_ptr e) {
    if (!cancelled()) state_->set_error(std::move(e));
  }
  template <class E>
  void set_exception(E&& e) {
    set_exception(std::make_exception_ptr(std::forward<E>(e)));
  }

 private:
  friend struct detail::Access;
  explicit Promise(std::shared_ptr<detail::FutureState<T>> s) : state_(std::move(s)) {
    if (state_) ++state_->producers;
  }
  void release() {
    if (!state_) return;
    auto s = std::move(state_);
    if (--s->producers == 0 && !s->done()) s->abandon();
  }
  std::shared_ptr<detail::FutureState<T>> state_;
};

namespace detail {

// The way into a Future's and a Promise's state, for gen/ alone (the coroutine promise,
// make_ready_future, the timed waiters of locks and queues). Other layers use the public
// Future and Promise.
struct Access {
  template <class T>
  static const std::shared_ptr<FutureState<T>>& state(const Future<T>& f) {
    return f.state_;
  }
  template <class T>
  static const std::shared_ptr<FutureState<T>>& state(const Promise<T>& p) {
    return p.state_;
  }
  template <class T>
  static Future<T> future(std::shared_ptr<FutureState<T>> s) {
    return Future<T>(std::move(s));
  }
};

}  // namespace detail

// A Future already resolved with a value (one allocation).
template <class T, class... A>
Future<T> make_ready_future(A&&... a) {
  Future<T> f;
  const auto& st = detail::Access::state(f);
  st->value.emplace(std::forward<A>(a)...);
  st->status = detail::FutureStateBase::Status::kResult;
  return f;
}
inline Future<void> make_ready_future() { return make_ready_future<void>(); }

// One resolved Future<void> per thread, handed out again and again: a path that is done at once
// (a write the kernel took whole, a handler that returned nothing) returns it and allocates
// nothing. Continuations added to it run at once, as on any done Future.
Future<void> shared_ready_future();

// A Future already failed with e.
template <class T, class E>
Future<T> make_failed_future(E&& e) {
  Future<T> f;
  const auto& st = detail::Access::state(f);
  if constexpr (std::is_same_v<std::decay_t<E>, std::exception_ptr>) {
    st->error = std::forward<E>(e);
  } else {
    st->error = std::make_exception_ptr(std::forward<E>(e));
  }
  st->status = detail::FutureStateBase::Status::kException;
  return f;
}

namespace detail {

// The result of a Future that is done without an exception, for a consumer that passes it on:
// moved out when no other consumer holds the state (only `f` itself and producers, which
// never read it), copied otherwise, so that another holder still sees it.
template <class T>
T take_result(Future<T>& f) {
  auto& st = *Access::state(f);
  st.rethrow_if_failed();
  if constexpr (!std::is_copy_constructible_v<T>) {
    return std::move(*st.value);
  } else {
    if (Access::state(f).use_count() - static_cast<long>(st.producers) == 1)
      return std::move(*st.value);
    return *st.value;
  }
}

}  // namespace detail

// Tornado's future_set_result_unless_cancelled / future_set_exception_unless_cancelled.
template <class T, class... A>
void future_set_result_unless_cancelled(const Future<T>& f, A&&... a) {
  if (!f.cancelled()) f.set_result(std::forward<A>(a)...);
}
template <class T>
void future_set_exception_unless_cancelled(const Future<T>& f, std::exception_ptr e) {
  if (!f.cancelled()) f.set_exception(std::move(e));
}

// Copies a's outcome into b when a is done, unless b is already done (Tornado's chain_future).
template <class T>
void chain_future(const Future<T>& a, const Future<T>& b) {
  a.add_done_callback([b](Future<T>& done) {
    if (b.done()) return;
    if (const auto e = done.exception()) {
      b.set_exception(e);
    } else if constexpr (std::is_void_v<T>) {
      b.set_result();
    } else {
      b.set_result(done.result());
    }
  });
}

// Tornado's future_add_done_callback.
template <class T, class F>
void future_add_done_callback(const Future<T>& f, F&& cb) {
  f.add_done_callback(std::forward<F>(cb));
}

namespace detail {

template <class T>
void FutureState<T>::schedule_waiters() {
  if (!first_ && more_.empty()) return;  // nobody waits: no loop needed (nor created)
  IOLoop& loop = IOLoop::current();
  if (first_) loop.add_continuation(Resumer(std::exchange(first_, {})));
  if (!more_.empty()) {
    std::vector<Waiter> more = std::move(more_);
    more_.clear();
    for (Waiter& w : more) schedule(w, loop);
  }
}

template <class T>
void FutureState<T>::schedule(Waiter& w, IOLoop& loop) {
  if (w.coroutine) {
    loop.add_continuation(Resumer(std::exchange(w.coroutine, {})));
  } else {
    // The callback needs a Future to pass; build it from the shared state at run time.
    Future<T> self = Access::future(this->shared_from_this());
    loop.add_continuation([cb = std::move(w.callback), self]() mutable { cb(self); });
  }
}

// The coroutine promise behind `Future<T> f() { co_await ...; co_return v; }`. The coroutine
// starts at once (as Tornado coroutines run until their first yield) and frees its own frame
// when it finishes; while suspended, the Future it awaits owns it.
template <class T>
struct PromiseCommon {
  Promise<T> resolver{Future<T>()};

  Future<T> get_return_object() {
    resolver.set_running();
    return resolver.future();
  }
  std::suspend_never initial_suspend() noexcept { return {}; }
  std::suspend_never final_suspend() noexcept { return {}; }
  void unhandled_exception() { resolver.set_exception(std::current_exception()); }

  // Frames come from the thread's free lists (gen/recycle.h): a server's request loop makes
  // and frees frames of the same few sizes for every request.
  static void* operator new(std::size_t n) { return recycle_allocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept { recycle_deallocate(p, n); }
};

template <class T>
struct PromiseBase : PromiseCommon<T> {
  template <class U = T>
  void return_value(U&& v) {
    this->resolver.set_result(std::forward<U>(v));
  }
};

template <>
struct PromiseBase<void> : PromiseCommon<void> {
  void return_void() { this->resolver.set_result(); }
};

}  // namespace detail
}  // namespace tornado
