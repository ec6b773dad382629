// net/tls/ssl_object.hpp: SSLObject, the TLS engine of one connection: sans-I/O, driven through
// memory buffers, never on a socket.
//
// Python:  ssl.SSLObject over two ssl.MemoryBIO (SSLContext.wrap_bio), which is what asyncio's
//          sslproto.py runs TLS with. h11 is the same idea for HTTP, and looplab's HTTP engine
//          (http/proto/) too.
// OpenSSL: an SSL with two memory BIOs (SSL_set_bio): "incoming" is what the peer sent,
//          "outgoing" what must be sent to it.
//
//     engine.feed(bytes_from_peer);             // ciphertext in
//     if (engine.do_handshake()) ...;           // true once the handshake is complete
//     engine.write("GET / HTTP/1.1\r\n...");    // plaintext in, encrypted into outgoing
//     send(engine.take_outgoing());             // ciphertext out: whatever the engine produced
//     auto [status, n] = engine.read(buffer);   // plaintext out
//
// Why sans-I/O: the engine never waits and never touches a descriptor, so the same code runs
// under the event loop (SSLProtocol, ssl_protocol.hpp), over a blocking socket, and in tests
// where two engines are wired back to back and fed one byte at a time. Whoever owns the
// engine moves bytes; the engine only transforms them. After every call, take_outgoing():
// any call may have produced ciphertext (handshake messages, a session ticket, an alert, the
// close_notify), not only write().
//
// States (what moves between them on the arrows):
//
//   handshaking --do_handshake() returns true--> established
//                                                  |        |
//                      read() returns closed       |        | unwrap(): our close_notify
//                      (the peer's close_notify)   v        v is sent
//                                    read side closed       write side closed
//                                                  |        |
//                                                  +---+----+ the other one too
//                                                      v      (unwrap() returns true)
//                                                  shut down
//
//   any state --an error--> failed
//
// The two directions close independently, as in TLS 1.3 (RFC 8446 section 6.1): after the
// peer's close_notify this side can still write, and unwrap() sends ours. "failed" is final:
// every later call rethrows the same exception (take_outgoing() still gives the alert the
// engine wrote, which should be sent so the peer learns why).
//
// Errors are typed (ssl_errors.hpp) and carry OpenSSL's reason text: SSLCertVerificationError
// ("certificate verify failed: self-signed certificate"), SSLEOFError (end of stream without
// close_notify, see feed_eof), SSLError for the rest ("wrong version number").
//
// Threading: one engine is used by one thread at a time (OpenSSL's rule for an SSL). Engines
// of one SSLContext may run on different threads at once.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "net/tls/peer_certificate.hpp"
#include "net/tls/ssl_context.hpp"
#include "net/tls/ssl_session.hpp"

namespace looplab::net::tls {

// What read() found (Python: data, SSLWantReadError, or b"" at close_notify).
enum class ReadStatus {
    data,       // some plaintext was read (size > 0); call again for more
    want_read,  // no plaintext until more ciphertext is fed
    closed,     // the peer sent close_notify: no more plaintext will ever come
};

struct ReadResult {
    ReadStatus status;
    std::size_t size = 0;  // bytes of plaintext written into the buffer
};

class SSLObject {
public:
    // SSLContext::wrap_bio is the way in (its rules and exceptions are this constructor's).
    SSLObject(std::shared_ptr<SSLContext> context, WrapOptions options);
    ~SSLObject();
    SSLObject(const SSLObject&) = delete;
    SSLObject& operator=(const SSLObject&) = delete;

    // ---- Ciphertext: the transport's side (Python: the two MemoryBIOs) ---------------------
    // Bytes the peer sent, in order, split anyhow (incoming.write).
    void feed(std::string_view ciphertext);
    // The transport reached end of stream (incoming.write_eof). Ciphertext fed before it is
    // still read; after it, a read that needs more throws SSLEOFError unless the peer's
    // close_notify was seen, and so does a handshake that needs more.
    void feed_eof();
    // Ciphertext fed and not yet consumed (incoming.pending).
    [[nodiscard]] std::size_t incoming_pending() const noexcept;
    // Ciphertext to send, and how much there is (outgoing.read() / outgoing.pending).
    [[nodiscard]] std::string take_outgoing();
    [[nodiscard]] std::size_t outgoing_pending() const noexcept;

