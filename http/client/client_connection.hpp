// http/client/client_connection.hpp: one HTTP/1.1 client connection: a Protocol feeding a
// ResponseParser, and the awaitable a request uses to wait for the server's next bytes.
//
// aiohttp: ResponseHandler (aiohttp/client_proto.py), the protocol behind every pooled
//          connection: data_received feeds the HttpResponseParser, and the response's
//          StreamReader is woken when bytes arrive. Its _read_timeout is sock_read.
//
// The transport calls this protocol; the request's coroutine (ClientSession, ClientResponse)
// pulls events out of parser() and, when the parser says NeedData, co_awaits wait_for_data().
// So the bytes go from the transport's read buffer straight into the parser's buffer (one
// copy, the one a Protocol cannot avoid: data_received's view dies with the call), and body
// bytes come out of the parser as views into that buffer. No per-connection task, no queue of
// chunks between the two sides: the parser's buffer is the queue.
//
// Protocol call order (net/transport/protocol.hpp):
//     connection_made -> data_received* -> eof_received? -> connection_lost
// eof_received feeds the parser's end of stream (a close-delimited body ends there, anything
// else cut short becomes a ProtocolError) and returns false, so the transport closes.
// connection_lost with an error (reset, broken pipe) does NOT feed end of stream: a body cut
// by a reset must never look complete, so the reader sees NeedData on a lost connection and
// raises the error instead.
//
// Flow control (aiohttp's read_bufsize high water mark): when more than kReadHighWater bytes
// sit unparsed and nobody waits for them (a user who has not called read() yet), reading is
// paused; the next wait_for_data() resumes it. A slow reader thus holds back the server
// through TCP instead of buffering the whole body in memory.
//
// https: the pool connects TCP with this protocol, then upgrades the transport with
// net::tls::start_tls, which puts an SSLProtocol between the socket and this protocol
// (net/tls/ssl_protocol.hpp) and keeps this protocol connected: use_tls() then points it at
// the TLS transport. Nothing else here knows about TLS, which is asyncio's layering: the
// parser gets plaintext either way. An end of stream without the server's close_notify comes
// as connection_lost(SSLEOFError), never as eof_received, so a close-delimited body cut short
// is an error (ClientResponse), not a short success.
//
// Waiting: at most one coroutine waits at a time (one request owns the connection). A wait is
// one Future, completed by the next data_received / eof_received / connection_lost, or by a
// timer at the deadline; co_await wait_for_data(d) returns false when the deadline came first.
//
// Loop-thread only.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/client/peer_hint.hpp"
#include "http/client/tls_info.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/response_parser.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"
#include "runtime/task.hpp"

namespace looplab::http::detail {

class ClientConnection;

// The awaitable behind co_await connection.wait_for_data(deadline): true when the connection
// has news (bytes, end of stream, or loss), false when the deadline passed first. Throws
// CancelledError if the awaiting task is cancelled. Built like runtime's Sleep (an object, not
// a Coro: no coroutine frame per wait).
class [[nodiscard]] DataWait {
public:
    DataWait(ClientConnection& connection, std::optional<TimePoint> deadline)
        : connection_(connection), deadline_(deadline) {}
    DataWait(const DataWait&) = delete;
    DataWait& operator=(const DataWait&) = delete;
    ~DataWait();

    bool await_ready() const noexcept { return false; }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) {
        task_ = &looplab::detail::task_of(h);
        start();
        task_->yield_future(future_.state(), h);
    }
    bool await_resume();

private:
    void start();   // the future, registered with the connection, and the deadline's timer
    void finish();  // unregisters and cancels the timer; idempotent

    ClientConnection& connection_;
    std::optional<TimePoint> deadline_;
    TaskBase* task_ = nullptr;
    Future<void> future_;
    TimerHandle timer_;
    bool expired_ = false;  // set by the timer
};

class ClientConnection final : public net::Protocol {
public:
    // Unparsed bytes above which reading pauses while nobody waits (see the header comment).
    static constexpr std::size_t kReadHighWater = 512 * 1024;

    ClientConnection(EventLoop& loop, ParserLimits limits) : loop_(loop), limits_(limits) {}

    // ---- net::Protocol ------------------------------------------------------------------
    void connection_made(net::Transport& transport) override;
    void data_received(std::string_view data) override;
    bool eof_received() override;
    void connection_lost(std::exception_ptr error) override;

