// tests/http/client_session_test.cpp: ClientSession against well- and ill-behaved servers.
//
// Every test runs its client on a fresh loop (looplab::run) under a 30 s watchdog, against a
// ScriptedServer on its own threads, and checks that no descriptor leaked (NoFdLeaks). Timeouts
// are short (100-300 ms) and only ever asserted as "this timeout fired, with this phase".
#include "http/client/client_session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/server/demo_routes.hpp"
#include "http/server/server_thread.hpp"
#include "http/support/request_reader.hpp"
#include "http/support/scripted_server.hpp"
#include "net/errors.hpp"
#include "net/socket_ops.hpp"
#include "net/support/fd_leak_check.hpp"
#include "net/support/loopback.hpp"
#include "net/unique_fd.hpp"
#include "runtime/errors.hpp"
#include "runtime/gather.hpp"
#include "runtime/run.hpp"
#include "runtime/sleep.hpp"
#include "runtime/timeout.hpp"

namespace looplab::http {
namespace {

using namespace std::chrono_literals;
using Phase = ClientTimeoutError::Phase;
using testing::ok_response;
using testing::read_request;
using testing::ScriptedRequest;
using testing::ScriptedServer;
using testing::wait_for_client_close;
using testing::write_all;

class AsyncClient : public net::testing::NoFdLeaks {};

Coro<void> watchdog(Coro<void> body) {
    co_await timeout(30s, std::move(body));
}

// Runs a test body on a fresh loop; a hang becomes a TimeoutError (a failed test) after 30 s.
void run_test(Coro<void> body) {
    looplab::run(watchdog(std::move(body)));
}

// Serves requests on one connection until the client closes it; answer(request) is the reply.
template <class F>
void serve(int fd, F answer) {
    while (std::optional<ScriptedRequest> request = read_request(fd)) {
        write_all(fd, answer(*request));
    }
}

Coro<std::string> fetch_text(ClientSession& session, std::string url) {
    ClientResponse r = co_await session.get(std::move(url));
    co_return co_await r.text();
}

// Waits (polling the loop) until `flag` is set by a server thread, or 10 s pass.
Coro<void> until(const std::atomic<bool>& flag) {
    for (int i = 0; i < 2000 && !flag.load(); ++i) co_await sleep(5ms);
}

// ---- Requests and bodies --------------------------------------------------------------------

TEST_F(AsyncClient, GetsATextBodyAndSendsAWellFormedRequest) {
    std::string seen;
    ScriptedServer server([&](int fd, int) {
        if (auto r = read_request(fd)) seen = r->head;
        write_all(fd, ok_response("Hello World!"));
        wait_for_client_close(fd, 5000);
    });
    int status = 0;
    std::string body;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(server.url("/hello?x=1"));
        status = r.status;
        body = co_await r.text();
        co_await session.close();
    }());
    server.stop();
    EXPECT_EQ(status, 200);
    EXPECT_EQ(body, "Hello World!");
    EXPECT_TRUE(seen.starts_with("GET /hello?x=1 HTTP/1.1\r\n")) << seen;
    EXPECT_NE(seen.find("\r\nHost: 127.0.0.1:"), std::string::npos) << seen;
    EXPECT_NE(seen.find("\r\nUser-Agent: looplab"), std::string::npos) << seen;
}

TEST_F(AsyncClient, PostsABodyWithItsContentLength) {
    std::optional<ScriptedRequest> seen;
    ScriptedServer server([&](int fd, int) {
        seen = read_request(fd);
        write_all(fd, ok_response("got " + (seen ? seen->body : std::string("nothing"))));
        wait_for_client_close(fd, 5000);
    });
    std::string body;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        const Headers headers{{"Content-Type", "text/plain"}};
        ClientResponse r = co_await session.post(server.url("/echo"), "name=looplab", headers);
        body = co_await r.text();
        co_await session.close();
    }());
    server.stop();
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->method(), "POST");
    EXPECT_EQ(seen->body, "name=looplab");
    EXPECT_NE(seen->head.find("\r\nContent-Length: 12"), std::string::npos) << seen->head;
    EXPECT_NE(seen->head.find("\r\nContent-Type: text/plain"), std::string::npos) << seen->head;
    EXPECT_EQ(body, "got name=looplab");
}

