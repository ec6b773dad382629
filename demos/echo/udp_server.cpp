// demos/echo/udp_server.cpp: an echo server for datagrams, written as a DatagramProtocol.
// Lesson: docs/course.md#lesson-9-transports-and-protocols
//
// asyncio layer: transports and protocols, for UDP (loop.create_datagram_endpoint +
// asyncio.DatagramProtocol). Next to protocol_server.cpp, the TCP echo at the same layer, it
// shows what a datagram changes: no connection, so no connection per client and no
// eof_received; one endpoint receives every client's datagrams, each with the address it came
// from, and the reply goes back to that address. A datagram arrives whole or not at all.
//
// Usage: echo_udp_server [port] [--timeline] [--trace F.json] [--svg F.svg]
//       (127.0.0.1, default port 8888; UDP and TCP ports are separate, so it can run next to a
//       TCP echo server on the same number)
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

// One instance for the whole endpoint. Call order: connection_made -> (datagram_received |
// error_received)* -> connection_lost.
class EchoDatagrams : public DatagramProtocol {
public:
    void connection_made(DatagramTransport& transport) override { transport_ = &transport; }
    void datagram_received(std::string_view data, const SocketAddress& from) override {
        transport_->sendto(data, from);  // back to whoever sent it
    }
    // An ICMP error about an earlier sendto (the client went away): nothing to undo.
    void error_received(std::exception_ptr) override {}

private:
    DatagramTransport* transport_ = nullptr;  // valid until connection_lost
};

Coro<void> serve(std::uint16_t port) {
    EventLoop& loop = get_running_loop();
    DatagramEndpointOptions options;
    options.local_addr = HostPort{"127.0.0.1", port};
    auto factory = [] { return std::make_shared<EchoDatagrams>(); };
    auto [transport, protocol] = co_await create_datagram_endpoint(loop, factory, options);
    const auto bound = std::any_cast<SocketAddress>(transport->get_extra_info("sockname"));
    std::printf("udp echo server on %s\n", bound.to_string().c_str());
    std::fflush(stdout);
    Future<void> forever = loop.create_future<void>();  // until Ctrl-C cancels the main task
    co_await forever;
}

int main(int argc, char** argv) {
    demos::EchoTrace trace(argc, argv);  // --trace FILE.json, --timeline, --svg FILE.svg
    const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8888);
    try {
        run(trace.traced(serve(port)));
    } catch (const std::exception& e) {  // address in use, ...
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
