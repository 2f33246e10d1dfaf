/* bench/peers/bench_common.c: the shared half of every peer benchmark program.
 *
 * Measures: the clocks and the pipe chain's timed run; see bench_common.h.
 * Mirrors:  libevent's test/bench.c for the pipe chain (its read_cb and run_once): the same
 *           spacing of the first writes, the same "count != fired" end condition, one
 *           non-blocking loop iteration per step. Written here from that description. */
#define _GNU_SOURCE
#include "bench_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const int bench_chain_configs[BENCH_CHAIN_CONFIGS][2] = {
    {100, 1}, {100, 100}, {1000, 1}, {1000, 100}};

/* A list of counts from the environment: at most BENCH_COUNTS_MAX, each in 1..max; parsing
 * stops at the first word that is not a number. */
#define BENCH_COUNTS_MAX 16
struct count_list {
  int n[BENCH_COUNTS_MAX];
  int size; /* -1 until read */
};

static void read_counts(struct count_list* l, const char* variable, long max) {
  if (l->size >= 0) return;
  l->size = 0;
  const char* p = getenv(variable);
  while (p != NULL && *p != '\0' && l->size < BENCH_COUNTS_MAX) {
    char* end;
    const long n = strtol(p, &end, 10);
    if (end == p) break;
    if (n > 0 && n <= max) l->n[l->size++] = (int)n;
    p = end;
  }
}

static struct count_list c10k = {{0}, -1};
static struct count_list timer_counts = {{0}, -1};

static void read_c10k(void) { read_counts(&c10k, "BENCH_C10K", 1000000); }

int bench_chain_nconfigs(void) {
  read_c10k();
  return BENCH_CHAIN_CONFIGS + c10k.size;
}

int bench_chain_pipes(int k) {
  read_c10k();
  return k < BENCH_CHAIN_CONFIGS ? bench_chain_configs[k][0] : c10k.n[k - BENCH_CHAIN_CONFIGS];
}

int bench_chain_active(int k) { return k < BENCH_CHAIN_CONFIGS ? bench_chain_configs[k][1] : 1; }

void bench_chain_workload(char* out, size_t size, int k, const char* backend) {
  if (k < BENCH_CHAIN_CONFIGS)
    snprintf(out, size, "pipe_chain/%s/%d/%d", backend, bench_chain_pipes(k),
             bench_chain_active(k));
  else
    snprintf(out, size, "c10k/%s/%d", backend, bench_chain_pipes(k));
}

int bench_chain_selected(int k, const char* backend) {
  char workload[64];
  bench_chain_workload(workload, sizeof workload, k, backend);
  return bench_selected(workload);
}

int bench_timer_ncounts(void) {
  read_counts(&timer_counts, "BENCH_TIMERS", BENCH_TIMER_COUNT);
  return timer_counts.size;
}

int bench_timer_count(int k) {
  read_counts(&timer_counts, "BENCH_TIMERS", BENCH_TIMER_COUNT);
  return timer_counts.n[k];
}

void bench_timer_workload(char* out, size_t size, int k) {
  snprintf(out, size, "timers/%d", bench_timer_count(k));
}

static int64_t clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t bench_wall_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
int64_t bench_cpu_ns(void) { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }

const uint32_t* bench_timer_deadlines_ms(void) {
  static uint32_t* deadlines;
  if (deadlines == NULL) {
    uint64_t x = 0x9E3779B97F4A7C15u; /* fixed seed: every program gets the same deadlines */
    deadlines = malloc(sizeof *deadlines * BENCH_TIMER_COUNT);
    if (deadlines == NULL) {
      perror("malloc");
      exit(1);
    }
    for (int i = 0; i < BENCH_TIMER_COUNT; i++) {
      x ^= x << 13; /* Marsaglia's xorshift64 */
      x ^= x >> 7;
      x ^= x << 17;
      deadlines[i] = 1 + (uint32_t)(x % BENCH_TIMER_SPREAD_MS);
    }
  }
  return deadlines;
}

