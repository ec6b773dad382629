// benchmarks/peers/asio_http_peer.cpp: a minimal HTTP/1.1 client written with Boost.Asio's C++20
// coroutines, doing http_load's work for compare.sh's HTTP rows.
//
//   asio_http_peer URL CONNECTIONS REQUESTS [close]
//
// This is the client a C++ user writes with the fastest peer library when they want no HTTP
// library at all: one coroutine per connection (asio::co_spawn, asio::use_awaitable), each
// connecting once and then sending GETs on its kept-alive connection until REQUESTS have been
// made in all, the way http_load's CONNECTIONS tasks share one ClientSession. "close" sends
// `Connection: close` and opens a new connection for every request. Only http:// URLs (the
// https rows have no Asio column: that would measure Asio's OpenSSL wrapper, not its loop).
//
// Its response parser is deliberately minimal, less than looplab's (which builds a
// ClientResponse with a header map and reads the body into a string, as aiohttp does): the
// status line, Content-Length, `Transfer-Encoding: chunked` and `Connection: close`, every
// other header skipped unread, the body counted and dropped. Interim 1xx responses are
// skipped; a body with neither length nor chunking runs to the end of the connection.
// Each connection owns one read buffer that starts at 1 KiB (nginx's and lab-serve's whole
// answers are under 250 bytes) and doubles only when a response head does not fit, so the
// 10,000-connection row measures the loop and the coroutines, not an oversized buffer.
//
// Prints the same line as http_load: wall seconds, requests/s, CPU microseconds per request
// (user + system of this process), peak RSS in MiB. Exit status 1 if any response was not a
// 200 or any request failed.
// <utility> first: Boost 1.74 (Debian 12) uses std::exchange in awaitable.hpp without it.
#include <utility>

#include <sys/resource.h>
#include <boost/asio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct Target {
    std::string host;
    std::string port;
    std::string path;
};

// "http://host[:port][/path]"; anything else is a usage error.
Target parse_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (url.substr(0, scheme.size()) != scheme)
        throw std::invalid_argument("only http:// URLs are supported");
    url.remove_prefix(scheme.size());
    const auto slash = url.find('/');
    const std::string_view authority = url.substr(0, slash);
    Target target;
    target.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    const auto colon = authority.rfind(':');
    target.host = std::string(authority.substr(0, colon));
    target.port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
    if (target.host.empty()) throw std::invalid_argument("no host in the URL");
    return target;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20);
           });
}

bool icontains(std::string_view haystack, std::string_view needle) {
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i)
        if (iequals(haystack.substr(i, needle.size()), needle)) return true;
    return false;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// One connection's bytes: [begin_, end_) of data_ are received and not yet parsed.
class ReadBuffer {
public:
    std::string_view unread() const { return {data_.data() + begin_, end_ - begin_}; }
    void consume(std::size_t n) { begin_ += n; }

    // Reads once more from the socket; false at the end of the stream.
    asio::awaitable<bool> fill(tcp::socket& socket) {
        make_room();
        boost::system::error_code ec;
        auto token = asio::redirect_error(asio::use_awaitable, ec);  // EOF is not an exception
        const auto space = asio::buffer(data_.data() + end_, data_.size() - end_);
        const std::size_t n = co_await socket.async_read_some(space, token);
        if (ec == asio::error::eof) co_return false;
        if (ec) throw boost::system::system_error(ec);
        end_ += n;
        co_return true;
    }

    // The next line without its CRLF, consumed.
    asio::awaitable<std::string_view> line(tcp::socket& socket) {
        for (;;) {
            const auto at = unread().find("\r\n");
            if (at != std::string_view::npos) {
                const std::string_view text = unread().substr(0, at);
                consume(at + 2);
                co_return text;
            }
            const bool more = co_await fill(socket);
            if (!more) throw std::runtime_error("connection closed inside a response");
        }
    }

    // Drops n body bytes; with to_eof, everything until the peer closes.
    asio::awaitable<void> skip(tcp::socket& socket, std::size_t n, bool to_eof) {
        for (;;) {
            const std::size_t here = std::min(n, unread().size());
            consume(here);
            n -= here;
            if (n == 0 && !to_eof) co_return;
            const bool more = co_await fill(socket);
            if (!more) {
                if (to_eof) co_return;
                throw std::runtime_error("connection closed inside a body");
            }
        }
    }

private:
    // Moves the unread bytes to the front; doubles the buffer when they fill it.
    void make_room() {
        if (begin_ == end_) begin_ = end_ = 0;
        if (end_ < data_.size()) return;
        std::memmove(data_.data(), data_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        if (end_ == data_.size()) {
            if (data_.size() >= (1u << 20)) throw std::runtime_error("response line over 1 MiB");
            data_.resize(data_.size() * 2);
        }
    }

    std::vector<char> data_ = std::vector<char>(1024);
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

struct ResponseHead {
    int status = 0;
    bool chunked = false;
    bool close = false;
    bool has_length = false;
    std::size_t length = 0;
};

void parse_header(std::string_view line, ResponseHead& head) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) throw std::runtime_error("malformed header line");
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
        head.has_length = true;
        head.length = std::strtoull(std::string(value).c_str(), nullptr, 10);
    } else if (iequals(name, "transfer-encoding")) {
        head.chunked = icontains(value, "chunked");
    } else if (iequals(name, "connection")) {
        head.close = icontains(value, "close");
    }
}

