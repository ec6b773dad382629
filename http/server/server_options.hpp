// http/server/server_options.hpp: the knobs of looplab's HTTP server, with safe defaults.
//
// aiohttp: web.AppRunner / web.Server arguments (keepalive_timeout=75, client_max_size=1 MiB,
//          max_line_size, max_field_size); nginx: client_header_timeout, client_body_timeout,
//          send_timeout, keepalive_timeout, worker_connections.
//
// Every limit here bounds what one misbehaving client can hold: memory (the size limits, and
// the write buffer, see send_timeout), time (the timeouts, lingering included) and descriptors
// (max_connections). tests/reliability/ drives hostile clients against each one.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "http/proto/limits.hpp"
#include "net/tls/ssl_context.hpp"
#include "runtime/clock.hpp"

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
    // How long a response may sit in the write buffer above its high water mark (the client
    // is not reading it), and how long a closing connection may take to hand over its last
    // bytes. Past it the connection is aborted: a client that never reads cannot hold a
    // descriptor and a buffered response forever. While the buffer is above the mark the
    // connection also stops reading further pipelined requests, so its memory stays bounded
    // by the water mark plus one response.
    Duration send_timeout = std::chrono::seconds(60);
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
    // Connections served at once. Every connection beyond it is accepted, answered 503 with
    // "Connection: close", and closed: the client learns why instead of hanging in the
    // listen backlog. (Stop-accepting would be the alternative; it hides the cause.) Once
    // connections close, new ones are served again. The default is far above what one
    // process's descriptor limit allows; set it below RLIMIT_NOFILE to keep descriptors for
    // the 503s (when accept() itself fails with EMFILE, net::Server pauses accepting briefly).
    std::size_t max_connections = 100'000;
    // Passed to listen(); the accept batch per readiness event is the same size.
    int backlog = 1024;
    bool reuse_port = false;
    // https: a server context with its certificate loaded (SSLContext::load_cert_chain), or
    // null for plain http (nginx: listen ... ssl, ssl_certificate, ssl_certificate_key). Each
    // connection does its TLS handshake before its first request is read; a handshake that
    // fails or stalls past ssl_handshake_timeout closes that connection and is not counted
    // against max_connections (it never became an HTTP connection).
    std::shared_ptr<net::tls::SSLContext> ssl;
    Duration ssl_handshake_timeout = std::chrono::seconds(60);
};

}  // namespace looplab::http
