// docs/steps/step7_transport_protocol.cpp: step 7 of the ladder: a tiny transport and protocol.
//
// The idea: split the fetch in two. A transport owns the socket (it reads when readable,
// buffers what it cannot write yet, closes); a protocol is what the bytes mean (an HTTP GET
// here), told connection_made, data_received, eof_received and connection_lost, and never
// touching a socket. The same transport could carry any protocol, and the protocol could be
// tested without a network. create_connection pairs them and gives a task a future to await.
// (The thread pool of step 6 is left out, to keep the file short; nothing here needs it.)
//
// Grown-up version: net/transport/protocol.hpp, net/transport/socket_transport.hpp (water
// marks, pause_reading, the states drawn in full), net/transport/create_connection.hpp.
//
// Build and run (docs/steps/README.md has the expected output):
//     g++ -std=c++20 -O1 -pthread step7_transport_protocol.cpp -o step7 && ./step7
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <coroutine>
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

// ---- The loop of steps 2 and 3, now with timers (step 5) -----------------------------------
using Callback = std::function<void()>;
using Clock = std::chrono::steady_clock;

// Callbacks waiting for a file descriptor, callbacks ready to run now, and (new in step 5)
// callbacks waiting for a time.
class Loop {
public:
    void add_reader(int fd, Callback cb) { readers_[fd] = std::move(cb); }
    void remove_reader(int fd) { readers_.erase(fd); }
    void add_writer(int fd, Callback cb) { writers_[fd] = std::move(cb); }
    void remove_writer(int fd) { writers_.erase(fd); }
    void call_soon(Callback cb) { ready_.push_back(std::move(cb)); }
    // Runs `cb` once `delay` has passed (asyncio's loop.call_later).
    void call_later(std::chrono::milliseconds delay, Callback cb) {
        timers_.emplace(Clock::now() + delay, std::move(cb));
    }

    // Runs until nothing is ready, no file descriptor is watched and no timer is pending.
    void run() {
        while (!ready_.empty() || !readers_.empty() || !writers_.empty() || !timers_.empty()) {
            run_once();
        }
    }

private:
    // How long poll may sleep: not at all if something is ready, until the earliest timer if
    // there is one (rounded up: waking early would only mean polling again), else forever.
    int poll_timeout() const {
        if (!ready_.empty()) return 0;
        if (timers_.empty()) return -1;
        const auto wait = timers_.begin()->first - Clock::now();
        if (wait <= Clock::duration::zero()) return 0;
        return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count());
    }
    void run_once() {
        std::vector<pollfd> fds;
        for (const auto& entry : readers_) fds.push_back({entry.first, POLLIN, 0});
        for (const auto& entry : writers_) fds.push_back({entry.first, POLLOUT, 0});
        const int n = ::poll(fds.data(), fds.size(), poll_timeout());
        if (n < 0 && errno == EINTR) return;
        check(n >= 0, "poll");
        for (const pollfd& p : fds) {
            if (p.revents == 0) continue;
            auto& watched = p.events == POLLIN ? readers_ : writers_;
            const auto it = watched.find(p.fd);
            if (it != watched.end()) ready_.push_back(it->second);
        }
        // Every timer that is due moves to the ready queue, earliest first.
        const auto now = Clock::now();
        while (!timers_.empty() && timers_.begin()->first <= now) {
            ready_.push_back(std::move(timers_.begin()->second));
            timers_.erase(timers_.begin());
        }
        std::vector<Callback> now_ready;
        now_ready.swap(ready_);
        for (Callback& cb : now_ready) cb();
    }

    std::map<int, Callback> readers_;
    std::map<int, Callback> writers_;
    std::vector<Callback> ready_;
    std::multimap<Clock::time_point, Callback> timers_;  // earliest first (looplab: a heap)
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

// ---- Step 4's idea: a Task driving a C++ coroutine ----------------------------------------
class Task;

