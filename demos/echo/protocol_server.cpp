// demos/echo/protocol_server.cpp: an echo server written as a Protocol.
// Lesson: docs/course.md#lesson-9-transports-and-protocols
//
// asyncio layer: transports and protocols (loop.create_server + asyncio.Protocol). No
// coroutine per client: the transport reads for us and calls data_received; write() never
// waits. Same server, lower down: sock_server.cpp; higher up: stream_server.cpp.
//
// Usage: echo_protocol_server [port] [--timeline] [--trace F.json] [--svg F.svg]
//       (127.0.0.1, default port 8888)
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string_view>

#include "demos/echo/echo_trace.hpp"
#include "net/net.hpp"
#include "runtime/looplab.hpp"

using namespace looplab;
using namespace looplab::net;

// One instance per connection. Call order: connection_made -> data_received* -> eof_received
// -> connection_lost.
class EchoProtocol : public Protocol {
public:
    void connection_made(Transport& transport) override { transport_ = &transport; }
    void data_received(std::string_view data) override { transport_->write(data); }
    // false: close once the echo has been sent (asyncio's default answer too).
    bool eof_received() override { return false; }

private:
    Transport* transport_ = nullptr;  // valid until connection_lost
};

Coro<void> serve(std::uint16_t port) {
    auto factory = [] { return std::make_shared<EchoProtocol>(); };
    std::shared_ptr<Server> server =
        co_await create_server(get_running_loop(), factory, "127.0.0.1", port);
    std::printf("protocol echo server on %s\n", server->sockets()[0].address.to_string().c_str());
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
