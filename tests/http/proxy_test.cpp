// tests/http/proxy_test.cpp: requests through an HTTP proxy (http/client/proxy.hpp): curl's
// environment and no_proxy rules, the bytes sent to a proxy, the errors that name it (an
// in-process fake proxy), and the real thing: Debian's tinyproxy, started on 127.0.0.1 with a
// generated configuration (skipped, saying so, where it is not installed).
#include "http/client/proxy.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/client/blocking_client.hpp"
#include "http/client/client_errors.hpp"
#include "http/client/client_session.hpp"
#include "http/client/origin_key.hpp"
#include "http/client/proxy_auth.hpp"
#include "http/server/demo_routes.hpp"
#include "http/server/server_thread.hpp"
#include "http/support/request_reader.hpp"
#include "http/support/scripted_server.hpp"
#include "net/blocking_socket.hpp"
#include "net/socket_address.hpp"
#include "net/support/fd_leak_check.hpp"
#include "net/support/loopback.hpp"
#include "net/support/net_test_loop.hpp"
#include "runtime/looplab.hpp"
#include "tls/support/test_certs.hpp"

extern char** environ;

namespace looplab::http {
namespace {

using namespace std::chrono_literals;
using testing::ok_response;
using testing::read_request;
using testing::ScriptedRequest;
using testing::ScriptedServer;
using testing::write_all;

// ---- Rules --------------------------------------------------------------------------------------

// base64 itself (RFC 4648's vectors) is basic_auth_test.cpp's: both headers share it.
TEST(ProxyAuth, BasicCredentialsAreRfc7617s) {
    EXPECT_EQ(detail::basic_proxy_authorization("Aladdin:open sesame"),
              "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    EXPECT_EQ(detail::basic_proxy_authorization("user"), "Basic dXNlcjo=");  // empty password
}

TEST(Proxy, ParsesCurlsSpellingsWithPort1080ByDefault) {
    EXPECT_EQ(origin_key(Proxy::parse("127.0.0.1:3128").url), "127.0.0.1:3128");
    EXPECT_EQ(origin_key(Proxy::parse("proxy.example").url), "proxy.example:1080");
    EXPECT_EQ(origin_key(Proxy::parse("http://[::1]").url), "[::1]:1080");
    const Proxy with_credentials = Proxy::parse("http://Aladdin:open%20sesame@proxy:8080/");
    EXPECT_EQ(origin_key(with_credentials.url), "proxy:8080");
    EXPECT_EQ(with_credentials.authorization, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    EXPECT_EQ(Proxy::parse("proxy:8080").name(), "proxy proxy:8080");
    EXPECT_THROW(Proxy::parse("https://proxy:443"), InvalidUrl);
    EXPECT_THROW(Proxy::parse("socks5://proxy:1080"), InvalidUrl);
    EXPECT_THROW(Proxy::parse("proxy:99999"), InvalidUrl);
}

TEST(Proxy, NoProxyMatchesHostsAndTheirSubdomainsAsCurlDoes) {
    const Url url = Url::parse("http://api.Example.com:8080/x");
    EXPECT_TRUE(bypasses_proxy(url, "example.com"));
    EXPECT_TRUE(bypasses_proxy(url, ".example.com"));
    EXPECT_TRUE(bypasses_proxy(url, "localhost, EXAMPLE.com "));
    EXPECT_TRUE(bypasses_proxy(url, "*"));
    EXPECT_TRUE(bypasses_proxy(url, "example.com:8080"));
    EXPECT_FALSE(bypasses_proxy(url, "example.com:80"));
    EXPECT_FALSE(bypasses_proxy(url, "ample.com"));
    EXPECT_FALSE(bypasses_proxy(url, "other.com,*.example.com"));  // no globs, as curl
    EXPECT_FALSE(bypasses_proxy(url, ""));
    EXPECT_TRUE(bypasses_proxy(Url::parse("http://[::1]:8080/"), "[::1]"));
    EXPECT_TRUE(bypasses_proxy(Url::parse("http://127.0.0.1/"), "127.0.0.1"));
}

// Sets environment variables for one test and puts them back.
class ScopedEnv {
public:
    void set(const char* name, const char* value) {
        const char* old = std::getenv(name);
        saved_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
        if (value) {
            ::setenv(name, value, 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~ScopedEnv() {
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
            if (it->second) {
                ::setenv(it->first, it->second->c_str(), 1);
            } else {
                ::unsetenv(it->first);
            }
        }
    }

private:
    std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

TEST(Proxy, TheEnvironmentIsReadByCurlsRules) {
    ScopedEnv env;
    for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                             "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
        env.set(name, nullptr);
    }
    env.set("HTTP_PROXY", "upper:1");  // ignored (httpoxy): only the lower-case name counts
    env.set("HTTPS_PROXY", "secure:2");
    env.set("NO_PROXY", "internal.example");
    ProxySettings s = ProxySettings::from_environment();
    EXPECT_EQ(s.http, std::nullopt);
    EXPECT_EQ(s.https, "secure:2");
    EXPECT_EQ(s.no_proxy, "internal.example");
    EXPECT_EQ(s.for_url(Url::parse("http://a.example/")), std::nullopt);
    EXPECT_EQ(s.for_url(Url::parse("https://a.example/"))->name(), "proxy secure:2");
    EXPECT_EQ(s.for_url(Url::parse("https://internal.example/")), std::nullopt);

    env.set("http_proxy", "lower:3");
    env.set("https_proxy", "lower-secure:4");
    env.set("ALL_PROXY", "everything:5");
    s = ProxySettings::from_environment();
    EXPECT_EQ(s.http, "lower:3");
    EXPECT_EQ(s.https, "lower-secure:4");
    env.set("http_proxy", nullptr);
    EXPECT_EQ(ProxySettings::from_environment().http, "everything:5");
}

TEST(Proxy, AProxiedOriginNeverSharesAPoolKeyWithADirectOne) {
    const Url origin = Url::parse("http://example.com/");
    const Url proxy = Url::parse("http://127.0.0.1:3128/");
    const std::string direct = origin_key(origin);
    EXPECT_NE(via_proxy(direct, proxy, ""), direct);
    EXPECT_NE(via_proxy(direct, proxy, "Basic a"), via_proxy(direct, proxy, "Basic b"));
    EXPECT_EQ(via_proxy(direct, proxy, ""), via_proxy(direct, proxy, ""));
}

// ---- The blocking client and a fake proxy
// ---------------------------------------------------------

class ThroughAProxy : public net::testing::NoFdLeaks {};

blocking::Options via(const std::string& proxy) {
    blocking::Options options;
    options.proxy = ProxySettings::all(proxy);
    options.read_timeout = 5000ms;
    return options;
}

std::string authority_of(const ScriptedServer& server) {
    return server.url().substr(7, server.url().size() - 8);  // "http://A/" -> "A"
}

TEST_F(ThroughAProxy, AnHttpRequestGoesToTheProxyInAbsoluteFormWithItsCredentials) {
    std::optional<ScriptedRequest> seen;
    ScriptedServer proxy([&](int fd, int) {
        seen = read_request(fd);
        write_all(fd, ok_response("from the proxy"));
    });
    blocking::Options options = via(authority_of(proxy));
    options.proxy.auth = "Aladdin:open sesame";
    // The origin's name need not resolve here: only the proxy connects to it.
    const blocking::Response r = blocking::get("http://origin.invalid:8080/a?b=1", options);
    proxy.stop();
    EXPECT_EQ(r.body, "from the proxy");
    ASSERT_TRUE(seen);
    EXPECT_TRUE(seen->head.starts_with("GET http://origin.invalid:8080/a?b=1 HTTP/1.1\r\n"))
        << seen->head;
    EXPECT_NE(seen->head.find("\r\nHost: origin.invalid:8080"), std::string::npos) << seen->head;
    EXPECT_NE(seen->head.find("\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
              std::string::npos)
        << seen->head;
}

TEST_F(ThroughAProxy, ARefusedConnectIsAProxyErrorNamingTheProxyAndTheStatus) {
    for (const std::string reply : {"HTTP/1.1 407 Proxy Authentication Required\r\n"
                                    "Proxy-Authenticate: Basic realm=\"p\"\r\n"
                                    "Content-Length: 0\r\n\r\n",
                                    "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"}) {
        std::string seen;
        ScriptedServer proxy([&](int fd, int) {
            seen = testing::read_request_head(fd);
            write_all(fd, reply);
        });
        try {
            blocking::get("https://origin.invalid/", via(authority_of(proxy)));
            FAIL() << "expected a proxy error";
        } catch (const ClientProxyError& e) {
            const std::string message = e.what();
            EXPECT_EQ(e.status(), reply[9] == '4' && reply[11] == '7' ? 407 : 403);
            EXPECT_NE(message.find("proxy " + authority_of(proxy)), std::string::npos) << message;
            EXPECT_NE(message.find("origin.invalid:443"), std::string::npos) << message;
            if (e.status() == 407) {
                EXPECT_NE(message.find("wants credentials"), std::string::npos) << message;
            }
        }
        proxy.stop();
        EXPECT_TRUE(seen.starts_with("CONNECT origin.invalid:443 HTTP/1.1\r\n")) << seen;
        EXPECT_NE(seen.find("\r\nHost: origin.invalid:443"), std::string::npos) << seen;
    }
}

TEST_F(ThroughAProxy, AProxyThatAnswersGarbageOrHangsUpIsNamed) {
    for (const std::string& reply : {std::string("SSH-2.0-OpenSSH\r\n\r\n"), std::string()}) {
        ScriptedServer proxy([&](int fd, int) {
            testing::read_request_head(fd);
            write_all(fd, reply);
        });
        try {
            blocking::get("https://origin.invalid/", via(authority_of(proxy)));
            FAIL() << "expected a proxy error";
        } catch (const ClientProxyError& e) {
            EXPECT_NE(std::string(e.what()).find("proxy " + authority_of(proxy)), std::string::npos)
                << e.what();
        }
    }
}

TEST_F(ThroughAProxy, AnUnreachableProxyIsAConnectionErrorNamingTheProxy) {
    const std::string closed = net::testing::closed_loopback_port().to_string();
    try {
        blocking::get("http://origin.invalid/", via(closed));
        FAIL() << "expected a connection error";
    } catch (const ClientConnectionError& e) {
        EXPECT_NE(std::string(e.what()).find("cannot connect to proxy " + closed),
                  std::string::npos)
            << e.what();
    }
}

TEST_F(ThroughAProxy, NoProxyHostsGoDirectAndDoNotShareTheProxiedConnections) {
    ScriptedServer origin([](int fd, int) {
        while (std::optional<ScriptedRequest> r = read_request(fd)) {
            write_all(fd, ok_response(r->target().starts_with("http://") ? "proxied" : "direct"));
        }
    });
    // The origin plays the proxy too: requests in absolute form are the proxied ones.
    blocking::Options options = via(authority_of(origin));
    blocking::Session session(options);
    EXPECT_EQ(session.get(origin.url()).body, "proxied");
    EXPECT_EQ(session.get(origin.url()).body, "proxied");
    blocking::Options direct_options = options;
    direct_options.proxy.no_proxy = "127.0.0.1";
    blocking::Session direct(direct_options);
    EXPECT_EQ(direct.get(origin.url()).body, "direct");
    session.close();
    direct.close();
    origin.stop();
    EXPECT_EQ(origin.connections(), 2);  // one proxied (reused), one direct
}

// ---- ClientSession and a fake proxy ---------------------------------------------------------

// GET each URL in turn with one ClientSession; the bodies, or "error: <what>" for the first
// failure ("proxy <status>: <what>" for a ClientProxyError). Stats: connections opened.
struct SessionRun {
    std::vector<std::string> bodies;
    std::size_t opened = 0;
};

SessionRun session_run(ClientSessionOptions options, const std::vector<std::string>& urls) {
    auto main = [&](EventLoop&) -> Coro<SessionRun> {
        options.timeout.sock_read = 5s;
        ClientSession session(options);
        SessionRun run;
        try {
            for (const std::string& url : urls) {
                ClientResponse r = co_await session.get(url);
                std::string body = co_await r.text();
                run.bodies.push_back(std::to_string(r.status) + " " + body);
            }
        } catch (const ClientProxyError& e) {
            run.bodies.push_back("proxy " + std::to_string(e.status()) + ": " + e.what());
        } catch (const std::exception& e) {
            run.bodies.push_back(std::string("error: ") + e.what());
        }
        run.opened = session.connections_opened();
        co_await session.close();
        co_return run;
    };
    return net::testing::run_net_test(main, std::chrono::seconds(30));
}

ClientSessionOptions session_via(const std::string& proxy) {
    ClientSessionOptions options;
    options.proxy = proxy;
    return options;
}

TEST_F(ThroughAProxy, ClientSessionSendsHttpInAbsoluteFormAndRefusedTunnelsAreProxyErrors) {
    std::optional<ScriptedRequest> seen;
    ScriptedServer proxy([&](int fd, int index) {
        if (index == 0) {
            seen = read_request(fd);
            write_all(fd, ok_response("from the proxy"));
        } else {
            testing::read_request_head(fd);
            write_all(fd,
                      "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
        }
    });
    ClientSessionOptions options = session_via(authority_of(proxy));
    options.proxy_auth = "Aladdin:open sesame";
    const SessionRun http = session_run(options, {"http://origin.invalid:8080/a?b=1"});
    ASSERT_EQ(http.bodies.size(), 1u);
    EXPECT_EQ(http.bodies[0], "200 from the proxy");
    const SessionRun https = session_run(options, {"https://origin.invalid/"});
    proxy.stop();
    ASSERT_TRUE(seen);
    EXPECT_TRUE(seen->head.starts_with("GET http://origin.invalid:8080/a?b=1 HTTP/1.1\r\n"))
        << seen->head;
    EXPECT_NE(seen->head.find("\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
              std::string::npos)
        << seen->head;
    ASSERT_EQ(https.bodies.size(), 1u);
    EXPECT_TRUE(https.bodies[0].starts_with("proxy 407: proxy " + authority_of(proxy) +
                                            " refused the tunnel to https://origin.invalid:443"))
        << https.bodies[0];
}

TEST_F(ThroughAProxy, ClientSessionNamesAnUnreachableProxyAndPoolsProxiedApartFromDirect) {
    const std::string closed = net::testing::closed_loopback_port().to_string();
    const SessionRun refused = session_run(session_via(closed), {"http://origin.invalid/"});
    ASSERT_EQ(refused.bodies.size(), 1u);
    EXPECT_NE(refused.bodies[0].find("cannot connect to proxy " + closed), std::string::npos)
        << refused.bodies[0];

    ScriptedServer origin([](int fd, int) {
        while (std::optional<ScriptedRequest> r = read_request(fd)) {
            write_all(fd, ok_response(r->target().starts_with("http://") ? "proxied" : "direct"));
        }
    });
    ClientSessionOptions options = session_via(authority_of(origin));
    options.no_proxy = "nothing.invalid";
    const SessionRun proxied = session_run(options, {origin.url(), origin.url()});
    options.no_proxy = "127.0.0.1";
    const SessionRun direct = session_run(options, {origin.url()});
    origin.stop();
    EXPECT_EQ(proxied.bodies, (std::vector<std::string>{"200 proxied", "200 proxied"}));
    EXPECT_EQ(proxied.opened, 1u);
    EXPECT_EQ(direct.bodies, (std::vector<std::string>{"200 direct"}));
}

// ---- Against tinyproxy --------------------------------------------------------------------------

constexpr const char* kTinyproxy = "/usr/bin/tinyproxy";

// tinyproxy in the foreground on a free 127.0.0.1 port, with a configuration of our own (and
// BasicAuth if given); stopped (SIGTERM, then waited for) by the destructor.
class Tinyproxy {
public:
    explicit Tinyproxy(std::optional<std::string> basic_auth = std::nullopt) {
        const net::SocketAddress free = net::testing::closed_loopback_port();
        port_ = free.port();
        dir_ = std::filesystem::temp_directory_path() /
               ("looplab-tinyproxy-" + std::to_string(::getpid()) + "-" + std::to_string(port_));
        std::filesystem::create_directories(dir_);
        std::ofstream conf(dir_ / "tinyproxy.conf");
        conf << "Port " << port_ << "\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\n"
             << "Allow 127.0.0.1\nLogLevel Critical\nDisableViaHeader Yes\n";
        if (basic_auth) conf << "BasicAuth " << *basic_auth << "\n";
        conf.close();
        const std::string conf_path = (dir_ / "tinyproxy.conf").string();
        std::vector<std::string> args{kTinyproxy, "-d", "-c", conf_path};
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        if (::posix_spawn(&pid_, kTinyproxy, &actions, nullptr, argv.data(), environ) != 0) {
            pid_ = -1;
        }
        posix_spawn_file_actions_destroy(&actions);
        wait_until_listening();
    }
    ~Tinyproxy() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    Tinyproxy(const Tinyproxy&) = delete;
    Tinyproxy& operator=(const Tinyproxy&) = delete;

    bool running() const { return listening_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

private:
    void wait_until_listening() {
        if (pid_ <= 0) return;
        const auto give_up = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < give_up) {
            try {
                net::BlockingSocket probe =
                    net::BlockingSocket::connect({*net::parse_numeric("127.0.0.1", port_)}, 1000ms);
                listening_ = true;
                return;
            } catch (const std::exception&) {
                std::this_thread::sleep_for(20ms);
            }
        }
    }

    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    std::filesystem::path dir_;
    bool listening_ = false;
};

class TinyproxyTest : public net::testing::NoFdLeaks {
protected:
    void SetUp() override {
        net::testing::NoFdLeaks::SetUp();
        if (::access(kTinyproxy, X_OK) != 0) {
            GTEST_SKIP() << kTinyproxy << " is not installed (tools/setup.sh test installs it)";
        }
    }
};

// The demo routes over TLS on 127.0.0.1, and a client context that trusts the test CA.
ServerThread tls_origin() {
    HttpServerOptions options;
    options.ssl = net::tls::testing::server_context(net::tls::testing::pki().localhost);
    options.ssl->set_alpn_protocols({"http/1.1"});
    return ServerThread(demo_routes(), "127.0.0.1", 0, options);
}

TEST_F(TinyproxyTest, HttpAndHttpsGoThroughTinyproxyByteForByte) {
    Tinyproxy proxy;
    ASSERT_TRUE(proxy.running()) << "tinyproxy did not start listening on " << proxy.address();
    ServerThread plain(demo_routes(), "127.0.0.1", 0);
    ServerThread secure = tls_origin();
    blocking::Options options = via(proxy.address());
    options.ssl = net::tls::testing::client_context();
    blocking::Session session(options);
    const blocking::Response r1 = session.get(plain.url("/bytes/100000"));
    EXPECT_EQ(r1.status, 200);
    EXPECT_EQ(r1.body.size(), 100000u);
    const blocking::Response r2 = session.get(secure.url("/bytes/100000"));
    EXPECT_EQ(r2.status, 200);
    EXPECT_EQ(r2.body, r1.body);
    ASSERT_TRUE(r2.tls);  // TLS end to end, through the tunnel
    const blocking::Response r3 = session.get(secure.url("/bytes/10"));
    EXPECT_EQ(r3.body, "abcdefghij");
    EXPECT_EQ(session.connections_opened(), 2u);  // the tunnel was kept and reused
    session.close();
}

TEST_F(TinyproxyTest, TinyproxysBasicAuthIsMetWithProxyAuthorization) {
    Tinyproxy proxy("looplab s3cret");
    ASSERT_TRUE(proxy.running()) << "tinyproxy did not start listening on " << proxy.address();
    ServerThread plain(demo_routes(), "127.0.0.1", 0);
    ServerThread secure = tls_origin();
    blocking::Options options = via(proxy.address());
    options.ssl = net::tls::testing::client_context();
    // Without credentials: an http:// request gets the proxy's 407 as its response (curl: the
    // same), a tunnel is refused with an error naming the proxy.
    EXPECT_EQ(blocking::get(plain.url("/"), options).status, 407);
    try {
        blocking::get(secure.url("/"), options);
        FAIL() << "expected a proxy error";
    } catch (const ClientProxyError& e) {
        EXPECT_EQ(e.status(), 407) << e.what();
    }
    options.proxy.auth = "looplab:s3cret";
    EXPECT_EQ(blocking::get(plain.url("/bytes/10"), options).body, "abcdefghij");
    EXPECT_EQ(blocking::get(secure.url("/bytes/10"), options).body, "abcdefghij");
}

TEST_F(TinyproxyTest, ClientSessionGoesThroughTinyproxyForHttpAndHttps) {
    Tinyproxy proxy("looplab s3cret");
    ASSERT_TRUE(proxy.running()) << "tinyproxy did not start listening on " << proxy.address();
    ServerThread plain(demo_routes(), "127.0.0.1", 0);
    ServerThread secure = tls_origin();
    ClientSessionOptions options = session_via(proxy.address());
    options.ssl = net::tls::testing::client_context();
    const SessionRun without = session_run(options, {plain.url("/"), secure.url("/")});
    ASSERT_EQ(without.bodies.size(), 2u);
    EXPECT_TRUE(without.bodies[0].starts_with("407 ")) << without.bodies[0];
    EXPECT_TRUE(without.bodies[1].starts_with("proxy 407: ")) << without.bodies[1];
    options.proxy_auth = "looplab:s3cret";
    const SessionRun with = session_run(
        options, {plain.url("/bytes/10"), secure.url("/bytes/10"), secure.url("/bytes/3")});
    EXPECT_EQ(with.bodies,
              (std::vector<std::string>{"200 abcdefghij", "200 abcdefghij", "200 abc"}));
    EXPECT_EQ(with.opened, 2u);  // the tunnel was kept and reused
}

}  // namespace
}  // namespace looplab::http
