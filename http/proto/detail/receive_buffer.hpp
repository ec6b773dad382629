// http/proto/detail/receive_buffer.hpp: the bytes a parser has been given and not yet consumed.
//
// h11:   h11._receivebuffer.ReceiveBuffer
// asio:  dynamic_buffer's prepare() / commit() / consume()
//
// One contiguous array with a read offset (begin_) and a write offset (end_). Consuming only
// moves begin_, so views handed out as Data events stay intact until the next append. Space is
// reclaimed lazily when an append needs it: the live bytes move to the front only when that
// move is no larger than the space it frees (begin_ >= live), which keeps the copying amortised
// O(1) per byte even when a pipelining peer keeps a long backlog buffered; otherwise the array
// grows. After warm-up a connection appends without allocating.
//
// prepare()/commit() let a blocking client recv() straight into the buffer, so body bytes are
// never copied between the socket and the Data event; append() is for callers that already
// hold the bytes (a Protocol's data_received).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

namespace looplab::http::detail {

class ReceiveBuffer {
public:
    // Copies `data` in after the unconsumed bytes.
    void append(std::string_view data) {
        if (data.empty()) return;
        reserve_tail(data.size());
        std::memcpy(storage_.get() + end_, data.data(), data.size());
        end_ += data.size();
    }

    // At least `size` writable bytes after the unconsumed ones (possibly more). Write into
    // them, then commit() how many were written. Invalidates earlier views.
    std::span<char> prepare(std::size_t size) {
        reserve_tail(std::max<std::size_t>(size, 1));
        return {storage_.get() + end_, capacity_ - end_};
    }

    // Makes `n` bytes written into the last prepare() span part of the buffer.
    void commit(std::size_t n) {
        assert(n <= capacity_ - end_);
        end_ += n;
    }

    // The unconsumed bytes. Valid until the next append() / prepare().
    std::string_view view() const noexcept { return {storage_.get() + begin_, end_ - begin_}; }
    bool empty() const noexcept { return begin_ == end_; }
    std::size_t size() const noexcept { return end_ - begin_; }

    // Marks the first `n` unconsumed bytes as used. Their memory stays untouched until the
    // next append() / prepare(), which is what keeps Data views valid.
    void consume(std::size_t n) noexcept {
        assert(n <= size());
        begin_ += n;
        if (begin_ == end_) begin_ = end_ = 0;  // empty: the next append starts at the front
    }

private:
    void reserve_tail(std::size_t n) {
        if (capacity_ - end_ >= n) return;
        const std::size_t live = end_ - begin_;
        if (live + n <= capacity_ && begin_ >= live) {
            std::memmove(storage_.get(), storage_.get() + begin_, live);
        } else {
            const std::size_t new_capacity = std::max({capacity_ * 2, live + n, kMinCapacity});
            // new char[] leaves the bytes uninitialised: they are about to be overwritten.
            std::unique_ptr<char[]> bigger(new char[new_capacity]);
            if (live != 0) std::memcpy(bigger.get(), storage_.get() + begin_, live);
            storage_ = std::move(bigger);
            capacity_ = new_capacity;
        }
        begin_ = 0;
        end_ = live;
    }

    static constexpr std::size_t kMinCapacity = 4096;

    std::unique_ptr<char[]> storage_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;  // first unconsumed byte
    std::size_t end_ = 0;    // one past the last received byte
};

}  // namespace looplab::http::detail
