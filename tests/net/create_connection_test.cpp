// tests/net/create_connection_test.cpp: resolving, trying addresses in turn, timeouts, errors.
//
// The connect timeout is provoked as in blocking_socket_test.cpp: a listener with backlog 0
// whose one queue slot is taken drops further SYNs, so a connect sees no answer at all.
#include "net/transport/create_connection.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <stdexcept>
#include <vector>

#include "net/errors.hpp"
#include "net/socket_ops.hpp"
#include "runtime/errors.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/fd_leak_check.hpp"
#include "support/loopback.hpp"
#include "support/net_test_loop.hpp"
#include "support/recording_protocol.hpp"

namespace looplab::net {
namespace {

using namespace std::chrono_literals;
using testing::RecordingProtocol;
using testing::run_net_test;

class CreateConnectionTest : public testing::NoFdLeaks {};

// A listener whose accept queue is full: connects to it get no answer (see the file comment).
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

TEST_F(CreateConnectionTest, ConnectingToAClosedPortIsRefusedAndNamesTheAddress) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const SocketAddress nobody = testing::closed_loopback_port();
        auto factory = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
        try {
            (void)co_await create_connection(loop, factory, "127.0.0.1", nobody.port());
            ADD_FAILURE() << "connected to " << nobody;
        } catch (const ConnectionRefusedError& e) {
            EXPECT_EQ(e.address(), nobody.to_string());
        }
    });
}

TEST_F(CreateConnectionTest, AConnectNobodyAnswersEndsInConnectTimeoutError) {
    SilentListener silent;
    run_net_test([&silent](EventLoop& loop) -> Coro<void> {
        co_await sleep(50ms);  // let the queued handshakes fill the backlog
        auto factory = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
        ConnectionOptions options;
        options.connect_timeout = 200ms;
        try {
            (void)co_await create_connection(loop, factory, "127.0.0.1",
                                             silent.listener.address.port(), options);
            ADD_FAILURE() << "connected to a listener whose backlog was full: this kernel did "
                             "not drop the SYN, so this test cannot provoke a timeout here";
        } catch (const ConnectTimeoutError& e) {
            EXPECT_EQ(e.address(), silent.listener.address.to_string());
            EXPECT_EQ(e.waited(), 200ms);
            EXPECT_EQ(e.code(), std::errc::timed_out);
        }
        EXPECT_EQ(loop.selector().size(), 1u) << "only the loop's wake-up fd stays registered";
    });
}

TEST_F(CreateConnectionTest, EachAddressIsTriedInTurnUntilOneConnects) {
    const testing::Listener listener = testing::listen_on_loopback(AF_INET);
    run_net_test([&listener](EventLoop& loop) -> Coro<void> {
        const std::vector<SocketAddress> addresses = {testing::closed_loopback_port(AF_INET6),
                                                      testing::closed_loopback_port(AF_INET),
                                                      listener.address};
        UniqueFd fd = co_await detail::connect_to_first(loop, addresses, 1s);
        EXPECT_EQ(peer_address(fd.get()), listener.address);
    });
    UniqueFd accepted = testing::accept_one(listener);
    EXPECT_TRUE(accepted);
}

TEST_F(CreateConnectionTest, WhenEveryAddressFailsTheFirstAddressesErrorIsThrown) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const SocketAddress first = testing::closed_loopback_port(AF_INET6);
        const SocketAddress second = testing::closed_loopback_port(AF_INET);
        try {
            std::vector<SocketAddress> both = {first, second};
            (void)co_await detail::connect_to_first(loop, std::move(both), std::nullopt);
            ADD_FAILURE() << "connected";
        } catch (const ConnectionRefusedError& e) {
            EXPECT_EQ(e.address(), first.to_string());
        }
    });
}

TEST_F(CreateConnectionTest, CancellingAConnectInProgressClosesItsSocket) {
    SilentListener silent;
    run_net_test([&silent](EventLoop& loop) -> Coro<void> {
        co_await sleep(50ms);
        auto factory = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
        Task<void> connecting =
            loop.create_task([](EventLoop& l, auto f, std::uint16_t port) -> Coro<void> {
                (void)co_await create_connection(l, f, "127.0.0.1", port);
            }(loop, factory, silent.listener.address.port()));
        co_await sleep(50ms);
        EXPECT_EQ(loop.selector().size(), 2u) << "the connecting socket waits for writability";
        connecting.cancel();
        EXPECT_THROW(co_await connecting, CancelledError);
        EXPECT_EQ(loop.selector().size(), 1u);
    });  // NoFdLeaks checks that the socket was closed
}

TEST_F(CreateConnectionTest, AnExceptionFromConnectionMadeIsThrownByCreateConnection) {
    const testing::Listener listener = testing::listen_on_loopback(AF_INET);
    testing::ExceptionLog reports;
    run_net_test([&](EventLoop& loop) -> Coro<void> {
        reports.install(loop);
        auto factory = [&loop] {
            auto p = std::make_shared<RecordingProtocol>(loop);
            p->on_made = [](Transport&) { throw std::logic_error("refusing this connection"); };
            return p;
        };
        EXPECT_THROW(
            (void)co_await create_connection(loop, factory, "127.0.0.1", listener.address.port()),
            std::logic_error);
        co_await sleep(10ms);  // connection_lost runs, the socket closes
    });
    EXPECT_EQ(reports.messages.size(), 1u);
    UniqueFd accepted = testing::accept_one(listener);
}

}  // namespace
}  // namespace looplab::net
