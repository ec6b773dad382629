// tests/reliability/support/raw_client.hpp: a misbehaving HTTP client, byte by byte.
//
// asyncio's test suite: the raw-socket clients of test_server / test_sock_lowlevel
//
// The hostile-client tests need to do what no real client library would: stop half-way
// through a head, send one byte at a time, reset the connection, close its sending side and
// keep reading, never read at all. So this is plain blocking POSIX, on the test's thread,
// every wait bounded by poll() with a deadline: a server that hangs makes the test fail, never
// hang. Descriptors are owned by RawClient, so a failing assertion cannot leak one.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace looplab::reliability {

class RawClient {
public:
    // Connects (blocking) to 127.0.0.1:port; throws std::runtime_error if it cannot.
    // receive_buffer > 0 sets SO_RCVBUF first (before connect(), where it takes effect), for a
    // client that should stop taking bytes soon.
    explicit RawClient(std::uint16_t port, int receive_buffer = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket() failed");
        if (receive_buffer > 0)
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            ::close(fd_);
            throw std::runtime_error("connect() to the server failed");
        }
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ~RawClient() { close(); }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    int fd() const { return fd_; }

    // Sends every byte; false if the server closed or reset the connection first.
    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // One byte, then `gap`, then the next: slowloris. Stops early (false) when the server
    // answers or closes the connection during a gap (readable, or a failed send()).
    bool trickle(std::string_view bytes, std::chrono::milliseconds gap) {
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            if (i > 0 && server_closed_within(gap)) return false;
            if (!send(bytes.substr(i, 1))) return false;
        }
        return true;
    }

    // Reads until the server closes its side, a reset, or `limit` passes; returns what came.
    std::string read_until_close(std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        std::string answer;
        const auto deadline = std::chrono::steady_clock::now() + limit;
        char buffer[16 * 1024];
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                timed_out_ = true;
                return answer;
            }
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) return answer;  // end of stream (0) or reset (-1)
            answer.append(buffer, static_cast<std::size_t>(n));
        }
    }
    // Whether the last read_until_close gave up at its limit rather than seeing the close.
    bool timed_out() const { return timed_out_; }

    // Sends `bytes` over and over without ever reading, until `max_bytes` are sent or the
    // connection takes nothing for `stuck_after` (the server stopped reading and every buffer
    // between us is full). Returns the bytes sent; stuck() says which way it ended.
    std::size_t flood(std::string_view bytes, std::size_t max_bytes,
                      std::chrono::milliseconds stuck_after) {
        std::size_t sent = 0;
        std::size_t offset = 0;
        while (sent < max_bytes) {
            const ssize_t n = ::send(fd_, bytes.data() + offset, bytes.size() - offset,
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
                offset = (offset + static_cast<std::size_t>(n)) % bytes.size();
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;  // reset or closed
            pollfd p{fd_, POLLOUT, 0};
            if (::poll(&p, 1, static_cast<int>(stuck_after.count())) == 0) {
                stuck_ = true;
                break;
            }
        }
        return sent;
    }
    bool stuck() const { return stuck_; }

    void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

    // Closes with RST instead of FIN (SO_LINGER 0): the server sees ECONNRESET.
    void reset() {
        linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close();
    }

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    // Waits up to `gap`; true if the connection became readable with end of stream / error,
    // i.e. the server gave up on us. Data the server sent (a 408) is left to be read.
    bool server_closed_within(std::chrono::milliseconds gap) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(gap.count())) <= 0) return false;
        return (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
    }

    int fd_ = -1;
    bool timed_out_ = false;
    bool stuck_ = false;
};

// The status code of the first response in `answer`, or 0 if there is none.
inline int status_of(std::string_view answer) {
    if (answer.size() < 12 || !answer.starts_with("HTTP/1.")) return 0;
    return std::stoi(std::string(answer.substr(9, 3)));
}

}  // namespace looplab::reliability
