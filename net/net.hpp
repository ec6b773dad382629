// net/net.hpp: everything in net/, for programs that want it all at once.
//
// The layers, bottom up (asyncio's order, each built only on the ones before it):
//   sockets:     socket_address, socket_ops, resolver, errors, blocking_socket (no loop)
//   loop + fds:  getaddrinfo, async_socket_ops (sock_connect / sock_recv / ...)
//   callbacks:   protocol, transport, socket_transport, create_connection, server
//   coroutines:  stream_reader, stream_reader_protocol, stream_writer, streams
// demos/echo/ shows the same echo client and server written at each of the last three.
// Beside them (issue 16): datagrams (async_datagram_ops, create_datagram_endpoint), Unix
// sockets (unix_address, async_unix_ops, unix_connection, unix_server, unix_streams), pipes
// (pipe_ops, connect_pipe), sendfile (sendfile, transport_sendfile) and subprocesses
// (net/subprocess/process.hpp: create_subprocess_exec / _shell).
#pragma once

#include "net/async_datagram_ops.hpp"
#include "net/async_socket_ops.hpp"
#include "net/async_unix_ops.hpp"
#include "net/errors.hpp"
#include "net/getaddrinfo.hpp"
#include "net/pipe_ops.hpp"
#include "net/resolver.hpp"
#include "net/sendfile.hpp"
#include "net/socket_address.hpp"
#include "net/socket_ops.hpp"
#include "net/stream/stream_reader.hpp"
#include "net/stream/stream_reader_protocol.hpp"
#include "net/stream/stream_writer.hpp"
#include "net/stream/streams.hpp"
#include "net/stream/unix_streams.hpp"
#include "net/subprocess/process.hpp"
#include "net/transport/connect_pipe.hpp"
#include "net/transport/create_connection.hpp"
#include "net/transport/create_datagram_endpoint.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/server.hpp"
#include "net/transport/socket_transport.hpp"
#include "net/transport/transport.hpp"
#include "net/transport/transport_sendfile.hpp"
#include "net/transport/unix_connection.hpp"
#include "net/transport/unix_server.hpp"
#include "net/unique_fd.hpp"
#include "net/unix_address.hpp"
