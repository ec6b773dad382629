// tests/reliability/hostile_server_test.cpp: both looplab clients against servers that
// misbehave on purpose: truncating or resetting at every phase of a response, stalling,
// trickling, and breaking the framing.
//
// aiohttp: tests/test_client_functional.py's broken-server cases; requests: the
//          ChunkedEncodingError / ConnectionError tests
//
// The rule under test is the one client_errors.hpp states: a response that did not arrive
// complete is an error of the right kind, never a short success. Each case runs the
// ClientSession (on a fresh loop) and the blocking client against the same script, and the
// NoFdLeaks fixture checks that neither left a descriptor behind.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "http/support/scripted_server.hpp"
#include "net/support/fd_leak_check.hpp"
#include "reliability/support/client_outcome.hpp"

namespace looplab::reliability {
namespace {

using namespace std::chrono_literals;
using http::testing::read_request_head;
using http::testing::reset_on_close;
using http::testing::ScriptedServer;
using http::testing::wait_for_client_close;
using http::testing::write_all;

const std::string kLengthResponse = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
const std::string kChunkedResponse =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n5\r\nworld\r\n0\r\nX-T: 1\r\n\r\n";

http::ClientTimeout short_timeout() {
    http::ClientTimeout timeout;
    timeout.total = 5s;
    timeout.sock_read = 200ms;
    return timeout;
}

// ---- Truncation (FIN) and reset (RST) at every phase ----------------------------------------

enum class Ending { close, reset };

struct CutCase {
    const char* name;
    const std::string* response;
    std::size_t cut;  // bytes of the response sent before the ending
    Ending ending;
    std::set<std::string> allowed;  // outcomes both clients may report
};

// gtest prints a parameter in test names and failures; the default would dump its bytes
// (padding included, which valgrind rightly calls uninitialised).
void PrintTo(const CutCase& c, std::ostream* os) {
    *os << c.name;
}

std::size_t in(const std::string& response, std::string_view marker, std::size_t plus = 0) {
    return response.find(marker) + plus;
}

std::vector<CutCase> cut_cases() {
    const std::string& l = kLengthResponse;
    const std::string& c = kChunkedResponse;
    // A close before the head is complete: the server went away without answering. After
    // the head: the body is incomplete. A reset may overtake data the client has not read
    // yet (the kernel drops it), so a reset after the head may also surface as a connection
    // error; it is never a success either way.
    const std::set<std::string> no_head{"disconnected", "protocol"};
    const std::set<std::string> reset{"connection", "disconnected", "payload"};
    return {
        {"CloseBeforeAnything", &l, 0, Ending::close, {"disconnected"}},
        {"CloseInStatusLine", &l, 8, Ending::close, no_head},
        {"CloseInHeaderField", &l, in(l, "Content-Length", 5), Ending::close, no_head},
        {"CloseBeforeBlankLine", &l, in(l, "\r\n\r\n", 2), Ending::close, no_head},
        {"CloseAfterHead", &l, in(l, "\r\n\r\n", 4), Ending::close, {"payload"}},
        {"CloseInBody", &l, in(l, "01234"), Ending::close, {"payload"}},
        {"CloseInChunkSize", &c, in(c, "5\r\nhello"), Ending::close, {"payload"}},
        {"CloseInChunkData", &c, in(c, "hello", 2), Ending::close, {"payload"}},
        {"CloseBeforeLastChunk", &c, in(c, "0\r\n"), Ending::close, {"payload"}},
        {"CloseInTrailers", &c, in(c, "X-T"), Ending::close, {"payload"}},
        {"ResetBeforeAnything", &l, 0, Ending::reset, {"connection", "disconnected"}},
        {"ResetInStatusLine", &l, 8, Ending::reset, {"connection", "disconnected", "protocol"}},
        {"ResetAfterHead", &l, in(l, "\r\n\r\n", 4), Ending::reset, reset},
        {"ResetInBody", &l, in(l, "01234"), Ending::reset, reset},
        {"ResetInChunkData", &c, in(c, "hello", 2), Ending::reset, reset},
        {"ResetInTrailers", &c, in(c, "X-T"), Ending::reset, reset},
    };
}

class CutResponse : public net::testing::NoFdLeaks, public ::testing::WithParamInterface<CutCase> {
protected:
    ScriptedServer::Handler script() const {
        const CutCase& param = GetParam();
        return [&param](int fd, int) {
            read_request_head(fd);
            write_all(fd, std::string_view(*param.response).substr(0, param.cut));
            if (param.ending == Ending::reset) {
                // Let the bytes reach the client first, so the reset cuts where the case says.
                std::this_thread::sleep_for(20ms);
                reset_on_close(fd);
            }
        };
    }
};

TEST_P(CutResponse, ClientSessionReportsTheRightErrorNeverASuccess) {
    ScriptedServer server(script());
    const std::string outcome = session_outcome(server.url(), short_timeout());
    EXPECT_TRUE(GetParam().allowed.contains(outcome)) << outcome;
}

TEST_P(CutResponse, BlockingClientReportsTheRightErrorNeverASuccess) {
    ScriptedServer server(script());
    const std::string outcome = blocking_outcome(server.url(), 2000ms);
    EXPECT_TRUE(GetParam().allowed.contains(outcome)) << outcome;
}

INSTANTIATE_TEST_SUITE_P(HostileServer, CutResponse, ::testing::ValuesIn(cut_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- Stalls and trickles ---------------------------------------------------------------------

struct StallCase {
    const char* name;
    const std::string* response;
    std::size_t sent;  // bytes sent before the server stops sending (and waits for a close)
};

void PrintTo(const StallCase& c, std::ostream* os) {
    *os << c.name;
}

std::vector<StallCase> stall_cases() {
    const std::string& l = kLengthResponse;
    const std::string& c = kChunkedResponse;
    return {{"BeforeAnything", &l, 0},
            {"InTheHead", &l, 12},
            {"AfterTheHead", &l, in(l, "\r\n\r\n", 4)},
            {"InTheBody", &l, in(l, "01234")},
            {"InAChunk", &c, in(c, "hello", 2)},
            {"BeforeTheLastChunk", &c, in(c, "0\r\n")}};
}

class StalledResponse : public net::testing::NoFdLeaks,
                        public ::testing::WithParamInterface<StallCase> {
protected:
    ScriptedServer::Handler script() const {
        const StallCase& param = GetParam();
        return [&param](int fd, int) {
            read_request_head(fd);
            write_all(fd, std::string_view(*param.response).substr(0, param.sent));
            wait_for_client_close(fd, 5000);  // stall until the client gives up
        };
    }
};

TEST_P(StalledResponse, ClientSessionTimesOutAtSockRead) {
    ScriptedServer server(script());
    EXPECT_EQ(session_outcome(server.url(), short_timeout()), "timeout:sock_read");
}

TEST_P(StalledResponse, BlockingClientTimesOutAtItsReadTimeout) {
    ScriptedServer server(script());
    const std::string outcome = blocking_outcome(server.url(), 200ms);
    EXPECT_TRUE(outcome.starts_with("timeout:")) << outcome;
}

INSTANTIATE_TEST_SUITE_P(HostileServer, StalledResponse, ::testing::ValuesIn(stall_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

class HostileServer : public net::testing::NoFdLeaks {};

// One byte every 10 ms: each gap is far below sock_read (200 ms), so this is a slow but
// legitimate server, and the response must come through whole.
ScriptedServer::Handler trickle(const std::string& response) {
    return [&response](int fd, int) {
        read_request_head(fd);
        for (char c : response) {
            write_all(fd, std::string_view(&c, 1));
            std::this_thread::sleep_for(10ms);
        }
        wait_for_client_close(fd, 5000);
    };
}

TEST_F(HostileServer, ATrickledResponseWithinSockReadArrivesWhole) {
    ScriptedServer server(trickle(kChunkedResponse));
    EXPECT_EQ(session_outcome(server.url(), short_timeout()), "ok 200 helloworld");
    EXPECT_EQ(blocking_outcome(server.url(), 200ms), "ok 200 helloworld");
}

TEST_F(HostileServer, ATrickledResponseIsCutOffByTheTotalTimeout) {
    ScriptedServer server(trickle(kChunkedResponse));  // ~70 bytes: ~700 ms
    http::ClientTimeout timeout = short_timeout();
    timeout.total = 250ms;
    EXPECT_EQ(session_outcome(server.url(), timeout), "timeout:total");
}

// ---- Invalid framing -------------------------------------------------------------------------

struct FramingCase {
    const char* name;
    std::string response;
    std::string expected;  // the outcome, for both clients
};

void PrintTo(const FramingCase& c, std::ostream* os) {
    *os << c.name;
}

std::vector<FramingCase> framing_cases() {
    const std::string ok = "HTTP/1.1 200 OK\r\n";
    return {
        {"ConflictingContentLength", ok + "Content-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
         "protocol"},
        {"ContentLengthAndChunked",
         ok + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
         "protocol"},
        {"NotANumberContentLength", ok + "Content-Length: 1x\r\n\r\na", "protocol"},
        {"BadChunkSize", ok + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
         "payload"},
        {"ChunkLongerThanDeclared", ok + "Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
         "payload"},
        {"UnsupportedTransferCoding", ok + "Transfer-Encoding: zstd, chunked\r\n\r\n0\r\n\r\n",
         "protocol"},
        {"GarbageStatusLine", "HTTP/1.1 OK 200\r\nContent-Length: 0\r\n\r\n", "protocol"},
        {"NotHttp", "SSH-2.0-OpenSSH\r\n\r\n", "protocol"},
        {"NulInAField", std::string("HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n", 46),
         "protocol"},
        {"HeadTooLarge", ok + "X-Big: " + std::string(70 * 1024, 'x') + "\r\n\r\n", "protocol"},
        // What RFC 9112 tells a client to accept: obs-fold (replaced by a space) and bare LF.
        {"ObsFoldIsAccepted", ok + "X-A: 1\r\n 2\r\nContent-Length: 2\r\n\r\nok", "ok 200 ok"},
        {"BareLfIsAccepted", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "ok 200 ok"},
    };
}

class BadFraming : public net::testing::NoFdLeaks,
                   public ::testing::WithParamInterface<FramingCase> {
protected:
    ScriptedServer::Handler script() const {
        const FramingCase& param = GetParam();
        return [&param](int fd, int) {
            read_request_head(fd);
            write_all(fd, param.response);
            wait_for_client_close(fd, 5000);
        };
    }
};

TEST_P(BadFraming, ClientSessionRejectsItAsTheRightError) {
    ScriptedServer server(script());
    EXPECT_EQ(session_outcome(server.url(), short_timeout()), GetParam().expected);
}

TEST_P(BadFraming, BlockingClientRejectsItAsTheRightError) {
    ScriptedServer server(script());
    EXPECT_EQ(blocking_outcome(server.url(), 2000ms), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(HostileServer, BadFraming, ::testing::ValuesIn(framing_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- Oversized bodies ------------------------------------------------------------------------

TEST_F(HostileServer, ABodyOverTheClientsLimitIsRefusedNotBuffered) {
    http::ParserLimits limits;
    limits.max_body_size = 1000;
    const std::string by_length =
        "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x');
    const std::string by_chunks = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n" +
                                  std::string(5000, 'x') + "\r\n0\r\n\r\n";
    const std::string until_close = "HTTP/1.1 200 OK\r\n\r\n" + std::string(5000, 'x');
    for (const std::string* response : {&by_length, &by_chunks, &until_close}) {
        ScriptedServer server([response](int fd, int) {
            read_request_head(fd);
            write_all(fd, *response);
        });
        const std::string session = session_outcome(server.url(), short_timeout(), limits);
        const std::string blocking = blocking_outcome(server.url(), 2000ms, limits);
        // Refused at the head (Content-Length) or while reading the body: an error either way.
        EXPECT_TRUE(session == "protocol" || session == "payload") << session;
        EXPECT_TRUE(blocking == "protocol" || blocking == "payload") << blocking;
    }
}

// ---- Servers that would hold a blocking client forever (issue 18) ---------------------------
//
// Each of these sends often enough that no per-read timeout ever fires: only the blocking
// client's total deadline, or its body cap, ends the request. The elapsed-time checks are a
// hang bound (seconds of slack), not a speed measurement.

// The blocking client with a total deadline and a read timeout that never fires by itself.
std::string blocking_outcome_within(const std::string& url, std::chrono::milliseconds total,
                                    http::ParserLimits limits = http::blocking::default_limits()) {
    http::blocking::Options options;
    options.read_timeout = 5000ms;
    options.total_timeout = total;
    options.limits = limits;
    return blocking_outcome(url, options);
}

// Slowloris, turned on the client: a head that never ends, a byte every 20 ms.
ScriptedServer::Handler slowloris_head() {
    return [](int fd, int) {
        read_request_head(fd);
        const std::string start = "HTTP/1.1 200 OK\r\nX-Slow: ";
        if (::send(fd, start.data(), start.size(), MSG_NOSIGNAL) <= 0) return;
        for (int i = 0; i < 1000; ++i) {  // 20 s at most, far past every deadline below
            if (::send(fd, "x", 1, MSG_NOSIGNAL) != 1) return;
            std::this_thread::sleep_for(20ms);
        }
    };
}

// A body without end, as fast as the client takes it (close-delimited, or in 64 KiB chunks).
ScriptedServer::Handler endless_body(bool chunked) {
    return [chunked](int fd, int) {
        read_request_head(fd);
        const std::string head = chunked ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                         : "HTTP/1.1 200 OK\r\n\r\n";
        std::string block(64 * 1024, 'x');
        if (chunked) block = "10000\r\n" + block + "\r\n";
        if (::send(fd, head.data(), head.size(), MSG_NOSIGNAL) <= 0) return;
        for (;;) {
            if (::send(fd, block.data(), block.size(), MSG_NOSIGNAL) <= 0) return;
        }
    };
}

// Resident memory of this process, in bytes (Linux: /proc/self/statm's second field).
std::size_t resident_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long pages = 0;
    unsigned long resident = 0;
    const int n = std::fscanf(f, "%lu %lu", &pages, &resident);
    std::fclose(f);
    return n == 2 ? resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

std::chrono::milliseconds elapsed_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
}

TEST_F(HostileServer, BlockingClientFailsASlowlorisHeadAtItsTotalDeadline) {
    ScriptedServer server(slowloris_head());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(blocking_outcome_within(server.url(), 500ms), "timeout:total");
    EXPECT_LT(elapsed_since(start), 5000ms);  // not held until the server gives up (20 s)
}

TEST_F(HostileServer, ClientSessionFailsASlowlorisHeadAtItsTotalDeadline) {
    ScriptedServer server(slowloris_head());
    http::ClientTimeout timeout = short_timeout();
    timeout.total = 500ms;
    EXPECT_EQ(session_outcome(server.url(), timeout), "timeout:total");
}

// The case: a 4-byte body dripped over 4 s, a 2 s total: not a success after 3 s.
TEST_F(HostileServer, BlockingClientFailsABodyDrippedPastItsTotalDeadline) {
    ScriptedServer dripping([](int fd, int) {
        read_request_head(fd);
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n");
        for (char c : std::string("abcd")) {
            if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) return;
            std::this_thread::sleep_for(1000ms);
        }
        wait_for_client_close(fd, 5000);
    });
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(blocking_outcome_within(dripping.url(), 2000ms), "timeout:total");
    EXPECT_LT(elapsed_since(start), 3900ms);  // before the last byte could have come
}

TEST_F(HostileServer, BlockingClientRefusesAnEndlessBodyAtItsCapWithBoundedMemory) {
    http::ParserLimits limits;
    limits.max_body_size = 1024 * 1024;
    for (bool chunked : {false, true}) {
        ScriptedServer server(endless_body(chunked));
        const std::size_t before = resident_bytes();
        EXPECT_EQ(blocking_outcome_within(server.url(), 10'000ms, limits), "payload")
            << "chunked=" << chunked;
        const std::size_t after = resident_bytes();
        // The body is refused at 1 MiB; its buffer and the parser's are a few MiB at most.
        EXPECT_LT(after, before + 64 * 1024 * 1024) << "chunked=" << chunked;
    }
}

TEST_F(HostileServer, BlockingClientRefusesAnEndlessBodyWithItsDefaultOptions) {
    ScriptedServer server(endless_body(false));
    const std::size_t before = resident_bytes();
    EXPECT_EQ(blocking_outcome_within(server.url(), 30'000ms), "payload");
    // kDefaultMaxBodySize (64 MiB) buffered, with the string's growth: well under 1 GiB.
    EXPECT_LT(resident_bytes(), before + 256 * 1024 * 1024);
}

}  // namespace
}  // namespace looplab::reliability
