// demos/echo/sock_server.cpp: an echo server written with loop.sock_* calls.
// Lesson: docs/course.md#lesson-3-selectors-and-readiness
//
// asyncio layer: low-level socket operations (loop.sock_accept / sock_recv / sock_sendall) on
// non-blocking sockets. We own every socket, and a task per client does what the loop cannot
// do for us: loop over recv and send. Same server, higher up: protocol_server.cpp,
// stream_server.cpp.
//
// Usage: echo_sock_server [port] [--timeline] [--trace F.json] [--svg F.svg]
//       (127.0.0.1, default port 8888)
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "demos/echo/echo_trace.hpp"
#include "net/net.hpp"
#include "runtime/looplab.hpp"

using namespace looplab;
using namespace looplab::net;

// One client: echo until it half-closes; returning closes the connection (conn's destructor).
Coro<void> echo(EventLoop& loop, UniqueFd conn) {
    for (;;) {
        std::string data = co_await sock_recv(loop, conn.get(), 4096);
        if (data.empty()) co_return;  // end of stream: the client has sent everything
        co_await sock_sendall(loop, conn.get(), data);
    }
}

Coro<void> serve(std::uint16_t port) {
    EventLoop& loop = get_running_loop();
    UniqueFd listener = make_socket(AF_INET, SOCK_STREAM, /*non_blocking=*/true);
    set_reuse_address(listener.get(), true);
    bind_address(listener.get(), SocketAddress::loopback(AF_INET, port));
    start_listening(listener.get(), 100);
    std::printf("sock echo server on %s\n", local_address(listener.get()).to_string().c_str());
    std::fflush(stdout);
    for (;;) {
        Accepted client = co_await sock_accept(loop, listener.get());
        loop.create_task(echo(loop, std::move(client.conn)));  // one task per connection
    }
}

int main(int argc, char** argv) {
    demos::EchoTrace trace(argc, argv);  // --trace FILE.json, --timeline, --svg FILE.svg
    const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8888);
    try {
        run(trace.traced(serve(port)));
    } catch (const std::exception& e) {  // refused, address in use, reset, ...
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
