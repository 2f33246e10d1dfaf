// http/httpclient_pool.cc: the max_clients queue and the idle connection pool.
//
// Mirrors:  tornado/simple_httpclient.py (_process_queue, _release_fetch); the pool is this
//           client's own.
// In loop:  a released slot passes straight to the next waiter, so `active` counts slots, not
//           connections. An idle stream is watched by its close callback and by one timer; the
//           timer only closes the stream, and the close callback does the forgetting.
#include "tornado/http/httpclient_pool.h"

#include <charconv>
#include <cstdint>
#include <stdexcept>

namespace tornado::detail {

HTTPClientState::HTTPClientState(HTTPClientOptions o) : options(std::move(o)) {
  if (options.max_clients < 1) throw std::invalid_argument("max_clients must be at least 1");
  if (options.max_idle_per_host == 0)
    options.max_idle_per_host = static_cast<std::size_t>(options.max_clients);
}

std::string HTTPClientState::key(const URL& url, const std::string& network_interface) {
  char loop[2 + 16];
  loop[0] = '@';
  const auto end = std::to_chars(loop + 1, loop + sizeof loop,
                                 reinterpret_cast<std::uintptr_t>(&IOLoop::current()), 16);
  std::string k;
  k.reserve(url.scheme.size() + url.host.size() + network_interface.size() + 32);
  k.append(url.scheme).append("://").append(url.host).append(":");
  k.append(std::to_string(url.port)).append(" ").append(network_interface);
  k.append(loop, end.ptr);
  return k;
}

std::shared_ptr<HTTPClientState::Waiter> HTTPClientState::acquire() {
  if (active < options.max_clients && queue.empty()) {
    ++active;
    return nullptr;
  }
  auto w = std::make_shared<Waiter>();
  queue.push_back(w);
  return w;
}

void HTTPClientState::release() {
  while (!queue.empty()) {
    std::shared_ptr<Waiter> w = std::move(queue.front());
    queue.pop_front();
    if (w->abandoned) continue;
    w->granted = true;  // the slot passes straight to it: `active` does not change
    w->granted_future.set_result();
    return;
  }
  --active;
}

void HTTPClientState::abandon(const std::shared_ptr<Waiter>& w) {
  w->abandoned = true;
  if (w->granted) release();  // handed a slot in the same iteration its timeout fired
}

std::shared_ptr<IOStream> HTTPClientState::take_idle(const std::string& k) {
  auto it = idle.find(k);
  if (it == idle.end()) return nullptr;
  std::shared_ptr<IOStream> found;
  while (!it->second.empty() && !found) {
    Idle entry = std::move(it->second.back());
    it->second.pop_back();
    --idle_count;
    entry.loop->remove_timeout(entry.timer);
    entry.stream->set_close_callback(nullptr);
    if (!entry.stream->closed() && entry.stream->read_buffer_size() == 0) {
      found = std::move(entry.stream);
    } else {
      entry.stream->close();
    }
  }
  if (it->second.empty()) idle.erase(it);
  return found;
}

void HTTPClientState::put_idle(const std::string& k, std::shared_ptr<IOStream> stream) {
  std::vector<Idle>& list = idle[k];
  if (closed || list.size() >= options.max_idle_per_host) {
    stream->close();
    if (list.empty()) idle.erase(k);
    return;
  }
  // The server closing an idle connection, or its idle time running out, drops it.
  std::weak_ptr<HTTPClientState> weak = weak_from_this();
  stream->set_close_callback([weak, raw = stream.get()] {
    if (auto self = weak.lock()) self->drop_idle(raw);
  });
  IOLoop& loop = IOLoop::current();
  const Timeout timer =
      loop.call_later(options.idle_timeout, [s = std::weak_ptr<IOStream>(stream)] {
        if (auto open = s.lock()) open->close();  // its close callback drops it
      });
  list.push_back(Idle{std::move(stream), timer, &loop});
  ++idle_count;
}

void HTTPClientState::drop_idle(IOStream* stream) {
  for (auto it = idle.begin(); it != idle.end(); ++it) {
    std::vector<Idle>& list = it->second;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i].stream.get() != stream) continue;
      Idle gone = std::move(list[i]);
      list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
      --idle_count;
      gone.loop->remove_timeout(gone.timer);
      gone.stream->set_close_callback(nullptr);
      if (list.empty()) idle.erase(it);
      return;
    }
  }
}

void HTTPClientState::close_idle() {
  std::map<std::string, std::vector<Idle>> all = std::move(idle);
  idle.clear();
  idle_count = 0;
  for (auto& [k, list] : all) {
    for (Idle& e : list) {
      e.loop->remove_timeout(e.timer);
      e.stream->set_close_callback(nullptr);
      e.stream->close();
    }
  }
}

}  // namespace tornado::detail
