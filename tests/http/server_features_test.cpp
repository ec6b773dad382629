// tests/http/server_features_test.cpp: what aiohttp.web users expect of the server (issue 19,
// item 4): path parameters, middlewares, request bodies streamed to the handler,
// StreamResponse, static files (ETag, If-None-Match, Range), the access log, and several
// workers on one port.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "http/client/blocking_client.hpp"
#include "http/server/access_log.hpp"
#include "http/server/demo_routes.hpp"
#include "http/server/middlewares.hpp"
#include "http/server/router.hpp"
#include "http/server/server_thread.hpp"
#include "http/server/server_workers.hpp"
#include "http/server/static_files.hpp"
#include "http/server/stream_response.hpp"
#include "net/blocking_socket.hpp"
#include "net/support/fd_leak_check.hpp"

namespace looplab::http {
namespace {

using namespace std::chrono_literals;

class ServerFeaturesTest : public net::testing::NoFdLeaks {};

// A directory of its own under the temporary directory, removed with the object.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "lab-static-XXXXXX");
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
        path = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    void write(const std::string& name, const std::string& bytes) const {
        std::ofstream(path / name, std::ios::binary) << bytes;
    }
};

// Everything the server sends back on a new connection for `request` until it closes.
std::string raw_exchange(std::uint16_t port, std::string_view request) {
    auto socket =
        net::BlockingSocket::connect({net::SocketAddress::loopback(AF_INET, port)}, 2000ms);
    socket.send_all(request);
    socket.shutdown_write();
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

TEST_F(ServerFeaturesTest, PathParametersReachTheHandlerAsMatchInfo) {
    Router router;
    router.get("/users/{id}", [](ServerRequest& request) -> Coro<ServerResponse> {
        co_return ServerResponse::text(200, "user " + std::string(request.param("id")));
    });
    router.get("/files/{path:.*}", [](ServerRequest& request) -> Coro<ServerResponse> {
        co_return ServerResponse::text(200, std::string(request.param("path")));
    });
    ServerThread server(std::move(router));
    EXPECT_EQ(blocking::get(server.url("/users/7")).body, "user 7");
    EXPECT_EQ(blocking::get(server.url("/files/a/b/c.txt")).body, "a/b/c.txt");
    // A parameter matches one non-empty segment.
    EXPECT_EQ(blocking::get(server.url("/users/")).status, 404);
    EXPECT_EQ(blocking::get(server.url("/users/7/more")).status, 404);
}

TEST(Router, RefusesMalformedPatterns) {
    const Handler handler = [](ServerRequest&) -> Coro<ServerResponse> {
        co_return ServerResponse::text(200, "");
    };
    Router router;
    EXPECT_THROW(router.get("no-slash", handler), std::invalid_argument);
    EXPECT_THROW(router.get("/users/{id", handler), std::invalid_argument);
    EXPECT_THROW(router.get("/users/{}", handler), std::invalid_argument);
    EXPECT_THROW(router.get("/{rest:.*}/more", handler), std::invalid_argument);
}

TEST_F(ServerFeaturesTest, MiddlewaresWrapHandlersAndTheRoutersOwnAnswers) {
    std::vector<std::string> lines;
    Router router = demo_routes();
    router.use(logging([&lines](std::string_view line) { lines.emplace_back(line); }))
        .use(timing())
        .use(error_pages());
    router.get("/boom", [](ServerRequest&) -> Coro<ServerResponse> {
        throw std::runtime_error("boom");
        co_return ServerResponse::text(200, "");
    });
    {
        ServerThread server(std::move(router));
        blocking::Response ok = blocking::get(server.url("/"));
        EXPECT_EQ(ok.body, "Hello World!");
        EXPECT_TRUE(ok.headers.get("Server-Timing").value_or("").starts_with("handler;dur="));
        blocking::Response missing = blocking::get(server.url("/nope"));
        EXPECT_EQ(missing.status, 404);
        EXPECT_NE(missing.body.find("<html"), std::string::npos) << missing.body;
        blocking::Response boom = blocking::get(server.url("/boom"));
        EXPECT_EQ(boom.status, 500);
        EXPECT_NE(boom.body.find("500"), std::string::npos) << boom.body;
    }
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_TRUE(lines[0].starts_with("GET / -> 200")) << lines[0];
    EXPECT_TRUE(lines[1].starts_with("GET /nope -> 404")) << lines[1];
}

TEST_F(ServerFeaturesTest, AStreamedUploadIsCountedWithoutBeingHeldWhole) {
    HttpServerOptions options;
    options.limits.max_body_size = 64 * 1024 * 1024;
    // The budget for bodies read whole is far below the upload: only streaming lets it in.
    options.memory_budget = 1024 * 1024;
    ServerThread server(demo_routes(), "127.0.0.1", 0, options);
    const std::string body(3 * 1024 * 1024 + 17, 'u');
    blocking::Response r = blocking::request("POST", server.url("/upload"), {}, body);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "received " + std::to_string(body.size()) + " bytes\n");
    // The same body read whole (/echo) would pass the budget.
    EXPECT_EQ(blocking::request("POST", server.url("/echo"), {}, body).status, 503);
}

TEST_F(ServerFeaturesTest, AStreamedUploadStillMeetsTheBodySizeLimit) {
    ServerThread server;  // 1 MiB by default
    const std::string body(2 * 1024 * 1024, 'u');
    EXPECT_EQ(blocking::request("POST", server.url("/upload"), {}, body).status, 413);
}

TEST_F(ServerFeaturesTest, AStreamResponseIsChunkedOrHasItsLength) {
    Router router;
    router.get("/stream/{n}", [](ServerRequest& request) -> Coro<ServerResponse> {
        StreamResponse response;
        if (request.query == "length") response.content_length = 3 * 1000;
        co_await response.prepare(request);
        const std::string piece(1000, 's');
        for (int i = 0; i < std::stoi(std::string(request.param("n"))); ++i)
            co_await response.write(piece);
        co_await response.write_eof();
        co_return response.finished();
    });
    ServerThread server(std::move(router));
    blocking::Response chunked = blocking::get(server.url("/stream/3"));
    EXPECT_EQ(chunked.body, std::string(3000, 's'));
    EXPECT_EQ(chunked.headers.get("Transfer-Encoding").value_or(""), "chunked");
    blocking::Response sized = blocking::get(server.url("/stream/3?length"));
    EXPECT_EQ(sized.body, std::string(3000, 's'));
    EXPECT_EQ(sized.headers.get("Content-Length").value_or(""), "3000");
}

TEST_F(ServerFeaturesTest, StaticFilesHaveAnETagAndAnswerConditionalAndRangeRequests) {
    TempDir dir;
    dir.write("hello.txt", "0123456789");
    Router router;
    router.add_static("/static/", dir.path);
    ServerThread server(std::move(router));

    blocking::Response whole = blocking::get(server.url("/static/hello.txt"));
    EXPECT_EQ(whole.status, 200);
    EXPECT_EQ(whole.body, "0123456789");
    EXPECT_EQ(whole.headers.get("Content-Type").value_or(""), "text/plain; charset=utf-8");
    EXPECT_EQ(whole.headers.get("Accept-Ranges").value_or(""), "bytes");
    const std::string etag(whole.headers.get("ETag").value_or(""));
    ASSERT_FALSE(etag.empty());

    Headers conditional;
    conditional.set("If-None-Match", etag);
    blocking::Response unchanged =
        blocking::request("GET", server.url("/static/hello.txt"), conditional);
    EXPECT_EQ(unchanged.status, 304);
    EXPECT_TRUE(unchanged.body.empty());

    Headers range;
    range.set("Range", "bytes=2-4");
    blocking::Response part = blocking::request("GET", server.url("/static/hello.txt"), range);
    EXPECT_EQ(part.status, 206);
    EXPECT_EQ(part.body, "234");
    EXPECT_EQ(part.headers.get("Content-Range").value_or(""), "bytes 2-4/10");

    range.set("Range", "bytes=20-");
    blocking::Response past = blocking::request("GET", server.url("/static/hello.txt"), range);
    EXPECT_EQ(past.status, 416);
    EXPECT_EQ(past.headers.get("Content-Range").value_or(""), "bytes */10");

    EXPECT_EQ(blocking::get(server.url("/static/missing.txt")).status, 404);
    // ".." never leaves the directory (sent raw: a client would normalise it away).
    const std::string answer =
        raw_exchange(server.port(), "GET /static/../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 404 ")) << answer;
}

