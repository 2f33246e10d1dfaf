/* bench/peers/libuv_bench.c: libuv on the three peer workloads.
 *
 * Measures: posted_callbacks (libuv has no call-this-soon primitive; an idle handle, whose
 *           callback runs once per loop iteration, is the nearest, and it is what libuv's own
 *           loop_count benchmark uses), million_timers (uv_timer_start with the shared random
 *           deadlines, uv_timer_stop on every other one, the rest run; also at the counts of
 *           BENCH_TIMERS), and libevent's pipe chain with uv_poll_t handles (libuv on Linux
 *           has only its epoll backend).
 * Mirrors:  tornado_bench.cc; counts, deadlines and the chain itself come from bench_common.c.
 * Output:   "libuv <workload> <value> <unit>" lines for run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "bench_common.h"

static long posted_left;

static void on_idle(uv_idle_t* h) {
  if (--posted_left == 0) uv_idle_stop(h);
}

static double posted_callbacks_ns(uv_loop_t* loop, uv_idle_t* idle, long n) {
  posted_left = n;
  uv_idle_start(idle, on_idle);
  const int64_t start = bench_cpu_ns();
  uv_run(loop, UV_RUN_DEFAULT);
  const int64_t end = bench_cpu_ns();
  if (posted_left != 0) {
    fprintf(stderr, "posted_callbacks: %ld callbacks did not run\n", posted_left);
    exit(1);
  }
  return (double)(end - start) / (double)n;
}

static uv_timer_t* timers; /* BENCH_TIMER_COUNT, the largest count */
static int timers_count;   /* this round's */
static long timers_fired;

static void on_timer(uv_timer_t* h) {
  (void)h;
  ++timers_fired;
}

/* Scheduling runs inside the loop, as in every program, so uv_timer_start() measures each
 * deadline from the loop's time of this iteration. */
static void on_schedule(uv_idle_t* h) {
  const uint32_t* deadline_ms = bench_timer_deadlines_ms();
  uv_idle_stop(h);
  for (int i = 0; i < timers_count; i++) uv_timer_start(&timers[i], on_timer, deadline_ms[i], 0);
  for (int i = 0; i < timers_count; i += 2) uv_timer_stop(&timers[i]);
}

/* The loop and the idle handle that starts each round (ctx of timers_round_ns). */
struct timer_loop {
  uv_loop_t* loop;
  uv_idle_t* starter;
};

static double timers_round_ns(void* ctx, int n) {
  const struct timer_loop* t = ctx;
  timers_count = n;
  timers_fired = 0;
  const int64_t start = bench_cpu_ns();
  uv_idle_start(t->starter, on_schedule);
  uv_run(t->loop, UV_RUN_DEFAULT); /* returns when no timer is left */
  const int64_t end = bench_cpu_ns();
  if (timers_fired != n / 2) {
    fprintf(stderr, "timers/%d: %ld fired\n", n, timers_fired);
    exit(1);
  }
  return (double)(end - start) / n;
}

static struct bench_chain chain;

static void on_poll(uv_poll_t* h, int status, int events) {
  (void)status;
  (void)events;
  bench_chain_readable(&chain, (int)(intptr_t)h->data);
}

static void step(void* loop) { uv_run(loop, UV_RUN_NOWAIT); }

static void close_one(uv_handle_t* h, void* arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

static void close_all(uv_loop_t* loop) {
  uv_walk(loop, close_one, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  if (uv_loop_close(loop) != 0) fprintf(stderr, "uv_loop_close: handles left\n");
}

static void pipe_chain(void) {
  for (int k = 0; k < bench_chain_nconfigs(); k++) {
    if (!bench_chain_selected(k, "epoll")) continue;
    uv_loop_t loop;
    uv_loop_init(&loop);
    if (bench_chain_open(&chain, bench_chain_pipes(k), bench_chain_active(k)) != 0) exit(1);
    uv_poll_t* polls = calloc((size_t)chain.npipes, sizeof *polls);
    for (int i = 0; i < chain.npipes; i++) {
      uv_poll_init(&loop, &polls[i], chain.fds[2 * i]);
      polls[i].data = (void*)(intptr_t)i;
      uv_poll_start(&polls[i], UV_READABLE, on_poll);
    }
    const double us = bench_chain_measure(&chain, step, &loop);
    close_all(&loop);
    free(polls);
    bench_chain_close(&chain);
    if (us < 0) {
      fprintf(stderr, "pipe_chain failed\n");
      exit(1);
    }
    char workload[64];
    bench_chain_workload(workload, sizeof workload, k, "epoll");
    bench_report("libuv", workload, us, "us/run");
  }
}

int main(void) {
  uv_loop_t loop;
  uv_idle_t idle;
  uv_loop_init(&loop);
  uv_idle_init(&loop, &idle);
  if (bench_selected("posted_callbacks")) {
    (void)posted_callbacks_ns(&loop, &idle, BENCH_POSTED_COUNT / 10); /* warm-up */
    double posted[BENCH_POSTED_RUNS];
    for (int i = 0; i < bench_runs(BENCH_POSTED_RUNS); i++)
      posted[i] = posted_callbacks_ns(&loop, &idle, BENCH_POSTED_COUNT);
    bench_report("libuv", "posted_callbacks", bench_median(posted, bench_runs(BENCH_POSTED_RUNS)),
                 "ns/callback");
  }

  /* Handles are initialised once: uv_timer_init links a handle into the loop, and doing it
   * again on a live handle would corrupt that list. */
  timers = calloc(BENCH_TIMER_COUNT, sizeof *timers);
  for (int i = 0; i < BENCH_TIMER_COUNT; i++) uv_timer_init(&loop, &timers[i]);
  struct timer_loop t = {&loop, &idle};
  bench_timers_report("libuv", timers_round_ns, &t);
  close_all(&loop);
  free(timers);

  pipe_chain();
  return 0;
}
