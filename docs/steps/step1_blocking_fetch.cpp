// docs/steps/step1_blocking_fetch.cpp: step 1 of the ladder: a blocking fetch.
//
// The idea: the way `requests.get` works. connect, send, recv until the server closes, each
// call blocking the thread until the kernel has an answer. Three fetches take the sum of
// their waits, because while one waits, nothing else can run: the problem every later step
// solves. (500 Lines or Less, "A Web Crawler With asyncio Coroutines", starts here too.)
//
// Grown-up version: http/client/blocking_client.hpp (looplab's requests.get, used by the
// `compare` demo's "blocking loop" line).
//
// Build and run (docs/steps/README.md has the expected output):
//     g++ -std=c++20 -O1 -pthread step1_blocking_fetch.cpp -o step1 && ./step1
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <system_error>
#include <thread>
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

// ---- This step's idea: a blocking fetch ---------------------------------------------------

// GET `path` from 127.0.0.1:`port` and return the whole response. Every call here blocks.
std::string blocking_get(std::uint16_t port, const std::string& path) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    check(fd >= 0, "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    check(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "connect");
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    check(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
              static_cast<ssize_t>(request.size()),
          "send");
    std::string response;
    char buf[512];
    for (;;) {  // HTTP/1.0: the response ends when the server closes the connection
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        check(n >= 0, "recv");
        if (n == 0) break;
        response.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return response;
}

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

int main() {
    std::cout << "step 1: a blocking fetch" << std::endl;
    const std::vector<std::string> paths = {"/delay/250", "/delay/50", "/delay/150"};
    TinyServer server(static_cast<int>(paths.size()));
    const auto start = std::chrono::steady_clock::now();
    for (const auto& path : paths) {
        std::cout << "GET " << path << " -> " << summary(blocking_get(server.port(), path))
                  << std::endl;
    }
    std::cout << "3 fetches one after another took " << ms_since(start)
              << " ms: the sum of the waits" << std::endl;
}