    // ---- The handshake ---------------------------------------------------------------------
    // Advances the handshake with what was fed: true once it is complete (and from then on),
    // false while it needs more ciphertext. Throws on failure (certificate, protocol, alert,
    // end of stream), and on every call after that.
    bool do_handshake();
    [[nodiscard]] bool handshake_done() const noexcept { return handshake_done_; }

    // ---- Plaintext: the application's side ------------------------------------------------
    // Decrypts into buffer as much as is available (up to buffer.size()). Data that arrived
    // before a failure is returned first; the failure is thrown on the next call. Throws
    // std::logic_error before the handshake is done.
    ReadResult read(std::span<char> buffer);
    // Encrypts plaintext into outgoing, all of it, and returns its size; 0 while the engine
    // cannot take plaintext (before the handshake is done). Throws once the write side is
    // closed (unwrap() called) or the engine failed.
    std::size_t write(std::string_view plaintext);
    // Plaintext decrypted and not yet read (OpenSSL's SSL_pending: the rest of a record).
    [[nodiscard]] std::size_t pending() const noexcept;

    // ---- Closing ---------------------------------------------------------------------------
    // Sends close_notify (once), and returns true once the peer's has been received too;
    // false: feed more and call again (or don't: see ssl_protocol.hpp for when to wait).
    // Python: unwrap(), which raises SSLWantReadError instead of returning false.
    bool unwrap();
    [[nodiscard]] bool close_notify_received() const noexcept { return close_notify_received_; }
    [[nodiscard]] bool close_notify_sent() const noexcept { return close_notify_sent_; }
    // The error this engine failed with, or null.
    [[nodiscard]] std::exception_ptr error() const noexcept { return error_; }

    // ---- What was negotiated (after the handshake) -----------------------------------------
    [[nodiscard]] bool server_side() const noexcept { return server_side_; }
    // Client: the name given to wrap_bio. Server: the name the client sent as SNI, or "".
    [[nodiscard]] std::string server_hostname() const;
    // "TLSv1.3" (Python: version()); "" before the handshake.
    [[nodiscard]] std::string version() const;
    // nullopt before the handshake.
    [[nodiscard]] std::optional<Cipher> cipher() const;
    // The protocol ALPN chose ("http/1.1"), or nullopt (Python: selected_alpn_protocol()).
    [[nodiscard]] std::optional<std::string> selected_alpn_protocol() const;
    // The certificate the peer presented, or nullopt if it sent none (Python: getpeercert()).
    [[nodiscard]] std::optional<PeerCertificate> getpeercert() const;
    // The current session (Python: session) and whether it was resumed (session_reused).
    [[nodiscard]] std::shared_ptr<SSLSession> session() const;
    [[nodiscard]] bool session_reused() const noexcept;
    [[nodiscard]] const std::shared_ptr<SSLContext>& context() const noexcept { return context_; }

    // The peer's address in error messages (set later by a protocol that learns it late).
    void set_peer(std::string peer) { peer_ = std::move(peer); }
    [[nodiscard]] const std::string& peer() const noexcept { return peer_; }

    // The OpenSSL object, for what this class does not wrap (tests use it to misbehave).
    [[nodiscard]] SSL* native_handle() const noexcept { return ssl_.get(); }

private:
    friend class SSLContext;  // its new-session callback reads the engine's session key

    // Turns a failed OpenSSL call (SSL_get_error's answer) into the right exception, records
    // it as this engine's error, and throws it.
    [[noreturn]] void fail(int ssl_error, const char* operation);
    std::exception_ptr verification_error() const;
    void throw_if_failed() const;
    void configure_client();

    struct SSLFree {
        void operator()(SSL* ssl) const noexcept;
    };

    std::shared_ptr<SSLContext> context_;
    std::unique_ptr<SSL, SSLFree> ssl_;  // with its two BIOs
    BIO* incoming_ = nullptr;            // owned by ssl_: ciphertext fed, not yet consumed
    BIO* outgoing_ = nullptr;            // owned by ssl_: ciphertext produced, not yet taken
    std::string server_hostname_;
    std::optional<SessionKey> session_key_;
    std::string peer_;
    std::exception_ptr error_;  // set once failed; rethrown by every call after
    bool server_side_;
    bool handshake_done_ = false;
    bool eof_fed_ = false;
    bool close_notify_received_ = false;
    bool close_notify_sent_ = false;
};

}  // namespace looplab::net::tls
