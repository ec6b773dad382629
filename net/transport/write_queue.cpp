// net/transport/write_queue.cpp: appending to, gathering from and consuming a WriteQueue.
//
// asyncio: _SelectorSocketTransport._write_sendmsg / _adjust_leftover_buffer (selector_events.py)
#include "net/transport/write_queue.hpp"

#include <algorithm>

namespace looplab::net {

namespace {

// A new piece is at least this large, so that many small writes queued behind a slow reader
// share pieces instead of costing one allocation (and one iovec) each.
constexpr std::size_t kSmallPiece = 4 * 1024;

// Once this many sent pieces lead the vector (and they are at least half of it), they are
// erased: moving a std::string is a few pointer copies, and the vector stays short.
constexpr std::size_t kCompactAfter = 16;

}  // namespace

void WriteQueue::append(std::string_view data) {
    size_ += data.size();
    while (!data.empty()) {
        // Reserved pieces are filled to their capacity and never grown: growing would
        // reallocate (and double) a piece, the very waste this class exists to avoid.
        if (head_ == pieces_.size() || pieces_.back().size() == pieces_.back().capacity()) {
            pieces_.emplace_back().reserve(std::min(kPiece, std::max(data.size(), kSmallPiece)));
        }
        std::string& last = pieces_.back();
        const std::size_t take = std::min(last.capacity() - last.size(), data.size());
        last.append(data.data(), take);
        data.remove_prefix(take);
    }
}

std::size_t WriteQueue::gather(std::span<iovec> iov) const noexcept {
    std::size_t count = 0;
    for (std::size_t i = head_; i < pieces_.size() && count < iov.size(); ++i, ++count) {
        const std::size_t skip = i == head_ ? head_offset_ : 0;
        // iovec's base is not const, but writev/sendmsg only read from it.
        iov[count].iov_base = const_cast<char*>(pieces_[i].data() + skip);
        iov[count].iov_len = pieces_[i].size() - skip;
    }
    return count;
}

void WriteQueue::consume(std::size_t n) noexcept {
    size_ -= n;
    while (n > 0) {
        std::string& piece = pieces_[head_];
        const std::size_t left = piece.size() - head_offset_;
        if (n < left) {
            head_offset_ += n;
            return;
        }
        n -= left;
        std::string().swap(piece);  // sent: its memory goes back now, not when the queue drains
        ++head_;
        head_offset_ = 0;
    }
    if (size_ == 0) {
        clear();
    } else if (head_ >= kCompactAfter && 2 * head_ >= pieces_.size()) {
        pieces_.erase(pieces_.begin(), pieces_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
}

void WriteQueue::clear() noexcept {
    std::vector<std::string>().swap(pieces_);  // the vector too: an idle connection holds nothing
    head_ = 0;
    head_offset_ = 0;
    size_ = 0;
}

}  // namespace looplab::net
