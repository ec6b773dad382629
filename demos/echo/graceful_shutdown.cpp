// demos/echo/graceful_shutdown.cpp: a stream echo server that stops gracefully on SIGTERM or
// Ctrl-C: no new connections, the open ones get a grace period to finish, then the rest are cut.
// Lesson: docs/course.md#lesson-9-transports-and-protocols
//
// asyncio: loop.add_signal_handler(signal.SIGTERM, ...) with Server.close() and
//          Server.wait_closed() (3.12: it waits for the connections too), the shape of every
//          service's shutdown under a process manager (systemd, Kubernetes: SIGTERM, a grace
//          period, then SIGKILL).
//
// The signal callback runs on the loop thread, as an ordinary callback (runtime/signal_watch.hpp
// says why a C signal handler could not do this work itself), so it may complete a future. The
// main coroutine awaits that future, then:
//   1. server->close(): the listening socket closes, new clients are refused;
//   2. waits up to the grace period for the clients still connected to hang up
//      (wait_closed() completes when the last connection is lost);
//   3. aborts those still there, and returns: exit status 0.
// Once the first signal arrived both handlers are removed, which restores the default action:
// a second Ctrl-C or SIGTERM during the grace period kills at once.
//
// Usage: echo_graceful_shutdown [port] [grace_ms]   (127.0.0.1, default 8888 and 5000 ms)
//     ./echo_graceful_shutdown 8888 & sleep 0.2; kill -TERM $!; wait $!
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <set>
#include <string>

#include "net/net.hpp"
#include "runtime/looplab.hpp"

using namespace looplab;
using namespace looplab::net;

namespace {

// The writers of the clients still connected, to abort them when the grace period is over.
std::set<std::shared_ptr<StreamWriter>>& clients() {
    static std::set<std::shared_ptr<StreamWriter>> open;
    return open;
}

Coro<void> echo_lines(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
    clients().insert(writer);
    try {
        for (;;) {
            const std::string line = co_await reader->readline();
            if (line.empty()) break;  // the client hung up
            writer->write(line);
            co_await writer->drain();
        }
    } catch (const std::exception&) {  // reset, aborted at the end of the grace period, ...
    }
    clients().erase(writer);
    writer->close();
}

// Completes `stop` with the first of SIGINT / SIGTERM, then puts both back to their default.
void stop_on_signals(EventLoop& loop, Future<int> stop) {
    for (const int sig : {SIGINT, SIGTERM}) {
        loop.add_signal_handler(sig, [&loop, stop, sig]() mutable {
            loop.remove_signal_handler(SIGINT);
            loop.remove_signal_handler(SIGTERM);
            if (!stop.done()) stop.set_result(sig);
        });
    }
}

Coro<void> serve(std::uint16_t port, std::chrono::milliseconds grace) {
    EventLoop& loop = get_running_loop();
    Future<int> stop = loop.create_future<int>();
    stop_on_signals(loop, stop);
    // Named, not a temporary inside the co_await (CONTRIBUTING.md: a g++ 12 coroutine bug).
    ClientConnectedCallback on_client = echo_lines;
    std::shared_ptr<Server> server = co_await start_server(loop, on_client, "127.0.0.1", port);
    std::printf("serving on %s (pid %d); SIGTERM or Ctrl-C stops it\n",
                server->sockets()[0].address.to_string().c_str(), static_cast<int>(::getpid()));
    std::fflush(stdout);

    const int sig = co_await stop;
    server->close();
    std::printf("%s: not accepting; %zu client(s) get %lld ms to finish\n",
                sig == SIGTERM ? "SIGTERM" : "SIGINT", server->active_connections(),
                static_cast<long long>(grace.count()));
    std::fflush(stdout);
    bool in_time = true;
    try {
        co_await timeout(grace, server->wait_closed());
    } catch (const TimeoutError&) {
        in_time = false;  // (no co_await inside a catch block: C++ forbids it)
    }
    if (!in_time) {
        std::printf("grace period over: closing %zu client(s)\n", clients().size());
        for (const auto& writer : std::set(clients())) writer->transport().abort();
        co_await server->wait_closed();
    }
    std::printf("all connections closed, bye\n");
}

}  // namespace

int main(int argc, char** argv) {
    const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8888);
    const std::chrono::milliseconds grace(argc > 2 ? std::atol(argv[2]) : 5000);
    try {
        run(serve(port, grace));
    } catch (const std::exception& e) {  // address in use, ...
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
