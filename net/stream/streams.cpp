// net/stream/streams.cpp: a StreamReaderProtocol per connection, and the handles around it.
#include "net/stream/streams.hpp"

#include "runtime/task.hpp"

namespace looplab::net {

Coro<StreamPair> open_connection(EventLoop& loop, std::string host, std::uint16_t port,
                                 std::size_t limit, ConnectionOptions options) {
    auto reader = std::make_shared<StreamReader>(loop, limit);
    // Named, not a temporary inside the co_await: see getaddrinfo.cpp (a g++ 12 bug).
    auto make_protocol = [&loop, reader] {
        return std::make_shared<StreamReaderProtocol>(loop, reader);
    };
    auto [transport, protocol] =
        co_await create_connection(loop, std::move(make_protocol), std::move(host), port, options);
    auto writer = std::make_shared<StreamWriter>(loop, transport, protocol, reader);
    co_return StreamPair{std::move(reader), std::move(writer)};
}

Coro<StreamPair> open_connection(std::string host, std::uint16_t port, std::size_t limit,
                                 ConnectionOptions options) {
    return open_connection(get_running_loop(), std::move(host), port, limit, options);
}

Coro<std::shared_ptr<Server>> start_server(EventLoop& loop,
                                           ClientConnectedCallback client_connected_cb,
                                           std::string host, std::uint16_t port, std::size_t limit,
                                           ServerOptions options) {
    ProtocolFactory factory = [&loop, cb = std::move(client_connected_cb), limit] {
        return std::make_shared<StreamReaderProtocol>(
            loop, std::make_shared<StreamReader>(loop, limit), cb);
    };
    return create_server(loop, std::move(factory), std::move(host), port, options);
}

Coro<std::shared_ptr<Server>> start_server(ClientConnectedCallback client_connected_cb,
                                           std::string host, std::uint16_t port, std::size_t limit,
                                           ServerOptions options) {
    return start_server(get_running_loop(), std::move(client_connected_cb), std::move(host), port,
                        limit, options);
}

}  // namespace looplab::net
