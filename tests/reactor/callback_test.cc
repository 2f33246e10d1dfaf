// tests/reactor/callback_test.cc: InlineFunction, the callable type of every loop callback.
#include "tornado/reactor/callback.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

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
