// demos/echo/sock_client.cpp: an echo client written with loop.sock_* calls.
// Lesson: docs/course.md#lesson-3-selectors-and-readiness
//
// asyncio layer: low-level socket operations (loop.getaddrinfo / sock_connect / sock_sendall /
// sock_recv). Every step is a syscall we ask for, awaited until the socket is ready. Same
// client, higher up: protocol_client.cpp, stream_client.cpp.
//
// Usage: echo_sock_client [port] [message] [--timeline] [--trace F.json] [--svg F.svg]
//       (127.0.0.1, default port 8888)
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "demos/echo/echo_trace.hpp"
#include "net/net.hpp"
#include "runtime/looplab.hpp"

using namespace looplab;
using namespace looplab::net;

Coro<void> talk(std::uint16_t port, std::string message) {
    EventLoop& loop = get_running_loop();
    std::vector<SocketAddress> addresses = co_await getaddrinfo(loop, "127.0.0.1", port);
    UniqueFd sock = make_socket(addresses[0].family(), SOCK_STREAM, /*non_blocking=*/true);
    co_await sock_connect(loop, sock.get(), addresses[0]);

    co_await sock_sendall(loop, sock.get(), message);
    ::shutdown(sock.get(), SHUT_WR);  // "that is all": the server echoes, then closes

    std::string reply;
    for (;;) {
        std::string data = co_await sock_recv(loop, sock.get(), 4096);
        if (data.empty()) break;  // end of stream
        reply += data;
    }
    std::printf("echoed: %s\n", reply.c_str());
}

int main(int argc, char** argv) {
    demos::EchoTrace trace(argc, argv);  // --trace FILE.json, --timeline, --svg FILE.svg
    const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8888);
    try {
        run(trace.traced(talk(port, argc > 2 ? argv[2] : "hello from the sock_* layer")));
    } catch (const std::exception& e) {  // refused, address in use, reset, ...
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
