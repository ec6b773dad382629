// http/server/server_shared.hpp: what an HttpServer and all its connections share.
//
// One object per server, held by the server and by every connection (shared_ptr), so a
// connection that outlives the server's handle (still closing) can still reach its router and
// counters. Loop-thread only: a server and its connections live on one loop (lab-serve
// --workers runs one server per loop, each with its own ServerShared).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <unordered_set>
#include <vector>

#include "http/server/date_cache.hpp"
#include "http/server/router.hpp"
#include "http/server/server_options.hpp"
#include "runtime/future.hpp"

namespace looplab::http {

class ServerConnection;

struct ServerShared {
    // No connection's write mark goes below this: a mark of a few hundred bytes would cost a
    // pause and a resume per response.
    static constexpr std::size_t kMinWriteMark = 4 * 1024;

    Router router;
    HttpServerOptions options;
    DateCache date;  // every response's Date header (loop thread only)
    std::unordered_set<ServerConnection*> connections;  // live ones (connection_made..lost)
    std::uint64_t requests_served = 0;
    std::size_t peak_connections = 0;
    std::uint64_t body_bytes_buffered = 0;  // request bodies held for handlers, all connections
    std::uint64_t budget_refusals = 0;      // 503s because a body would pass the budget
    // The bytes in all the connections' write buffers, as each ResponseChannel last saw its
    // own (ResponseChannel::update_charge): exact after each write and at each pause / resume,
    // and never below the truth in between (a buffer only shrinks unseen).
    std::size_t write_bytes_charged = 0;
    bool shutting_down = false;
    // Request state given back by connections that went idle (ServerConnection::Exchange: a
    // parser with its receive buffer, a request, a route), for the next request on any
    // connection to take instead of allocating and zeroing 5 KB (server_connection.cpp,
    // exchange()): the pool of libuv's alloc_cb, so idle connections hold nothing and busy ones
    // pay no malloc. Type-erased, as this header does not know the type; at most kSpare.
    static constexpr std::size_t kSpareExchanges = 64;
    std::vector<std::shared_ptr<void>> spare_exchanges;
    std::vector<Future<void>> all_closed_waiters;  // shutdown() waits for connections to empty

    // One connection's share of the memory budget, as its write buffer's high water mark
    // (server_options.hpp: memory_budget).
    // 0 while the budget is spent (write_bytes_charged at or past it): then a connection may
    // only hand its transport a piece when its buffer is empty, so the connections that came
    // first and filled their buffers at a higher mark cannot push the total on past the budget
    // as more connections arrive (1,000 slow readers of tests/reliability/attacks.sh held 56 MB
    // of write buffers against a 32 MB budget before this).
    std::size_t write_mark() const {
        if (write_bytes_charged >= options.memory_budget) return 0;
        const std::size_t share =
            options.memory_budget / std::max<std::size_t>(1, connections.size());
        return std::clamp(share, kMinWriteMark, std::max(kMinWriteMark, options.write_buffer_size));
    }

    // Whether `more` bytes of request body may be held on top of what is held already.
    bool body_fits(std::uint64_t more) const {
        return body_bytes_buffered + more <= options.memory_budget;
    }

    void on_connection_gone() {
        if (!connections.empty()) return;
        for (auto& f : all_closed_waiters) {
            if (!f.done()) f.set_result();
        }
        all_closed_waiters.clear();
    }
};

}  // namespace looplab::http
