// net/stream/streams.hpp: open_connection() and start_server(), the stream-level entry points.
//
// asyncio: asyncio.open_connection() and asyncio.start_server() (streams.py).
//
//     auto [reader, writer] = co_await open_connection(loop, "127.0.0.1", 8888);
//     writer->write("ping\n");
//     std::string reply = co_await reader->readline();
//
// They are create_connection / create_server with a StreamReaderProtocol as the protocol: the
// whole stream layer is a protocol plus two small classes on top of the transport layer, which
// is the point asyncio's design makes and this file shows.
//
// Both come with an explicit loop (like the rest of net/) and without one (like asyncio, which
// uses the running loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "net/stream/stream_reader.hpp"
#include "net/stream/stream_reader_protocol.hpp"
#include "net/stream/stream_writer.hpp"
#include "net/transport/create_connection.hpp"
#include "net/transport/server.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

using StreamPair = std::pair<std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter>>;

// start_server's callback: runs as a task per connection, with that connection's reader and
// writer. It is kept alive until its task is done, as asyncio keeps the handler alive from the
// task's coroutine: a lambda's captures are its coroutine's state, so a handler that outlived
// nothing would leave the coroutine reading freed captures.
using ClientConnectedCallback =
    std::function<Coro<void>(std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter>)>;

// The ProtocolFactory start_server uses: a StreamReaderProtocol per connection, with a reader of
// `limit` bytes, whose connection_made makes the StreamWriter and runs client_connected_cb as a
// task. Any server of streams (a TLS one too) is create_server with this factory.
ProtocolFactory client_connected_protocols(EventLoop& loop,
                                           ClientConnectedCallback client_connected_cb,
                                           std::size_t limit = StreamReader::kDefaultLimit);

// Connects to host:port (create_connection's rules and errors) and returns a reader whose
// buffer limit is `limit` and a writer.
Coro<StreamPair> open_connection(EventLoop& loop, std::string host, std::uint16_t port,
                                 std::size_t limit = StreamReader::kDefaultLimit,
                                 ConnectionOptions options = {});
Coro<StreamPair> open_connection(std::string host, std::uint16_t port,
                                 std::size_t limit = StreamReader::kDefaultLimit,
                                 ConnectionOptions options = {});

// Listens on host:port (create_server's rules and errors); for every connection,
// client_connected_cb(reader, writer) runs as a new task. The callback owns the connection:
// close the writer when done (a callback that throws or is cancelled gets it closed for it).
Coro<std::shared_ptr<Server>> start_server(EventLoop& loop,
                                           ClientConnectedCallback client_connected_cb,
                                           std::string host, std::uint16_t port,
                                           std::size_t limit = StreamReader::kDefaultLimit,
                                           ServerOptions options = {});
Coro<std::shared_ptr<Server>> start_server(ClientConnectedCallback client_connected_cb,
                                           std::string host, std::uint16_t port,
                                           std::size_t limit = StreamReader::kDefaultLimit,
                                           ServerOptions options = {});

}  // namespace looplab::net
