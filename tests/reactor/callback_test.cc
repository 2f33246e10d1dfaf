// tests/reactor/callback_test.cc: InlineFunction, the callable type of every loop callback,
// and CallbackQueue, the IOLoop's queue of them.
#include "tornado/reactor/callback.h"

#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tornado/reactor/callback_queue.h"

using tornado::Callback;
using tornado::InlineFunction;

TEST_CASE("callback: small capture is stored inline and runs many times") {
  int n = 0;
  Callback cb = [&n] { ++n; };
  cb();
  cb();
  CHECK(n == 2);
}

TEST_CASE("callback: move-only captures are accepted and released on reset") {
  auto p = std::make_shared<int>(5);
  std::weak_ptr<int> w = p;
  Callback cb = [q = std::move(p), u = std::make_unique<int>(1)] {
    (void)q;
    (void)u;
  };
  CHECK(!w.expired());
  Callback moved = std::move(cb);
  CHECK(!cb);
  CHECK(!w.expired());
  moved.reset();
  CHECK(w.expired());
}

TEST_CASE("callback: large captures fall back to the heap and still move and destroy") {
  auto p = std::make_shared<std::string>("kept");
  std::weak_ptr<std::string> w = p;
  char big[200] = {};
  big[0] = 'x';
  InlineFunction<int()> f = [big, p] { return big[0] + static_cast<int>(p->size()); };
  p.reset();
  InlineFunction<int()> g = std::move(f);
  CHECK(g() == 'x' + 4);
  g = nullptr;
  CHECK(w.expired());
}

TEST_CASE("callback: arguments and return values pass through") {
  InlineFunction<int(int, int)> add = [](int a, int b) { return a + b; };
  CHECK(add(2, 3) == 5);
}

TEST_CASE("callback: calling an empty callback throws instead of crashing") {
  Callback cb;
  CHECK_THROWS_AS(cb(), std::bad_function_call);
}

TEST_CASE("callback: the inline type is one cache line") { CHECK(sizeof(Callback) <= 64); }

// ---------------------------------------------------------------- CallbackQueue

TEST_CASE("callback_queue: drain runs in order, destroys each entry after it ran, keeps going") {
  tornado::detail::CallbackQueue<Callback> q;
  std::vector<std::string> log;
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> w = token;
  // More entries than the first allocation holds, each with a capture that is not trivially
  // movable (a std::string's inline buffer points into itself), so growth must move them.
  for (int i = 0; i < 100; ++i) {
    q.emplace_back(
        [&log, name = "callback number " + std::to_string(i), t = token] { log.push_back(name); });
  }
  token.reset();
  CHECK(q.size() == 100);
  bool alive_while_running_last = false;
  int ran = 0;
  q.drain([&](Callback& cb) {
    cb();
    if (++ran == 100) alive_while_running_last = !w.expired();
  });
  CHECK(alive_while_running_last);
  CHECK(w.expired());  // every capture released by the drain itself
  CHECK(q.empty());
  REQUIRE(log.size() == 100);
  CHECK(log.front() == "callback number 0");
  CHECK(log.back() == "callback number 99");
  q.emplace_back([&log] { log.push_back("again"); });  // usable after a drain
  q.drain([](Callback& cb) { cb(); });
  CHECK(log.back() == "again");
}

TEST_CASE("callback_queue: entries never run are destroyed by clear, a move, or the destructor") {
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> w = token;
  {
    tornado::detail::CallbackQueue<Callback> q;
    q.emplace_back([t = token] {});
    q.clear();
    CHECK(token.use_count() == 1);
    q.emplace_back([t = token] {});
    tornado::detail::CallbackQueue<Callback> taken(std::move(q));
    CHECK(q.empty());
    CHECK(taken.size() == 1);
    q.emplace_back([t = token] {});  // the moved-from queue is usable
    CHECK(token.use_count() == 3);
  }
  token.reset();
  CHECK(w.expired());
}

TEST_CASE("callback_queue: when run throws, the entries left are destroyed and the queue empty") {
  tornado::detail::CallbackQueue<Callback> q;
  auto token = std::make_shared<int>(0);
  int ran = 0;
  for (int i = 0; i < 3; ++i) q.emplace_back([&ran, t = token] { ++ran; });
  CHECK_THROWS_AS(q.drain([&](Callback& cb) {
    cb();
    if (ran == 2) throw std::runtime_error("run failed");
  }),
                  std::runtime_error);
  CHECK(ran == 2);
  CHECK(q.empty());
  CHECK(token.use_count() == 1);
}
