// tests/reliability/hostile_client_test.cpp: HttpServer against clients that misbehave:
// malformed framing, oversized heads and bodies, truncation and resets at every phase, stalls
// and trickles (slowloris), half-closed connections.
//
// aiohttp: tests/test_web_protocol.py and the llhttp request-smuggling suites; h11's
//          test_against_stdlib_http
//
// For every case: the server answers with the right error status or the right result, or
// closes; it never hangs past its configured timeout (RawClient's reads are bounded, and a
// timed-out read fails the test), it goes on serving other clients, and no descriptor is left
// open once it stops (NoFdLeaks counts /proc/self/fd around each test: the server runs on a
// thread of this process).
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "http/client/blocking_client.hpp"
#include "http/server/demo_routes.hpp"
#include "http/server/server_thread.hpp"
#include "http/smuggling_cases.hpp"
#include "net/support/fd_leak_check.hpp"
#include "reliability/support/raw_client.hpp"

namespace looplab::reliability {
namespace {

using namespace std::chrono_literals;
using http::HttpServerOptions;
using http::ServerThread;

// Timeouts short enough to keep the tests fast, long enough for a loaded CI machine.
HttpServerOptions short_timeouts() {
    HttpServerOptions options;
    options.header_read_timeout = 300ms;
    options.body_read_timeout = 300ms;
    options.keepalive_timeout = 300ms;
    options.send_timeout = 300ms;
    options.limits.max_body_size = 1000;
    return options;
}

// After whatever a test did, the server must still answer a well-behaved client.
void expect_still_serving(const ServerThread& server) {
    EXPECT_EQ(http::blocking::get(server.url("/")).body, "Hello World!");
}

std::string head(std::string_view start_line, std::string_view fields = "Host: x\r\n") {
    return std::string(start_line) + "\r\n" + std::string(fields) + "\r\n";
}

// ---- Malformed and oversized requests: the status the server answers before closing ---------

struct BadRequestCase {
    const char* name;
    std::string bytes;
    int status;
};

// gtest prints a parameter in test names and failures; the default would dump its bytes
// (padding included, which valgrind rightly calls uninitialised).
void PrintTo(const BadRequestCase& c, std::ostream* os) {
    *os << c.name;
}

std::string too_many_fields() {
    std::string fields = "Host: x\r\n";
    for (int i = 0; i < 150; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
    return head("GET / HTTP/1.1", fields);
}

std::vector<BadRequestCase> bad_requests() {
    return {
        {"Garbage", "GARBAGE\r\n\r\n", 400},
        {"MissingHost", head("GET / HTTP/1.1", ""), 400},
        {"TwoHosts", head("GET / HTTP/1.1", "Host: a\r\nHost: b\r\n"), 400},
        {"ConflictingContentLength",
         head("POST /echo HTTP/1.1", "Host: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n") +
             "abcd",
         400},
        {"ContentLengthAndChunked",
         head("POST /echo HTTP/1.1",
              "Host: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n") +
             "0\r\n\r\n",
         400},
        {"NegativeContentLength", head("POST /echo HTTP/1.1", "Host: x\r\nContent-Length: -1\r\n"),
         400},
        {"ObsFold", head("GET / HTTP/1.1", "Host: x\r\nX-A: 1\r\n 2\r\n"), 400},
        {"BareCr", head("GET / HTTP/1.1", "Host: x\r\nX-A: 1\r2\r\n"), 400},
        {"SpaceBeforeColon", head("GET / HTTP/1.1", "Host : x\r\n"), 400},
        {"BadChunkSize",
         head("POST /echo HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked\r\n") + "zz\r\n", 400},
        {"ChunkLongerThanItsSize",
         head("POST /echo HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked\r\n") +
             "2\r\nabc\r\n0\r\n\r\n",
         400},
        {"ChunkSizeOverflow",
         head("POST /echo HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked\r\n") +
             "fffffffffffffffff\r\n",
         400},
        {"NulInHead", std::string("GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n", 28), 400},
        // RFC 9112 6.3: chunked not last means the end of the body cannot be found: 400.
        {"ChunkedNotLast",
         head("POST /echo HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked, gzip\r\n"), 400},
        // A coding the server does not implement, before a final chunked: 501.
        {"UnknownTransferCoding",
         head("POST /echo HTTP/1.1", "Host: x\r\nTransfer-Encoding: gzip, chunked\r\n"), 501},
        {"Http2Version", head("GET / HTTP/2.0"), 505},
        {"BodyOverTheLimitByContentLength",
         head("POST /echo HTTP/1.1", "Host: x\r\nContent-Length: 5000\r\n") +
             std::string(5000, 'x'),
         413},
        {"BodyOverTheLimitByChunks",
         head("POST /echo HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked\r\n") + "400\r\n" +
             std::string(1024, 'x') + "\r\n0\r\n\r\n",
         413},
        {"RequestLineTooLong", head("GET /" + std::string(9000, 'a') + " HTTP/1.1"), 414},
        {"TooManyHeaderFields", too_many_fields(), 431},
        {"HeadTooLarge",
         head(
             "GET / HTTP/1.1", "Host: x\r\n" +
                                   [] {
                                       std::string fields;
                                       for (int i = 0; i < 20; ++i)
                                           fields += "X-" + std::to_string(i) + ": " +
                                                     std::string(4000, 'v') + "\r\n";
                                       return fields;
                                   }()),
         431},
    };
}

class BadRequest : public net::testing::NoFdLeaks,
                   public ::testing::WithParamInterface<BadRequestCase> {};

TEST_P(BadRequest, IsAnsweredWithItsStatusAndTheConnectionCloses) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    {
        RawClient client(server.port());
        client.send(GetParam().bytes);
        const std::string answer = client.read_until_close();
        EXPECT_FALSE(client.timed_out()) << "the server did not close the connection";
        EXPECT_EQ(status_of(answer), GetParam().status) << answer.substr(0, 200);
        EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer.substr(0, 200);
    }
    expect_still_serving(server);
}

INSTANTIATE_TEST_SUITE_P(HttpServer, BadRequest, ::testing::ValuesIn(bad_requests()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- Request smuggling: every class of tests/http/smuggling_cases.hpp, against the server -----

class Smuggling : public net::testing::NoFdLeaks,
                  public ::testing::WithParamInterface<http::testing::SmugglingCase> {};

// The case's bytes carry a second request, GET /smuggled, where a lenient reading would find
// one: the server must answer the first with its error and close, so exactly one response
// comes back, and never a 404 for /smuggled.
TEST_P(Smuggling, IsAnsweredWithOneErrorResponseAndTheHiddenRequestIsNeverServed) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    {
        RawClient client(server.port());
        client.send(GetParam().bytes);
        const std::string answer = client.read_until_close();
        EXPECT_FALSE(client.timed_out()) << "the server did not close the connection";
        EXPECT_EQ(status_of(answer), GetParam().status) << answer;
        EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
        EXPECT_EQ(answer.find("\nHTTP/1."), std::string::npos) << "a second response: " << answer;
        EXPECT_NE(answer.find(GetParam().error), std::string::npos) << answer;
    }
    expect_still_serving(server);
    server.stop();
    EXPECT_EQ(server.requests_served(), 1u);  // only expect_still_serving's
}

INSTANTIATE_TEST_SUITE_P(HttpServer, Smuggling,
                         ::testing::ValuesIn(http::testing::smuggling_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- Truncation and reset at every phase of a request ----------------------------------------

// A POST with a chunked body and a trailer, so every phase exists: request line, fields, the
// blank line, chunk size, chunk data, the last chunk, the trailer section.
const std::string kFullRequest =
    "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n";

struct CutCase {
    const char* name;
    std::size_t cut;  // bytes of kFullRequest sent before the client closes or resets
};

void PrintTo(const CutCase& c, std::ostream* os) {
    *os << c.name;
}

std::vector<CutCase> cut_points() {
    auto at = [](std::string_view marker) { return kFullRequest.find(marker); };
    return {{"BeforeAnything", 0},
            {"InTheRequestLine", 6},
            {"InAHeaderField", at("Host") + 3},
            {"BeforeTheBlankLine", at("\r\n\r\n") + 2},
            {"AfterTheHead", at("\r\n\r\n") + 4},
            {"InTheChunkSize", at("5\r\n") + 1},
            {"InTheChunkData", at("hello") + 2},
            {"BeforeTheLastChunk", at("0\r\n")},
            {"InTheTrailers", at("X-Trailer") + 4}};
}

class TruncatedRequest : public net::testing::NoFdLeaks,
                         public ::testing::WithParamInterface<CutCase> {};

TEST_P(TruncatedRequest, EndOfStreamGetsA400OrASilentCloseNeverAnAnswer) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    {
        RawClient client(server.port());
        client.send(std::string_view(kFullRequest).substr(0, GetParam().cut));
        client.shutdown_write();  // half-close: the server can still answer
        const std::string answer = client.read_until_close();
        EXPECT_FALSE(client.timed_out()) << "the server did not close the connection";
        // Nothing to answer before the first byte; after it, the request is broken: 400.
        if (GetParam().cut == 0)
            EXPECT_EQ(answer, "");
        else
            EXPECT_EQ(status_of(answer), 400) << answer;
        // Never the echo of a half-received body presented as a success.
        EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos);
    }
    expect_still_serving(server);
}

TEST_P(TruncatedRequest, AResetIsSurvived) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    {
        RawClient client(server.port());
        client.send(std::string_view(kFullRequest).substr(0, GetParam().cut));
        client.reset();
    }
    expect_still_serving(server);
    server.stop();
    EXPECT_EQ(server.requests_served(), 1u);  // only the well-behaved one
}

INSTANTIATE_TEST_SUITE_P(HttpServer, TruncatedRequest, ::testing::ValuesIn(cut_points()),
                         [](const auto& info) { return std::string(info.param.name); });

class HostileClient : public net::testing::NoFdLeaks {};

TEST_F(HostileClient, TheCompleteRequestIsEchoedSoTheCutsAboveCutSomethingReal) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    RawClient client(server.port());
    client.send(kFullRequest);
    client.shutdown_write();
    const std::string answer = client.read_until_close();
    EXPECT_EQ(status_of(answer), 200) << answer;
    EXPECT_TRUE(answer.ends_with("\r\n\r\nhello")) << answer;
}

// ---- Stalls and trickles ---------------------------------------------------------------------

TEST_F(HostileClient, ASlowlorisHeadIsCutOffWith408AtTheHeaderReadTimeout) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    RawClient client(server.port());
    // One byte every 40 ms: each byte comes well within any per-byte timeout, but the whole
    // head (~300 bytes) would take 12 s; the header timeout (300 ms) counts from the start.
    const std::string slow_head = head("GET / HTTP/1.1", "Host: x\r\n" + std::string(250, 'X'));
    EXPECT_FALSE(client.trickle(slow_head, 40ms)) << "the server let the whole head trickle in";
    const std::string answer = client.read_until_close();
    EXPECT_FALSE(client.timed_out());
    EXPECT_EQ(status_of(answer), 408) << answer;
}