TEST_F(AsyncClient, PostsALargeBodyIntact) {
    const std::string big = demo_bytes(300 * 1024);
    std::optional<ScriptedRequest> seen;
    ScriptedServer server([&](int fd, int) {
        seen = read_request(fd);
        write_all(fd, ok_response(std::to_string(seen ? seen->body.size() : 0)));
        wait_for_client_close(fd, 5000);
    });
    std::string body;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.post(server.url("/echo"), big);
        body = co_await r.text();
        co_await session.close();
    }());
    server.stop();
    ASSERT_TRUE(seen);
    EXPECT_TRUE(seen->body == big);
    EXPECT_EQ(body, std::to_string(big.size()));
}

TEST_F(AsyncClient, DecodesAChunkedBody) {
    ScriptedServer server([](int fd, int) {
        read_request(fd);
        write_all(fd,
                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nHello\r\n7;ext=1\r\n World!\r\n0\r\nX-Trailer: yes\r\n\r\n");
        wait_for_client_close(fd, 5000);
    });
    std::string body;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        body = co_await fetch_text(session, server.url());
        co_await session.close();
    }());
    EXPECT_EQ(body, "Hello World!");
}

TEST_F(AsyncClient, StreamsALargeChunkedBodyInBoundedPieces) {
    const std::string big = demo_bytes(3 * 1024 * 1024);
    ScriptedServer server([&](int fd, int) {
        read_request(fd);
        write_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        constexpr std::size_t kPiece = 100'000;
        for (std::size_t at = 0; at < big.size(); at += kPiece) {
            const std::string_view piece = std::string_view(big).substr(at, kPiece);
            char size[32];
            std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
            write_all(fd, size);
            write_all(fd, piece);
            write_all(fd, "\r\n");
        }
        write_all(fd, "0\r\n\r\n");
        wait_for_client_close(fd, 5000);
    });
    std::string received;
    std::size_t chunks = 0;
    std::size_t largest = 0;
    bool complete = false;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(server.url("/chunked"));
        while (std::optional<std::string> chunk = co_await r.read_chunk(64 * 1024)) {
            ++chunks;
            largest = std::max(largest, chunk->size());
            received += *chunk;
        }
        complete = r.is_complete();
        co_await session.close();
    }());
    EXPECT_TRUE(received == big) << received.size() << " of " << big.size() << " bytes";
    EXPECT_LE(largest, 64u * 1024);
    EXPECT_GE(chunks, big.size() / (64 * 1024));
    EXPECT_TRUE(complete);
}

TEST_F(AsyncClient, ReadAfterReadChunkReturnsTheRestOfTheBody) {
    ScriptedServer server([](int fd, int) {
        serve(fd, [](const ScriptedRequest&) { return ok_response("0123456789"); });
    });
    std::optional<std::string> first, second;
    std::string rest;
    std::optional<std::string> after_end;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(server.url());
        first = co_await r.read_chunk(3);
        second = co_await r.read_chunk(2);
        rest = co_await r.read();
        after_end = co_await r.read_chunk();
        co_await session.close();
    }());
    EXPECT_EQ(first, "012");
    EXPECT_EQ(second, "34");
    EXPECT_EQ(rest, "56789");
    EXPECT_EQ(after_end, std::nullopt);
}

TEST_F(AsyncClient, AHeadResponseIsCompleteAtOnceAndItsConnectionIsReused) {
    ScriptedServer server([](int fd, int) {
        serve(fd, [](const ScriptedRequest& r) {
            // HEAD: the length of the body a GET would get, and no body.
            return r.method() == "HEAD"
                       ? std::string("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
                       : ok_response("hello");
        });
    });
    bool complete = false;
    std::size_t idle = 0;
    std::string body;
    std::size_t reused = 0;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse head = co_await session.head(server.url());
        complete = head.is_complete();
        idle = session.idle_connections();
        body = co_await fetch_text(session, server.url());
        reused = session.connections_reused();
        co_await session.close();
    }());
    EXPECT_TRUE(complete);
    EXPECT_EQ(idle, 1u);
    EXPECT_EQ(body, "hello");
    EXPECT_EQ(reused, 1u);
    EXPECT_EQ(server.connections(), 1);
}

// ---- Keep-alive and the pool ----------------------------------------------------------------

TEST_F(AsyncClient, ReusesOneKeptAliveConnectionForSequentialRequests) {
    ScriptedServer server([](int fd, int) {
        int n = 0;
        serve(fd, [&](const ScriptedRequest&) { return ok_response("r" + std::to_string(n++)); });
    });
    std::vector<std::string> bodies;
    std::size_t opened = 0, reused = 0, idle = 0;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        for (int i = 0; i < 3; ++i) bodies.push_back(co_await fetch_text(session, server.url()));
        opened = session.connections_opened();
        reused = session.connections_reused();
        idle = session.idle_connections();
        co_await session.close();
    }());
    server.stop();
    EXPECT_EQ(bodies, (std::vector<std::string>{"r0", "r1", "r2"}));
    EXPECT_EQ(opened, 1u);
    EXPECT_EQ(reused, 2u);
    EXPECT_EQ(idle, 1u);
    EXPECT_EQ(server.connections(), 1);
}

