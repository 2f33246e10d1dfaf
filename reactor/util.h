// reactor/util.h: small things every layer shares.
//
// Mirrors:  tornado/util.py (TimeoutError, errno_from_exception).
//
//   try { co_await gen::with_timeout(1s, f); } catch (const tornado::TimeoutError&) { ... }
#pragma once

#include <stdexcept>
#include <string>

namespace tornado {

// Raised (or carried by a Future) when an operation's deadline passes: with_timeout, run_sync,
// lock and queue waits, connect and request timeouts.
class TimeoutError : public std::runtime_error {
 public:
  explicit TimeoutError(const std::string& what = "Timeout") : std::runtime_error(what) {}
};

}  // namespace tornado
