// tests/http/basic_auth_test.cpp: BasicAuth (RFC 7617) and its base64 (RFC 4648's test
// vectors), and ClientSession sending it, from the session or the request, and not to another
// origin after a redirect.
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/client/basic_auth.hpp"
#include "http/client/client_session.hpp"
#include "http/support/request_reader.hpp"
#include "http/support/scripted_server.hpp"
#include "net/support/fd_leak_check.hpp"
#include "runtime/run.hpp"

namespace looplab::http {
namespace {

TEST(BasicAuth, Base64FollowsRfc4648Section10) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode("\xff\xfe"), "//4=");
}

TEST(BasicAuth, EncodesAsRfc7617SaysAndTakesCurlsUserColonPassword) {
    // RFC 7617 section 2's example.
    EXPECT_EQ((BasicAuth{"Aladdin", "open sesame"}).encode(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    const BasicAuth auth = BasicAuth::from_user_colon_password("user:pa:ss");
    EXPECT_EQ(auth.login, "user");
    EXPECT_EQ(auth.password, "pa:ss");
    EXPECT_THROW(BasicAuth::from_user_colon_password("nopassword"), std::invalid_argument);
    EXPECT_THROW((BasicAuth{"a:b", "c"}).encode(), std::invalid_argument);
    EXPECT_THROW((BasicAuth{"a", "c\r\nX: y"}).encode(), std::invalid_argument);
}

// /start redirects to `other_` (another origin: localhost instead of 127.0.0.1); every
// request's Authorization (or "-") is remembered.
class AuthServer : public net::testing::NoFdLeaks {
protected:
    AuthServer()
        : server_([this](int fd, int) {
              while (auto request = testing::read_request(fd)) {
                  const std::size_t at = request->head.find("\r\nAuthorization: ");
                  const std::string auth =
                      at == std::string::npos
                          ? "-"
                          : request->head.substr(at + 17,
                                                 request->head.find("\r\n", at + 2) - at - 17);
                  {
                      std::lock_guard lock(mutex_);
                      seen_.push_back(request->target() + " " + auth);
                  }
                  if (request->target() == "/start") {
                      testing::write_all(fd, "HTTP/1.1 302 Found\r\nLocation: " + other_ +
                                                 "\r\nContent-Length: 0\r\n\r\n");
                  } else {
                      testing::write_all(fd, testing::ok_response(auth));
                  }
              }
          }) {
        const std::string base = server_.url();
        other_ = "http://localhost:" + base.substr(base.rfind(':') + 1) + "elsewhere";
    }
    void TearDown() override {
        server_.stop();
        NoFdLeaks::TearDown();
    }
    std::vector<std::string> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

    testing::ScriptedServer server_;
    std::string other_;
    std::mutex mutex_;
    std::vector<std::string> seen_;
};

TEST_F(AuthServer, ClientSessionSendsTheSessionsOrTheRequestsCredentialsButNotToAnotherOrigin) {
    std::string session_auth;
    std::string request_auth;
    looplab::run([&]() -> Coro<void> {
        ClientSessionOptions options;
        options.auth = BasicAuth{"user", "pass"};
        ClientSession session(options);
        ClientResponse r = co_await session.get(server_.url("/plain"));
        session_auth = co_await r.text();
        RequestOptions own;
        own.auth = BasicAuth{"other", "secret"};
        std::string url = server_.url("/start");
        Headers headers;  // named: no braced temporary inside a co_await (g++ 12)
        std::string no_body;
        ClientResponse r2 = co_await session.request("GET", std::move(url), std::move(headers),
                                                     std::move(no_body), std::move(own));
        request_auth = co_await r2.text();
        co_await session.close();
    }());
    EXPECT_EQ(session_auth, "Basic dXNlcjpwYXNz");
    EXPECT_EQ(request_auth, "-");  // the redirect went to localhost: no credentials there
    const std::vector<std::string> expected{"/plain Basic dXNlcjpwYXNz",
                                            "/start Basic b3RoZXI6c2VjcmV0", "/elsewhere -"};
    EXPECT_EQ(seen(), expected);
}

}  // namespace
}  // namespace looplab::http
