// tests/net/datagram_test.cpp: sock_recvfrom / sock_sendto / sock_recvfrom_into,
// create_datagram_endpoint, DatagramProtocol and DatagramTransport.
//
// asyncio: test_sock_lowlevel.py's test_recvfrom, test_recvfrom_into and test_sendto_blocking,
// and test_events.py's datagram endpoint cases (test_create_datagram_endpoint,
// ..._connect_err, ..._reuse_port, ..._allow_broadcast), ported behaviour by behaviour. The
// brief's UDP cases: a datagram cut to the buffer, and ICMP errors reaching error_received.
// Deliberate differences are written in net/transport/datagram_transport.hpp (sendto on a
// closed endpoint or without an address throws) and create_datagram_endpoint.hpp (no
// reuse_address, no AF_UNIX).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/async_datagram_ops.hpp"
#include "net/errors.hpp"
#include "net/socket_ops.hpp"
#include "net/transport/create_datagram_endpoint.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/fd_leak_check.hpp"
#include "support/net_test_loop.hpp"

namespace looplab::net {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::run_net_test;

class DatagramTest : public testing::NoFdLeaks {};

// A non-blocking UDP socket bound to 127.0.0.1 on a port the kernel picks.
UniqueFd bound_udp() {
    UniqueFd fd = make_socket(AF_INET, SOCK_DGRAM, /*non_blocking=*/true);
    bind_address(fd.get(), SocketAddress::loopback(AF_INET, 0));
    return fd;
}

// A loopback port nothing listens on: bound once, then closed.
std::uint16_t closed_udp_port() {
    UniqueFd fd = bound_udp();
    return local_address(fd.get()).port();
}

// test_recvfrom / test_sendto_blocking: one datagram each way, with the sender's address.
TEST_F(DatagramTest, SendtoAndRecvfromCarryOneDatagramAndItsSender) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        UniqueFd a = bound_udp();
        UniqueFd b = bound_udp();
        const SocketAddress a_addr = local_address(a.get());
        const SocketAddress b_addr = local_address(b.get());
        EXPECT_EQ(co_await sock_sendto(loop, a.get(), "ping", b_addr), 4u);
        Datagram got = co_await sock_recvfrom(loop, b.get(), 65535);
        EXPECT_EQ(got.data, "ping");
        EXPECT_EQ(got.address, a_addr);
        // The receive waits when nothing has arrived yet (the other task sends later).
        Task<Datagram> waiting = loop.create_task(sock_recvfrom(loop, a.get(), 65535));
        co_await sleep(10ms);
        EXPECT_FALSE(waiting.done());
        co_await sock_sendto(loop, b.get(), "pong", a_addr);
        Datagram reply = co_await waiting;
        EXPECT_EQ(reply.data, "pong");
        EXPECT_EQ(reply.address, b_addr);
    });
}

// test_recvfrom_into, and nbytes.
TEST_F(DatagramTest, RecvfromIntoFillsTheCallersBuffer) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        UniqueFd a = bound_udp();
        UniqueFd b = bound_udp();
        co_await sock_sendto(loop, a.get(), "hello", local_address(b.get()));
        std::vector<std::byte> buffer(64);
        DatagramInto got = co_await sock_recvfrom_into(loop, b.get(), buffer);
        EXPECT_EQ(got.size, 5u);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), got.size), "hello");
        EXPECT_EQ(got.address, local_address(a.get()));
        bool refused = false;
        try {
            co_await sock_recvfrom_into(loop, b.get(), buffer, 65);
        } catch (const std::invalid_argument&) {
            refused = true;
        }
        EXPECT_TRUE(refused) << "nbytes larger than the buffer";
    });
}

// The brief: truncation. A datagram longer than the buffer is cut; the rest is gone, and the
// next receive gets the next datagram whole.
TEST_F(DatagramTest, ADatagramLongerThanTheBufferIsCutAndTheRestDiscarded) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        UniqueFd a = bound_udp();
        UniqueFd b = bound_udp();
        const SocketAddress to = local_address(b.get());
        co_await sock_sendto(loop, a.get(), "0123456789", to);
        co_await sock_sendto(loop, a.get(), "next", to);
        EXPECT_EQ((co_await sock_recvfrom(loop, b.get(), 4)).data, "0123");
        EXPECT_EQ((co_await sock_recvfrom(loop, b.get(), 65535)).data, "next");
    });
}

