// net/transport/server_attachment.hpp: what a transport tells the server that accepted it.
//
// asyncio: Server._attach / Server._detach (base_events.py), called by the transport.
// libuv:   none; a uv_tcp_t knows nothing of the server handle that accepted it.
//
// A Server counts its live connections so that close() + wait_closed() can wait for the last
// one to end. The transport reports its own end (detach), so it needs a way back to its server;
// but the server also makes the transports. This interface is the transport's whole view of the
// server: socket_transport.cpp includes it, and not server.hpp, so the two files do not include
// each other (tools/check_includes.sh).
#pragma once

namespace looplab::net {

class ServerAttachment {
public:
    // A transport accepted by this server now exists (counted until detach).
    virtual void attach() noexcept = 0;
    // That transport's connection is gone: its connection_lost has run.
    virtual void detach() = 0;

protected:
    ~ServerAttachment() = default;
};

}  // namespace looplab::net
