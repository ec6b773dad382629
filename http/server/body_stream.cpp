// http/server/body_stream.cpp: see body_stream.hpp.
#include "http/server/body_stream.hpp"

#include <algorithm>

#include "runtime/event_loop.hpp"
#include "runtime/task.hpp"

namespace looplab::http {

BodyStream::~BodyStream() = default;

void BodyStream::wake() {
    if (waiter_ && !waiter_.done()) waiter_.set_result();
    waiter_ = Future<void>();
}

void BodyStream::feed(std::string_view bytes) {
    if (ended_ || error_ || bytes.empty()) return;
    buffer_.append(bytes);
    if (!backlogged_ && buffer_.size() > limit_) {
        backlogged_ = true;
        if (on_backlog) on_backlog(true);
    }
    wake();
}

void BodyStream::feed_eof() {
    ended_ = true;
    wake();
}

void BodyStream::set_exception(std::exception_ptr error) {
    if (!error_) error_ = std::move(error);
    wake();
}

Coro<std::string> BodyStream::read_chunk(std::size_t max) {
    max = std::max<std::size_t>(1, max);
    while (buffer_.empty() && !ended_ && !error_) {
        waiter_ = get_running_loop().create_future<void>();
        Future<void> wait = waiter_;
        co_await wait;
    }
    if (error_) std::rethrow_exception(error_);
    std::string out;
    if (buffer_.size() <= max) {
        out.swap(buffer_);
    } else {
        out = buffer_.substr(0, max);
        buffer_.erase(0, max);
    }
    read_ += out.size();
    if (backlogged_ && buffer_.size() <= limit_) {
        backlogged_ = false;
        if (on_backlog) on_backlog(false);
    }
    co_return out;
}

Coro<std::string> BodyStream::read() {
    std::string all;
    for (;;) {
        std::string piece = co_await read_chunk();
        if (piece.empty()) break;
        all += piece;
    }
    co_return all;
}

}  // namespace looplab::http
