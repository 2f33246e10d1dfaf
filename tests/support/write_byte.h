// tests/support/write_byte.h: one byte into a pipe or socketpair, so that its other end is
// readable: how the loop tests make a handler fire.
// Role:     shared by tests/reactor/ioloop_test.cc and ioloop_continuation_test.cc; a header
//           of its own, so that the many tests including async_test.h do not depend on it.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

namespace tornado::testing {

inline void write_byte(int fd) {
  const char c = 'x';
  REQUIRE(::write(fd, &c, 1) == 1);
}

}  // namespace tornado::testing
