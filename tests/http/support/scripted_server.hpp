// tests/http/support/scripted_server.hpp: a server that does exactly what a test tells it to.
//
// asyncio's test suite: test_utils.run_test_server and the mock servers of test_streams.
//
// Clients must be tested against servers that misbehave on purpose: truncating, resetting,
// stalling, lying in their headers. ScriptedServer is a plain blocking TCP server on loopback,
// running on its own thread so it can never be starved by the client under test (which may
// block its thread, or run an event loop). For each accepted connection it calls the test's
// handler with the connection's fd; the handler reads and writes raw bytes with the helpers
// below. It counts connections, so keep-alive and pool limits can be checked from outside.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net/support/loopback.hpp"

namespace looplab::http::testing {

// Reads from fd until the end of a request head (CRLF CRLF) or EOF; returns what it read
// (head and whatever followed in the same reads). Empty on EOF before anything.
inline std::string read_request_head(int fd) {
    std::string data;
    char buf[4096];
    while (data.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        data.append(buf, static_cast<std::size_t>(n));
    }
    return data;
}

inline void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return;  // the client went away; the test will see that from its side
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Makes close() send RST instead of FIN: the client sees "connection reset by peer".
inline void reset_on_close(int fd) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

// Waits until the client closes its side (or ms pass).
inline void wait_for_client_close(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    char buf[256];
    while (::poll(&p, 1, ms) > 0) {
        if (::recv(fd, buf, sizeof buf, 0) <= 0) return;
    }
}

// Whether this machine has an IPv6 loopback (::1) to listen on; tests of IPv6 URLs skip
// without one, saying so.
inline bool has_ipv6_loopback() {
    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_loopback;
    const bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return bound;
}

class ScriptedServer {
public:
    // handler(fd, index): index counts connections from 0. It runs on a thread of its own per
    // connection; the fd is closed when it returns.
    using Handler = std::function<void(int fd, int index)>;

    // family: AF_INET (127.0.0.1) or AF_INET6 (::1; url() then reads "http://[::1]:PORT/").
    explicit ScriptedServer(Handler handler, int family = AF_INET)
        : listener_(net::testing::listen_on_loopback(family, 1024)), handler_(std::move(handler)) {
        thread_ = std::thread([this] { accept_loop(); });
    }
    ~ScriptedServer() { stop(); }

    std::string url(std::string_view path = "/") const {
        return "http://" + listener_.address.to_string() + std::string(path);
    }
    int connections() const { return connections_.load(); }
    int max_concurrent() const { return max_concurrent_.load(); }

    void stop() {
        if (stopping_.exchange(true)) return;
        ::shutdown(listener_.fd.get(), SHUT_RDWR);  // wakes accept()
        thread_.join();
        std::lock_guard lock(mutex_);
        for (auto& t : workers_) t.join();
        workers_.clear();
    }

private:
    void accept_loop() {
        while (!stopping_) {
            int fd = ::accept4(listener_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) {
                if (stopping_) return;
                continue;
            }
            int index = connections_++;
            std::lock_guard lock(mutex_);
            workers_.emplace_back([this, fd, index] {
                int now = ++active_;
                int seen = max_concurrent_.load();
                while (now > seen && !max_concurrent_.compare_exchange_weak(seen, now)) {
                }
                handler_(fd, index);
                --active_;
                ::close(fd);
            });
        }
    }

    net::testing::Listener listener_;
    Handler handler_;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<std::thread> workers_;
    std::atomic<int> connections_{0};
    std::atomic<int> active_{0};
    std::atomic<int> max_concurrent_{0};
    std::atomic<bool> stopping_{false};
};

// A canned response with a Content-Length body.
inline std::string ok_response(std::string_view body, std::string_view extra_headers = "") {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           std::string(extra_headers) + "\r\n" + std::string(body);
}

}  // namespace looplab::http::testing
