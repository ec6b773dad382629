// tools/lab_serve.cpp: `lab-serve`, the demo server on the command line.
//
// Runs looplab's HTTP server with the demo routes (http/server/demo_routes.hpp) in the foreground:
// the endpoints every demo uses, for trying them by hand with lab-get or curl, or for pointing
// another client (aiohttp, requests, wrk) at the same server the benchmarks use.
//
//     lab-serve --port 8080
//     lab-get http://127.0.0.1:8080/delay/100
//
// --host takes an address or a name and listens on every address it stands for, one port for
// all: `--host localhost` listens on 127.0.0.1 and ::1 (http/server/server.hpp says why), and
// prints one "listening on" line per address, the first one first.
//
// Ctrl-C (SIGINT) or SIGTERM shuts it down gracefully: loop.add_signal_handler (runtime/
// signal_watch.hpp) runs the shutdown as an ordinary callback on the loop thread.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <vector>

#include "http/server/demo_routes.hpp"
#include "http/server/server.hpp"
#include "runtime/run.hpp"

namespace {

looplab::Coro<int> serve(std::string host, std::uint16_t port, bool quiet) {
    using namespace looplab;
    auto server = co_await http::HttpServer::start(http::demo_routes(), host, port);
    std::cout << "lab-serve: listening on " << server->url("/") << std::endl;
    const std::vector<net::SocketAddress> addresses = server->addresses();
    for (std::size_t i = 1; i < addresses.size(); ++i)
        std::cout << "lab-serve: also listening on http://" << addresses[i].to_string() << "/"
                  << std::endl;
    if (!quiet) {
        std::cout << "  try: " << server->url("/delay/100") << "  " << server->url("/bytes/1024")
                  << std::endl;
    }

    EventLoop& loop = get_running_loop();
    Future<void> stop_requested = loop.create_future<void>();
    for (const int sig : {SIGINT, SIGTERM}) {
        loop.add_signal_handler(sig, [stop_requested]() mutable {
            if (!stop_requested.done()) stop_requested.set_result();
        });
    }
    co_await Future<void>(stop_requested);
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
    app.add_option("--host", host,
                   "address or name to listen on (every address it resolves to; localhost: "
                   "127.0.0.1 and ::1)")
        ->capture_default_str();
    app.add_option("--port", port, "port to listen on (0: any free port)")->capture_default_str();
    app.add_flag("-q,--quiet", quiet, "print only the listening line");
    CLI11_PARSE(app, argc, argv);

    try {
        return looplab::run(serve(host, port, quiet));
    } catch (const std::exception& e) {
        std::cerr << "lab-serve: " << e.what() << std::endl;
        return 1;
    }
}
