// net/stream/unix_streams.hpp: open_unix_connection() and start_unix_server(), streams over Unix
// sockets.
//
// asyncio: asyncio.open_unix_connection() and asyncio.start_unix_server() (streams.py).
//
//     auto server = co_await start_unix_server(loop, handle_client, "/tmp/echo.sock");
//     auto [reader, writer] = co_await open_unix_connection(loop, "/tmp/echo.sock");
//
// streams.hpp's two entry points with a path instead of host and port: the same
// StreamReaderProtocol, StreamReader and StreamWriter on top of create_unix_connection /
// create_unix_server (net/transport/unix_connection.hpp, unix_server.hpp). That the stream layer
// needs nothing new for another kind of socket is the point: it only ever sees a Transport.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "net/stream/streams.hpp"
#include "net/transport/server.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

// Connects to the Unix socket at path (create_unix_connection's rules and errors).
Coro<StreamPair> open_unix_connection(EventLoop& loop, std::string path,
                                      std::size_t limit = StreamReader::kDefaultLimit);

// Listens on path (create_unix_server's rules and errors); for every connection,
// client_connected_cb(reader, writer) runs as a new task, as with start_server.
Coro<std::shared_ptr<Server>> start_unix_server(EventLoop& loop,
                                                ClientConnectedCallback client_connected_cb,
                                                std::string path,
                                                std::size_t limit = StreamReader::kDefaultLimit,
                                                ServerOptions options = {});

}  // namespace looplab::net
