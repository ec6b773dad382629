// net/transport/create_connection.cpp: resolve, connect to the first address that answers (in
// turn, or staggered: happy eyeballs), wrap.
#include "net/transport/create_connection.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>

#include "net/async_socket_ops.hpp"
#include "net/errors.hpp"
#include "net/getaddrinfo.hpp"
#include "net/socket_ops.hpp"
#include "net/transport/socket_transport.hpp"
#include "runtime/errors.hpp"
#include "runtime/timeout.hpp"
#include "runtime/wait.hpp"

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

// Every address failed: the first one's error, or all of them (all_errors).
[[noreturn]] void throw_all_failed(std::vector<std::exception_ptr> errors, bool all_errors) {
    if (all_errors) throw ExceptionGroup("create_connection failed", std::move(errors));
    std::rethrow_exception(errors.front());
}

// One address after the other, each after the previous one failed.
Coro<UniqueFd> connect_in_turn(EventLoop& loop, std::vector<SocketAddress> addresses,
                               ConnectionOptions options) {
    std::vector<std::exception_ptr> errors;
    for (const SocketAddress& address : addresses) {
        try {
            co_return co_await connect_one(loop, address, options.connect_timeout);
        } catch (const NetError&) {
            errors.push_back(std::current_exception());
        }
    }
    throw_all_failed(std::move(errors), options.all_errors);
}

// What the staggered attempts share (asyncio: staggered.staggered_race's locals).
struct Race {
    std::optional<UniqueFd> winner;
    std::vector<std::exception_ptr> errors;  // per address; null: not failed (yet)
    std::vector<Task<void>> attempts;

    void cancel_all_but(std::size_t index) {
        for (std::size_t i = 0; i < attempts.size(); ++i) {
            if (i != index) attempts[i].cancel();
        }
    }
};

// One staggered attempt: the first to connect keeps its socket and cancels the others.
Coro<void> attempt(EventLoop& loop, std::shared_ptr<Race> race, std::size_t index,
                   SocketAddress address, std::optional<Duration> connect_timeout) {
    try {
        UniqueFd fd = co_await connect_one(loop, address, connect_timeout);
        if (race->winner) co_return;  // another one won meanwhile: fd closes here
        race->winner = std::move(fd);
        race->cancel_all_but(index);
    } catch (const CancelledError&) {
        throw;  // lost the race, or the whole connect was cancelled
    } catch (...) {
        race->errors[index] = std::current_exception();  // NetError, or a socket() failure
    }
}

// RFC 8305: attempt i + 1 starts when attempt i fails, or `delay` after it started.
Coro<UniqueFd> connect_staggered(EventLoop& loop, std::vector<SocketAddress> addresses,
                                 ConnectionOptions options) {
    auto race = std::make_shared<Race>();
    race->errors.resize(addresses.size());
    try {
        for (std::size_t i = 0; i < addresses.size() && !race->winner; ++i) {
            Task<void> started =
                loop.create_task(attempt(loop, race, i, addresses[i], options.connect_timeout));
            race->attempts.push_back(started);
            if (i + 1 < addresses.size()) {
                std::vector<Task<void>> just_started{started};
                co_await wait(std::move(just_started), ALL_COMPLETED, options.happy_eyeballs_delay);
            }
        }
        std::vector<Task<void>> all = race->attempts;
        co_await wait(std::move(all));
    } catch (const CancelledError&) {
        race->cancel_all_but(race->attempts.size());  // every one; their sockets close with them
        throw;
    }
    if (race->winner) co_return std::move(*race->winner);
    throw_all_failed(std::move(race->errors), options.all_errors);
}

}  // namespace

std::vector<SocketAddress> interleave_families(std::vector<SocketAddress> addresses,
                                               int first_family_count) {
    if (first_family_count <= 0 || addresses.size() < 2) return addresses;
    // Group by family, in the order each family first appears.
    std::vector<std::vector<SocketAddress>> groups;
    for (SocketAddress& address : addresses) {
        auto same_family = [&](const std::vector<SocketAddress>& group) {
            return group.front().family() == address.family();
        };
        auto it = std::find_if(groups.begin(), groups.end(), same_family);
        if (it == groups.end()) it = groups.insert(groups.end(), std::vector<SocketAddress>{});
        it->push_back(std::move(address));
    }
    std::vector<SocketAddress> out;
    out.reserve(addresses.size());
    // The first family's extra lead, then one address of each family in turn.
    std::vector<std::size_t> next(groups.size(), 0);
    const std::size_t lead =
        std::min<std::size_t>(static_cast<std::size_t>(first_family_count) - 1, groups[0].size());
    for (; next[0] < lead; ++next[0]) out.push_back(std::move(groups[0][next[0]]));
    for (bool took = true; took;) {
        took = false;
        for (std::size_t g = 0; g < groups.size(); ++g) {
            if (next[g] == groups[g].size()) continue;
            out.push_back(std::move(groups[g][next[g]++]));
            took = true;
        }
    }
    return out;
}

Coro<UniqueFd> connect_to_any(EventLoop& loop, std::vector<SocketAddress> addresses,
                              const ConnectionOptions& options) {
    if (addresses.empty()) throw std::invalid_argument("create_connection: no addresses");
    const int interleave = options.interleave.value_or(options.happy_eyeballs_delay ? 1 : 0);
    addresses = interleave_families(std::move(addresses), interleave);
    if (options.happy_eyeballs_delay && addresses.size() > 1) {
        co_return co_await connect_staggered(loop, std::move(addresses), options);
    }
    co_return co_await connect_in_turn(loop, std::move(addresses), options);
}

Coro<UniqueFd> connect_to_first(EventLoop& loop, std::vector<SocketAddress> addresses,
                                std::optional<Duration> connect_timeout) {
    ConnectionOptions options;
    options.connect_timeout = connect_timeout;
    co_return co_await connect_to_any(loop, std::move(addresses), options);
}

Coro<ConnectionPair> create_connection(EventLoop& loop,
                                       std::function<std::shared_ptr<Protocol>()> factory,
                                       std::string host, std::uint16_t port,
                                       ConnectionOptions options) {
    std::vector<SocketAddress> addresses = co_await getaddrinfo(loop, host, port, options.family);
    UniqueFd sock = co_await connect_to_any(loop, std::move(addresses), options);
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
