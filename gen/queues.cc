// gen/queues.cc: the parts of tornado/queues.py that do not depend on the item type.
//
// Mirrors:  tornado/queues.py (QueueEmpty, QueueFull, and Queue's ValueErrors).
// Callers:  BasicQueue<T, Order> in gen/queues.h, for every item type; keeping the exception
//           types' constructors and the error paths here gives them one definition each
//           instead of one per instantiation.
// Thread:   any (nothing here touches a loop).
#include "tornado/gen/queues.h"

namespace tornado {

QueueEmpty::QueueEmpty() : std::runtime_error("QueueEmpty") {}

QueueFull::QueueFull() : std::runtime_error("QueueFull") {}

namespace detail {

std::size_t checked_maxsize(std::ptrdiff_t maxsize) {
  if (maxsize < 0) throw std::invalid_argument("maxsize can't be negative");
  return static_cast<std::size_t>(maxsize);
}

void throw_task_done_underflow() {
  throw std::invalid_argument("task_done() called too many times");
}

}  // namespace detail
}  // namespace tornado
