// web/web_binding.h: how a handler class is bound to the requests it serves: the compile-time
// half of web.h, included by it (between RequestHandler and Application), not on its own.
//
// Mirrors:  tornado/web.py's RequestHandler._execute, where Python looks the HTTP method up
//           by name (getattr(self, method.lower())) and calls it with the path's groups.
//
// Role:     url<H>(pattern, args...) makes the Rule an Application's list holds (Tornado's
//           url(pattern, H, kwargs, name)). For each class H a HandlerOps table is filled in
//           at compile time: one caller per HTTP method name (get, head, post, delete_, patch,
//           put, options, and any, which serves the methods H does not define) found with a
//           `requires` test, for 0 to 6 path groups passed as strings; whether prepare() and
//           the method return void or Future<void>. A method H lacks answers 405 (unless H has
//           any()), except HEAD, which runs get() when H has no head() (RFC 9110 §9.1; Tornado
//           answers 405). HandlerAccess is the one friend that attaches a new handler to its
//           application and request, and starts its sequence. A base class that calls
//           members of H itself (WebSocketHandler: open, on_message) declares a member
//           template bind_handler_class<H>(), which is called once H is made.
// Arguments: url<H>(pattern, args...) stores a copy of each argument in the rule. For each
//           request a new H is made: with H(args...) when H has such a constructor, otherwise
//           default-constructed and then given initialize(args...) (Tornado's initialize
//           kwargs); without arguments, initialize() runs when H has it. Every request's
//           handler receives the rule's stored copies as const lvalues, as Tornado passes the
//           same dict each time: a parameter taken by value is the handler's own copy, one
//           taken by const reference is the rule's, which lives as long as the Application.
//           State shared between requests (a counter, a database, an executor) is passed as a
//           pointer, std::reference_wrapper or std::shared_ptr. request(), application() and
//           settings() already work in H's constructor (the base constructor attaches them);
//           the response is reset (clear(), set_default_headers()) after the constructor, so
//           headers are set from initialize(), prepare() or the method on.
#pragma once

// Declarations used here (RequestHandler, HandlerFactory, Rule, Application) come from web/web.h
// and web/routing.h.

