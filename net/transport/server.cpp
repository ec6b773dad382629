// net/transport/server.cpp: listening, batched accepting, the EMFILE pause, and closing.
//
// asyncio: Server (base_events.py) and BaseSelectorEventLoop._accept_connection
//          (selector_events.py).
#include "net/transport/server.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "net/detail/try_accept.hpp"
#include "net/errors.hpp"
#include "net/fd_label.hpp"
#include "net/getaddrinfo.hpp"
#include "net/socket_ops.hpp"
#include "net/transport/socket_transport.hpp"
#include "runtime/errors.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

namespace {

// Errors that mean "this process or the system is out of something", which waiting cures.
bool out_of_resources(int err) {
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

}  // namespace

std::shared_ptr<Server> Server::make(EventLoop& loop, ProtocolFactory factory,
                                     std::vector<Listener> listeners, ServerOptions options) {
    return std::shared_ptr<Server>(
        new Server(loop, std::move(factory), std::move(listeners), options));
}

Server::Server(EventLoop& loop, ProtocolFactory factory, std::vector<Listener> listeners,
               ServerOptions options)
    : loop_(loop),
      factory_(std::move(factory)),
      listeners_(std::move(listeners)),
      options_(options),
      emfile_reply_(options.emfile_reply) {
    options_.emfile_reply = emfile_reply_;  // the view now points at the Server's own copy
    if (!emfile_reply_.empty()) reserve_ = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

// Only reached when nothing holds us: neither a reader nor the EMFILE resume timer (their
// callbacks hold a shared_ptr), so there is nothing to unregister; the sockets close themselves.
Server::~Server() = default;

// ---- Serving ------------------------------------------------------------------------------

void Server::start_serving() {
    if (closed_) throw InvalidStateError("start_serving on a closed server");
    if (serving_) return;
    serving_ = true;
    add_readers();
}

void Server::add_readers() {
    for (const Listener& l : listeners_) {
        // The callback holds the server: a serving server stays alive without its user.
        loop_.add_reader(l.fd.get(),
                         [self = shared_from_this(), fd = l.fd.get()] { self->accept_ready(fd); });
        loop_.set_fd_label(l.fd.get(), kRead, fd_ready_label("Server", l.fd.get(), true));
    }
}

void Server::remove_readers() {
    for (const Listener& l : listeners_) loop_.remove_reader(l.fd.get());
}

// One readiness event: accept up to `backlog` connections (see the header for why a batch).
void Server::accept_ready(int listen_fd) {
    const int batch = std::max(1, options_.backlog);
    for (int i = 0; i < batch; ++i) {
        detail::AcceptAttempt attempt = detail::try_accept(listen_fd);
        if (attempt.conn) {
            serve_connection(std::move(attempt.conn));
            if (!serving_ || accept_paused_) return;  // a factory or callback closed us
            continue;
        }
        const int err = attempt.error;
        if (err == EINTR || err == ECONNABORTED) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) return;  // queue drained
        if ((err == EMFILE || err == ENFILE) && refuse_from_reserve(listen_fd)) continue;
        if (out_of_resources(err)) {
            pause_accepting(err, listen_fd);
            return;
        }
        // Anything else is unexpected; report it and let the next readiness event retry.
        loop_.call_exception_handler(
            {"accept() failed on a server socket", make_os_error(err, "accept", {}), {}});
        return;
    }
}

void Server::serve_connection(UniqueFd conn) {
    // A client that wrote a request and waits for the reply must not see our last small
    // segment held back by Nagle's algorithm (asyncio sets TCP_NODELAY on every transport).
    try {
        set_tcp_nodelay(conn.get(), true);
    } catch (const NetError&) {
        // The client may have reset already; the transport will report that.
    }
    std::shared_ptr<Protocol> protocol;
    try {
        protocol = factory_();
        if (!protocol) throw std::invalid_argument("protocol factory returned null");
    } catch (...) {
        loop_.call_exception_handler(
            {"protocol factory failed; connection closed", std::current_exception(), {}});
        return;  // conn closes here
    }
    attach();
    SocketTransport::make(loop_, std::move(conn), std::move(protocol), {}, shared_from_this());
}

// EMFILE with a reserve: give the reserve up for one accept, answer, close, take it back. The
// request already received is read first (up to a small buffer), so that the close sends FIN
// and not a reset that could destroy the reply before the client reads it. False when there
// is no reserve to give (then the caller pauses accepting).
bool Server::refuse_from_reserve(int listen_fd) {
    if (!reserve_) return false;
    reserve_.reset();
    detail::AcceptAttempt attempt = detail::try_accept(listen_fd);
    if (attempt.conn) {
        char discard[4096];
        while (::recv(attempt.conn.get(), discard, sizeof discard, MSG_DONTWAIT) > 0) {
        }
        const std::string& reply = emfile_reply_;
        (void)::send(attempt.conn.get(), reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        ::shutdown(attempt.conn.get(), SHUT_WR);
    }
    const bool answered = static_cast<bool>(attempt.conn);
    attempt.conn.reset();
    reserve_ = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    // Answered, or nothing was queued after all: the batch goes on (and ends at EAGAIN).
    // Still EMFILE with our own descriptor freed: another thread took it; pause instead.
    return answered || attempt.error == EAGAIN || attempt.error == EWOULDBLOCK;
}

// Out of descriptors (or memory): stop watching the listeners for a while instead of spinning.
void Server::pause_accepting(int err, int listen_fd) {
    std::string where;
    for (const Listener& l : listeners_) {
        if (l.fd.get() != listen_fd) continue;
        where = std::visit([](const auto& address) { return address.to_string(); }, l.address);
    }
    const auto delay_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.accept_retry_delay).count();
    loop_.call_exception_handler({"accept() out of system resources; accepting paused for " +
                                      std::to_string(delay_ms) + " ms",
                                  make_os_error(err, "accept", where), where});
    accept_paused_ = true;
    remove_readers();
    resume_timer_ = loop_.call_later(options_.accept_retry_delay, [self = shared_from_this()] {
        self->accept_paused_ = false;
        if (self->serving_) self->add_readers();
    });
}

Coro<void> Server::serve_forever() {
    auto keep_alive = shared_from_this();
    if (closed_) throw InvalidStateError("serve_forever on a closed server");
    if (serving_forever_) throw InvalidStateError("the server is already being served forever");
    start_serving();
    serving_forever_ = loop_.create_future<void>();
    serving_forever_.state()->set_label(labels::text("Server.serve_forever"));
    std::exception_ptr cancelled;
    try {
        co_await Future<void>(serving_forever_);
    } catch (const CancelledError&) {
        cancelled = std::current_exception();
    }
    serving_forever_ = Future<void>();
    if (cancelled) {
        close();
        co_await wait_closed();
        std::rethrow_exception(cancelled);
    }
}

// ---- Closing ------------------------------------------------------------------------------

void Server::close() {
    if (closed_) return;
    closed_ = true;
    serving_ = false;
    resume_timer_.cancel();
    remove_readers();
    listeners_.clear();  // closes the listening sockets
    if (serving_forever_ && !serving_forever_.done()) serving_forever_.set_result();
    if (active_count_ == 0) wake_up_closed_waiters();
}

void Server::detach() {
    --active_count_;
    if (active_count_ == 0 && closed_) wake_up_closed_waiters();
}

void Server::wake_up_closed_waiters() {
    for (Future<void>& waiter : closed_waiters_) {
        if (!waiter.done()) waiter.set_result();
    }
    closed_waiters_.clear();
}

Coro<void> Server::wait_closed() {
    auto keep_alive = shared_from_this();
    if (closed_ && active_count_ == 0) co_return;
    Future<void> waiter = loop_.create_future<void>();
    waiter.state()->set_label(labels::text("Server.wait_closed"));
    closed_waiters_.push_back(waiter);
    co_await waiter;
}

std::vector<ServerSocket> Server::sockets() const {
    std::vector<ServerSocket> out;
    for (const Listener& l : listeners_) {
        if (const auto* ip = std::get_if<SocketAddress>(&l.address))
            out.push_back({l.fd.get(), *ip});
    }
    return out;
}

std::vector<UnixServerSocket> Server::unix_sockets() const {
    std::vector<UnixServerSocket> out;
    for (const Listener& l : listeners_) {
        if (const auto* un = std::get_if<UnixAddress>(&l.address)) out.push_back({l.fd.get(), *un});
    }
    return out;
}

// ---- create_server ------------------------------------------------------------------------

Coro<std::shared_ptr<Server>> create_server(EventLoop& loop, ProtocolFactory factory,
                                            std::string host, std::uint16_t port,
                                            ServerOptions options) {
    const std::vector<SocketAddress> addresses =
        co_await getaddrinfo(loop, host, port, options.family, AI_PASSIVE);
    std::vector<Server::Listener> listeners;
    for (const SocketAddress& address : addresses) {
        UniqueFd fd = make_socket(address.family(), SOCK_STREAM, /*non_blocking=*/true);
        if (options.reuse_address) set_reuse_address(fd.get(), true);
        if (options.reuse_port) set_reuse_port(fd.get(), true);
        if (address.family() == AF_INET6) {
            // Without it, "::" would also take the IPv4 port and the 0.0.0.0 socket's bind
            // would fail (asyncio sets it for the same reason).
            const int on = 1;
            if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) {
                throw_os_error(errno, "setsockopt(IPV6_V6ONLY)", address.to_string());
            }
        }
        bind_address(fd.get(), address);
        start_listening(fd.get(), options.backlog);
        SocketAddress bound = local_address(fd.get());
        listeners.push_back({std::move(fd), std::move(bound), nullptr});
    }
    const bool start = options.start_serving;
    std::shared_ptr<Server> server =
        Server::make(loop, std::move(factory), std::move(listeners), std::move(options));
    if (start) server->start_serving();
    co_return server;
}

}  // namespace looplab::net
