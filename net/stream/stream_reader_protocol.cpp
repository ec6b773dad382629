// net/stream/stream_reader_protocol.cpp: feeding the reader, flow control for drain().
#include "net/stream/stream_reader_protocol.hpp"

#include <algorithm>
#include <utility>

#include "net/errors.hpp"
#include "net/socket_address.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

StreamReaderProtocol::StreamReaderProtocol(EventLoop& loop, std::shared_ptr<StreamReader> reader,
                                           ConnectionMadeHook on_connection_made)
    : loop_(loop),
      reader_(std::move(reader)),
      on_connection_made_(std::move(on_connection_made)),
      closed_(loop.create_future<void>()) {}

void StreamReaderProtocol::connection_made(Transport& transport) {
    std::shared_ptr<Transport> t = transport.shared_from_this();
    if (const std::any peer = transport.get_extra_info("peername"); peer.has_value()) {
        peer_ = std::any_cast<SocketAddress>(peer).to_string();
    }
    if (reader_) reader_->set_transport(t);
    if (on_connection_made_) on_connection_made_(t, shared_from_this());
}

void StreamReaderProtocol::data_received(std::string_view data) {
    if (reader_) reader_->feed_data(data);
}

std::span<char> StreamReaderProtocol::get_buffer(std::size_t sizehint) {
    if (reader_) return reader_->get_buffer(sizehint);
    constexpr std::size_t kDiscardSize = 16 * 1024;
    if (!discard_) discard_ = std::make_unique<char[]>(kDiscardSize);
    return {discard_.get(), kDiscardSize};
}

void StreamReaderProtocol::buffer_updated(std::size_t nbytes) {
    if (reader_) reader_->buffer_updated(nbytes);
}

bool StreamReaderProtocol::eof_received() {
    if (reader_) reader_->feed_eof();
    return true;  // keep the transport open: this side may still write
}

void StreamReaderProtocol::connection_lost(std::exception_ptr error) {
    if (reader_) {
        if (error) {
            reader_->set_exception(error);
        } else {
            reader_->feed_eof();
        }
    }
    if (!closed_.done()) {
        if (error) {
            closed_.set_exception(error);
            // The reader's reads (or drain) report this error; wait_closed() is optional, so an
            // unawaited closed_ must not be reported as "exception never retrieved".
            closed_.state()->mark_retrieved();
        } else {
            closed_.set_result();
        }
    }
    // FlowControlMixin.connection_lost: wake every drain() waiting on a paused transport.
    connection_lost_ = true;
    if (paused_) {
        for (Future<void>& waiter : drain_waiters_) {
            if (waiter.done()) continue;
            if (error) {
                waiter.set_exception(error);
            } else {
                waiter.set_result();
            }
        }
    }
    on_connection_made_ = nullptr;  // made its connection; nothing to keep
}

void StreamReaderProtocol::pause_writing() {
    paused_ = true;
}

void StreamReaderProtocol::resume_writing() {
    paused_ = false;
    for (Future<void>& waiter : drain_waiters_) {
        if (!waiter.done()) waiter.set_result();
    }
}

Coro<void> StreamReaderProtocol::drain_helper() {
    auto keep_alive = shared_from_this();
    if (connection_lost_) throw ConnectionResetError("drain", peer_);
    if (!paused_) co_return;
    Future<void> waiter = loop_.create_future<void>();
    waiter.state()->set_label(labels::text("StreamWriter.drain (the write buffer is full)"));
    drain_waiters_.push_back(waiter);
    struct Remove {
        std::vector<Future<void>>& waiters;
        Future<void>& waiter;
        ~Remove() {
            std::erase_if(waiters,
                          [&](const Future<void>& w) { return w.state() == waiter.state(); });
        }
    } remove{drain_waiters_, waiter};
    co_await waiter;
}

}  // namespace looplab::net
