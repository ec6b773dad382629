// net/transport/transport_sendfile.cpp: the native path on the transport's socket, or write().
#include "net/transport/transport_sendfile.hpp"

#include <any>
#include <chrono>
#include <memory>
#include <string>

#include "net/errors.hpp"
#include "net/sendfile.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

namespace {

// The descriptor of a transport that could take the native path right now, or -1.
int native_socket(const Transport& transport) {
    if (transport.get_write_buffer_size() != 0) return -1;
    const std::any sock = transport.get_extra_info("socket");
    const int* fd = std::any_cast<int>(&sock);
    return fd ? *fd : -1;
}

Coro<std::size_t> native(EventLoop& loop, Transport& transport, int sock, int file,
                         std::uint64_t offset, std::optional<std::size_t> count) {
    const bool was_reading = transport.is_reading();
    if (was_reading) transport.pause_reading();
    struct Resume {
        Transport& transport;
        bool was_reading;
        ~Resume() {
            if (was_reading && !transport.is_closing()) transport.resume_reading();
        }
    } resume{transport, was_reading};
    co_return co_await detail::sendfile_native(loop, sock, file, offset, count);
}

Coro<std::size_t> through_write(EventLoop& loop, Transport& transport, int file,
                                std::uint64_t offset, std::optional<std::size_t> count,
                                std::size_t sent) {
    for (;;) {
        const std::size_t want = detail::fallback_block_size(count, sent);
        if (want == 0) break;
        const std::string block = co_await detail::read_file_block(loop, file, offset + sent, want);
        if (block.empty()) break;
        transport.write(block);
        sent += block.size();
        while (transport.get_write_buffer_size() > transport.get_write_buffer_limits().second &&
               !transport.is_closing()) {
            co_await sleep(std::chrono::milliseconds(1));  // see the DIFFERENCE in the header
        }
    }
    co_return sent;
}

}  // namespace

Coro<std::size_t> sendfile(EventLoop& loop, Transport& transport, int file, std::uint64_t offset,
                           std::optional<std::size_t> count, bool fallback) {
    auto keep_alive = transport.shared_from_this();
    if (transport.is_closing()) throw TransportClosedError("sendfile");
    std::size_t sent = 0;
    bool native_failed = true;
    if (const int sock = native_socket(transport); sock >= 0) {
        try {
            sent = co_await native(loop, transport, sock, file, offset, count);
            native_failed = false;
        } catch (const SendfileNotAvailableError&) {
            if (!fallback) throw;
        }
    } else if (!fallback) {
        throw SendfileNotAvailableError("the transport has no socket, or bytes still buffered");
    }
    if (native_failed) sent = co_await through_write(loop, transport, file, offset, count, sent);
    if (sent > 0) detail::seek_file(file, offset + sent);
    co_return sent;
}

}  // namespace looplab::net
