// net/tls/ssl_socket.hpp: SSLSocket, TLS over a blocking socket, driven by the same sans-I/O
// engine (SSLObject) as the event loop's SSLProtocol.
//
// Python:  ssl.SSLSocket, from context.wrap_socket(sock, server_hostname=...): what `requests`
//          (through urllib3) uses for https, with sock.settimeout() for its waits.
// OpenSSL: the same loop an application writes around SSL_connect / SSL_read on a blocking
//          fd, but with the engine kept on memory BIOs, so this file does the socket I/O itself.
//
//     SSLSocket tls = SSLSocket::wrap(std::move(socket), context, {"example.org"}, 10s);
//     tls.send_all("GET / HTTP/1.1\r\n...");
//     std::size_t n = tls.recv_some(buffer, 30s);   // 0: the server's close_notify
//
// Why the memory-BIO engine here too, instead of SSL_set_fd: one engine, one set of error
// rules and one host-name check for both clients (ssl_object.hpp). Every call below is the
// same small loop that SSLProtocol runs on callbacks, written as blocking code: hand the
// engine's output to the socket, and when the engine wants input, wait for the socket.
//
// Contract (BlockingSocket's, plus TLS):
//   - wrap() does the handshake before it returns, bounded by handshake_timeout in all (not per
//     read): SSLTimeoutError (phase "tls handshake") when it passes; SSLCertVerificationError,
//     SSLError, SSLEOFError (the server hung up) when the handshake fails. The socket is closed
//     when wrap() throws.
//   - recv_some returns plaintext (at least 1 byte), or 0 once the peer's close_notify came. An
//     end of stream without close_notify throws SSLEOFError: a close-delimited body cut short
//     by an attacker or a crash must not look complete. read_timeout bounds each wait, as for
//     BlockingSocket (ReadTimeoutError).
//   - close() sends close_notify (if the connection is still sound) and closes the socket.
//   - Not thread-safe: one thread at a time. Never on an event-loop thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "net/blocking_socket.hpp"
#include "net/socket_address.hpp"
#include "net/tls/ssl_context.hpp"
#include "net/tls/ssl_object.hpp"

namespace looplab::net::tls {

class SSLSocket {
public:
    // Makes options' engine on context (a client context: this side is the client), and does
    // the handshake over socket. options.peer is filled in from the socket when empty.
    static SSLSocket wrap(BlockingSocket socket, const std::shared_ptr<SSLContext>& context,
                          WrapOptions options, std::chrono::milliseconds handshake_timeout);

    SSLSocket(SSLSocket&&) noexcept = default;
    SSLSocket& operator=(SSLSocket&&) noexcept = default;
    ~SSLSocket() { close(); }

    // Encrypts and sends every byte (BlockingSocket::send_all's rules and errors).
    void send_all(std::string_view plaintext);
    // See the contract above. Throws std::invalid_argument for an empty buffer.
    std::size_t recv_some(std::span<char> buffer, std::chrono::milliseconds read_timeout);
    // close_notify (best effort: a failure to send it is not reported), then the socket is
    // closed. Idempotent.
    void close() noexcept;

    [[nodiscard]] bool is_open() const noexcept { return socket_.is_open(); }
    [[nodiscard]] const SocketAddress& peer_address() const noexcept {
        return socket_.peer_address();
    }
    // What was negotiated: version, cipher, ALPN, the peer's certificate, session_reused().
    [[nodiscard]] const SSLObject& ssl_object() const noexcept { return *engine_; }

private:
    SSLSocket(BlockingSocket socket, std::unique_ptr<SSLObject> engine) noexcept
        : socket_(std::move(socket)), engine_(std::move(engine)) {}

    void handshake(std::chrono::milliseconds timeout);
    void flush();  // sends whatever ciphertext the engine produced
    // Waits up to `timeout` for ciphertext and feeds it (or the end of stream) to the engine.
    void receive(std::chrono::milliseconds timeout);

    BlockingSocket socket_;
    std::unique_ptr<SSLObject> engine_;  // null only once moved from
};

}  // namespace looplab::net::tls
