// demos/seeds/tls_cost.cpp: `looplab-demo compare --tls`'s last table: what a TLS handshake adds
// to a request, with keep-alive and without.
// Lesson: docs/lessons/tls.md
//
// The same N sequential GETs of /delay/0 (the server answers at once, so what is left is the
// connection's cost) on one ClientSession, three ways:
//   keep-alive        one connection, one handshake, N requests on it (what a pool buys);
//   new, resumed      keep-alive off: a connection per request, each handshake resuming the
//                     first one's session (a ticket: no certificate is sent or checked);
//   new, full         the same, with the session cache emptied before each request: a full
//                     handshake every time (certificate, signature, verification).
// Each row's "per request" is its wall time / N; "added" is that minus the keep-alive row's,
// i.e. what a new TCP connection plus a handshake cost per request on this machine.
#include <chrono>
#include <ostream>

#include "demos/seeds/demo.hpp"
#include "demos/seeds/report.hpp"
#include "http/client/client_session.hpp"
#include "http/client/tls_info.hpp"
#include "runtime/run.hpp"

namespace looplab::demos {

namespace {

struct Way {
    const char* label;
    bool keep_alive;
    bool full_handshakes;
};

struct Measured {
    double seconds = 0;
    std::size_t handshakes = 0;
    std::size_t resumed = 0;
    std::size_t failed = 0;
};

Coro<Measured> measure(std::string url, int requests, Way way) {
    http::ClientSessionOptions options;
    if (!way.keep_alive) options.keepalive_timeout = Duration::zero();
    std::shared_ptr<net::tls::SSLContext> context = http::default_ssl_context();
    options.ssl = context;
    http::ClientSession session(options);
    Measured m;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < requests; ++i) {
        if (way.full_handshakes) context->session_cache().clear();
        try {
            http::ClientResponse r = co_await session.get(url);
            co_await r.text();
        } catch (const std::exception&) {
            ++m.failed;
        }
    }
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m.handshakes = session.tls_handshakes();
    m.resumed = session.tls_sessions_resumed();
    co_await session.close();
    co_return m;
}

}  // namespace

nlohmann::json run_tls_cost(const Target& target, int requests, const Context& context) {
    const std::string url = target.url_for_delay(0);
    const Way ways[] = {{"keep-alive", true, false},
                        {"new connection, resumed", false, false},
                        {"new connection, full", false, true}};
    std::ostream& out = context.out();
    out << "\n";
    context.say("What TLS adds per request: " + std::to_string(requests) +
                " sequential GETs of /delay/0 on one ClientSession, three ways:");
    Table table({{"connections", Table::Align::left},
                 {"handshakes"},
                 {"resumed"},
                 {"per request"},
                 {"added"}});
    nlohmann::json rows = nlohmann::json::array();
    double keep_alive_ms = 0;
    for (const Way& way : ways) {
        const Measured m = looplab::run(measure(url, requests, way));
        const double per_request_ms = m.seconds * 1000 / requests;
        if (way.keep_alive) keep_alive_ms = per_request_ms;
        const double added_ms = per_request_ms - keep_alive_ms;
        table.add_row({way.label, std::to_string(m.handshakes), std::to_string(m.resumed),
                       fixed(per_request_ms, 3) + " ms",
                       way.keep_alive ? "-" : "+" + fixed(added_ms, 3) + " ms"});
        rows.push_back({{"connections", way.label},
                        {"handshakes", m.handshakes},
                        {"resumed", m.resumed},
                        {"per_request_ms", per_request_ms},
                        {"added_ms", added_ms},
                        {"failed", m.failed}});
    }
    out << "\n" << table.render() << "\n";
    context.say(
        "(added: per request, beyond keep-alive's; a new connection costs a TCP handshake and a "
        "TLS one, which is why the pool keeps connections: with keep-alive, N requests pay for "
        "one handshake. A resumed handshake skips the certificate and its verification.)");
    return rows;
}

}  // namespace looplab::demos
