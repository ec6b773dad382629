// net/transport/write_pipe_transport.cpp: writing, flushing, noticing the reader is gone.
//
// asyncio: _UnixWritePipeTransport (unix_events.py); method names follow its.
#include "net/transport/write_pipe_transport.hpp"

#include <cassert>
#include <cerrno>
#include <stdexcept>

#include "net/errors.hpp"
#include "net/pipe_ops.hpp"
#include "net/socket_ops.hpp"

namespace looplab::net {

namespace {

bool would_block(int err) {
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

// As SocketTransport's compaction rule (socket_transport.cpp).
constexpr std::size_t kCompactAfter = 64 * 1024;

}  // namespace

std::shared_ptr<WritePipeTransport> WritePipeTransport::make(EventLoop& loop, UniqueFd pipe,
                                                             std::shared_ptr<Protocol> protocol,
                                                             Future<void> waiter) {
    const PipeKind kind = pipe_kind(pipe.get());
    if (kind == PipeKind::other) {
        throw std::invalid_argument(
            "connect_write_pipe: the transport is for pipes, sockets and character devices");
    }
    set_non_blocking(pipe.get(), true);
    std::shared_ptr<WritePipeTransport> transport(new WritePipeTransport(
        loop, std::move(pipe), std::move(protocol), kind != PipeKind::character_device));
    transport->self_ = transport;
    loop.call_soon(
        [t = transport, waiter = std::move(waiter)]() mutable { t->start(std::move(waiter)); });
    return transport;
}

WritePipeTransport::WritePipeTransport(EventLoop& loop, UniqueFd pipe,
                                       std::shared_ptr<Protocol> protocol, bool watch_reader_gone)
    : loop_(loop),
      pipe_(std::move(pipe)),
      protocol_(std::move(protocol)),
      watch_reader_gone_(watch_reader_gone) {
    if (!protocol_) throw std::invalid_argument("WritePipeTransport: null protocol");
}

WritePipeTransport::~WritePipeTransport() = default;

void WritePipeTransport::start(Future<void> waiter) {
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
    if (watch_reader_gone_ && !closing_) {
        loop_.add_reader(pipe_.get(), [this] { on_reader_gone(); });
    }
    if (waiter && !waiter.done()) waiter.set_result();
}

// ---- Writing ------------------------------------------------------------------------------

void WritePipeTransport::write(std::string_view data) {
    if (closing_ || lost_scheduled_) throw TransportClosedError("write", "pipe");
    if (data.empty()) return;
    if (get_write_buffer_size() == 0) {
        const ssize_t n = write_nosignal(pipe_.get(), data.data(), data.size());
        if (n < 0) {
            const int err = errno;
            if (!would_block(err)) {
                close_with(make_os_error(err, "write", "pipe"));  // news for connection_lost
                return;
            }
        } else {
            data.remove_prefix(static_cast<std::size_t>(n));
            if (data.empty()) return;
        }
        loop_.add_writer(pipe_.get(), [this] { on_writable(); });
    }
    buffer_.append(data);
    maybe_pause_protocol();
}

void WritePipeTransport::on_writable() {
    if (lost_scheduled_) return;
    assert(get_write_buffer_size() > 0 && "a writer is registered only while data is buffered");
    const ssize_t n =
        write_nosignal(pipe_.get(), buffer_.data() + offset_, get_write_buffer_size());
    if (n < 0) {
        const int err = errno;
        if (would_block(err)) return;
        close_with(make_os_error(err, "write", "pipe"));
        return;
    }
    offset_ += static_cast<std::size_t>(n);
    if (offset_ == buffer_.size()) {
        buffer_.clear();
        offset_ = 0;
    } else if (offset_ >= kCompactAfter && 2 * offset_ >= buffer_.size()) {
        buffer_.erase(0, offset_);
        offset_ = 0;
    }
    maybe_resume_protocol();  // may write more
    if (get_write_buffer_size() > 0) return;
    loop_.remove_writer(pipe_.get());
    if (closing_) close_with(nullptr);  // write_eof was waiting for this flush
}

// The other end closed: a write pipe is only ever "readable" for that reason.
void WritePipeTransport::on_reader_gone() {
    if (lost_scheduled_) return;
    if (get_write_buffer_size() > 0) {
        close_with(make_os_error(EPIPE, "write", "pipe"));
    } else {
        close_with(nullptr);
    }
}

void WritePipeTransport::write_eof() {
    if (closing_) return;
    closing_ = true;
    if (get_write_buffer_size() == 0) close_with(nullptr);  // else on_writable, once flushed
}

void WritePipeTransport::close() {
    write_eof();
}

void WritePipeTransport::abort() {
    close_with(nullptr);
}

void WritePipeTransport::set_write_buffer_limits(std::optional<std::size_t> high,
                                                 std::optional<std::size_t> low) {
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

void WritePipeTransport::maybe_pause_protocol() {
    if (get_write_buffer_size() <= high_water_ || protocol_paused_) return;
    protocol_paused_ = true;
    try {
        protocol_->pause_writing();
    } catch (...) {
        loop_.call_exception_handler(
            {"protocol.pause_writing() failed", std::current_exception(), "pipe"});
    }
}

void WritePipeTransport::maybe_resume_protocol() {
    if (!protocol_paused_ || get_write_buffer_size() > low_water_) return;
    protocol_paused_ = false;
    try {
        protocol_->resume_writing();
    } catch (...) {
        loop_.call_exception_handler(
            {"protocol.resume_writing() failed", std::current_exception(), "pipe"});
    }
}

// ---- Closing ------------------------------------------------------------------------------

// asyncio: _close. Drops the buffer, unregisters, and schedules connection_lost once.
void WritePipeTransport::close_with(std::exception_ptr error) {
    if (lost_scheduled_) return;
    closing_ = true;
    lost_scheduled_ = true;
    if (get_write_buffer_size() > 0) {
        buffer_.clear();
        offset_ = 0;
    }
    loop_.remove_writer(pipe_.get());
    loop_.remove_reader(pipe_.get());
    loop_.call_soon([self = std::move(self_), error = std::move(error)]() mutable {
        self->call_connection_lost(std::move(error));
    });
}

void WritePipeTransport::call_connection_lost(std::exception_ptr error) {
    struct Release {
        WritePipeTransport& t;
        ~Release() {
            t.loop_.remove_reader(t.pipe_.get());
            t.loop_.remove_writer(t.pipe_.get());
            t.pipe_.reset();
            t.protocol_.reset();
        }
    } release{*this};
    if (protocol_connected_) protocol_->connection_lost(std::move(error));
}

std::any WritePipeTransport::get_extra_info(std::string_view name) const {
    if (name == "pipe" && pipe_) return pipe_.get();
    return {};
}

}  // namespace looplab::net
