// reactor/callback.h: a move-only callable with inline storage.
//
// Mirrors:  functools.partial and the plain Python callables Tornado passes around.
// Role:     every callback the IOLoop stores (add_callback, timeouts, fd handlers) is one of
//           these. std::function is copyable, so it cannot hold a move-only lambda, and it
//           allocates once a capture passes two pointers; this type keeps captures of up to
//           kInlineSize bytes inside itself, so scheduling a callback does not allocate.
// Ownership: an InlineFunction owns its callable; moving it moves the callable.
//
//   tornado::Callback cb = [p = std::make_unique<int>(7)] { use(*p); };
//   loop.add_callback(std::move(cb));
//
// Rules:    a callable that is trivially copyable and fits inline is moved with memcpy, so the
//           common "lambda capturing a few pointers" costs no indirect call to move or destroy.
//           A callable may be invoked many times (PeriodicCallback does); empty ones throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace tornado {

template <class Signature, std::size_t InlineSize = 48>
class InlineFunction;

template <class R, class... Args, std::size_t InlineSize>
class InlineFunction<R(Args...), InlineSize> {
 public:
  static constexpr std::size_t kInlineSize = InlineSize;
  // Storage of up to 16 bytes holds a pointer or two (a shared_ptr, a weak_ptr) and is aligned
  // as a pointer: the object is then 24 bytes, not 32. An idle connection holds three of them
  // (the loop's fd handler, the stream's close and readiness callbacks). Larger storage keeps
  // max_align_t; a callable aligned beyond the storage goes to the heap.
  static constexpr std::size_t kAlign =
      InlineSize <= 16 ? alignof(void*) : alignof(std::max_align_t);

  InlineFunction() noexcept = default;
  InlineFunction(std::nullptr_t) noexcept {}

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, InlineFunction> &&
                                     std::is_invocable_r_v<R, D&, Args...>>>
  InlineFunction(F&& f) {  // NOLINT(google-explicit-constructor): used like std::function
    if constexpr (fits_inline<D>()) {
      ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
      ops_ = &inline_ops<D>;
    } else {
      D* heap = new D(std::forward<F>(f));
      std::memcpy(storage_, &heap, sizeof heap);
      ops_ = &heap_ops<D>;
    }
  }

  InlineFunction(InlineFunction&& other) noexcept { take(other); }
  InlineFunction& operator=(InlineFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  InlineFunction(const InlineFunction&) = delete;
  InlineFunction& operator=(const InlineFunction&) = delete;
  ~InlineFunction() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  R operator()(Args... args) {
    if (ops_ == nullptr) throw std::bad_function_call();
    return ops_->invoke(storage_, std::forward<Args>(args)...);
  }

  // Destroys the callable now (Tornado's `timeout.callback = None`): captures are released
  // at once, not when the holder goes away.
  void reset() noexcept {
    if (ops_ != nullptr && ops_->destroy != nullptr) ops_->destroy(storage_);
    ops_ = nullptr;
  }

 private:
  struct Ops {
    R (*invoke)(void*, Args&&...);
    void (*move)(void* dst, void* src) noexcept;  // nullptr: relocate with memcpy
    void (*destroy)(void*) noexcept;              // nullptr: nothing to do
  };

  template <class D>
  static constexpr bool fits_inline() {
    return sizeof(D) <= InlineSize && alignof(D) <= kAlign &&
           std::is_nothrow_move_constructible_v<D>;
  }

  template <class D>
  static R invoke_inline(void* s, Args&&... args) {
    return std::invoke(*static_cast<D*>(s), std::forward<Args>(args)...);
  }
  template <class D>
  static void move_inline(void* dst, void* src) noexcept {
    ::new (dst) D(std::move(*static_cast<D*>(src)));
    static_cast<D*>(src)->~D();
  }
  template <class D>
  static void destroy_inline(void* s) noexcept {
    static_cast<D*>(s)->~D();
  }
  template <class D>
  static D* heap_ptr(void* s) {
    D* p;
    std::memcpy(&p, s, sizeof p);
    return p;
  }
  template <class D>
  static R invoke_heap(void* s, Args&&... args) {
    return std::invoke(*heap_ptr<D>(s), std::forward<Args>(args)...);
  }
  template <class D>
  static void destroy_heap(void* s) noexcept {
    delete heap_ptr<D>(s);  // the one delete: the heap fallback owns what it allocated
  }

  template <class D>
  static constexpr bool trivial = std::is_trivially_copyable_v<D>;

  template <class D>
  static constexpr Ops inline_ops{
      &invoke_inline<D>, trivial<D> ? nullptr : &move_inline<D>,
      std::is_trivially_destructible_v<D> ? nullptr : &destroy_inline<D>};
  template <class D>
  static constexpr Ops heap_ops{&invoke_heap<D>, nullptr, &destroy_heap<D>};

  void take(InlineFunction& other) noexcept {
    ops_ = other.ops_;
    if (ops_ == nullptr) return;
    if (ops_->move == nullptr) {
      std::memcpy(storage_, other.storage_, InlineSize);
    } else {
      ops_->move(storage_, other.storage_);
    }
    other.ops_ = nullptr;
  }

  // Zeroed so that the fixed-size memcpy in take() never reads indeterminate bytes (a small
  // trivially copyable callable leaves the tail of the buffer unwritten).
  alignas(kAlign) unsigned char storage_[InlineSize] = {};
  const Ops* ops_ = nullptr;
};

// The callable type of add_callback and of timeouts.
using Callback = InlineFunction<void()>;

// The callable type of fd handlers: handler(fd, events), as Tornado's add_handler. Smaller
// inline storage than Callback: the loop keeps one per watched fd for the connection's whole
// life, and the usual handler captures one weak_ptr (an IOStream's) or one pointer, 16 bytes
// (with 16, the loop's slot for an fd is 64 bytes instead of 96). Larger captures still work;
// they are allocated once, when the handler is added.
using FdHandler = InlineFunction<void(int, std::uint32_t), 16>;

}  // namespace tornado
