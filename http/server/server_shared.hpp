// http/server/server_shared.hpp: what an HttpServer and all its connections share.
//
// One object per server, held by the server and by every connection (shared_ptr), so a
// connection that outlives the server's handle (still closing) can still reach its router and
// counters.
#pragma once

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
    Router router;
    HttpServerOptions options;
    DateCache date;  // every response's Date header (loop thread only)
    std::unordered_set<ServerConnection*> connections;  // live ones (connection_made..lost)
    std::uint64_t requests_served = 0;
    std::size_t peak_connections = 0;
    bool shutting_down = false;
    std::vector<Future<void>> all_closed_waiters;  // shutdown() waits for connections to empty

    void on_connection_gone() {
        if (!connections.empty()) return;
        for (auto& f : all_closed_waiters) {
            if (!f.done()) f.set_result();
        }
        all_closed_waiters.clear();
    }
};

}  // namespace looplab::http
