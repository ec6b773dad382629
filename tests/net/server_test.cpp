// tests/net/server_test.cpp: create_server and Server: serving, batching, closing, EMFILE.
#include "net/transport/server.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
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
#include "support/recording_protocol.hpp"

namespace looplab::net {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::RecordingProtocol;
using testing::run_net_test;

class ServerTest : public testing::NoFdLeaks {};

// Echoes, and closes when the client has finished sending.
struct Echo : Protocol {
    Transport* transport = nullptr;
    void connection_made(Transport& t) override { transport = &t; }
    void data_received(std::string_view data) override { transport->write(data); }
};

ProtocolFactory echo_factory() {
    return [] { return std::make_shared<Echo>(); };
}

// A blocking client socket connected to port on 127.0.0.1 (the kernel completes the handshake
// whether or not the server accepts yet).
UniqueFd raw_client(std::uint16_t port) {
    UniqueFd fd = make_socket(AF_INET, SOCK_STREAM, /*non_blocking=*/true);
    const SocketAddress to = SocketAddress::loopback(AF_INET, port);
    (void)::connect(fd.get(), to.data(), to.size());
    return fd;
}

Coro<std::string> echo_once(EventLoop& loop, std::uint16_t port, std::string message) {
    auto factory = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
    auto [transport, client] = co_await create_connection(loop, factory, "127.0.0.1", port);
    transport->write(message);
    transport->write_eof();
    co_await client->lost;
    co_return client->received;
}

TEST_F(ServerTest, ServesEachConnectionWithItsOwnProtocol) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        std::shared_ptr<Server> server =
            co_await create_server(loop, echo_factory(), "127.0.0.1", 0);
        EXPECT_TRUE(server->is_serving());
        const std::vector<ServerSocket> sockets = server->sockets();
        CO_ASSERT_EQ(sockets.size(), 1u);
        EXPECT_NE(sockets[0].address.port(), 0) << "the kernel's port, not the 0 we asked for";
        const std::uint16_t port = sockets[0].address.port();
        Task<std::string> a = loop.create_task(echo_once(loop, port, "first"));
        Task<std::string> b = loop.create_task(echo_once(loop, port, "second"));
        EXPECT_EQ(co_await a, "first");
        EXPECT_EQ(co_await b, "second");
        server->close();
        EXPECT_FALSE(server->is_serving());
        EXPECT_TRUE(server->sockets().empty());
        co_await server->wait_closed();
    });
}

TEST_F(ServerTest, WaitClosedWaitsForTheLastConnectionToGo) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        std::vector<std::shared_ptr<RecordingProtocol>> accepted;
        ProtocolFactory factory = [&] {
            accepted.push_back(std::make_shared<RecordingProtocol>(loop));
            return accepted.back();
        };
        std::shared_ptr<Server> server = co_await create_server(loop, factory, "127.0.0.1", 0);
        UniqueFd client = raw_client(server->sockets()[0].address.port());
        co_await eventually([&] { return server->active_connections() == 1; });

        server->close();  // stops listening; the accepted connection lives on
        Task<void> closed = loop.create_task(server->wait_closed());
        co_await sleep(20ms);
        EXPECT_FALSE(closed.done()) << "a connection is still open";
        CO_ASSERT_EQ(accepted.size(), 1u);
        EXPECT_FALSE(accepted[0]->transport->is_closing());

        client.reset();  // end of stream -> the server side closes itself
        co_await closed;
        EXPECT_EQ(server->active_connections(), 0u);
        EXPECT_EQ(accepted[0]->lost_count, 1);
    });
}

