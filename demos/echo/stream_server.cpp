// demos/echo/stream_server.cpp: an echo server written with streams.
// Lesson: docs/course.md#lesson-10-streams-and-http11-framing
//
// asyncio layer: streams (asyncio.start_server with StreamReader / StreamWriter). Code reads
// top to bottom like blocking code, but each await lets other clients run; drain() keeps a
// slow client from making us buffer without limit. Same server, lower down:
// protocol_server.cpp, sock_server.cpp.
//
// Usage: echo_stream_server [port] [--timeline] [--trace F.json] [--svg F.svg]
//       (127.0.0.1, default port 8888)
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>

#include "demos/echo/echo_trace.hpp"
#include "net/net.hpp"
#include "runtime/looplab.hpp"

using namespace looplab;
using namespace looplab::net;

// Runs as its own task for each client.
Coro<void> handle(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
    for (;;) {
        std::string data = co_await reader->read(4096);
        if (data.empty()) break;  // end of stream
        writer->write(data);
        co_await writer->drain();
    }
    writer->close();
    co_await writer->wait_closed();
}

Coro<void> serve(std::uint16_t port) {
    std::shared_ptr<Server> server = co_await start_server(handle, "127.0.0.1", port);
    std::printf("stream echo server on %s\n", server->sockets()[0].address.to_string().c_str());
    std::fflush(stdout);
    co_await server->serve_forever();
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
