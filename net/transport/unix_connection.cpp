// net/transport/unix_connection.cpp: socket, connect, wrap.
#include "net/transport/unix_connection.hpp"

#include <sys/socket.h>

#include <stdexcept>

#include "net/async_unix_ops.hpp"
#include "net/socket_ops.hpp"
#include "net/transport/socket_transport.hpp"
#include "runtime/future.hpp"
#include "runtime/task.hpp"

namespace looplab::net::detail {

Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> create_unix_connection(
    EventLoop& loop, std::function<std::shared_ptr<Protocol>()> factory, UnixAddress address) {
    UniqueFd sock = make_socket(AF_UNIX, SOCK_STREAM, /*non_blocking=*/true);
    co_await sock_connect(loop, sock.get(), address);
    std::shared_ptr<Protocol> protocol = factory();
    if (!protocol) throw std::invalid_argument("create_unix_connection: the factory returned null");
    Future<void> made = loop.create_future<void>();
    std::shared_ptr<Transport> transport =
        SocketTransport::make(loop, std::move(sock), protocol, made);
    try {
        co_await made;
    } catch (...) {
        transport->close();
        throw;
    }
    co_return std::pair{std::move(transport), std::move(protocol)};
}

}  // namespace looplab::net::detail
