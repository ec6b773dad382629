// tests/http/redirect_resolution_test.cpp: both clients follow a Location the way RFC 3986 5.2
// resolves it (url.hpp): a "://" inside the query, a query-only reference, dot segments, and
// an internationalized host name.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "http/client/blocking_client.hpp"
#include "http/client/client_session.hpp"
#include "http/idna/idna.hpp"
#include "http/support/request_reader.hpp"
#include "http/support/scripted_server.hpp"
#include "net/support/fd_leak_check.hpp"
#include "runtime/run.hpp"

namespace looplab::http {
namespace {

using testing::ok_response;
using testing::read_request;
using testing::ScriptedServer;
using testing::write_all;

std::string redirect_to(std::string_view location) {
    return "HTTP/1.1 302 Found\r\nLocation: " + std::string(location) +
           "\r\nContent-Length: 0\r\n\r\n";
}

// /dir/page?x=1 -> ?q=1 -> ../up/./x -> /anything?next=http://example.com/ -> 200, and every
// target the client asked for, in order.
class RedirectChain : public net::testing::NoFdLeaks {
protected:
    ScriptedServer server_{[this](int fd, int) {
        while (auto request = read_request(fd)) {
            const std::string target = request->target();
            {
                std::lock_guard lock(mutex_);
                targets_.push_back(target);
            }
            if (target == "/dir/page?x=1") {
                write_all(fd, redirect_to("?q=1"));
            } else if (target == "/dir/page?q=1") {
                write_all(fd, redirect_to("../up/./x"));
            } else if (target == "/up/x") {
                write_all(fd, redirect_to("/anything?next=http://example.com/"));
            } else {
                write_all(fd, ok_response(target));
            }
        }
    }};
    std::mutex mutex_;
    std::vector<std::string> targets_;

    // The server's connection threads close their descriptors as the client hangs up: join
    // them before counting descriptors, or the count races with the last close.
    void TearDown() override {
        server_.stop();
        NoFdLeaks::TearDown();
    }

    const std::vector<std::string> expected_{"/dir/page?x=1", "/dir/page?q=1", "/up/x",
                                             "/anything?next=http://example.com/"};
};

TEST_F(RedirectChain, TheBlockingClientResolvesEachLocationByRfc3986) {
    blocking::Session session;
    const blocking::Response r = session.get(server_.url("/dir/page?x=1"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "/anything?next=http://example.com/");
    EXPECT_EQ(r.url, server_.url("/anything?next=http://example.com/"));
    std::lock_guard lock(mutex_);
    EXPECT_EQ(targets_, expected_);
}

TEST_F(RedirectChain, ClientSessionResolvesEachLocationByRfc3986) {
    std::string body;
    std::string url;
    looplab::run([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(server_.url("/dir/page?x=1"));
        url = r.url;
        body = co_await r.text();
        co_await session.close();
    }());
    EXPECT_EQ(body, "/anything?next=http://example.com/");
    EXPECT_EQ(url, server_.url("/anything?next=http://example.com/"));
    std::lock_guard lock(mutex_);
    EXPECT_EQ(targets_, expected_);
}

TEST_F(RedirectChain, ClientSessionAppendsParamsFormEncodedToTheQuery) {
    std::string body;
    looplab::run([&]() -> Coro<void> {
        ClientSession session;
        RequestOptions options;
        options.params = {{"q", "a b&c"}, {"page", "2"}};
        std::string url = server_.url("/search?x=1");
        Headers headers;  // named: no braced temporary inside a co_await (g++ 12)
        std::string no_body;
        ClientResponse r = co_await session.request("GET", std::move(url), std::move(headers),
                                                    std::move(no_body), std::move(options));
        body = co_await r.text();
        co_await session.close();
    }());
    EXPECT_EQ(body, "/search?x=1&q=a+b%26c&page=2");
}

TEST(Idna, ANonAsciiHostIsConvertedToPunycodeOrTheErrorSaysWhatToInstall) {
    if (!has_idna()) {
        try {
            parse_url(
                "http://b\xc3\xbc"
                "cher.example/");
            ADD_FAILURE() << "no InvalidUrl";
        } catch (const InvalidUrl& e) {
            EXPECT_NE(std::string(e.what()).find("libidn2-dev"), std::string::npos) << e.what();
        }
        return;
    }
    const Url url = parse_url(
        "http://B\xc3\xbc"
        "cher.example:8080/caf\xc3\xa9");
    EXPECT_EQ(url.host(), "xn--bcher-kva.example");
    EXPECT_EQ(url.host_header(), "xn--bcher-kva.example:8080");
    EXPECT_EQ(url.path(), "/caf%C3%A9");
    EXPECT_EQ(parse_url("http://plain.example/").host(), "plain.example");
    EXPECT_THROW(parse_url("http://a\xe2\x80\x8b\xff.example/"), InvalidUrl);
}

}  // namespace
}  // namespace looplab::http
