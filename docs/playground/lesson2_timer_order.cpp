// docs/playground/lesson2_timer_order.cpp: lesson 2's exercise 1 (docs/course.md), ungraded.
//
// asyncio: loop.call_later and the heap of TimerHandles; virtual time as in Tokio's
// time::pause (looplab's ManualClock, runtime/clock.hpp).
//
// Timers are scheduled at 3 s, 1 s and 2 s on a virtual clock. Write the order you expect in
// `predicted`, then run: the program prints the order and the virtual time of each timer,
// and whether you were right. It finishes at once: the clock jumps to each deadline when the
// loop has nothing else to do (phase 5). For exercise 2 (cancel 1000 timers and schedule one
// more), the TODO marks the place; read runtime/timer_heap.hpp for when the cancelled ones
// are freed.
//
//     cmake --build build --target playground_lesson2_timer_order
//     ./build/tests/docs/playground_lesson2_timer_order
#include <chrono>
#include <iostream>
#include <string>

#include "runtime/clock.hpp"
#include "runtime/event_loop.hpp"

using namespace std::chrono_literals;

int main() {
    looplab::ManualClock clock;
    looplab::EventLoopOptions options;
    options.clock = &clock;
    looplab::EventLoop loop(options);
    const looplab::TimePoint start = loop.time();
    std::string order;
    int fired = 0;
    for (int seconds : {3, 1, 2}) {
        loop.call_later(std::chrono::seconds(seconds), [&, seconds] {
            const auto at =
                std::chrono::duration_cast<std::chrono::milliseconds>(loop.time() - start);
            std::cout << "the " << seconds << " s timer fired at virtual " << at.count() << " ms"
                      << std::endl;
            order += std::to_string(seconds);
            if (++fired == 3) loop.stop();
        });
    }
    // TODO (exercise 2): schedule 1000 timers here and cancel them (call_later returns a
    // TimerHandle with cancel()), then one more; print loop.timer_count() before and after.

    const std::string predicted = "";  // TODO: e.g. "312"
    loop.run_forever();
    std::cout << "order " << order << "; you predicted \"" << predicted << "\""
              << (order == predicted ? ": right" : ": look again") << std::endl;
}