// The pool's key for "http://[::1]:PORT/" is origin_key's "[::1]:PORT": requests to an IPv6
// literal URL share one connection, and the pool's messages name the server as a URL does.
TEST_F(AsyncClient, ReusesOneConnectionToAnIpv6LiteralUrl) {
    if (!testing::has_ipv6_loopback()) GTEST_SKIP() << "this machine has no IPv6 loopback (::1)";
    std::vector<std::string> hosts;
    ScriptedServer server(
        [&](int fd, int) {
            int n = 0;
            serve(fd, [&](const ScriptedRequest& r) {
                const std::size_t at = r.head.find("\r\nHost: ");
                hosts.push_back(r.head.substr(at + 8, r.head.find("\r\n", at + 2) - at - 8));
                return ok_response("r" + std::to_string(n++));
            });
        },
        AF_INET6);
    ASSERT_TRUE(server.url().starts_with("http://[::1]:")) << server.url();
    std::vector<std::string> bodies;
    std::size_t opened = 0, reused = 0;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        for (int i = 0; i < 3; ++i) bodies.push_back(co_await fetch_text(session, server.url()));
        opened = session.connections_opened();
        reused = session.connections_reused();
        co_await session.close();
    }());
    server.stop();
    EXPECT_EQ(bodies, (std::vector<std::string>{"r0", "r1", "r2"}));
    EXPECT_EQ(opened, 1u);
    EXPECT_EQ(reused, 2u);
    EXPECT_EQ(server.connections(), 1);
    const std::string authority = server.url().substr(7, server.url().size() - 8);  // "[::1]:P"
    EXPECT_EQ(hosts, (std::vector<std::string>{authority, authority, authority}));
}

TEST_F(AsyncClient, AConnectErrorToAnIpv6LiteralNamesItInBrackets) {
    if (!testing::has_ipv6_loopback()) GTEST_SKIP() << "this machine has no IPv6 loopback (::1)";
    const std::string authority = net::testing::closed_loopback_port(AF_INET6).to_string();
    const std::string url = "http://" + authority + "/";
    std::string message;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        try {
            co_await session.get(url);
        } catch (const ClientConnectionError& e) {
            message = e.what();
        }
        co_await session.close();
    }());
    EXPECT_TRUE(authority.starts_with("[::1]:")) << authority;
    EXPECT_NE(message.find("cannot connect to " + authority + ":"), std::string::npos) << message;
}

