// net/transport/datagram_transport.cpp: receiving, the send queue, and closing.
//
// asyncio: _SelectorDatagramTransport (selector_events.py); the method names follow its
//          (_read_ready, _sendto_ready, _fatal_error, _call_connection_lost).
#include "net/transport/datagram_transport.hpp"

#include <sys/socket.h>

#include <cassert>
#include <cerrno>
#include <stdexcept>

#include "net/detail/read_buffer.hpp"
#include "net/errors.hpp"
#include "net/socket_ops.hpp"

namespace looplab::net {

namespace {

bool would_block(int err) {
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

}  // namespace

std::shared_ptr<DatagramTransport> DatagramTransport::make(
    EventLoop& loop, UniqueFd sock, std::shared_ptr<DatagramProtocol> protocol,
    std::optional<SocketAddress> remote, Future<void> waiter) {
    std::shared_ptr<DatagramTransport> transport(
        new DatagramTransport(loop, std::move(sock), std::move(protocol), std::move(remote)));
    transport->self_ = transport;
    loop.call_soon(
        [t = transport, waiter = std::move(waiter)]() mutable { t->start(std::move(waiter)); });
    return transport;
}

DatagramTransport::DatagramTransport(EventLoop& loop, UniqueFd sock,
                                     std::shared_ptr<DatagramProtocol> protocol,
                                     std::optional<SocketAddress> remote)
    : loop_(loop),
      sock_(std::move(sock)),
      protocol_(std::move(protocol)),
      remote_(std::move(remote)) {
    if (!protocol_) throw std::invalid_argument("DatagramTransport: null protocol");
    try {
        sockname_ = local_address(sock_.get());
    } catch (const NetError&) {
    }
}

// As ~SocketTransport: normally call_connection_lost released everything already.
DatagramTransport::~DatagramTransport() = default;

void DatagramTransport::start(Future<void> waiter) {
    protocol_connected_ = true;
    try {
        protocol_->connection_made(*this);
    } catch (...) {
        const std::exception_ptr error = std::current_exception();
        fatal_error(error, "protocol.connection_made() failed");
        if (waiter && !waiter.done()) waiter.set_exception(error);
        return;
    }
    if (!closing_) loop_.add_reader(sock_.get(), [this] { on_readable(); });
    if (waiter && !waiter.done()) waiter.set_result();
}

// ---- Receiving -----------------------------------------------------------------------------

// asyncio: _read_ready. One datagram per readiness event.
void DatagramTransport::on_readable() {
    if (lost_scheduled_) return;
    const std::span<char> buffer = detail::transport_read_buffer();
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    const ssize_t n = ::recvfrom(sock_.get(), buffer.data(), buffer.size(), 0,
                                 reinterpret_cast<sockaddr*>(&storage), &length);
    if (n < 0) {
        const int err = errno;
        if (!would_block(err)) report_error(err, "recvfrom");
        return;
    }
    auto sender = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), length);
    if (!sender && remote_) sender = remote_;
    if (!sender) {
        report_error(EAFNOSUPPORT, "recvfrom");
        return;
    }
    try {
        protocol_->datagram_received(std::string_view(buffer.data(), static_cast<std::size_t>(n)),
                                     *sender);
    } catch (...) {
        fatal_error(std::current_exception(), "protocol.datagram_received() call failed");
    }
}

// A failed send or receive is the protocol's news, not the end of the endpoint.
void DatagramTransport::report_error(int err, const char* operation) {
    const std::string where = remote_ ? remote_->to_string() : std::string();
    try {
        protocol_->error_received(make_os_error(err, operation, where));
    } catch (...) {
        fatal_error(std::current_exception(), "protocol.error_received() call failed");
    }
}

// ---- Sending -------------------------------------------------------------------------------

void DatagramTransport::sendto(std::string_view data, std::optional<SocketAddress> address) {
    if (closing_ || lost_scheduled_) throw TransportClosedError("sendto");
    if (remote_) {
        if (address && !(*address == *remote_)) {
            throw std::invalid_argument("sendto: invalid address " + address->to_string() +
                                        ": must be none or " + remote_->to_string());
        }
        address.reset();  // a connected socket sends to its peer
    } else if (!address) {
        throw std::invalid_argument("sendto: no address, and the endpoint is not connected");
    }
    if (queue_.empty()) {
        if (send_one(data, address) >= 0) return;
        const int err = errno;
        if (!would_block(err)) {
            report_error(err, "sendto");
            return;
        }
        loop_.add_writer(sock_.get(), [this] { on_writable(); });
    }
    queue_.push_back({std::string(data), std::move(address)});
    queued_bytes_ += data.size();
    maybe_pause_protocol();
}

