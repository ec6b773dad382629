// demos/echo/protocol_client.cpp: an echo client written as a Protocol.
// Lesson: docs/course.md#lesson-9-transports-and-protocols
//
// asyncio layer: transports and protocols (loop.create_connection + asyncio.Protocol). The
// protocol reacts to callbacks; a Future completed in connection_lost is how the coroutine
// learns the exchange is over. Same client, lower down: sock_client.cpp; higher up:
// stream_client.cpp.
//
// Usage: echo_protocol_client [port] [message] [--timeline] [--trace F.json] [--svg F.svg]
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

class EchoClient : public Protocol {
public:
    EchoClient(EventLoop& loop, std::string message)
        : done(loop.create_future<void>()), message_(std::move(message)) {}

    void connection_made(Transport& transport) override {
        transport.write(message_);
        transport.write_eof();  // "that is all": the server echoes, then closes
    }
    void data_received(std::string_view data) override { reply.append(data); }
    void connection_lost(std::exception_ptr error) override {
        error ? done.set_exception(error) : done.set_result();
    }

    Future<void> done;  // completed by connection_lost
    std::string reply;

private:
    std::string message_;
};

Coro<void> talk(std::uint16_t port, std::string message) {
    EventLoop& loop = get_running_loop();
    auto factory = [&] { return std::make_shared<EchoClient>(loop, message); };
    auto [transport, client] = co_await create_connection(loop, factory, "127.0.0.1", port);
    co_await client->done;
    std::printf("echoed: %s\n", client->reply.c_str());
}

int main(int argc, char** argv) {
    demos::EchoTrace trace(argc, argv);  // --trace FILE.json, --timeline, --svg FILE.svg
    const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8888);
    try {
        run(trace.traced(talk(port, argc > 2 ? argv[2] : "hello from the protocol layer")));
    } catch (const std::exception& e) {  // refused, address in use, reset, ...
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
