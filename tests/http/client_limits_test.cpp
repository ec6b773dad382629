// tests/http/client_limits_test.cpp: the response head limits real sites need (issue 18 item 7):
// 120 header fields and an 8 KiB Set-Cookie, accepted by ClientSession's defaults and by the
// blocking client given ParserLimits::for_responses(), and a limit a user lowers still refusing
// with a message that names it.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "http/client/blocking_client.hpp"
#include "http/client/client_errors.hpp"
#include "http/client/client_session.hpp"
#include "http/proto/limits.hpp"
#include "http/support/request_reader.hpp"
#include "http/support/scripted_server.hpp"
#include "net/support/fd_leak_check.hpp"
#include "runtime/run.hpp"

namespace looplab::http {
namespace {

const std::string kCookieValue(8 * 1024, 'c');

// 120 fields (X-Field-0 .. X-Field-117, the cookie, Content-Length) and the body "ok".
std::string big_head_response() {
    std::string out = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 118; ++i) out += "X-Field-" + std::to_string(i) + ": value\r\n";
    out += "Set-Cookie: big=" + kCookieValue + "; Path=/\r\n";
    out += "Content-Length: 2\r\n\r\nok";
    return out;
}

class BigHeads : public net::testing::NoFdLeaks {
protected:
    void TearDown() override {
        server_.stop();
        NoFdLeaks::TearDown();
    }
    testing::ScriptedServer server_{[](int fd, int) {
        while (testing::read_request(fd)) testing::write_all(fd, big_head_response());
    }};
};

TEST(ResponseLimits, ClientDefaultsAreWhatBrowsersAcceptAndStillBounded) {
    const ParserLimits limits = ParserLimits::for_responses();
    EXPECT_EQ(limits.max_line_size, 16u * 1024);
    EXPECT_EQ(limits.max_header_count, 256u);
    EXPECT_EQ(limits.max_head_size, 256u * 1024);
    EXPECT_EQ(ClientSessionOptions{}.limits.max_header_count, 256u);
}

TEST_F(BigHeads, ClientSessionTakes120FieldsAndAn8KiBCookieByDefault) {
    std::string body;
    std::size_t fields = 0;
    std::string cookie;
    looplab::run([&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(server_.url());
        fields = r.headers.size();
        body = co_await r.text();
        cookie = session.cookie_jar().cookie_header(Url::parse(server_.url()));
        co_await session.close();
    }());
    EXPECT_EQ(body, "ok");
    EXPECT_EQ(fields, 120u);
    EXPECT_EQ(cookie, "big=" + kCookieValue);
}

TEST_F(BigHeads, TheBlockingClientTakesThemWithTheSharedResponseLimits) {
    blocking::Options options;
    options.limits = ParserLimits::for_responses();
    blocking::Session session(options);
    const blocking::Response r = session.get(server_.url());
    EXPECT_EQ(r.body, "ok");
    EXPECT_EQ(r.headers.size(), 120u);
    session.close();
}

TEST_F(BigHeads, ALoweredLimitRefusesTheHeadNamingTheLimit) {
    ClientSessionOptions options;
    options.limits.max_header_count = 100;
    std::string error;
    looplab::run([&]() -> Coro<void> {
        ClientSession session(options);
        try {
            ClientResponse r = co_await session.get(server_.url());
            co_await r.read();
        } catch (const ClientProtocolError& e) {
            error = e.what();
        }
        co_await session.close();
    }());
    EXPECT_NE(error.find("too many header fields in response head (limit 100)"), std::string::npos)
        << error;
}

}  // namespace
}  // namespace looplab::http
