// reactor/mutex.h: a std::mutex that clang's -Wthread-safety can reason about.
//
// Mirrors:  threading.Lock, which Tornado's IOLoop uses around its cross-thread callback list.
// Role:     the IOLoop's queue of callbacks from other threads is the one piece of state shared
//           between threads; it is declared TORNADO_GUARDED_BY its Mutex, so clang rejects at
//           compile time any access made without holding the lock. g++ ignores the attributes.
//
//   detail::Mutex m;
//   std::vector<int> q TORNADO_GUARDED_BY(m);
//   { detail::MutexLock lock(m); q.push_back(1); }
#pragma once

#include <mutex>

#if defined(__clang__)
#define TORNADO_THREAD_ATTR(x) __attribute__((x))
#else
#define TORNADO_THREAD_ATTR(x)
#endif
#define TORNADO_GUARDED_BY(m) TORNADO_THREAD_ATTR(guarded_by(m))

namespace tornado::detail {

class TORNADO_THREAD_ATTR(capability("mutex")) Mutex {
 public:
  void lock() TORNADO_THREAD_ATTR(acquire_capability()) { m_.lock(); }
  void unlock() TORNADO_THREAD_ATTR(release_capability()) { m_.unlock(); }

 private:
  std::mutex m_;
};

class TORNADO_THREAD_ATTR(scoped_lockable) MutexLock {
 public:
  explicit MutexLock(Mutex& m) TORNADO_THREAD_ATTR(acquire_capability(m)) : m_(m) { m_.lock(); }
  ~MutexLock() TORNADO_THREAD_ATTR(release_capability()) { m_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& m_;
};

}  // namespace tornado::detail