TEST_F(AsyncClient, NeverHasMoreThanLimitConnectionsOpen) {
    ScriptedServer server([](int fd, int) {
        serve(fd, [](const ScriptedRequest& r) {
            std::this_thread::sleep_for(5ms);  // let requests pile up in the pool's queue
            return ok_response(r.target());
        });
    });
    std::vector<std::string> bodies;
    std::size_t peak = 0;
    run_test([&]() -> Coro<void> {
        ClientSessionOptions options;
        options.limit = 2;
        ClientSession session(options);
        std::vector<Coro<std::string>> gets;
        for (int i = 0; i < 10; ++i)
            gets.push_back(fetch_text(session, server.url("/n" + std::to_string(i))));
        bodies = co_await gather(std::move(gets));
        peak = session.peak_active_connections();
        co_await session.close();
    }());
    server.stop();
    ASSERT_EQ(bodies.size(), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(bodies[i], "/n" + std::to_string(i));
    EXPECT_EQ(server.max_concurrent(), 2);
    EXPECT_EQ(server.connections(), 2);
    EXPECT_LE(peak, 2u);
}

TEST_F(AsyncClient, NeverHasMoreThanLimitPerHostConnectionsToOneHost) {
    ScriptedServer server([](int fd, int) {
        serve(fd, [](const ScriptedRequest& r) {
            std::this_thread::sleep_for(5ms);
            return ok_response(r.target());
        });
    });
    std::vector<std::string> bodies;
    run_test([&]() -> Coro<void> {
        ClientSessionOptions options;
        options.limit_per_host = 3;
        ClientSession session(options);
        std::vector<Coro<std::string>> gets;
        for (int i = 0; i < 12; ++i)
            gets.push_back(fetch_text(session, server.url("/" + std::to_string(i))));
        bodies = co_await gather(std::move(gets));
        co_await session.close();
    }());
    server.stop();
    ASSERT_EQ(bodies.size(), 12u);
    for (int i = 0; i < 12; ++i) EXPECT_EQ(bodies[i], "/" + std::to_string(i));
    EXPECT_EQ(server.max_concurrent(), 3);
    EXPECT_EQ(server.connections(), 3);
}

TEST_F(AsyncClient, AHostAtItsPerHostLimitDoesNotHoldUpOtherHosts) {
    // Host A answers its first request only once host B has answered. If B's request queued
    // behind A's second one (head-of-line blocking), nothing would ever finish.
    std::atomic<bool> b_answered{false};
    ScriptedServer a([&](int fd, int) {
        serve(fd, [&](const ScriptedRequest&) {
            for (int i = 0; i < 1000 && !b_answered.load(); ++i) std::this_thread::sleep_for(5ms);
            return ok_response("a");
        });
    });
    ScriptedServer b([&](int fd, int) {
        serve(fd, [&](const ScriptedRequest&) {
            b_answered = true;
            return ok_response("b");
        });
    });
    std::vector<std::string> bodies;
    run_test([&]() -> Coro<void> {
        ClientSessionOptions options;
        options.limit_per_host = 1;
        ClientSession session(options);
        std::vector<Coro<std::string>> gets;
        gets.push_back(fetch_text(session, a.url()));
        gets.push_back(fetch_text(session, a.url()));
        gets.push_back(fetch_text(session, b.url()));
        bodies = co_await gather(std::move(gets));
        co_await session.close();
    }());
    a.stop();
    b.stop();
    EXPECT_EQ(bodies, (std::vector<std::string>{"a", "a", "b"}));
    EXPECT_TRUE(b_answered.load());
    EXPECT_EQ(a.max_concurrent(), 1);
}

TEST_F(AsyncClient, AnIdleConnectionIsClosedAfterKeepaliveTimeout) {
    std::atomic<int> closes_seen{0};
    ScriptedServer server([&](int fd, int) {
        serve(fd, [](const ScriptedRequest&) { return ok_response("x"); });
        ++closes_seen;  // read_request saw the client's end of stream
    });
    std::size_t idle_before = 0, idle_after = 0, opened = 0;
    int closes_before_second = 0;
    run_test([&]() -> Coro<void> {
        ClientSessionOptions options;
        options.keepalive_timeout = 100ms;
        ClientSession session(options);
        co_await fetch_text(session, server.url());
        idle_before = session.idle_connections();
        for (int i = 0; i < 1000 && (session.idle_connections() > 0 || closes_seen.load() == 0);
             ++i) {
            co_await sleep(10ms);
        }
        idle_after = session.idle_connections();
        closes_before_second = closes_seen.load();
        co_await fetch_text(session, server.url());
        opened = session.connections_opened();
        co_await session.close();
    }());
    server.stop();
    EXPECT_EQ(idle_before, 1u);
    EXPECT_EQ(idle_after, 0u);
    EXPECT_EQ(closes_before_second, 1);  // the server saw the expired connection close
    EXPECT_EQ(opened, 2u);
    EXPECT_EQ(server.connections(), 2);
}

TEST_F(AsyncClient, AResponseDestroyedUnreadClosesItsConnection) {
    ScriptedServer server([](int fd, int) {
        serve(fd, [](const ScriptedRequest&) { return ok_response("0123456789"); });
    });
    std::size_t opened = 0, reused = 0;
    std::string second;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        { ClientResponse unread = co_await session.get(server.url()); }
        second = co_await fetch_text(session, server.url());
        opened = session.connections_opened();
        reused = session.connections_reused();
        co_await session.close();
    }());
    server.stop();
    EXPECT_EQ(second, "0123456789");
    EXPECT_EQ(opened, 2u);
    EXPECT_EQ(reused, 0u);
    EXPECT_EQ(server.connections(), 2);
}

TEST_F(AsyncClient, ReleaseClosesAConnectionWhoseBodyIsStillComing) {
    ScriptedServer server([](int fd, int index) {
        if (index == 0) {
            read_request(fd);
            write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nfirst bytes");
            wait_for_client_close(fd, 10000);
            return;
        }
        serve(fd, [](const ScriptedRequest&) { return ok_response("second"); });
    });
    std::string second;
    std::size_t opened = 0;
    bool refused_after_release = false;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(server.url());
        r.release();
        try {
            co_await r.read();
        } catch (const InvalidStateError&) {
            refused_after_release = true;
        }
        second = co_await fetch_text(session, server.url());
        opened = session.connections_opened();
        co_await session.close();
    }());
    server.stop();
    EXPECT_TRUE(refused_after_release);
    EXPECT_EQ(second, "second");
    EXPECT_EQ(opened, 2u);
}

