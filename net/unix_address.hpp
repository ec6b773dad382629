// net/unix_address.hpp: UnixAddress, the name of a Unix-domain socket: a path in the file
// system, or a name in Linux's abstract namespace.
//
// Python: the str (a path) or bytes starting with b"\0" (an abstract name) that AF_UNIX sockets
//         take and return; asyncio's create_unix_server / create_unix_connection take the same.
// libuv:  uv_pipe_bind / uv_pipe_connect (a path), uv_pipe_bind2 with UV_PIPE_NO_TRUNCATE.
//
// A Unix socket is a connection between two processes of one machine, named like a file: the
// server binds "/tmp/echo.sock", a socket file appears there, and clients connect to that path
// (the file's permissions decide who may). Linux adds an abstract namespace: a name whose first
// byte is '\0' ("\0echo") creates no file at all and vanishes with the last socket bound to it,
// so nothing is left behind to clean up (ss -x shows it as "@echo").
//
// Like SocketAddress it keeps the struct itself (sockaddr_un and its length), so data() and
// size() go straight into bind and connect. The one address that names nothing is the unnamed
// one: the client end of a connection that never called bind (getsockname returns it).
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace looplab::net {

class UnixAddress {
public:
    // The longest name a sockaddr_un holds: sizeof(sun_path) - 1 for a path (it keeps its
    // terminating NUL), sizeof(sun_path) - 1 for an abstract name after its leading '\0'.
    static constexpr std::size_t kMaxNameSize = sizeof(sockaddr_un{}.sun_path) - 1;

    // A path ("/tmp/echo.sock") or an abstract name ("\0echo": note std::string's length, a
    // literal needs std::string_view("\0echo", 5) or "\0echo"s). Throws std::invalid_argument
    // if name is empty, too long (kMaxNameSize), or a path containing a NUL.
    explicit UnixAddress(std::string_view name);

    // An address the kernel filled in (getsockname, getpeername, accept, recvfrom). nullopt
    // unless addr is AF_UNIX; a length with no name gives the unnamed address.
    static std::optional<UnixAddress> from_sockaddr(const sockaddr* addr, socklen_t length);
    // A socket that was never bound.
    static UnixAddress unnamed() noexcept { return UnixAddress(); }

    // The name as given: a path, or '\0' followed by the abstract name; empty when unnamed.
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] bool is_abstract() const noexcept { return !name_.empty() && name_[0] == '\0'; }
    [[nodiscard]] bool is_unnamed() const noexcept { return name_.empty(); }
    // What a person reads: the path, "@name" for an abstract name (as ss(8) prints it), or
    // "(unnamed)".
    [[nodiscard]] std::string to_string() const;

    // For syscalls: bind(fd, a.data(), a.size()).
    [[nodiscard]] const sockaddr* data() const noexcept {
        return reinterpret_cast<const sockaddr*>(&storage_);
    }
    [[nodiscard]] socklen_t size() const noexcept { return length_; }

    friend bool operator==(const UnixAddress& a, const UnixAddress& b) noexcept {
        return a.name_ == b.name_;
    }
    friend std::ostream& operator<<(std::ostream& out, const UnixAddress& address);

private:
    UnixAddress() noexcept;  // unnamed

    sockaddr_un storage_;
    socklen_t length_;
    std::string name_;
};

// getsockname(2) / getpeername(2) of a Unix socket. Throws NetError (EAFNOSUPPORT if fd is not
// a Unix socket).
UnixAddress local_unix_address(int fd);
UnixAddress peer_unix_address(int fd);

}  // namespace looplab::net
