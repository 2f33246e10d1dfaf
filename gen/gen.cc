// gen/gen.cc: gen::sleep and the error logging of multi.
//
// Mirrors:  tornado/gen.py (sleep, multi_future's "Multiple exceptions in yield list").
// In loop:  sleep() is one call_later whose callback resolves the Future; the timer holds the
//           only producer claim, so a loop closed before the deadline abandons the Future and
//           frees the coroutines waiting on it.
#include "tornado/gen/gen.h"

#include "tornado/reactor/util.h"

namespace tornado::gen {

Future<void> sleep(double seconds) {
  Future<void> f;
  IOLoop::current().call_later(seconds, [r = Promise<void>(f)]() mutable { r.set_result(); });
  return f;
}

namespace detail {

void log_extra_error(const std::exception_ptr& e) {
  log::app_log.error("Multiple exceptions in yield list: %s", util::exception_message(e).c_str());
}

}  // namespace detail
}  // namespace tornado::gen
