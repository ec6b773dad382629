// tests/runtime/task_group_test.cpp: task_group(), asyncio's TaskGroup.
//
// The scope waits for every child; the first failure cancels the siblings and the body; every
// failure comes out together in one ExceptionGroup; a cancellation of the parent from outside
// propagates as CancelledError after the children are cancelled; and a finished group takes
// no new tasks (task_group.hpp).
#include "runtime/task_group.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/sleep.hpp"
#include "runtime/timeout.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::after;
using testing::outcome_of;
using testing::VirtualLoop;

// Sleeps `d` and logs "<name> done", or "<name> cancelled" if cancelled (then rethrows).
Coro<void> child(std::string name, Duration d, std::vector<std::string>& log) {
    try {
        co_await sleep(d);
    } catch (const CancelledError&) {
        log.push_back(name + " cancelled");
        throw;
    }
    log.push_back(name + " done");
}

// Sleeps `d`, logs, and throws std::runtime_error(name).
Coro<void> failing_child(std::string name, Duration d, std::vector<std::string>& log) {
    co_await sleep(d);
    log.push_back(name + " fails");
    throw std::runtime_error(name);
}

// Sleeps `d`, then starts `coro` in `group`. (A function, not a lambda: a lambda defined in
// the body would die with the body's frame while this task still runs.)
Coro<void> spawn_after(Duration d, TaskGroup& group, Coro<void> coro) {
    co_await sleep(d);
    group.create_task(std::move(coro));
}

// The what() of every exception in an ExceptionGroup.
std::vector<std::string> messages_of(const ExceptionGroup& group) {
    std::vector<std::string> out;
    for (const auto& e : group.exceptions()) out.push_back(describe(e));
    return out;
}

TEST(TaskGroup, WaitsForEveryChildBeforeReturning) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<void> {
        co_await task_group([&](TaskGroup& tg) -> Coro<void> {
            tg.create_task(child("a", 2s, log));
            tg.create_task(child("b", 1s, log));
            co_return;
        });
        log.push_back("scope ended");
        EXPECT_EQ(v.elapsed(), 2s);  // concurrently: the longest child, not the sum
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(log, (std::vector<std::string>{"b done", "a done", "scope ended"}));
}

TEST(TaskGroup, ChildTasksGiveTheirResults) {
    VirtualLoop v;
    auto body = [&]() -> Coro<int> {
        Task<int> a;
        Task<int> b;
        co_await task_group([&](TaskGroup& tg) -> Coro<void> {
            a = tg.create_task(after(1s, 20));
            b = tg.create_task(after(2s, 22));
            co_return;
        });
        co_return a.result() + b.result();
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 42);
}

TEST(TaskGroup, AnEmptyGroupEndsAtOnce) {
    VirtualLoop v;
    auto body = [&]() -> Coro<void> {
        co_await task_group([](TaskGroup&) -> Coro<void> { co_return; });
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(v.elapsed(), Duration::zero());
}

TEST(TaskGroup, TheFirstFailureCancelsTheSiblingsAndTheBody) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<std::vector<std::string>> {
        try {
            co_await task_group([&](TaskGroup& tg) -> Coro<void> {
                tg.create_task(child("sibling", 1h, log));
                tg.create_task(failing_child("bad", 1s, log));
                try {
                    co_await sleep(1h);  // the body is still running when "bad" fails
                } catch (const CancelledError&) {
                    log.push_back("body cancelled");
                    throw;
                }
            });
        } catch (const ExceptionGroup& group) {
            co_return messages_of(group);
        }
        co_return std::vector<std::string>{"no exception"};
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), (std::vector<std::string>{"bad"}));
    EXPECT_EQ(log, (std::vector<std::string>{"bad fails", "sibling cancelled", "body cancelled"}));
    EXPECT_EQ(v.elapsed(), 1s);
}

TEST(TaskGroup, TheExceptionGroupHoldsEveryErrorInTheOrderTheyHappened) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto stubborn_failure = [&]() -> Coro<void> {
        // Fails when cancelled: a second error arriving after the first.
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
        }
        throw std::logic_error("failed while cancelled");
    };
    auto body = [&]() -> Coro<std::vector<std::string>> {
        try {
            co_await task_group([&](TaskGroup& tg) -> Coro<void> {
                tg.create_task(failing_child("first", 1s, log));
                tg.create_task(failing_child("same time", 1s, log));
                tg.create_task(stubborn_failure());
                co_return;
            });
        } catch (const ExceptionGroup& group) {
            co_return messages_of(group);
        }
        co_return std::vector<std::string>{"no exception"};
    };
    EXPECT_EQ(v.loop.run_until_complete(body()),
              (std::vector<std::string>{"first", "same time", "failed while cancelled"}));
}