TEST_F(AsyncClient, AResponseKeptPastItsLoopIsDestroyedSafely) {
    ScriptedServer server([](int fd, int) {
        read_request(fd);
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
        wait_for_client_close(fd, 10000);
    });
    std::optional<ClientResponse> kept;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        kept = co_await session.get(server.url());
        co_await session.close();
    }());
    EXPECT_EQ(kept->status, 200);
    kept.reset();  // its loop is gone: only bookkeeping happens, nothing is scheduled
}

TEST_F(AsyncClient, ThousandConcurrentGetsFromOneSessionGetTheirOwnBodies) {
    ScriptedServer server([](int fd, int) {
        serve(fd, [](const ScriptedRequest& r) { return ok_response("body of " + r.target()); });
    });
    constexpr int kRequests = 1000;
    std::vector<std::string> bodies;
    std::size_t peak = 0;
    run_test([&]() -> Coro<void> {
        ClientSession session;  // limit 100
        std::vector<Coro<std::string>> gets;
        for (int i = 0; i < kRequests; ++i) {
            gets.push_back(fetch_text(session, server.url("/" + std::to_string(i))));
        }
        bodies = co_await gather(std::move(gets));
        peak = session.peak_active_connections();
        co_await session.close();
    }());
    server.stop();
    ASSERT_EQ(bodies.size(), static_cast<std::size_t>(kRequests));
    int wrong = 0;
    for (int i = 0; i < kRequests; ++i) wrong += bodies[i] != "body of /" + std::to_string(i);
    EXPECT_EQ(wrong, 0);
    EXPECT_LE(server.max_concurrent(), 100);
    EXPECT_LE(peak, 100u);
}

Coro<std::string> post_text(ClientSession& session, std::string url, std::string body) {
    ClientResponse r = co_await session.post(std::move(url), std::move(body));
    co_return co_await r.text();
}

TEST_F(AsyncClient, ThousandMixedRequestsToTheLooplabServerGetTheRightBodies) {
    ServerThread server;  // the demo routes, on a loop and thread of their own
    constexpr int kRequests = 1000;
    std::vector<std::string> expected;
    std::vector<std::string> bodies;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        std::vector<Coro<std::string>> requests;
        for (int i = 0; i < kRequests; ++i) {
            const std::size_t n = static_cast<std::size_t>(i) * 97 % 70'000;
            switch (i % 4) {
                case 0:
                    requests.push_back(
                        fetch_text(session, server.url("/bytes/" + std::to_string(n))));
                    expected.push_back(demo_bytes(n));
                    break;
                case 1:
                    requests.push_back(
                        fetch_text(session, server.url("/chunked/" + std::to_string(n))));
                    expected.push_back(demo_bytes(n));
                    break;
                case 2:
                    requests.push_back(fetch_text(session, server.url("/redirect/2")));
                    expected.push_back("redirected");
                    break;
                default:
                    requests.push_back(
                        post_text(session, server.url("/echo"), "echo " + std::to_string(i)));
                    expected.push_back("echo " + std::to_string(i));
                    break;
            }
        }
        bodies = co_await gather(std::move(requests));
        co_await session.close();
    }());
    server.stop();
    ASSERT_EQ(bodies.size(), expected.size());
    int wrong = 0;
    for (std::size_t i = 0; i < bodies.size(); ++i) wrong += bodies[i] != expected[i];
    EXPECT_EQ(wrong, 0);
}

// ---- Broken bodies --------------------------------------------------------------------------

TEST_F(AsyncClient, ATruncatedBodyIsAPayloadErrorNotAShortSuccess) {
    ScriptedServer server([](int fd, int) {
        read_request(fd);
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this much");
    });
    bool payload_error = false;
    std::size_t idle = 1;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(server.url());
        try {
            co_await r.text();
        } catch (const ClientPayloadError&) {
            payload_error = true;
        }
        idle = session.idle_connections();
        co_await session.close();
    }());
    EXPECT_TRUE(payload_error);
    EXPECT_EQ(idle, 0u);
}

TEST_F(AsyncClient, AResetMidBodyIsAPayloadError) {
    std::atomic<bool> head_received{false};
    ScriptedServer server([&](int fd, int) {
        read_request(fd);
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
        for (int i = 0; i < 2000 && !head_received.load(); ++i) std::this_thread::sleep_for(5ms);
        testing::reset_on_close(fd);  // the close that follows sends RST
    });
    bool payload_error = false;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(server.url());
        head_received = true;
        try {
            co_await r.text();
        } catch (const ClientPayloadError&) {
            payload_error = true;
        }
        co_await session.close();
    }());
    EXPECT_TRUE(payload_error);
}

