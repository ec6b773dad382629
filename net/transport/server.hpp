// net/transport/server.hpp: Server and create_server(), listening sockets that make a transport per
// client.
//
// asyncio: loop.create_server() and asyncio.Server (base_events.py), with the accept loop
//          of selector_events.py (_accept_connection).
// libuv:   uv_listen() + uv_accept() (src/unix/stream.c: uv__server_io).
//
//     auto server = co_await create_server(loop, [] { return std::make_shared<Echo>(); },
//                                          "127.0.0.1", 8888);
//     co_await server->serve_forever();
//
// For each listening socket a reader is registered; each readiness event accepts connections
// in a batch, and every accepted connection gets a protocol from the factory and a
// SocketTransport (whose connection_made follows via call_soon).
//
// Accepting in batches: one event may stand for many queued connections. Accepting only one per
// event would cost a full loop iteration (a selector call) per connection under a burst;
// accepting until EAGAIN without limit would let a connection flood keep the loop in this
// callback while established connections starve. So each event accepts at most `backlog`
// connections (asyncio's choice: the kernel's queue holds about that many anyway), and the
// level-triggered selector brings us back for the rest on the next iteration.
//
// Running out of descriptors (EMFILE / ENFILE, or ENOBUFS / ENOMEM): the connection stays in
// the kernel's queue, so the listener stays readable and a naive loop would spin at 100% CPU
// retrying accept(). Instead the server reports the error to the loop's exception handler (once per
// pause), removes its readers, and re-adds them after accept_retry_delay (asyncio:
// ACCEPT_RETRY_DELAY = 1 s). With ServerOptions::emfile_reply, EMFILE is first answered from
// a reserved descriptor (the "accept-and-close" trick of libev's documentation and HAProxy):
// each queued connection gets the reply and is closed, so none waits in silence. Meanwhile
// connections close and free descriptors; the server keeps serving. Other accept errors are
// reported and the batch ends; ECONNABORTED (a client that gave up while queued) is skipped
// silently, as in asyncio.
//
// Lifetime: Server is owned by std::shared_ptr. While serving, the loop's reader callbacks hold
// it, so a serving server lives on if the user drops it (asyncio: the same). Each connection's
// transport holds it too, to tell it when the connection is gone (attach / detach: that is how
// wait_closed knows all connections have finished).
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "net/socket_address.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/server_attachment.hpp"
#include "net/unique_fd.hpp"
#include "net/unix_address.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"

namespace looplab::net {

// Makes the protocol for one connection (asyncio: protocol_factory). A factory returning
// shared_ptr<MyProtocol> or unique_ptr<MyProtocol> converts to this.
using ProtocolFactory = std::function<std::shared_ptr<Protocol>()>;

struct ServerOptions {
    int backlog = 100;          // listen() queue, and the most accepts per readiness event
    bool reuse_address = true;  // SO_REUSEADDR (asyncio's default on Unix)
    bool reuse_port = false;    // SO_REUSEPORT
    bool start_serving = true;  // accept at once; false: wait for start_serving()
    int family = AF_UNSPEC;     // restrict the resolved addresses to one family
    // How long accepting pauses after EMFILE / ENFILE (asyncio: ACCEPT_RETRY_DELAY).
    Duration accept_retry_delay = std::chrono::seconds(1);
    // Non-empty: the server keeps one descriptor in reserve (/dev/null), and when accept()
    // fails with EMFILE / ENFILE it closes the reserve, accepts the waiting connection with
    // the freed number, sends it these bytes (best effort, without blocking), closes it and
    // takes the reserve back, so a client at the descriptor limit is told why (HttpServer
    // sends a 503) instead of waiting in the backlog. Only when the reserve cannot be had
    // does accepting pause as above. The view must stay valid until create_server returns
    // (a literal or a static string, as HttpServer's); the Server keeps its own copy.
    //
    // A view and not a std::string, so that ServerOptions stays trivially destructible: GCC 12
    // destroys a braced or default-argument temporary in a co_await expression twice
    // (CONTRIBUTING.md, "Compiler bugs we work around"), and `co_await create_server(loop, f,
    // host, port)` builds exactly such a temporary for its defaulted ServerOptions. With a
    // std::string member, that double destruction freed a pointer into the caller's frame
    // (tests/net/server_test.cpp, every case, g++ 12 -O2). The static_assert below keeps it so.
    std::string_view emfile_reply;
};
static_assert(std::is_trivially_destructible_v<ServerOptions>,
              "ServerOptions is passed as a temporary into co_await: see emfile_reply");

// A listening socket of a server (asyncio: the entries of Server.sockets).
struct ServerSocket {
    int fd;                 // owned by the server; do not close it
    SocketAddress address;  // what it is bound to (the real port when 0 was asked for)
};

// A listening socket of a Unix server (create_unix_server, net/transport/unix_server.hpp).
struct UnixServerSocket {
    int fd;               // owned by the server; do not close it
    UnixAddress address;  // the path or abstract name it is bound to
};

// Contract:
// - States: serving (readers registered) <-> not serving -> closed. close() is final.
// - close() stops listening at once and closes the listening sockets; connections already
//   accepted are not touched (asyncio 3.12: the same; close their transports yourself).
// - wait_closed() completes once close() has been called and every accepted connection has
//   delivered its connection_lost.
// - Loop-thread only.
class Server final : public ServerAttachment, public std::enable_shared_from_this<Server> {
public:
    struct Listener {
        UniqueFd fd;
        std::variant<SocketAddress, UnixAddress> address;
        // Released when the listener closes (a Unix server's: removes its socket file).
        std::shared_ptr<void> on_close;
    };

