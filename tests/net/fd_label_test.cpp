// tests/net/fd_label_test.cpp: a task waiting on a socket says so in words, with the fd and the
// peer ("sock_recv: read on fd 7 (127.0.0.1:8080)"), and the callback the loop queues when the
// socket is ready is "sock_recv fd 7: readable", or "transport fd 7: readable" for a transport.
#include "net/fd_label.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

#include "net/async_socket_ops.hpp"
#include "net/socket_ops.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/socket_transport.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/observe/task_dump.hpp"
#include "runtime/task.hpp"
#include "support/fd_leak_check.hpp"
#include "support/tcp_pair.hpp"

namespace looplab::net {
namespace {

class FdLabelTest : public testing::NoFdLeaks {};

std::string awaits(const EventLoop& loop, const std::string& name) {
    for (const TaskSnapshot& t : snapshot_tasks(loop)) {
        if (t.name == name) return t.awaits;
    }
    return "(no task '" + name + "')";
}

Coro<std::string> receive(EventLoop& loop, int fd) {
    co_return co_await sock_recv(loop, fd, 100);
}

TEST_F(FdLabelTest, ATaskInSockRecvAwaitsAReadOnItsFdFromItsPeer) {
    testing::TcpPair pair = testing::tcp_pair();
    EventLoop loop;
    const int fd = pair.client.get();
    Task<std::string> t = loop.create_task(receive(loop, fd), "receiver");
    loop.run_once();  // the first step: nothing to read, so it waits
    const std::string peer = peer_address(fd).to_string();
    EXPECT_EQ(awaits(loop, "receiver"),
              "sock_recv: read on fd " + std::to_string(fd) + " (" + peer + ")");

    // The reader callback the loop queues when data comes, in step mode's words.
    std::istringstream in(std::string(100, '\n'));
    std::ostringstream out;
    loop.set_step_mode(true, &in, &out);
    ASSERT_EQ(::send(pair.server.get(), "hi", 2, 0), 2);
    EXPECT_EQ(loop.run_until_complete(Future<std::string>(t)), "hi");
    loop.set_step_mode(false);
    EXPECT_NE(out.str().find("3. I/O: 1 queued: sock_recv fd " + std::to_string(fd) + ": readable"),
              std::string::npos)
        << out.str();
    loop.close();
}

TEST_F(FdLabelTest, ATransportsReaderIsNamedAfterTheTransportAndItsFd) {
    testing::TcpPair pair = testing::tcp_pair();
    EventLoop loop;
    const int fd = pair.client.get();
    auto protocol = std::make_shared<Protocol>();
    auto transport = SocketTransport::make(loop, std::move(pair.client), protocol);
    std::istringstream in(std::string(100, '\n'));
    std::ostringstream out;
    loop.set_step_mode(true, &in, &out);
    ASSERT_EQ(::send(pair.server.get(), "hi", 2, 0), 2);
    // Start reading, then the data; no further iteration, which would block with nothing to do.
    const std::string readable = "transport fd " + std::to_string(fd) + ": readable";
    for (int i = 0; i < 4 && out.str().find(readable) == std::string::npos; ++i) loop.run_once();
    loop.set_step_mode(false);
    EXPECT_NE(out.str().find(readable), std::string::npos) << out.str();
    transport->close();
    while (!loop.ready_handles().empty()) loop.run_once();  // connection_lost, never a wait
    loop.close();
}

TEST(FdLabel, WordsForAWaitAndForItsCallback) {
    const LabelView live{TimePoint{}, true};
    EXPECT_EQ(fd_wait_label("sock_connect", 9, false).text(live), "sock_connect: write on fd 9");
    EXPECT_EQ(fd_ready_label("Server", 5, true).text(live), "Server fd 5: readable");
    EXPECT_EQ(fd_ready_label("transport", 7, false).text(live), "transport fd 7: writable");
}

}  // namespace
}  // namespace looplab::net
