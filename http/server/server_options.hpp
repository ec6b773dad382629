// http/server/server_options.hpp: the knobs of looplab's HTTP server, with safe defaults.
//
// aiohttp: web.AppRunner / web.Server arguments (keepalive_timeout=75, client_max_size=1 MiB,
//          max_line_size, max_field_size); nginx: client_header_timeout, client_body_timeout,
//          send_timeout, keepalive_timeout, worker_connections.
//
// Every limit here bounds what one misbehaving client can hold: memory (the size limits, and
// the write buffer, see send_timeout), time (the timeouts, lingering included) and descriptors
// (max_connections). tests/reliability/ drives hostile clients against each one, and
// tests/reliability/attacks.sh drives slowhttptest's four attacks against lab-serve.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "http/proto/limits.hpp"
#include "net/tls/ssl_context.hpp"
#include "runtime/clock.hpp"

namespace looplab::http {
class AccessLog;  // access_log.hpp
}

namespace looplab::http {

struct HttpServerOptions {
    // Head and body size limits (a body over max_body_size gets 413, a head over its limits
    // 431 / 414, anything malformed 400).
    ParserLimits limits = ParserLimits::for_requests();
    // From the connection's start, or a request's first byte, to the end of that request's
    // head. A client that trickles its head slower (slowloris) gets 408 and is disconnected.
    Duration header_read_timeout = std::chrono::seconds(10);
    // Longest silence while a request body arrives: reset by every read, so a large upload
    // on a slow link is fine, a client that announces a body and stops sending is not (408,
    // then close). A body trickled a byte at a time is bounded by the body size limit instead.
    Duration body_read_timeout = std::chrono::seconds(60);
    // Slow readers (nginx: send_timeout, between two successive writes, plus a rate). While
    // the connection owes the client bytes it has not taken (its write buffer is above the
    // mark, a file is being sent, or a closing connection still has bytes to hand over), the
    // client must take at least one byte every send_timeout and min_send_rate bytes a second
    // on average over each rate_window; else the connection is aborted. A client that never
    // reads, or reads 32 bytes every few seconds (slowhttptest -X), cannot hold a descriptor
    // and a buffered response for long. 0 turns the rate check off.
    Duration send_timeout = std::chrono::seconds(60);
    std::uint64_t min_send_rate = 1024;  // bytes per second
    // Slow bodies (nginx: client_body_timeout with a rate): once a request's body is being
    // waited for, at least min_body_rate bytes a second must arrive on average over each
    // rate_window, besides body_read_timeout of silence at most; else 408. A client that
    // trickles a byte every few seconds (slowhttptest -B) is cut off after one window. 0 turns
    // the rate check off.
    std::uint64_t min_body_rate = 1024;  // bytes per second
    // The window both rates are measured over. The first window starts when the rate begins
    // to matter (the body is awaited, the client stops taking the response).
    Duration rate_window = std::chrono::seconds(10);
    // Memory (what a client controls). A response is handed to the transport in pieces, and a
    // streaming writer (StreamResponse::write, a file, a large body) waits while the
    // connection's write buffer is above its mark: write_buffer_size for one connection, or
    // less when many are open, since all of them together get memory_budget
    // (mark = memory_budget / open connections, at least 4 KiB). So one connection holds at
    // most its mark plus one piece (16 KiB), and the server about memory_budget plus a piece
    // per connection, whatever the clients read. Request bodies buffered for handlers are
    // charged to the same budget: a body that would take the server past it gets 503.
    std::size_t write_buffer_size = 64 * 1024;     // the transport's high water mark (asyncio's)
    std::size_t memory_budget = 32 * 1024 * 1024;  // all connections together
    // How long a kept-alive connection may sit idle between requests before it is closed.
    Duration keepalive_timeout = std::chrono::seconds(75);
    // Lingering close (nginx: lingering_close / lingering_time / lingering_timeout). A
    // connection that closes with request bytes still arriving (an error response such as 413
    // to an upload in progress, or a final status sent instead of 100 Continue) must not close
    // its socket at once: the kernel answers unread bytes with a reset, and a reset can throw
    // away the response in the client's receive buffer before the client reads it (python
    // requests then reports ConnectionResetError, not the 413). So the server sends FIN after
    // the response, reads and discards what still comes, and closes when the client closes,
    // or after lingering_timeout without a byte, or lingering_time in all, or once
    // lingering_max_bytes were discarded, whichever comes first.
    Duration lingering_time = std::chrono::seconds(30);
    Duration lingering_timeout = std::chrono::seconds(5);
    std::uint64_t lingering_max_bytes = 64 * 1024 * 1024;
    // Connections served at once (nginx: worker_connections). Every connection beyond it is
    // accepted, answered 503 with "Connection: close", and closed: the client learns why
    // instead of hanging in the listen backlog. (Stop-accepting would be the alternative; it
    // hides the cause.) Such a 503 lingers at most overload_lingering, not lingering_time: the
    // descriptor it holds is the scarce thing. Once connections close, new ones are served
    // again. Keep it below RLIMIT_NOFILE (lab-serve's default is the limit minus a reserve for
    // files and the access log). Past the descriptor limit itself, accept() fails with EMFILE:
    // then the listener's reserved descriptor is given up for a moment to accept the
    // connection and send it a 503 (net::ServerOptions::emfile_reply), so a client is told
    // even then.
    std::size_t max_connections = 100'000;
    Duration overload_lingering = std::chrono::seconds(1);
    // Passed to listen(); the accept batch per readiness event is the same size.
    int backlog = 1024;
    // SO_REUSEPORT: several servers (lab-serve --workers, one per loop) listen on one port and
    // the kernel spreads the connections over them.
    bool reuse_port = false;
    // Where every finished response is logged, in the common log format; null: nowhere.
    std::shared_ptr<AccessLog> access_log;
    // https: a server context with its certificate loaded (SSLContext::load_cert_chain), or
    // null for plain http (nginx: listen ... ssl, ssl_certificate, ssl_certificate_key). Each
    // connection does its TLS handshake before its first request is read; a handshake that
    // fails or stalls past ssl_handshake_timeout closes that connection and is not counted
    // against max_connections (it never became an HTTP connection).
    std::shared_ptr<net::tls::SSLContext> ssl;
    Duration ssl_handshake_timeout = std::chrono::seconds(60);
};

}  // namespace looplab::http
