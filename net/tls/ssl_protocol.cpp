// net/tls/ssl_protocol.cpp: the handshake, reading, writing and shutdown of SSLProtocol.
//
// asyncio: sslproto.py; the method names follow its (_do_handshake, _on_handshake_complete,
//          _do_read, _do_write, _process_outgoing, _start_shutdown, _do_shutdown, ...).
//
// Every callback from below ends the same way: feed the engine, let the current state's step
// consume what it can, and hand whatever ciphertext the engine produced to the transport
// (process_outgoing). The app's calls end the same way too.
#include "net/tls/ssl_protocol.hpp"

#include <cassert>
#include <span>
#include <stdexcept>

#include "net/errors.hpp"
#include "net/socket_address.hpp"
#include "net/tls/ssl_errors.hpp"
#include "runtime/errors.hpp"

namespace looplab::net::tls {

namespace {

// Plaintext is decrypted into this buffer and handed to data_received, which borrows it only
// during the call; one per thread, as SocketTransport's read buffer (socket_transport.hpp).
constexpr std::size_t kMaxReadSize = 256 * 1024;  // asyncio's SSLProtocol.max_size

std::span<char> thread_plaintext_buffer() {
    thread_local std::unique_ptr<char[]> buffer;
    if (!buffer) buffer = std::make_unique<char[]>(kMaxReadSize);
    return {buffer.get(), kMaxReadSize};
}

bool is_net_error(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const NetError&) {
        return true;
    } catch (...) {
        return false;
    }
}

std::chrono::milliseconds in_ms(Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

}  // namespace

std::string_view to_string(SSLProtocolState state) noexcept {
    switch (state) {
        case SSLProtocolState::unwrapped:
            return "UNWRAPPED";
        case SSLProtocolState::do_handshake:
            return "DO_HANDSHAKE";
        case SSLProtocolState::wrapped:
            return "WRAPPED";
        case SSLProtocolState::flushing:
            return "FLUSHING";
        case SSLProtocolState::shutdown:
            return "SHUTDOWN";
    }
    return "?";
}

SSLProtocol::SSLProtocol(EventLoop& loop, std::shared_ptr<Protocol> app_protocol,
                         std::shared_ptr<SSLContext> context, Future<void> waiter,
                         SSLProtocolOptions options)
    : loop_(loop),
      app_(std::move(app_protocol)),
      context_(std::move(context)),
      waiter_(std::move(waiter)),
      options_(std::move(options)),
      app_state_(options_.call_connection_made ? AppState::init : AppState::connected) {
    if (!app_) throw std::invalid_argument("SSLProtocol: null app protocol");
    if (!context_) throw std::invalid_argument("SSLProtocol: null SSLContext");
    if (options_.ssl_handshake_timeout <= Duration::zero() ||
        options_.ssl_shutdown_timeout <= Duration::zero()) {
        throw std::invalid_argument("SSLProtocol: ssl timeouts must be positive");
    }
    engine_ = context_->wrap_bio({options_.server_hostname, options_.session_key, {}});
}

SSLProtocol::~SSLProtocol() = default;

// ---- The transport below: connection_made ------------------------------------------------

void SSLProtocol::connection_made(Transport& transport) {
    // start_tls calls this from the loop: the connection may have been lost meanwhile.
    if (app_state_ == AppState::lost || transport.is_closing()) return;
    transport_ = &transport;
    if (const std::any peer = transport.get_extra_info("peername"); peer.has_value()) {
        if (const auto* address = std::any_cast<SocketAddress>(&peer)) {
            peer_ = address->to_string();
        }
    }
    engine_->set_peer(peer_);
    app_transport_ = app_transport();  // held until connection_lost
    keep_transport_marks_below_ours();
    start_handshake();
}

std::shared_ptr<SSLTransport> SSLProtocol::app_transport() {
    if (app_transport_) return app_transport_;
    if (std::shared_ptr<SSLTransport> held = app_transport_weak_.lock()) return held;
    if (app_state_ == AppState::lost) return nullptr;  // gone, and nobody kept it
    auto made = std::make_shared<SSLTransport>(shared_from_this());
    app_transport_weak_ = made;
    return made;
}

// ---- The handshake ------------------------------------------------------------------------

void SSLProtocol::start_handshake() {
    state_ = SSLProtocolState::do_handshake;
    handshake_timer_ = loop_.call_later(options_.ssl_handshake_timeout, [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->check_handshake_timeout();
    });
    do_handshake();  // a client's first step writes the ClientHello
}

void SSLProtocol::check_handshake_timeout() {
    if (state_ != SSLProtocolState::do_handshake) return;
    fatal_error(std::make_exception_ptr(
                    SSLTimeoutError("tls handshake", in_ms(options_.ssl_handshake_timeout), peer_)),
                "tls handshake timed out");
}

void SSLProtocol::do_handshake() {
    bool done = false;
    try {
        done = engine_->do_handshake();
    } catch (...) {
        handshake_timer_.cancel();
        if (answer_plain_http(std::current_exception())) return;
        fatal_error(std::current_exception(), "tls handshake failed");
        return;
    }
    process_outgoing();
    if (done) on_handshake_complete();
}

// A plain HTTP request on a TLS port: the answer goes out in clear, and the transport is
// closed rather than aborted, so it is flushed first. The request was one packet that the
// engine has read whole, so nothing unread is left to turn the close into a reset.
bool SSLProtocol::answer_plain_http(const std::exception_ptr& error) {
    if (options_.plain_http_answer.empty() || !transport_ || !engine_->server_side()) return false;
    try {
        std::rethrow_exception(error);
    } catch (const SSLError& e) {
        if (e.reason() != "http request") return false;
    } catch (...) {
        return false;
    }
    pending_error_ = error;
    state_ = SSLProtocolState::unwrapped;
    transport_->write(options_.plain_http_answer);
    transport_->close();
    return true;
}

void SSLProtocol::on_handshake_complete() {
    handshake_timer_.cancel();
    state_ = SSLProtocolState::wrapped;
    peercert_ = engine_->getpeercert();
    cipher_ = engine_->cipher();
    if (app_state_ == AppState::init) {
        app_state_ = AppState::connected;
        try {
            app_->connection_made(*app_transport_);
        } catch (...) {
            fatal_error(std::current_exception(), "protocol.connection_made() failed");
            return;
        }
    }
    if (waiter_ && !waiter_.done()) waiter_.set_result();
    do_write();  // what the app wrote before the handshake was done
    do_read();   // application data that came with the handshake's last flight
}

// ---- The transport below: data and end of stream ------------------------------------------

void SSLProtocol::data_received(std::string_view data) {
    if (state_ == SSLProtocolState::unwrapped) return;  // aborted: what follows is noise
    engine_->feed(data);
    switch (state_) {
        case SSLProtocolState::do_handshake:
            do_handshake();
            break;
        case SSLProtocolState::wrapped:
            do_read();
            break;
        case SSLProtocolState::shutdown:
            do_shutdown();
            break;
        case SSLProtocolState::flushing:  // passed through within one call, never waited in
        case SSLProtocolState::unwrapped:
            break;
    }
}

// Always true: the transport below is closed by this protocol, when TLS says so, never by
// the transport on its own (it would skip the close_notify and the app's connection_lost
// would get no reason).
bool SSLProtocol::eof_received() {
    if (eof_received_ || state_ == SSLProtocolState::unwrapped) return true;
    eof_received_ = true;
    engine_->feed_eof();
    switch (state_) {
        case SSLProtocolState::do_handshake:
            do_handshake();  // fails: the peer hung up during the handshake
            break;
        case SSLProtocolState::wrapped:
            // After the peer's close_notify, end of stream is expected; before it, the read
            // delivers what was received and then fails with SSLEOFError (truncation).
            if (!read_closed_) do_read();
            break;
        case SSLProtocolState::shutdown:
            do_shutdown();
            break;
        case SSLProtocolState::flushing:
        case SSLProtocolState::unwrapped:
            break;
    }
    return true;
}

// ---- Application data ---------------------------------------------------------------------

void SSLProtocol::do_read() {
    if (state_ != SSLProtocolState::wrapped || app_reading_paused_ || read_closed_ || reading_) {
        return;
    }
    // data_received may call back into us (close(), pause_reading(), a write): the flag makes
    // a nested do_read a no-op, and the loop below re-checks the state after every delivery.
    reading_ = true;
    const std::span<char> buffer = thread_plaintext_buffer();
    while (state_ == SSLProtocolState::wrapped && !app_reading_paused_ && !read_closed_) {
        ReadResult r;
        try {
            r = engine_->read(buffer);
        } catch (...) {
            reading_ = false;
            fatal_error(std::current_exception(), "tls read failed");
            return;
        }
        if (r.status == ReadStatus::want_read) break;
        if (r.status == ReadStatus::closed) {
            reading_ = false;
            on_close_notify();
            return;
        }
        deliver(std::string_view(buffer.data(), r.size));
    }
    reading_ = false;
    // Reading can produce output too: a KeyUpdate answer, an alert.
    if (state_ == SSLProtocolState::wrapped) process_outgoing();
}

void SSLProtocol::deliver(std::string_view plaintext) {
    try {
        app_->data_received(plaintext);
    } catch (...) {
        fatal_error(std::current_exception(), "protocol.data_received() call failed");
    }
}

// The peer sent close_notify: the app's eof_received decides whether we close too.
void SSLProtocol::on_close_notify() {
    read_closed_ = true;
    bool keep_open = false;
    if (app_state_ == AppState::connected) {
        app_state_ = AppState::eof;
        try {
            keep_open = app_->eof_received();
        } catch (...) {
            fatal_error(std::current_exception(), "protocol.eof_received() call failed");
            return;
        }
    }
    if (!keep_open) start_shutdown();
}

void SSLProtocol::app_write(std::string_view data) {
    const bool open =
        state_ == SSLProtocolState::do_handshake || state_ == SSLProtocolState::wrapped;
    if (app_closing_ || !open) throw TransportClosedError("write", peer_);
    if (data.empty()) return;
    backlog_.append(data);
    do_write();
}

// Plaintext from the backlog into the engine (which takes it all once the handshake is done),
// then ciphertext out.
void SSLProtocol::do_write() {
    if (!backlog_.empty() &&
        (state_ == SSLProtocolState::wrapped || state_ == SSLProtocolState::flushing)) {
        try {
            const std::size_t n = engine_->write(backlog_);
            backlog_.erase(0, n);
        } catch (...) {
            fatal_error(std::current_exception(), "tls write failed");
            return;
        }
    }
    process_outgoing();
}

void SSLProtocol::process_outgoing() {
    if (transport_ && !ssl_writing_paused_ && !transport_->is_closing()) {
        const std::string ciphertext = engine_->take_outgoing();
        // May call our pause_writing before it returns: the next write then waits here.
        if (!ciphertext.empty()) transport_->write(ciphertext);
    }
    control_app_writing();
}

// ---- Closing ------------------------------------------------------------------------------

void SSLProtocol::app_close() {
    if (app_closing_) return;
    app_closing_ = true;
    start_shutdown();
}

void SSLProtocol::app_abort() {
    app_closing_ = true;
    abort_transport(nullptr);
}

void SSLProtocol::start_shutdown() {
    if (state_ == SSLProtocolState::do_handshake) {
        abort_transport(nullptr);  // nothing to say in TLS yet (asyncio aborts too)
        return;
    }
    if (state_ != SSLProtocolState::wrapped) return;
    state_ = SSLProtocolState::flushing;
    shutdown_timer_ = loop_.call_later(options_.ssl_shutdown_timeout, [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->check_shutdown_timeout();
    });
    // The peer's close_notify must be read even if the app had paused reading.
    if (app_reading_paused_ && transport_) transport_->resume_reading();
    do_write();
    if (state_ != SSLProtocolState::flushing) return;  // the write failed
    state_ = SSLProtocolState::shutdown;
    do_shutdown();
}

void SSLProtocol::do_shutdown() {
    bool done = false;
    try {
        done = engine_->unwrap();
    } catch (const SSLEOFError&) {
        done = true;  // the peer hung up without answering ours: we were closing anyway
    } catch (...) {
        process_outgoing();
        on_shutdown_complete(std::current_exception());
        return;
    }
    process_outgoing();
    if (done || eof_received_) on_shutdown_complete(nullptr);
}

void SSLProtocol::on_shutdown_complete(std::exception_ptr error) {
    shutdown_timer_.cancel();
    if (error) {
        fatal_error(std::move(error), "tls shutdown failed");
        return;
    }
    // SocketTransport::close flushes the close_notify (and anything before it) first.
    if (transport_) transport_->close();
}

void SSLProtocol::check_shutdown_timeout() {
    if (state_ != SSLProtocolState::flushing && state_ != SSLProtocolState::shutdown) return;
    fatal_error(std::make_exception_ptr(
                    SSLTimeoutError("tls shutdown", in_ms(options_.ssl_shutdown_timeout), peer_)),
                "tls shutdown timed out");
}

// asyncio: _fatal_error. The peer's misdeeds (NetErrors) only reach the app's connection_lost;
// anything else is a bug worth the loop's exception handler too. The alert the engine wrote,
// if any, is sent before the transport is aborted, so the peer learns why.
void SSLProtocol::fatal_error(std::exception_ptr error, const char* what) {
    if (!is_net_error(error)) {
        loop_.call_exception_handler(
            {std::string("Fatal error on SSL protocol: ") + what, error, peer_});
    }
    if (state_ != SSLProtocolState::unwrapped) process_outgoing();
    abort_transport(std::move(error));
}

void SSLProtocol::abort_transport(std::exception_ptr error) {
    if (state_ == SSLProtocolState::unwrapped && !transport_) return;
    if (!pending_error_) pending_error_ = std::move(error);
    state_ = SSLProtocolState::unwrapped;
    handshake_timer_.cancel();
    shutdown_timer_.cancel();
    if (transport_) transport_->abort();
}

// The transport below is gone. Whatever state we were in, the app hears it now (if it was
// ever told of the connection) and the waiter, if still waiting, gets the reason.
void SSLProtocol::connection_lost(std::exception_ptr error) {
    handshake_timer_.cancel();
    shutdown_timer_.cancel();
    std::exception_ptr reason = pending_error_ ? pending_error_ : error;
    if (!reason && state_ == SSLProtocolState::do_handshake) {
        reason = std::make_exception_ptr(SSLEOFError("tls handshake", peer_));
    }
    state_ = SSLProtocolState::unwrapped;
    transport_ = nullptr;
    if (waiter_ && !waiter_.done()) {
        waiter_.set_exception(
            reason ? reason
                   : std::make_exception_ptr(ConnectionAbortedError("tls handshake", peer_)));
    }
    if (app_state_ == AppState::connected || app_state_ == AppState::eof) {
        app_state_ = AppState::lost;
        try {
            app_->connection_lost(reason);
        } catch (...) {
            loop_.call_exception_handler(
                {"protocol.connection_lost() failed", std::current_exception(), peer_});
        }
    }
    app_state_ = AppState::lost;
    // Break the SSLTransport <-> SSLProtocol cycle, and let the app protocol go.
    app_transport_.reset();
    app_.reset();
}

// ---- Flow control -------------------------------------------------------------------------

std::size_t SSLProtocol::write_buffer_size() const {
    return backlog_.size() + engine_->outgoing_pending() +
           (transport_ ? transport_->get_write_buffer_size() : 0);
}

void SSLProtocol::pause_writing() {
    ssl_writing_paused_ = true;
}

void SSLProtocol::resume_writing() {
    ssl_writing_paused_ = false;
    process_outgoing();
}

void SSLProtocol::control_app_writing() {
    // pause_writing / resume_writing only between the app's connection_made and
    // connection_lost (protocol.hpp); a check after connection_made catches up.
    if (!app_ || (app_state_ != AppState::connected && app_state_ != AppState::eof)) return;
    const std::size_t size = write_buffer_size();
    if (size > high_water_ && !app_writing_paused_) {
        app_writing_paused_ = true;
        try {
            app_->pause_writing();
        } catch (...) {
            loop_.call_exception_handler(
                {"protocol.pause_writing() failed", std::current_exception(), peer_});
        }
    } else if (size <= low_water_ && app_writing_paused_) {
        app_writing_paused_ = false;
        try {
            app_->resume_writing();
        } catch (...) {
            loop_.call_exception_handler(
                {"protocol.resume_writing() failed", std::current_exception(), peer_});
        }
    }
}

// The invariant the header's no-stall argument needs: the transport's high mark <= our low.
void SSLProtocol::keep_transport_marks_below_ours() {
    if (!transport_) return;
    const auto [low, high] = transport_->get_write_buffer_limits();
    if (high > low_water_)
        transport_->set_write_buffer_limits(low_water_, std::min(low, low_water_));
}

void SSLProtocol::app_set_write_buffer_limits(std::optional<std::size_t> high,
                                              std::optional<std::size_t> low) {
    // asyncio's add_flowcontrol_defaults, with the SSL default.
    if (!high) high = low ? 4 * *low : kSSLWriteHighWater;
    if (!low) low = *high / 4;
    if (*high < *low) {
        throw std::invalid_argument("set_write_buffer_limits: high (" + std::to_string(*high) +
                                    ") must be >= low (" + std::to_string(*low) + ")");
    }
    high_water_ = *high;
    low_water_ = *low;
    keep_transport_marks_below_ours();
    control_app_writing();
}

// ---- Reading, the app's side ----------------------------------------------------------------

bool SSLProtocol::app_is_reading() const noexcept {
    return !app_reading_paused_ && !app_is_closing() && !read_closed_;
}

void SSLProtocol::app_pause_reading() {
    if (app_reading_paused_ || app_is_closing()) return;
    app_reading_paused_ = true;
    if (transport_) transport_->pause_reading();
}

void SSLProtocol::app_resume_reading() {
    if (!app_reading_paused_) return;
    app_reading_paused_ = false;
    if (app_is_closing()) return;
    if (transport_ && !read_closed_) transport_->resume_reading();
    // What the engine decrypted (or its end of stream) while we were paused: on the next
    // iteration, not inside the app's call (asyncio too).
    loop_.call_soon([weak = weak_from_this()] {
        if (auto self = weak.lock()) self->do_read();
    });
}

// ---- Information and protocol swapping ----------------------------------------------------

std::any SSLProtocol::app_get_extra_info(std::string_view name) const {
    if (name == "ssl_object") return engine_.get();
    if (name == "sslcontext") return context_;
    if (name == "server_hostname") return engine_->server_hostname();
    if (name == "peercert") return peercert_ ? std::any(*peercert_) : std::any();
    if (name == "cipher") return cipher_ ? std::any(*cipher_) : std::any();
    return transport_ ? transport_->get_extra_info(name) : std::any();
}

void SSLProtocol::app_set_protocol(std::shared_ptr<Protocol> protocol) {
    if (!protocol) throw std::invalid_argument("SSLTransport::set_protocol: null protocol");
    if (app_state_ == AppState::lost) {
        throw InvalidStateError("SSLTransport::set_protocol after connection_lost");
    }
    app_ = std::move(protocol);
}

void SSLTransport::write_eof() {
    throw std::logic_error("write_eof is not supported over TLS (can_write_eof() is false)");
}

}  // namespace looplab::net::tls