ssize_t DatagramTransport::send_one(std::string_view data,
                                    const std::optional<SocketAddress>& address) {
    if (!address) return ::send(sock_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    return ::sendto(sock_.get(), data.data(), data.size(), MSG_NOSIGNAL, address->data(),
                    address->size());
}

// asyncio: _sendto_ready. Sends the queue in order until the kernel refuses again.
void DatagramTransport::on_writable() {
    if (lost_scheduled_) return;
    while (!queue_.empty()) {
        Queued& next = queue_.front();
        if (send_one(next.data, next.address) < 0) {
            const int err = errno;
            if (would_block(err)) break;  // try again at the next writable event
            queued_bytes_ -= next.data.size();
            queue_.pop_front();
            report_error(err, "sendto");
            return;  // the rest waits for the next writable event
        }
        queued_bytes_ -= next.data.size();
        queue_.pop_front();
    }
    maybe_resume_protocol();  // may queue more
    if (!queue_.empty()) return;
    loop_.remove_writer(sock_.get());
    if (closing_ && !lost_scheduled_) schedule_connection_lost(nullptr);
}

void DatagramTransport::set_write_buffer_limits(std::optional<std::size_t> high,
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

void DatagramTransport::maybe_pause_protocol() {
    if (queued_bytes_ <= high_water_ || protocol_paused_) return;
    protocol_paused_ = true;
    try {
        protocol_->pause_writing();
    } catch (...) {
        loop_.call_exception_handler(
            {"protocol.pause_writing() failed", std::current_exception(), {}});
    }
}

void DatagramTransport::maybe_resume_protocol() {
    if (!protocol_paused_ || queued_bytes_ > low_water_) return;
    protocol_paused_ = false;
    try {
        protocol_->resume_writing();
    } catch (...) {
        loop_.call_exception_handler(
            {"protocol.resume_writing() failed", std::current_exception(), {}});
    }
}

// ---- Closing -------------------------------------------------------------------------------

void DatagramTransport::close() {
    if (closing_) return;
    closing_ = true;
    loop_.remove_reader(sock_.get());
    if (queue_.empty()) schedule_connection_lost(nullptr);  // else on_writable does, once sent
}

void DatagramTransport::abort() {
    force_close(nullptr);
}

// Only the protocol's own failures get here (datagram errors go to error_received).
void DatagramTransport::fatal_error(std::exception_ptr error, const char* what) {
    loop_.call_exception_handler(
        {std::string("Fatal error on datagram transport: ") + what, error, {}});
    force_close(error);
}

void DatagramTransport::force_close(std::exception_ptr error) {
    if (lost_scheduled_) return;
    if (!queue_.empty()) {
        queue_.clear();
        queued_bytes_ = 0;
        loop_.remove_writer(sock_.get());
    }
    closing_ = true;
    loop_.remove_reader(sock_.get());
    schedule_connection_lost(std::move(error));
}

void DatagramTransport::schedule_connection_lost(std::exception_ptr error) {
    assert(!lost_scheduled_);
    lost_scheduled_ = true;
    loop_.call_soon([self = std::move(self_), error = std::move(error)]() mutable {
        self->call_connection_lost(std::move(error));
    });
}

void DatagramTransport::call_connection_lost(std::exception_ptr error) {
    struct Release {
        DatagramTransport& t;
        ~Release() {
            t.loop_.remove_reader(t.sock_.get());
            t.loop_.remove_writer(t.sock_.get());
            t.sock_.reset();
            t.protocol_.reset();
        }
    } release{*this};
    if (protocol_connected_) protocol_->connection_lost(std::move(error));
}

std::any DatagramTransport::get_extra_info(std::string_view name) const {
    if (name == "sockname" && sockname_) return *sockname_;
    if (name == "peername" && remote_) return *remote_;
    if (name == "socket" && sock_) return sock_.get();
    return {};
}

}  // namespace looplab::net
