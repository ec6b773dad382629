// tests/demos/tls_demo_test.cpp: `looplab-demo compare --tls` and `url-bars --tls` run the
// classroom demos over https against the embedded server, whose CA and certificate are made at
// start-up (net/tls/certificate_authority.hpp), and compare's last table says what a handshake
// adds per request (demos/seeds/tls_cost.cpp). Counts are checked, never times.
#include <gtest/gtest.h>

#include "demos/support/demo_process.hpp"

namespace looplab::demos::testing {
namespace {

const nlohmann::json& row(const nlohmann::json& rows, const std::string& connections) {
    for (const auto& r : rows) {
        if (r["connections"] == connections) return r;
    }
    ADD_FAILURE() << "no row '" << connections << "' in " << rows.dump(2);
    static const nlohmann::json none;
    return none;
}

TEST(TlsDemo, CompareOverTlsSucceedsAndCountsTheHandshakesEachWayCosts) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run =
        run_demo({"compare", "--tls", "--requests", "4", "--delay-ms", "20", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    for (const auto& s : report["strategies"]) {
        EXPECT_EQ(s["failed"], 0) << s["strategy"] << " over https";
    }
    const nlohmann::json& cost = report["tls_cost"];
    ASSERT_EQ(cost.size(), 3u) << report.dump(2);
    for (const auto& r : cost) EXPECT_EQ(r["failed"], 0) << r["connections"];
    // Keep-alive: one connection, one handshake for all 50 requests.
    EXPECT_EQ(row(cost, "keep-alive")["handshakes"], 1);
    // No keep-alive: a handshake per request; resumed ones reuse the first session's ticket,
    // and with the cache emptied before each request none can be resumed.
    EXPECT_EQ(row(cost, "new connection, resumed")["handshakes"], 50);
    EXPECT_GE(row(cost, "new connection, resumed")["resumed"].get<int>(), 49);
    EXPECT_EQ(row(cost, "new connection, full")["handshakes"], 50);
    EXPECT_EQ(row(cost, "new connection, full")["resumed"], 0);
}

TEST(TlsDemo, UrlBarsOverTlsFetchesEveryUrl) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"url-bars", "--tls"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find("https://127.0.0.1:"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("TLS, a certificate made at start-up"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace looplab::demos::testing
