// net/transport/read_pipe_transport.cpp: read once per event, end of file, closing.
//
// asyncio: _UnixReadPipeTransport (unix_events.py); method names follow its.
#include "net/transport/read_pipe_transport.hpp"

#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <stdexcept>

#include "net/detail/read_buffer.hpp"
#include "net/errors.hpp"
#include "net/pipe_ops.hpp"
#include "net/socket_ops.hpp"

namespace looplab::net {

std::shared_ptr<ReadPipeTransport> ReadPipeTransport::make(EventLoop& loop, UniqueFd pipe,
                                                           std::shared_ptr<Protocol> protocol,
                                                           Future<void> waiter) {
    if (pipe_kind(pipe.get()) == PipeKind::other) {
        throw std::invalid_argument(
            "connect_read_pipe: the transport is for pipes, sockets and character devices");
    }
    set_non_blocking(pipe.get(), true);
    std::shared_ptr<ReadPipeTransport> transport(
        new ReadPipeTransport(loop, std::move(pipe), std::move(protocol)));
    transport->self_ = transport;
    loop.call_soon(
        [t = transport, waiter = std::move(waiter)]() mutable { t->start(std::move(waiter)); });
    return transport;
}

ReadPipeTransport::ReadPipeTransport(EventLoop& loop, UniqueFd pipe,
                                     std::shared_ptr<Protocol> protocol)
    : loop_(loop), pipe_(std::move(pipe)), protocol_(std::move(protocol)) {
    if (!protocol_) throw std::invalid_argument("ReadPipeTransport: null protocol");
}

ReadPipeTransport::~ReadPipeTransport() = default;

void ReadPipeTransport::start(Future<void> waiter) {
    protocol_connected_ = true;
    try {
        protocol_->connection_made(*this);
    } catch (...) {
        const std::exception_ptr error = std::current_exception();
        loop_.call_exception_handler({"protocol.connection_made() failed", error, {}});
        close_with(error);
        if (waiter && !waiter.done()) waiter.set_exception(error);
        return;
    }
    if (is_reading()) loop_.add_reader(pipe_.get(), [this] { on_readable(); });
    if (waiter && !waiter.done()) waiter.set_result();
}

void ReadPipeTransport::pause_reading() {
    if (!is_reading()) return;
    paused_ = true;
    loop_.remove_reader(pipe_.get());
}

void ReadPipeTransport::resume_reading() {
    if (closing_ || !paused_) return;
    paused_ = false;
    if (protocol_connected_) loop_.add_reader(pipe_.get(), [this] { on_readable(); });
}

void ReadPipeTransport::on_readable() {
    if (lost_scheduled_) return;
    const std::span<char> buffer = detail::transport_read_buffer();
    const ssize_t n = ::read(pipe_.get(), buffer.data(), buffer.size());
    if (n < 0) {
        const int err = errno;
        if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return;
        close_with(make_os_error(err, "read", "pipe"));
        return;
    }
    if (n == 0) {
        // End of file: every writer has closed its end.
        closing_ = true;
        loop_.remove_reader(pipe_.get());
        try {
            protocol_->eof_received();
        } catch (...) {
            loop_.call_exception_handler(
                {"protocol.eof_received() call failed", std::current_exception(), "pipe"});
        }
        close_with(nullptr);
        return;
    }
    try {
        protocol_->data_received(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    } catch (...) {
        const std::exception_ptr error = std::current_exception();
        loop_.call_exception_handler({"protocol.data_received() call failed", error, "pipe"});
        close_with(error);
    }
}

void ReadPipeTransport::close() {
    if (!closing_) close_with(nullptr);
}

// asyncio: _close. Idempotent once lost is scheduled.
void ReadPipeTransport::close_with(std::exception_ptr error) {
    if (lost_scheduled_) return;
    closing_ = true;
    lost_scheduled_ = true;
    loop_.remove_reader(pipe_.get());
    loop_.call_soon([self = std::move(self_), error = std::move(error)]() mutable {
        self->call_connection_lost(std::move(error));
    });
}

void ReadPipeTransport::call_connection_lost(std::exception_ptr error) {
    struct Release {
        ReadPipeTransport& t;
        ~Release() {
            t.loop_.remove_reader(t.pipe_.get());
            t.pipe_.reset();
            t.protocol_.reset();
        }
    } release{*this};
    if (protocol_connected_) protocol_->connection_lost(std::move(error));
}

void ReadPipeTransport::write(std::string_view) {
    throw std::logic_error("a read pipe cannot be written");
}

void ReadPipeTransport::write_eof() {
    throw std::logic_error("a read pipe cannot be written");
}

void ReadPipeTransport::set_write_buffer_limits(std::optional<std::size_t>,
                                                std::optional<std::size_t>) {
    throw std::logic_error("a read pipe has no write buffer");
}

std::any ReadPipeTransport::get_extra_info(std::string_view name) const {
    if (name == "pipe" && pipe_) return pipe_.get();
    return {};
}

}  // namespace looplab::net