TEST_F(HostileClient, AStalledBodyGets408AtTheBodyReadTimeout) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    RawClient client(server.port());
    client.send(head("POST /echo HTTP/1.1", "Host: x\r\nContent-Length: 10\r\n") + "abc");
    const std::string answer = client.read_until_close();  // the client sends nothing more
    EXPECT_FALSE(client.timed_out()) << "a stalled body held the connection";
    EXPECT_EQ(status_of(answer), 408) << answer;
}

TEST_F(HostileClient, ABodyTrickledFasterThanTheBodyTimeoutIsAccepted) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    RawClient client(server.port());
    client.send(head("POST /echo HTTP/1.1", "Host: x\r\nContent-Length: 10\r\n"));
    // 10 bytes 50 ms apart: 500 ms in all, longer than the 300 ms body timeout, but no
    // silence reaches it, so the upload is legitimate.
    EXPECT_TRUE(client.trickle("0123456789", 50ms));
    client.shutdown_write();
    const std::string answer = client.read_until_close();
    EXPECT_EQ(status_of(answer), 200) << answer;
    EXPECT_TRUE(answer.ends_with("0123456789")) << answer;
}

TEST_F(HostileClient, AConnectionThatNeverSendsAnythingIsClosedAtTheHeaderReadTimeout) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    RawClient client(server.port());
    const std::string answer = client.read_until_close();
    EXPECT_FALSE(client.timed_out());
    EXPECT_EQ(status_of(answer), 408) << answer;
}

