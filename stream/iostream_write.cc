// stream/iostream_write.cc: the write path of a stream, connect, and the two stream kinds.
//
// Mirrors:  tornado/iostream.py (BaseIOStream.write, _handle_write, IOStream.connect,
//           PipeIOStream); the read path and the life cycle are in stream/iostream.cc.
// In loop:  write() hands data to the kernel at once when nothing is queued; what is left waits
//           for WRITE readiness, and handle_events() calls flush_writes().
// Rules:    a write the kernel takes whole is never copied and resolves at once (a shared done
//           Future: no allocation); queued pieces go out with one writev of up to kMaxIov; each
//           write's Future resolves when the running total of bytes written passes its end.
// Thread:   the loop thread of the stream.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <iterator>
#include <utility>

#include "tornado/stream/iostream.h"

namespace tornado {

namespace {

constexpr int kMaxIov = 64;

}  // namespace

// ---------------------------------------------------------------- writing

ssize_t BaseIOStream::write_to_fd(const struct iovec* iov, int count) {
  for (;;) {
    const ssize_t r = ::writev(fd_, iov, count);
    if (r >= 0) return r;
    if (errno != EINTR) return -errno;
  }
}

// Offers data to the kernel at once, for a stream with nothing queued. What it takes counts in
// neither of the queue's totals (equal with nothing queued, they stay so); a failure other than
// "would block" closes the stream. Inline: the two writes' fast path makes no call of its own
// (a response head goes through it every request).
inline ssize_t BaseIOStream::write_now(std::string_view data) {
  const struct iovec iov { const_cast<char*>(data.data()), data.size() };
  const ssize_t n = write_to_fd(&iov, 1);
  if (n >= 0) return n;
  if (n == -EAGAIN || n == -EWOULDBLOCK) return 0;
  close_with_errno(static_cast<int>(-n));
  return -1;
}

Future<void> BaseIOStream::write(std::string data) {
  if (closed_) return make_failed_future<void>(closed_error());
  if (opts_.max_write_buffer_size > 0 && write_bytes_ + data.size() > opts_.max_write_buffer_size)
    throw StreamBufferFullError("Reached maximum write buffer size");
  if (data.empty()) return shared_ready_future();
  std::size_t done = 0;
  if (write_bytes_ == 0 && !connecting_) {
    // Nothing queued: hand the data to the kernel now, without copying it anywhere.
    const ssize_t n = write_now(data);
    if (n == static_cast<ssize_t>(data.size())) return shared_ready_future();
    if (n < 0) return make_failed_future<void>(closed_error());
    done = static_cast<std::size_t>(n);
  }
  if (!queue_) queue_ = std::make_unique<WriteQueue>();
  WriteQueue& q = *queue_;
  q.queued_total += data.size() - done;
  write_bytes_ += data.size() - done;
  if (q.head == q.pieces.size()) q.offset = done;
  q.pieces.push_back(std::move(data));
  Future<void> f;
  q.waiters.emplace_back(q.queued_total, Promise<void>(f));
  q.waiters.back().second.set_running();  // not cancellable: the bytes are queued
  update_interest();
  return f;
}

Future<void> BaseIOStream::write(std::string_view data) {
  // Nothing queued: offer the caller's bytes to the kernel as they are. When it takes them all
  // (the common case: a response head), no string is made; otherwise only the rest is copied
  // and queued by write(std::string).
  if (!closed_ && !data.empty() && write_bytes_ == 0 && !connecting_ &&
      (opts_.max_write_buffer_size == 0 || data.size() <= opts_.max_write_buffer_size)) {
    const ssize_t n = write_now(data);
    if (n == static_cast<ssize_t>(data.size())) return shared_ready_future();
    if (n < 0) return make_failed_future<void>(closed_error());
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return write(std::string(data));
}

void BaseIOStream::flush_writes() {
  if (!queue_) return;  // nothing was ever queued (a connect completing)
  WriteQueue& q = *queue_;
  while (q.head < q.pieces.size()) {
    struct iovec iov[kMaxIov];
    int count = 0;
    std::size_t offered = 0;
    for (std::size_t i = q.head; i < q.pieces.size() && count < kMaxIov; ++i, ++count) {
      const std::size_t skip = i == q.head ? q.offset : 0;
      iov[count].iov_base = q.pieces[i].data() + skip;
      iov[count].iov_len = q.pieces[i].size() - skip;
      offered += iov[count].iov_len;
    }
    const ssize_t n = write_to_fd(iov, count);
    if (n == -EAGAIN || n == -EWOULDBLOCK) break;
    if (n < 0) {
      close_with_errno(static_cast<int>(-n));
      return;
    }
    std::size_t left = static_cast<std::size_t>(n);
    write_bytes_ -= left;
    q.written_total += left;
    while (left > 0) {
      const std::size_t piece = q.pieces[q.head].size() - q.offset;
      if (left < piece) {
        q.offset += left;
        break;
      }
      left -= piece;
      q.pieces[q.head] = std::string();  // release the piece's memory now
      ++q.head;
      q.offset = 0;
    }
    if (static_cast<std::size_t>(n) < offered) break;  // the kernel's buffer is full
  }
  if (q.head == q.pieces.size()) {
    q.pieces.clear();
    if (q.pieces.capacity() > 16) q.pieces.shrink_to_fit();
    q.head = q.offset = 0;
  }
  // Resolve, in order, every write whose last byte has now been handed over.
  std::size_t done = 0;
  while (done < q.waiters.size() && q.waiters[done].first <= q.written_total) ++done;
  if (done > 0) {
    std::vector<std::pair<std::uint64_t, Promise<void>>> finished(
        std::make_move_iterator(q.waiters.begin()),
        std::make_move_iterator(q.waiters.begin() + static_cast<std::ptrdiff_t>(done)));
    q.waiters.erase(q.waiters.begin(), q.waiters.begin() + static_cast<std::ptrdiff_t>(done));
    for (auto& [target, r] : finished) r.set_result();
  }
}

// ---------------------------------------------------------------- IOStream, PipeIOStream

std::shared_ptr<IOStream> IOStream::create(int fd, IOStreamOptions opts) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && !(flags & O_NONBLOCK)) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  return std::make_shared<IOStream>(CreateToken{}, fd, opts);  // one allocation with its count
}

