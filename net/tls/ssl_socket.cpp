// net/tls/ssl_socket.cpp: the engine's loop over a blocking socket (ssl_socket.hpp).
#include "net/tls/ssl_socket.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "net/errors.hpp"
#include "net/tls/ssl_errors.hpp"

namespace looplab::net::tls {

namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// Ciphertext is read in chunks of one TLS record's maximum (16 KiB of plaintext plus
// overhead), so one recv usually brings one whole record.
constexpr std::size_t kCiphertextChunk = 17 * 1024;

}  // namespace

SSLSocket SSLSocket::wrap(BlockingSocket socket, const std::shared_ptr<SSLContext>& context,
                          WrapOptions options, milliseconds handshake_timeout) {
    if (!context) throw std::invalid_argument("SSLSocket::wrap: null context");
    if (options.peer.empty()) options.peer = socket.peer_address().to_string();
    std::unique_ptr<SSLObject> engine = context->wrap_bio(std::move(options));
    SSLSocket tls(std::move(socket), std::move(engine));
    tls.handshake(handshake_timeout);  // on a throw, tls's destructor closes the socket
    return tls;
}

// The client speaks first (its ClientHello is what the first do_handshake produces); after
// that, every round is "send what the engine wrote, wait for the answer".
void SSLSocket::handshake(milliseconds timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    for (;;) {
        const bool done = engine_->do_handshake();
        flush();  // the last flight (the client's Finished) must go out even when done
        if (done) return;
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
        if (left <= milliseconds::zero()) {
            throw SSLTimeoutError("tls handshake", timeout, engine_->peer());
        }
        try {
            receive(left);
        } catch (const ReadTimeoutError&) {
            throw SSLTimeoutError("tls handshake", timeout, engine_->peer());
        }
    }
}

void SSLSocket::send_all(std::string_view plaintext) {
    if (!socket_.is_open()) throw TransportClosedError("send", {});
    engine_->write(plaintext);
    flush();
}

std::size_t SSLSocket::recv_some(std::span<char> buffer, milliseconds read_timeout) {
    if (buffer.empty()) throw std::invalid_argument("SSLSocket::recv_some: empty buffer");
    if (!socket_.is_open()) throw TransportClosedError("recv", {});
    for (;;) {
        const ReadResult r = engine_->read(buffer);
        flush();  // reading may have produced output (a KeyUpdate answer, an alert)
        if (r.status == ReadStatus::data) return r.size;
        if (r.status == ReadStatus::closed) return 0;
        receive(read_timeout);
    }
}

void SSLSocket::flush() {
    const std::string ciphertext = engine_->take_outgoing();
    if (!ciphertext.empty()) socket_.send_all(ciphertext);
}

void SSLSocket::receive(milliseconds timeout) {
    char chunk[kCiphertextChunk];
    const std::size_t n = socket_.recv_some(std::span<char>(chunk, sizeof chunk), timeout);
    if (n == 0) {
        engine_->feed_eof();  // the engine's next read decides: close_notify seen, or SSLEOFError
    } else {
        engine_->feed(std::string_view(chunk, n));
    }
}

void SSLSocket::close() noexcept {
    if (!socket_.is_open()) return;
    try {
        if (engine_ && engine_->handshake_done() && !engine_->error() &&
            !engine_->close_notify_sent()) {
            engine_->unwrap();  // our close_notify; the peer's is not waited for (curl neither)
            flush();
        }
    } catch (...) {
        // The peer went away first: nothing to tell it.
    }
    socket_.close();
}

}  // namespace looplab::net::tls
