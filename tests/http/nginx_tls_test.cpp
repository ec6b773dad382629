// tests/http/nginx_tls_test.cpp: both clients against a real TLS server, nginx, with the tests'
// run-time certificate: what looplab's https speaks must be what the web's servers speak.
//
// aiohttp: its tests run against its own server only; curl's test suite runs against stunnel
// and its own servers. nginx: the ssl module (ssl_certificate, session tickets on by default).
//
// nginx runs in the foreground as a child of the test (daemon off, master_process off: one
// process, killed and reaped at the end), with a configuration written to a scratch
// directory. Where nginx is not installed (Debian's package nginx), the test is skipped and
// says so.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "http/client/blocking_client.hpp"
#include "http/client/client_session.hpp"
#include "net/support/fd_leak_check.hpp"
#include "runtime/run.hpp"
#include "tls/support/test_certs.hpp"

namespace looplab::http {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using net::tls::testing::pki;

constexpr const char* kNginx = "/usr/sbin/nginx";

// A port that was free a moment ago (nginx binds it itself).
std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

bool accepts(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

// nginx serving "Hello from nginx over TLS" at / and 100,000 bytes at /big, on 127.0.0.1.
class NginxTls {
public:
    NginxTls() : dir_(fs::temp_directory_path() / ("looplab-nginx-" + std::to_string(::getpid()))) {
        fs::create_directories(dir_);
        std::ofstream(dir_ / "big.txt") << std::string(100'000, 'n');
        port_ = free_port();
        write_config();
        pid_ = ::fork();
        if (pid_ == 0) {
            const std::string conf = (dir_ / "nginx.conf").string();
            const std::string prefix = dir_.string() + "/";
            const std::string log = (dir_ / "error.log").string();
            ::execl(kNginx, kNginx, "-c", conf.c_str(), "-p", prefix.c_str(), "-e", log.c_str(),
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 500 && !accepts(port_); ++i) std::this_thread::sleep_for(10ms);
    }
    ~NginxTls() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
    NginxTls(const NginxTls&) = delete;
    NginxTls& operator=(const NginxTls&) = delete;

    std::string url(const std::string& path) const {
        return "https://localhost:" + std::to_string(port_) + path;
    }
    bool running() const { return accepts(port_); }
    std::string log() const {
        std::ifstream in(dir_ / "error.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

private:
    void write_config() const {
        const std::string d = dir_.string();
        std::ofstream conf(dir_ / "nginx.conf");
        conf << "daemon off;\nmaster_process off;\npid " << d << "/nginx.pid;\n"
             << "error_log " << d << "/error.log warn;\nevents { worker_connections 256; }\n"
             << "http {\n  access_log off;\n  client_body_temp_path " << d << "/body;\n"
             << "  proxy_temp_path " << d << "/proxy;\n  fastcgi_temp_path " << d
             << "/fastcgi;\n  uwsgi_temp_path " << d << "/uwsgi;\n  scgi_temp_path " << d
             << "/scgi;\n  server {\n    listen 127.0.0.1:" << port_ << " ssl;\n"
             << "    ssl_certificate " << pki().localhost.cert_file.string() << ";\n"
             << "    ssl_certificate_key " << pki().localhost.key_file.string() << ";\n"
             << "    root " << d << ";\n"
             << "    location = / { default_type text/plain; return 200 \"Hello from nginx over "
                "TLS\"; }\n"
             << "    location = /big { default_type text/plain; alias " << d << "/big.txt; }\n"
             << "  }\n}\n";
    }

    fs::path dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

std::shared_ptr<net::tls::SSLContext> trusting_client() {
    auto context = net::tls::testing::client_context();
    context->set_alpn_protocols({"http/1.1"});
    return context;
}

class NginxHttps : public net::testing::NoFdLeaks {};

TEST_F(NginxHttps, BothClientsGetNginxsBodiesOverTlsAndReuseTheConnection) {
    if (::access(kNginx, X_OK) != 0) GTEST_SKIP() << "nginx is not installed (Debian: nginx)";
    NginxTls nginx;
    ASSERT_TRUE(nginx.running()) << "nginx did not start:\n" << nginx.log();

    auto body = [&]() -> Coro<void> {
        ClientSessionOptions options;
        options.ssl = trusting_client();
        ClientSession session(options);
        ClientResponse hello = co_await session.get(nginx.url("/"));
        EXPECT_EQ(hello.status, 200);
        EXPECT_EQ(co_await hello.text(), "Hello from nginx over TLS");
        EXPECT_TRUE(hello.tls);
        ClientResponse big = co_await session.get(nginx.url("/big"));
        EXPECT_EQ(co_await big.text(), std::string(100'000, 'n'));
        EXPECT_EQ(session.connections_opened(), 1u) << "kept alive";
        EXPECT_EQ(session.tls_handshakes(), 1u);
        co_await session.close();
    };
    looplab::run(body());

    blocking::Options options;
    options.ssl = trusting_client();
    blocking::Session session(options);
    const blocking::Response big = session.get(nginx.url("/big"));
    EXPECT_EQ(big.status, 200);
    EXPECT_EQ(big.body, std::string(100'000, 'n'));
    ASSERT_TRUE(big.tls);
    EXPECT_EQ(big.tls->peercert->common_name, "localhost");
}

}  // namespace
}  // namespace looplab::http
