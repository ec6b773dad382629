// docs/steps/step8_looplab.cpp: step 8 of the ladder: the same program on looplab.
//
// The idea: nothing new; every piece of steps 1-7 has its grown-up version in looplab, and
// this is steps 5, 6 and 7 in one program written with them. A ticker task sleeps (timers),
// two fetches go through ClientSession (transports, protocols and a connection pool), and
// one blocking fetch runs on the default thread pool (run_in_executor), all on one loop; the
// server is looplab's own, on a thread of its own, as TinyServer was.
//
//     step 2-3  Loop, call_soon, add_reader   runtime/event_loop.hpp, runtime/selector/
//     step 3    Future                        runtime/future.hpp
//     step 4    Coro, Task                    runtime/coro.hpp, runtime/task.hpp
//     step 5    call_later, sleep             runtime/timer_heap.hpp, runtime/sleep.hpp
//     step 6    call_soon_threadsafe, pool    runtime/threadsafe_inbox.hpp, runtime/executor/
//     step 7    Transport, Protocol           net/transport/, http/client/client_connection.hpp
//
// It links looplab, so CMake builds it (tests/docs/CMakeLists.txt), from the repository root:
//     cmake -S . -B build -G Ninja && cmake --build build --target step8_looplab
//     ./build/tests/docs/step8_looplab
#include <chrono>
#include <iostream>
#include <string>

#include "http/client/blocking_client.hpp"
#include "http/client/client_session.hpp"
#include "http/server/server_thread.hpp"
#include "runtime/looplab.hpp"

using namespace std::chrono_literals;
using looplab::Coro;
using looplab::http::ClientSession;
using looplab::http::ServerThread;

long ms_since(looplab::TimePoint start) {
    const auto d = looplab::get_running_loop().time() - start;
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

Coro<> ticker(looplab::TimePoint start) {
    for (int i = 1; i <= 3; ++i) {
        co_await looplab::sleep(200ms);
        std::cout << "tick " << i << " (after " << ms_since(start) << " ms)" << std::endl;
    }
}

// Steps 4 and 7: a task awaits a response that a protocol completes.
Coro<> fetch(ClientSession& session, std::string url, std::string path, looplab::TimePoint start) {
    looplab::http::ClientResponse response = co_await session.get(url);
    const std::string body = co_await response.text();
    std::cout << "GET " << path << " -> " << response.status << " " << response.reason << ": "
              << body << " (after " << ms_since(start) << " ms, ClientSession)" << std::endl;
}

// Step 6: a blocking call on a worker thread, its result handed back to the loop.
Coro<> fetch_on_a_worker(std::string url, std::string path, looplab::TimePoint start) {
    auto get = [url] { return looplab::http::blocking::get(url); };  // named: CONTRIBUTING.md
    const looplab::http::blocking::Response response =
        co_await looplab::get_running_loop().run_in_executor(nullptr, get);
    std::cout << "GET " << path << " -> " << response.status << " " << response.reason << ": "
              << response.body << " (after " << ms_since(start) << " ms, run_in_executor)"
              << std::endl;
}

Coro<> main_coro(const ServerThread& server) {
    ClientSession session;
    const auto start = looplab::get_running_loop().time();
    co_await looplab::gather(ticker(start),
                             fetch(session, server.url("/delay/500"), "/delay/500", start),
                             fetch(session, server.url("/delay/100"), "/delay/100", start),
                             fetch_on_a_worker(server.url("/delay/300"), "/delay/300", start));
    std::cout << "3 ticks and 3 fetches took " << ms_since(start)
              << " ms: one loop, one worker thread, one server thread" << std::endl;
    co_await session.close();
}

int main() {
    std::cout << "step 8: the same program on looplab" << std::endl;
    ServerThread server;  // looplab's demo server: /delay/<ms> answers "Hello World!"
    looplab::run(main_coro(server));
}