    // Takes bound and listening non-blocking sockets. create_server is the usual way in.
    static std::shared_ptr<Server> make(EventLoop& loop, ProtocolFactory factory,
                                        std::vector<Listener> listeners, ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    EventLoop& get_loop() const noexcept { return loop_; }

    // Starts accepting (idempotent; asyncio's is a coroutine that only does this). Throws
    // InvalidStateError once closed.
    void start_serving();
    [[nodiscard]] bool is_serving() const noexcept { return serving_; }

    // Starts serving and waits until the server is closed. DIFFERENCE: when someone else calls
    // close(), this returns normally (asyncio raises CancelledError in that case). When the
    // awaiting task is cancelled, the server is closed, wait_closed() awaited, and
    // CancelledError rethrown, as in asyncio. Throws InvalidStateError if already closed or if
    // another serve_forever is running.
    Coro<void> serve_forever();

    // Stops listening (see the contract). Idempotent.
    void close();

    // Completes when closed and every connection is gone (see the contract).
    Coro<void> wait_closed();

    // The listening sockets; empty once closed.
    [[nodiscard]] std::vector<ServerSocket> sockets() const;
    // The same for a Unix server's sockets (sockets() lists only IP ones).
    [[nodiscard]] std::vector<UnixServerSocket> unix_sockets() const;

    // Connections accepted and not yet lost.
    [[nodiscard]] std::size_t active_connections() const noexcept { return active_count_; }

    // For SocketTransport (server_attachment.hpp; asyncio: Server._attach / _detach).
    void attach() noexcept override { ++active_count_; }
    void detach() override;

private:
    Server(EventLoop& loop, ProtocolFactory factory, std::vector<Listener> listeners,
           ServerOptions options);

    void add_readers();
    void remove_readers();
    void accept_ready(int listen_fd);  // the reader callback: one batch of accepts
    void serve_connection(UniqueFd conn);
    void pause_accepting(int err, int listen_fd);
    bool refuse_from_reserve(int listen_fd);  // EMFILE: the reserve answers one connection
    void wake_up_closed_waiters();

    EventLoop& loop_;
    ProtocolFactory factory_;
    std::vector<Listener> listeners_;  // empty once closed
    ServerOptions options_;
    std::size_t active_count_ = 0;  // transports attached and not yet lost
    bool serving_ = false;          // start_serving called and not closed
    bool accept_paused_ = false;    // readers removed for accept_retry_delay after EMFILE
    bool closed_ = false;
    std::string emfile_reply_;                  // options_.emfile_reply's bytes, owned
    UniqueFd reserve_;                          // /dev/null, held for emfile_reply
    TimerHandle resume_timer_;                  // re-adds the readers after an EMFILE pause
    Future<void> serving_forever_;              // what serve_forever awaits; completed by close()
    std::vector<Future<void>> closed_waiters_;  // wait_closed() callers
};

// Resolves host (getaddrinfo with AI_PASSIVE), and for every address makes a non-blocking
// socket with the options set (and IPV6_V6ONLY on IPv6, so an IPv4 and an IPv6 socket can share
// a port), binds it and listens; then starts serving unless told not to. Give "0.0.0.0" or "::"
// to listen on every interface; port 0 lets the kernel choose (see sockets()).
// Throws NameResolutionError, or the NetError of a failed bind ("address already in use").
Coro<std::shared_ptr<Server>> create_server(EventLoop& loop, ProtocolFactory factory,
                                            std::string host, std::uint16_t port,
                                            ServerOptions options = {});

}  // namespace looplab::net
