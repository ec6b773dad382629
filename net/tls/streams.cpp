// net/tls/streams.cpp: a StreamReaderProtocol under an SSLProtocol, and the stream upgrade.
#include "net/tls/streams.hpp"

#include <utility>

#include "runtime/task.hpp"

namespace looplab::net::tls {

Coro<StreamPair> open_connection(EventLoop& loop, std::string host, std::uint16_t port,
                                 SSLOptions ssl, std::size_t limit, ConnectionOptions options) {
    auto reader = std::make_shared<StreamReader>(loop, limit);
    // Named, not a temporary inside the co_await (a g++ 12 bug: CONTRIBUTING.md).
    auto make_protocol = [&loop, reader] {
        return std::make_shared<StreamReaderProtocol>(loop, reader);
    };
    auto [transport, protocol] = co_await create_connection(
        loop, std::move(make_protocol), std::move(host), port, std::move(ssl), options);
    auto writer = std::make_shared<StreamWriter>(loop, transport, protocol, reader);
    co_return StreamPair{std::move(reader), std::move(writer)};
}

Coro<StreamPair> open_connection(std::string host, std::uint16_t port, SSLOptions ssl,
                                 std::size_t limit, ConnectionOptions options) {
    return open_connection(get_running_loop(), std::move(host), port, std::move(ssl), limit,
                           options);
}

Coro<std::shared_ptr<Server>> start_server(EventLoop& loop,
                                           ClientConnectedCallback client_connected_cb,
                                           std::string host, std::uint16_t port, SSLOptions ssl,
                                           std::size_t limit, ServerOptions options) {
    return create_server(loop,
                         client_connected_protocols(loop, std::move(client_connected_cb), limit),
                         std::move(host), port, std::move(ssl), options);
}

Coro<std::shared_ptr<Server>> start_server(ClientConnectedCallback client_connected_cb,
                                           std::string host, std::uint16_t port, SSLOptions ssl,
                                           std::size_t limit, ServerOptions options) {
    return start_server(get_running_loop(), std::move(client_connected_cb), std::move(host), port,
                        std::move(ssl), limit, options);
}

// asyncio's StreamWriter.start_tls: drain first (what was written in plain text must leave
// before the ClientHello), then start_tls on the same protocol, then swap the transport.
Coro<void> start_tls(StreamWriter& writer, SSLOptions ssl) {
    co_await writer.drain();
    std::shared_ptr<Transport> plain = writer.transport().shared_from_this();
    std::shared_ptr<Transport> secure =
        co_await tls::start_tls(writer.get_loop(), plain, writer.protocol(), std::move(ssl));
    writer.replace_transport(std::move(secure));
}

}  // namespace looplab::net::tls
