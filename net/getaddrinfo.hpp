// net/getaddrinfo.hpp: getaddrinfo(loop, host, port), name resolution that does not block the loop.
//
// asyncio: loop.getaddrinfo() (base_events.py), which runs socket.getaddrinfo in the default
//          executor, and _ipaddr_info(), the numeric fast path create_connection tries first.
// libuv:   uv_getaddrinfo(), which runs getaddrinfo(3) on the threadpool.
//
//     std::vector<SocketAddress> addresses = co_await getaddrinfo(loop, "example.com", 80);
//
// getaddrinfo(3) has no non-blocking form (it may read files and wait seconds for a DNS
// server), so the only way to resolve a name without stopping every other task is to do it on
// another thread: resolve_blocking() runs in the loop's default executor and the task awaits
// the Future that run_in_executor returns. A host that is already a numeric address
// ("127.0.0.1", "::1") needs no resolver at all, so it is answered at once, on the loop
// thread, without a thread hop: connecting to 127.0.0.1 never waits for the executor.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "net/socket_address.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

// The addresses host resolves to for a TCP connection to port, in preference order (see
// resolve_blocking() for the exact rules, family and flags). Never empty.
//
// A numeric host completes without suspending and without touching the executor; anything else
// runs resolve_blocking() in loop.run_in_executor(nullptr, ...). Throws NameResolutionError.
// Cancelling the awaiting task abandons the lookup: a getaddrinfo already running on a worker
// cannot be interrupted, it finishes there and its answer is dropped.
Coro<std::vector<SocketAddress>> getaddrinfo(EventLoop& loop, std::string host, std::uint16_t port,
                                             int family = AF_UNSPEC, int flags = 0);

}  // namespace looplab::net