TEST_F(AsyncClient, AMalformedStatusLineIsAProtocolError) {
    ScriptedServer server([](int fd, int) {
        read_request(fd);
        write_all(fd, "HTTP/1.1 abc Nope\r\n\r\n");
        wait_for_client_close(fd, 5000);
    });
    bool protocol_error = false;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        try {
            co_await session.get(server.url());
        } catch (const ClientProtocolError&) {
            protocol_error = true;
        }
        co_await session.close();
    }());
    EXPECT_TRUE(protocol_error);
}

TEST_F(AsyncClient, AClosedPortIsAConnectionErrorCarryingTheRefusal) {
    const std::string url = "http://" + net::testing::closed_loopback_port().to_string() + "/";
    std::exception_ptr cause;
    bool connection_error = false;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        try {
            co_await session.get(url);
        } catch (const ClientConnectionError& e) {
            connection_error = true;
            cause = e.cause();
        }
        co_await session.close();
    }());
    EXPECT_TRUE(connection_error);
    EXPECT_TRUE(holds<net::ConnectionRefusedError>(cause));
}

// ---- Timeouts -------------------------------------------------------------------------------

TEST_F(AsyncClient, AServerThatNeverAnswersHitsTheSockReadTimeout) {
    ScriptedServer server([](int fd, int) {
        read_request(fd);
        wait_for_client_close(fd, 10000);
    });
    std::optional<Phase> phase;
    run_test([&]() -> Coro<void> {
        ClientSessionOptions options;
        options.timeout.sock_read = 100ms;
        ClientSession session(options);
        try {
            co_await session.get(server.url());
        } catch (const ClientTimeoutError& e) {
            phase = e.phase();
        }
        co_await session.close();
    }());
    ASSERT_TRUE(phase);
    EXPECT_EQ(*phase, Phase::sock_read);
}

TEST_F(AsyncClient, ABodyTrickledOneByteAtATimeHitsTheTotalTimeout) {
    ScriptedServer server([](int fd, int) {
        read_request(fd);
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n");
        for (int i = 0; i < 50; ++i) {
            if (::send(fd, "x", 1, MSG_NOSIGNAL) <= 0) return;  // the client gave up
            std::this_thread::sleep_for(100ms);
        }
    });
    std::optional<Phase> phase;
    run_test([&]() -> Coro<void> {
        ClientSessionOptions options;
        options.timeout.total = 300ms;
        options.timeout.sock_read = 5s;  // never the one that fires: bytes keep coming
        ClientSession session(options);
        try {
            ClientResponse r = co_await session.get(server.url());
            co_await r.text();
        } catch (const ClientTimeoutError& e) {
            phase = e.phase();
        }
        co_await session.close();
    }());
    ASSERT_TRUE(phase);
    EXPECT_EQ(*phase, Phase::total);
}

// A listener whose accept queue is full: the kernel drops further SYNs, so a connect to it
// hangs (as to a host that drops packets) until the client gives up.
struct FullListener {
    net::testing::Listener listener = net::testing::listen_on_loopback(AF_INET, 0);
    net::UniqueFd filler = net::make_socket(AF_INET, SOCK_STREAM, /*non_blocking=*/false);
    FullListener() {
        // Backlog 0 admits one connection; this one fills the queue (nobody accepts it).
        if (::connect(filler.get(), listener.address.data(), listener.address.size()) != 0) {
            ADD_FAILURE() << "filler connect failed";
        }
    }
    std::string url() const { return "http://" + listener.address.to_string() + "/"; }
};

TEST_F(AsyncClient, AConnectThatHangsHitsTheConnectTimeout) {
    FullListener full;
    std::optional<Phase> phase;
    run_test([&]() -> Coro<void> {
        ClientSessionOptions options;
        options.timeout.connect = 100ms;
        ClientSession session(options);
        try {
            co_await session.get(full.url());
        } catch (const ClientTimeoutError& e) {
            phase = e.phase();
        }
        co_await session.close();
    }());
    ASSERT_TRUE(phase);
    EXPECT_EQ(*phase, Phase::connect);
}

