// net/async_unix_ops.cpp: connect, and retry while the listener's queue is full.
#include "net/async_unix_ops.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "net/detail/try_accept.hpp"
#include "net/detail/wait_fd.hpp"
#include "net/errors.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

Coro<void> sock_connect(EventLoop& loop, int fd, UnixAddress address) {
    detail::check_non_blocking(loop, fd, "sock_connect");
    Duration pause = std::chrono::milliseconds(1);
    for (;;) {
        if (::connect(fd, address.data(), address.size()) == 0) co_return;
        const int err = errno;
        if (err == EINTR) continue;
        if (!detail::would_block(err)) throw_os_error(err, "connect", address.to_string());
        co_await sleep(pause);  // the listener's queue is full: see the header
        pause = std::min<Duration>(2 * pause, std::chrono::milliseconds(100));
    }
}

Coro<UnixAccepted> sock_accept_unix(EventLoop& loop, int fd) {
    detail::check_non_blocking(loop, fd, "sock_accept_unix");
    for (;;) {
        detail::AcceptAttempt attempt = detail::try_accept(fd);
        if (attempt.conn) {
            UnixAddress peer = peer_unix_address(attempt.conn.get());
            co_return UnixAccepted{std::move(attempt.conn), std::move(peer)};
        }
        if (attempt.error == EINTR || attempt.error == ECONNABORTED) continue;
        if (!detail::would_block(attempt.error)) throw_os_error(attempt.error, "accept", {});
        co_await detail::wait_until(loop, fd, detail::Direction::readable);
    }
}

}  // namespace looplab::net
