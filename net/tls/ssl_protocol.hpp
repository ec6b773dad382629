// net/tls/ssl_protocol.hpp: SSLProtocol, TLS as a protocol over any transport that is itself a
// transport for the protocol above it.
//
// asyncio: SSLProtocol and _SSLProtocolTransport (Lib/asyncio/sslproto.py, the 3.11 rewrite
//          taken from uvloop), with the same states, timeouts and flow-control rules.
// libuv:   none (libuv has no TLS); Node's TLSWrap sits the same way between a stream and JS.
//
// The layering, which is the point of this file:
//
//     app protocol  (StreamReaderProtocol, an HTTP connection, ...)
//        ^ data_received(plaintext)        | write(plaintext) / close()
//        |                                 v
//     SSLTransport  (below in this file: the app's Transport; every call comes here)
//     SSLProtocol   (this: an SSLObject engine driven by the callbacks below)
//        ^ data_received(ciphertext)       | write(ciphertext)
//        |                                 v
//     SocketTransport (or any Transport: TLS inside TLS works too)
//
// The protocol above cannot tell it is not talking to a socket. SSLProtocol is the underlying
// transport's Protocol (it gets the ciphertext), and it owns an SSLTransport it hands up as the
// app protocol's Transport (the app writes plaintext into it). The engine in the middle never
// does I/O (ssl_object.hpp).
//
// States (asyncio's SSLProtocolState; the names in capitals are its):
//
//   UNWRAPPED --connection_made--> DO_HANDSHAKE --handshake done--> WRAPPED
//       ^                              |        (app connection_made)  |
//       |       handshake failed,      |                               | app close(), or the
//       |       ssl_handshake_timeout, |                               | peer's close_notify
//       |       close() or abort()     |                               | (and the app's
//       |       (transport aborted)    |                               v  eof_received false)
//       +<-----------------------------+                            FLUSHING
//       |                                                              | plaintext still queued
//       |                                                              | is encrypted and handed
//       |                                                              v to the transport
//       |                                                            SHUTDOWN
//       |   close_notify sent; waiting for the peer's, or its end of stream, at most
//       |   ssl_shutdown_timeout; then the transport is closed (its buffer is flushed first)
//       +<---------- connection_lost (from any state; the app's follows at once) --------+
//
//   Also from WRAPPED: a fatal error (a bad record, end of stream without close_notify, the app
//   protocol throwing) aborts the transport and goes to UNWRAPPED.
//
// The app protocol sees the usual call order (protocol.hpp): connection_made once the
// handshake is done (never before: nothing it could write would be safe to send), then
// data_received with plaintext, eof_received when the peer's close_notify arrives, and
// connection_lost last. With call_connection_made false (start_tls, where the app protocol is
// already connected), the handshake only completes the waiter.
//
// Where looplab differs from asyncio, and why:
//   - End of stream without close_notify is an error: the app's connection_lost gets
//     SSLEOFError and eof_received is not called. asyncio treats it as a normal end, which lets
//     an attacker (or a crash) cut a close-delimited HTTP body short unnoticed; Python's
//     blocking ssl module raises SSLEOFError there too.
//   - eof_received's answer counts: true keeps the connection open for writing after the
//     peer's close_notify (TLS 1.3 closes each direction on its own, RFC 8446 section 6.1),
//     as it keeps a TCP transport open after FIN. asyncio ignores it with a warning.
//   - close() stops reading at once (the Transport contract), while asyncio still delivers
//     what it had decrypted when close() was called.
// As in asyncio, write_eof() throws (can_write_eof() is false): close() sends the close_notify,
// and no TLS half-close is offered on the sending side.
//
// Flow control, writing. get_write_buffer_size() counts every byte the app wrote that has not
// reached the kernel: plaintext waiting for the handshake (the backlog), ciphertext the engine
// made while the transport below was paused, and the transport's own buffer. The app's marks
// (asyncio's SSL defaults: 512 KiB high, 128 KiB low) apply to that sum. Why no stall is
// possible, although the transport below reports only when it resumes, not as it drains:
// connection_made and set_write_buffer_limits keep the transport's high mark at or below the
// app's low mark (lowering it if needed). Suppose the app is paused (size > low). If the
// transport below is paused, its resume_writing will come, and we check again then. If it is
// not, we handed it everything (ciphertext is held back only while it is paused, and after the
// handshake the backlog is empty), so size is its buffer, which is at most its high mark
// (it pauses us as soon as it exceeds it), so size <= its high <= our low: the check that ran
// after the last write already resumed the app. Before the handshake, its completion is the
// event that moves the backlog.
//
// Flow control, reading: pause_reading / resume_reading on the app transport pause the
// transport below, and the engine keeps what it already decrypted until reading resumes.
//
// Lifetime: the transport below owns this protocol (until its connection_lost returns); this
// owns the app protocol, and the SSLTransport from connection_made until connection_lost;
// the SSLTransport owns this, so a user holding the app transport after the connection is
// gone can still call is_closing() or get_extra_info("peercert"). The cycle exists only while
// connected: connection_lost breaks it, and before connection_made this holds the
// SSLTransport weakly (a protocol never connected leaks nothing). Loop-thread only.
#pragma once

