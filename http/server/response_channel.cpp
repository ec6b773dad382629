// http/server/response_channel.cpp: see response_channel.hpp for the exchange's states, the
// budget and the watchdog.
#include "http/server/response_channel.hpp"

#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <any>
#include <cerrno>
#include <stdexcept>

#include "http/proto/chunked_encoder.hpp"
#include "http/server/server_shared.hpp"
#include "net/errors.hpp"
#include "net/transport/socket_transport.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/task.hpp"

namespace looplab::http {

namespace {

// The most one sendfile(2) call is asked for; the loop gets a turn after each.
constexpr std::uint64_t kSendfileStep = 1024 * 1024;

double seconds(Duration d) {
    return std::chrono::duration<double>(d).count();
}

}  // namespace

ResponseChannel::~ResponseChannel() {
    watchdog_.cancel();
}

// ---- The connection's side -------------------------------------------------------------------

void ResponseChannel::attach(net::Transport& transport) {
    transport_ = &transport;
    apply_mark();
}

void ResponseChannel::detach() {
    transport_ = nullptr;
    watchdog_.cancel();
    watchdog_armed_ = false;
    wake_writer();
}

void ResponseChannel::begin(std::string_view method, HttpVersion version,
                            std::function<bool()> keep_alive) {
    method_ = method;
    version_ = version;
    keep_alive_query_ = std::move(keep_alive);
    framing_ = BodyFraming{};
    length_.reset();
    head_sent_ = finished_ = broken_ = false;
    status_ = 0;
    body_bytes_ = 0;
}

void ResponseChannel::pause_writing() {
    writing_paused_ = true;
    arm_watchdog();
}

void ResponseChannel::resume_writing() {
    writing_paused_ = false;
    wake_writer();
}

bool ResponseChannel::open() const {
    return transport_ != nullptr && !transport_->is_closing();
}

void ResponseChannel::write_raw(std::string_view bytes) {
    if (!open()) return;
    transport_->write(bytes);
    written_ += bytes.size();
}

void ResponseChannel::watch_closing() {
    closing_ = true;
    if (transport_ && transport_->get_write_buffer_size() > 0) arm_watchdog();
}

ResponseContext ResponseChannel::context() const {
    const bool keep_alive = keep_alive_query_ ? keep_alive_query_() : false;
    return ResponseContext{method_, version_, keep_alive, shared_.date.now()};
}

// ---- Whole responses -------------------------------------------------------------------------

void ResponseChannel::send_now(ServerResponse& response) {
    if (!open()) return;
    const ResponseContext ctx = context();
    std::string out;
    try {
        framing_ = write_server_response(out, response, ctx);
    } catch (const std::invalid_argument&) {
        // A handler set a field the serialiser refuses (a CR in a value...): its response
        // cannot be sent, a 500 can.
        get_running_loop().call_exception_handler(
            {"HTTP handler returned an invalid response for " + method_,
             std::current_exception(),
             {}});
        out.clear();
        response = ServerResponse::text(500, "Internal Server Error\n");
        framing_ = write_server_response(out, response, ctx);
    }
    head_sent_ = finished_ = true;
    status_ = response.status;
    body_bytes_ = framing_.sends_body ? response.body.size() : 0;
    transport_->write(out);
    written_ += out.size();
}

Coro<void> ResponseChannel::send(ServerResponse& response) {
    // Small bodies go whole: one write, usually one send(2), as before streaming existed.
    if (response.body.size() <= kPiece) {
        send_now(response);
        co_return;
    }
    const bool chunked = response.chunked && version_ != HttpVersion{1, 0};
    const std::optional<std::uint64_t> length =
        chunked ? std::nullopt : std::optional<std::uint64_t>(response.body.size());
    try {
        send_head(response.status, response.headers, length);
    } catch (const std::invalid_argument&) {
        ServerResponse error = ServerResponse::text(500, "Internal Server Error\n");
        send_now(error);
        co_return;
    }
    co_await send_body(response.body);
    send_end();
}

// ---- Streaming -------------------------------------------------------------------------------

void ResponseChannel::send_head(int status, Headers& headers, std::optional<std::uint64_t> length) {
    if (head_sent_) throw std::logic_error("the response's head was sent already");
    if (!open()) throw net::TransportClosedError("write");
    const ResponseContext ctx = context();
    const BodyFraming framing = choose_framing(status, length, ctx);
    std::string out;
    write_server_head(out, status, headers, length, framing, ctx);  // may throw invalid_argument
    framing_ = framing;
    length_ = length;
    head_sent_ = true;
    status_ = status;
    transport_->write(out);
    written_ += out.size();
}

void ResponseChannel::write_piece(std::string_view piece) {
    if (framing_.kind == BodyFraming::Kind::chunked) {
        std::string out;
        out.reserve(piece.size() + 16);
        ChunkedEncoder().write_chunk(out, piece);
        transport_->write(out);
        written_ += out.size();
    } else {
        transport_->write(piece);
        written_ += piece.size();
    }
    body_bytes_ += piece.size();
}

Coro<void> ResponseChannel::send_body(std::string_view bytes) {
    if (!head_sent_) throw std::logic_error("send_body before the head");
    if (length_ && body_bytes_ + bytes.size() > *length_)
        throw std::logic_error("more body than the Content-Length announced");
    if (!framing_.sends_body) {
        body_bytes_ += bytes.size();  // HEAD: counted as a GET would send it, not sent
        co_return;
    }
    while (!bytes.empty()) {
        co_await drain();
        const std::string_view piece = bytes.substr(0, kPiece);
        write_piece(piece);
        bytes.remove_prefix(piece.size());
    }
}

void ResponseChannel::send_end() {
    if (finished_) return;
    finished_ = true;
    if (!open() || !framing_.sends_body) return;
    if (framing_.kind == BodyFraming::Kind::chunked) {
        std::string out;
        ChunkedEncoder().write_last_chunk(out);
        transport_->write(out);
        written_ += out.size();
    } else if (length_ && body_bytes_ < *length_) {
        // Fewer bytes than announced: closing normally would let the client take what it got
        // for the whole body. An abort is a reset it cannot mistake.
        broken_ = true;
        transport_->abort();
    }
}

Coro<void> ResponseChannel::drain() {
    if (!open()) throw net::TransportClosedError("write");
    apply_mark();
    while (writing_paused_) {
        drain_waiter_ = get_running_loop().create_future<void>();
        Future<void> wait = drain_waiter_;
        co_await wait;
        if (!open()) throw net::TransportClosedError("write");
    }
}

void ResponseChannel::wake_writer() {
    if (drain_waiter_ && !drain_waiter_.done()) drain_waiter_.set_result();
    drain_waiter_ = Future<void>();
}

void ResponseChannel::apply_mark() {
    if (!transport_) return;
    const std::size_t mark = shared_.write_mark();
    if (mark == mark_) return;
    mark_ = mark;
    transport_->set_write_buffer_limits(mark);  // may call pause_writing at once
}

// ---- Files -----------------------------------------------------------------------------------

Coro<void> ResponseChannel::send_file(int fd, std::uint64_t offset, std::uint64_t count) {
    if (!head_sent_) throw std::logic_error("send_file before the head");
    if (!framing_.sends_body) {
        body_bytes_ += count;
        co_return;
    }
    auto* socket = dynamic_cast<net::SocketTransport*>(transport_);
    if (socket == nullptr || framing_.kind != BodyFraming::Kind::length) {
        co_await send_file_by_reading(fd, offset, count);
        co_return;
    }
    if (body_bytes_ + count > *length_)
        throw std::logic_error("more body than the Content-Length announced");
    co_await empty_buffer();
    const int sock = std::any_cast<int>(transport_->get_extra_info("socket"));
    sending_file_ = true;
    arm_watchdog();
    struct Done {
        bool& flag;
        ~Done() { flag = false; }
    } done{sending_file_};
    while (count > 0) {
        if (!open()) throw net::TransportClosedError("sendfile");
        off_t at = static_cast<off_t>(offset);
        const ssize_t n = ::sendfile(sock, fd, &at, std::min(count, kSendfileStep));
        if (n > 0) {
            const auto taken = static_cast<std::uint64_t>(n);
            offset += taken;
            count -= taken;
            written_ += taken;
            body_bytes_ += taken;
        } else if (n == 0) {
            throw std::runtime_error("sendfile: the file is shorter than its announced length");
        } else if (errno != EAGAIN && errno != EINTR) {
            std::rethrow_exception(net::make_os_error(errno, "sendfile", {}));
        }
        // After every step, or when the socket is full: the loop gets its turn, and the next
        // step starts once the socket can take more.
        if (count > 0) co_await wait_writable(sock);
    }
}

Coro<void> ResponseChannel::send_file_by_reading(int fd, std::uint64_t offset,
                                                 std::uint64_t count) {
    std::string piece;
    while (count > 0) {
        piece.resize(static_cast<std::size_t>(std::min<std::uint64_t>(count, kPiece)));
        const ssize_t n = ::pread(fd, piece.data(), piece.size(), static_cast<off_t>(offset));
        if (n <= 0) throw std::runtime_error("read: the file is shorter than announced");
        piece.resize(static_cast<std::size_t>(n));
        co_await send_body(piece);
        offset += piece.size();
        count -= piece.size();
    }
}

// The transport's buffer empties (the head before the file): water marks (0, 0) make
// resume_writing mean exactly "empty", then the budget's mark comes back.
Coro<void> ResponseChannel::empty_buffer() {
    if (!transport_ || transport_->get_write_buffer_size() == 0) co_return;
    mark_ = 0;
    transport_->set_write_buffer_limits(0, 0);  // pause_writing, since bytes are buffered
    while (transport_ && transport_->get_write_buffer_size() > 0) {
        drain_waiter_ = get_running_loop().create_future<void>();
        Future<void> wait = drain_waiter_;
        co_await wait;
    }
    if (!transport_) throw net::TransportClosedError("sendfile");
    apply_mark();
}

Coro<void> ResponseChannel::wait_writable(int fd) {
    EventLoop& loop = get_running_loop();
    Future<void> writable = loop.create_future<void>();
    loop.add_writer(fd, [writable]() mutable {
        if (!writable.done()) writable.set_result();
    });
    // Removed on the way out, but only while the transport lives: once connection_lost has
    // run (detach), the descriptor is closed and its number may belong to another socket.
    struct Unwatch {
        ResponseChannel& channel;
        EventLoop& loop;
        int fd;
        ~Unwatch() {
            if (channel.transport_) loop.remove_writer(fd);
        }
    } unwatch{*this, loop, fd};
    co_await writable;
}

// ---- The send watchdog -----------------------------------------------------------------------

std::uint64_t ResponseChannel::sent() const {
    return transport_ ? written_ - transport_->get_write_buffer_size() : written_;
}

bool ResponseChannel::owes() const {
    if (!transport_) return false;
    if (writing_paused_ || sending_file_) return true;
    return closing_ && transport_->get_write_buffer_size() > 0;
}

void ResponseChannel::arm_watchdog() {
    if (watchdog_armed_ || !transport_) return;
    watchdog_armed_ = true;
    const TimePoint now = get_running_loop().time();
    last_sent_ = window_sent_ = sent();
    last_progress_ = window_start_ = now;
    const HttpServerOptions& options = shared_.options;
    const Duration period = options.min_send_rate > 0
                                ? std::min(options.send_timeout, options.rate_window)
                                : options.send_timeout;
    watchdog_ = get_running_loop().call_later(period, [this] { watchdog_tick(); });
}

// The channel outlives its timer: the connection that owns it cancels the timer in detach()
// and in the destructor, so `this` in the callback is always alive.
void ResponseChannel::watchdog_tick() {
    watchdog_armed_ = false;
    if (!owes()) return;
    const HttpServerOptions& options = shared_.options;
    const TimePoint now = get_running_loop().time();
    const std::uint64_t s = sent();
    if (s > last_sent_) {
        last_sent_ = s;
        last_progress_ = now;
    }
    bool too_slow = now - last_progress_ >= options.send_timeout;
    if (options.min_send_rate > 0 && now - window_start_ >= options.rate_window) {
        const double least =
            static_cast<double>(options.min_send_rate) * seconds(now - window_start_);
        too_slow = too_slow || static_cast<double>(s - window_sent_) < least;
        window_start_ = now;
        window_sent_ = s;
    }
    if (too_slow) {
        // The client does not take its bytes: drop them and the connection.
        broken_ = true;
        transport_->abort();
        return;
    }
    const TimePoint keep_start = window_start_;
    const std::uint64_t keep_sent = window_sent_;
    const TimePoint keep_progress = last_progress_;
    arm_watchdog();
    window_start_ = keep_start;
    window_sent_ = keep_sent;
    last_progress_ = keep_progress;
}

}  // namespace looplab::http
