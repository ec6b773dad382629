// tests/http/server_test.cpp: the async server, driven by the blocking client and raw sockets.
#include "http/server/server.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "http/client/blocking_client.hpp"
#include "http/proto/protocol_error.hpp"
#include "http/server/date_cache.hpp"
#include "http/server/demo_routes.hpp"
#include "http/server/request_target.hpp"
#include "http/server/server_thread.hpp"
#include "net/blocking_socket.hpp"
#include "net/support/fd_leak_check.hpp"
#include "net/support/loopback.hpp"

extern char** environ;

namespace looplab::http {
namespace {

using namespace std::chrono_literals;

// Sends raw bytes on a new connection and returns everything the server sends back until it
// closes the connection (or 5 s pass: then the test sees a truncated answer and fails).
std::string raw_exchange(const ServerThread& server, std::string_view request,
                         bool keep_open_after_send = true) {
    auto socket = net::BlockingSocket::connect(
        {net::SocketAddress::loopback(AF_INET, server.port())}, 2000ms);
    socket.send_all(request);
    if (!keep_open_after_send) socket.shutdown_write();
    std::string answer;
    char buf[4096];
    for (;;) {
        std::size_t n = 0;
        try {
            n = socket.recv_some(std::span<char>(buf, sizeof buf), 5000ms);
        } catch (const std::exception&) {
            break;
        }
        if (n == 0) break;
        answer.append(buf, n);
    }
    return answer;
}

// One response from `socket`: the head up to the blank line, then Content-Length bytes of
// body (the tests below only read responses that have one). Empty if the server closed first.
std::string read_response(net::BlockingSocket& socket) {
    std::string answer;
    char buf[4096];
    std::size_t body_at = std::string::npos;
    std::size_t length = 0;
    while (body_at == std::string::npos || answer.size() < body_at + length) {
        const std::size_t n = socket.recv_some(std::span<char>(buf, sizeof buf), 5000ms);
        if (n == 0) break;
        answer.append(buf, n);
        if (body_at != std::string::npos) continue;
        const std::size_t end = answer.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        body_at = end + 4;
        const std::size_t field = answer.find("Content-Length: ");
        if (field != std::string::npos && field < end)
            length = std::stoul(answer.substr(field + 16));
    }
    return answer;
}

net::BlockingSocket connect_to(const ServerThread& server, int family = AF_INET) {
    return net::BlockingSocket::connect({net::SocketAddress::loopback(family, server.port())},
                                        2000ms);
}

bool has_field(std::string_view answer, std::string_view field) {
    const std::size_t end = answer.find("\r\n\r\n");
    const std::size_t at = answer.find("\r\n" + std::string(field) + "\r\n");
    return at != std::string_view::npos && at < end;
}

class HttpServerTest : public net::testing::NoFdLeaks {};

TEST_F(HttpServerTest, AnswersTheDemoRoutes) {
    ServerThread server;
    EXPECT_EQ(blocking::get(server.url("/")).body, "Hello World!");
    EXPECT_EQ(blocking::get(server.url("/delay/20")).body, "Hello World!");
    EXPECT_EQ(blocking::get(server.url("/bytes/100000")).body, demo_bytes(100000));
    blocking::Response chunked = blocking::get(server.url("/chunked/70000"));
    EXPECT_EQ(chunked.body, demo_bytes(70000));
    EXPECT_EQ(chunked.headers.get("Transfer-Encoding").value_or(""), "chunked");
    EXPECT_EQ(blocking::get(server.url("/status/418")).status, 418);
    EXPECT_EQ(blocking::request("POST", server.url("/echo"), {}, "ping").body, "ping");
    EXPECT_EQ(blocking::get(server.url("/redirect/3")).body, "redirected");
}

TEST_F(HttpServerTest, UnknownPathsAre404AndWrongMethods405) {
    ServerThread server;
    EXPECT_EQ(blocking::get(server.url("/nope")).status, 404);
    blocking::Response r = blocking::request("POST", server.url("/"), {}, "x");
    EXPECT_EQ(r.status, 405);
    // HEAD is listed because the GET route serves it; OPTIONS because the server answers it.
    EXPECT_EQ(r.headers.get("Allow").value_or(""), "GET, HEAD, OPTIONS");
    EXPECT_EQ(blocking::request("DELETE", server.url("/echo")).status, 405);
}

TEST_F(HttpServerTest, UnknownMethodsAre501WhateverThePath) {
    ServerThread server;
    EXPECT_EQ(blocking::request("PURGE", server.url("/")).status, 501);
    EXPECT_EQ(blocking::request("BREW", server.url("/nope")).status, 501);
    EXPECT_EQ(blocking::request("get", server.url("/")).status, 501);  // methods are case-sensitive
    // CONNECT is a method the server knows, for a tunnel it does not make.
    const std::string answer = raw_exchange(
        server, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", false);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 501 ")) << answer;
}

TEST_F(HttpServerTest, OptionsListsTheMethodsOfAPathAndOfTheServer) {
    ServerThread server;
    std::string answer = raw_exchange(server, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", false);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer;
    EXPECT_TRUE(has_field(answer, "Allow: GET, HEAD, POST, OPTIONS")) << answer;
    EXPECT_TRUE(has_field(answer, "Content-Length: 0")) << answer;
    answer = raw_exchange(server, "OPTIONS /echo HTTP/1.1\r\nHost: x\r\n\r\n", false);
    EXPECT_TRUE(has_field(answer, "Allow: POST, OPTIONS")) << answer;
    answer = raw_exchange(server, "OPTIONS /nope HTTP/1.1\r\nHost: x\r\n\r\n", false);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 404 ")) << answer;
    // '*' belongs to OPTIONS alone.
    answer = raw_exchange(server, "GET * HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 ")) << answer;
}

TEST_F(HttpServerTest, AbsoluteFormTargetsAreRoutedByTheirPath) {
    ServerThread server;
    std::string answer = raw_exchange(
        server, "GET http://anything.example/bytes/3?x=1 HTTP/1.1\r\nHost: other\r\n\r\n", false);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer;
    EXPECT_TRUE(answer.ends_with("\r\n\r\nabc")) << answer;
    answer = raw_exchange(server, "GET HTTP://h HTTP/1.1\r\nHost: h\r\n\r\n", false);
    EXPECT_TRUE(answer.ends_with("Hello World!")) << answer;  // no path is "/"
    answer = raw_exchange(server, "GET index.html HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 ")) << answer;
}

