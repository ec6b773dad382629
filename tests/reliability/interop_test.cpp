// tests/reliability/interop_test.cpp: the interop matrix of interop.sh, one test per real
// client, against an HttpServer on a thread of this process.
//
// aiohttp: tests/autobahn/ and its test_client_functional.py run real peers the same way;
//          h11: test_against_stdlib_http.py
//
// Each test runs `interop.sh --url URL CHECK` (the script beside this file) and needs exit
// status 0: the tool ran and saw zero errors. A tool that is not installed makes the script
// exit 77, and the test is skipped with the script's message naming the Debian package, so a
// machine without wrk says so instead of passing in silence.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "http/server/demo_routes.hpp"
#include "http/server/server_thread.hpp"
#include "net/support/fd_leak_check.hpp"

namespace looplab::reliability {
namespace {

const std::filesystem::path kScript = std::filesystem::path(__FILE__).parent_path() / "interop.sh";

struct Outcome {
    int status = -1;  // the script's exit status
    std::string output;
};

Outcome run_check(const std::string& url, const std::string& check) {
    const std::string command =
        "bash '" + kScript.string() + "' --url " + url + " " + check + " 2>&1";
    Outcome outcome;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return outcome;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) outcome.output.append(buffer, n);
    const int status = ::pclose(pipe);
    outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return outcome;
}

class Interop : public net::testing::NoFdLeaks,
                public ::testing::WithParamInterface<const char*> {};

TEST_P(Interop, TheClientSeesZeroErrors) {
    ASSERT_TRUE(std::filesystem::exists(kScript)) << kScript;
    http::ServerThread server(http::demo_routes(), "127.0.0.1", 0);
    const Outcome outcome = run_check(server.url(""), GetParam());
    if (outcome.status == 77) GTEST_SKIP() << outcome.output;
    EXPECT_EQ(outcome.status, 0) << outcome.output;
}

INSTANTIATE_TEST_SUITE_P(HttpServer, Interop,
                         ::testing::Values("ab", "wrk", "httperf", "siege", "curl", "requests",
                                           "aiohttp", "h11"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace looplab::reliability
