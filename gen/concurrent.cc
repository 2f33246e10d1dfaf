// gen/concurrent.cc: the type-independent part of a Future's state.
//
// Mirrors:  tornado/concurrent.py and asyncio's "Future exception was never retrieved".
// Callers:  every FutureState<T> (gen/concurrent.h).
// Rules:    an exception that nobody retrieved (result(), exception(), co_await) is logged to
//           app_log when the state is freed, so a failed fire-and-forget coroutine is never
//           silent. Cancellation is not an error worth logging.
#include "tornado/gen/concurrent.h"

#include "tornado/reactor/log.h"

namespace tornado::detail {

namespace {

std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "non-standard exception";
  }
}

}  // namespace

FutureStateBase::~FutureStateBase() {
  if (status == Status::kException && !retrieved && error) {
    log::app_log.error("Future exception was never retrieved: %s", describe(error).c_str());
  }
}

void FutureStateBase::rethrow_if_failed() {
  if (!error) return;
  retrieved = true;
  std::rethrow_exception(error);
}

}  // namespace tornado::detail