int IOStream::get_fd_error() {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fileno(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

// sendmsg with MSG_NOSIGNAL: a write to a reset connection returns EPIPE instead of raising
// SIGPIPE (DESIGN §4).
ssize_t IOStream::write_to_fd(const struct iovec* iov, int count) {
  struct msghdr msg {};
  msg.msg_iov = const_cast<struct iovec*>(iov);
  msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(count);
  for (;;) {
    const ssize_t r = ::sendmsg(fileno(), &msg, MSG_NOSIGNAL);
    if (r >= 0) return r;
    if (errno == ENOTSOCK) return BaseIOStream::write_to_fd(iov, count);
    if (errno != EINTR) return -errno;
  }
}

Future<void> IOStream::connect(const struct sockaddr* addr, socklen_t len) {
  if (closed()) return make_failed_future<void>(closed_error());
  Future<void> f = begin_connect();
  int rc;
  do {
    rc = ::connect(fileno(), addr, len);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) {  // connected at once (a Unix socket, usually)
    finish_connect();
    update_interest();
    return f;
  }
  if (errno != EINPROGRESS && errno != EAGAIN) {
    close_with_errno(errno);
    return f;
  }
  update_interest();
  return f;
}

void IOStream::set_nodelay(bool on) {
  // HTTP1Connection turns it on after every response that keeps the connection: once is
  // enough. Turning it off always asks the kernel (an accepted socket may have inherited it
  // from its listening socket, which the stream cannot know without asking).
  if (closed() || (on && nodelay())) return;
  const int v = on ? 1 : 0;
  (void)::setsockopt(fileno(), IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
  note_nodelay(on);
}

std::shared_ptr<PipeIOStream> PipeIOStream::create(int fd, IOStreamOptions opts) {
  // A pipe write has no MSG_NOSIGNAL: like the Python interpreter at start-up, ignore SIGPIPE
  // when nobody has chosen a disposition for it, so a closed reader gives EPIPE, not death.
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, nullptr);
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && !(flags & O_NONBLOCK)) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  return std::make_shared<PipeIOStream>(CreateToken{}, fd, opts);
}

}  // namespace tornado
