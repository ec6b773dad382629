// net/transport/create_datagram_endpoint.cpp: resolve, bind, connect, wrap.
#include "net/transport/create_datagram_endpoint.hpp"

#include <netdb.h>
#include <netinet/in.h>

#include <cerrno>
#include <exception>
#include <stdexcept>
#include <vector>

#include "net/errors.hpp"
#include "net/getaddrinfo.hpp"
#include "net/socket_ops.hpp"
#include "runtime/task.hpp"

namespace looplab::net::detail {

namespace {

// One local / remote pair to try (either may be absent, not both of a given side's list).
struct Candidate {
    std::optional<SocketAddress> local;
    std::optional<SocketAddress> remote;
    int family;
};

Coro<std::vector<SocketAddress>> resolve(EventLoop& loop, const std::optional<HostPort>& where,
                                         int family, int flags) {
    if (!where) co_return std::vector<SocketAddress>{};
    co_return co_await getaddrinfo(loop, where->host, where->port, family, flags);
}

// asyncio's pairing: every (local, remote) of the same family, local order first.
std::vector<Candidate> pair_up(const std::vector<SocketAddress>& locals,
                               const std::vector<SocketAddress>& remotes, int family) {
    std::vector<Candidate> out;
    if (locals.empty() && remotes.empty()) {
        out.push_back({std::nullopt, std::nullopt, family == AF_UNSPEC ? AF_INET : family});
    } else if (locals.empty()) {
        for (const SocketAddress& r : remotes) out.push_back({std::nullopt, r, r.family()});
    } else if (remotes.empty()) {
        for (const SocketAddress& l : locals) out.push_back({l, std::nullopt, l.family()});
    } else {
        for (const SocketAddress& l : locals) {
            for (const SocketAddress& r : remotes) {
                if (l.family() == r.family()) out.push_back({l, r, l.family()});
            }
        }
        if (out.empty()) {
            throw std::invalid_argument(
                "create_datagram_endpoint: local_addr and remote_addr have no family in common");
        }
    }
    return out;
}

void set_broadcast(int fd) {
    const int on = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0) {
        throw_os_error(errno, "setsockopt(SO_BROADCAST)", {});
    }
}

// A socket for one candidate: options, bind, connect. A UDP connect only records the peer, so
// it never waits.
UniqueFd open_endpoint(const Candidate& c, const DatagramEndpointOptions& options) {
    UniqueFd fd = make_socket(c.family, SOCK_DGRAM, /*non_blocking=*/true);
    if (options.reuse_port) set_reuse_port(fd.get(), true);
    if (options.allow_broadcast) set_broadcast(fd.get());
    if (c.local) bind_address(fd.get(), *c.local);
    if (c.remote && ::connect(fd.get(), c.remote->data(), c.remote->size()) != 0) {
        throw_os_error(errno, "connect", c.remote->to_string());
    }
    return fd;
}

}  // namespace

Coro<DatagramPair> create_datagram_endpoint(
    EventLoop& loop, std::function<std::shared_ptr<DatagramProtocol>()> factory,
    DatagramEndpointOptions options) {
    const std::vector<SocketAddress> locals =
        co_await resolve(loop, options.local_addr, options.family, AI_PASSIVE);
    const std::vector<SocketAddress> remotes =
        co_await resolve(loop, options.remote_addr, options.family, 0);
    UniqueFd sock;
    std::optional<SocketAddress> remote;
    std::exception_ptr first_error;
    for (const Candidate& c : pair_up(locals, remotes, options.family)) {
        try {
            sock = open_endpoint(c, options);
            remote = c.remote;
            break;
        } catch (const NetError&) {
            if (!first_error) first_error = std::current_exception();
        }
    }
    if (!sock) std::rethrow_exception(first_error);
    std::shared_ptr<DatagramProtocol> protocol = factory();
    if (!protocol) {
        throw std::invalid_argument("create_datagram_endpoint: the factory returned null");
    }
    Future<void> made = loop.create_future<void>();
    std::shared_ptr<DatagramTransport> transport =
        DatagramTransport::make(loop, std::move(sock), protocol, remote, made);
    try {
        co_await made;
    } catch (...) {
        transport->close();
        throw;
    }
    co_return DatagramPair{std::move(transport), std::move(protocol)};
}

}  // namespace looplab::net::detail
