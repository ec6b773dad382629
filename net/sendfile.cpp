// net/sendfile.cpp: sendfile(2) with waits on EAGAIN, and the read + send fallback.
#include "net/sendfile.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "net/async_socket_ops.hpp"
#include "net/detail/wait_fd.hpp"
#include "net/errors.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

namespace {

constexpr std::size_t kFallbackBlock = 256 * 1024;  // asyncio's block size

void check_stream_socket(int sock) {
    int type = 0;
    socklen_t length = sizeof type;
    if (::getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM) {
        throw std::invalid_argument("sock_sendfile: only SOCK_STREAM sockets are supported");
    }
}

// How many bytes the native path should send: count, or what the file holds after offset.
std::optional<std::size_t> native_total(int file, std::uint64_t offset,
                                        std::optional<std::size_t> count) {
    struct stat st {};
    if (::fstat(file, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const std::uint64_t left = offset < size ? size - offset : 0;
    return count ? std::min<std::uint64_t>(*count, left) : left;
}

// sendfile(2) refusing this pair of descriptors (rather than failing the connection).
bool not_supported(int err) {
    return err == EINVAL || err == ENOSYS || err == ENOTSOCK || err == EOPNOTSUPP || err == EXDEV ||
           err == EAFNOSUPPORT;
}

}  // namespace

namespace detail {

Coro<std::size_t> sendfile_native(EventLoop& loop, int sock, int file, std::uint64_t offset,
                                  std::optional<std::size_t> count) {
    const std::optional<std::size_t> total = native_total(file, offset, count);
    if (!total) throw SendfileNotAvailableError("not a regular file");
    std::size_t sent = 0;
    while (sent < *total) {
        off_t at = static_cast<off_t>(offset + sent);
        const ssize_t n = ::sendfile(sock, file, &at, *total - sent);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n == 0) break;  // the file got shorter meanwhile
        const int err = errno;
        if (err == EINTR) continue;
        if (would_block(err)) {
            co_await wait_until(loop, sock, Direction::writable);
            continue;
        }
        if (sent == 0 && not_supported(err)) throw SendfileNotAvailableError("sendfile(2) refused");
        throw_os_error(err, "sendfile", {});
    }
    co_return sent;
}

Coro<std::string> read_file_block(EventLoop& loop, int file, std::uint64_t offset,
                                  std::size_t size) {
    auto read_block = [file, offset, size] {
        std::string block(size, '\0');
        ssize_t n;
        do {
            n = ::pread(file, block.data(), size, static_cast<off_t>(offset));
            // A pipe has no offsets (ESPIPE): it is read where it stands, which is in order.
            if (n < 0 && errno == ESPIPE) n = ::read(file, block.data(), size);
        } while (n < 0 && errno == EINTR);
        if (n < 0) throw_os_error(errno, "pread", {});
        block.resize(static_cast<std::size_t>(n));
        return block;
    };
    co_return co_await loop.run_in_executor(nullptr, read_block);
}

std::size_t fallback_block_size(std::optional<std::size_t> count, std::size_t sent) {
    return count ? std::min(kFallbackBlock, *count - sent) : kFallbackBlock;
}

void seek_file(int file, std::uint64_t to) {
    ::lseek(file, static_cast<off_t>(to), SEEK_SET);  // a pipe cannot seek: nothing to move
}

}  // namespace detail

Coro<std::size_t> sock_sendfile(EventLoop& loop, int sock, int file, std::uint64_t offset,
                                std::optional<std::size_t> count, bool fallback) {
    check_stream_socket(sock);
    std::size_t sent = 0;
    bool native_failed = false;
    try {
        sent = co_await detail::sendfile_native(loop, sock, file, offset, count);
    } catch (const SendfileNotAvailableError&) {
        if (!fallback) throw;
        native_failed = true;
    }
    while (native_failed) {
        const std::size_t want = detail::fallback_block_size(count, sent);
        if (want == 0) break;
        const std::string block = co_await detail::read_file_block(loop, file, offset + sent, want);
        if (block.empty()) break;  // end of file
        co_await sock_sendall(loop, sock, block);
        sent += block.size();
    }
    if (sent > 0) detail::seek_file(file, offset + sent);
    co_return sent;
}

}  // namespace looplab::net
