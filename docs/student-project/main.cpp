// docs/student-project/main.cpp: a first program against an installed looplab.
//
// Starts looplab's HTTP server on a thread of its own (ServerThread, an ephemeral port), then
// fetches three of its /delay pages concurrently with ClientSession and gather: three 200 ms
// requests take about 200 ms, not 600, because each waits in the selector, not in a thread.
// Exits 0 when every body arrived, 1 otherwise; the assignment starts by changing this.
#include <chrono>
#include <iostream>
#include <string>

#include "http/client/client_session.hpp"
#include "http/server/server_thread.hpp"
#include "runtime/looplab.hpp"

using namespace std::chrono_literals;
using looplab::Coro;

Coro<std::string> fetch(looplab::http::ClientSession& session, std::string url) {
    looplab::http::ClientResponse response = co_await session.get(url);
    std::string body = co_await response.text();
    co_return std::to_string(response.status) + " " + body;
}

Coro<int> main_coro(const looplab::http::ServerThread& server) {
    looplab::http::ClientSession session;
    auto& loop = looplab::get_running_loop();
    const auto start = loop.time();
    auto [a, b, c] = co_await looplab::gather(fetch(session, server.url("/delay/200")),
                                              fetch(session, server.url("/delay/200")),
                                              fetch(session, server.url("/delay/200")));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(loop.time() - start);
    std::cout << a << "\n"
              << b << "\n"
              << c << "\n"
              << "3 requests of 200 ms took " << ms.count() << " ms" << std::endl;
    co_await session.close();
    co_return a.starts_with("200") && b.starts_with("200") && c.starts_with("200") ? 0 : 1;
}

int main() {
    looplab::http::ServerThread server;  // looplab's demo server, on its own thread and loop
    return looplab::run(main_coro(server));
}