// "HTTP/1.1 200 OK" -> 200, and the version's default persistence.
void parse_status_line(std::string_view line, ResponseHead& head) {
    if (line.size() < 12 || line.substr(0, 5) != "HTTP/")
        throw std::runtime_error("malformed status line");
    head.status = std::atoi(std::string(line.substr(9, 3)).c_str());
    head.close = line.substr(5, 3) == "1.0";
}

asio::awaitable<ResponseHead> read_head(tcp::socket& socket, ReadBuffer& buffer) {
    for (;;) {
        ResponseHead head;
        const std::string_view status_line = co_await buffer.line(socket);
        parse_status_line(status_line, head);
        for (;;) {
            const std::string_view line = co_await buffer.line(socket);
            if (line.empty()) break;
            parse_header(line, head);
        }
        if (head.status >= 200) co_return head;  // 1xx: an interim response, read the next
    }
}

asio::awaitable<void> read_chunked_body(tcp::socket& socket, ReadBuffer& buffer) {
    for (;;) {
        const std::string_view size_line = co_await buffer.line(socket);
        const std::size_t size = std::strtoull(std::string(size_line).c_str(), nullptr, 16);
        if (size == 0) break;
        co_await buffer.skip(socket, size, false);
        const std::string_view end_of_chunk = co_await buffer.line(socket);
        if (!end_of_chunk.empty()) throw std::runtime_error("chunk longer than its size");
    }
    for (;;) {  // trailers, up to the empty line
        const std::string_view trailer = co_await buffer.line(socket);
        if (trailer.empty()) break;
    }
}

// Reads one whole response; returns its head (the body is dropped).
asio::awaitable<ResponseHead> read_response(tcp::socket& socket, ReadBuffer& buffer) {
    const ResponseHead head = co_await read_head(socket, buffer);
    const bool bodiless = head.status == 204 || head.status == 304;
    if (bodiless) co_return head;
    if (head.chunked) {
        co_await read_chunked_body(socket, buffer);
    } else if (head.has_length) {
        co_await buffer.skip(socket, head.length, false);
    } else {
        co_await buffer.skip(socket, 0, true);
        ResponseHead closed = head;
        closed.close = true;
        co_return closed;
    }
    co_return head;
}

struct Load {
    tcp::resolver::results_type endpoints;
    std::string request;
    long left = 0;
    long ok = 0;
    long failed = 0;
};

asio::awaitable<void> connection(Load& load) {
    tcp::socket socket(co_await asio::this_coro::executor);
    ReadBuffer buffer;
    while (load.left > 0) {
        --load.left;
        try {
            if (!socket.is_open()) {
                co_await asio::async_connect(socket, load.endpoints, asio::use_awaitable);
                socket.set_option(tcp::no_delay(true));
                buffer = ReadBuffer();
            }
            co_await asio::async_write(socket, asio::buffer(load.request), asio::use_awaitable);
            const ResponseHead head = co_await read_response(socket, buffer);
            ++(head.status == 200 ? load.ok : load.failed);
            if (head.close) socket.close();
        } catch (const std::exception& e) {
            if (load.failed++ == 0) std::fprintf(stderr, "asio_http_peer: %s\n", e.what());
            boost::system::error_code ignored;
            socket.close(ignored);
        }
    }
}

double cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto s = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return s(usage.ru_utime) + s(usage.ru_stime);
}

double peak_rss_mib() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void raise_fd_limit() {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

std::string build_request(const Target& target, bool close) {
    std::string request =
        "GET " + target.path + " HTTP/1.1\r\nHost: " + target.host + ":" + target.port + "\r\n";
    if (close) request += "Connection: close\r\n";
    return request + "\r\n";
}

}  // namespace

int main(int argc, char** argv) {
    const bool close = argc == 5 && std::string_view(argv[4]) == "close";
    if ((argc != 4 && !close) || std::atol(argv[2]) <= 0 || std::atol(argv[3]) <= 0) {
        std::fprintf(stderr, "usage: asio_http_peer URL CONNECTIONS REQUESTS [close] (both > 0)\n");
        return 2;
    }
    raise_fd_limit();
    const long requests = std::atol(argv[3]);
    const long connections = std::min(std::atol(argv[2]), requests);
    asio::io_context io(1);  // one thread: Asio skips its locking, as looplab's loop has none
    Load load;
    try {
        const Target target = parse_url(argv[1]);
        load.endpoints = tcp::resolver(io).resolve(target.host, target.port);
        load.request = build_request(target, close);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "asio_http_peer: %s\n", e.what());
        return 2;
    }
    load.left = requests;
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < connections; ++i) asio::co_spawn(io, connection(load), asio::detached);
    io.run();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%.4f %.1f %.2f %.1f\n", wall, static_cast<double>(requests) / wall,
                cpu_seconds() * 1e6 / static_cast<double>(requests), peak_rss_mib());
    if (load.failed != 0 || load.ok != requests) {
        std::fprintf(stderr, "asio_http_peer: %ld of %ld requests failed\n", requests - load.ok,
                     requests);
        return 1;
    }
    return 0;
}