TEST_F(HostileClient, AnIdleKeptAliveConnectionIsClosedSilentlyAtTheKeepaliveTimeout) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    RawClient client(server.port());
    client.send(head("GET / HTTP/1.1"));
    const std::string answer = client.read_until_close();
    EXPECT_FALSE(client.timed_out());
    EXPECT_EQ(status_of(answer), 200);
    EXPECT_TRUE(answer.ends_with("Hello World!")) << "something followed the response: " << answer;
}

// ---- Half-closed connections ------------------------------------------------------------------

TEST_F(HostileClient, PipelinedRequestsFollowedByHalfCloseAreAllAnswered) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    RawClient client(server.port());
    client.send(head("GET /delay/50 HTTP/1.1") + head("GET /bytes/5 HTTP/1.1") +
                head("GET /status/404 HTTP/1.1"));
    client.shutdown_write();  // EOF arrives while the first request is still being handled
    const std::string answer = client.read_until_close();
    EXPECT_FALSE(client.timed_out());
    const auto first = answer.find("Hello World!");
    const auto second = answer.find("\r\n\r\nabcde");
    const auto third = answer.find("HTTP/1.1 404");
    ASSERT_NE(first, std::string::npos) << answer;
    ASSERT_NE(second, std::string::npos) << answer;
    ASSERT_NE(third, std::string::npos) << answer;
    EXPECT_LT(first, second);
    EXPECT_LT(second, third);
}

