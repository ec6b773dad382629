// net/stream/stream_reader.cpp: the buffer, the one waiter, and asyncio's read algorithms.
#include "net/stream/stream_reader.hpp"

#include <algorithm>
#include <any>
#include <cassert>
#include <optional>
#include <stdexcept>
#include <utility>

#include "net/errors.hpp"
#include "net/socket_address.hpp"
#include "runtime/errors.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

namespace {

// The waiter's label: "StreamReader.readuntil: data from 127.0.0.1:8080" (subject: the
// reader's transport_, which lives as long as the reader; the read holds the reader).
void describe_data_wait(const Label& label, const LabelView& view, std::string& out) {
    if (!view.live) return;
    const auto& weak = *static_cast<const std::weak_ptr<Transport>*>(label.subject);
    const std::shared_ptr<Transport> t = weak.lock();
    const std::any peer = t ? t->get_extra_info("peername") : std::any();
    const auto* address = std::any_cast<SocketAddress>(&peer);
    out += address ? ": data from " + address->to_string() : ": data";
}

const char* reader_method(std::string_view what) {
    return what == "readuntil"     ? "StreamReader.readuntil"
           : what == "readexactly" ? "StreamReader.readexactly"
                                   : "StreamReader.read";
}

}  // namespace

StreamReader::StreamReader(EventLoop& loop, std::size_t limit) : loop_(loop), limit_(limit) {
    if (limit == 0) throw std::invalid_argument("StreamReader: limit must be positive");
}

// ---- Feeding ------------------------------------------------------------------------------

void StreamReader::set_transport(std::shared_ptr<Transport> transport) {
    transport_ = std::move(transport);
}

void StreamReader::feed_data(std::string_view data) {
    assert(!eof_ && "feed_data after feed_eof");
    if (data.empty()) return;
    buffer_.append(data);
    after_feed();
}

std::span<char> StreamReader::get_buffer(std::size_t /*sizehint*/) {
    assert(!eof_ && "get_buffer after feed_eof");
    // limit_ bytes a read: as much as the backpressure rule lets pile up between two reads,
    // and no 256 KiB buffer per connection (the transport's sizehint).
    return buffer_.space(limit_);
}

void StreamReader::buffer_updated(std::size_t nbytes) {
    if (nbytes == 0) return;
    buffer_.commit(nbytes);
    after_feed();
}

// New bytes are in: wake the reader; past 2 * limit, pause the transport.
void StreamReader::after_feed() {
    wake_up_waiter();
    if (!paused_ && buffer_.size() > 2 * limit_) {
        if (std::shared_ptr<Transport> t = transport_.lock()) {
            t->pause_reading();
            paused_ = true;
        }
    }
}

void StreamReader::feed_eof() {
    eof_ = true;
    wake_up_waiter();
}

void StreamReader::set_exception(std::exception_ptr error) {
    exception_ = error;
    Future<void> waiter = std::exchange(waiter_, Future<void>());
    if (waiter && !waiter.done()) waiter.set_exception(error);
}

// asyncio: _wakeup_waiter. The waiter is handed over, not kept, so a second feed before the
// reader runs does not complete it twice.
void StreamReader::wake_up_waiter() {
    Future<void> waiter = std::exchange(waiter_, Future<void>());
    if (waiter && !waiter.done()) waiter.set_result();
}

void StreamReader::maybe_resume_transport() {
    if (paused_ && buffer_.size() <= limit_) {
        paused_ = false;
        if (std::shared_ptr<Transport> t = transport_.lock()) t->resume_reading();
    }
}

// ---- Waiting ------------------------------------------------------------------------------

