// net/pipe_ops.hpp: the syscalls the pipe transports and the subprocess layer need, one small
// named function each (socket_ops.hpp's twin for pipes).
//
// Python: os.pipe (O_CLOEXEC since PEP 446), os.set_blocking, os.write; asyncio's
//         _UnixWritePipeTransport relies on Python ignoring SIGPIPE at start-up.
// libuv:  uv_pipe (src/unix/pipe.c), uv__write with the same EPIPE rule.
//
// The one that needs a reason is write_nosignal. A write(2) to a pipe whose reader has gone
// raises SIGPIPE, whose default action kills the process. Sockets have MSG_NOSIGNAL for that
// (socket_ops.hpp); pipes have no such flag, and a library must not set SIGPIPE to SIG_IGN for
// the whole program behind its back. So for the length of the write, SIGPIPE is blocked in the
// calling thread only; if the write failed with EPIPE and no SIGPIPE was pending before, the
// one our write raised is taken off the thread's pending set (sigtimedwait with a zero
// timeout), and the mask is put back. A thread-directed SIGPIPE raised by write(2) is pending
// on that thread alone, so nothing else can see it, and the program's own SIGPIPE disposition
// is never touched.
#pragma once

#include <sys/types.h>

#include <cstddef>

#include "net/unique_fd.hpp"

namespace looplab::net {

// The two ends of a new pipe, both close-on-exec (set atomically by pipe2, so a child started
// by another thread in between cannot inherit them). Throws NetError.
struct PipeEnds {
    UniqueFd read;
    UniqueFd write;
};
PipeEnds make_pipe();

// write(2) that never raises SIGPIPE (see above): the bytes written, or -1 with errno set
// (EAGAIN on a full non-blocking pipe, EPIPE once the reader is gone). Does not throw.
[[nodiscard]] ssize_t write_nosignal(int fd, const void* data, std::size_t length) noexcept;

// What kind of file fd is, for the pipe transports' check (asyncio: "Pipe transport is for
// pipes/sockets only."): a FIFO (pipe), a socket, or a character device (a terminal).
enum class PipeKind { fifo, socket, character_device, other };
PipeKind pipe_kind(int fd);

}  // namespace looplab::net
