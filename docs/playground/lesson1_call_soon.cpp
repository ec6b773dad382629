// docs/playground/lesson1_call_soon.cpp: lesson 1's two exercises (docs/course.md), ungraded.
//
// asyncio: loop.call_soon and the ready queue; loop.set_exception_handler.
//
// Exercise 1: `a` is scheduled with call_soon and itself schedules `b`; the program calls
// run_once() twice by hand. Write your prediction in `predicted_b_after`, then run it: the
// program prints what happened and whether you were right (lesson 1's "Read" list says why).
// Exercise 2: install an exception handler that counts errors (set_exception_handler), make a
// callback throw, and check the count; the TODO marks the place.
//
//     cmake --build build --target playground_lesson1_call_soon
//     ./build/tests/docs/playground_lesson1_call_soon
#include <iostream>
#include <stdexcept>
#include <string>

#include "runtime/event_loop.hpp"

int main() {
    looplab::EventLoop loop;
    std::string ran;
    loop.call_soon([&] {
        ran += "a";
        loop.call_soon([&] { ran += "b"; });
    });

    const int predicted_b_after = 0;  // TODO: after the 1st or the 2nd run_once()?
    int b_after = 0;
    for (int call = 1; call <= 2; ++call) {
        loop.run_once();
        std::cout << "after run_once() #" << call << ": ran \"" << ran << "\"" << std::endl;
        if (b_after == 0 && ran.find('b') != std::string::npos) b_after = call;
    }
    std::cout << "b ran after run_once() #" << b_after << "; you predicted #" << predicted_b_after
              << (b_after == predicted_b_after ? ": right" : ": look again") << std::endl;

    // TODO (exercise 2): loop.set_exception_handler(...) counting calls, then
    // loop.call_soon([] { throw std::runtime_error("boom"); }); loop.run_once(); print the count.
}