TEST(RequestTarget, EachFormGivesItsPathAndQuery) {
    EXPECT_EQ(parse_request_target("GET", "/a/b?x=1").path, "/a/b");
    EXPECT_EQ(parse_request_target("GET", "/a/b?x=1").query, "x=1");
    const RequestTarget absolute = parse_request_target("GET", "https://h:8443/p?q");
    EXPECT_EQ(absolute.form, RequestTarget::Form::absolute);
    EXPECT_EQ(absolute.path, "/p");
    EXPECT_EQ(absolute.query, "q");
    EXPECT_EQ(parse_request_target("GET", "http://h?q").path, "/");
    EXPECT_EQ(parse_request_target("OPTIONS", "*").path, "*");
    EXPECT_EQ(parse_request_target("CONNECT", "h:443").form, RequestTarget::Form::authority);
    for (const auto& [method, target] :
         std::vector<std::pair<const char*, const char*>>{{"GET", "*"},
                                                          {"GET", "a/b"},
                                                          {"GET", "ftp://h/x"},
                                                          {"GET", "http:///x"},
                                                          {"GET", "/a#frag"},
                                                          {"CONNECT", "/"},
                                                          {"CONNECT", "h"}})
        EXPECT_THROW(parse_request_target(method, target), ProtocolError)
            << method << " " << target;
}