// What a coroutine function returns (asyncio: the coroutine object of an `async def`). Lazy:
// calling the function only creates the frame; a Task runs it.
class Coro {
public:
    struct promise_type {
        Task* task = nullptr;  // the task this coroutine runs in
        Coro get_return_object() { return Coro(Handle::from_promise(*this)); }
        std::suspend_always initial_suspend() noexcept { return {}; }  // lazy
        std::suspend_always final_suspend() noexcept { return {}; }    // the task sees done()
        void return_void() noexcept {}
        void unhandled_exception() { throw; }  // out of Task::step (looplab stores it instead)
    };
    using Handle = std::coroutine_handle<promise_type>;
    explicit Coro(Handle h) : handle(h) {}
    Handle handle;
};

// Drives one coroutine: each step resumes it until it awaits a future that is not done, then
// asks that future to call the next step (asyncio's Task.__step and __wakeup).
class Task {
public:
    Task(Loop& loop, Coro coro) : loop_(loop), coro_(coro.handle) {
        coro_.promise().task = this;
        loop_.call_soon([this] { step(); });  // asyncio: create_task schedules the first step
    }
    ~Task() { coro_.destroy(); }
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;

    bool done() const { return coro_.done(); }
    // The awaiter's half (await_suspend): "wake me when this is done", kept until the step ends.
    void yield(std::function<void(Callback)> wake_me_with) { yielded_ = std::move(wake_me_with); }

private:
    void step() {
        coro_.resume();  // runs to the next co_await of a pending future, or to the end
        if (coro_.done()) return;
        auto yielded = std::exchange(yielded_, nullptr);
        yielded([this] { step(); });  // the future's done callback is the next step
    }

    Loop& loop_;
    Coro::Handle coro_;
    std::function<void(Callback)> yielded_;
};

// `co_await future`: no suspension if it is done; otherwise hand it to the running task.
template <class T>
struct FutureAwaiter {
    Future<T> future;
    bool await_ready() const { return future.done(); }
    void await_suspend(Coro::Handle h) {
        Future<T> f = future;
        h.promise().task->yield(
            [f](Callback wake) mutable { f.add_done_callback([wake](const T&) { wake(); }); });
    }
    const T& await_resume() const { return future.result(); }
};
template <class T>
FutureAwaiter<T> operator co_await(Future<T> future) {
    return {std::move(future)};
}

// A future with no value (step 5 used it for sleep).
struct Nothing {};

// ---- Step 7's idea: a transport and a protocol --------------------------------------------
class Transport;

// The state machine of one connection, told what happens, in this order:
//     connection_made -> data_received* -> eof_received? -> connection_lost
// It never touches the socket: it asks its transport to write or close.
class Protocol {
public:
    virtual ~Protocol() = default;
    virtual void connection_made(Transport& transport) = 0;
    virtual void data_received(const std::string& data) = 0;
    virtual void eof_received() {}
    virtual void connection_lost() = 0;
};

// Owns a connected non-blocking socket: reads when it is readable and hands the bytes to the
// protocol; write never blocks (what the kernel does not take waits in a buffer until the
// socket is writable). States:
//     made --start()--> open --close(), or the peer's EOF--> closed (connection_lost queued)
class Transport : public std::enable_shared_from_this<Transport> {
public:
    Transport(Loop& loop, int fd, std::shared_ptr<Protocol> protocol)
        : loop_(loop), fd_(fd), protocol_(std::move(protocol)) {}