TEST_F(ServerFeaturesTest, ALargeStaticFileArrivesWholeAndInRanges) {
    TempDir dir;
    std::string bytes(3 * 1024 * 1024 + 5, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>('a' + i % 23);
    dir.write("big.bin", bytes);
    Router router;
    router.add_static("/files", dir.path);  // the trailing '/' is added
    ServerThread server(std::move(router));
    blocking::Response whole = blocking::get(server.url("/files/big.bin"));
    EXPECT_EQ(whole.status, 200);
    EXPECT_TRUE(whole.body == bytes)
        << "the file arrived changed (" << whole.body.size() << " of " << bytes.size() << " bytes)";
    Headers range;
    range.set("Range", "bytes=-1000");
    blocking::Response tail = blocking::request("GET", server.url("/files/big.bin"), range);
    EXPECT_EQ(tail.status, 206);
    EXPECT_TRUE(tail.body == bytes.substr(bytes.size() - 1000));
    blocking::Response head = blocking::request("HEAD", server.url("/files/big.bin"));
    EXPECT_EQ(head.headers.get("Content-Length").value_or(""), std::to_string(bytes.size()));
    EXPECT_TRUE(head.body.empty());
}

TEST(StaticFiles, ParseRangeFollowsRfc9110) {
    ASSERT_TRUE(parse_range("bytes=0-0", 10).has_value());
    EXPECT_EQ(parse_range("bytes=0-0", 10)->length, 1u);
    EXPECT_EQ(parse_range("bytes=5-", 10)->first, 5u);
    EXPECT_EQ(parse_range("bytes=5-", 10)->length, 5u);
    EXPECT_EQ(parse_range("bytes=-3", 10)->first, 7u);
    EXPECT_EQ(parse_range("bytes=2-100", 10)->length, 8u);       // clipped to the end
    EXPECT_EQ(parse_range("bytes=10-", 10)->length, 0u);         // unsatisfiable
    EXPECT_FALSE(parse_range("bytes=0-1,3-4", 10).has_value());  // several: the whole file
    EXPECT_FALSE(parse_range("items=0-1", 10).has_value());
    EXPECT_FALSE(parse_range("bytes=x-1", 10).has_value());
    EXPECT_TRUE(none_match("\"a\", W/\"b\"", "\"b\""));
    EXPECT_TRUE(none_match("*", "\"b\""));
    EXPECT_FALSE(none_match("\"a\"", "\"b\""));
}

TEST_F(ServerFeaturesTest, TheAccessLogWritesOneCommonLogFormatLinePerResponse) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    {
        HttpServerOptions options;
        options.access_log = std::make_shared<AccessLog>(pipe_fds[1]);
        ServerThread server(demo_routes(), "127.0.0.1", 0, options);
        EXPECT_EQ(blocking::get(server.url("/bytes/10")).status, 200);
        EXPECT_EQ(blocking::get(server.url("/nope")).status, 404);
    }
    ::close(pipe_fds[1]);
    std::string log;
    char buf[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) log.append(buf, n);
    ::close(pipe_fds[0]);
    EXPECT_TRUE(log.starts_with("127.0.0.1 - - [")) << log;
    EXPECT_NE(log.find(" +0000] \"GET /bytes/10 HTTP/1.1\" 200 10\n"), std::string::npos) << log;
    EXPECT_NE(log.find("\"GET /nope HTTP/1.1\" 404 "), std::string::npos) << log;
}

TEST(AccessLog, FormatsTheCommonLogFormat) {
    AccessRecord record;
    record.peer = "[::1]:52144";
    record.request_line = "GET / HTTP/1.1";
    record.status = 304;
    record.body_bytes = 0;
    record.when = 1'793'954'977;  // 2026-11-06 08:49:37 UTC
    EXPECT_EQ(AccessLog::format(record),
              "::1 - - [06/Nov/2026:08:49:37 +0000] \"GET / HTTP/1.1\" 304 -\n");
}

TEST_F(ServerFeaturesTest, SeveralWorkersShareOnePortAndStopTogether) {
    ServerWorkers workers(demo_routes, "127.0.0.1", 0, {}, 2);
    EXPECT_EQ(workers.size(), 2u);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(blocking::get(workers.url("/")).body, "Hello World!");
    workers.stop();
    EXPECT_EQ(workers.total_requests_served(), 20u);
    EXPECT_EQ(workers.requests_served().size(), 2u);
}

}  // namespace
}  // namespace looplab::http