TEST_F(ServerTest, AcceptsEveryQueuedConnectionInOneReadinessEvent) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        std::vector<std::uint64_t> accepted_in_iteration;
        ProtocolFactory factory = [&] {
            accepted_in_iteration.push_back(loop.iteration_count());
            return std::make_shared<Echo>();
        };
        ServerOptions options;
        options.start_serving = false;
        std::shared_ptr<Server> server =
            co_await create_server(loop, factory, "127.0.0.1", 0, options);
        EXPECT_FALSE(server->is_serving());
        std::vector<UniqueFd> clients;
        for (int i = 0; i < 50; ++i)
            clients.push_back(raw_client(server->sockets()[0].address.port()));
        co_await sleep(50ms);  // handshakes done, all 50 queued in the kernel
        EXPECT_TRUE(accepted_in_iteration.empty()) << "accepted before start_serving";

        server->start_serving();
        co_await eventually([&] { return accepted_in_iteration.size() == 50; });
        EXPECT_EQ(
            std::set<std::uint64_t>(accepted_in_iteration.begin(), accepted_in_iteration.end())
                .size(),
            1u)
            << "all 50 should come from one batch";
        clients.clear();
        server->close();
        co_await server->wait_closed();
    });
}

TEST_F(ServerTest, ServeForeverReturnsWhenTheServerIsClosed) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        std::shared_ptr<Server> server =
            co_await create_server(loop, echo_factory(), "127.0.0.1", 0);
        Task<void> serving = loop.create_task(server->serve_forever());
        co_await sleep(10ms);
        EXPECT_EQ(co_await echo_once(loop, server->sockets()[0].address.port(), "hi"), "hi");
        EXPECT_FALSE(serving.done());
        server->close();
        co_await serving;
        EXPECT_THROW(co_await server->serve_forever(), InvalidStateError);
    });
}

TEST_F(ServerTest, CancellingServeForeverClosesTheServer) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        std::shared_ptr<Server> server =
            co_await create_server(loop, echo_factory(), "127.0.0.1", 0);
        Task<void> serving = loop.create_task(server->serve_forever());
        co_await sleep(10ms);
        serving.cancel();
        EXPECT_THROW(co_await serving, CancelledError);
        EXPECT_FALSE(server->is_serving());
        EXPECT_TRUE(server->sockets().empty());
    });
}

TEST_F(ServerTest, ADroppedServerKeepsServingUntilTheLoopCloses) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        std::uint16_t port = 0;
        {
            std::shared_ptr<Server> server =
                co_await create_server(loop, echo_factory(), "127.0.0.1", 0);
            port = server->sockets()[0].address.port();
        }  // the loop's reader holds it now
        EXPECT_EQ(co_await echo_once(loop, port, "still here"), "still here");
    });  // the loop closes, drops the reader, and the server closes its socket (NoFdLeaks)
}

TEST_F(ServerTest, BindingAPortInUseNamesTheAddress) {
    const testing::Listener taken = testing::listen_on_loopback(AF_INET);
    run_net_test([&taken](EventLoop& loop) -> Coro<void> {
        try {
            (void)co_await create_server(loop, echo_factory(), "127.0.0.1", taken.address.port());
            ADD_FAILURE() << "bound a port that is in use";
        } catch (const NetError& e) {
            EXPECT_EQ(e.code(), std::errc::address_in_use);
            EXPECT_EQ(e.address(), taken.address.to_string());
        }
    });
}

// ---- Running out of descriptors ---------------------------------------------------------------

// The RLIMIT_NOFILE that leaves exactly `free_slots` descriptor numbers available. The limit
// bounds descriptor numbers, and a new descriptor takes the lowest free number, so this is one
// past the free_slots-th lowest unused number (earlier tests may have left holes below the
// highest open descriptor).
rlim_t limit_leaving(int free_slots) {
    std::set<int> open;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        const int own = ::dirfd(dir);
        while (const dirent* entry = ::readdir(dir)) {
            if (entry->d_name[0] == '.') continue;
            const int fd = std::atoi(entry->d_name);
            if (fd != own) open.insert(fd);
        }
        ::closedir(dir);
    }
    int found = 0;
    for (int fd = 0;; ++fd) {
        if (open.count(fd) == 0 && ++found == free_slots) return static_cast<rlim_t>(fd + 1);
    }
}

