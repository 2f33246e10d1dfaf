// http/httpclient_pool.h: AsyncHTTPClient's shared state: the max_clients queue and the pool
// of idle keep-alive connections. Internal to http/httpclient.cc.
//
// Mirrors:  tornado/simple_httpclient.py's queue (SimpleAsyncHTTPClient.fetch_impl,
//           _process_queue, _release_fetch, _on_timeout "in request queue"); the pool is
//           this client's own (Tornado's simple client keeps no connections).
// Ownership: the client and every fetch in flight share one HTTPClientState, so the client may
//           go first. The pool owns its idle streams; each has a close callback (the server
//           closed it: drop it) and a timer (idle_timeout: close it), both holding only weak
//           references, so an idle stream is freed with the state.
// Thread:   the loop thread.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/http/httpclient.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/stream/iostream.h"

namespace tornado::detail {

struct HTTPClientState : std::enable_shared_from_this<HTTPClientState> {
  struct Idle {
    std::shared_ptr<IOStream> stream;
    Timeout timer;
    IOLoop* loop;  // where the stream and its timer live
  };
  struct Waiter {
    Future<void> granted_future;
    bool granted = false;
    bool abandoned = false;  // its queue timeout fired first
  };

  explicit HTTPClientState(HTTPClientOptions o);

  HTTPClientOptions options;
  bool closed = false;
  int active = 0;  // slots taken
  std::deque<std::shared_ptr<Waiter>> queue;
  std::map<std::string, std::vector<Idle>> idle;  // by key(), newest last
  std::size_t idle_count = 0;

  // The pool's key: scheme, host, port, local address, and the current loop (idle
  // connections are streams of the loop they were made on).
  static std::string key(const URL& url, const std::string& network_interface);

  // --- the queue ---
  // A slot is free: take it (nullptr). Otherwise the returned waiter's future resolves when
  // release() hands one over.
  std::shared_ptr<Waiter> acquire();
  // Gives the slot to the first waiter still waiting, or frees it.
  void release();
  // The waiter's queue timeout fired; if a slot was handed to it meanwhile, pass it on.
  void abandon(const std::shared_ptr<Waiter>& w);

  // --- the idle pool ---
  // The newest usable idle connection for `k` (open, with no bytes waiting), or nullptr.
  std::shared_ptr<IOStream> take_idle(const std::string& k);
  // Keeps `stream` for the next request to `k`, or closes it (the client closed, the origin
  // has max_idle_per_host already).
  void put_idle(const std::string& k, std::shared_ptr<IOStream> stream);
  // The stream closed while idle: forget it.
  void drop_idle(IOStream* stream);
  void close_idle();
};

}  // namespace tornado::detail
