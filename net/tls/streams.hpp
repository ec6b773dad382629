// net/tls/streams.hpp: open_connection, start_server and StreamWriter's start_tls with TLS.
//
// asyncio: asyncio.open_connection(host, port, ssl=ctx), asyncio.start_server(cb, host, port,
//          ssl=ctx) and StreamWriter.start_tls(ctx) (streams.py).
//
//     auto [reader, writer] = co_await tls::open_connection(loop, "example.org", 443, {ctx});
//     writer->write("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n");
//
// The same two lines as net/stream/streams.hpp's, with tls::create_connection / create_server
// underneath: the stream layer does not know TLS is there, which is the layering's point.
//
// start_tls upgrades a plain stream (SMTP's and IMAP's STARTTLS, an HTTP CONNECT tunnel):
// the reader and writer stay the same objects, and what was read before the upgrade stays in
// the reader. It is a free function here (asyncio's is a StreamWriter method) because net/
// must not depend on TLS; StreamWriter has the one hook it needs (replace_transport).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "net/stream/stream_reader.hpp"
#include "net/stream/stream_reader_protocol.hpp"
#include "net/stream/stream_writer.hpp"
#include "net/stream/streams.hpp"
#include "net/tls/create_connection.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net::tls {

// Connects with TLS (tls::create_connection's rules and errors) and returns the streams.
Coro<StreamPair> open_connection(EventLoop& loop, std::string host, std::uint16_t port,
                                 SSLOptions ssl, std::size_t limit = StreamReader::kDefaultLimit,
                                 ConnectionOptions options = {});
Coro<StreamPair> open_connection(std::string host, std::uint16_t port, SSLOptions ssl,
                                 std::size_t limit = StreamReader::kDefaultLimit,
                                 ConnectionOptions options = {});

// Serves TLS (tls::create_server's rules): client_connected_cb runs as a task per connection,
// once its handshake is done.
Coro<std::shared_ptr<Server>> start_server(EventLoop& loop,
                                           ClientConnectedCallback client_connected_cb,
                                           std::string host, std::uint16_t port, SSLOptions ssl,
                                           std::size_t limit = StreamReader::kDefaultLimit,
                                           ServerOptions options = {});
Coro<std::shared_ptr<Server>> start_server(ClientConnectedCallback client_connected_cb,
                                           std::string host, std::uint16_t port, SSLOptions ssl,
                                           std::size_t limit = StreamReader::kDefaultLimit,
                                           ServerOptions options = {});

// Upgrades writer's connection to TLS (asyncio: StreamWriter.start_tls): drains the writer,
// runs tls::start_tls under its protocol, and points the writer (and its reader) at the TLS
// transport. A client context makes this side the client, a server context the server.
// Throws what the handshake throws (the connection is then aborted).
Coro<void> start_tls(StreamWriter& writer, SSLOptions ssl);

}  // namespace looplab::net::tls
