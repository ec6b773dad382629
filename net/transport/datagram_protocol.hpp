// net/transport/datagram_protocol.hpp: DatagramProtocol, the callbacks of a datagram endpoint.
//
// asyncio: asyncio.DatagramProtocol (protocols.py).
// libuv:   uv_udp_recv_cb (nread > 0 a datagram, < 0 an error, with the sender's address).
//
// The datagram twin of Protocol (protocol.hpp): no stream, so no eof_received, and no
// connection to lose data from: each datagram_received is one whole datagram, with its sender.
//
// Call order (asyncio's):
//
//     start -> connection_made [-> datagram_received* | error_received*] -> connection_lost
//
//   - connection_made: once, first; the transport is ready for sendto.
//   - datagram_received(data, address): one datagram, in arrival order; data is valid only
//     during the call (it points into the transport's read buffer).
//   - error_received(error): a send or receive failed but the endpoint lives on. Typically a
//     ConnectionRefusedError on a connected endpoint: an earlier datagram reached a closed port
//     and the kernel reported the ICMP error (asyncio: the same; UDP cannot tell which
//     datagram it was).
//   - pause_writing / resume_writing: the transport's send buffer crossed its high / low water
//     marks (only when the kernel's send buffer is full: UDP rarely blocks).
//   - connection_lost: once, last (close(), abort(), or a fatal error).
// Every method has an empty default, as asyncio's do.
#pragma once

#include <exception>
#include <string_view>

#include "net/socket_address.hpp"

namespace looplab::net {

class DatagramTransport;

class DatagramProtocol {
public:
    virtual ~DatagramProtocol() = default;

    virtual void connection_made(DatagramTransport& transport) { (void)transport; }
    virtual void datagram_received(std::string_view data, const SocketAddress& address) {
        (void)data;
        (void)address;
    }
    virtual void error_received(std::exception_ptr error) { (void)error; }
    virtual void connection_lost(std::exception_ptr error) { (void)error; }
    virtual void pause_writing() {}
    virtual void resume_writing() {}
};

}  // namespace looplab::net