namespace tornado::web {

namespace detail {

// What Application needs of a handler class, filled in at compile time for url<H>.
struct HandlerOps {
  // prepare(): nullopt when it returned void.
  std::optional<Future<void>> (*prepare)(RequestHandler&);
  // The method for `method` with these arguments (get() for HEAD when the class has no
  // head()); throws HTTPError(405) when the class has no such method.
  std::optional<Future<void>> (*call)(RequestHandler&, std::string_view method,
                                      const std::vector<std::string>& args);
  // The class's own get_template_namespace(), or null when it declares none (render_string
  // then calls RequestHandler's): not virtual, so that a program that never renders does not
  // link the base one and what it alone reaches (bench/README.md).
  Namespace (*template_namespace)(RequestHandler&);
  // Whether the class keeps RequestHandler's compute_etag(): finish() then computes that ETag
  // itself, without the virtual call and the checks that a class's own value needs.
  bool default_etag;
};

struct HandlerAccess {
  // While one is in scope, the RequestHandler constructed on this thread is attached to app
  // and request (its constructor takes them), so a derived constructor can use request().
  class Attaching {
   public:
    // `request` is moved from by the handler's constructor; it must outlive this object.
    Attaching(Application& app, std::shared_ptr<HTTPServerRequest>& request, const HandlerOps* ops);
    ~Attaching();
    Attaching(const Attaching&) = delete;
    Attaching& operator=(const Attaching&) = delete;
  };
  // Called once the handler is constructed: checks it was attached, and resets its response
  // (clear(), which runs the derived set_default_headers()).
  static void attached(RequestHandler& h);
  // Runs the handler's sequence; when it must wait (a coroutine prepare or method), the
  // coroutine that continues it owns the handler until it ends.
  // `h` is the caller's, alive until run() returns: it is copied only for such a coroutine.
  static void run(const std::shared_ptr<RequestHandler>& h, std::vector<std::string>&& groups,
                  const std::vector<std::string>* names);
  // Whether, after run(), the handler still has its response to finish (asynchronous(), or a
  // coroutine waiting) and has not begun finish(): only then does it need to hear of the
  // connection's close.
  static bool still_running(const RequestHandler& h);
};

// One caller per HTTP method name: Caller::call(h, args...) is h.get(args...), etc.
#define TORNADO_WEB_METHOD_CALLER(Name, member)                         \
  struct Name {                                                         \
    template <class H, class... S>                                      \
    static auto call(H& h, const S&... s) -> decltype(h.member(s...)) { \
      return h.member(s...);                                            \
    }                                                                   \
  };
TORNADO_WEB_METHOD_CALLER(CallGet, get)
TORNADO_WEB_METHOD_CALLER(CallHead, head)
TORNADO_WEB_METHOD_CALLER(CallPost, post)
TORNADO_WEB_METHOD_CALLER(CallDelete, delete_)
TORNADO_WEB_METHOD_CALLER(CallPatch, patch)
TORNADO_WEB_METHOD_CALLER(CallPut, put)
TORNADO_WEB_METHOD_CALLER(CallOptions, options)
TORNADO_WEB_METHOD_CALLER(CallAny, any)
TORNADO_WEB_METHOD_CALLER(CallPrepare, prepare)
#undef TORNADO_WEB_METHOD_CALLER

// The errors of call_method, thrown out of line: each handler class has a call_method per HTTP
// method, and an inline throw (the exception's allocation, its message's strings, their
// cleanups) in every one that the class does not define would be a copy per method per class.
[[noreturn]] void throw_method_not_allowed();            // HTTPError(405)
[[noreturn]] void throw_wrong_arity(std::size_t count);  // the method does not take `count`
[[noreturn]] void throw_too_many_path_arguments();       // more than 6

template <class R>
std::optional<Future<void>> as_optional_future(R&& r) {
  return Future<void>(std::forward<R>(r));
}

// Calls M on h with the first N group values, when H has that overload.
template <class M, class H, std::size_t... I>
std::optional<Future<void>> call_with(H& h, const std::vector<std::string>& a,
                                      std::index_sequence<I...>) {
  if constexpr (requires { M::call(h, a[I]...); }) {
    using R = decltype(M::call(h, a[I]...));
    static_assert(std::is_void_v<R> || std::is_convertible_v<R, Future<void>>,
                  "a handler method returns void or Future<void>");
    if constexpr (std::is_void_v<R>) {
      M::call(h, a[I]...);
      return std::nullopt;
    } else {
      return as_optional_future(M::call(h, a[I]...));
    }
  } else {
    throw_wrong_arity(sizeof...(I));
  }
}

// Whether H declares M taking 0 to 6 string arguments.
template <class M, class H>
constexpr bool has_method() {
  using S = const std::string&;
  return requires(H & h, S s) { M::call(h); }
  || requires(H & h, S s) { M::call(h, s); }
  || requires(H & h, S s) { M::call(h, s, s); }
  || requires(H & h, S s) { M::call(h, s, s, s); }
  || requires(H & h, S s) { M::call(h, s, s, s, s); }
  || requires(H & h, S s) { M::call(h, s, s, s, s, s); }
  || requires(H & h, S s) { M::call(h, s, s, s, s, s, s); };
}

template <class M, class H>
std::optional<Future<void>> call_method(RequestHandler& base, const std::vector<std::string>& a) {
  if constexpr (!has_method<M, H>()) {
    // The methods H does not define go to any() when it has one.
    if constexpr (!std::is_same_v<M, CallAny> && has_method<CallAny, H>()) {
      return call_method<CallAny, H>(base, a);
    } else {
      throw_method_not_allowed();
    }
  } else {
    H& h = static_cast<H&>(base);
    switch (a.size()) {
      case 0:
        return call_with<M>(h, a, std::make_index_sequence<0>{});
      case 1:
        return call_with<M>(h, a, std::make_index_sequence<1>{});
      case 2:
        return call_with<M>(h, a, std::make_index_sequence<2>{});
      case 3:
        return call_with<M>(h, a, std::make_index_sequence<3>{});
      case 4:
        return call_with<M>(h, a, std::make_index_sequence<4>{});
      case 5:
        return call_with<M>(h, a, std::make_index_sequence<5>{});
      case 6:
        return call_with<M>(h, a, std::make_index_sequence<6>{});
      default:
        throw_too_many_path_arguments();
    }
  }
}

template <class H>
std::optional<Future<void>> call_for(RequestHandler& h, std::string_view method,
                                     const std::vector<std::string>& a) {
  if (method == "GET") return call_method<CallGet, H>(h, a);
  if (method == "POST") return call_method<CallPost, H>(h, a);
  if (method == "HEAD") {
    // RFC 9110 §9.1: HEAD is answered wherever GET is. Without head(), get() runs (with
    // request().method still "HEAD") and the response goes out without its body: flush()
    // drops it and HTTP1Connection sends none to HEAD, while finish() sets Content-Length
    // and the ETag from what get() wrote (web_head_test). A class with neither goes to any(),
    // or gets 405.
    if constexpr (has_method<CallHead, H>()) {
      return call_method<CallHead, H>(h, a);
    } else {
      return call_method<CallGet, H>(h, a);
    }
  }
  if (method == "PUT") return call_method<CallPut, H>(h, a);
  if (method == "DELETE") return call_method<CallDelete, H>(h, a);
  if (method == "PATCH") return call_method<CallPatch, H>(h, a);
  if (method == "OPTIONS") return call_method<CallOptions, H>(h, a);
  // Another method that supports_method() lets through: only any() can serve it.
  return call_method<CallAny, H>(h, a);
}

template <class H>
std::optional<Future<void>> prepare_for(RequestHandler& base) {
  if constexpr (requires(H & h) { CallPrepare::call(h); }) {
    return call_with<CallPrepare>(static_cast<H&>(base), {}, std::make_index_sequence<0>{});
  } else {
    return std::nullopt;
  }
}

// H::get_template_namespace when H, or a base of it below RequestHandler, declares one (its
// member pointer is then not RequestHandler's), for render_string; null otherwise.
template <class H>
constexpr Namespace (*template_namespace_for())(RequestHandler&) {
  if constexpr (std::is_same_v<decltype(&H::get_template_namespace),
                               Namespace (RequestHandler::*)()>) {
    return nullptr;
  } else {
    return [](RequestHandler& base) -> Namespace {
      return static_cast<H&>(base).get_template_namespace();
    };
  }
}

// Whether neither H nor a base of it below RequestHandler declares compute_etag. One declared
// where this cannot name it (protected, private) or overloaded counts as declared.
template <class H>
constexpr bool keeps_default_etag() {
  if constexpr (requires { &H::compute_etag; }) {
    return std::is_same_v<decltype(&H::compute_etag),
                          std::optional<std::string> (RequestHandler::*)() const>;
  } else {
    return false;
  }
}

template <class H>
inline constexpr HandlerOps kOps{&prepare_for<H>, &call_for<H>, template_namespace_for<H>(),
                                 keeps_default_etag<H>()};

// Whether url<H>(pattern, args...) hands args to H's constructor, or to initialize().
template <class H, class... A>
inline constexpr bool kByConstructor = sizeof...(A) > 0 && std::is_constructible_v<H, const A&...>;
template <class H, class... A>
inline constexpr bool kByInitialize = requires(H& h, const A&... a) {
  h.initialize(a...);
};

// A new H for one request: constructed while HandlerAccess::Attaching is in scope (so that
// RequestHandler's constructor attaches it to app and request), then reset (clear()) and
// given initialize(args...) unless its constructor took them.
template <class H, class... A>
std::shared_ptr<RequestHandler> make_handler(Application& app,
                                             std::shared_ptr<HTTPServerRequest>&& request,
                                             const A&... args) {
  std::shared_ptr<H> h;
  {
    HandlerAccess::Attaching attaching(app, request, &kOps<H>);
    // A handler is made and dropped on every request: its block comes from the thread's free
    // lists (gen/recycle.h), as the request's does, rather than from malloc. The lists give
    // operator new's alignment; a class that asks for more is made as before.
    auto make = [](auto&&... a) {
      if constexpr (alignof(H) > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
        return std::make_shared<H>(a...);
      } else {
        return std::allocate_shared<H>(tornado::detail::RecyclingAllocator<H>{}, a...);
      }
    };
    if constexpr (kByConstructor<H, A...>) {
      h = make(args...);
    } else {
      h = make();
    }
  }
  HandlerAccess::attached(*h);
  // A base class that calls members of H the way this file calls get() (WebSocketHandler,
  // for H's open and on_message) learns H here.
  if constexpr (requires(H & x) { x.template bind_handler_class<H>(); }) {
    h->template bind_handler_class<H>();
  }
  if constexpr (kByConstructor<H, A...>) {
    // The constructor took the arguments: initialize() is not called.
  } else if constexpr (sizeof...(A) > 0 || kByInitialize<H>) {
    h->initialize(args...);
  }
  return h;
}

}  // namespace detail

// The rule for handler class H on `pattern` (Tornado's url(pattern, H, kwargs)): each request
// matching it gets a new H, given args through its constructor or initialize() (see the file
// comment). Name it for reverse_url with .name("x"):
//   url<UserHandler>(R"(/user/(\d+))", db).name("user")
template <class H, class... A>
Rule url(std::string pattern, A&&... args) {
  static_assert(std::is_base_of_v<RequestHandler, H>,
                "url<H>: H must derive from tornado::web::RequestHandler");
  static_assert(sizeof...(A) > 0 || std::is_default_constructible_v<H>,
                "url<H>(pattern): H needs a default constructor when the rule passes no "
                "arguments");
  static_assert(
      sizeof...(A) == 0 || detail::kByConstructor<H, std::decay_t<A>...> ||
          (std::is_default_constructible_v<H> && detail::kByInitialize<H, std::decay_t<A>...>),
      "url<H>(pattern, args...): H has neither a constructor nor an initialize() "
      "member taking these arguments (as const lvalues)");
  return Rule(std::move(pattern),
              HandlerFactory{[... args = std::decay_t<A>(std::forward<A>(args))](
                                 Application& app, std::shared_ptr<HTTPServerRequest>&& request) {
                return detail::make_handler<H>(app, std::move(request), args...);
              }});
}

}  // namespace tornado::web
