// net/transport/create_connection.cpp: resolve, connect to the first address that answers, wrap.
#include "net/transport/create_connection.hpp"

#include <chrono>
#include <exception>
#include <stdexcept>

#include "net/async_socket_ops.hpp"
#include "net/errors.hpp"
#include "net/getaddrinfo.hpp"
#include "net/socket_ops.hpp"
#include "net/transport/socket_transport.hpp"
#include "runtime/errors.hpp"
#include "runtime/timeout.hpp"

namespace looplab::net::detail {

namespace {

using std::chrono::milliseconds;

// One attempt: a socket, a connect, and our deadline turned into the error that names it.
Coro<UniqueFd> connect_one(EventLoop& loop, SocketAddress address,
                           std::optional<Duration> connect_timeout) {
    UniqueFd fd = make_socket(address.family(), SOCK_STREAM, /*non_blocking=*/true);
    const auto started = loop.time();
    bool timed_out = false;
    try {
        if (connect_timeout) {
            co_await timeout(*connect_timeout, sock_connect(loop, fd.get(), address));
        } else {
            co_await sock_connect(loop, fd.get(), address);
        }
    } catch (const TimeoutError&) {  // looplab::TimeoutError: our deadline passed
        timed_out = true;
    } catch (const SocketTimeoutError&) {  // ETIMEDOUT: the kernel gave up first
        timed_out = true;
    }
    if (timed_out) {
        const Duration waited = connect_timeout ? *connect_timeout : loop.time() - started;
        throw ConnectTimeoutError(address.to_string(),
                                  std::chrono::duration_cast<milliseconds>(waited));
    }
    set_tcp_nodelay(fd.get(), true);
    co_return fd;
}

}  // namespace

Coro<UniqueFd> connect_to_first(EventLoop& loop, std::vector<SocketAddress> addresses,
                                std::optional<Duration> connect_timeout) {
    if (addresses.empty()) throw std::invalid_argument("connect_to_first: no addresses");
    std::exception_ptr first_error;
    for (const SocketAddress& address : addresses) {
        try {
            co_return co_await connect_one(loop, address, connect_timeout);
        } catch (const NetError&) {
            if (!first_error) first_error = std::current_exception();
        }
    }
    std::rethrow_exception(first_error);
}

Coro<ConnectionPair> create_connection(EventLoop& loop,
                                       std::function<std::shared_ptr<Protocol>()> factory,
                                       std::string host, std::uint16_t port,
                                       ConnectionOptions options) {
    std::vector<SocketAddress> addresses = co_await getaddrinfo(loop, host, port, options.family);
    UniqueFd sock = co_await connect_to_first(loop, std::move(addresses), options.connect_timeout);
    std::shared_ptr<Protocol> protocol = factory();
    if (!protocol) throw std::invalid_argument("create_connection: the factory returned null");
    Future<void> made = loop.create_future<void>();
    made.state()->set_label(labels::text("create_connection: the transport's connection_made"));
    std::shared_ptr<Transport> transport =
        SocketTransport::make(loop, std::move(sock), protocol, made);
    // If connection_made throws, the transport aborts itself and `made` carries the exception.
    // If we are cancelled here, nobody will ever see this transport: close it (asyncio too).
    try {
        co_await made;
    } catch (...) {
        transport->close();
        throw;
    }
    co_return ConnectionPair{std::move(transport), std::move(protocol)};
}

}  // namespace looplab::net::detail
