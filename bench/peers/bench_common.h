/* bench/peers/bench_common.h: what every peer benchmark program shares.
 *
 * Measures: nothing itself. It holds the parts of the three workloads that must be identical
 *           in every program (tornado_bench.cc, libev_bench.c, libevent_bench.c,
 *           libuv_bench.c, asio_bench.cc): the counts, the timer deadlines (one xorshift64
 *           with one seed), the pipe chain of libevent's test/bench.c (its read handler body
 *           and its timed run), the clocks, the median, and the output line.
 * Mirrors:  the "same work" rule of bench/README.md: a library only supplies how to register
 *           a callback and how to run one loop iteration; the work is this file's.
 *
 * Output:   one line per result, "<library> <workload> <value> <unit>", which run.sh reads.
 *           The timer round also runs at the counts of BENCH_TIMERS and the C10K chains at
 *           those of BENCH_C10K when the environment sets them (bench/report.sh does).
 *
 * Written in C (bench_common.c) so the C peers and the C++ programs link the same object. */
#ifndef TORNADO_BENCH_PEERS_COMMON_H
#define TORNADO_BENCH_PEERS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* posted_callbacks: one callback re-posts itself from inside the loop this many times. */
#define BENCH_POSTED_COUNT 1000000
/* million_timers: scheduled, every other one cancelled, the rest run. */
#define BENCH_TIMER_COUNT 1000000
/* Measured runs per program run, after one warm-up run; the median is reported. */
#define BENCH_POSTED_RUNS 5
#define BENCH_TIMER_RUNS 3
/* Timer deadlines are 1..BENCH_TIMER_SPREAD_MS milliseconds after the loop's time when
 * scheduling starts: whole milliseconds, because that is libuv's resolution. */
#define BENCH_TIMER_SPREAD_MS 100
/* pipe_chain: chain writes per run, timed runs per configuration (libevent's bench.c). */
#define BENCH_CHAIN_WRITES 100
#define BENCH_CHAIN_RUNS 25
#define BENCH_CHAIN_CONFIGS 4

/* Whether to run the workload named `workload`: every one, or, when the environment has
 * BENCH_ONLY set, those whose name starts with it ("pipe_chain/epoll", "posted_callbacks"):
 * one workload alone under callgrind or strace, or a quick A/B of one figure. The timers/<N>
 * figures go with million_timers. */
int bench_selected(const char* workload);

/* How many of `full` measured runs to make: all of them, or, when the environment has
 * BENCH_QUICK set (make bench-report QUICK=1), a fifth of them (at least one). */
int bench_runs(int full);

/* The (pipes, active) pairs of the pipe chain, in the order every program reports them. */
extern const int bench_chain_configs[BENCH_CHAIN_CONFIGS][2];

/* The chain configurations a program runs: bench_chain_configs, then, when the environment
 * has BENCH_C10K ("10 100 1000", at most 16 counts), one chain with 1 active among N pairs
 * for each N: the C10K runs, N registered idle read ends, one ready per iteration. */
int bench_chain_nconfigs(void);
int bench_chain_pipes(int k);
int bench_chain_active(int k);
/* Names configuration k: "pipe_chain/<backend>/<pipes>/<active>" or "c10k/<backend>/<pipes>". */
void bench_chain_workload(char* out, size_t size, int k, const char* backend);
/* bench_selected() of configuration k's name. */
int bench_chain_selected(int k, const char* backend);

/* Nanoseconds on CLOCK_MONOTONIC, and this thread's CPU time (CLOCK_THREAD_CPUTIME_ID).
 * posted_callbacks and million_timers are timed in CPU time: the first is pure computation,
 * so CPU time is wall time without the time slices another process took on a shared machine;
 * the second waits up to BENCH_TIMER_SPREAD_MS for its deadlines, and waiting is not the
 * loop's cost. The pipe chain is timed in wall time, as libevent's bench.c does. */
int64_t bench_wall_ns(void);
int64_t bench_cpu_ns(void);

/* The timer counts a program runs million_timers' round at, besides million_timers itself:
 * from the environment's BENCH_TIMERS ("1000 10000 100000", at most 16 counts, each at most
 * BENCH_TIMER_COUNT, so the timer arrays sized for million_timers hold every count), none
 * without it. Each is reported as "timers/<N>", in ns per scheduled timer. */
int bench_timer_ncounts(void);
int bench_timer_count(int k);
/* Names count k's figure: "timers/<N>". */
void bench_timer_workload(char* out, size_t size, int k);

/* million_timers' round at n timers: schedule timers 0..n-1 with bench_timer_deadlines_ms()
 * from inside the loop, cancel the even-numbered ones, run the loop until the other n/2 have
 * fired; returns CPU ns per scheduled timer. Each program supplies it; ctx is its loop. */
typedef double (*bench_timer_round)(void* ctx, int n);
/* One warm-up round (caches, and each library's arrays reach their size for n), then
 * BENCH_TIMER_RUNS rounds (bench_runs()); returns their median. */
double bench_timers_measure(bench_timer_round round, void* ctx, int n);
/* Reports "million_timers" (bench_timers_measure at BENCH_TIMER_COUNT), then "timers/<N>" for
 * each count of BENCH_TIMERS: the same measurement at N, except that N = BENCH_TIMER_COUNT
 * repeats million_timers' median rather than measuring it twice. The program's timer arrays
 * must hold BENCH_TIMER_COUNT timers, which is the largest count. */
void bench_timers_report(const char* library, bench_timer_round round, void* ctx);

/* The deadline of timer i in milliseconds (1..BENCH_TIMER_SPREAD_MS), the same in every
 * program: a xorshift64 from a fixed seed, generated once before anything is timed. */
const uint32_t* bench_timer_deadlines_ms(void);

/* Median of n values; sorts v. */
double bench_median(double* v, int n);

/* Prints "<library> <workload> <value> <unit>" and flushes. */
void bench_report(const char* library, const char* workload, double value, const char* unit);

/* The pipe chain of libevent's test/bench.c: npipes socketpairs; each read end has a read
 * handler that reads one byte and, while writes remain, writes one byte to the next pair.
 * A run starts nactive chains with evenly spaced writes and ends when every byte written has
 * been read. */
struct bench_chain {
  int npipes;
  int nactive;
  int* fds;   /* fds[2*i] is pair i's read end (watched), fds[2*i+1] its write end */
  int count;  /* bytes read in this run */
  int writes; /* chain writes left in this run */
  int fired;  /* bytes written in this run */
};

/* Opens the socketpairs (non-blocking, close-on-exec), raising RLIMIT_NOFILE if needed.
 * Returns 0, or -1 after printing why. */
int bench_chain_open(struct bench_chain* c, int npipes, int nactive);
void bench_chain_close(struct bench_chain* c);
/* True when every fd of the chain is below FD_SETSIZE (what a select backend can watch). */
int bench_chain_fits_select(const struct bench_chain* c);
/* The body of every library's read handler for pair idx. */
void bench_chain_readable(struct bench_chain* c, int idx);
/* One warm-up run, then BENCH_CHAIN_RUNS timed runs; each run calls step(loop) (one
 * non-blocking loop iteration) until the chain is done. Returns the median microseconds per
 * run, or a negative number if a run did not complete. */
double bench_chain_measure(struct bench_chain* c, void (*step)(void* loop), void* loop);

#ifdef __cplusplus
}
#endif

#endif