// The brief: ICMP errors. A connected UDP socket that sent to a closed port hears the kernel's
// "port unreachable" as ConnectionRefusedError on its next receive.
TEST_F(DatagramTest, AnIcmpPortUnreachableIsAConnectionRefusedOnTheNextReceive) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        UniqueFd sock = bound_udp();
        const SocketAddress nowhere = SocketAddress::loopback(AF_INET, closed_udp_port());
        CO_ASSERT_EQ(::connect(sock.get(), nowhere.data(), nowhere.size()), 0);
        co_await sock_sendto(loop, sock.get(), "anyone?", nowhere);
        bool refused = false;
        try {
            co_await sock_recvfrom(loop, sock.get(), 65535);
        } catch (const ConnectionRefusedError&) {
            refused = true;
        }
        EXPECT_TRUE(refused);
    });
}

// A DatagramProtocol that records what it hears and echoes if asked.
class Recorder : public DatagramProtocol {
public:
    explicit Recorder(EventLoop& loop, bool echo = false)
        : got_datagram(loop.create_future<void>()),
          got_error(loop.create_future<void>()),
          lost(loop.create_future<void>()),
          echo_(echo) {}

    void connection_made(DatagramTransport& t) override {
        transport = &t;
        events.push_back("made");
    }
    void datagram_received(std::string_view data, const SocketAddress& from) override {
        events.push_back("datagram " + std::string(data));
        senders.push_back(from);
        if (echo_) transport->sendto(data, from);
        if (!got_datagram.done()) got_datagram.set_result();
    }
    void error_received(std::exception_ptr error) override {
        events.push_back("error");
        errors.push_back(error);
        if (!got_error.done()) got_error.set_result();
    }
    void connection_lost(std::exception_ptr error) override {
        events.push_back(error ? "lost with error" : "lost");
        transport = nullptr;
        lost.set_result();
    }

    DatagramTransport* transport = nullptr;
    std::vector<std::string> events;
    std::vector<SocketAddress> senders;
    std::vector<std::exception_ptr> errors;
    Future<void> got_datagram;
    Future<void> got_error;
    Future<void> lost;

private:
    bool echo_;
};

DatagramEndpointOptions local(std::uint16_t port) {
    DatagramEndpointOptions options;
    options.local_addr = HostPort{"127.0.0.1", port};
    return options;
}

DatagramEndpointOptions remote(std::uint16_t port) {
    DatagramEndpointOptions options;
    options.remote_addr = HostPort{"127.0.0.1", port};
    return options;
}

std::uint16_t port_of(const DatagramTransport& t) {
    return std::any_cast<SocketAddress>(t.get_extra_info("sockname")).port();
}

// test_create_datagram_endpoint: an echo server and a connected client.
TEST_F(DatagramTest, AnEndpointEchoesToAConnectedClient) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto server_factory = [&loop] { return std::make_shared<Recorder>(loop, /*echo=*/true); };
        DatagramEndpointOptions server_options = local(0);
        auto [server, echo] =
            co_await create_datagram_endpoint(loop, server_factory, server_options);
        auto client_factory = [&loop] { return std::make_shared<Recorder>(loop); };
        DatagramEndpointOptions client_options = remote(port_of(*server));
        auto [client, heard] =
            co_await create_datagram_endpoint(loop, client_factory, client_options);
        EXPECT_EQ(heard->events, std::vector<std::string>{"made"});
        EXPECT_EQ(std::any_cast<SocketAddress>(client->get_extra_info("peername")).port(),
                  port_of(*server));
        EXPECT_FALSE(server->get_extra_info("peername").has_value());
        EXPECT_TRUE(client->get_extra_info("socket").has_value());
        client->sendto("xxx");  // a connected endpoint needs no address
        co_await heard->got_datagram;
        EXPECT_EQ(heard->events.back(), "datagram xxx");
        EXPECT_EQ(echo->senders.at(0).port(), port_of(*client));
        EXPECT_EQ(heard->senders.at(0).port(), port_of(*server));
        client->close();
        server->close();
        co_await heard->lost;
        co_await echo->lost;
        EXPECT_EQ(heard->events.back(), "lost");
        EXPECT_EQ(client->get_write_buffer_size(), 0u);
    });
}

TEST_F(DatagramTest, SendtoRefusesBadAddressesAndAClosedEndpoint) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto factory = [&loop] { return std::make_shared<Recorder>(loop); };
        DatagramEndpointOptions unconnected_options = local(0);
        auto [unconnected, a] =
            co_await create_datagram_endpoint(loop, factory, unconnected_options);
        EXPECT_THROW(unconnected->sendto("no address"), std::invalid_argument);
        DatagramEndpointOptions connected_options = remote(port_of(*unconnected));
        auto [connected, b] = co_await create_datagram_endpoint(loop, factory, connected_options);
        EXPECT_THROW(connected->sendto("elsewhere", SocketAddress::loopback(AF_INET, 9)),
                     std::invalid_argument);
        connected->sendto("the peer itself",
                          SocketAddress::loopback(AF_INET, port_of(*unconnected)));
        co_await a->got_datagram;
        connected->close();
        EXPECT_TRUE(connected->is_closing());
        EXPECT_THROW(connected->sendto("late"), TransportClosedError);
        unconnected->abort();
        co_await b->lost;
        co_await a->lost;
    });
}

