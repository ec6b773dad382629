// tools/lab_serve.cpp: `lab-serve`, the demo server on the command line.
//
// Runs looplab's HTTP server with the demo routes (http/server/demo_routes.hpp) in the foreground:
// the endpoints every demo uses, for trying them by hand with lab-get or curl, or for pointing
// another client (aiohttp, requests, wrk) at the same server the benchmarks use.
//
//     lab-serve --port 8080
//     lab-get http://127.0.0.1:8080/delay/100
//
// https: `--tls-cert FILE --tls-key FILE` (nginx's ssl_certificate / ssl_certificate_key)
// serves TLS on the same routes; the listening lines then say https://. The key may be in the
// certificate's file, as nginx allows: --tls-key defaults to --tls-cert.
//
//     lab-serve --port 8443 --tls-cert cert.pem --tls-key key.pem
//     lab-get --cacert ca.pem https://127.0.0.1:8443/
//
// --host takes an address or a name and listens on every address it stands for, one port for
// all: `--host localhost` listens on 127.0.0.1 and ::1 (http/server/server.hpp says why), and
// prints one "listening on" line per address, the first one first.
//
// --workers N runs N servers, each on a thread with its own loop, all on the port with
// SO_REUSEPORT (http/server/server_workers.hpp says why one loop per core, and what it
// costs); the default is one per core, as nginx's worker_processes auto. --max-connections is
// per worker, as nginx's worker_connections; by default the descriptor limit (raised to its
// hard maximum at start, as nginx's worker_rlimit_nofile) shared among the workers, minus a
// reserve for files and logs. --access-log writes the common log format; --static serves a
// directory under /static/.
//
// Ctrl-C (SIGINT) or SIGTERM shuts it down gracefully: loop.add_signal_handler (runtime/
// signal_watch.hpp) runs the shutdown as an ordinary callback on the loop thread.
#include <signal.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <vector>

#include "http/server/access_log.hpp"
#include "http/server/demo_routes.hpp"
#include "http/server/server_workers.hpp"
#include "net/tls/ssl_context.hpp"
#include "runtime/run.hpp"

namespace {

// Descriptors kept out of the connection limits: listening sockets, the loops' selectors and
// wake-up descriptors, static files being sent, the access log.
constexpr rlim_t kReservedDescriptors = 64;

struct Settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    bool quiet = false;
    unsigned workers = 0;             // 0: one per core
    std::size_t max_connections = 0;  // 0: from the descriptor limit
    std::string access_log;
    std::string static_dir;
    std::string tls_cert;  // empty: plain http
    std::string tls_key;   // empty: the key is in tls_cert's file
};

// Raises the soft descriptor limit to the hard one; returns the limit in force.
rlim_t raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur;
}

looplab::http::HttpServerOptions server_options(const Settings& settings, unsigned workers) {
    looplab::http::HttpServerOptions options;
    const rlim_t fds = raise_descriptor_limit();
    options.max_connections =
        settings.max_connections > 0
            ? settings.max_connections
            : static_cast<std::size_t>(fds > 2 * kReservedDescriptors ? fds - kReservedDescriptors
                                                                      : fds / 2) /
                  workers;
    if (!settings.access_log.empty())
        options.access_log = looplab::http::AccessLog::open(settings.access_log);
    if (!settings.tls_cert.empty()) {
        using looplab::net::tls::SSLContext;
        options.ssl = SSLContext::make(looplab::net::tls::TLSProtocol::tls_server);
        options.ssl->set_alpn_protocols({"http/1.1"});
        options.ssl->load_cert_chain(
            settings.tls_cert, settings.tls_key.empty() ? settings.tls_cert : settings.tls_key);
    }
    return options;
}

