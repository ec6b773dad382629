// docs/steps/step2_selector_callbacks.cpp: step 2 of the ladder: a selector loop with callbacks.
//
// The idea: never call what would block. Make the sockets non-blocking, ask poll(2) which of
// them are ready, and run the callback registered for each one. A fetch becomes a chain of
// callbacks (connected -> send -> readable ... -> closed), and three chains interleave on one
// thread, so three fetches take the longest wait, not the sum. The price: the program's
// logic is cut into callbacks (what steps 3 and 4 repair).
//
// Grown-up version: runtime/selector/selector_poll.cpp (the poll backend) and
// runtime/event_loop.cpp (`add_reader` / `add_writer`, and `EventLoop::run_once`'s phase 3).
//
// Build and run (docs/steps/README.md has the expected output):
//     g++ -std=c++20 -O1 -pthread step2_selector_callbacks.cpp -o step2 && ./step2
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

// ---- The tiny server this step fetches from (the same in every step) ----------------------
// GET /delay/N answers "waited N ms" after N milliseconds, like looplab's demo server
// (http/server/demo_routes.hpp). It is blocking code on threads of its own, one per
// connection, so that it serves concurrent clients concurrently: the client is the lesson.

// Throws the errno of a failed system call, named.
void check(bool ok, const char* what) {
    if (!ok) throw std::system_error(errno, std::generic_category(), what);
}

class TinyServer {
public:
    // Listens on 127.0.0.1 (a port the kernel picks) and serves `connections` clients.
    explicit TinyServer(int connections) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        check(fd_ >= 0, "socket");
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        check(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind");
        check(::listen(fd_, 16) == 0, "listen");
        socklen_t len = sizeof addr;
        check(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0, "getsockname");
        port_ = ntohs(addr.sin_port);
        acceptor_ = std::thread([this, connections] { serve(connections); });
    }
    ~TinyServer() {
        acceptor_.join();
        ::close(fd_);
    }
    std::uint16_t port() const { return port_; }

private:
    void serve(int connections) {
        std::vector<std::thread> workers;
        for (int i = 0; i < connections; ++i) {
            const int client = ::accept(fd_, nullptr, nullptr);
            if (client < 0) break;
            workers.emplace_back(answer, client);
        }
        for (auto& w : workers) w.join();
    }
    static void answer(int client) {
        std::string request;
        char buf[512];
        while (request.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = ::recv(client, buf, sizeof buf, 0);
            if (n <= 0) break;
            request.append(buf, static_cast<std::size_t>(n));
        }
        int ms = 0;
        std::sscanf(request.c_str(), "GET /delay/%d", &ms);
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        const std::string body = "waited " + std::to_string(ms) + " ms";
        const std::string response =
            "HTTP/1.0 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
        ::close(client);
    }

    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread acceptor_;
};
// ---- end of the tiny server --------------------------------------------------------------

// "HTTP/1.0 200 OK: waited 50 ms": the status line and the body.
std::string summary(const std::string& response) {
    const auto status_end = response.find("\r\n");
    const auto body = response.find("\r\n\r\n");
    if (status_end == std::string::npos || body == std::string::npos) return "bad response";
    return response.substr(0, status_end) + ": " + response.substr(body + 4);
}

long ms_since(std::chrono::steady_clock::time_point start) {
    const auto d = std::chrono::steady_clock::now() - start;
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

// A non-blocking socket whose connect to 127.0.0.1:`port` has begun (it is writable once
// connected).
int start_connect(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    check(fd >= 0, "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    check(rc == 0 || errno == EINPROGRESS, "connect");
    return fd;
}

// After the socket became writable: did the connect succeed?
void check_connected(int fd) {
    int error = 0;
    socklen_t len = sizeof error;
    check(::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0, "getsockopt");
    errno = error;
    check(error == 0, "connect");
}

// A request this small always fits in an empty socket buffer; step 7's transport buffers
// what the kernel does not take.
void send_request(int fd, const std::string& path) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    check(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
              static_cast<ssize_t>(request.size()),
          "send");
}

// ---- Step 2's idea: a selector loop with callbacks ----------------------------------------
using Callback = std::function<void()>;

// The smallest event loop: callbacks waiting for a file descriptor to become ready.
class Loop {
public:
    void add_reader(int fd, Callback cb) { readers_[fd] = std::move(cb); }
    void remove_reader(int fd) { readers_.erase(fd); }
    void add_writer(int fd, Callback cb) { writers_[fd] = std::move(cb); }
    void remove_writer(int fd) { writers_.erase(fd); }

    // Runs until no file descriptor is watched any more.
    void run() {
        while (!readers_.empty() || !writers_.empty()) run_once();
    }

private:
    // One iteration: sleep in poll(2) until a watched fd is ready, then run its callbacks.
    void run_once() {
        std::vector<pollfd> fds;
        for (const auto& entry : readers_) fds.push_back({entry.first, POLLIN, 0});
        for (const auto& entry : writers_) fds.push_back({entry.first, POLLOUT, 0});
        const int n = ::poll(fds.data(), fds.size(), -1);
        if (n < 0 && errno == EINTR) return;
        check(n >= 0, "poll");
        for (const pollfd& p : fds) {
            if (p.revents == 0) continue;
            auto& watched = p.events == POLLIN ? readers_ : writers_;
            // Looked up again: an earlier callback of this iteration may have removed it.
            const auto it = watched.find(p.fd);
            if (it == watched.end()) continue;
            Callback cb = it->second;  // a copy: the callback may remove itself while it runs
            cb();
        }
    }

    std::map<int, Callback> readers_;
    std::map<int, Callback> writers_;
};

// One fetch as a chain of callbacks; `on_done` gets the whole response.
class Fetcher {
public:
    Fetcher(Loop& loop, std::uint16_t port, std::string path,
            std::function<void(const std::string&)> on_done)
        : loop_(loop), path_(std::move(path)), on_done_(std::move(on_done)) {
        fd_ = start_connect(port);
        loop_.add_writer(fd_, [this] { connected(); });
    }

private:
    void connected() {
        loop_.remove_writer(fd_);
        check_connected(fd_);
        send_request(fd_, path_);
        loop_.add_reader(fd_, [this] { readable(); });
    }
    void readable() {
        char buf[512];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        check(n >= 0, "recv");
        if (n > 0) {
            response_.append(buf, static_cast<std::size_t>(n));
            return;  // more may come: wait for the next readiness
        }
        loop_.remove_reader(fd_);  // the server closed: the response is complete
        ::close(fd_);
        on_done_(response_);
    }

    Loop& loop_;
    int fd_ = -1;
    std::string path_;
    std::string response_;
    std::function<void(const std::string&)> on_done_;
};

int main() {
    std::cout << "step 2: a selector loop with callbacks" << std::endl;
    const std::vector<std::string> paths = {"/delay/250", "/delay/50", "/delay/150"};
    TinyServer server(static_cast<int>(paths.size()));
    Loop loop;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<Fetcher>> fetchers;
    for (const auto& path : paths) {
        auto print = [path, start](const std::string& response) {
            std::cout << "GET " << path << " -> " << summary(response) << " (after "
                      << ms_since(start) << " ms)" << std::endl;
        };
        fetchers.push_back(std::make_unique<Fetcher>(loop, server.port(), path, print));
    }
    loop.run();
    std::cout << "3 fetches at once took " << ms_since(start)
              << " ms: the longest wait, not the sum" << std::endl;
}
