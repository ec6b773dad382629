// http/client/client_connection.cpp: see client_connection.hpp.
#include "http/client/client_connection.hpp"

#include <any>

#include "net/errors.hpp"
#include "net/socket_address.hpp"
#include "net/tls/ssl_object.hpp"

namespace looplab::http::detail {

namespace {
// DataWait's label: "HTTP response from 127.0.0.1:8080: first byte", or "(1234 bytes so
// far)" once some arrived. subject: the connection, which outlives the wait.
void describe_data_wait(const Label& label, const LabelView& view, std::string& out) {
    if (!view.live) return;
    const auto& conn = *static_cast<const ClientConnection*>(label.subject);
    out += " from " + conn.peer();
    const std::uint64_t n = conn.bytes_since_request();
    out += n == 0 ? ": first byte" : ": more (" + std::to_string(n) + " bytes so far)";
}
}  // namespace

// ---- Protocol callbacks ---------------------------------------------------------------------

void ClientConnection::connection_made(net::Transport& transport) {
    transport_ = transport.weak_from_this();
    const std::any peer = transport.get_extra_info("peername");
    if (const auto* address = std::any_cast<net::SocketAddress>(&peer))
        peer_ = address->to_string();
}

void ClientConnection::data_received(std::string_view data) {
    if (idle_) {
        // No request is out: whatever this is, the connection cannot be trusted any more.
        unsolicited_ = true;
        abort();
        return;
    }
    for (std::size_t i = 0; first_bytes_size_ < sizeof first_bytes_ && i < data.size(); ++i) {
        first_bytes_[first_bytes_size_++] = data[i];
    }
    bytes_since_request_ += data.size();
    parser_.feed(data);
    if (waiter_) {
        wake();
    } else if (parser_.unconsumed().size() >= kReadHighWater) {
        if (auto t = transport_.lock()) t->pause_reading();  // resumed by wait_for_data()
    }
}

bool ClientConnection::eof_received() {
    eof_ = true;
    parser_.feed_eof();
    wake();
    return false;  // nothing more to say to a server that stopped talking: close
}

void ClientConnection::connection_lost(std::exception_ptr error) {
    lost_ = true;
    error_ = std::move(error);
    transport_.reset();
    wake();
    if (on_lost_) std::exchange(on_lost_, nullptr)(*this);
}

// ---- State and requests ---------------------------------------------------------------------

bool ClientConnection::is_usable() const noexcept {
    if (eof_ || lost_ || unsolicited_) return false;
    const std::shared_ptr<net::Transport> t = transport_.lock();
    return t && !t->is_closing();
}

void ClientConnection::begin_request(std::string_view method) {
    if (requests_++ == 0) {
        parser_ = ResponseParser(method, limits_);
        if (eof_) parser_.feed_eof();  // the server closed before we asked anything
    } else {
        parser_.start_next_message(method);
    }
    bytes_since_request_ = 0;
    first_bytes_size_ = 0;
}

void ClientConnection::use_tls(net::Transport& tls_transport) {
    transport_ = tls_transport.weak_from_this();
    const std::any engine = tls_transport.get_extra_info("ssl_object");
    if (auto* const* ssl = std::any_cast<net::tls::SSLObject*>(&engine); ssl && *ssl) {
        tls_info_ = TlsInfo::of(**ssl);
    }
}

void ClientConnection::write(std::string_view bytes) {
    const std::shared_ptr<net::Transport> t = transport_.lock();
    if (!t) throw net::TransportClosedError("write", peer_);
    t->write(bytes);
}

void ClientConnection::abort() {
    if (try_get_running_loop() != &loop_) return;
    if (const std::shared_ptr<net::Transport> t = transport_.lock()) t->abort();
}

void ClientConnection::wake() {
    if (!waiter_) return;
    Future<void> waiter = std::move(waiter_);
    waiter_ = Future<void>();
    if (!waiter.done()) waiter.set_result();
}

// ---- DataWait -------------------------------------------------------------------------------

void DataWait::start() {
    future_ = task_->loop().create_future<void>();
    future_.state()->set_label({"HTTP response", &describe_data_wait, &connection_, 0});
    connection_.waiter_ = future_;
    if (const std::shared_ptr<net::Transport> t = connection_.transport_.lock()) {
        t->resume_reading();  // if flow control paused it; a no-op otherwise
    }
    if (deadline_) {
        // `this` lives in the awaiting coroutine's frame until finish() (or ~DataWait) cancels
        // the timer, so the callback never sees a dead awaiter.
        timer_ = task_->loop().call_at(*deadline_, [this] {
            if (future_.done()) return;
            expired_ = true;
            future_.set_result();
        });
    }
}

void DataWait::finish() {
    timer_.cancel();
    if (connection_.waiter_ && connection_.waiter_.state() == future_.state()) {
        connection_.waiter_ = Future<void>();
    }
}

DataWait::~DataWait() {
    finish();
}

bool DataWait::await_resume() {
    finish();
    task_->throw_if_cancel_pending();
    future_.result();  // CancelledError if the task was cancelled while waiting
    return !expired_;
}

}  // namespace looplab::http::detail