    // ---- State ------------------------------------------------------------------------------
    // Connected, not closing, no end of stream, nothing unexpected received: a request may be
    // sent on it. An idle connection that the server closed stops being usable as soon as its
    // end of stream (or loss) has been processed.
    bool is_usable() const noexcept;
    // connection_lost has run: no more bytes will come.
    bool is_lost() const noexcept { return lost_; }
    // Why it was lost: a net::NetError (reset...) or null (end of stream, or closed by us).
    const std::exception_ptr& error() const noexcept { return error_; }
    // Bytes received since begin_request(): zero means the server has said nothing at all to
    // this request yet (the condition for retrying on a fresh connection).
    std::uint64_t bytes_since_request() const noexcept { return bytes_since_request_; }
    // The server's address as text ("127.0.0.1:8080"), for messages.
    const std::string& peer() const noexcept { return peer_; }
    // The first bytes (up to kPeerHintBytes) the server sent after the last begin_request():
    // enough to recognise a TLS record or an HTTP/2 frame where an HTTP/1.x response was
    // expected (peer_hint.hpp).
    std::string_view first_bytes() const noexcept { return {first_bytes_, first_bytes_size_}; }
    // After a TLS upgrade (use_tls): what the handshake negotiated; null on a plain connection.
    const std::shared_ptr<const TlsInfo>& tls_info() const noexcept { return tls_info_; }
    EventLoop& loop() const noexcept { return loop_; }

    // ---- One request/response exchange --------------------------------------------------
    // Makes the parser ready for the response to a `method` request (a fresh parser for the
    // first request, start_next_message() after that). Call before writing the request.
    void begin_request(std::string_view method);
    // Sends bytes (Transport::write: never blocks). Throws net::TransportClosedError if the
    // transport is closing or closed.
    void write(std::string_view bytes);
    ResponseParser& parser() noexcept { return parser_; }
    // See DataWait. Resumes reading if flow control had paused it.
    DataWait wait_for_data(std::optional<TimePoint> deadline) { return DataWait(*this, deadline); }
    // Closes at once, dropping anything unsent (Transport::abort); connection_lost follows from
    // a callback of its own, which closes the descriptor. Idempotent. Does nothing unless this
    // connection's loop is running in this thread: after the loop has ended, the transport is
    // the loop's to free (net/transport/socket_transport.hpp), and touching it could touch a dead
    // loop.
    void abort();

    // ---- For the pool -------------------------------------------------------------------
    // After a proxy's 2xx to CONNECT (proxy.hpp): the tunnel is open, and the next
    // begin_request starts a fresh parser, as on a new connection.
    void end_tunnel_setup() noexcept {
        requests_ = 0;
        bytes_since_request_ = 0;
        first_bytes_size_ = 0;
    }
    // The TLS transport net::tls::start_tls returned, which this protocol now writes into (and
    // reads the negotiated parameters from, "ssl_object"). Once, after connection_made.
    void use_tls(net::Transport& tls_transport);
    // While idle, any byte from the server is a protocol violation (no request is out), and
    // the connection becomes unusable.
    void set_idle(bool idle) noexcept { idle_ = idle; }
    // Called once, from connection_lost (after this connection's own bookkeeping).
    void set_on_lost(std::function<void(ClientConnection&)> fn) { on_lost_ = std::move(fn); }

private:
    friend class DataWait;
    void wake();  // completes the pending wait, if any

    EventLoop& loop_;
    ParserLimits limits_;
    ResponseParser parser_{"GET", limits_};
    // From connection_made until connection_lost. Weak, and only used while this loop runs
    // (see abort()): a connection outliving its loop must not touch a freed transport.
    std::weak_ptr<net::Transport> transport_;
    std::string peer_;
    std::exception_ptr error_;
    std::function<void(ClientConnection&)> on_lost_;
    Future<void> waiter_;                      // the pending DataWait's future, or empty
    std::shared_ptr<const TlsInfo> tls_info_;  // set by use_tls
    std::uint64_t bytes_since_request_ = 0;
    char first_bytes_[kPeerHintBytes] = {};
    std::size_t first_bytes_size_ = 0;
    std::uint64_t requests_ = 0;  // begin_request calls so far
    bool eof_ = false;            // eof_received has run
    bool lost_ = false;           // connection_lost has run
    bool idle_ = false;
    bool unsolicited_ = false;  // bytes arrived while idle
};

}  // namespace looplab::http::detail
