// tests/demos/echo_trace_test.cpp: the echo demos take --trace, --timeline and --svg too
// (demos/echo/echo_trace.hpp), like looplab-demo.
//
// The real echo_stream_client binary talks to a one-connection echo server written here with
// blocking sockets (so the test does not depend on a second demo), and must still echo, write
// a Chrome trace that passes the same checks as looplab-demo's, a well-formed SVG, and a
// terminal timeline within 80 columns.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "demos/support/chrome_trace_check.hpp"
#include "demos/support/demo_process.hpp"

// Set by tests/CMakeLists.txt when the echo demos are built (LOOPLAB_BUILD_DEMOS).
#ifndef ECHO_STREAM_CLIENT_PATH
#define ECHO_STREAM_CLIENT_PATH ""
#endif

namespace looplab::demos::testing {
namespace {

// Accepts one connection, echoes everything until the peer half-closes, then closes.
class OneShotEchoServer {
public:
    OneShotEchoServer() {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
            ::listen(listener_, 1) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            ADD_FAILURE() << "cannot listen on 127.0.0.1";
            return;
        }
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve_one(); });
    }
    ~OneShotEchoServer() {
        ::shutdown(listener_, SHUT_RDWR);  // unblocks accept if the client never came
        if (thread_.joinable()) thread_.join();
        ::close(listener_);
    }
    std::uint16_t port() const { return port_; }

private:
    void serve_one() {
        const int conn = ::accept(listener_, nullptr, nullptr);
        if (conn < 0) return;
        char buf[4096];
        for (ssize_t n; (n = ::read(conn, buf, sizeof buf)) > 0;) {
            if (::write(conn, buf, static_cast<std::size_t>(n)) != n) break;
        }
        ::close(conn);
    }

    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(EchoTrace, TheStreamClientWritesATraceAnSvgAndATimeline) {
    if (std::string(ECHO_STREAM_CLIENT_PATH).empty()) GTEST_SKIP() << "built without the demos";
    OneShotEchoServer server;
    const std::string json_path = temp_path(".json");
    const std::string svg_path = temp_path(".svg");
    const DemoOutput run = run_program(ECHO_STREAM_CLIENT_PATH,
                                       {std::to_string(server.port()), "traced hello", "--trace",
                                        json_path, "--svg", svg_path, "--timeline"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find("echoed: traced hello"), std::string::npos) << run.out;

    // The timeline: a "main" row, and nothing wider than 80 columns.
    EXPECT_NE(run.out.find("main "), std::string::npos) << run.out;
    for (const std::string& line : lines_of(run.out)) EXPECT_LE(line.size(), 80u) << line;

    // The trace: valid Chrome JSON whose slices nest and whose times never go back.
    const nlohmann::json trace = nlohmann::json::parse(read_file(json_path), nullptr, false);
    ASSERT_FALSE(trace.is_discarded()) << "not JSON: " << json_path;
    const ChromeTraceSummary summary = check_chrome_trace(trace);
    EXPECT_GT(summary.complete_slices, 0u) << "no loop iterations, polls or steps recorded";
    int polls = 0;
    for (const auto& e : trace["traceEvents"]) {
        if (e.contains("args") && e["args"].contains("kind") && e["args"]["kind"] == "poll") {
            ++polls;
        }
    }
    EXPECT_GT(polls, 0) << "the loop waited for the server's reply at least once";

    // The SVG is well-formed XML.
    const std::string check = "xmllint --noout " + svg_path;
    EXPECT_EQ(std::system(check.c_str()), 0) << "xmllint rejected " << svg_path;
    std::remove(json_path.c_str());
    std::remove(svg_path.c_str());
}

}  // namespace
}  // namespace looplab::demos::testing
