// tests/http/support/tls_peer.hpp: the server side of TLS on a ScriptedServer connection, so a
// scripted https server can misbehave in TLS as well as in HTTP.
//
// CPython's test_ssl: ThreadedEchoServer's ConnectionHandler, which wraps an accepted socket
// and then reads and writes through it, closing with or without unwrap().
//
// The same sans-I/O engine the library uses (SSLObject), driven over a blocking descriptor on
// the scripted server's thread: read_head() / write() / close_notify() for the script, and
// engine() and send_raw() for what no correct server would do (a renegotiation, a huge
// record, a TCP close without close_notify: just return from the handler).
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <string_view>

#include "http/support/scripted_server.hpp"
#include "net/tls/ssl_context.hpp"
#include "net/tls/ssl_object.hpp"

namespace looplab::http::testing {

class TlsPeer {
public:
    TlsPeer(int fd, const std::shared_ptr<net::tls::SSLContext>& server_context)
        : fd_(fd), engine_(server_context->wrap_bio({})) {}

    // The server's handshake; false if the client gave up or failed it (5 s at most).
    bool handshake() {
        try {
            while (!engine_->do_handshake()) {
                flush();
                if (!receive()) return false;
            }
            flush();
            return true;
        } catch (const std::exception&) {
            flush();  // the alert, so the client learns why
            return false;
        }
    }

    // Plaintext up to the end of a request head; empty on end of stream or error.
    std::string read_head() {
        std::string head;
        char buffer[4096];
        try {
            while (head.find("\r\n\r\n") == std::string::npos) {
                const net::tls::ReadResult r = engine_->read(buffer);
                if (r.status == net::tls::ReadStatus::data) {
                    head.append(buffer, r.size);
                } else if (r.status == net::tls::ReadStatus::closed || !receive()) {
                    return {};
                }
            }
        } catch (const std::exception&) {
            return {};
        }
        return head;
    }

    void write(std::string_view plaintext) {
        engine_->write(plaintext);
        flush();
    }
    void close_notify() {
        engine_->unwrap();
        flush();
    }
    // Ciphertext the engine did not make (a forged record).
    void send_raw(std::string_view bytes) { write_all(fd_, bytes); }
    // Whatever the engine produced (after a call on engine()).
    void flush() { write_all(fd_, engine_->take_outgoing()); }
    // One wait for ciphertext (5 s), fed to the engine; false at end of stream or timeout.
    bool receive() {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 5000) <= 0) return false;
        char buffer[16 * 1024];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) return false;
        engine_->feed(std::string_view(buffer, static_cast<std::size_t>(n)));
        return true;
    }
    net::tls::SSLObject& engine() { return *engine_; }

private:
    int fd_;
    std::unique_ptr<net::tls::SSLObject> engine_;
};

// What a server that does not speak TLS reads of a ClientHello: one recv (5 s at most). A
// ClientHello has no blank line, so read_request_head would wait for the client forever.
inline std::string read_client_hello(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return {};
    char buffer[16 * 1024];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

// The same URL with the host "localhost" instead of "127.0.0.1": a certificate checked against
// a name ("hostname mismatch") rather than an address ("IP address mismatch").
inline std::string by_name(const std::string& url) {
    const std::size_t at = url.find("127.0.0.1");
    return at == std::string::npos ? url : url.substr(0, at) + "localhost" + url.substr(at + 9);
}

// "https://127.0.0.1:PORT/path" for a ScriptedServer that speaks TLS.
inline std::string https_url(const ScriptedServer& server, std::string_view path = "/") {
    std::string url = server.url(path);
    return "https" + url.substr(4);
}

}  // namespace looplab::http::testing