// Exit codes of the child below.
enum EmfileChild : int { kOk = 0, kNoEmfileSeen = 1, kTooManyReports = 2, kFailed = 3 };

// Runs in a forked child, which may lower its own RLIMIT_NOFILE without hurting the test
// binary: 20 clients queue up, then the descriptor limit is set so that the server can hold
// only two connections at a time. Each connection is closed 30 ms after connection_made, so
// descriptors keep coming back; the server must hit EMFILE, report it, pause, and come back
// until all 20 have been served. A server that did not pause would retry accept() on every
// loop iteration while the listener stays readable, reporting EMFILE thousands of times.
int serve_through_emfile() {
    constexpr int kClients = 20;
    int served = 0;
    int reports = 0;
    try {
        run_net_test(
            [&](EventLoop& loop) -> Coro<void> {
                loop.set_exception_handler([&](EventLoop&, const ExceptionContext& context) {
                    if (context.message.find("out of system resources") != std::string::npos) {
                        ++reports;
                    }
                });
                ProtocolFactory factory = [&] {
                    // Holds its descriptor for 30 ms, longer than the retry delay, so the
                    // server meets EMFILE on several consecutive retries.
                    struct HelloAndCloseLater : Protocol {
                        int* served;
                        explicit HelloAndCloseLater(int* s) : served(s) {}
                        void connection_made(Transport& t) override {
                            ++*served;
                            t.write("hi");
                            get_running_loop().call_later(
                                30ms, [keep = t.shared_from_this()] { keep->close(); });
                        }
                    };
                    return std::make_shared<HelloAndCloseLater>(&served);
                };
                ServerOptions options;
                options.accept_retry_delay = 20ms;

                // Warm-up: one connection through a first server, before descriptors run
                // short. Under UBSan, the first virtual call through each type is checked
                // by opening a pipe (EMFILE would turn that check into a false report); after
                // this round (and one EMFILE error built) every such check is cached.
                std::shared_ptr<Server> warm_up =
                    co_await create_server(loop, factory, "127.0.0.1", 0, options);
                UniqueFd warm_client = raw_client(warm_up->sockets()[0].address.port());
                co_await eventually([&] { return served == 1; });
                warm_up->close();
                co_await warm_up->wait_closed();
                served = 0;
                (void)make_os_error(EMFILE, "accept", "warm-up");  // the report's own path
                // And a timer cancelled while the heap holds it: the pause's resume timer is
                // cancelled through TimerOwner (handle.hpp), a type UBSan has not seen yet.
                loop.call_later(std::chrono::hours(1), [] {}).cancel();

                options.start_serving = false;
                std::shared_ptr<Server> server =
                    co_await create_server(loop, factory, "127.0.0.1", 0, options);
                std::vector<UniqueFd> clients;
                for (int i = 0; i < kClients; ++i) {
                    clients.push_back(raw_client(server->sockets()[0].address.port()));
                }
                co_await sleep(50ms);  // handshakes complete into the accept queue

                rlimit limit{};
                ::getrlimit(RLIMIT_NOFILE, &limit);
                limit.rlim_cur = limit_leaving(2);
                if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("setrlimit");

                server->start_serving();
                co_await eventually([&] { return served == kClients; });
                server->close();
                co_await server->wait_closed();
            },
            10s);
    } catch (...) {
        return kFailed;
    }
    if (reports == 0) return kNoEmfileSeen;
    // Each report starts a 20 ms pause: 10 rounds of 30 ms each need a few dozen at most.
    if (reports > 3 * kClients) return kTooManyReports;
    return kOk;
}

TEST_F(ServerTest, AServerRunningOutOfDescriptorsPausesAcceptingAndKeepsServing) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0) << "fork failed";
    if (child == 0) ::_exit(serve_through_emfile());
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), kOk)
        << "1: no EMFILE was reported, 2: EMFILE reported too often (spinning?), 3: the server "
           "did not serve every client within 10 s, or threw";
}

}  // namespace
}  // namespace looplab::net
