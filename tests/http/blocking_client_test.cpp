// tests/http/blocking_client_test.cpp: the blocking client against well- and ill-behaved servers.
#include "http/client/blocking_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/support/request_reader.hpp"
#include "http/support/scripted_server.hpp"
#include "net/support/fd_leak_check.hpp"
#include "net/support/loopback.hpp"

namespace looplab::http {
namespace {

using namespace std::chrono_literals;
using testing::ok_response;
using testing::read_request;
using testing::read_request_head;
using testing::ScriptedRequest;
using testing::ScriptedServer;
using testing::write_all;

class BlockingClient : public net::testing::NoFdLeaks {};

TEST_F(BlockingClient, GetsAContentLengthBody) {
    std::string seen_request;
    ScriptedServer server([&](int fd, int) {
        seen_request = read_request_head(fd);
        write_all(fd, ok_response("Hello World!"));
    });
    blocking::Response r = blocking::get(server.url("/hello?x=1"));
    server.stop();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.text(), "Hello World!");
    EXPECT_TRUE(seen_request.starts_with("GET /hello?x=1 HTTP/1.1\r\n")) << seen_request;
    EXPECT_NE(seen_request.find("Host: 127.0.0.1:"), std::string::npos) << seen_request;
}

TEST_F(BlockingClient, DecodesAChunkedBody) {
    ScriptedServer server([](int fd, int) {
        read_request_head(fd);
        write_all(fd,
                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nHello\r\n7;ext=1\r\n World!\r\n0\r\nX-Trailer: yes\r\n\r\n");
    });
    EXPECT_EQ(blocking::get(server.url()).body, "Hello World!");
}

TEST_F(BlockingClient, SessionReusesOneConnectionForSequentialRequests) {
    ScriptedServer server([](int fd, int) {
        for (int i = 0; i < 3; ++i) {
            if (read_request_head(fd).empty()) return;
            write_all(fd, ok_response("r" + std::to_string(i)));
        }
    });
    blocking::Session session;
    EXPECT_EQ(session.get(server.url()).body, "r0");
    EXPECT_EQ(session.get(server.url()).body, "r1");
    EXPECT_EQ(session.get(server.url()).body, "r2");
    EXPECT_EQ(session.connections_opened(), 1u);
    EXPECT_EQ(server.connections(), 1);
    session.close();
}

// The pool's key for "http://[::1]:PORT/" is origin_key's "[::1]:PORT" (it was built without
// the brackets here, and with them in ClientSession's pool): every request to an IPv6 literal
// URL must find the connection the one before it left idle.
TEST_F(BlockingClient, SessionReusesOneConnectionToAnIpv6LiteralUrl) {
    if (!testing::has_ipv6_loopback()) GTEST_SKIP() << "this machine has no IPv6 loopback (::1)";
    std::vector<std::string> heads;
    ScriptedServer server(
        [&](int fd, int) {
            for (int i = 0; i < 3; ++i) {
                std::string head = read_request_head(fd);
                if (head.empty()) return;
                heads.push_back(std::move(head));
                write_all(fd, ok_response("r" + std::to_string(i)));
            }
        },
        AF_INET6);
    ASSERT_TRUE(server.url().starts_with("http://[::1]:")) << server.url();
    blocking::Session session;
    EXPECT_EQ(session.get(server.url("/a")).body, "r0");
    EXPECT_EQ(session.get(server.url("/b")).body, "r1");
    EXPECT_EQ(session.get(server.url("/c")).body, "r2");
    EXPECT_EQ(session.connections_opened(), 1u);
    EXPECT_EQ(session.idle_connections(), 1u);
    session.close();
    server.stop();
    EXPECT_EQ(server.connections(), 1);
    ASSERT_EQ(heads.size(), 3u);
    const std::string host = "Host: " + server.url().substr(7, server.url().size() - 8) + "\r\n";
    for (const std::string& head : heads) EXPECT_NE(head.find(host), std::string::npos) << head;
}

TEST_F(BlockingClient, RetriesOnceOnAFreshConnectionWhenAKeptAliveOneWasClosed) {
    // Each connection answers one request and then closes without saying so (no
    // "Connection: close"): the client's second request finds the idle connection dead.
    ScriptedServer server([](int fd, int index) {
        read_request_head(fd);
        write_all(fd, ok_response("answer " + std::to_string(index)));
    });
    blocking::Session session;
    EXPECT_EQ(session.get(server.url()).body, "answer 0");
    std::this_thread::sleep_for(50ms);  // let the server's close arrive (not a timing assertion)
    EXPECT_EQ(session.get(server.url()).body, "answer 1");
    EXPECT_EQ(server.connections(), 2);
    session.close();
}

TEST_F(BlockingClient, NeverRetriesAPostOnAStaleConnection) {
    ScriptedServer server([](int fd, int) {
        read_request_head(fd);
        write_all(fd, ok_response("first"));
    });
    blocking::Session session;
    EXPECT_EQ(session.post(server.url(), "a").body, "first");
    std::this_thread::sleep_for(50ms);
    EXPECT_THROW(session.post(server.url(), "b"), ServerDisconnectedError);
    EXPECT_EQ(server.connections(), 1);
}

TEST_F(BlockingClient, ATruncatedBodyIsAPayloadErrorNotAShortSuccess) {
    ScriptedServer server([](int fd, int) {
        read_request_head(fd);
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this much");
    });
    EXPECT_THROW(blocking::get(server.url()), ClientPayloadError);
}

TEST_F(BlockingClient, AResetMidBodyIsAPayloadError) {
    ScriptedServer server([](int fd, int) {
        read_request_head(fd);
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
        testing::reset_on_close(fd);
    });
    EXPECT_THROW(blocking::get(server.url()), ClientPayloadError);
}

TEST_F(BlockingClient, AServerThatNeverAnswersHitsTheReadTimeout) {
    ScriptedServer server([](int fd, int) {
        read_request_head(fd);
        testing::wait_for_client_close(fd, 5000);
    });
    blocking::Options options;
    options.read_timeout = 200ms;
    try {
        blocking::get(server.url(), options);
        FAIL() << "expected a timeout";
    } catch (const ClientTimeoutError& e) {
        EXPECT_EQ(e.phase(), ClientTimeoutError::Phase::sock_read);
    }
}

TEST_F(BlockingClient, AClosedPortIsAConnectionError) {
    const net::SocketAddress closed = net::testing::closed_loopback_port();
    EXPECT_THROW(blocking::get("http://" + closed.to_string() + "/"), ClientConnectionError);
}

TEST_F(BlockingClient, AMalformedStatusLineIsAProtocolErrorNamingTheProblem) {
    ScriptedServer server([](int fd, int) {
        read_request_head(fd);
        write_all(fd, "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n");
    });
    try {
        blocking::get(server.url());
        FAIL() << "expected a protocol error";
    } catch (const ClientProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("status"), std::string::npos) << e.what();
    }
}

TEST_F(BlockingClient, FollowsRedirectsAndTurnsA303PostIntoAGet) {
    std::string second_request;
    ScriptedServer server([&](int fd, int index) {
        std::string head = read_request_head(fd);
        if (index == 0) {
            write_all(fd,
                      "HTTP/1.1 303 See Other\r\nLocation: /next\r\nContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n");
        } else {
            second_request = head;
            write_all(fd, ok_response("landed"));
        }
    });
    blocking::Response r = blocking::request("POST", server.url("/start"), {}, "payload");
    server.stop();
    EXPECT_EQ(r.body, "landed");
    EXPECT_TRUE(second_request.starts_with("GET /next HTTP/1.1")) << second_request;
    EXPECT_TRUE(r.url.ends_with("/next"));
}

TEST_F(BlockingClient, CredentialsAreDroppedWhenARedirectLeadsToAnotherOrigin) {
    std::string seen_elsewhere;
    ScriptedServer elsewhere([&](int fd, int) {
        seen_elsewhere = read_request_head(fd);
        write_all(fd, ok_response("elsewhere"));
    });
    std::string seen_same;
    const std::string away = elsewhere.url("/landing");
    ScriptedServer here([&](int fd, int index) {
        std::string head = read_request_head(fd);
        if (index == 0) {
            write_all(fd,
                      "HTTP/1.1 302 Found\r\nLocation: /same\r\nContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n");
        } else {
            seen_same = head;
            write_all(fd, "HTTP/1.1 302 Found\r\nLocation: " + away +
                              "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    Headers headers;
    headers.set("Authorization", "Bearer secret");
    headers.set("Cookie", "session=1");
    blocking::Response r = blocking::request("GET", here.url("/start"), headers);
    here.stop();
    elsewhere.stop();
    EXPECT_EQ(r.body, "elsewhere");
    EXPECT_NE(seen_same.find("Authorization: Bearer secret"), std::string::npos) << seen_same;
    EXPECT_EQ(seen_elsewhere.find("Authorization"), std::string::npos) << seen_elsewhere;
    EXPECT_EQ(seen_elsewhere.find("Cookie"), std::string::npos) << seen_elsewhere;
}

TEST_F(BlockingClient, ARedirectLoopStopsAtTheMaximum) {
    ScriptedServer server([](int fd, int) {
        while (!read_request_head(fd).empty()) {
            write_all(fd, "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n");
        }
    });
    blocking::Options options;
    options.max_redirects = 3;
    blocking::Session session(options);
    EXPECT_THROW(session.get(server.url()), TooManyRedirects);
    session.close();
}

TEST_F(BlockingClient, RaiseForStatusThrowsForErrorsOnly) {
    ScriptedServer server([](int fd, int) {
        read_request_head(fd);
        write_all(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope");
    });
    blocking::Response r = blocking::get(server.url());
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "nope");
    try {
        r.raise_for_status();
        FAIL();
    } catch (const ClientResponseError& e) {
        EXPECT_EQ(e.status(), 404);
    }
}

TEST_F(BlockingClient, ASharedSessionIsSafeAcrossThreads) {
    ScriptedServer server([](int fd, int) {
        while (!read_request_head(fd).empty()) write_all(fd, ok_response("ok"));
    });
    blocking::Session session;
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) ok += session.get(server.url()).body == "ok";
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 40);
    EXPECT_LE(session.connections_opened(), 4u);
    session.close();
}

// ---- Issue 18: as safe as ClientSession ------------------------------------------------------

TEST_F(BlockingClient, SendsUserAgentAndAcceptUnlessTheRequestGivesItsOwn) {
    std::vector<ScriptedRequest> seen;
    std::mutex seen_mutex;
    ScriptedServer server([&](int fd, int) {
        while (std::optional<ScriptedRequest> request = read_request(fd)) {
            {
                std::lock_guard lock(seen_mutex);
                seen.push_back(*request);
            }
            write_all(fd, ok_response("ok"));
        }
    });
    blocking::Options options;
    options.headers.set("X-Session", "1");
    blocking::Session session(options);
    session.get(server.url());
    session.get(server.url(), Headers{{"User-Agent", "mine/2"}, {"Accept", "text/plain"}});
    session.close();
    server.stop();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_NE(seen[0].head.find("\r\nUser-Agent: looplab/0.1"), std::string::npos) << seen[0].head;
    EXPECT_NE(seen[0].head.find("\r\nAccept: */*"), std::string::npos) << seen[0].head;
    EXPECT_NE(seen[0].head.find("\r\nX-Session: 1"), std::string::npos) << seen[0].head;
    EXPECT_NE(seen[1].head.find("\r\nUser-Agent: mine/2"), std::string::npos) << seen[1].head;
    EXPECT_EQ(seen[1].head.find("looplab/0.1"), std::string::npos) << seen[1].head;
    EXPECT_NE(seen[1].head.find("\r\nAccept: text/plain"), std::string::npos) << seen[1].head;
}

// requests.get and lab-get --blocking: the hops of one request to one server share its
// kept-alive connection (the server counts its accepts).
TEST_F(BlockingClient, RedirectHopsToTheSameServerReuseOneConnection) {
    ScriptedServer server([](int fd, int) {
        while (std::optional<ScriptedRequest> request = read_request(fd)) {
            if (request->target() == "/end") {
                write_all(fd, ok_response("landed"));
            } else {
                const std::string next = request->target() == "/start" ? "/middle" : "/end";
                write_all(fd, "HTTP/1.1 302 Found\r\nLocation: " + next +
                                  "\r\nContent-Length: 5\r\n\r\nmoved");
            }
        }
    });
    blocking::Response r = blocking::get(server.url("/start"));
    server.stop();
    EXPECT_EQ(r.body, "landed");
    EXPECT_EQ(server.connections(), 1);
}

// The read timeout in ClientSession's words (client_timeout.hpp), said once.
TEST_F(BlockingClient, AReadTimeoutIsReportedInClientSessionsWords) {
    ScriptedServer server([](int fd, int) {
        read_request_head(fd);
        testing::wait_for_client_close(fd, 5000);
    });
    blocking::Options options;
    options.read_timeout = 200ms;
    try {
        blocking::get(server.url(), options);
        FAIL() << "expected a timeout";
    } catch (const ClientTimeoutError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "timed out waiting for the response from " + server.url() +
                      ": the sock_read timeout of 200 ms passed (phase: waiting for the server "
                      "to send data)");
    }
}

TEST_F(BlockingClient, TheTotalTimeoutCoversEveryHopAndNamesItsPhase) {
    // Each hop answers within the read timeout; the hops together outlast the total.
    ScriptedServer server([](int fd, int) {
        while (read_request(fd)) {
            std::this_thread::sleep_for(60ms);
            write_all(fd, "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n");
        }
    });
    blocking::Options options;
    options.read_timeout = 1000ms;
    options.total_timeout = 300ms;
    options.max_redirects = 100;
    try {
        blocking::get(server.url(), options);
        FAIL() << "expected a timeout";
    } catch (const ClientTimeoutError& e) {
        EXPECT_EQ(e.phase(), ClientTimeoutError::Phase::total) << e.what();
        EXPECT_NE(std::string(e.what()).find("the total timeout of 300 ms passed"),
                  std::string::npos)
            << e.what();
    }
}

TEST_F(BlockingClient, TheDefaultOptionsCapTheBufferedBody) {
    EXPECT_EQ(blocking::Options{}.limits.max_body_size, blocking::kDefaultMaxBodySize);
    blocking::Options options;
    options.limits.max_body_size = 4;
    ScriptedServer server([](int fd, int) {
        read_request_head(fd);
        write_all(fd,
                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef"
                  "\r\n0\r\n\r\n");
    });
    EXPECT_THROW(blocking::get(server.url(), options), ClientPayloadError);
}

}  // namespace
}  // namespace looplab::http
