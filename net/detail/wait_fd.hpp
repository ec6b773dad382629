// net/detail/wait_fd.hpp: suspend the calling task until one fd is readable or writable.
//
// asyncio: the add_reader / add_writer + future + done-callback pattern of selector_events.py
//          (_sock_recv, _sock_sendall, _sock_connect_cb), which every sock_* method repeats.
//
// Step 2 of the sock_* recipe (async_socket_ops.hpp): the loop watches fd for exactly the
// duration of this wait. The reader (or writer) callback is one-shot: it unregisters itself and
// completes the future. If the wait ends any other way (the task is cancelled, which cancels
// `ready`; or the frame is destroyed while suspended, when the loop closes), the guard
// unregisters instead. Either way nothing stays registered: a forgotten reader would run on
// every iteration for a socket nobody reads. Shared by the stream sock_* operations, the
// datagram ones (sock_recvfrom, sock_sendto) and sock_sendfile.
#pragma once

#include <fcntl.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "net/fd_label.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"
#include "runtime/task.hpp"

namespace looplab::net::detail {

enum class Direction { readable, writable };

inline void remove_interest(EventLoop& loop, int fd, Direction direction) {
    if (direction == Direction::readable) {
        loop.remove_reader(fd);
    } else {
        loop.remove_writer(fd);
    }
}

// `what` names the wait in words (net/fd_label.hpp): the task's "sock_recv: read on fd 7
// (127.0.0.1:8080)" in the task dump and step mode, and the fd's callback.
inline Coro<void> wait_until(EventLoop& loop, int fd, Direction direction,
                             const char* what = "fd wait") {
    const bool read = direction == Direction::readable;
    Future<void> ready = loop.create_future<void>();
    ready.state()->set_label(fd_wait_label(what, fd, read));
    auto on_ready = [&loop, fd, direction, state = ready.state_ref()] {
        // Removing the handle that is running is safe: the loop drops a running callback only
        // after it returns (handle.hpp).
        remove_interest(loop, fd, direction);
        if (!state->done()) state->set_result();
    };
    if (direction == Direction::readable) {
        loop.add_reader(fd, std::move(on_ready));
    } else {
        loop.add_writer(fd, std::move(on_ready));
    }
    loop.set_fd_label(fd, read ? kRead : kWrite, fd_ready_label(what, fd, read));
    struct Unregister {
        EventLoop& loop;
        int fd;
        Direction direction;
        Future<void>& ready;
        ~Unregister() {
            const bool fired = ready.done() && !ready.cancelled();  // on_ready removed it
            if (!fired) remove_interest(loop, fd, direction);
        }
    } unregister{loop, fd, direction, ready};
    co_await ready;
}

// Debug mode's guard against the mistake that silently freezes every task: handing a blocking
// socket to the loop (asyncio checks sock.gettimeout() != 0 in debug mode too).
inline void check_non_blocking(EventLoop& loop, int fd, const char* what) {
    if (!loop.get_debug()) return;
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK)) {
        throw std::invalid_argument(std::string(what) +
                                    ": the socket must be non-blocking (it would block the loop)");
    }
}

inline bool would_block(int err) {
    return err == EAGAIN || err == EWOULDBLOCK;
}

}  // namespace looplab::net::detail
