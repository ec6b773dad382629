// docs/steps/step3_future.cpp: step 3 of the ladder: a Future.
//
// The idea: a fetch returns a Future, a result that is not there yet, instead of taking a
// callback. Whoever wants the result adds a done callback; whoever produces it calls
// set_result, and the loop runs the done callbacks on its next iteration (a new ready queue,
// call_soon), never inside set_result. Futures compose: "all three are done" is a counter
// over three futures (gather in miniature). Step 4 puts a coroutine on top of them.
//
// Grown-up version: runtime/future.hpp (Future<T>, done callbacks through call_soon) and
// runtime/gather.hpp.
//
// Build and run (docs/steps/README.md has the expected output):
//     g++ -std=c++20 -O1 -pthread step3_future.cpp -o step3 && ./step3
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
#include <optional>
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

// ---- Step 2's selector loop, now with a ready queue (step 3) --------------------------------
using Callback = std::function<void()>;

// Callbacks waiting for a file descriptor, and (new in step 3) callbacks ready to run now.
class Loop {
public:
    void add_reader(int fd, Callback cb) { readers_[fd] = std::move(cb); }
    void remove_reader(int fd) { readers_.erase(fd); }
    void add_writer(int fd, Callback cb) { writers_[fd] = std::move(cb); }
    void remove_writer(int fd) { writers_.erase(fd); }
    // Runs `cb` on the next iteration, never inline (asyncio's loop.call_soon).
    void call_soon(Callback cb) { ready_.push_back(std::move(cb)); }

    // Runs until nothing is ready and no file descriptor is watched.
    void run() {
        while (!ready_.empty() || !readers_.empty() || !writers_.empty()) run_once();
    }

private:
    // One iteration: poll (without sleeping if something is ready), queue the callbacks of
    // the ready fds, then run what was ready when the iteration began.
    void run_once() {
        std::vector<pollfd> fds;
        for (const auto& entry : readers_) fds.push_back({entry.first, POLLIN, 0});
        for (const auto& entry : writers_) fds.push_back({entry.first, POLLOUT, 0});
        const int n = ::poll(fds.data(), fds.size(), ready_.empty() ? -1 : 0);
        if (n < 0 && errno == EINTR) return;
        check(n >= 0, "poll");
        for (const pollfd& p : fds) {
            if (p.revents == 0) continue;
            auto& watched = p.events == POLLIN ? readers_ : writers_;
            const auto it = watched.find(p.fd);
            if (it != watched.end()) ready_.push_back(it->second);
        }
        // Only what is ready now: a callback's call_soon runs on the next iteration.
        std::vector<Callback> now;
        now.swap(ready_);
        for (Callback& cb : now) cb();
    }

    std::map<int, Callback> readers_;
    std::map<int, Callback> writers_;
    std::vector<Callback> ready_;
};

// ---- Step 3's idea: a Future --------------------------------------------------------------

// A result that is not there yet. Copies share one state: the code that completes it and
// the code that waits for it each hold one.
template <class T>
class Future {
public:
    explicit Future(Loop& loop) : state_(std::make_shared<State>(loop)) {}

    bool done() const { return state_->value.has_value(); }
    const T& result() const { return state_->value.value(); }

    // Completes the future; its done callbacks run on the loop's next iteration, never inline
    // (runtime/future.hpp: the rule that keeps callers and callbacks apart).
    void set_result(T value) {
        state_->value.emplace(std::move(value));
        for (auto& cb : state_->callbacks) schedule(std::move(cb));
        state_->callbacks.clear();
    }
    void add_done_callback(std::function<void(const T&)> cb) {
        if (done()) {
            schedule(std::move(cb));
        } else {
            state_->callbacks.push_back(std::move(cb));
        }
    }

private:
    struct State {
        explicit State(Loop& l) : loop(l) {}
        Loop& loop;
        std::optional<T> value;
        std::vector<std::function<void(const T&)>> callbacks;
    };
    void schedule(std::function<void(const T&)> cb) {
        state_->loop.call_soon([state = state_, cb = std::move(cb)] { cb(*state->value); });
    }
    std::shared_ptr<State> state_;
};

// Step 2's callback chain, wrapped: the caller gets a Future instead of passing a callback.
class Fetcher : public std::enable_shared_from_this<Fetcher> {
public:
    Fetcher(Loop& loop, std::string path) : loop_(loop), path_(std::move(path)), done_(loop) {}
    Future<std::string> start(std::uint16_t port) {
        fd_ = start_connect(port);
        loop_.add_writer(fd_, [self = shared_from_this()] { self->connected(); });
        return done_;
    }

private:
    void connected() {
        loop_.remove_writer(fd_);
        check_connected(fd_);
        send_request(fd_, path_);
        loop_.add_reader(fd_, [self = shared_from_this()] { self->readable(); });
    }
    void readable() {
        char buf[512];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        check(n >= 0, "recv");
        if (n > 0) {
            response_.append(buf, static_cast<std::size_t>(n));
            return;
        }
        loop_.remove_reader(fd_);
        ::close(fd_);
        done_.set_result(response_);
    }

    Loop& loop_;
    int fd_ = -1;
    std::string path_;
    std::string response_;
    Future<std::string> done_;
};

// GET `path`: a future of the whole response (asyncio: a future a protocol completes).
Future<std::string> http_get(Loop& loop, std::uint16_t port, const std::string& path) {
    return std::make_shared<Fetcher>(loop, path)->start(port);
}

int main() {
    std::cout << "step 3: a Future" << std::endl;
    const std::vector<std::string> paths = {"/delay/250", "/delay/50", "/delay/150"};
    TinyServer server(static_cast<int>(paths.size()));
    Loop loop;
    const auto start = std::chrono::steady_clock::now();
    std::size_t done = 0;
    for (const auto& path : paths) {
        Future<std::string> response = http_get(loop, server.port(), path);
        response.add_done_callback([&, path](const std::string& r) {
            std::cout << "GET " << path << " -> " << summary(r) << " (after " << ms_since(start)
                      << " ms, in a done callback)" << std::endl;
            if (++done == paths.size()) {
                std::cout << "all 3 futures done after " << ms_since(start) << " ms" << std::endl;
            }
        });
    }
    loop.run();
}
