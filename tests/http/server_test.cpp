// tests/http/server_test.cpp: the async server, driven by the blocking client and raw sockets.
#include "http/server/server.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "http/client/blocking_client.hpp"
#include "http/server/demo_routes.hpp"
#include "http/server/server_thread.hpp"
#include "net/blocking_socket.hpp"
#include "net/support/fd_leak_check.hpp"

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
    EXPECT_EQ(r.headers.get("Allow").value_or(""), "GET");
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
