// net/transport/datagram_transport.hpp: DatagramTransport, a datagram endpoint driven by the loop.
//
// asyncio: asyncio.DatagramTransport (transports.py) as _SelectorDatagramTransport
//          (selector_events.py); create_datagram_endpoint.hpp makes one.
// libuv:   uv_udp_t (src/unix/udp.c): uv_udp_send's queue and uv__udp_io.
//
// How it moves datagrams:
//   - Receiving: a reader is registered from connection_made until closing. Each readiness
//     event does ONE recvfrom of up to kMaxSize (asyncio's max_size, far above UDP's 65,507-byte
//     limit, so a datagram is never cut) into the thread's buffer, and hands it to
//     datagram_received with its sender. One per event, for the reason SocketTransport reads
//     once: a flood on one endpoint must not keep the loop from everything else.
//   - Sending: sendto() sends at once while nothing is queued; only when the kernel's send
//     buffer is full (EAGAIN) is the datagram queued, whole, and a writer registered to send
//     the queue in order. A queued datagram is sent whole or not at all: datagrams have
//     boundaries, unlike a stream's bytes.
//   - Errors of one datagram are not errors of the endpoint: a failed send or receive
//     (ECONNREFUSED from an ICMP port unreachable, EMSGSIZE, ...) goes to error_received and
//     the endpoint lives on (asyncio: the same). Only an exception from the protocol's own
//     callbacks is fatal (reported, then the endpoint aborts), as on SocketTransport.
//   - Flow control: the queued bytes against the water marks (64 KiB high, low = high / 4),
//     with pause_writing / resume_writing, as asyncio's _maybe_pause_protocol.
//
// States (asyncio's flags in brackets), the same shape as SocketTransport's:
//
//   open ---close()---> flushing ---queue empty---> lost scheduled ---its callback ran---> closed
//    |                  [closing_]                  [lost_scheduled_]
//    |                      |                            ^   ^
//    |                      +---abort() / fatal error----+   |
//    +---abort() / fatal error (the queue is dropped)--------+
//
// Lifetime: an open endpoint owns itself until its connection_lost has run (socket_transport.hpp
// says why); the protocol is owned by it and released right after connection_lost. Contract
// differences from asyncio (each where asyncio's silence would hide a bug):
//   - DIFFERENCE: sendto() on a closing or closed endpoint throws TransportClosedError (asyncio
//     drops the datagram, logging a warning after five).
//   - DIFFERENCE: sendto() without an address on an endpoint that is not connected throws
//     std::invalid_argument (asyncio passes None to sendto and gets a TypeError from it).
//   - An address that differs from a connected endpoint's remote address throws
//     std::invalid_argument (asyncio: ValueError "Invalid address: must be None or ...").
// Loop-thread only.
#pragma once

#include <any>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "net/socket_address.hpp"
#include "net/transport/datagram_protocol.hpp"
#include "net/unique_fd.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"

namespace looplab::net {

class DatagramTransport final : public std::enable_shared_from_this<DatagramTransport> {
public:
    static constexpr std::size_t kMaxSize = 256 * 1024;          // asyncio's max_size
    static constexpr std::size_t kDefaultHighWater = 64 * 1024;  // asyncio's default

    // Wraps sock (a bound, maybe connected, non-blocking datagram socket) and schedules
    // connection_made followed by the start of receiving. remote is the address sock is
    // connected to, if it is. waiter, if given, completes after connection_made returns.
    static std::shared_ptr<DatagramTransport> make(EventLoop& loop, UniqueFd sock,
                                                   std::shared_ptr<DatagramProtocol> protocol,
                                                   std::optional<SocketAddress> remote,
                                                   Future<void> waiter = {});
    ~DatagramTransport();
    DatagramTransport(const DatagramTransport&) = delete;
    DatagramTransport& operator=(const DatagramTransport&) = delete;

    // Sends data as one datagram to address (or to the remote address of a connected
    // endpoint), now or, if the kernel's buffer is full, once it has room. Empty data sends an
    // empty datagram (asyncio 3.13). Throws as the header's differences say.
    void sendto(std::string_view data, std::optional<SocketAddress> address = std::nullopt);

    // Stops receiving at once, sends what is queued, then closes. Idempotent.
    void close();
    // Closes at once, dropping the queue. Idempotent.
    void abort();
    [[nodiscard]] bool is_closing() const noexcept { return closing_; }

    // "sockname" (SocketAddress), "peername" (SocketAddress, connected endpoints only),
    // "socket" (the descriptor as an int, still owned by the transport).
    [[nodiscard]] std::any get_extra_info(std::string_view name) const;

    // Bytes of datagrams queued, not yet handed to the kernel.
    [[nodiscard]] std::size_t get_write_buffer_size() const noexcept { return queued_bytes_; }
    // As Transport::set_write_buffer_limits (transport.hpp).
    void set_write_buffer_limits(std::optional<std::size_t> high = std::nullopt,
                                 std::optional<std::size_t> low = std::nullopt);
    [[nodiscard]] std::pair<std::size_t, std::size_t> get_write_buffer_limits() const noexcept {
        return {low_water_, high_water_};
    }

    [[nodiscard]] DatagramProtocol* get_protocol() const noexcept { return protocol_.get(); }
    EventLoop& get_loop() const noexcept { return loop_; }

private:
    struct Queued {
        std::string data;
        std::optional<SocketAddress> address;  // nullopt: the connected remote
    };

    DatagramTransport(EventLoop& loop, UniqueFd sock, std::shared_ptr<DatagramProtocol> protocol,
                      std::optional<SocketAddress> remote);

    void start(Future<void> waiter);  // connection_made, then receiving
    void on_readable();               // one recvfrom -> datagram_received / error_received
    void on_writable();               // send the queue, in order
    // One sendto; -1 with errno as the syscall left it.
    ssize_t send_one(std::string_view data, const std::optional<SocketAddress>& address);
    void report_error(int err, const char* operation);

    void fatal_error(std::exception_ptr error, const char* what);
    void force_close(std::exception_ptr error);
    void schedule_connection_lost(std::exception_ptr error);
    void call_connection_lost(std::exception_ptr error);
    void maybe_pause_protocol();
    void maybe_resume_protocol();

    EventLoop& loop_;
    UniqueFd sock_;
    std::shared_ptr<DatagramProtocol> protocol_;  // owned until connection_lost has returned
    std::shared_ptr<DatagramTransport> self_;     // keeps an open endpoint alive
    std::optional<SocketAddress> remote_;         // the connected peer, if connected
    std::optional<SocketAddress> sockname_;       // cached at creation
    std::deque<Queued> queue_;                    // datagrams the kernel had no room for
    std::size_t queued_bytes_ = 0;
    std::size_t high_water_ = kDefaultHighWater;
    std::size_t low_water_ = kDefaultHighWater / 4;
    bool protocol_connected_ = false;
    bool protocol_paused_ = false;
    bool closing_ = false;
    bool lost_scheduled_ = false;
};

}  // namespace looplab::net