// ---- Lingering close ---------------------------------------------------------------------------

// Reads until end of stream; "reset" if the connection was reset instead (ECONNRESET), which
// is what a client sees when the server closes with its upload unread.
std::string read_to_end_or_reset(RawClient& client, bool& reset) {
    std::string answer;
    char buffer[16 * 1024];
    reset = false;
    for (;;) {
        pollfd p{client.fd(), POLLIN, 0};
        if (::poll(&p, 1, 10000) <= 0) return answer;
        const ssize_t n = ::recv(client.fd(), buffer, sizeof buffer, 0);
        if (n == 0) return answer;
        if (n < 0) {
            reset = errno == ECONNRESET;
            return answer;
        }
        answer.append(buffer, static_cast<std::size_t>(n));
    }
}

// Sends one byte every `gap` until a send fails (the server closed: its kernel answers with
// RST, and the send after that fails) or `tries` bytes went through; returns how many did.
int send_until_refused(RawClient& client, int tries, std::chrono::milliseconds gap) {
    for (int i = 0; i < tries; ++i) {
        if (!client.send("x")) return i;
        std::this_thread::sleep_for(gap);
    }
    return tries;
}

// python requests uploading 20 MB to a server that refuses it: it sends the whole body before
// it reads anything, so a server that closed at once (with the body unread) would reset the
// connection and the client would see ConnectionResetError instead of the 413.
TEST_F(HostileClient, AnUploadRefusedWith413IsReadByTheClientNotCutByAReset) {
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, short_timeouts());
    RawClient client(server.port());
    const std::size_t size = 8 * 1024 * 1024;
    ASSERT_TRUE(client.send(head("POST /echo HTTP/1.1",
                                 "Host: x\r\nContent-Length: " + std::to_string(size) + "\r\n")));
    EXPECT_TRUE(client.send(std::string(size, 'u'))) << "the server reset the upload";
    bool reset = false;
    const std::string answer = read_to_end_or_reset(client, reset);
    EXPECT_FALSE(reset) << "the connection was reset";
    EXPECT_EQ(status_of(answer), 413) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
}

TEST_F(HostileClient, LingeringStopsAfterLingeringMaxBytes) {
    HttpServerOptions options = short_timeouts();
    options.lingering_max_bytes = 1024 * 1024;
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, options);
    RawClient client(server.port());
    client.send(head("POST /echo HTTP/1.1", "Host: x\r\nContent-Length: 999999999\r\n"));
    // Far more than the server will discard: it must close before all of it is sent.
    const std::size_t sent = client.flood(std::string(64 * 1024, 'u'), 256 * 1024 * 1024, 5000ms);
    EXPECT_LT(sent, 256u * 1024 * 1024) << "the server kept discarding past its byte bound";
}

