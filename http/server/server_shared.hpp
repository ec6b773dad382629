// http/server/server_shared.hpp: what an HttpServer and all its connections share.
//
// One object per server, held by the server and by every connection (shared_ptr), so a
// connection that outlives the server's handle (still closing) can still reach its router and
// counters. Loop-thread only: a server and its connections live on one loop (lab-serve
// --workers runs one server per loop, each with its own ServerShared).
#pragma once

#include <algorithm>
#include <cstdint>
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
    bool shutting_down = false;
    std::vector<Future<void>> all_closed_waiters;  // shutdown() waits for connections to empty

    // One connection's share of the memory budget, as its write buffer's high water mark
    // (server_options.hpp: memory_budget).
    std::size_t write_mark() const {
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