TEST_F(HttpServerTest, HeadGetsTheLengthButNoBody) {
    ServerThread server;
    blocking::Response r = blocking::request("HEAD", server.url("/"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.get("Content-Length").value_or(""), "12");
    EXPECT_TRUE(r.body.empty());
}

TEST_F(HttpServerTest, KeepsTheConnectionAliveBetweenRequests) {
    ServerThread server;
    {
        blocking::Session session;
        for (int i = 0; i < 5; ++i) EXPECT_EQ(session.get(server.url("/")).body, "Hello World!");
        EXPECT_EQ(session.connections_opened(), 1u);
    }
    server.stop();
    EXPECT_EQ(server.requests_served(), 5u);
    EXPECT_EQ(server.peak_connections(), 1u);
}

TEST_F(HttpServerTest, AMalformedRequestGets400AndTheConnectionCloses) {
    ServerThread server;
    std::string answer = raw_exchange(server, "GARBAGE\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 ")) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
    ServerThread server;
    std::string answer =
        raw_exchange(server,
                     "GET /delay/50 HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /bytes/3 HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /status/204 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const auto first = answer.find("Hello World!");
    const auto second = answer.find("\r\n\r\nabc");
    const auto third = answer.find("HTTP/1.1 204");
    ASSERT_NE(first, std::string::npos) << answer;
    ASSERT_NE(second, std::string::npos) << answer;
    ASSERT_NE(third, std::string::npos) << answer;
    EXPECT_LT(first, second);
    EXPECT_LT(second, third);
}

TEST_F(HttpServerTest, AnOversizedHeadGets431) {
    ServerThread server;
    std::string request = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 200; ++i) request += "X-Field-" + std::to_string(i) + ": v\r\n";
    request += "\r\n";
    EXPECT_TRUE(raw_exchange(server, request).starts_with("HTTP/1.1 431 "));
}

TEST_F(HttpServerTest, AnOversizedBodyGets413) {
    HttpServerOptions options;
    options.limits.max_body_size = 100;
    ServerThread server(demo_routes(), "127.0.0.1", 0, options);
    std::string answer =
        raw_exchange(server, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
                                 std::string(1000, 'x'));
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 413 ")) << answer;
}

TEST_F(HttpServerTest, ASlowHeadGets408AfterTheHeaderReadTimeout) {
    HttpServerOptions options;
    options.header_read_timeout = 200ms;
    ServerThread server(demo_routes(), "127.0.0.1", 0, options);
    // Half a head, then nothing: the server must give up on its own.
    std::string answer = raw_exchange(server, "GET / HTTP/1.1\r\nHost: x\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 408 ")) << answer;
}

