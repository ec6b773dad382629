// net/blocking_socket.cpp: connect with a timeout, send everything, receive with a timeout.
//
// Python: socket.create_connection() and the timeout logic of Modules/socketmodule.c
//         (sock_call_ex: poll for readiness with the remaining time, retry on EINTR).
// libuv:  none (see the header).
//
// Every wait goes through wait_for_ready(): poll() on one descriptor with a deadline. A signal
// interrupting poll (EINTR) must not restart the full timeout, or a process receiving signals
// every 50 ms would never time out; so the remaining time is recomputed from a steady_clock
// deadline on every retry.
#include "net/blocking_socket.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <exception>
#include <stdexcept>
#include <utility>

#include "net/errors.hpp"
#include "net/socket_ops.hpp"

namespace looplab::net {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void check_timeout(milliseconds timeout, const char* what) {
    if (timeout < milliseconds::zero() && timeout != BlockingSocket::no_timeout) {
        throw std::invalid_argument(std::string(what) +
                                    ": timeout must be >= 0 or BlockingSocket::no_timeout");
    }
}

// Waits until fd has one of events (or an error/hangup, which the next syscall will report),
// or until timeout has passed. Returns false on timeout. Retries EINTR with the time left.
bool wait_for_ready(int fd, short events, milliseconds timeout) {
    // steady_clock counts nanoseconds in 64 bits (about 292 years), so now() + a huge timeout
    // would overflow; anything beyond a century is as good as forever.
    constexpr auto century = std::chrono::hours(24 * 365 * 100);
    const bool forever = timeout == BlockingSocket::no_timeout || timeout > century;
    const auto deadline = forever ? Clock::time_point::max() : Clock::now() + timeout;
    for (;;) {
        int poll_ms = -1;
        if (!forever) {
            // Round up, so a wait never ends a fraction of a millisecond early and then reports
            // a timeout before the full time has passed.
            const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
            poll_ms = static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
        }
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, poll_ms);
        if (ready > 0) return true;
        if (ready == 0) {
            // poll_ms may have been clamped to INT_MAX (~24 days); only a real deadline ends.
            if (Clock::now() >= deadline) return false;
            continue;
        }
        if (errno == EINTR) continue;
        throw_os_error(errno, "poll", {});
    }
}

}  // namespace

BlockingSocket::BlockingSocket(UniqueFd fd, SocketAddress peer) noexcept
    : fd_(std::move(fd)), peer_(std::move(peer)) {}

BlockingSocket BlockingSocket::connect(const std::vector<SocketAddress>& addresses,
                                       milliseconds connect_timeout) {
    if (addresses.empty()) throw std::invalid_argument("BlockingSocket::connect: no addresses");
    check_timeout(connect_timeout, "BlockingSocket::connect");

    std::exception_ptr first_error;
    for (const SocketAddress& address : addresses) {
        try {
            return connect_one(address, connect_timeout);
        } catch (const NetError&) {
            if (!first_error) first_error = std::current_exception();
        }
    }
    std::rethrow_exception(first_error);
}

BlockingSocket BlockingSocket::connect_one(const SocketAddress& address, milliseconds timeout) {
    const std::string where = address.to_string();
    const auto started = Clock::now();
    UniqueFd fd = make_socket(address.family(), SOCK_STREAM, /*non_blocking=*/true);

    if (::connect(fd.get(), address.data(), address.size()) != 0) {
        const int err = errno;
        // EINPROGRESS: the handshake has started and finishes in the background. EINTR: the
        // same, POSIX says an interrupted connect carries on asynchronously. Either way the
        // socket turns writable when the handshake is over, successful or not.
        if (err == EAGAIN) {
            // Not "try again" here: for TCP, Linux uses it for "no routing cache entries left",
            // a real failure. Built directly because throw_os_error rightly refuses EAGAIN.
            throw NetError(err, "connect", where);
        }
        if (err != EINPROGRESS && err != EINTR) throw_os_error(err, "connect", where);

        if (!wait_for_ready(fd.get(), POLLOUT, timeout)) throw ConnectTimeoutError(where, timeout);
        const int outcome = socket_error(fd.get());
        if (outcome == ETIMEDOUT) {
            // The kernel gave up retrying SYNs before our own deadline.
            throw ConnectTimeoutError(
                where, std::chrono::duration_cast<milliseconds>(Clock::now() - started));
        }
        if (outcome != 0) throw_os_error(outcome, "connect", where);
    }

    set_non_blocking(fd.get(), false);
    set_tcp_nodelay(fd.get(), true);
    return BlockingSocket(std::move(fd), address);
}

void BlockingSocket::send_all(std::span<const std::byte> data) {
    if (!fd_) throw TransportClosedError("send", peer_.to_string());
    while (!data.empty()) {
        // A blocking send takes everything unless a signal interrupts it part way, in which case
        // it returns the count so far (or -1/EINTR if nothing was sent yet): hence the loop.
        const ssize_t sent = send_nosignal(fd_.get(), data.data(), data.size());
        if (sent < 0) {
            if (errno == EINTR) continue;
            throw_os_error(errno, "send", peer_.to_string());
        }
        data = data.subspan(static_cast<std::size_t>(sent));
    }
}

void BlockingSocket::send_all(std::string_view data) {
    send_all(std::as_bytes(std::span<const char>(data.data(), data.size())));
}

std::size_t BlockingSocket::recv_some(std::span<std::byte> buffer, milliseconds read_timeout) {
    if (!fd_) throw TransportClosedError("recv", peer_.to_string());
    if (buffer.empty()) {
        throw std::invalid_argument("BlockingSocket::recv_some: empty buffer (0 means EOF)");
    }
    check_timeout(read_timeout, "BlockingSocket::recv_some");

    if (!wait_for_ready(fd_.get(), POLLIN, read_timeout)) {
        throw ReadTimeoutError(peer_.to_string(), read_timeout);
    }
    // poll said readable, so this recv does not block: there is data, end of stream, or an
    // error (a reset) to report.
    for (;;) {
        const ssize_t received = ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
        if (received >= 0) return static_cast<std::size_t>(received);
        if (errno == EINTR) continue;
        throw_os_error(errno, "recv", peer_.to_string());
    }
}

std::size_t BlockingSocket::recv_some(std::span<char> buffer, milliseconds read_timeout) {
    return recv_some(std::as_writable_bytes(buffer), read_timeout);
}

void BlockingSocket::shutdown_write() {
    if (!fd_) throw TransportClosedError("shutdown", peer_.to_string());
    if (::shutdown(fd_.get(), SHUT_WR) != 0) throw_os_error(errno, "shutdown", peer_.to_string());
}

SocketAddress BlockingSocket::local_address() const {
    if (!fd_) throw TransportClosedError("getsockname", peer_.to_string());
    return net::local_address(fd_.get());
}

}  // namespace looplab::net
