// gen/executor.cc: the worker threads of ThreadPoolExecutor.
//
// Mirrors:  concurrent.futures.thread (the worker loop and shutdown).
// Callers:  submit() (gen/executor.h) posts; each worker pops and runs.
// Rules:    this is the only code in the library that runs on threads other than a loop's.
//           A worker touches nothing but its queue and the call it runs; results go back with
//           IOLoop::add_callback. Workers are started once and joined by shutdown(true) or the
//           destructor, never detached, so no thread outlives the members it uses.
#include "tornado/gen/executor.h"

namespace tornado {

ThreadPoolExecutor::ThreadPoolExecutor(std::size_t max_workers) {
  if (max_workers == 0) max_workers = 1;
  threads_.reserve(max_workers);
  for (std::size_t i = 0; i < max_workers; ++i) threads_.emplace_back([this] { work(); });
}

ThreadPoolExecutor::~ThreadPoolExecutor() { shutdown(true); }

void ThreadPoolExecutor::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw std::runtime_error("ThreadPoolExecutor: cannot submit after shutdown");
    tasks_.push_back(std::move(task));
  }
  ready_.notify_one();
}

void ThreadPoolExecutor::shutdown(bool wait) {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  if (!wait) return;
  for (std::thread& t : threads_)
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
}

void ThreadPoolExecutor::work() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();  // never throws: submit() wraps the call and catches
  }
}

}  // namespace tornado
