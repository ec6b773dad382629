// docs/playground/lesson5_gather_blocking.cpp: lesson 5's exercise 1 (docs/course.md), ungraded.
//
// asyncio: asyncio.gather of a coroutine that blocks (time.sleep) and one that awaits
// (asyncio.sleep): the `compare` demo's "naive async" line in two coroutines.
//
// Predict the total time of gather(a(), b()) in `predicted_ms`, then run it. Then swap the
// order of the two arguments, predict again, and run again: does the order matter, and why?
//
//     cmake --build build --target playground_lesson5_gather_blocking
//     ./build/tests/docs/playground_lesson5_gather_blocking
#include <chrono>
#include <iostream>
#include <thread>

#include "runtime/looplab.hpp"

using namespace std::chrono_literals;
using looplab::Coro;

Coro<> a() {
    std::this_thread::sleep_for(200ms);  // blocks the loop's only thread
    co_return;
}

Coro<> b() {
    co_await looplab::sleep(200ms);
}  // gives the loop back while it waits

Coro<> main_coro() {
    const long predicted_ms = 0;  // TODO: your prediction
    auto& loop = looplab::get_running_loop();
    const auto start = loop.time();
    co_await looplab::gather(a(), b());
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(loop.time() - start);
    std::cout << "gather(a(), b()) took " << ms.count() << " ms; you predicted " << predicted_ms
              << " ms" << std::endl;
}

int main() {
    looplab::run(main_coro());
}
