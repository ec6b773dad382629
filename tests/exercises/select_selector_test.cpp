// tests/exercises/select_selector_test.cpp: grading suite for exercise "select_selector"
// (runtime/selector_select.*).
//
// The contract of runtime/selector/selector.hpp, checked on SelectSelector with real pipes and
// socketpairs (what the kernel reports is the point), then the whole event loop run on it:
// callbacks, timers, a reader, and a wake-up from another thread. Asserts what select()
// returns, never how long it took.
#include "runtime/selector/selector_select.hpp"

#include <gtest/gtest.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"
#include "runtime/selector/choose_selector.hpp"
#include "runtime/selector/selector.hpp"
#include "runtime/task.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;

// A pipe closed on scope exit.
struct Pipe {
    int read_end = -1;
    int write_end = -1;
    Pipe() {
        int fds[2];
        if (::pipe(fds) != 0) throw std::system_error(errno, std::system_category(), "pipe");
        read_end = fds[0];
        write_end = fds[1];
    }
    ~Pipe() {
        if (read_end >= 0) ::close(read_end);
        if (write_end >= 0) ::close(write_end);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
};

void write_byte(int fd) {
    ASSERT_EQ(::write(fd, "x", 1), 1);
}

TEST(ExerciseSelectSelector, IsMadeByKindAndKeepsTheRegistrationBookkeeping) {
    std::unique_ptr<Selector> selector = make_selector(SelectorKind::select);
    EXPECT_EQ(selector->name(), "select");
    Pipe p;
    int tag = 0;
    selector->register_fd(p.read_end, kRead, &tag);
    EXPECT_EQ(selector->size(), 1u);
    EXPECT_THROW(selector->register_fd(p.read_end, kRead, nullptr), std::invalid_argument);
    selector->modify(p.read_end, kRead | kWrite, &tag);
    selector->unregister(p.read_end);
    EXPECT_EQ(selector->size(), 0u);
    EXPECT_THROW(selector->unregister(p.read_end), std::invalid_argument);
    EXPECT_THROW(selector->modify(p.read_end, kRead, nullptr), std::invalid_argument);
}

TEST(ExerciseSelectSelector, RefusesBadArgumentsAndFdsSelectCannotWatch) {
    SelectSelector selector;
    Pipe p;
    EXPECT_THROW(selector.register_fd(-1, kRead, nullptr), std::invalid_argument);
    EXPECT_THROW(selector.register_fd(p.read_end, 0, nullptr), std::invalid_argument);
    EXPECT_THROW(selector.register_fd(p.read_end, 4, nullptr), std::invalid_argument);
    // FD_SET on an fd >= FD_SETSIZE writes past the fd_set: refused up front, by number.
    try {
        selector.register_fd(FD_SETSIZE, kRead, nullptr);
        ADD_FAILURE() << "no exception for fd FD_SETSIZE";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find(std::to_string(FD_SETSIZE)), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(selector.size(), 0u);
}

TEST(ExerciseSelectSelector, ReportsAPipeReadableOnceWrittenWithItsData) {
    SelectSelector selector;
    Pipe p;
    int tag = 0;
    selector.register_fd(p.read_end, kRead, &tag);
    std::vector<SelectorEvent> out{SelectorEvent{}};  // select() must clear it
    EXPECT_EQ(selector.select(0ns, out), 0);
    EXPECT_TRUE(out.empty());

    write_byte(p.write_end);
    ASSERT_EQ(selector.select(1s, out), 1);
    EXPECT_EQ(out[0].fd, p.read_end);
    EXPECT_EQ(out[0].events, kRead);
    EXPECT_EQ(out[0].data, &tag);

    // Level-triggered: still unread, so reported again.
    ASSERT_EQ(selector.select(0ns, out), 1);
    EXPECT_EQ(out[0].fd, p.read_end);
}

TEST(ExerciseSelectSelector, ReportsOnlyTheDirectionsAsked) {
    SelectSelector selector;
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    selector.register_fd(fds[0], kWrite, nullptr);
    write_byte(fds[1]);  // fds[0] is now readable too, but only writability was asked for
    std::vector<SelectorEvent> out;
    ASSERT_EQ(selector.select(1s, out), 1);
    EXPECT_EQ(out[0].events, kWrite);

    selector.modify(fds[0], kRead, nullptr);
    ASSERT_EQ(selector.select(1s, out), 1);
    EXPECT_EQ(out[0].events, kRead);
    selector.unregister(fds[0]);
    EXPECT_EQ(selector.select(0ns, out), 0);
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST(ExerciseSelectSelector, WatchesSeveralFdsAndReportsEachReadyOne) {
    SelectSelector selector;
    Pipe a;
    Pipe b;
    Pipe c;
    selector.register_fd(a.read_end, kRead, nullptr);
    selector.register_fd(b.read_end, kRead, nullptr);
    selector.register_fd(c.read_end, kRead, nullptr);
    write_byte(a.write_end);
    write_byte(c.write_end);
    std::vector<SelectorEvent> out;
    ASSERT_EQ(selector.select(1s, out), 2);
    std::vector<int> ready{out[0].fd, out[1].fd};
    std::sort(ready.begin(), ready.end());
    std::vector<int> expected{a.read_end, c.read_end};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(ready, expected);
}

TEST(ExerciseSelectSelector, AClosedButRegisteredFdIsAnErrorNotASilentSpin) {
    SelectSelector selector;
    Pipe p;
    selector.register_fd(p.read_end, kRead, nullptr);
    ::close(p.read_end);
    const int closed = p.read_end;
    p.read_end = -1;
    std::vector<SelectorEvent> out;
    EXPECT_THROW(selector.select(0ns, out), std::system_error);
    selector.unregister(closed);  // still allowed after close (selector.hpp's contract)
    EXPECT_EQ(selector.size(), 0u);
}

TEST(ExerciseSelectSelector, RunsTheEventLoopReadersTimersAndThreadsafeWakeUps) {
    EventLoopOptions options;
    options.selector = SelectorKind::select;
    EventLoop loop(options);
    Pipe p;
    std::vector<std::string> log;
    loop.call_soon([&] { log.push_back("soon"); });
    loop.call_later(1ms, [&] { log.push_back("timer"); });
    loop.add_reader(p.read_end, [&] {
        char byte = 0;
        ASSERT_EQ(::read(p.read_end, &byte, 1), 1);
        log.push_back("read");
        loop.remove_reader(p.read_end);
    });
    Future<int> done = loop.create_future<int>();
    // Another thread writes to the pipe, then hands the loop a result: the loop must wake from
    // select(2) for both (the wake-up goes through the eventfd the loop registers).
    std::thread other([&] {
        write_byte(p.write_end);
        loop.call_soon_threadsafe([&] { done.set_result(42); });
    });
    const int result = loop.run_until_complete(done);
    other.join();
    EXPECT_EQ(result, 42);
    EXPECT_EQ(log.front(), "soon");
    EXPECT_NE(std::find(log.begin(), log.end(), "read"), log.end());
    loop.close();
}

TEST(ExerciseSelectSelector, IsChosenByLoopLabSelectorEqualsSelect) {
    ASSERT_EQ(::setenv("LOOPLAB_SELECTOR", "select", 1), 0);
    const SelectorKind kind = selector_kind_from_env();
    ::unsetenv("LOOPLAB_SELECTOR");
    EXPECT_EQ(kind, SelectorKind::select);
    EventLoopOptions options;
    options.selector = kind;
    EventLoop loop(options);  // registers its wake-up fd: needs register_fd
    int ran = 0;
    loop.call_later(1ms, [&] { ++ran; });
    while (ran == 0) loop.run_once();
    EXPECT_EQ(ran, 1);
    loop.close();
}

}  // namespace
}  // namespace looplab
