// net/fd_label.hpp: the words for waiting on a socket, for step mode, the task dump and traces.
//
// asyncio: what asyncio 3.14's call graph and aiomonitor show for a task blocked in
//          loop.sock_recv / a transport ("<_SelectorSocketTransport fd=7 read=polling>").
// libuv:   uv_print_active_handles ("[-AI] tcp 0x..."): every watched handle with its fd.
//
// Two labels (runtime/label.hpp): a future's, for a task waiting until an fd is ready, and a
// reader or writer callback's, for the callback the loop queues when it is:
//
//     sock_recv: read on fd 7 (127.0.0.1:8080)        the task's wait (fd_wait_label)
//     transport fd 7: readable                         the callback (fd_ready_label)
//
// The peer's address is looked up (getpeername) only when an observer reads the label, so a
// wait that nobody watches costs no system call. The fd and the direction ride in the label's
// number: no pointer, nothing that could dangle.
#pragma once

#include "runtime/label.hpp"

namespace looplab::net {

// A task waiting until `fd` is readable (read = true) or writable: "<what>: read on fd 7
// (127.0.0.1:8080)". `what` is a static name: "sock_recv", "sock_connect", ...
Label fd_wait_label(const char* what, int fd, bool read);
// The callback that runs when it is: "<who> fd 7: readable". `who`: "transport", "Server".
Label fd_ready_label(const char* who, int fd, bool read);

}  // namespace looplab::net