#include <any>
#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "net/tls/peer_certificate.hpp"
#include "net/tls/ssl_context.hpp"
#include "net/tls/ssl_object.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"
#include "runtime/handle.hpp"

namespace looplab::net::tls {

class SSLTransport;

// asyncio's constants.SSL_HANDSHAKE_TIMEOUT / SSL_SHUTDOWN_TIMEOUT.
inline constexpr Duration kSSLHandshakeTimeout = std::chrono::seconds(60);
inline constexpr Duration kSSLShutdownTimeout = std::chrono::seconds(30);
// asyncio's constants.FLOW_CONTROL_HIGH_WATER_SSL_WRITE (low = high / 4).
inline constexpr std::size_t kSSLWriteHighWater = 512 * 1024;

// SSLProtocol's arguments (asyncio's SSLProtocol.__init__ and create_connection's ssl_*).
struct SSLProtocolOptions {
    // Client: the server's name for SNI and the certificate check (ssl_context.hpp's
    // WrapOptions), and the session cache entry to resume from.
    std::string server_hostname;
    std::optional<SessionKey> session_key;
    // How long the handshake may take from connection_made, and the shutdown from close().
    // Must be positive (std::invalid_argument otherwise, as asyncio's ValueError).
    Duration ssl_handshake_timeout = kSSLHandshakeTimeout;
    Duration ssl_shutdown_timeout = kSSLShutdownTimeout;
    // false: the app protocol is connected already (start_tls) and gets no connection_made.
    bool call_connection_made = true;
    // Server side: bytes sent in clear, before closing, to a client whose first bytes were a
    // plain HTTP request instead of a ClientHello (OpenSSL's "http request"), so that a person
    // who typed http:// for an https port reads why (nginx answers the same case with its 400
    // "The plain HTTP request was sent to HTTPS port"). Empty: the connection is just dropped.
    std::string plain_http_answer;
};

enum class SSLProtocolState { unwrapped, do_handshake, wrapped, flushing, shutdown };

// "UNWRAPPED", "DO_HANDSHAKE", ... (asyncio's spelling).
std::string_view to_string(SSLProtocolState state) noexcept;

class SSLProtocol final : public Protocol, public std::enable_shared_from_this<SSLProtocol> {
public:
    // app_protocol gets the plaintext; waiter (optional) completes when the handshake does
    // (with its error, once the transport below is closed, if it fails). Throws
    // std::invalid_argument for a non-positive timeout or a hostname check without a
    // server_hostname.
    SSLProtocol(EventLoop& loop, std::shared_ptr<Protocol> app_protocol,
                std::shared_ptr<SSLContext> context, Future<void> waiter = {},
                SSLProtocolOptions options = {});
    ~SSLProtocol() override;
    SSLProtocol(const SSLProtocol&) = delete;
    SSLProtocol& operator=(const SSLProtocol&) = delete;

    // ---- Protocol: the transport below calls these -----------------------------------------
    void connection_made(Transport& transport) override;
    void data_received(std::string_view data) override;
    bool eof_received() override;
    void connection_lost(std::exception_ptr error) override;
    void pause_writing() override;
    void resume_writing() override;

    // ---- For the code that made it ---------------------------------------------------------
    [[nodiscard]] SSLProtocolState state() const noexcept { return state_; }
    // The app's transport (the same object every time, made on first use). Take it before
    // handing this protocol to a transport if you need it afterwards: from connection_made to
    // connection_lost this protocol keeps it alive, before and after only its holders do
    // (after connection_lost, null if nobody kept it).
    [[nodiscard]] std::shared_ptr<SSLTransport> app_transport();
    [[nodiscard]] SSLObject& ssl_object() const noexcept { return *engine_; }

private:
    friend class SSLTransport;
    enum class AppState { init, connected, eof, lost };  // asyncio's AppProtocolState

    // The handshake.
    void start_handshake();
    void do_handshake();
    void on_handshake_complete();
    bool answer_plain_http(const std::exception_ptr& error);
    void check_handshake_timeout();
    // Application data.
    void do_read();
    void deliver(std::string_view plaintext);
    void on_close_notify();
    void do_write();
    void process_outgoing();
    // Closing.
    void start_shutdown();
    void do_shutdown();
    void on_shutdown_complete(std::exception_ptr error);
    void check_shutdown_timeout();
    void fatal_error(std::exception_ptr error, const char* what);
    void abort_transport(std::exception_ptr error);
    // Flow control.
    void control_app_writing();
    void keep_transport_marks_below_ours();
    std::size_t write_buffer_size() const;

    // ---- The app transport's side (SSLTransport forwards here) -----------------------------
    void app_write(std::string_view data);
    void app_close();
    void app_abort();
    bool app_is_closing() const noexcept {
        return app_closing_ || state_ == SSLProtocolState::unwrapped;
    }
    bool app_is_reading() const noexcept;
    void app_pause_reading();
    void app_resume_reading();
    void app_set_write_buffer_limits(std::optional<std::size_t> high,
                                     std::optional<std::size_t> low);
    std::any app_get_extra_info(std::string_view name) const;
    void app_set_protocol(std::shared_ptr<Protocol> protocol);