    void start() {
        protocol_->connection_made(*this);
        loop_.add_reader(fd_, [self = shared_from_this()] { self->on_readable(); });
    }
    void write(const std::string& data) {
        if (closed_) return;
        buffer_ += data;
        if (buffer_.size() == data.size()) flush();  // nothing was waiting: try at once
    }
    void close() {
        if (closed_) return;
        closed_ = true;
        loop_.remove_reader(fd_);
        loop_.remove_writer(fd_);
        ::close(fd_);
        // asyncio calls connection_lost on the next iteration, never inside close().
        loop_.call_soon([self = shared_from_this()] { self->protocol_->connection_lost(); });
    }

private:
    void on_readable() {
        char buf[512];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        check(n >= 0, "recv");
        if (n > 0) {
            protocol_->data_received(std::string(buf, static_cast<std::size_t>(n)));
            return;
        }
        protocol_->eof_received();
        close();
    }
    // Sends what the kernel takes; watches for writability while anything is left.
    void flush() {
        const ssize_t n = ::send(fd_, buffer_.data(), buffer_.size(), MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) check(false, "send");
        if (n > 0) buffer_.erase(0, static_cast<std::size_t>(n));
        if (buffer_.empty()) {
            loop_.remove_writer(fd_);
        } else {
            loop_.add_writer(fd_, [self = shared_from_this()] { self->flush(); });
        }
    }

    Loop& loop_;
    int fd_;
    std::shared_ptr<Protocol> protocol_;
    std::string buffer_;  // written, not yet taken by the kernel
    bool closed_ = false;
};

// Connects, then pairs a transport with `protocol`; the future is done after connection_made
// (asyncio's loop.create_connection).
Future<Nothing> create_connection(Loop& loop, std::uint16_t port,
                                  std::shared_ptr<Protocol> protocol) {
    Future<Nothing> connected(loop);
    const int fd = start_connect(port);
    loop.add_writer(fd, [&loop, fd, protocol, connected]() mutable {
        loop.remove_writer(fd);
        check_connected(fd);
        auto transport = std::make_shared<Transport>(loop, fd, protocol);
        loop.call_soon([transport, connected]() mutable {
            transport->start();
            connected.set_result({});
        });
    });
    return connected;
}

// HTTP/1.0 GET as a protocol: sends the request when connected, collects the bytes, and
// completes `response` when the connection is lost. `calls` records the protocol's methods
// in the order they were called (a repeat of the same method is written once).
class HttpGetProtocol : public Protocol {
public:
    HttpGetProtocol(Loop& loop, std::string path) : path_(std::move(path)), response_(loop) {}
    Future<std::string> response() const { return response_; }
    const std::string& calls() const { return calls_; }

    void connection_made(Transport& transport) override {
        record("connection_made");
        transport.write("GET " + path_ + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    }
    void data_received(const std::string& data) override {
        record("data_received");
        bytes_ += data;
    }
    void eof_received() override { record("eof_received"); }
    void connection_lost() override {
        record("connection_lost");
        response_.set_result(bytes_);
    }

private:
    void record(const std::string& call) {
        if (last_ == call) return;
        calls_ += (calls_.empty() ? "" : ", ") + call;
        last_ = call;
    }
    std::string path_;
    std::string bytes_;
    std::string calls_;
    std::string last_;
    Future<std::string> response_;
};

Coro fetch(Loop& loop, std::uint16_t port, std::string path, Clock::time_point start) {
    auto protocol = std::make_shared<HttpGetProtocol>(loop, path);
    Future<Nothing> connected = create_connection(loop, port, protocol);
    co_await connected;
    const std::string response = co_await protocol->response();
    std::cout << "GET " << path << " -> " << summary(response) << " (after " << ms_since(start)
              << " ms)\n    protocol calls: " << protocol->calls() << std::endl;
}

int main() {
    std::cout << "step 7: a tiny transport and protocol" << std::endl;
    const std::vector<std::string> paths = {"/delay/250", "/delay/50", "/delay/150"};
    TinyServer server(static_cast<int>(paths.size()));
    Loop loop;
    const auto start = Clock::now();
    std::vector<std::unique_ptr<Task>> tasks;
    for (const auto& path : paths) {
        tasks.push_back(std::make_unique<Task>(loop, fetch(loop, server.port(), path, start)));
    }
    loop.run();
    std::cout << "3 fetches through transports took " << ms_since(start)
              << " ms: the longest wait, as in step 2" << std::endl;
}
