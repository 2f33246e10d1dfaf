// gen/concurrent.cc: the type-independent part of a Future's state.
//
// Mirrors:  tornado/concurrent.py and asyncio's "Future exception was never retrieved"; the
//           thread's shared resolved Future<void>.
// Callers:  every FutureState<T> (gen/concurrent.h).
// Rules:    an exception that nobody retrieved (result(), exception(), co_await) is logged to
//           app_log when the state is freed, so a failed fire-and-forget coroutine is never
//           silent. Cancellation is not an error worth logging.
#include "tornado/gen/concurrent.h"

#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"

namespace tornado::detail {

FutureStateBase::~FutureStateBase() {
  if (status == Status::kException && !retrieved && error) {
    log::app_log.error("Future exception was never retrieved: %s",
                       util::exception_message(error).c_str());
  }
}

void FutureStateBase::throw_invalid_state(const char* what) { throw InvalidStateError(what); }

void FutureStateBase::rethrow_if_failed() {
  if (!error) return;
  retrieved = true;
  std::rethrow_exception(error);
}

}  // namespace tornado::detail

namespace tornado {

Future<void> shared_ready_future() {
  thread_local const Future<void> ready = make_ready_future();
  return ready;
}

}  // namespace tornado
