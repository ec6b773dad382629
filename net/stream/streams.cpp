// net/stream/streams.cpp: a StreamReaderProtocol per connection, and the handles around it.
#include "net/stream/streams.hpp"

#include "runtime/task.hpp"

namespace looplab::net {

namespace {

// The client's task: the handler's coroutine, awaited from a frame that holds the handler, so
// that the handler (and a lambda's captures, which its coroutine reads) lives as long as the
// coroutine does, whatever happens to the connection.
Coro<void> run_client(std::shared_ptr<const ClientConnectedCallback> handler,
                      std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
    co_await (*handler)(std::move(reader), std::move(writer));
}

// connection_made on the server side (asyncio: StreamReaderProtocol.connection_made with a
// client_connected_cb): the writer, then the client's task.
void start_client(EventLoop& loop, const std::shared_ptr<const ClientConnectedCallback>& handler,
                  const std::shared_ptr<Transport>& transport,
                  const std::shared_ptr<StreamReaderProtocol>& protocol) {
    auto writer = std::make_shared<StreamWriter>(loop, transport, protocol, protocol->reader());
    Task<void> task = loop.create_task(run_client(handler, protocol->reader(), std::move(writer)));
    // asyncio 3.12: a handler that fails or is cancelled closes its connection, and a failure
    // is reported (nobody else awaits this task).
    task.add_done_callback([transport, peer = protocol->peer()](Future<void>& done) {
        if (done.cancelled()) {
            transport->close();
            return;
        }
        if (std::exception_ptr error = done.exception()) {
            done.get_loop().call_exception_handler(
                {"Unhandled exception in client_connected_cb", error, peer});
            transport->close();
        }
    });
}

}  // namespace

ProtocolFactory client_connected_protocols(EventLoop& loop,
                                           ClientConnectedCallback client_connected_cb,
                                           std::size_t limit) {
    auto handler = std::make_shared<const ClientConnectedCallback>(std::move(client_connected_cb));
    return [&loop, handler, limit] {
        auto on_made = [&loop, handler](const std::shared_ptr<Transport>& transport,
                                        const std::shared_ptr<StreamReaderProtocol>& protocol) {
            start_client(loop, handler, transport, protocol);
        };
        return std::make_shared<StreamReaderProtocol>(
            loop, std::make_shared<StreamReader>(loop, limit), std::move(on_made));
    };
}

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
    return create_server(loop,
                         client_connected_protocols(loop, std::move(client_connected_cb), limit),
                         std::move(host), port, options);
}

Coro<std::shared_ptr<Server>> start_server(ClientConnectedCallback client_connected_cb,
                                           std::string host, std::uint16_t port, std::size_t limit,
                                           ServerOptions options) {
    return start_server(get_running_loop(), std::move(client_connected_cb), std::move(host), port,
                        limit, options);
}

}  // namespace looplab::net
