// net/stream/unix_streams.cpp: streams.cpp's recipe with a Unix socket underneath.
#include "net/stream/unix_streams.hpp"

#include "net/transport/unix_connection.hpp"
#include "net/transport/unix_server.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

Coro<StreamPair> open_unix_connection(EventLoop& loop, std::string path, std::size_t limit) {
    auto reader = std::make_shared<StreamReader>(loop, limit);
    // Named, not a temporary inside the co_await: see getaddrinfo.cpp (a g++ 12 bug).
    auto make_protocol = [&loop, reader] {
        return std::make_shared<StreamReaderProtocol>(loop, reader);
    };
    auto [transport, protocol] =
        co_await create_unix_connection(loop, std::move(make_protocol), path);
    auto writer = std::make_shared<StreamWriter>(loop, transport, protocol, reader);
    co_return StreamPair{std::move(reader), std::move(writer)};
}

Coro<std::shared_ptr<Server>> start_unix_server(EventLoop& loop,
                                                ClientConnectedCallback client_connected_cb,
                                                std::string path, std::size_t limit,
                                                ServerOptions options) {
    return create_unix_server(
        loop, client_connected_protocols(loop, std::move(client_connected_cb), limit), path,
        options);
}

}  // namespace looplab::net
