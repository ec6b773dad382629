// demos/echo/stream_client.cpp: an echo client written with streams.
// Lesson: docs/course.md#lesson-10-streams-and-http11-framing
//
// asyncio layer: streams (asyncio.open_connection with StreamReader / StreamWriter), the layer
// most asyncio programs use. Same client, lower down: protocol_client.cpp, sock_client.cpp.
//
// Usage: echo_stream_client [port] [message] [--timeline] [--trace F.json] [--svg F.svg]
//       (127.0.0.1, default port 8888)
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "demos/echo/echo_trace.hpp"
#include "net/net.hpp"
#include "runtime/looplab.hpp"

using namespace looplab;
using namespace looplab::net;

Coro<void> talk(std::uint16_t port, std::string message) {
    auto [reader, writer] = co_await open_connection("127.0.0.1", port);
    writer->write(message);
    writer->write_eof();                          // "that is all": the server echoes, then closes
    std::string reply = co_await reader->read();  // everything, up to end of stream
    std::printf("echoed: %s\n", reply.c_str());
    writer->close();
    co_await writer->wait_closed();
}

int main(int argc, char** argv) {
    demos::EchoTrace trace(argc, argv);  // --trace FILE.json, --timeline, --svg FILE.svg
    const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8888);
    try {
        run(trace.traced(talk(port, argc > 2 ? argv[2] : "hello from the stream layer")));
    } catch (const std::exception& e) {  // refused, address in use, reset, ...
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