static int compare_double(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

double bench_median(double* v, int n) {
  qsort(v, (size_t)n, sizeof *v, compare_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_timers_measure(bench_timer_round round, void* ctx, int n) {
  double runs[BENCH_TIMER_RUNS];
  (void)round(ctx, n); /* warm-up */
  for (int i = 0; i < bench_runs(BENCH_TIMER_RUNS); i++) runs[i] = round(ctx, n);
  return bench_median(runs, bench_runs(BENCH_TIMER_RUNS));
}

void bench_timers_report(const char* library, bench_timer_round round, void* ctx) {
  if (!bench_selected("million_timers")) return; /* timers/<N> go with it */
  const double million = bench_timers_measure(round, ctx, BENCH_TIMER_COUNT);
  bench_report(library, "million_timers", million, "ns/timer");
  for (int k = 0; k < bench_timer_ncounts(); k++) {
    const int n = bench_timer_count(k);
    char workload[32];
    bench_timer_workload(workload, sizeof workload, k);
    bench_report(library, workload,
                 n == BENCH_TIMER_COUNT ? million : bench_timers_measure(round, ctx, n),
                 "ns/timer");
  }
}

int bench_selected(const char* workload) {
  const char* only = getenv("BENCH_ONLY");
  return only == NULL || strncmp(workload, only, strlen(only)) == 0;
}

int bench_runs(int full) {
  const char* quick = getenv("BENCH_QUICK");
  if (quick == NULL || *quick == '\0' || strcmp(quick, "0") == 0) return full;
  return full / 5 > 0 ? full / 5 : 1;
}

void bench_report(const char* library, const char* workload, double value, const char* unit) {
  printf("%-9s %-26s %12.1f %s\n", library, workload, value, unit);
  fflush(stdout);
}

int bench_chain_open(struct bench_chain* c, int npipes, int nactive) {
  struct rlimit rl;
  const rlim_t need = (rlim_t)npipes * 2 + 64;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
    rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
  memset(c, 0, sizeof *c);
  c->npipes = npipes;
  c->nactive = nactive;
  c->fds = calloc((size_t)npipes * 2, sizeof *c->fds);
  if (c->fds == NULL) {
    perror("calloc");
    return -1;
  }
  for (int i = 0; i < npipes; i++) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, c->fds + 2 * i) != 0) {
      fprintf(stderr, "socketpair %d of %d: %s\n", i, npipes, strerror(errno));
      c->npipes = i;
      bench_chain_close(c);
      return -1;
    }
  }
  return 0;
}

void bench_chain_close(struct bench_chain* c) {
  for (int i = 0; i < 2 * c->npipes; i++) close(c->fds[i]);
  free(c->fds);
  c->fds = NULL;
}

int bench_chain_fits_select(const struct bench_chain* c) {
  for (int i = 0; i < 2 * c->npipes; i++)
    if (c->fds[i] >= FD_SETSIZE) return 0;
  return 1;
}

void bench_chain_readable(struct bench_chain* c, int idx) {
  unsigned char byte;
  const ssize_t n = read(c->fds[2 * idx], &byte, 1);
  if (n > 0) c->count += (int)n;
  if (c->writes > 0) {
    int next = idx + 1;
    if (next >= c->npipes) next -= c->npipes;
    if (write(c->fds[2 * next + 1], "e", 1) == 1) c->fired++;
    c->writes--;
  }
}

/* One run: the clock starts before the first writes and stops when every byte written has
 * been read. A bound on steps keeps a broken library from hanging the benchmark. */
static double chain_run_us(struct bench_chain* c, void (*step)(void*), void* loop) {
  const int space = c->npipes / c->nactive * 2;
  long steps = 0;
  c->count = 0;
  c->fired = 0;
  c->writes = BENCH_CHAIN_WRITES;
  const int64_t start = bench_wall_ns();
  for (int i = 0; i < c->nactive; i++)
    if (write(c->fds[i * space + 1], "e", 1) == 1) c->fired++;
  do {
    step(loop);
    if (++steps > 10000000) return -1.0;
  } while (c->count != c->fired);
  return (double)(bench_wall_ns() - start) / 1000.0;
}

double bench_chain_measure(struct bench_chain* c, void (*step)(void*), void* loop) {
  double runs[BENCH_CHAIN_RUNS];
  if (chain_run_us(c, step, loop) < 0) return -1.0; /* warm-up: caches and lazy setup */
  for (int i = 0; i < bench_runs(BENCH_CHAIN_RUNS); i++) {
    runs[i] = chain_run_us(c, step, loop);
    if (runs[i] < 0) return -1.0;
  }
  return bench_median(runs, bench_runs(BENCH_CHAIN_RUNS));
}
