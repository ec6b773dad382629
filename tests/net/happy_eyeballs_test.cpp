// tests/net/happy_eyeballs_test.cpp: staggered connects (RFC 8305), interleaving, all_errors.
//
// The dead address is the silent listener of create_connection_test.cpp: a listener with
// backlog 0 whose queue is full drops further SYNs, so a connect to it hangs exactly like one to
// an address whose route drops packets. Real clock (the kernel's timing is not ours to fake);
// nothing asserts how long anything took, only who won and what was closed.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <vector>

#include "net/errors.hpp"
#include "net/socket_ops.hpp"
#include "net/transport/create_connection.hpp"
#include "runtime/errors.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/fd_leak_check.hpp"
#include "support/loopback.hpp"
#include "support/net_test_loop.hpp"

namespace looplab::net {
namespace {

using namespace std::chrono_literals;
using testing::run_net_test;

class HappyEyeballsTest : public testing::NoFdLeaks {};

// A listener that never answers a SYN (see the file comment).
struct SilentListener {
    testing::Listener listener = testing::listen_on_loopback(AF_INET, /*backlog=*/0);
    std::vector<UniqueFd> queued;
    SilentListener() {
        for (int i = 0; i < 3; ++i) {
            UniqueFd fd = make_socket(AF_INET, SOCK_STREAM, /*non_blocking=*/true);
            (void)::connect(fd.get(), listener.address.data(), listener.address.size());
            queued.push_back(std::move(fd));
        }
    }
};

SocketAddress v4(std::uint16_t port) {
    return SocketAddress::loopback(AF_INET, port);
}
SocketAddress v6(std::uint16_t port) {
    return SocketAddress::loopback(AF_INET6, port);
}

TEST(HappyEyeballsInterleave, FamiliesAlternateStartingWithTheFirstOnesFamily) {
    const std::vector<SocketAddress> in = {v6(1), v6(2), v6(3), v4(4), v4(5)};
    const std::vector<SocketAddress> out = detail::interleave_families(in, 1);
    EXPECT_EQ(out, (std::vector<SocketAddress>{v6(1), v4(4), v6(2), v4(5), v6(3)}));
}

TEST(HappyEyeballsInterleave, ACountAboveOneLetsTheFirstFamilyLeadByThatMany) {
    const std::vector<SocketAddress> in = {v6(1), v6(2), v6(3), v4(4), v4(5)};
    const std::vector<SocketAddress> out = detail::interleave_families(in, 2);
    EXPECT_EQ(out, (std::vector<SocketAddress>{v6(1), v6(2), v4(4), v6(3), v4(5)}));
}

TEST(HappyEyeballsInterleave, ZeroKeepsTheResolversOrder) {
    const std::vector<SocketAddress> in = {v6(1), v6(2), v4(3)};
    EXPECT_EQ(detail::interleave_families(in, 0), in);
}

TEST_F(HappyEyeballsTest, TheNextAddressStartsAfterTheDelayAndWinsWhileTheFirstStillHangs) {
    SilentListener silent;
    const testing::Listener good = testing::listen_on_loopback(AF_INET);
    run_net_test([&](EventLoop& loop) -> Coro<void> {
        co_await sleep(50ms);  // let the queued handshakes fill the silent listener's backlog
        ConnectionOptions options;
        options.happy_eyeballs_delay = 50ms;
        std::vector<SocketAddress> addresses = {silent.listener.address, good.address};
        UniqueFd fd = co_await detail::connect_to_any(loop, std::move(addresses), options);
        EXPECT_EQ(peer_address(fd.get()), good.address);
        co_await sleep(1ms);  // the cancelled attempt finishes
        EXPECT_EQ(loop.selector().size(), 1u) << "the hanging attempt's socket was unregistered";
    });  // NoFdLeaks: the losing socket was closed
    UniqueFd accepted = testing::accept_one(good);
    EXPECT_TRUE(accepted);
}

TEST_F(HappyEyeballsTest, WithoutADelayTheHangingFirstAddressCostsItsWholeConnectTimeout) {
    SilentListener silent;
    const testing::Listener good = testing::listen_on_loopback(AF_INET);
    run_net_test([&](EventLoop& loop) -> Coro<void> {
        co_await sleep(50ms);
        ConnectionOptions options;
        options.connect_timeout = 100ms;  // one address at a time: the first must time out
        std::vector<SocketAddress> addresses = {silent.listener.address, good.address};
        const TimePoint started = loop.time();
        UniqueFd fd = co_await detail::connect_to_any(loop, std::move(addresses), options);
        EXPECT_EQ(peer_address(fd.get()), good.address);
        EXPECT_GE(loop.time() - started, 100ms) << "the second address only after the timeout";
    });
    UniqueFd accepted = testing::accept_one(good);
}

TEST_F(HappyEyeballsTest, AFailingAttemptStartsTheNextOneAtOnceWithoutWaitingForTheDelay) {
    const testing::Listener good = testing::listen_on_loopback(AF_INET);
    run_net_test([&](EventLoop& loop) -> Coro<void> {
        ConnectionOptions options;
        options.happy_eyeballs_delay =
            1h;  // were the delay awaited, the test's deadline would end it
        std::vector<SocketAddress> addresses = {testing::closed_loopback_port(AF_INET),
                                                good.address};
        UniqueFd fd = co_await detail::connect_to_any(loop, std::move(addresses), options);
        EXPECT_EQ(peer_address(fd.get()), good.address);
    });
    UniqueFd accepted = testing::accept_one(good);
}

TEST_F(HappyEyeballsTest, WhenEveryStaggeredAttemptFailsTheFirstAddressesErrorIsThrown) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const SocketAddress first = testing::closed_loopback_port(AF_INET6);
        const SocketAddress second = testing::closed_loopback_port(AF_INET);
        ConnectionOptions options;
        options.happy_eyeballs_delay = 10ms;
        options.interleave = 0;
        try {
            std::vector<SocketAddress> both = {first, second};
            (void)co_await detail::connect_to_any(loop, std::move(both), options);
            ADD_FAILURE() << "connected";
        } catch (const ConnectionRefusedError& e) {
            EXPECT_EQ(e.address(), first.to_string());
        }
    });
}

