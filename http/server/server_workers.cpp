// http/server/server_workers.cpp: see server_workers.hpp.
#include "http/server/server_workers.hpp"

#include <thread>

namespace looplab::http {

unsigned ServerWorkers::default_count() {
    return std::max(1u, std::thread::hardware_concurrency());
}

ServerWorkers::ServerWorkers(std::function<Router()> make_router, std::string host,
                             std::uint16_t port, HttpServerOptions options, unsigned count) {
    if (count == 0) count = default_count();
    options.reuse_port = true;
    for (unsigned i = 0; i < count; ++i) {
        // The first worker's port (the kernel's choice for port 0) is everyone's.
        const std::uint16_t bind_port = workers_.empty() ? port : workers_.front()->port();
        workers_.push_back(std::make_unique<ServerThread>(make_router(), host, bind_port, options));
    }
}

ServerWorkers::~ServerWorkers() {
    stop();
}

void ServerWorkers::stop() {
    for (auto& worker : workers_) worker->request_stop();
    for (auto& worker : workers_) worker->stop();
}

std::vector<std::uint64_t> ServerWorkers::requests_served() const {
    std::vector<std::uint64_t> out;
    for (const auto& worker : workers_) out.push_back(worker->requests_served());
    return out;
}

std::uint64_t ServerWorkers::total_requests_served() const {
    std::uint64_t total = 0;
    for (const auto& worker : workers_) total += worker->requests_served();
    return total;
}

}  // namespace looplab::http
