/* bench/peers/libevent_bench.c: libevent 2 on the three peer workloads.
 *
 * Measures: posted_callbacks (an event that event_active()s itself from its own callback),
 *           million_timers (event_add with the shared random deadlines, event_del on every
 *           other one, the rest run; also at the counts of BENCH_TIMERS), and the pipe chain
 *           of libevent's own test/bench.c with persistent read events on the epoll, poll and
 *           select backends.
 * Mirrors:  tornado_bench.cc; counts, deadlines and the chain itself come from bench_common.c.
 *           Events live in arrays this program owns (event_assign), as libev's and libuv's
 *           watchers do, so no library allocates per timer or per callback here.
 * Output:   "libevent <workload> <value> <unit>" lines for run.sh. */
#include <event2/event.h>
#include <event2/event_struct.h> /* struct event, for event_assign on our own arrays */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

static long posted_left;

static void on_posted(evutil_socket_t fd, short what, void* arg) {
  (void)fd;
  (void)what;
  if (--posted_left > 0) event_active(arg, EV_TIMEOUT, 0);
}

static double posted_callbacks_ns(struct event_base* base, long n) {
  struct event ev;
  event_assign(&ev, base, -1, 0, on_posted, &ev);
  posted_left = n;
  event_active(&ev, EV_TIMEOUT, 0);
  const int64_t start = bench_cpu_ns();
  event_base_loop(base, EVLOOP_ONCE);
  const int64_t end = bench_cpu_ns();
  if (posted_left != 0) {
    fprintf(stderr, "posted_callbacks: %ld callbacks did not run\n", posted_left);
    exit(1);
  }
  return (double)(end - start) / (double)n;
}

static struct event* timers; /* BENCH_TIMER_COUNT, the largest count */
static int timers_count;     /* this round's */
static long timers_fired;

static void on_timer(evutil_socket_t fd, short what, void* arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++timers_fired;
}

/* Scheduling runs inside the loop, as in every program, so event_add() measures each
 * deadline from the loop's cached time. */
static void on_schedule(evutil_socket_t fd, short what, void* arg) {
  const uint32_t* deadline_ms = bench_timer_deadlines_ms();
  (void)fd;
  (void)what;
  (void)arg;
  for (int i = 0; i < timers_count; i++) {
    struct timeval tv;
    tv.tv_sec = deadline_ms[i] / 1000;
    tv.tv_usec = (deadline_ms[i] % 1000) * 1000;
    event_add(&timers[i], &tv);
  }
  for (int i = 0; i < timers_count; i += 2) event_del(&timers[i]);
}

static double timers_round_ns(void* ctx, int n) {
  struct event_base* base = ctx;
  struct event starter;
  event_assign(&starter, base, -1, 0, on_schedule, NULL);
  timers_count = n;
  timers_fired = 0;
  const int64_t start = bench_cpu_ns();
  event_active(&starter, EV_TIMEOUT, 0);
  event_base_dispatch(base); /* returns when no event is left */
  const int64_t end = bench_cpu_ns();
  if (timers_fired != n / 2) {
    fprintf(stderr, "timers/%d: %ld fired\n", n, timers_fired);
    exit(1);
  }
  return (double)(end - start) / n;
}

static struct bench_chain chain;

static void on_readable(evutil_socket_t fd, short what, void* arg) {
  (void)fd;
  (void)what;
  bench_chain_readable(&chain, (int)(intptr_t)arg);
}

static void step(void* base) { event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK); }

/* A base on the named backend only: every other method is avoided. NULL if unavailable. */
static struct event_base* base_with(const char* method) {
  struct event_config* cfg = event_config_new();
  const char** methods = event_get_supported_methods();
  for (int i = 0; methods[i] != NULL; i++)
    if (strcmp(methods[i], method) != 0) event_config_avoid_method(cfg, methods[i]);
  struct event_base* base = event_base_new_with_config(cfg);
  event_config_free(cfg);
  if (base != NULL && strcmp(event_base_get_method(base), method) != 0) {
    event_base_free(base);
    base = NULL;
  }
  return base;
}

static void pipe_chain(const char* method) {
  for (int k = 0; k < bench_chain_nconfigs(); k++) {
    if (!bench_chain_selected(k, method)) continue;
    struct event_base* base = base_with(method);
    if (base == NULL) return;
    if (bench_chain_open(&chain, bench_chain_pipes(k), bench_chain_active(k)) != 0) exit(1);
    if (strcmp(method, "select") == 0 && !bench_chain_fits_select(&chain)) {
      bench_chain_close(&chain);
      event_base_free(base);
      continue;
    }
    struct event* events = calloc((size_t)chain.npipes, sizeof *events);
    for (int i = 0; i < chain.npipes; i++) {
      event_assign(&events[i], base, chain.fds[2 * i], EV_READ | EV_PERSIST, on_readable,
                   (void*)(intptr_t)i);
      event_add(&events[i], NULL);
    }
    const double us = bench_chain_measure(&chain, step, base);
    for (int i = 0; i < chain.npipes; i++) event_del(&events[i]);
    free(events);
    event_base_free(base);
    bench_chain_close(&chain);
    if (us < 0) {
      fprintf(stderr, "pipe_chain on %s failed\n", method);
      exit(1);
    }
    char workload[64];
    bench_chain_workload(workload, sizeof workload, k, method);
    bench_report("libevent", workload, us, "us/run");
  }
}

int main(void) {
  struct event_base* base = base_with("epoll");
  if (base == NULL) {
    fprintf(stderr, "no epoll event_base\n");
    return 1;
  }
  if (bench_selected("posted_callbacks")) {
    (void)posted_callbacks_ns(base, BENCH_POSTED_COUNT / 10); /* warm-up */
    double posted[BENCH_POSTED_RUNS];
    for (int i = 0; i < bench_runs(BENCH_POSTED_RUNS); i++)
      posted[i] = posted_callbacks_ns(base, BENCH_POSTED_COUNT);
    bench_report("libevent", "posted_callbacks",
                 bench_median(posted, bench_runs(BENCH_POSTED_RUNS)), "ns/callback");
  }

  timers = calloc(BENCH_TIMER_COUNT, sizeof *timers);
  for (int i = 0; i < BENCH_TIMER_COUNT; i++) evtimer_assign(&timers[i], base, on_timer, NULL);
  bench_timers_report("libevent", timers_round_ns, base);
  free(timers);
  event_base_free(base);

  pipe_chain("epoll");
  pipe_chain("poll");
  pipe_chain("select");
  return 0;
}
