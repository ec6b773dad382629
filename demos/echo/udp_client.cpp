// demos/echo/udp_client.cpp: an echo client for datagrams, written as a DatagramProtocol.
// Lesson: docs/course.md#lesson-9-transports-and-protocols
//
// asyncio layer: transports and protocols, for UDP (loop.create_datagram_endpoint with
// remote_addr + asyncio.DatagramProtocol). Next to protocol_client.cpp: there is no end of
// stream to wait for, so the reply is "the next datagram", and since UDP may lose it, the wait
// has a timeout. remote_addr makes the endpoint connected: the kernel then tells us (through
// error_received, as ConnectionRefusedError) when nothing listens on that port.
//
// Usage: echo_udp_client [port] [message] [--timeline] [--trace F.json] [--svg F.svg]
//       (127.0.0.1, default port 8888)
#include <chrono>
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

class EchoClient : public DatagramProtocol {
public:
    explicit EchoClient(EventLoop& loop) : reply(loop.create_future<std::string>()) {}

    void datagram_received(std::string_view data, const SocketAddress&) override {
        if (!reply.done()) reply.set_result(std::string(data));
    }
    // ICMP "port unreachable" for our datagram: nobody listens there.
    void error_received(std::exception_ptr error) override {
        if (!reply.done()) reply.set_exception(error);
    }

    Future<std::string> reply;  // the first datagram back, or the error
};

Coro<void> talk(std::uint16_t port, std::string message) {
    EventLoop& loop = get_running_loop();
    DatagramEndpointOptions options;
    options.remote_addr = HostPort{"127.0.0.1", port};
    auto factory = [&loop] { return std::make_shared<EchoClient>(loop); };
    auto [transport, client] = co_await create_datagram_endpoint(loop, factory, options);
    transport->sendto(message);  // connected: no address needed
    try {
        const std::string echoed = co_await timeout(std::chrono::seconds(2), client->reply);
        std::printf("echoed: %s\n", echoed.c_str());
    } catch (...) {
        transport->close();
        throw;
    }
    transport->close();
}

int main(int argc, char** argv) {
    demos::EchoTrace trace(argc, argv);  // --trace FILE.json, --timeline, --svg FILE.svg
    const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8888);
    try {
        run(trace.traced(talk(port, argc > 2 ? argv[2] : "hello over udp")));
    } catch (const TimeoutError&) {
        std::fprintf(stderr, "error: no reply within 2 s (a datagram may be lost)\n");
        return 1;
    } catch (const std::exception& e) {  // refused, ...
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
