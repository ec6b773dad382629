// net/transport/unix_server.hpp: create_unix_server(), a Server listening on a Unix socket.
//
// asyncio: loop.create_unix_server(protocol_factory, path) (unix_events.py), whose Server is
//          the same class create_server returns.
// libuv:   uv_pipe_bind + uv_listen.
//
//     auto server = co_await create_unix_server(loop, factory, "/tmp/echo.sock");
//     co_await server->serve_forever();
//
// The same Server as create_server's (server.hpp: batched accepts, the EMFILE pause,
// serve_forever, close and wait_closed), over one listening AF_UNIX socket. What is particular
// to a path in the file system:
//   - A socket file left behind by an earlier run (a crash never removes it) would make bind
//     fail with "address in use" although nobody listens. So if path exists AND is a socket,
//     it is removed before binding (asyncio: the same); any other kind of file is an error.
//   - close() removes the socket file again, but only if it is still the one this server made
//     (same device and inode): a newer server may have replaced it meanwhile (asyncio 3.13's
//     cleanup_socket=True does exactly this).
//   - An abstract name ("\0name", Linux) has no file: nothing to remove before or after.
// The server's sockets are listed by unix_sockets() (sockets() lists IP ones only).
// ServerOptions' reuse_address, reuse_port and family do not apply and are ignored.
#pragma once

#include <memory>
#include <string>

#include "net/transport/server.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

// Binds path (removing a stale socket file first, see above), listens, and starts serving
// unless told not to. Throws std::invalid_argument for a path UnixAddress refuses, NetError
// (EEXIST) if path exists and is not a socket, or the NetError of a failed bind.
Coro<std::shared_ptr<Server>> create_unix_server(EventLoop& loop, ProtocolFactory factory,
                                                 std::string path, ServerOptions options = {});

}  // namespace looplab::net