TEST_F(HappyEyeballsTest, AllErrorsThrowsAnExceptionGroupWithEveryAddressesErrorInOrder) {
    for (const bool staggered : {false, true}) {
        run_net_test([staggered](EventLoop& loop) -> Coro<void> {
            const SocketAddress first = testing::closed_loopback_port(AF_INET6);
            const SocketAddress second = testing::closed_loopback_port(AF_INET);
            ConnectionOptions options;
            options.all_errors = true;
            options.interleave = 0;
            if (staggered) options.happy_eyeballs_delay = 10ms;
            try {
                std::vector<SocketAddress> both = {first, second};
                (void)co_await detail::connect_to_any(loop, std::move(both), options);
                ADD_FAILURE() << "connected";
            } catch (const ExceptionGroup& group) {
                CO_ASSERT_EQ(group.exceptions().size(), 2u);
                try {
                    std::rethrow_exception(group.exceptions()[0]);
                } catch (const ConnectionRefusedError& e) {
                    EXPECT_EQ(e.address(), first.to_string());
                }
                try {
                    std::rethrow_exception(group.exceptions()[1]);
                } catch (const ConnectionRefusedError& e) {
                    EXPECT_EQ(e.address(), second.to_string());
                }
                EXPECT_NE(std::string(group.what()).find("create_connection failed"),
                          std::string::npos);
            }
        });
    }
}

TEST_F(HappyEyeballsTest, CancellingAStaggeredConnectClosesEveryAttemptsSocket) {
    SilentListener silent;
    run_net_test([&](EventLoop& loop) -> Coro<void> {
        co_await sleep(50ms);
        ConnectionOptions options;
        options.happy_eyeballs_delay = 10ms;
        auto connect = [&]() -> Coro<void> {
            std::vector<SocketAddress> twice = {silent.listener.address, silent.listener.address};
            (void)co_await detail::connect_to_any(loop, std::move(twice), options);
        };
        Task<void> connecting = loop.create_task(connect());
        co_await sleep(50ms);  // both attempts are now hanging
        EXPECT_EQ(loop.selector().size(), 3u) << "two connecting sockets and the wake-up fd";
        connecting.cancel();
        EXPECT_THROW(co_await connecting, CancelledError);
        co_await sleep(1ms);
        EXPECT_EQ(loop.selector().size(), 1u);
    });  // NoFdLeaks checks both sockets were closed
}

TEST_F(HappyEyeballsTest, CreateConnectionTakesTheHappyEyeballsOptions) {
    const testing::Listener good = testing::listen_on_loopback(AF_INET);
    run_net_test([&](EventLoop& loop) -> Coro<void> {
        ConnectionOptions options;
        options.happy_eyeballs_delay = 250ms;
        options.all_errors = true;
        auto factory = [] { return std::make_shared<Protocol>(); };
        auto [transport, protocol] =
            co_await create_connection(loop, factory, "127.0.0.1", good.address.port(), options);
        EXPECT_TRUE(protocol);
        transport->close();
        co_await sleep(1ms);
    });
    UniqueFd accepted = testing::accept_one(good);
}

}  // namespace
}  // namespace looplab::net
