// tests/runtime/support/loop_fixture.hpp: what most runtime tests need before their first line.
//
// A loop on a virtual clock (ManualClock with auto-advance: every sleep and timeout finishes
// at once, in the order real time would give), and an exception handler that records what
// the loop reports instead of printing it, so a test can assert on "exception never
// retrieved" and friends. Header-only: the runtime_tests binary globs *_test.cpp only.
#pragma once

#include <chrono>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"

namespace looplab::testing {

using namespace std::chrono_literals;

// One report the loop made through its exception handler.
struct Report {
    std::string message;
    std::exception_ptr exception;
    std::string source;
};

// Records every report of `loop` (replaces its exception handler).
class ReportLog {
public:
    explicit ReportLog(EventLoop& loop) {
        loop.set_exception_handler([this](EventLoop&, const ExceptionContext& c) {
            reports_.push_back({c.message, c.exception, c.source});
        });
    }
    const std::vector<Report>& reports() const { return reports_; }
    std::size_t size() const { return reports_.size(); }
    // How many reports contain `text` in their message.
    std::size_t count(const std::string& text) const {
        std::size_t n = 0;
        for (const Report& r : reports_) n += r.message.find(text) != std::string::npos;
        return n;
    }

private:
    std::vector<Report> reports_;
};

// A loop whose clock is virtual and auto-advances; reports are recorded, not printed.
// Members are declared in destruction-safe order: the loop dies before its clock.
struct VirtualLoop {
    explicit VirtualLoop(bool auto_advance = true) : clock(auto_advance), loop(options(&clock)) {}
    // Close first: closing may still report (abandoned tasks) to `log`, which dies before
    // `loop` does.
    ~VirtualLoop() { loop.close(); }
    VirtualLoop(const VirtualLoop&) = delete;
    VirtualLoop& operator=(const VirtualLoop&) = delete;

    // Virtual time elapsed since the loop was made.
    Duration elapsed() const { return loop.time() - TimePoint{}; }

    ManualClock clock;
    EventLoop loop;
    ReportLog log{loop};

private:
    static EventLoopOptions options(Clock* clock) {
        EventLoopOptions o;
        o.clock = clock;
        return o;
    }
};

// What a future or task ended with, as text: "result", "cancelled" or the exception's what().
template <class F>
std::string outcome_of(F& future) {
    if (!future.done()) return "pending";
    if (future.cancelled()) return "cancelled";
    std::exception_ptr e = future.exception();
    return e ? describe(e) : "result";
}

// Sleeps `d`, then returns `value`.
template <class T>
Coro<T> after(Duration d, T value) {
    co_await sleep(d);
    co_return value;
}

// Sleeps `d`, then throws std::runtime_error(what).
inline Coro<int> fail_after(Duration d, std::string what) {
    co_await sleep(d);
    throw std::runtime_error(what);
}

// Is `e` a T? (exception_ptr has no dynamic_cast.)
template <class T>
bool holds(const std::exception_ptr& e) {
    if (!e) return false;
    try {
        std::rethrow_exception(e);
    } catch (const T&) {
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace looplab::testing
