// docs/steps/step6_thread_pool.cpp: step 6 of the ladder: a thread-pool hand-off over a pipe.
//
// The idea: code that can only block (step 1's fetch, a DNS lookup, a file read) runs on a
// worker thread, and its result comes back to the loop as a callback. The worker must not
// touch the loop's data, so it hands the callback to a mutex-guarded inbox and writes a byte
// to a pipe the loop's poll watches: that byte wakes a sleeping loop. With 2 workers and 3
// blocking fetches, the third waits in the pool's queue until a worker is free: two waves.
// (A pipe rather than Linux's eventfd, so that this file builds on macOS as well.)
//
// Grown-up version: runtime/threadsafe_inbox.hpp (an eventfd, and the proof that no wake-up
// is lost), runtime/executor/thread_pool_executor.hpp, runtime/executor/run_in_executor.hpp.
//
// Build and run (docs/steps/README.md has the expected output):
//     g++ -std=c++20 -O1 -pthread step6_thread_pool.cpp -o step6 && ./step6
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
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

// ---- The loop of steps 2, 3 and 5, now with a thread-safe inbox (step 6) -----------------
using Callback = std::function<void()>;
using Clock = std::chrono::steady_clock;

// Callbacks waiting for a file descriptor, ready to run now, or waiting for a time; and (new
// in step 6) callbacks that other threads hand in.
class Loop {
public:
    Loop() {
        check(::pipe2(wakeup_, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2");
        add_reader(wakeup_[0], [this] { drain_inbox(); });
    }
    ~Loop() {
        ::close(wakeup_[0]);
        ::close(wakeup_[1]);
    }
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    // The one Loop function another thread may call: runs `cb` on the loop's thread soon
    // (asyncio's call_soon_threadsafe). Why no wake-up is lost: a thread writes a byte when it
    // finds the inbox empty (under the mutex), and the loop reads the pipe dry before it takes
    // the inbox (under the mutex). A callback added after the take finds the inbox empty and
    // writes a new byte, so poll returns again; one added before the take is in what the loop
    // takes. One that finds the inbox non-empty needs no byte: the loop has not taken the
    // inbox yet, so it will take this one too. A busy inbox costs no write at all (coalesced
    // wake-ups, as in runtime/threadsafe_inbox.hpp).
    void call_soon_threadsafe(Callback cb) {
        bool was_empty = false;
        {
            std::lock_guard<std::mutex> lock(inbox_mutex_);
            was_empty = inbox_.empty();
            inbox_.push_back(std::move(cb));
        }
        if (was_empty) {
            const char byte = 1;
            [[maybe_unused]] const ssize_t n = ::write(wakeup_[1], &byte, 1);  // full: awake
        }
    }
    void add_reader(int fd, Callback cb) { readers_[fd] = std::move(cb); }
    void remove_reader(int fd) { readers_.erase(fd); }
    void add_writer(int fd, Callback cb) { writers_[fd] = std::move(cb); }
    void remove_writer(int fd) { writers_.erase(fd); }
    void call_soon(Callback cb) { ready_.push_back(std::move(cb)); }
    // Runs `cb` once `delay` has passed (asyncio's loop.call_later).
    void call_later(std::chrono::milliseconds delay, Callback cb) {
        timers_.emplace(Clock::now() + delay, std::move(cb));
    }

    // Runs until `finished()` (the wake-up pipe is always watched, so "until nothing is
    // left" would never end).
    void run_until(const std::function<bool()>& finished) {
        while (!finished()) run_once();
    }

private:
    // The pipe is readable: move what other threads handed in to the ready queue.
    void drain_inbox() {
        char buf[64];
        while (::read(wakeup_[0], buf, sizeof buf) > 0) {
        }
        std::vector<Callback> handed_in;
        {
            std::lock_guard<std::mutex> lock(inbox_mutex_);
            handed_in.swap(inbox_);
        }
        for (Callback& cb : handed_in) ready_.push_back(std::move(cb));
    }
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
    int wakeup_[2] = {-1, -1};                           // [0] the loop reads, [1] threads write
    std::mutex inbox_mutex_;
    std::vector<Callback> inbox_;  // guarded by inbox_mutex_
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

// ---- Step 6's idea: a thread-pool hand-off ------------------------------------------------

// Step 1's blocking fetch: the code that has no non-blocking version (asyncio's requests.get).
std::string blocking_get(std::uint16_t port, const std::string& path) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    check(fd >= 0, "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    check(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "connect");
    send_request(fd, path);
    std::string response;
    char buf[512];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        check(n >= 0, "recv");
        if (n == 0) break;
        response.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return response;
}

// A fixed number of worker threads taking jobs from one queue, first come first served
// (concurrent.futures.ThreadPoolExecutor). More jobs than workers wait in the queue.
class ThreadPool {
public:
    explicit ThreadPool(int workers) {
        for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
    }
    ~ThreadPool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wanted_.notify_all();
        for (auto& t : threads_) t.join();
    }
    void submit(Callback job) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            jobs_.push(std::move(job));
        }
        wanted_.notify_one();
    }

private:
    void work() {
        for (;;) {
            Callback job;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wanted_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
                if (jobs_.empty()) return;  // stopping, and nothing left to do
                job = std::move(jobs_.front());
                jobs_.pop();
            }
            job();
        }
    }

    std::mutex mutex_;
    std::condition_variable wanted_;
    std::queue<Callback> jobs_;  // guarded by mutex_
    bool stopping_ = false;      // guarded by mutex_
    std::vector<std::thread> threads_;
};

// Runs `fn` on a worker; the future is completed on the loop's thread, through its inbox
// (asyncio's loop.run_in_executor). The worker never touches the future's callbacks.
template <class Fn>
auto run_in_executor(Loop& loop, ThreadPool& pool, Fn fn) -> Future<decltype(fn())> {
    using T = decltype(fn());
    Future<T> result(loop);
    pool.submit([&loop, result, fn]() mutable {
        T value = fn();  // blocks this worker, not the loop
        loop.call_soon_threadsafe([result, value]() mutable { result.set_result(value); });
    });
    return result;
}

Coro fetch_on_a_worker(Loop& loop, ThreadPool& pool, std::uint16_t port, std::string path,
                       Clock::time_point start) {
    auto fetch = [port, path] { return blocking_get(port, path); };  // named: see CONTRIBUTING.md
    const std::string response = co_await run_in_executor(loop, pool, fetch);
    std::cout << "GET " << path << " -> " << summary(response) << " (after " << ms_since(start)
              << " ms)" << std::endl;
}

int main() {
    std::cout << "step 6: a thread-pool hand-off over a pipe" << std::endl;
    const std::vector<std::string> paths = {"/delay/300", "/delay/50", "/delay/150"};
    TinyServer server(static_cast<int>(paths.size()));
    Loop loop;
    ThreadPool pool(2);
    const auto start = Clock::now();
    std::vector<std::unique_ptr<Task>> tasks;
    for (const auto& path : paths) {
        tasks.push_back(std::make_unique<Task>(
            loop, fetch_on_a_worker(loop, pool, server.port(), path, start)));
    }
    loop.run_until([&] {
        for (const auto& t : tasks) {
            if (!t->done()) return false;
        }
        return true;
    });
    std::cout << "3 blocking fetches on 2 workers took " << ms_since(start)
              << " ms: /delay/150 waited for the worker that did /delay/50" << std::endl;
}
