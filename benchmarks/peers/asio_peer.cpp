// benchmarks/peers/asio_peer.cpp: Boost.Asio doing the runtime and net rows' work, for
// compare.sh. Callbacks (completion handlers), not coroutines: Asio's fastest style.
//
//   asio_peer chained N    each handler asio::post()s the next: M handlers/s
//   asio_peer batched N    N handlers posted, then io_context::run(): M handlers/s
//   asio_peer timers N     N steady_timers expiring now, each async_wait()ed, run until all
//                          fired: ns per timer (construct + expires_after + wait + fire)
//   asio_peer pingpong N   one io_context is TCP client and server on 127.0.0.1; 64-byte
//                          messages echoed N times (async_read of exactly 64, async_write):
//                          k round trips/s
// Prints one number, per second of CPU time (as Google Benchmark measures looplab's rows).
// io_context is given concurrency hint 1 (one thread), so Asio skips its
// locking, as looplab (single-threaded by design) does.
// <utility> first: Boost 1.74 (Debian 12) uses std::exchange in awaitable.hpp without it.
#include <utility>

#include <time.h>
#include <boost/asio.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// CPU time of this (single-threaded) process: the figure compare.sh compares, since it does
// not count time spent waiting for a core on a busy machine.
std::chrono::steady_clock::time_point cpu_now() {
    timespec t{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return std::chrono::steady_clock::time_point(std::chrono::seconds(t.tv_sec) +
                                                 std::chrono::nanoseconds(t.tv_nsec));
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(cpu_now() - start).count();
}

struct Chain {
    asio::io_context* io;
    long* remaining;
    void operator()() const {
        if (--*remaining > 0) asio::post(*io, Chain{io, remaining});
    }
};

double chained(long n) {
    asio::io_context io(1);
    long remaining = n;
    const auto start = cpu_now();
    asio::post(io, Chain{&io, &remaining});
    io.run();
    return static_cast<double>(n) / seconds_since(start) / 1e6;
}

double batched(long n) {
    asio::io_context io(1);
    long ran = 0;
    const auto start = cpu_now();
    for (long i = 0; i < n; ++i) asio::post(io, [&ran] { ++ran; });
    io.run();
    if (ran != n) std::fprintf(stderr, "asio_peer: %ld of %ld ran\n", ran, n);
    return static_cast<double>(n) / seconds_since(start) / 1e6;
}

double timers(long n) {
    asio::io_context io(1);
    long fired = 0;
    std::vector<std::unique_ptr<asio::steady_timer>> all;
    all.reserve(static_cast<std::size_t>(n));
    const auto start = cpu_now();
    for (long i = 0; i < n; ++i) {
        all.push_back(std::make_unique<asio::steady_timer>(io));
        all.back()->expires_after(std::chrono::nanoseconds(0));
        all.back()->async_wait([&fired](boost::system::error_code) { ++fired; });
    }
    io.run();
    const double took = seconds_since(start);
    if (fired != n) std::fprintf(stderr, "asio_peer: %ld of %ld timers fired\n", fired, n);
    return took * 1e9 / static_cast<double>(n);
}

constexpr std::size_t kMessage = 64;

class Echoer {
public:
    explicit Echoer(tcp::socket socket) : socket_(std::move(socket)) {}
    void start() {
        socket_.async_read_some(
            asio::buffer(buf_), [this](boost::system::error_code ec, std::size_t n) {
                if (ec) return;
                asio::async_write(socket_, asio::buffer(buf_, n),
                                  [this](boost::system::error_code e, std::size_t) {
                                      if (!e) start();
                                  });
            });
    }
    tcp::socket& socket() { return socket_; }

private:
    tcp::socket socket_;
    char buf_[65536];
};

class Pinger {
public:
    Pinger(tcp::socket socket, long rounds) : socket_(std::move(socket)), rounds_(rounds) {
        std::memset(ping_, 'p', sizeof ping_);
    }
    void send() {
        asio::async_write(socket_, asio::buffer(ping_),
                          [this](boost::system::error_code ec, std::size_t) {
                              if (!ec) receive();
                          });
    }
    bool done() const { return rounds_ == 0; }

private:
    void receive() {
        asio::async_read(socket_, asio::buffer(pong_),
                         [this](boost::system::error_code ec, std::size_t) {
                             if (ec) return;
                             if (--rounds_ > 0)
                                 send();
                             else
                                 socket_.close();
                         });
    }
    tcp::socket socket_;
    long rounds_;
    char ping_[kMessage];
    char pong_[kMessage];
};

double pingpong(long n) {
    asio::io_context io(1);
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    client.set_option(tcp::no_delay(true));
    Echoer echoer(acceptor.accept());
    echoer.socket().set_option(tcp::no_delay(true));
    Pinger pinger(std::move(client), n);
    const auto start = cpu_now();
    echoer.start();
    pinger.send();
    while (!pinger.done()) io.run_one();
    const double took = seconds_since(start);
    return static_cast<double>(n) / took / 1e3;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 || std::atol(argv[2]) <= 0) {
        std::fprintf(stderr, "usage: asio_peer chained|batched|timers|pingpong N (N > 0)\n");
        return 2;
    }
    const std::string row = argv[1];
    const long n = std::atol(argv[2]);
    double figure = 0;
    if (row == "chained")
        figure = chained(n);
    else if (row == "batched")
        figure = batched(n);
    else if (row == "timers")
        figure = timers(n);
    else if (row == "pingpong")
        figure = pingpong(n);
    else {
        std::fprintf(stderr, "asio_peer: unknown row %s\n", row.c_str());
        return 2;
    }
    std::printf("%.4f\n", figure);
    return 0;
}
