// net/stream/stream_reader_buffer.hpp: the bytes a StreamReader holds, and the space the
// transport reads into.
//
// asyncio: StreamReader._buffer (a bytearray); the reading side of BufferedProtocol.get_buffer.
// libuv:   the alloc_cb / read_cb pair of uv_read_start: the reader supplies the memory.
//
// Why not std::string. The transport used to recv() into its per-thread buffer and
// data_received copied the bytes into the reader's std::string: two copies of every byte before
// a read() could take them. As a BufferedProtocol the reader hands the transport free space at
// the end of its own buffer and recv() fills it directly: one copy fewer. A std::string cannot
// lend uninitialised space (resize() zero-fills what recv is about to overwrite), hence this
// small buffer: [begin, end) holds the data, [end, capacity) is free space.
//
// Memory: consumed bytes at the front are dropped by moving the start, and compacted away (one
// memmove of what is left) only when the free space at the end is too small; when the buffer
// empties, its storage is released, so an idle connection holds no read memory (what the
// transport's shared per-thread buffer gave before).
//
// Loop-thread only, like the reader.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace looplab::net::detail {

class StreamReaderBuffer {
public:
    std::size_t size() const noexcept { return end_ - begin_; }
    bool empty() const noexcept { return begin_ == end_; }
    std::string_view view() const noexcept { return {data_.get() + begin_, size()}; }
    char operator[](std::size_t i) const noexcept { return data_[begin_ + i]; }

    // Appends a copy of `bytes` (the data_received path).
    void append(std::string_view bytes) {
        std::memcpy(space(bytes.size()).data(), bytes.data(), bytes.size());
        end_ += bytes.size();
    }

    // Free space for at least `at_least` bytes at the end, and all the free space there is.
    // Stays valid until the next change to the buffer.
    std::span<char> space(std::size_t at_least) {
        if (capacity_ - end_ < at_least) make_room(at_least);
        return {data_.get() + end_, capacity_ - end_};
    }
    // The first n bytes of space() now hold data.
    void commit(std::size_t n) noexcept { end_ += n; }

    // Removes the first n bytes (at most size()) and returns them.
    std::string take_front(std::size_t n) {
        n = std::min(n, size());
        std::string front(data_.get() + begin_, n);
        drop_front(n);
        return front;
    }
    // Removes the first n bytes (at most size()).
    void drop_front(std::size_t n) noexcept {
        begin_ += std::min(n, size());
        if (begin_ == end_) release();
    }
    void clear() noexcept { release(); }

private:
    // Compacts if that frees enough, else grows (at least doubling, so appends stay O(1)).
    void make_room(std::size_t at_least) {
        const std::size_t held = size();
        if (capacity_ - held >= at_least) {
            std::memmove(data_.get(), data_.get() + begin_, held);  // slide the data to the front
        } else {
            const std::size_t capacity = std::max(2 * capacity_, held + at_least);
            auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
            if (held) std::memcpy(bigger.get(), data_.get() + begin_, held);
            data_ = std::move(bigger);
            capacity_ = capacity;
        }
        begin_ = 0;
        end_ = held;
    }
    void release() noexcept {
        data_.reset();
        capacity_ = begin_ = end_ = 0;
    }

    std::unique_ptr<char[]> data_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;  // first byte held
    std::size_t end_ = 0;    // one past the last byte held; free space follows
};

}  // namespace looplab::net::detail
