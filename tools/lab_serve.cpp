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
// Ctrl-C (SIGINT) or SIGTERM shuts it down gracefully. A signal handler may not take a mutex,
// so it cannot call call_soon_threadsafe; instead the signals are blocked in every thread and a
// small thread waits for them with sigwait, then posts the shutdown to the loop.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>
#include <vector>

#include "http/server/demo_routes.hpp"
#include "http/server/server.hpp"
#include "net/tls/ssl_context.hpp"
#include "runtime/run.hpp"

namespace {

looplab::Coro<int> serve(std::string host, std::uint16_t port, bool quiet,
                         looplab::http::HttpServerOptions options) {
    using namespace looplab;
    auto server = co_await http::HttpServer::start(http::demo_routes(), host, port, options);
    std::cout << "lab-serve: listening on " << server->url("/") << std::endl;
    const std::vector<net::SocketAddress> addresses = server->addresses();
    for (std::size_t i = 1; i < addresses.size(); ++i)
        std::cout << "lab-serve: also listening on " << (options.ssl ? "https://" : "http://")
                  << addresses[i].to_string() << "/" << std::endl;
    if (!quiet) {
        std::cout << "  try: " << server->url("/delay/100") << "  " << server->url("/bytes/1024")
                  << std::endl;
    }

    // Signals arrive on a helper thread (blocked everywhere else), which wakes the loop.
    EventLoop& loop = get_running_loop();
    Future<void> stop_requested = loop.create_future<void>();
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    std::thread waiter([&loop, signals, target = stop_requested.state()] {
        int sig = 0;
        sigwait(&signals, &sig);
        loop.call_soon_threadsafe([target] {
            if (!target->done()) target->set_result();
        });
    });
    co_await Future<void>(stop_requested);
    waiter.join();
    std::cout << "lab-serve: shutting down after " << server->requests_served() << " requests"
              << std::endl;
    co_await server->shutdown();
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "lab-serve: looplab's demo HTTP server (/, /delay/<ms>, /bytes/<n>, "
        "/chunked/<n>, /status/<code>, /redirect/<n>, POST /echo)"};
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    bool quiet = false;
    std::string tls_cert;
    std::string tls_key;
    app.add_option("--host", host,
                   "address or name to listen on (every address it resolves to; localhost: "
                   "127.0.0.1 and ::1)")
        ->capture_default_str();
    app.add_option("--port", port, "port to listen on (0: any free port)")->capture_default_str();
    app.add_flag("-q,--quiet", quiet, "print only the listening line");
    auto* cert_option = app.add_option("--tls-cert", tls_cert,
                                       "serve https with this certificate chain (PEM, leaf first)")
                            ->check(CLI::ExistingFile);
    app.add_option("--tls-key", tls_key, "the private key for --tls-cert (default: in its file)")
        ->check(CLI::ExistingFile)
        ->needs(cert_option);
    CLI11_PARSE(app, argc, argv);

    looplab::http::HttpServerOptions options;
    if (!tls_cert.empty()) {
        try {
            options.ssl =
                looplab::net::tls::SSLContext::make(looplab::net::tls::TLSProtocol::tls_server);
            options.ssl->set_alpn_protocols({"http/1.1"});
            options.ssl->load_cert_chain(tls_cert, tls_key.empty() ? tls_cert : tls_key);
        } catch (const std::exception& e) {
            std::cerr << "lab-serve: " << e.what() << std::endl;
            return 1;
        }
    }

    // Block SIGINT/SIGTERM in every thread (the loop's, the executor's) so that only the
    // waiter thread's sigwait receives them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    try {
        return looplab::run(serve(host, port, quiet, options));
    } catch (const std::exception& e) {
        std::cerr << "lab-serve: " << e.what() << std::endl;
        return 1;
    }
}
