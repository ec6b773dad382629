// demos/seeds/demo.cpp: the server, the output and the options every demo shares.
#include "demos/seeds/demo.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <ostream>
#include <streambuf>

#include "demos/seeds/report.hpp"
#include "http/client/tls_info.hpp"
#include "http/server/demo_routes.hpp"
#include "http/server/server_thread.hpp"
#include "net/tls/certificate_authority.hpp"
#include "net/tls/ssl_context.hpp"

namespace looplab::demos {

// ---- Target ----------------------------------------------------------------------------

namespace {

// The embedded server's TLS: a CA made now, a certificate for 127.0.0.1 and localhost, and a
// client context trusting that CA (and only it) for every client of this process.
http::HttpServerOptions tls_server_options() {
    static const net::tls::CertificateAuthority ca("looplab classroom CA");
    static const net::tls::Credentials server = ca.issue({});
    http::HttpServerOptions options;
    options.ssl = net::tls::SSLContext::make(net::tls::TLSProtocol::tls_server);
    options.ssl->set_alpn_protocols({"http/1.1"});
    options.ssl->load_cert_chain(server.cert_file, server.key_file);
    auto client = net::tls::create_default_context(net::tls::Purpose::server_auth, ca.cert_file());
    client->set_alpn_protocols({"http/1.1"});
    http::set_default_ssl_context(std::move(client));
    return options;
}

}  // namespace

Target::Target(std::string external_url, bool tls) : external_url_(std::move(external_url)) {
    if (!external_url_.empty()) return;
    tls_ = tls;
    if (tls_) {
        server_ = std::make_unique<http::ServerThread>(http::demo_routes(), "127.0.0.1", 0,
                                                       tls_server_options());
    } else {
        server_ = std::make_unique<http::ServerThread>();
    }
}

Target::~Target() = default;

std::string Target::url_for_delay(int delay_ms) const {
    if (!server_) return external_url_;
    return server_->url("/delay/" + std::to_string(delay_ms));
}

std::string Target::describe() const {
    if (!server_) return external_url_;
    return server_->url("") + ", looplab's server on its own thread and loop" +
           (tls_ ? " (TLS, a certificate made at start-up)" : "");
}

// ---- Context ---------------------------------------------------------------------------

namespace {

// --json: the text output goes nowhere.
class NullBuffer : public std::streambuf {
protected:
    int overflow(int c) override { return c; }
};

std::ostream& null_stream() {
    static NullBuffer buffer;
    static std::ostream stream(&buffer);
    return stream;
}

}  // namespace

Context::Context(bool json, CsvWriter* csv, DemoTrace* trace, bool tls)
    : json_(json), csv_(csv), trace_(trace), tls_(tls) {}

TraceRecorder* Context::trace_lane(const std::string& title) const {
    return trace_ ? trace_->begin_lane(title) : nullptr;
}

std::ostream& Context::out() const {
    return json_ ? null_stream() : std::cout;
}

std::ostream& Context::err() const {
    return json_ ? std::cerr : std::cout;
}

void Context::print_failures(const RunResult& run) const {
    const std::size_t failed = run.failed();
    if (failed == 0) return;
    constexpr std::size_t kShown = 5;
    std::ostream& o = err();
    o << "  FAILED: " << failed << " of " << run.records.size() << " requests (" << run.strategy
      << ")\n";
    std::size_t shown = 0;
    for (const RequestRecord& r : run.records) {
        if (r.ok) continue;
        if (shown++ == kShown) {
            o << "    ... and " << failed - kShown << " more\n";
            break;
        }
        o << wrap("#" + std::to_string(r.index) + " " + short_url(r.url, 40) + ": " + r.error, 78,
                  "    ");
    }
    o.flush();
}

void Context::say(const std::string& text, const std::string& indent) const {
    out() << wrap(text, 78, indent);
}

void Context::bullet(const std::string& text) const {
    std::string wrapped = wrap(text, 78, "  ");
    if (wrapped.size() >= 2) wrapped.replace(0, 2, "- ");
    out() << wrapped;
}

// ---- Command line ----------------------------------------------------------------------

void add_output_options(CLI::App& command, Invocation& invocation) {
    command.add_flag("--json", invocation.json,
                     "Print the measurements as one JSON object instead of tables");
    command.add_option("--csv", invocation.csv_path,
                       "Also write one row per request and repeat to FILE (for pandas)");
    command.add_option("--trace", invocation.trace.json_path,
                       "Record what the loop did; write it to FILE.json (Chrome trace format: "
                       "open it in https://ui.perfetto.dev or chrome://tracing)");
    command.add_flag("--timeline", invocation.trace.timeline,
                     "Record what the loop did; print a timeline, one row per task or request");
    command.add_option("--svg", invocation.trace.svg_path,
                       "Record what the loop did; draw the timeline to FILE.svg");
    command.add_flag("--tls", invocation.tls,
                     "The embedded server speaks https (a certificate made at start-up)");
}

void add_quick_flag(CLI::App& command, bool& quick) {
    command.add_flag("--quick", quick,
                     "Small sizes (what `all --quick` runs): a smoke run for tests, slow machines "
                     "and classrooms; options given explicitly win");
}

Given given_on(const CLI::App& command) {
    return [&command](const char* option) { return command.count(option) > 0; };
}

void run_demo(Invocation& invocation, const std::function<DemoResult(const Context&)>& demo) {
    std::unique_ptr<CsvWriter> csv;
    if (!invocation.csv_path.empty()) csv = std::make_unique<CsvWriter>(invocation.csv_path);
    std::unique_ptr<DemoTrace> trace;
    if (invocation.trace.any()) trace = std::make_unique<DemoTrace>(invocation.trace);
    const Context context(invocation.json, csv.get(), trace.get(), invocation.tls);
    invocation.result = demo(context);
    invocation.ran = true;
    // With --json, stdout is the JSON object alone: the timeline and notes go to stderr.
    std::ostream& text = invocation.json ? std::cerr : std::cout;
    if (trace) trace->finish(text, text);
    if (csv && !invocation.json) {
        std::cout << "\nwrote " << csv->rows() << " rows to " << invocation.csv_path << "\n";
    }
}

}  // namespace looplab::demos