TEST_F(AsyncClient, WaitingForAFreeConnectionHitsThePoolTimeout) {
    ScriptedServer server([](int fd, int) {
        serve(fd, [](const ScriptedRequest&) { return ok_response("first"); });
    });
    std::optional<Phase> phase;
    std::string first_body;
    run_test([&]() -> Coro<void> {
        ClientSessionOptions options;
        options.limit = 1;
        options.timeout.connect = 100ms;
        ClientSession session(options);
        ClientResponse holding = co_await session.get(server.url());  // body unread: in use
        try {
            co_await session.get(server.url());
        } catch (const ClientTimeoutError& e) {
            phase = e.phase();
        }
        first_body = co_await holding.text();
        co_await session.close();
    }());
    ASSERT_TRUE(phase);
    EXPECT_EQ(*phase, Phase::pool);
    EXPECT_EQ(first_body, "first");
}

// ---- The stale-connection retry -------------------------------------------------------------

// Connection 0 answers one request, reads the next one and closes without a byte of answer:
// a kept-alive connection the server dropped just as the client reused it. Later connections
// answer normally.
void drop_second_request(int fd, int index) {
    if (index == 0) {
        read_request(fd);
        write_all(fd, ok_response("first"));
        read_request(fd);
        return;  // closed without answering
    }
    serve(fd, [](const ScriptedRequest&) { return ok_response("fresh"); });
}

TEST_F(AsyncClient, RetriesAGetOnceOnAFreshConnectionWhenAKeptAliveOneWasClosed) {
    ScriptedServer server(drop_second_request);
    std::string a, b;
    std::size_t opened = 0;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        a = co_await fetch_text(session, server.url());
        b = co_await fetch_text(session, server.url());
        opened = session.connections_opened();
        co_await session.close();
    }());
    server.stop();
    EXPECT_EQ(a, "first");
    EXPECT_EQ(b, "fresh");
    EXPECT_EQ(opened, 2u);
    EXPECT_EQ(server.connections(), 2);
}

TEST_F(AsyncClient, NeverRetriesAPostOnAClosedKeptAliveConnection) {
    ScriptedServer server(drop_second_request);
    std::string a;
    bool disconnected = false;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.post(server.url(), "one");
        a = co_await r.text();
        try {
            co_await session.post(server.url(), "two");
        } catch (const ServerDisconnectedError&) {
            disconnected = true;
        }
        co_await session.close();
    }());
    server.stop();
    EXPECT_EQ(a, "first");
    EXPECT_TRUE(disconnected);
    EXPECT_EQ(server.connections(), 1);
}

// ---- Redirects ------------------------------------------------------------------------------

TEST_F(AsyncClient, ARedirectLoopStopsAtTheMaximum) {
    std::atomic<int> requests{0};
    ScriptedServer server([&](int fd, int) {
        serve(fd, [&](const ScriptedRequest&) {
            ++requests;
            return std::string(
                "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n");
        });
    });
    bool too_many = false;
    run_test([&]() -> Coro<void> {
        ClientSessionOptions options;
        options.max_redirects = 3;
        ClientSession session(options);
        try {
            co_await session.get(server.url("/loop"));
        } catch (const TooManyRedirects&) {
            too_many = true;
        }
        co_await session.close();
    }());
    server.stop();
    EXPECT_TRUE(too_many);
    EXPECT_EQ(requests.load(), 4);       // the first request and 3 redirects
    EXPECT_EQ(server.connections(), 1);  // each redirect's connection was reused
}

TEST_F(AsyncClient, CredentialsFollowASameOriginRedirectButNotACrossOriginOne) {
    std::vector<ScriptedRequest> seen_elsewhere;
    ScriptedServer elsewhere([&](int fd, int) {
        serve(fd, [&](const ScriptedRequest& r) {
            seen_elsewhere.push_back(r);
            return ok_response("elsewhere");
        });
    });
    std::vector<ScriptedRequest> seen_here;
    const std::string away = elsewhere.url("/landing");
    ScriptedServer here([&](int fd, int) {
        serve(fd, [&](const ScriptedRequest& r) {
            seen_here.push_back(r);
            if (r.target() == "/start") {
                return std::string(
                    "HTTP/1.1 302 Found\r\nLocation: /same\r\nContent-Length: 0\r\n\r\n");
            }
            return "HTTP/1.1 302 Found\r\nLocation: " + away + "\r\nContent-Length: 0\r\n\r\n";
        });
    });
    std::string body;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        Headers headers;
        headers.set("Authorization", "Bearer secret");
        headers.set("Cookie", "session=1");
        ClientResponse r = co_await session.get(here.url("/start"), headers);
        body = co_await r.text();
        co_await session.close();
    }());
    here.stop();
    elsewhere.stop();
    EXPECT_EQ(body, "elsewhere");
    ASSERT_EQ(seen_here.size(), 2u);
    EXPECT_TRUE(seen_here[1].has_header("Authorization")) << seen_here[1].head;  // same origin
    ASSERT_EQ(seen_elsewhere.size(), 1u);
    EXPECT_FALSE(seen_elsewhere[0].has_header("Authorization")) << seen_elsewhere[0].head;
    EXPECT_FALSE(seen_elsewhere[0].has_header("Cookie")) << seen_elsewhere[0].head;
}

