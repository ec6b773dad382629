// net/stream/stream_writer.cpp: drain() and wait_closed().
#include "net/stream/stream_writer.hpp"

#include <utility>

#include "runtime/sleep.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

StreamWriter::StreamWriter(EventLoop& loop, std::shared_ptr<Transport> transport,
                           std::shared_ptr<StreamReaderProtocol> protocol,
                           std::shared_ptr<StreamReader> reader)
    : loop_(loop),
      transport_(std::move(transport)),
      protocol_(std::move(protocol)),
      reader_(std::move(reader)) {}

// asyncio's StreamWriter.drain, step by step.
Coro<void> StreamWriter::drain() {
    auto keep_alive = weak_from_this().lock();
    // 1. A connection error seen by the reading side is the most precise answer.
    if (reader_) {
        if (std::exception_ptr error = reader_->exception()) std::rethrow_exception(error);
    }
    // 2. Closing: let connection_lost run first (it is scheduled, never inline), so that
    //    drain_helper sees the connection as lost and says so, instead of returning as if
    //    everything had been sent.
    if (transport_->is_closing()) co_await sleep(Duration::zero());
    // 3. Wait while the transport is above its high water mark.
    co_await protocol_->drain_helper();
}

void StreamWriter::replace_transport(std::shared_ptr<Transport> transport) {
    transport_ = std::move(transport);
    if (reader_) reader_->set_transport(transport_);
}

Coro<void> StreamWriter::wait_closed() {
    auto keep_alive = weak_from_this().lock();
    co_await protocol_->closed();
}

}  // namespace looplab::net