TEST_F(HttpServerTest, AnIdleKeptAliveConnectionIsClosedAfterTheKeepaliveTimeout) {
    HttpServerOptions options;
    options.keepalive_timeout = 200ms;
    ServerThread server(demo_routes(), "127.0.0.1", 0, options);
    std::string answer = raw_exchange(server, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    // raw_exchange returns only when the server closes: the idle timer did it.
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer;
    EXPECT_TRUE(answer.ends_with("Hello World!")) << answer;
}

TEST_F(HttpServerTest, Http10ClosesAfterTheResponse) {
    ServerThread server;
    std::string answer = raw_exchange(server, "GET / HTTP/1.0\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos);
}

// ab -k: HTTP/1.0 with "Connection: keep-alive" persists only if the answer says so too.
TEST_F(HttpServerTest, Http10KeepAliveIsAnsweredWithConnectionKeepAliveAndKept) {
    ServerThread server;
    auto socket = connect_to(server);
    for (int i = 0; i < 3; ++i) {
        socket.send_all("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        const std::string answer = read_response(socket);
        EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer;
        EXPECT_TRUE(has_field(answer, "Connection: keep-alive")) << answer;
        EXPECT_TRUE(answer.ends_with("Hello World!")) << answer;
    }
}

// /chunked/<n> is streamed (its length is not known when the head goes out): an HTTP/1.0
// client cannot decode chunked, so the close ends the body (RFC 9112 6.3, rule 8).
TEST_F(HttpServerTest, Http10GetsABodyEndedByTheCloseWhereHttp11GetsChunked) {
    ServerThread server;
    const std::string answer = raw_exchange(server, "GET /chunked/5 HTTP/1.0\r\n\r\n");
    EXPECT_EQ(answer.find("Content-Length"), std::string::npos) << answer;
    EXPECT_EQ(answer.find("Transfer-Encoding"), std::string::npos) << answer;
    EXPECT_FALSE(has_field(answer, "Connection: keep-alive")) << answer;
    EXPECT_TRUE(answer.ends_with("\r\n\r\nabcde")) << answer;
    // A length known up front is sent as Content-Length, and may be kept alive.
    auto socket = connect_to(server);
    socket.send_all("GET /bytes/5 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const std::string sized = read_response(socket);
    EXPECT_TRUE(has_field(sized, "Content-Length: 5")) << sized;
    EXPECT_TRUE(has_field(sized, "Connection: keep-alive")) << sized;
}

// ---- Date ------------------------------------------------------------------------------------

TEST(DateCache, FormatsAnImfFixdate) {
    EXPECT_EQ(DateCache::format(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's
    EXPECT_EQ(DateCache::format(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(DateCache::format(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST(DateCache, FormatsOncePerSecondHoweverOftenItIsAsked) {
    std::time_t now = 784111777;
    DateCache cache([&] { return now; });
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(cache.now(), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(cache.formatted(), 1u);
    ++now;
    EXPECT_EQ(cache.now(), "Sun, 06 Nov 1994 08:49:38 GMT");
    EXPECT_EQ(cache.formatted(), 2u);
}

TEST_F(HttpServerTest, EveryResponseCarriesADate) {
    ServerThread server;
    for (const char* request :
         {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
          "GET /status/500 HTTP/1.1\r\nHost: x\r\n\r\n", "GARBAGE\r\n\r\n"}) {
        const std::string answer = raw_exchange(server, request, false);
        const std::size_t at = answer.find("\r\nDate: ");
        ASSERT_NE(at, std::string::npos) << answer;
        const std::string date = answer.substr(at + 8, answer.find("\r\n", at + 2) - at - 8);
        EXPECT_EQ(date.size(), 29u) << date;
        EXPECT_TRUE(date.ends_with(" GMT")) << date;
    }
}

// ---- Expect: 100-continue --------------------------------------------------------------------

TEST_F(HttpServerTest, ExpectContinueGets100WhenAHandlerWillReadTheBody) {
    ServerThread server;
    auto socket = connect_to(server);
    socket.send_all(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    char buf[256];
    const std::size_t n = socket.recv_some(std::span<char>(buf, sizeof buf), 5000ms);
    EXPECT_EQ(std::string_view(buf, n), "HTTP/1.1 100 Continue\r\n\r\n");
    socket.send_all("ping");
    const std::string answer = read_response(socket);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer;
    EXPECT_TRUE(answer.ends_with("ping")) << answer;
}

TEST_F(HttpServerTest, ExpectContinueGetsTheFinalStatusWithoutTheBodyWhenNoHandlerReadsIt) {
    ServerThread server;
    // 404, and 405 (a POST to a GET route).
    for (const auto& [target, status] :
         std::vector<std::pair<std::string, std::string>>{{"/nope", "404"}, {"/", "405"}}) {
        auto socket = connect_to(server);
        socket.send_all("POST " + target +
                        " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n"
                        "Expect: 100-continue\r\n\r\n");
        // The body is never sent: the answer must come without it.
        const std::string answer = read_response(socket);
        EXPECT_TRUE(answer.starts_with("HTTP/1.1 " + status + " ")) << answer;
        EXPECT_TRUE(has_field(answer, "Connection: close")) << answer;
    }
}

TEST_F(HttpServerTest, ExpectContinueWithATooLargeBodyGets413WithoutA100) {
    HttpServerOptions options;
    options.limits.max_body_size = 100;
    ServerThread server(demo_routes(), "127.0.0.1", 0, options);
    auto socket = connect_to(server);
    socket.send_all(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n");
    const std::string answer = read_response(socket);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 413 ")) << answer;
}

TEST_F(HttpServerTest, OtherExpectationsGet417) {
    ServerThread server;
    std::string answer =
        raw_exchange(server, "GET / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n", false);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 417 ")) << answer;
    // HTTP/1.0 has no Expect: the field is ignored.
    answer = raw_exchange(server, "GET / HTTP/1.0\r\nExpect: something-else\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer;
}

// ---- Half-close, pipelining ------------------------------------------------------------------

TEST_F(HttpServerTest, AHalfCloseDuringTheHandlerClosesRightAfterTheResponse) {
    HttpServerOptions options;
    options.keepalive_timeout = 60s;  // far longer than raw_exchange waits (5 s)
    ServerThread server(demo_routes(), "127.0.0.1", 0, options);
    // raw_exchange half-closes right after sending, while /delay/100 is still waiting, and
    // returns when the server closes (or fails the test after 5 s).
    const std::string answer =
        raw_exchange(server, "GET /delay/100 HTTP/1.1\r\nHost: x\r\n\r\n", false);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer;
    EXPECT_TRUE(has_field(answer, "Connection: close")) << answer;
    EXPECT_TRUE(answer.ends_with("Hello World!")) << answer;
}

TEST_F(HttpServerTest, AThousandPipelinedRouterAnswersAreSentInOrder) {
    ServerThread server;
    std::string requests;
    for (int i = 0; i < 1000; ++i) requests += "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
    requests += "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const std::string answer = raw_exchange(server, requests);
    std::size_t count = 0;
    for (std::size_t at = answer.find("HTTP/1.1 404 "); at != std::string::npos;
         at = answer.find("HTTP/1.1 404 ", at + 1))
        ++count;
    EXPECT_EQ(count, 1000u);
    EXPECT_TRUE(answer.ends_with("Hello World!")) << answer.substr(answer.size() - 200);
}

// ---- Listening -------------------------------------------------------------------------------

bool has_ipv6_loopback() {
    try {
        net::testing::listen_on_loopback(AF_INET6);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

TEST_F(HttpServerTest, LocalhostListensOnBothLoopbackAddressesOnOnePort) {
    if (!has_ipv6_loopback()) GTEST_SKIP() << "this machine has no IPv6 loopback (::1)";
    ServerThread server(demo_routes(), "localhost", 0);
    for (int family : {AF_INET, AF_INET6}) {
        auto socket = connect_to(server, family);
        socket.send_all("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        EXPECT_TRUE(read_response(socket).ends_with("Hello World!")) << family;
    }
}

#ifdef LAB_SERVE_PATH
// The first `lines` lines lab-serve prints, then SIGTERM.
std::vector<std::string> lab_serve_lines(std::vector<std::string> args, int lines) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    args.insert(args.begin(), LAB_SERVE_PATH);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int spawned =
        ::posix_spawn(&pid, LAB_SERVE_PATH, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    std::vector<std::string> got;
    if (spawned == 0) {
        std::string line;
        char c;
        while (static_cast<int>(got.size()) < lines && ::read(out[0], &c, 1) == 1) {
            if (c != '\n') {
                line += c;
                continue;
            }
            got.push_back(line);
            line.clear();
        }
        ::kill(pid, SIGTERM);
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
    ::close(out[0]);
    return got;
}

// lab-serve running with `args`: its stdout read line by line, SIGTERM when done.
class LabServe {
public:
    explicit LabServe(std::vector<std::string> args) {
        int out[2];
        if (::pipe(out) != 0) throw std::runtime_error("pipe");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        args.insert(args.begin(), LAB_SERVE_PATH);
        std::vector<char*> argv;
        for (std::string& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        const int spawned =
            ::posix_spawn(&pid_, LAB_SERVE_PATH, &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        out_ = out[0];
        if (spawned != 0) pid_ = -1;
    }
    ~LabServe() {
        terminate();
        ::close(out_);
    }
    // The next line, without its newline; "" at the end of the output.
    std::string next_line() {
        std::string line;
        char c;
        while (::read(out_, &c, 1) == 1 && c != '\n') line += c;
        return line;
    }
    // SIGTERM, then the exit status.
    int terminate() {
        if (pid_ < 0) return status_;
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, &status_, 0);
        pid_ = -1;
        return status_;
    }

private:
    pid_t pid_ = -1;
    int out_ = -1;
    int status_ = -1;
};

std::string url_of(const std::string& listening_line, std::string_view path) {
    const std::size_t at = listening_line.find("http://");
    return listening_line.substr(at, listening_line.size() - at - 1) + std::string(path);
}

TEST_F(HttpServerTest, LabServeRunsWorkersWritesTheAccessLogAndServesAStaticDirectory) {
    char dir[] = "/tmp/lab-serve-static-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    const std::string file = std::string(dir) + "/a.txt";
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs("static!", f);
        std::fclose(f);
    }
    {
        LabServe serve({"--port", "0", "--workers", "2", "--access-log", "-", "--static", dir});
        const std::string listening = serve.next_line();
        ASSERT_TRUE(listening.starts_with("lab-serve: listening on http://127.0.0.1:"))
            << listening;
        EXPECT_EQ(serve.next_line().find("2 workers (one loop each, SO_REUSEPORT)"), 2u);
        EXPECT_TRUE(serve.next_line().starts_with("  try: "));
        EXPECT_EQ(blocking::get(url_of(listening, "/bytes/10")).body, "abcdefghij");
        const std::string logged = serve.next_line();
        EXPECT_TRUE(logged.starts_with("127.0.0.1 - - [")) << logged;
        EXPECT_TRUE(logged.ends_with("] \"GET /bytes/10 HTTP/1.1\" 200 10")) << logged;
        EXPECT_EQ(blocking::get(url_of(listening, "/static/a.txt")).body, "static!");
        EXPECT_TRUE(serve.next_line().ends_with("\"GET /static/a.txt HTTP/1.1\" 200 7"));
        const int status = serve.terminate();
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
        EXPECT_EQ(serve.next_line(), "lab-serve: shutting down");
        EXPECT_EQ(serve.next_line(), "lab-serve: served 2 requests");
    }
    std::remove(file.c_str());
    ::rmdir(dir);
}

TEST_F(HttpServerTest, LabServeHostLocalhostPrintsBothAddresses) {
    if (!has_ipv6_loopback()) GTEST_SKIP() << "this machine has no IPv6 loopback (::1)";
    const std::vector<std::string> lines =
        lab_serve_lines({"--host", "localhost", "--port", "0", "--quiet"}, 2);
    ASSERT_EQ(lines.size(), 2u);
    ASSERT_TRUE(lines[0].starts_with("lab-serve: listening on http://127.0.0.1:")) << lines[0];
    const std::string port = lines[0].substr(lines[0].rfind(':'));  // ":PORT/"
    EXPECT_EQ(lines[1], "lab-serve: also listening on http://[::1]" + port);
}
#endif

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitGet503) {
    HttpServerOptions options;
    options.max_connections = 1;
    ServerThread server(demo_routes(), "127.0.0.1", 0, options);
    auto first = net::BlockingSocket::connect(
        {net::SocketAddress::loopback(AF_INET, server.port())}, 2000ms);
    first.send_all("GET /delay/300 HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string answer = raw_exchange(server, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 503 ")) << answer;
}

}  // namespace
}  // namespace looplab::http
