// tests/http/cookie_jar_test.cpp: CookieJar against RFC 6265's storage and sending rules, its
// Netscape cookie file, and both clients carrying cookies across redirects and hosts.
#include "http/client/cookie_jar.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "http/client/blocking_client.hpp"
#include "http/client/client_session.hpp"
#include "http/support/request_reader.hpp"
#include "http/support/scripted_server.hpp"
#include "net/support/fd_leak_check.hpp"
#include "runtime/run.hpp"

namespace looplab::http {
namespace {

using namespace std::chrono_literals;
using Clock = CookieJar::Clock;
using testing::ok_response;
using testing::read_request;
using testing::ScriptedServer;
using testing::write_all;

// 2026-01-01 00:00:00 UTC, a fixed "now".
const Clock::time_point kNow = Clock::time_point(std::chrono::seconds(1767225600));

Url url(std::string_view text) {
    return Url::parse(text);
}

TEST(CookieDate, ParsesTheSpellingsServersUse) {
    const auto expected = Clock::time_point(std::chrono::seconds(1445412480));  // 2015-10-21 07:28
    EXPECT_EQ(parse_cookie_date("Wed, 21 Oct 2015 07:28:00 GMT"), expected);
    EXPECT_EQ(parse_cookie_date("Wednesday, 21-Oct-15 07:28:00 GMT"), expected);
    EXPECT_EQ(parse_cookie_date("Wed Oct 21 07:28:00 2015"), expected);
    EXPECT_EQ(parse_cookie_date("21 october 2015 7:28:0"), expected);
    EXPECT_EQ(parse_cookie_date("Thu, 01 Jan 1970 00:00:00 GMT"), Clock::time_point{});
    EXPECT_FALSE(parse_cookie_date("tomorrow"));
    EXPECT_FALSE(parse_cookie_date("Wed, 32 Oct 2015 07:28:00 GMT"));
    EXPECT_FALSE(parse_cookie_date("Wed, 21 Oct 2015 25:28:00 GMT"));
    EXPECT_FALSE(parse_cookie_date("Wed, 21 Oct 1600 07:28:00 GMT"));
}

TEST(CookieRules, DomainAndPathMatchAsSection51Says) {
    EXPECT_TRUE(domain_match("www.example.com", "example.com"));
    EXPECT_TRUE(domain_match("example.com", "example.com"));
    EXPECT_FALSE(domain_match("badexample.com", "example.com"));
    EXPECT_FALSE(domain_match("example.com", "www.example.com"));
    EXPECT_FALSE(domain_match("1.2.3.4", "2.3.4"));
    EXPECT_TRUE(path_match("/docs/a", "/docs"));
    EXPECT_TRUE(path_match("/docs/", "/docs/"));
    EXPECT_TRUE(path_match("/docs", "/docs"));
    EXPECT_FALSE(path_match("/docsx", "/docs"));
    EXPECT_FALSE(path_match("/", "/docs"));
    EXPECT_EQ(default_cookie_path("/a/b/c"), "/a/b");
    EXPECT_EQ(default_cookie_path("/a"), "/");
    EXPECT_EQ(default_cookie_path("/"), "/");
}

TEST(CookieJar, AHostOnlyCookieGoesToItsHostOnly) {
    CookieJar jar;
    EXPECT_TRUE(jar.set_cookie(url("http://example.com/"), "a=1", kNow));
    EXPECT_EQ(jar.cookie_header(url("http://example.com/x"), kNow), "a=1");
    EXPECT_EQ(jar.cookie_header(url("http://EXAMPLE.com:8080/x"), kNow), "a=1");
    EXPECT_EQ(jar.cookie_header(url("http://www.example.com/"), kNow), "");
    EXPECT_EQ(jar.cookie_header(url("http://other.com/"), kNow), "");
}

TEST(CookieJar, ADomainCookieGoesToSubdomainsButOnlyForItsOwnParent) {
    CookieJar jar;
    EXPECT_TRUE(jar.set_cookie(url("http://www.example.com/"), "d=1; Domain=.Example.com", kNow));
    EXPECT_EQ(jar.cookie_header(url("http://example.com/"), kNow), "d=1");
    EXPECT_EQ(jar.cookie_header(url("http://a.b.example.com/"), kNow), "d=1");
    // Not for a sibling, not for a top-level domain, not for an unrelated host.
    EXPECT_FALSE(
        jar.set_cookie(url("http://www.example.com/"), "x=1; Domain=other.example.com", kNow));
    EXPECT_FALSE(jar.set_cookie(url("http://www.example.com/"), "x=1; Domain=com", kNow));
    EXPECT_FALSE(jar.set_cookie(url("http://www.example.com/"), "x=1; Domain=evil.com", kNow));
    EXPECT_TRUE(jar.set_cookie(url("http://localhost/"), "l=1; Domain=localhost", kNow));
    EXPECT_EQ(jar.size(), 2u);
}

TEST(CookieJar, PathsDefaultToTheDirectoryAndLongerPathsComeFirst) {
    CookieJar jar;
    jar.set_cookie(url("http://h/docs/page"), "dir=1", kNow);  // path /docs
    jar.set_cookie(url("http://h/"), "root=1; Path=/", kNow);
    jar.set_cookie(url("http://h/"), "deep=1; Path=/docs/api", kNow + 1s);
    EXPECT_EQ(jar.cookie_header(url("http://h/docs/api/x"), kNow + 2s), "deep=1; dir=1; root=1");
    EXPECT_EQ(jar.cookie_header(url("http://h/docs"), kNow + 2s), "dir=1; root=1");
    EXPECT_EQ(jar.cookie_header(url("http://h/other"), kNow + 2s), "root=1");
}

TEST(CookieJar, MaxAgeWinsOverExpiresAndThePastDeletes) {
    CookieJar jar;
    jar.set_cookie(url("http://h/"), "m=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                   kNow);
    jar.set_cookie(url("http://h/"), "e=1; Expires=Fri, 02 Jan 2026 00:00:00 GMT", kNow);
    jar.set_cookie(url("http://h/"), "s=1", kNow);
    EXPECT_EQ(jar.cookie_header(url("http://h/"), kNow + 30s), "m=1; e=1; s=1");
    EXPECT_EQ(jar.cookie_header(url("http://h/"), kNow + 61s), "e=1; s=1");
    EXPECT_EQ(jar.cookie_header(url("http://h/"), kNow + 48h), "s=1");
    // Max-Age=0 deletes at once; m is still there at kNow (it expires at kNow + 60 s).
    jar.set_cookie(url("http://h/"), "s=gone; Max-Age=0", kNow);
    EXPECT_EQ(jar.cookie_header(url("http://h/"), kNow), "m=1; e=1");
    // A bad Max-Age is ignored, not taken as zero.
    jar.set_cookie(url("http://h/"), "b=1; Max-Age=soon", kNow);
    EXPECT_EQ(jar.cookie_header(url("http://h/"), kNow + 61s), "e=1; b=1");
}

TEST(CookieJar, SecureCookiesAreNotSentOverPlainHttpAndTheFlagsAreKept) {
    CookieJar jar;
    jar.set_cookie(url("http://h/"), "sec=1; Secure; HttpOnly; SameSite=Lax", kNow);
    jar.set_cookie(url("http://h/"), "plain=1", kNow);
    EXPECT_EQ(jar.cookie_header(url("http://h/"), kNow), "plain=1");
    const std::vector<Cookie> all = jar.cookies(kNow);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_TRUE(all[0].secure);
    EXPECT_TRUE(all[0].http_only);
    EXPECT_EQ(all[0].same_site, "Lax");
}

TEST(CookieJar, ANewValueReplacesTheOldAndBadSetCookiesAreIgnored) {
    CookieJar jar;
    jar.set_cookie(url("http://h/"), "a=1", kNow);
    jar.set_cookie(url("http://h/"), "a=2", kNow);
    EXPECT_EQ(jar.cookie_header(url("http://h/"), kNow), "a=2");
    EXPECT_FALSE(jar.set_cookie(url("http://h/"), "novalue", kNow));
    EXPECT_FALSE(jar.set_cookie(url("http://h/"), "=1", kNow));
    EXPECT_TRUE(jar.set_cookie(url("http://h/"), "big=" + std::string(8 * 1024, 'x'), kNow));
    EXPECT_FALSE(jar.set_cookie(url("http://h/"), "huge=" + std::string(17 * 1024, 'x'), kNow));
    EXPECT_EQ(jar.size(), 2u);
}

TEST(CookieJar, TheNetscapeFileRoundTripsAsCurlWritesIt) {
    CookieJar jar;
    jar.set_cookie(url("http://www.example.com/"), "d=1; Domain=example.com; Path=/p; Max-Age=3600",
                   kNow);
    jar.set_cookie(url("http://h/"), "s=2; HttpOnly", kNow);
    std::ostringstream out;
    jar.save(out, kNow);
    const std::string text = out.str();
    EXPECT_NE(text.find(".example.com\tTRUE\t/p\tFALSE\t1767229200\td\t1\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("#HttpOnly_h\tFALSE\t/\tFALSE\t0\ts\t2\n"), std::string::npos) << text;

    CookieJar loaded;
    std::istringstream in(text);
    loaded.load(in, "test", kNow);
    EXPECT_EQ(loaded.cookie_header(url("http://a.example.com/p/q"), kNow), "d=1");
    EXPECT_EQ(loaded.cookie_header(url("http://h/"), kNow), "s=2");
    EXPECT_TRUE(loaded.cookies(kNow)[1].http_only);
    // Expired lines are skipped; a line that is not a cookie is an error naming it.
    std::istringstream expired("h\tFALSE\t/\tFALSE\t1\told\tv\n");
    loaded.load(expired, "test", kNow);
    EXPECT_EQ(loaded.size(), 2u);
    std::istringstream bad("# comment\n\nh\tFALSE\t/\n");
    try {
        loaded.load(bad, "jar.txt", kNow);
        ADD_FAILURE() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("jar.txt line 3"), std::string::npos) << e.what();
    }
}

// ---- Both clients ----------------------------------------------------------------------------

// /set sets a host-only cookie and a path one, then redirects to /check on the same host and
// then to `other` (another host name for the same server), which must get no cookie at all.
class CookieServer : public net::testing::NoFdLeaks {
protected:
    CookieServer()
        : server_([this](int fd, int) {
              while (auto request = read_request(fd)) {
                  const std::string target = request->target();
                  const std::size_t at = request->head.find("\r\nCookie: ");
                  const std::string cookie =
                      at == std::string::npos
                          ? "-"
                          : request->head.substr(at + 10,
                                                 request->head.find("\r\n", at + 2) - at - 10);
                  {
                      std::lock_guard lock(mutex_);
                      seen_.push_back(target + " " + cookie);
                  }
                  if (target == "/set") {
                      write_all(fd,
                                "HTTP/1.1 302 Found\r\nSet-Cookie: k=v; Path=/\r\n"
                                "Set-Cookie: only=here; Path=/set\r\nLocation: /check\r\n"
                                "Content-Length: 0\r\n\r\n");
                  } else if (target == "/check") {
                      write_all(fd, "HTTP/1.1 302 Found\r\nLocation: " + other_ +
                                        "\r\nContent-Length: 0\r\n\r\n");
                  } else {
                      write_all(fd, ok_response(cookie));
                  }
              }
          }) {
        const std::string base = server_.url();
        other_ = "http://localhost:" + base.substr(base.rfind(':') + 1) + "elsewhere";
    }

    std::vector<std::string> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    // The server's connection threads close their descriptors as the clients hang up: join
    // them before counting descriptors, or the count races with the last close.
    void TearDown() override {
        server_.stop();
        NoFdLeaks::TearDown();
    }

    ScriptedServer server_;
    std::string other_;
    std::mutex mutex_;
    std::vector<std::string> seen_;
    const std::vector<std::string> expected_{"/set -", "/check k=v", "/elsewhere -"};
};

TEST_F(CookieServer, TheBlockingClientCarriesCookiesAcrossRedirectsButNotToAnotherHost) {
    blocking::Session session;
    EXPECT_EQ(session.get(server_.url("/set")).body, "-");
    EXPECT_EQ(seen(), expected_);
    EXPECT_EQ(session.cookie_jar().size(), 2u);
    // The next request of the session carries the jar too.
    EXPECT_EQ(session.get(server_.url("/show")).body, "k=v");
}

TEST_F(CookieServer, ClientSessionCarriesCookiesAcrossRedirectsButNotToAnotherHost) {
    std::string body;
    std::string again;
    looplab::run([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(server_.url("/set"));
        body = co_await r.text();
        Headers own;  // named, not braced inside the co_await (g++ 12, CONTRIBUTING.md)
        own.add("Cookie", "mine=1");
        ClientResponse r2 = co_await session.get(server_.url("/show"), std::move(own));
        again = co_await r2.text();
        co_await session.close();
    }());
    EXPECT_EQ(body, "-");
    std::vector<std::string> expected = expected_;
    expected.push_back("/show mine=1; k=v");
    EXPECT_EQ(seen(), expected);
    // A Cookie header of the request's own comes first, the jar's after it, in one field.
    EXPECT_EQ(again, "mine=1; k=v");
}

}  // namespace
}  // namespace looplab::http
