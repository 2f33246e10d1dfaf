/* bench/peers/libev_bench.c: libev on the three peer workloads.
 *
 * Measures: posted_callbacks (a watcher that ev_feed_event()s itself from its own callback:
 *           libev's cheapest way to run a callback again), million_timers (ev_timer_start with
 *           the shared random deadlines, ev_timer_stop on every other one, the rest run; also
 *           at the counts of BENCH_TIMERS), and libevent's pipe chain with ev_io watchers on
 *           the epoll, poll and select backends.
 * Mirrors:  tornado_bench.cc; counts, deadlines and the chain itself come from bench_common.c.
 * Output:   "libev <workload> <value> <unit>" lines for run.sh. */
#include <ev.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"

static long posted_left;

static void on_posted(struct ev_loop* loop, ev_prepare* w, int revents) {
  (void)revents;
  if (--posted_left > 0) ev_feed_event(loop, w, EV_CUSTOM);
}

static double posted_callbacks_ns(struct ev_loop* loop, long n) {
  ev_prepare w; /* never started: ev_feed_event only needs an initialised watcher */
  ev_init(&w, on_posted);
  posted_left = n;
  ev_feed_event(loop, &w, EV_CUSTOM);
  const int64_t start = bench_cpu_ns();
  ev_run(loop, 0);
  const int64_t end = bench_cpu_ns();
  if (posted_left != 0) {
    fprintf(stderr, "posted_callbacks: %ld callbacks did not run\n", posted_left);
    exit(1);
  }
  return (double)(end - start) / (double)n;
}

static ev_timer* timers; /* BENCH_TIMER_COUNT, the largest count */
static int timers_count; /* this round's */
static long timers_fired;

static void on_timer(struct ev_loop* loop, ev_timer* w, int revents) {
  (void)loop;
  (void)w;
  (void)revents;
  ++timers_fired;
}

/* Scheduling runs inside the loop, as in every program; ev_now_update() is the fresh clock
 * read that tornado_bench.cc's loop.time() is. */
static void on_schedule(struct ev_loop* loop, ev_prepare* w, int revents) {
  const uint32_t* deadline_ms = bench_timer_deadlines_ms();
  (void)w;
  (void)revents;
  ev_now_update(loop);
  for (int i = 0; i < timers_count; i++) {
    ev_timer_set(&timers[i], deadline_ms[i] * 1e-3, 0.);
    ev_timer_start(loop, &timers[i]);
  }
  for (int i = 0; i < timers_count; i += 2) ev_timer_stop(loop, &timers[i]);
}

static double timers_round_ns(void* ctx, int n) {
  struct ev_loop* loop = ctx;
  ev_prepare starter;
  ev_init(&starter, on_schedule);
  timers_count = n;
  timers_fired = 0;
  const int64_t start = bench_cpu_ns();
  ev_feed_event(loop, &starter, EV_CUSTOM);
  ev_run(loop, 0); /* returns when no timer is left */
  const int64_t end = bench_cpu_ns();
  if (timers_fired != n / 2) {
    fprintf(stderr, "timers/%d: %ld fired\n", n, timers_fired);
    exit(1);
  }
  return (double)(end - start) / n;
}

static struct bench_chain chain;

static void on_readable(struct ev_loop* loop, ev_io* w, int revents) {
  (void)loop;
  (void)revents;
  bench_chain_readable(&chain, (int)(intptr_t)w->data);
}

static void step(void* loop) { ev_run(loop, EVRUN_NOWAIT); }

static void pipe_chain(const char* name, unsigned backend) {
  for (int k = 0; k < bench_chain_nconfigs(); k++) {
    if (!bench_chain_selected(k, name)) continue;
    struct ev_loop* loop = ev_loop_new(backend);
    if (loop == NULL || ev_backend(loop) != backend) {
      if (loop != NULL) ev_loop_destroy(loop);
      return; /* this libev was built without that backend */
    }
    if (bench_chain_open(&chain, bench_chain_pipes(k), bench_chain_active(k)) != 0) exit(1);
    if (backend == EVBACKEND_SELECT && !bench_chain_fits_select(&chain)) {
      bench_chain_close(&chain);
      ev_loop_destroy(loop);
      continue;
    }
    ev_io* watchers = calloc((size_t)chain.npipes, sizeof *watchers);
    for (int i = 0; i < chain.npipes; i++) {
      ev_io_init(&watchers[i], on_readable, chain.fds[2 * i], EV_READ);
      watchers[i].data = (void*)(intptr_t)i;
      ev_io_start(loop, &watchers[i]);
    }
    const double us = bench_chain_measure(&chain, step, loop);
    for (int i = 0; i < chain.npipes; i++) ev_io_stop(loop, &watchers[i]);
    free(watchers);
    ev_loop_destroy(loop);
    bench_chain_close(&chain);
    if (us < 0) {
      fprintf(stderr, "pipe_chain on %s failed\n", name);
      exit(1);
    }
    char workload[64];
    bench_chain_workload(workload, sizeof workload, k, name);
    bench_report("libev", workload, us, "us/run");
  }
}

int main(void) {
  struct ev_loop* loop = ev_loop_new(EVBACKEND_EPOLL);
  if (loop == NULL) {
    fprintf(stderr, "ev_loop_new failed\n");
    return 1;
  }
  if (bench_selected("posted_callbacks")) {
    (void)posted_callbacks_ns(loop, BENCH_POSTED_COUNT / 10); /* warm-up */
    double posted[BENCH_POSTED_RUNS];
    for (int i = 0; i < bench_runs(BENCH_POSTED_RUNS); i++)
      posted[i] = posted_callbacks_ns(loop, BENCH_POSTED_COUNT);
    bench_report("libev", "posted_callbacks", bench_median(posted, bench_runs(BENCH_POSTED_RUNS)),
                 "ns/callback");
  }

  timers = calloc(BENCH_TIMER_COUNT, sizeof *timers);
  for (int i = 0; i < BENCH_TIMER_COUNT; i++) ev_init(&timers[i], on_timer);
  bench_timers_report("libev", timers_round_ns, loop);
  free(timers);
  ev_loop_destroy(loop);

  pipe_chain("epoll", EVBACKEND_EPOLL);
  pipe_chain("poll", EVBACKEND_POLL);
  pipe_chain("select", EVBACKEND_SELECT);
  return 0;
}