looplab::Coro<int> serve(Settings settings) {
    using namespace looplab;
    const unsigned count =
        settings.workers > 0 ? settings.workers : http::ServerWorkers::default_count();
    const http::HttpServerOptions options = server_options(settings, count);
    auto make_router = [static_dir = settings.static_dir] {
        http::Router router = http::demo_routes();
        if (!static_dir.empty()) router.add_static("/static/", static_dir);
        return router;
    };
    http::ServerWorkers workers(make_router, settings.host, settings.port, options, count);
    const std::vector<net::SocketAddress>& addresses = workers.addresses();
    // Before the first line is printed: whoever waits for "listening on" (a test, a script)
    // may send SIGTERM at once, and must find it handled (a graceful stop), not fatal.
    EventLoop& loop = get_running_loop();
    Future<void> stop_requested = loop.create_future<void>();
    for (const int sig : {SIGINT, SIGTERM}) {
        loop.add_signal_handler(sig, [stop_requested]() mutable {
            if (!stop_requested.done()) stop_requested.set_result();
        });
    }
    const std::string scheme = options.ssl ? "https://" : "http://";
    std::cout << "lab-serve: listening on " << scheme << addresses.front().to_string() << "/"
              << std::endl;
    for (std::size_t i = 1; i < addresses.size(); ++i)
        std::cout << "lab-serve: also listening on " << scheme << addresses[i].to_string() << "/"
                  << std::endl;
    if (!settings.quiet) {
        const std::string base = scheme + addresses.front().to_string();
        std::cout << "  " << count << (count == 1 ? " worker" : " workers")
                  << " (one loop each, SO_REUSEPORT), up to " << options.max_connections
                  << " connections each" << std::endl;
        std::cout << "  try: " << base << "/delay/100  " << base << "/bytes/1024" << std::endl;
    }

    co_await Future<void>(stop_requested);
    std::cout << "lab-serve: shutting down" << std::endl;
    workers.stop();  // every worker finishes its requests (5 s at most), all at once
    std::cout << "lab-serve: served " << workers.total_requests_served() << " requests"
              << std::endl;
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "lab-serve: looplab's demo HTTP server (/, /delay/<ms>, /bytes/<n>, /chunked/<n>, "
        "/status/<code>, /redirect/<n>, POST /echo, POST /upload)"};
    Settings settings;
    app.add_option("--host", settings.host,
                   "address or name to listen on (every address it resolves to; localhost: "
                   "127.0.0.1 and ::1)")
        ->capture_default_str();
    app.add_option("--port", settings.port, "port to listen on (0: any free port)")
        ->capture_default_str();
    app.add_option("--workers", settings.workers,
                   "servers to run, each a thread with its own loop, all on the port with "
                   "SO_REUSEPORT (0: one per core)")
        ->capture_default_str();
    app.add_option("--max-connections", settings.max_connections,
                   "connections each worker serves at once; beyond it, 503 (0: the descriptor "
                   "limit, shared among the workers, minus a reserve)")
        ->capture_default_str();
    app.add_option("--access-log", settings.access_log,
                   "log every response in the common log format to FILE (- for stdout)")
        ->type_name("FILE|-");
    app.add_option("--static", settings.static_dir,
                   "serve the files of DIR under /static/ (sendfile, ETag, Range)")
        ->type_name("DIR")
        ->check(CLI::ExistingDirectory);
    app.add_flag("-q,--quiet", settings.quiet, "print only the listening lines");
    auto* cert_option = app.add_option("--tls-cert", settings.tls_cert,
                                       "serve https with this certificate chain (PEM, leaf first)")
                            ->check(CLI::ExistingFile);
    app.add_option("--tls-key", settings.tls_key,
                   "the private key for --tls-cert (default: in its file)")
        ->check(CLI::ExistingFile)
        ->needs(cert_option);
    CLI11_PARSE(app, argc, argv);

    try {
        return looplab::run(serve(settings));
    } catch (const std::exception& e) {
        std::cerr << "lab-serve: " << e.what() << std::endl;
        return 1;
    }
}