Coro<void> StreamReader::wait_for_data(const char* what) {
    if (waiter_) {
        throw InvalidStateError(std::string(what) +
                                "() called while another coroutine is already waiting for "
                                "incoming data");
    }
    assert(!eof_);
    // Waiting for data while we keep the transport paused would wait forever.
    if (paused_) {
        paused_ = false;
        if (std::shared_ptr<Transport> t = transport_.lock()) t->resume_reading();
    }
    Future<void> waiter = loop_.create_future<void>();
    waiter.state()->set_label({reader_method(what), &describe_data_wait, &transport_, 0});
    waiter_ = waiter;
    struct Forget {  // cancelled or not, this wait is over: the next one may start
        StreamReader& reader;
        Future<void>& waiter;
        ~Forget() {
            if (reader.waiter_.state() == waiter.state()) reader.waiter_ = Future<void>();
        }
    } forget{*this, waiter};
    co_await waiter;
}

std::string StreamReader::take_front(std::size_t n) {
    return buffer_.take_front(n);
}

// ---- Reading ------------------------------------------------------------------------------
// Each public read first takes a strong reference to the reader, so that a read suspended in
// a task keeps the buffer it will resume into alive (the frame uses `this`).

Coro<std::string> StreamReader::read(std::ptrdiff_t n) {
    auto keep_alive = weak_from_this().lock();
    if (exception_) std::rethrow_exception(exception_);
    if (n == 0) co_return std::string();
    if (n < 0) {
        // asyncio reads in limit-sized blocks so that backpressure keeps working meanwhile.
        std::string all;
        for (;;) {
            std::string block = co_await read(static_cast<std::ptrdiff_t>(limit_));
            if (block.empty()) break;
            all += block;
        }
        co_return all;
    }
    if (buffer_.empty() && !eof_) co_await wait_for_data("read");
    std::string data = take_front(static_cast<std::size_t>(n));
    maybe_resume_transport();
    co_return data;
}

Coro<std::string> StreamReader::readexactly(std::size_t n) {
    auto keep_alive = weak_from_this().lock();
    if (exception_) std::rethrow_exception(exception_);
    if (n == 0) co_return std::string();
    while (buffer_.size() < n) {
        if (eof_) throw IncompleteReadError(buffer_.take_front(buffer_.size()), n);
        co_await wait_for_data("readexactly");
    }
    std::string data = take_front(n);
    maybe_resume_transport();
    co_return data;
}

// asyncio's algorithm: search only the bytes not searched yet (minus separator length - 1, a
// separator may straddle the boundary), and give up once the search start passes the limit.
Coro<std::string> StreamReader::readuntil(std::string separator) {
    auto keep_alive = weak_from_this().lock();
    if (separator.empty()) throw std::invalid_argument("readuntil: separator must not be empty");
    if (exception_) std::rethrow_exception(exception_);
    const std::size_t seplen = separator.size();
    std::size_t offset = 0;
    std::size_t found = std::string::npos;
    for (;;) {
        if (buffer_.size() >= offset + seplen) {
            found = buffer_.view().find(separator, offset);
            if (found != std::string::npos) break;
            offset = buffer_.size() + 1 - seplen;
            if (offset > limit_) {
                throw LimitOverrunError("separator is not found, and chunk exceed the limit",
                                        offset);
            }
        }
        if (eof_) throw IncompleteReadError(buffer_.take_front(buffer_.size()), std::nullopt);
        co_await wait_for_data("readuntil");
    }
    if (found > limit_) {
        throw LimitOverrunError("separator is found, but chunk is longer than limit", found);
    }
    std::string chunk = take_front(found + seplen);
    maybe_resume_transport();
    co_return chunk;
}

Coro<std::string> StreamReader::readline() {
    auto keep_alive = weak_from_this().lock();
    std::optional<std::size_t> overrun;  // consumed() of a LimitOverrunError
    try {
        co_return co_await readuntil("\n");
    } catch (const IncompleteReadError& e) {
        co_return e.partial();
    } catch (const LimitOverrunError& e) {
        overrun = e.consumed();
    }
    // Drop the overlong line: through its "\n" if we have it, else everything buffered.
    if (*overrun < buffer_.size() && buffer_[*overrun] == '\n') {
        buffer_.drop_front(*overrun + 1);
    } else {
        buffer_.clear();
    }
    maybe_resume_transport();
    throw LimitOverrunError("line is longer than the limit", *overrun);
}

}  // namespace looplab::net
