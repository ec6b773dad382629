// net/transport/socket_transport.cpp: the read, write and close paths of a selector socket
// transport.
//
// asyncio: _SelectorTransport and _SelectorSocketTransport in selector_events.py; the method
//          names below follow theirs (_read_ready, _write_ready, _force_close, ...).
#include "net/transport/socket_transport.hpp"

#include <sys/socket.h>

#include <cassert>
#include <cerrno>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

#include "net/errors.hpp"
#include "net/fd_label.hpp"
#include "net/socket_ops.hpp"
#include "net/transport/server_attachment.hpp"
#include "runtime/errors.hpp"

namespace looplab::net {

namespace {

// The read buffer every transport of this thread borrows for one recv + data_received (see the
// header for why one per thread is enough). Allocated on first use.
std::span<char> thread_read_buffer() {
    thread_local std::unique_ptr<char[]> buffer;
    if (!buffer) buffer = std::make_unique<char[]>(SocketTransport::kMaxReadSize);
    return {buffer.get(), SocketTransport::kMaxReadSize};
}

bool would_block(int err) {
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

template <class F>
std::optional<SocketAddress> try_address(F query, int fd) {
    try {
        return query(fd);
    } catch (const NetError&) {
        return std::nullopt;
    }
}

// Once the sent prefix is at least this large and at least half the buffer, it is erased: the
// erase moves the unsent half, so each byte is moved O(1) times on average, and small buffers
// are never compacted at all (clear() handles the common "everything sent" case for free).
constexpr std::size_t kCompactAfter = 64 * 1024;

}  // namespace

// ---- Creation: connection_made, then reading --------------------------------------------------

std::shared_ptr<SocketTransport> SocketTransport::make(EventLoop& loop, UniqueFd sock,
                                                       std::shared_ptr<Protocol> protocol,
                                                       Future<void> waiter,
                                                       std::shared_ptr<ServerAttachment> server) {
    std::shared_ptr<SocketTransport> transport(
        new SocketTransport(loop, std::move(sock), std::move(protocol), std::move(server)));
    transport->self_ = transport;
    // connection_made runs from the loop, not from here: the caller (create_connection, the
    // server's accept callback) finishes its own work first, as in asyncio.
    loop.call_soon(
        [t = transport, waiter = std::move(waiter)]() mutable { t->start(std::move(waiter)); });
    return transport;
}

SocketTransport::SocketTransport(EventLoop& loop, UniqueFd sock, std::shared_ptr<Protocol> protocol,
                                 std::shared_ptr<ServerAttachment> server)
    : loop_(loop),
      sock_(std::move(sock)),
      protocol_(std::move(protocol)),
      server_(std::move(server)),
      peername_(try_address(peer_address, sock_.get())),
      sockname_(try_address(local_address, sock_.get())) {
    if (!protocol_) throw std::invalid_argument("SocketTransport: null protocol");
    buffered_ = dynamic_cast<BufferedProtocol*>(protocol_.get());
}

// Normally everything is released by call_connection_lost. If the socket is still open here,
// the loop was closed first and dropped our callbacks: UniqueFd closes it, and the server (being
// torn down with the same loop) is not told.
SocketTransport::~SocketTransport() = default;

void SocketTransport::start(Future<void> waiter) {
    protocol_connected_ = true;
    try {
        protocol_->connection_made(*this);
    } catch (...) {
        const std::exception_ptr error = std::current_exception();
        fatal_error(error, "protocol.connection_made() failed");
        if (waiter && !waiter.done()) waiter.set_exception(error);
        return;
    }
    // connection_made may have paused reading or closed the transport already.
    if (is_reading()) start_reading();
    if (waiter && !waiter.done()) waiter.set_result();
}

// ---- Reading ------------------------------------------------------------------------------

bool SocketTransport::is_reading() const {
    return !reading_paused_ && !closing_ && !read_eof_;
}

void SocketTransport::start_reading() {
    loop_.add_reader(sock_.get(), [this] { on_readable(); });
    loop_.set_fd_label(sock_.get(), kRead, fd_ready_label("transport", sock_.get(), true));
}

void SocketTransport::pause_reading() {
    if (!is_reading()) return;
    reading_paused_ = true;
    loop_.remove_reader(sock_.get());
}

void SocketTransport::resume_reading() {
    if (closing_ || read_eof_ || !reading_paused_) return;
    reading_paused_ = false;
    // Before connection_made has run, start() will begin reading.
    if (protocol_connected_) start_reading();
}

// asyncio: _read_ready__data_received. One recv per readiness event (see the header).
void SocketTransport::on_readable() {
    if (lost_scheduled_) return;
    if (buffered_) {
        read_into_protocol();
        return;
    }
    const std::span<char> buffer = thread_read_buffer();
    const ssize_t n = ::recv(sock_.get(), buffer.data(), buffer.size(), 0);
    if (n < 0) {
        const int err = errno;
        if (would_block(err)) return;  // spurious wake-up: wait for the next event
        fatal_error(make_os_error(err, "recv", peer_text()), "fatal read error on socket");
        return;
    }
    if (n == 0) {
        on_end_of_stream();
        return;
    }
    try {
        protocol_->data_received(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    } catch (...) {
        fatal_error(std::current_exception(), "protocol.data_received() call failed");
    }
}

// asyncio: _read_ready__get_buffer. The same one recv, into the protocol's own buffer.
void SocketTransport::read_into_protocol() {
    std::span<char> buffer;
    try {
        buffer = buffered_->get_buffer(kMaxReadSize);
        if (buffer.empty()) throw std::runtime_error("get_buffer() returned an empty buffer");
    } catch (...) {
        fatal_error(std::current_exception(), "protocol.get_buffer() call failed");
        return;
    }
    const ssize_t n = ::recv(sock_.get(), buffer.data(), buffer.size(), 0);
    if (n < 0) {
        const int err = errno;
        if (would_block(err)) return;
        fatal_error(make_os_error(err, "recv", peer_text()), "fatal read error on socket");
        return;
    }
    if (n == 0) {
        on_end_of_stream();
        return;
    }
    try {
        buffered_->buffer_updated(static_cast<std::size_t>(n));
    } catch (...) {
        fatal_error(std::current_exception(), "protocol.buffer_updated() call failed");
    }
}

// asyncio: _read_ready__on_eof.
void SocketTransport::on_end_of_stream() {
    read_eof_ = true;
    loop_.remove_reader(sock_.get());
    bool keep_open = false;
    try {
        keep_open = protocol_->eof_received();
    } catch (...) {
        fatal_error(std::current_exception(), "protocol.eof_received() call failed");
        return;
    }
    if (!keep_open) close();
}

// ---- Writing ------------------------------------------------------------------------------

void SocketTransport::write(std::string_view data) {
    if (closing_ || lost_scheduled_) throw TransportClosedError("write", peer_text());
    if (eof_) throw TransportClosedError("write after write_eof", peer_text());
    if (data.empty()) return;

    if (get_write_buffer_size() == 0) {
        // Nothing queued: try to send right away, and buffer only what the kernel refuses.
        const ssize_t n = send_nosignal(sock_.get(), data.data(), data.size());
        if (n < 0) {
            const int err = errno;
            if (!would_block(err)) {
                // The connection is broken, which is news for the protocol (connection_lost),
                // not a mistake of this caller: asyncio does not raise here either.
                fatal_error(make_os_error(err, "send", peer_text()), "fatal write error on socket");
                return;
            }
        } else {
            data.remove_prefix(static_cast<std::size_t>(n));
            if (data.empty()) return;
        }
        loop_.add_writer(sock_.get(), [this] { on_writable(); });
        loop_.set_fd_label(sock_.get(), kWrite, fd_ready_label("transport", sock_.get(), false));
    }
    write_buffer_.append(data);
    maybe_pause_protocol();
}

// asyncio: _write_ready.
void SocketTransport::on_writable() {
    if (lost_scheduled_) return;
    assert(get_write_buffer_size() > 0 && "a writer is registered only while data is buffered");
    const ssize_t n =
        send_nosignal(sock_.get(), write_buffer_.data() + write_offset_, get_write_buffer_size());
    if (n < 0) {
        const int err = errno;
        if (would_block(err)) return;
        loop_.remove_writer(sock_.get());
        write_buffer_.clear();
        write_offset_ = 0;
        fatal_error(make_os_error(err, "send", peer_text()), "fatal write error on socket");
        return;
    }
    consume_written(static_cast<std::size_t>(n));
    maybe_resume_protocol();  // may write more, which appends to the buffer
    if (get_write_buffer_size() > 0) return;
    loop_.remove_writer(sock_.get());
    if (closing_) {
        schedule_connection_lost(nullptr);  // close() was waiting for this flush
    } else if (eof_) {
        shutdown_write();
    }
}

void SocketTransport::consume_written(std::size_t n) {
    write_offset_ += n;
    if (write_offset_ == write_buffer_.size()) {
        write_buffer_.clear();  // keeps the capacity for the next burst
        write_offset_ = 0;
    } else if (write_offset_ >= kCompactAfter && 2 * write_offset_ >= write_buffer_.size()) {
        write_buffer_.erase(0, write_offset_);
        write_offset_ = 0;
    }
}

void SocketTransport::write_eof() {
    if (closing_ || eof_) return;
    eof_ = true;
    if (get_write_buffer_size() == 0) shutdown_write();  // else on_writable does it once flushed
}

void SocketTransport::shutdown_write() {
    if (::shutdown(sock_.get(), SHUT_WR) != 0) {
        // ENOTCONN: the peer reset the connection meanwhile; the reader will report that.
        const int err = errno;
        if (err != ENOTCONN)
            fatal_error(make_os_error(err, "shutdown", peer_text()), "shutdown failed");
    }
}

void SocketTransport::set_write_buffer_limits(std::optional<std::size_t> high,
                                              std::optional<std::size_t> low) {
    // asyncio's _set_write_buffer_limits, defaults included.
    if (!high) high = low ? 4 * *low : kDefaultHighWater;
    if (!low) low = *high / 4;
    if (*high < *low) {
        throw std::invalid_argument("set_write_buffer_limits: high (" + std::to_string(*high) +
                                    ") must be >= low (" + std::to_string(*low) + ")");
    }
    high_water_ = *high;
    low_water_ = *low;
    maybe_pause_protocol();
}

// Called after every write that buffered something (so possibly inside the caller's write()).
void SocketTransport::maybe_pause_protocol() {
    if (get_write_buffer_size() <= high_water_ || protocol_paused_) return;
    protocol_paused_ = true;
    try {
        protocol_->pause_writing();
    } catch (...) {
        loop_.call_exception_handler(
            {"protocol.pause_writing() failed", std::current_exception(), peer_text()});
    }
}

void SocketTransport::maybe_resume_protocol() {
    if (!protocol_paused_ || get_write_buffer_size() > low_water_) return;
    protocol_paused_ = false;
    try {
        protocol_->resume_writing();
    } catch (...) {
        loop_.call_exception_handler(
            {"protocol.resume_writing() failed", std::current_exception(), peer_text()});
    }
}

// ---- Closing ------------------------------------------------------------------------------

void SocketTransport::close() {
    if (closing_) return;
    closing_ = true;
    loop_.remove_reader(sock_.get());
    // With data still buffered, on_writable schedules connection_lost once it is all sent.
    if (get_write_buffer_size() == 0) schedule_connection_lost(nullptr);
}

void SocketTransport::abort() {
    force_close(nullptr);
}

// asyncio: _fatal_error. Connection errors are the peer's doing and only reach the protocol;
// anything else (a protocol callback that threw) is a bug worth reporting to the loop too.
void SocketTransport::fatal_error(std::exception_ptr error, const char* what) {
    bool is_net_error = false;
    try {
        std::rethrow_exception(error);
    } catch (const NetError&) {
        is_net_error = true;
    } catch (...) {
    }
    if (!is_net_error) {
        loop_.call_exception_handler(
            {std::string("Fatal error on transport: ") + what, error, peer_text()});
    }
    force_close(error);
}

// asyncio: _force_close.
void SocketTransport::force_close(std::exception_ptr error) {
    if (lost_scheduled_) return;
    if (get_write_buffer_size() > 0) {
        write_buffer_.clear();
        write_offset_ = 0;
        loop_.remove_writer(sock_.get());
    }
    if (!closing_) {
        closing_ = true;
        loop_.remove_reader(sock_.get());
    }
    schedule_connection_lost(std::move(error));
}

// The only way connection_lost is reached: a callback of its own, once.
void SocketTransport::schedule_connection_lost(std::exception_ptr error) {
    assert(!lost_scheduled_);
    lost_scheduled_ = true;
    // self_ moves into the callback: from here on the pending callback is what keeps us alive.
    loop_.call_soon([self = std::move(self_), error = std::move(error)]() mutable {
        self->call_connection_lost(std::move(error));
    });
}

// asyncio: _call_connection_lost. Whatever connection_lost does (even throw), the socket is
// closed and the protocol and server are let go afterwards.
void SocketTransport::call_connection_lost(std::exception_ptr error) {
    struct Release {
        SocketTransport& t;
        ~Release() {
            // Nothing may stay registered for an fd we are about to close: the kernel reuses
            // the number at once, and the loop would then watch someone else's socket.
            t.loop_.remove_reader(t.sock_.get());
            t.loop_.remove_writer(t.sock_.get());
            t.sock_.reset();
            t.protocol_.reset();
            if (t.server_) std::exchange(t.server_, nullptr)->detach();
        }
    } release{*this};
    if (protocol_connected_) protocol_->connection_lost(std::move(error));
}

// ---- Information --------------------------------------------------------------------------

void SocketTransport::set_protocol(std::shared_ptr<Protocol> protocol) {
    if (!protocol) throw std::invalid_argument("SocketTransport::set_protocol: null protocol");
    if (!protocol_) throw InvalidStateError("SocketTransport::set_protocol after connection_lost");
    protocol_ = std::move(protocol);
    // The read path follows the new protocol: start_tls swaps a BufferedProtocol (a stream's
    // reader) for SSLProtocol, a plain one, and the next recv must go to data_received.
    buffered_ = dynamic_cast<BufferedProtocol*>(protocol_.get());
}

std::any SocketTransport::get_extra_info(std::string_view name) const {
    if (name == "peername" && peername_) return *peername_;
    if (name == "sockname" && sockname_) return *sockname_;
    if (name == "socket" && sock_) return sock_.get();
    return {};
}

std::string SocketTransport::peer_text() const {
    return peername_ ? peername_->to_string() : std::string();
}

}  // namespace looplab::net