// The brief: ICMP errors at the protocol layer. The endpoint lives on after error_received.
TEST_F(DatagramTest, AnIcmpErrorGoesToErrorReceivedAndTheEndpointLivesOn) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto factory = [&loop] { return std::make_shared<Recorder>(loop); };
        DatagramEndpointOptions options = remote(closed_udp_port());
        auto [transport, recorder] = co_await create_datagram_endpoint(loop, factory, options);
        transport->sendto("anyone?");
        co_await recorder->got_error;
        CO_ASSERT_EQ(recorder->errors.size(), 1u);
        EXPECT_TRUE(holds<ConnectionRefusedError>(recorder->errors[0]));
        EXPECT_FALSE(transport->is_closing());
        transport->sendto("still here?");  // no throw: the endpoint is fine
        transport->close();
        co_await recorder->lost;
        EXPECT_EQ(recorder->events.back(), "lost");
    });
}

// test_create_datagram_endpoint_reuse_port
TEST_F(DatagramTest, ReusePortLetsTwoEndpointsShareAPort) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto factory = [&loop] { return std::make_shared<Recorder>(loop); };
        DatagramEndpointOptions first_options = local(0);
        first_options.reuse_port = true;
        auto [first, a] = co_await create_datagram_endpoint(loop, factory, first_options);
        DatagramEndpointOptions second_options = local(port_of(*first));
        second_options.reuse_port = true;
        auto [second, b] = co_await create_datagram_endpoint(loop, factory, second_options);
        EXPECT_EQ(port_of(*second), port_of(*first));
        DatagramEndpointOptions taken = local(port_of(*first));
        bool in_use = false;
        try {
            co_await create_datagram_endpoint(loop, factory, taken);
        } catch (const NetError& e) {
            in_use = e.code().value() == EADDRINUSE;
        }
        EXPECT_TRUE(in_use) << "without reuse_port the port is taken";
        first->close();
        second->close();
        co_await a->lost;
        co_await b->lost;
    });
}

// test_create_datagram_endpoint_allow_broadcast: SO_BROADCAST is set on the socket.
TEST_F(DatagramTest, AllowBroadcastSetsSoBroadcast) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto factory = [&loop] { return std::make_shared<Recorder>(loop); };
        DatagramEndpointOptions options = local(0);
        options.allow_broadcast = true;
        auto [transport, recorder] = co_await create_datagram_endpoint(loop, factory, options);
        const int fd = std::any_cast<int>(transport->get_extra_info("socket"));
        int on = 0;
        socklen_t length = sizeof on;
        EXPECT_EQ(::getsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, &length), 0);
        EXPECT_EQ(on, 1);
        transport->close();
        co_await recorder->lost;
    });
}

// test_create_datagram_endpoint_connect_err / ..._no_matching_family
TEST_F(DatagramTest, AddressesThatCannotWorkAreRefused) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto factory = [&loop] { return std::make_shared<Recorder>(loop); };
        DatagramEndpointOptions mixed;
        mixed.local_addr = HostPort{"127.0.0.1", 0};
        mixed.remote_addr = HostPort{"::1", 9};
        bool refused = false;
        try {
            co_await create_datagram_endpoint(loop, factory, mixed);
        } catch (const std::invalid_argument&) {
            refused = true;
        }
        EXPECT_TRUE(refused) << "no family in common";
        DatagramEndpointOptions not_ours = local(0);
        not_ours.local_addr->host = "192.0.2.1";  // TEST-NET-1: no interface of ours has it
        bool failed = false;
        try {
            co_await create_datagram_endpoint(loop, factory, not_ours);
        } catch (const NetError&) {
            failed = true;
        }
        EXPECT_TRUE(failed);
    });
}

// Flow control's limits, as Transport's (transport.hpp).
TEST_F(DatagramTest, WriteBufferLimitsFollowAsyncioDefaults) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto factory = [&loop] { return std::make_shared<Recorder>(loop); };
        DatagramEndpointOptions options = local(0);
        auto [transport, recorder] = co_await create_datagram_endpoint(loop, factory, options);
        EXPECT_EQ(transport->get_write_buffer_limits(),
                  (std::pair<std::size_t, std::size_t>{16384, 65536}));
        transport->set_write_buffer_limits(std::nullopt, 100);
        EXPECT_EQ(transport->get_write_buffer_limits(),
                  (std::pair<std::size_t, std::size_t>{100, 400}));
        EXPECT_THROW(transport->set_write_buffer_limits(10, 20), std::invalid_argument);
        transport->close();
        co_await recorder->lost;
    });
}

}  // namespace
}  // namespace looplab::net
