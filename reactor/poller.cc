// reactor/poller.cc: which backends this platform has, and make_poller(name).
//
// Mirrors:  tornado/platform/auto.py and IOLoop.configurable_default() in Tornado 4.x, which
//           tried epoll, then kqueue, then select.
// In loop:  the IOLoop constructor calls make_poller() once, with the name from
//           IOLoop::configure() or the TORNADO_POLLER environment variable.
// Rules:    this is the one file with platform #ifs (the Makefile builds the matching backend
//           files). Order is preference: epoll or kqueue, then poll, then select.
#include "tornado/reactor/poller.h"

#include <cerrno>
#include <mutex>
#include <utility>

namespace tornado::detail {

namespace {

struct Entry {
  std::string name;
  PollerFactory factory;
};

std::vector<Entry>& registry() {
  static std::vector<Entry> entries = [] {
    std::vector<Entry> e;
#if defined(__linux__)
    e.push_back({"epoll", &make_epoll_poller});
#endif
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__) || \
    defined(__DragonFly__)
    e.push_back({"kqueue", &make_kqueue_poller});
#endif
    e.push_back({"poll", &make_poll_poller});
    e.push_back({"select", &make_select_poller});
    return e;
  }();
  return entries;
}

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

void register_poller(std::string name, PollerFactory factory) {
  std::lock_guard lock(registry_mutex());
  for (Entry& e : registry()) {
    if (e.name == name) {
      e.factory = factory;
      return;
    }
  }
  registry().push_back({std::move(name), factory});
}

std::vector<std::string> available_pollers() {
  std::lock_guard lock(registry_mutex());
  std::vector<std::string> names;
  for (const Entry& e : registry()) names.push_back(e.name);
  return names;
}

std::unique_ptr<Poller> make_poller(std::string_view name, int* error) {
  PollerFactory factory = nullptr;
  {
    std::lock_guard lock(registry_mutex());
    if (name.empty()) {
      factory = registry().front().factory;
    } else {
      for (const Entry& e : registry())
        if (e.name == name) factory = e.factory;
    }
  }
  if (factory == nullptr) {
    *error = -ENOENT;
    return nullptr;
  }
  *error = 0;
  return factory(error);
}

}  // namespace tornado::detail