TEST(TaskGroup, ABodyExceptionCancelsTheChildrenAndJoinsTheGroup) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<std::vector<std::string>> {
        try {
            co_await task_group([&](TaskGroup& tg) -> Coro<void> {
                tg.create_task(child("a", 1h, log));
                tg.create_task(child("b", 1h, log));
                co_await sleep(1s);
                throw std::runtime_error("body failed");
            });
        } catch (const ExceptionGroup& group) {
            co_return messages_of(group);
        }
        co_return std::vector<std::string>{"no exception"};
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), (std::vector<std::string>{"body failed"}));
    EXPECT_EQ(log, (std::vector<std::string>{"a cancelled", "b cancelled"}));
    EXPECT_EQ(v.elapsed(), 1s);
}

TEST(TaskGroup, ExternalCancellationDuringTheBodyPropagatesAsCancelledErrorAndCancelsChildren) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<void> {
        co_await task_group([&](TaskGroup& tg) -> Coro<void> {
            tg.create_task(child("a", 1h, log));
            co_await sleep(1h);
        });
    };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_TRUE(t.cancelled());
    EXPECT_EQ(log, (std::vector<std::string>{"a cancelled"}));
}

TEST(TaskGroup, ExternalCancellationWhileWaitingForChildrenPropagatesAsCancelledError) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<void> {
        co_await task_group([&](TaskGroup& tg) -> Coro<void> {
            tg.create_task(child("a", 1h, log));
            tg.create_task(child("b", 2h, log));
            co_return;  // the scope now waits in exit
        });
        log.push_back("after the scope");
    };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_EQ(log, (std::vector<std::string>{"a cancelled", "b cancelled"}));
    EXPECT_EQ(v.elapsed(), 1s);
}

TEST(TaskGroup, ChildErrorsWinOverAnExternalCancellation) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto fails_when_cancelled = [&]() -> Coro<void> {
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
        }
        throw std::runtime_error("failed on the way out");
    };
    auto body = [&]() -> Coro<std::vector<std::string>> {
        try {
            co_await task_group([&](TaskGroup& tg) -> Coro<void> {
                tg.create_task(fails_when_cancelled());
                co_await sleep(1h);
            });
        } catch (const ExceptionGroup& group) {
            co_return messages_of(group);
        }
        co_return std::vector<std::string>{"no ExceptionGroup"};
    };
    Task<std::vector<std::string>> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_EQ(v.loop.run_until_complete(t), (std::vector<std::string>{"failed on the way out"}));
}

TEST(TaskGroup, ChildrenFinishTheirCleanupBeforeTheCancellationPropagates) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto slow_cleanup = [&]() -> Coro<void> {
        std::exception_ptr cancelled;
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
            cancelled = std::current_exception();
        }
        co_await sleep(3s);
        log.push_back("cleanup finished");
        if (cancelled) std::rethrow_exception(cancelled);
    };
    auto body = [&]() -> Coro<void> {
        co_await task_group([&](TaskGroup& tg) -> Coro<void> {
            tg.create_task(slow_cleanup());
            co_return;
        });
    };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_EQ(log, (std::vector<std::string>{"cleanup finished"}));
    EXPECT_EQ(v.elapsed(), 4s);
}

TEST(TaskGroup, TheParentIsNotLeftCancelledAfterAChildFailure) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<int> {
        try {
            co_await task_group([&](TaskGroup& tg) -> Coro<void> {
                tg.create_task(failing_child("bad", 1s, log));
                co_await sleep(1h);
            });
        } catch (const ExceptionGroup&) {
        }
        EXPECT_EQ(current_task()->cancelling(), 0);
        co_await sleep(1s);  // the group's own cancellation was taken back
        co_return 1;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 1);
    EXPECT_EQ(v.elapsed(), 2s);
}

TEST(TaskGroup, AChildFailingWhileTheScopeWaitsInExitFailsTheGroup) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<std::vector<std::string>> {
        try {
            co_await task_group([&](TaskGroup& tg) -> Coro<void> {
                tg.create_task(child("sibling", 1h, log));
                tg.create_task(failing_child("late", 2s, log));
                co_return;
            });
        } catch (const ExceptionGroup& group) {
            EXPECT_EQ(current_task()->cancelling(), 0);
            co_return messages_of(group);
        }
        co_return std::vector<std::string>{"no exception"};
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), (std::vector<std::string>{"late"}));
    EXPECT_EQ(log, (std::vector<std::string>{"late fails", "sibling cancelled"}));
}

TEST(TaskGroup, TheLastChildFailingWhileTheScopeWaitsInExitFailsTheGroup) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<std::string> {
        try {
            co_await task_group([&](TaskGroup& tg) -> Coro<void> {
                tg.create_task(failing_child("only", 2s, log));
                co_return;
            });
        } catch (const ExceptionGroup& group) {
            co_return messages_of(group).at(0);
        }
        co_return "no exception";
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "only");
    auto after_scope = [&]() -> Coro<int> {
        co_await sleep(1s);
        co_return 1;
    };
    EXPECT_EQ(v.loop.run_until_complete(after_scope()), 1);
}