TEST_F(HostileClient, LingeringStopsAfterLingeringTimeEvenIfBytesKeepComing) {
    HttpServerOptions options = short_timeouts();
    options.lingering_time = 300ms;
    options.lingering_timeout = 10s;  // never reached: a byte comes every 50 ms
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, options);
    RawClient client(server.port());
    client.send(head("POST /echo HTTP/1.1", "Host: x\r\nContent-Length: 999999\r\n"));
    EXPECT_EQ(status_of(client.read_until_close()), 413);
    EXPECT_LT(send_until_refused(client, 200, 50ms), 200) << "still lingering after 10 s";
}

TEST_F(HostileClient, LingeringStopsAfterLingeringTimeoutOfSilence) {
    HttpServerOptions options = short_timeouts();
    options.lingering_time = 60s;  // never reached
    options.lingering_timeout = 200ms;
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, options);
    RawClient client(server.port());
    client.send(head("POST /echo HTTP/1.1", "Host: x\r\nContent-Length: 999999\r\n"));
    EXPECT_EQ(status_of(client.read_until_close()), 413);
    std::this_thread::sleep_for(1s);  // five lingering timeouts of silence
    EXPECT_LT(send_until_refused(client, 3, 100ms), 3) << "still lingering after the silence";
}

TEST_F(HostileClient, AClientThatClosesAfterTheErrorEndsTheLingeringAtOnce) {
    HttpServerOptions options = short_timeouts();
    options.lingering_time = 60s;
    options.lingering_timeout = 60s;
    options.max_connections = 1;  // a connection still lingering would turn the next one away
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, options);
    {
        RawClient client(server.port());
        client.send("GARBAGE\r\n\r\n");
        EXPECT_EQ(status_of(client.read_until_close()), 400);
    }  // closes: the server sees the FIN and closes its side too
    int status = 0;
    for (int attempt = 0; attempt < 200 && status != 200; ++attempt) {
        RawClient next(server.port());
        next.send(head("GET / HTTP/1.1", "Host: x\r\nConnection: close\r\n"));
        status = status_of(next.read_until_close());
        if (status != 200) std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(status, 200) << "the first connection was still lingering";
}

// ---- The connection limit -----------------------------------------------------------------

TEST_F(HostileClient, ConnectionsOverTheLimitGet503AndTheServerRecoversWhenTheyClose) {
    HttpServerOptions options = short_timeouts();
    options.keepalive_timeout = 10s;  // the held connections must stay until we close them
    options.header_read_timeout = 10s;
    options.max_connections = 3;
    ServerThread server(http::demo_routes(), "127.0.0.1", 0, options);
    {
        std::vector<std::unique_ptr<RawClient>> held;
        for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<RawClient>(server.port()));
        for (auto& c : held) c->send(head("GET /delay/10 HTTP/1.1"));
        // Each of the 3 is answered and kept open: the server is at its limit.
        for (auto& c : held) {
            char buffer[4096];
            pollfd p{c->fd(), POLLIN, 0};
            ASSERT_EQ(::poll(&p, 1, 5000), 1);
            ASSERT_GT(::recv(c->fd(), buffer, sizeof buffer, 0), 0);
        }
        for (int i = 0; i < 2; ++i) {
            RawClient extra(server.port());
            extra.send(head("GET / HTTP/1.1"));
            const std::string answer = extra.read_until_close();
            EXPECT_FALSE(extra.timed_out());
            EXPECT_EQ(status_of(answer), 503) << answer;
            EXPECT_NE(answer.find("Connection: close"), std::string::npos);
        }
    }  // the held connections close here
    // The server notices the closes on its own loop; a new client is served once it has.
    int status = 0;
    for (int attempt = 0; attempt < 200 && status != 200; ++attempt) {
        RawClient client(server.port());
        client.send(head("GET / HTTP/1.1", "Host: x\r\nConnection: close\r\n"));
        status = status_of(client.read_until_close());
        if (status != 200) std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace looplab::reliability
