// http/server/server_workers.hpp: one HTTP server per core, each on a thread and a loop of
// its own, all on one port (SO_REUSEPORT).
//
// nginx:   worker_processes auto (one worker per core, each with its own event loop, all
//          accepting on the same port with "listen ... reuseport")
// aiohttp: web.run_app(reuse_port=True) in several processes (gunicorn's workers)
//
//     ServerWorkers workers(demo_routes, "127.0.0.1", 8080, options, 0);  // 0: one per core
//     ...
//     workers.stop();   // every worker shuts down gracefully, together
//
// Why one loop per core: a loop runs on one thread, so one loop can use one core, however many
// the machine has. Threads sharing one loop would need a lock around every structure the loop
// touches (its ready queue, its timers, every connection), and the lock would serialise them
// again. N independent loops share nothing: each has its own selector, timers, connections,
// Date cache and counters, and the kernel spreads the incoming connections over their
// listening sockets (SO_REUSEPORT hashes each connection's addresses to one socket), so no
// lock is taken on the way of a request. That is nginx's design, and Node's cluster and
// gunicorn's workers in processes. The costs: a connection stays on the loop that accepted
// it, so a loop with a few heavy connections cannot hand them to an idle one (the hash does not
// know about load); every limit (max_connections, memory_budget) is per worker; anything the
// handlers share across workers (a cache, a counter, the access log) needs its own locking;
// and when a worker's listening socket closes, the connections the kernel had queued on it
// are reset. Threads rather than nginx's processes: handlers are C++ coroutines in one program,
// a crash takes everything down either way, and the tests can count descriptors in one process.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/server/router.hpp"
#include "http/server/server_options.hpp"
#include "http/server/server_thread.hpp"

namespace looplab::http {

class ServerWorkers {
public:
    // Each worker gets a router of its own from make_router (handlers run on its thread).
    // count 0 means one per core (std::thread::hardware_concurrency, at least 1). Starts them
    // one after the other: the first binds (port 0: the kernel picks), the others bind the
    // same port, all with SO_REUSEPORT. Rethrows the first worker's start failure.
    ServerWorkers(std::function<Router()> make_router, std::string host, std::uint16_t port,
                  HttpServerOptions options, unsigned count);
    ~ServerWorkers();
    ServerWorkers(const ServerWorkers&) = delete;
    ServerWorkers& operator=(const ServerWorkers&) = delete;

    std::size_t size() const { return workers_.size(); }
    std::uint16_t port() const { return workers_.front()->port(); }
    const std::vector<net::SocketAddress>& addresses() const {
        return workers_.front()->addresses();
    }
    std::string url(std::string_view path = "/") const { return workers_.front()->url(path); }

    // Asks every worker to shut down, then waits for all of them. Idempotent.
    void stop();
    // After stop(): the requests each worker served, in order, and their sum.
    std::vector<std::uint64_t> requests_served() const;
    std::uint64_t total_requests_served() const;

    // The default count: one per core.
    static unsigned default_count();

private:
    std::vector<std::unique_ptr<ServerThread>> workers_;
};

}  // namespace looplab::http