    EventLoop& loop_;
    std::shared_ptr<Protocol> app_;  // the protocol above, until connection_lost
    std::shared_ptr<SSLContext> context_;
    std::unique_ptr<SSLObject> engine_;
    Future<void> waiter_;  // the handshake's, if anyone waits
    SSLProtocolOptions options_;

    Transport* transport_ = nullptr;                  // the one below, connection_made..lost
    std::shared_ptr<SSLTransport> app_transport_;     // handed up; held connection_made..lost
    std::weak_ptr<SSLTransport> app_transport_weak_;  // the same, whoever holds it
    SSLProtocolState state_ = SSLProtocolState::unwrapped;
    AppState app_state_;
    std::exception_ptr pending_error_;  // why we aborted: given to connection_lost
    TimerHandle handshake_timer_;
    TimerHandle shutdown_timer_;
    std::string peer_;  // the peer's address, for messages

    // Cached when the handshake completes (asyncio's _extra).
    std::optional<PeerCertificate> peercert_;
    std::optional<Cipher> cipher_;

    std::string backlog_;  // plaintext the engine could not take yet (before the handshake)
    std::size_t high_water_ = kSSLWriteHighWater;
    std::size_t low_water_ = kSSLWriteHighWater / 4;
    bool ssl_writing_paused_ = false;  // the transport below paused us
    bool app_writing_paused_ = false;  // we paused the app protocol
    bool app_reading_paused_ = false;  // the app paused reading
    bool app_closing_ = false;         // the app called close() or abort()
    bool eof_received_ = false;        // the transport below reached end of stream
    bool read_closed_ = false;         // the peer's close_notify was delivered as eof_received
    bool reading_ = false;             // inside do_read (data_received may re-enter us)
};

// ---- SSLTransport: the Transport the protocol above TLS writes plaintext into ----------
//
// asyncio: _SSLProtocolTransport (sslproto.py): a thin object whose every method is its
//          SSLProtocol's (SSLProtocol above says what each does, and where it differs).
//
// Why a separate object rather than SSLProtocol being both: SSLProtocol is a Protocol to the
// transport below and must not also be a Transport, or a call such as close() would be
// ambiguous between the two layers. Two objects, two roles, one state (in SSLProtocol). They
// share this file, as asyncio's share sslproto.py: each calls the other, so apart they would
// be two files that include each other.
//
// What it adds to the Transport contract:
//   - get_extra_info: "ssl_object" (SSLObject*, valid while this transport exists),
//     "sslcontext" (shared_ptr<SSLContext>), "peercert" (PeerCertificate; empty when the
//     peer sent none), "cipher" (Cipher), "server_hostname" (std::string: the name asked
//     for on a client, the SNI received on a server); any other name is the transport
//     below's ("peername", "sockname", "socket"), while it exists;
//   - the write buffer and its marks count plaintext and ciphertext (SSLProtocol above);
//     defaults 512 KiB / 128 KiB, as asyncio's for SSL;
//   - write_eof() throws std::logic_error and can_write_eof() is false (no TLS half-close);
//   - close() sends close_notify, then closes the transport below.

class SSLTransport final : public Transport {
public:
    explicit SSLTransport(std::shared_ptr<SSLProtocol> ssl) noexcept : ssl_(std::move(ssl)) {}

    void close() override { ssl_->app_close(); }
    [[nodiscard]] bool is_closing() const override { return ssl_->app_is_closing(); }
    [[nodiscard]] std::any get_extra_info(std::string_view name) const override {
        return ssl_->app_get_extra_info(name);
    }
    void set_protocol(std::shared_ptr<Protocol> protocol) override {
        ssl_->app_set_protocol(std::move(protocol));
    }

    [[nodiscard]] bool is_reading() const override { return ssl_->app_is_reading(); }
    void pause_reading() override { ssl_->app_pause_reading(); }
    void resume_reading() override { ssl_->app_resume_reading(); }

    void write(std::string_view data) override { ssl_->app_write(data); }
    void write_eof() override;
    [[nodiscard]] bool can_write_eof() const override { return false; }
    void abort() override { ssl_->app_abort(); }
    [[nodiscard]] std::size_t get_write_buffer_size() const override {
        return ssl_->write_buffer_size();
    }
    void set_write_buffer_limits(std::optional<std::size_t> high = std::nullopt,
                                 std::optional<std::size_t> low = std::nullopt) override {
        ssl_->app_set_write_buffer_limits(high, low);
    }
    [[nodiscard]] std::pair<std::size_t, std::size_t> get_write_buffer_limits() const override {
        return {ssl_->low_water_, ssl_->high_water_};
    }

    [[nodiscard]] SSLProtocol& ssl_protocol() const noexcept { return *ssl_; }

private:
    std::shared_ptr<SSLProtocol> ssl_;  // the state; kept alive by this (ssl_protocol.hpp)
};

}  // namespace looplab::net::tls
