// tests/support/kqueue_shim/sys/event.h: the part of BSD's <sys/event.h> that
// reactor/kqueue.cc uses, implemented over epoll. Tests only; never installed or linked into
// the library.
//
// Why:      DESIGN §5: the kqueue backend must pass the same conformance suite as the others,
//           and CI runs on Linux. Building the real reactor/kqueue.cc against this header lets
//           the suite run it (tests/support/kqueue_shim/kqueue_shim.cc registers it).
// Covers:   kqueue(), kevent() with a change list and an event list and a timeout;
//           EVFILT_READ and EVFILT_WRITE; EV_ADD, EV_DELETE; EV_EOF and EV_ERROR in results.
// Not:      other filters (timers, signals, vnodes, processes), EV_ENABLE/EV_DISABLE/EV_CLEAR/
//           EV_ONESHOT, udata, `data` byte counts (always 0), and fork semantics (a real kqueue
//           is not inherited by a child; this one is an epoll fd, which is).
#pragma once
// It stands in for a system header, and is treated as one: the BSD API's function `kevent`
// shares its name with `struct kevent`, which -Wshadow would otherwise reject.
#pragma GCC system_header

#include <stdint.h>
#include <time.h>

struct kevent {
  uintptr_t ident;
  short filter;
  unsigned short flags;
  unsigned int fflags;
  intptr_t data;
  void* udata;
};

#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)

#define EV_ADD 0x0001
#define EV_DELETE 0x0002
#define EV_ERROR 0x4000
#define EV_EOF 0x8000

#define EV_SET(kevp, a, b, c, d, e, f) \
  do {                                 \
    struct kevent* ev_ = (kevp);       \
    ev_->ident = (a);                  \
    ev_->filter = (b);                 \
    ev_->flags = (c);                  \
    ev_->fflags = (d);                 \
    ev_->data = (e);                   \
    ev_->udata = (f);                  \
  } while (0)

extern "C" {
int kqueue(void);
int kevent(int kq, const struct kevent* changelist, int nchanges, struct kevent* eventlist,
           int nevents, const struct timespec* timeout);
}