TEST_F(AsyncClient, A303AfterAPostIsFollowedWithAGetWithoutBody) {
    std::vector<ScriptedRequest> seen;
    ScriptedServer server([&](int fd, int) {
        serve(fd, [&](const ScriptedRequest& r) {
            seen.push_back(r);
            if (r.method() == "POST") {
                return std::string(
                    "HTTP/1.1 303 See Other\r\nLocation: /result\r\nContent-Length: "
                    "5\r\n\r\nmoved");
            }
            return ok_response(r.method() + " " + r.target() + " body=" + r.body);
        });
    });
    std::string body, final_url, final_method;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.post(server.url("/form"), "data");
        final_url = r.url;
        final_method = r.method;
        body = co_await r.text();
        co_await session.close();
    }());
    server.stop();
    EXPECT_EQ(body, "GET /result body=");
    EXPECT_EQ(final_method, "GET");
    EXPECT_TRUE(final_url.ends_with("/result")) << final_url;
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_FALSE(seen[1].has_header("Content-Length")) << seen[1].head;
    EXPECT_EQ(server.connections(), 1);  // the 303's small body was drained, the connection reused
}

TEST_F(AsyncClient, WithoutAllowRedirectsTheRedirectIsTheResponse) {
    ScriptedServer server([](int fd, int) {
        serve(fd, [](const ScriptedRequest&) {
            return std::string(
                "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n");
        });
    });
    int status = 0;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        RequestOptions options;
        options.allow_redirects = false;
        ClientResponse r = co_await session.request("GET", server.url("/"), {}, {}, options);
        status = r.status;
        co_await session.close();
    }());
    EXPECT_EQ(status, 302);
}

// ---- Cancellation and closing ---------------------------------------------------------------

TEST_F(AsyncClient, CancellingARequestMidwayClosesItsConnection) {
    std::atomic<bool> got_request{false};
    std::atomic<bool> client_closed{false};
    ScriptedServer server([&](int fd, int) {
        read_request(fd);
        got_request = true;
        wait_for_client_close(fd, 10000);
        client_closed = true;
    });
    bool cancelled = false;
    std::size_t active = 1, idle = 1;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        Task<ClientResponse> task = get_running_loop().create_task(session.get(server.url()));
        co_await until(got_request);
        task.cancel();
        try {
            co_await task;
        } catch (const CancelledError&) {
            cancelled = true;
        }
        active = session.active_connections();
        idle = session.idle_connections();
        co_await session.close();
    }());
    server.stop();
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(active, 0u);
    EXPECT_EQ(idle, 0u);
    EXPECT_TRUE(client_closed.load());
}

Coro<std::string> read_body(ClientResponse r) {
    co_return co_await r.text();
}

TEST_F(AsyncClient, CancellingABodyReadClosesTheConnectionInsteadOfReusingIt) {
    ScriptedServer server([](int fd, int index) {
        if (index == 0) {
            read_request(fd);
            write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
            wait_for_client_close(fd, 10000);
            return;
        }
        serve(fd, [](const ScriptedRequest&) { return ok_response("second"); });
    });
    bool cancelled = false;
    std::string second;
    std::size_t opened = 0, reused = 0;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(server.url());
        Task<std::string> reading = get_running_loop().create_task(read_body(std::move(r)));
        co_await sleep(20ms);  // (not a timing assertion: cancelling earlier must work too)
        reading.cancel();
        try {
            co_await reading;
        } catch (const CancelledError&) {
            cancelled = true;
        }
        second = co_await fetch_text(session, server.url());
        opened = session.connections_opened();
        reused = session.connections_reused();
        co_await session.close();
    }());
    server.stop();
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(second, "second");
    EXPECT_EQ(opened, 2u);
    EXPECT_EQ(reused, 0u);
}

TEST_F(AsyncClient, AClosedSessionRefusesRequests) {
    bool refused = false;
    run_test([&]() -> Coro<void> {
        ClientSession session;
        co_await session.close();
        try {
            co_await session.get("http://127.0.0.1:9/");
        } catch (const InvalidStateError&) {
            refused = true;
        }
    }());
    EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace looplab::http
