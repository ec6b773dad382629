// net/transport/write_queue.hpp: WriteQueue, the bytes a transport has accepted but the kernel
// has not taken yet, kept as a chain of pieces of at most kPiece bytes.
//
// asyncio: _SelectorSocketTransport's _buffer (a collections.deque of bytes objects, sent with
//          sendmsg / writev since 3.12).
// libuv:   uv_write_t's bufs, written with writev (uv__write in src/unix/stream.c).
// nginx:   a chain of fixed-size buffers (ngx_chain_t), sent with writev
// (ngx_linux_sendfile_chain).
//
// Why a chain and not one growing string: a string keeps its capacity. One large response
// queued for a client that reads slowly grows it to the response's size rounded up to a power
// of two, and the capacity stays after the bytes are sent, for as long as the connection lives.
// With 1,000 slow readers (slowhttptest -X, tests/reliability/attacks.sh) that was 78 MB of
// RSS for about 48 MB of queued bytes. Here memory follows the queued bytes: a piece is freed
// as soon as it is sent, no piece holds more than kPiece, and an empty queue holds nothing at
// all (an idle connection pays no write memory; benchmarks/README.md, "HTTP server" rows).
// Sending is one writev of the first pieces (kMaxIov of them), so the chain costs no extra
// system calls, and appending never moves bytes already queued.
//
// States: empty (no allocation) <-> queued (pieces_[head_..], the first partly sent).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace looplab::net {

class WriteQueue {
public:
    static constexpr std::size_t kPiece = 16 * 1024;  // the largest piece (one allocation)
    static constexpr std::size_t kMaxIov = 16;        // pieces one writev offers the kernel

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

    // Copies data to the end of the queue: into the last piece while it has room below kPiece,
    // then into new pieces.
    void append(std::string_view data);
    // Fills iov with the first unsent bytes (at most iov.size() pieces); returns how many.
    std::size_t gather(std::span<iovec> iov) const noexcept;
    // The kernel took n bytes (n <= size()): sent pieces are freed.
    void consume(std::size_t n) noexcept;
    // Drops everything and frees it.
    void clear() noexcept;

private:
    std::vector<std::string> pieces_;  // pieces_[head_] is the oldest still unsent
    std::size_t head_ = 0;
    std::size_t head_offset_ = 0;  // bytes of pieces_[head_] already sent
    std::size_t size_ = 0;         // unsent bytes in all
};

}  // namespace looplab::net