TEST(TaskGroup, AChildCancelledOnItsOwnIsNotAnError) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<void> {
        co_await task_group([&](TaskGroup& tg) -> Coro<void> {
            Task<void> a = tg.create_task(child("a", 1h, log));
            tg.create_task(child("b", 2s, log));
            v.loop.call_later(1s, [a]() mutable { a.cancel(); });
            co_return;
        });
        log.push_back("scope ended normally");
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(log, (std::vector<std::string>{"a cancelled", "b done", "scope ended normally"}));
}

TEST(TaskGroup, CreateTaskAfterTheGroupFinishedThrowsInvalidStateError) {
    // task_group() hides its group once the scope ends, so drive enter / exit by hand.
    VirtualLoop v;
    std::vector<std::string> log;
    bool threw = false;
    auto body = [&]() -> Coro<void> {
        TaskGroup group;
        group.enter();
        group.create_task(child("first", 1s, log));
        co_await group.exit(nullptr);
        try {
            group.create_task(child("too late", 1s, log));
        } catch (const InvalidStateError&) {
            threw = true;
        }
        co_await sleep(5s);
    };
    v.loop.run_until_complete(body());
    EXPECT_TRUE(threw);
    EXPECT_EQ(log, (std::vector<std::string>{"first done"}));
}

TEST(TaskGroup, CreateTaskWhileShuttingDownAfterAFailureThrowsInvalidStateError) {
    VirtualLoop v;
    std::vector<std::string> log;
    bool threw = false;
    auto body = [&]() -> Coro<void> {
        try {
            co_await task_group([&](TaskGroup& tg) -> Coro<void> {
                tg.create_task(failing_child("bad", 1s, log));
                std::exception_ptr cancelled;
                try {
                    co_await sleep(1h);
                } catch (const CancelledError&) {
                    cancelled = std::current_exception();
                }
                try {
                    tg.create_task(child("refused", 1s, log));
                } catch (const InvalidStateError&) {
                    threw = true;
                }
                if (cancelled) std::rethrow_exception(cancelled);
            });
        } catch (const ExceptionGroup&) {
        }
    };
    v.loop.run_until_complete(body());
    EXPECT_TRUE(threw);
}

TEST(TaskGroup, ChildrenMayAddChildrenWhileTheScopeWaits) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<void> {
        co_await task_group([&](TaskGroup& tg) -> Coro<void> {
            tg.create_task(spawn_after(1s, tg, child("grandchild", 2s, log)));
            co_await sleep(0s);  // spawner is still sleeping when the body ends
        });
        log.push_back("scope ended");
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(log, (std::vector<std::string>{"grandchild done", "scope ended"}));
    EXPECT_EQ(v.elapsed(), 3s);
}

TEST(TaskGroup, NestedGroupsEachWaitForTheirOwnChildren) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<void> {
        co_await task_group([&](TaskGroup& outer) -> Coro<void> {
            outer.create_task(child("outer child", 3s, log));
            co_await task_group([&](TaskGroup& inner) -> Coro<void> {
                inner.create_task(child("inner child", 1s, log));
                co_return;
            });
            log.push_back("inner scope ended");
        });
        log.push_back("outer scope ended");
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(log, (std::vector<std::string>{"inner child done", "inner scope ended",
                                             "outer child done", "outer scope ended"}));
}

TEST(TaskGroup, InsideATimeoutEndsWithTimeoutErrorOnceTheChildrenAreCancelled) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto group = [&]() -> Coro<void> {
        co_await task_group([&](TaskGroup& tg) -> Coro<void> {
            tg.create_task(child("a", 1h, log));
            tg.create_task(child("b", 1s, log));
            co_return;
        });
    };
    auto body = [&]() -> Coro<std::string> {
        try {
            co_await timeout(2s, group());
        } catch (const TimeoutError&) {
            EXPECT_EQ(current_task()->cancelling(), 0);
            co_return "TimeoutError";
        }
        co_return "no timeout";
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "TimeoutError");
    EXPECT_EQ(log, (std::vector<std::string>{"b done", "a cancelled"}));
    EXPECT_EQ(v.elapsed(), 2s);
}

TEST(TaskGroup, AChildMayUseATimeoutOfItsOwn) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto impatient = [&]() -> Coro<void> {
        try {
            co_await timeout(1s, after(1h, 0));
        } catch (const TimeoutError&) {
            log.push_back("child timed out");
        }
    };
    auto body = [&]() -> Coro<void> {
        co_await task_group([&](TaskGroup& tg) -> Coro<void> {
            tg.create_task(impatient());
            tg.create_task(child("sibling", 2s, log));
            co_return;
        });
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(log, (std::vector<std::string>{"child timed out", "sibling done"}));
}

TEST(TaskGroup, UsedOutsideATaskThrowsInvalidStateError) {
    TaskGroup group;
    EXPECT_THROW(group.enter(), InvalidStateError);
    EXPECT_THROW(group.create_task(after(1s, 1)), InvalidStateError);
}

}  // namespace
}  // namespace looplab
