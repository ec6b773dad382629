// tests/tls/support/scripted_transport.hpp: a Transport with no socket behind it, which the test
// drives by hand: it records what is written, and the test decides when bytes arrive, when the
// buffer is "full", and when the connection ends.
//
// asyncio: test_sslproto.py's mock transports (a Mock with get_write_buffer_size and the
//          write() calls recorded), which let SSLProtocol be tested without a loop's sockets.
//
// With it, SSLProtocol runs under virtual time (ManualClock): timeouts fire at exactly 60 s or
// 30 s of loop time, instantly, and nothing depends on a kernel. Two SSLProtocols talk through
// two of these when the test moves the bytes (pump()).
#pragma once

#include <any>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "net/socket_address.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net::tls::testing {

class ScriptedTransport final : public Transport {
public:
    ScriptedTransport(EventLoop& loop, std::shared_ptr<Protocol> protocol)
        : loop_(loop), protocol_(std::move(protocol)) {}

    // ---- What the test does ------------------------------------------------------------------
    // connection_made, as a real transport would (but at once, not from the loop).
    void connect() { protocol_->connection_made(*this); }
    // Bytes from the peer.
    void receive(std::string_view data) { protocol_->data_received(data); }
    // The peer's end of stream.
    bool receive_eof() { return protocol_->eof_received(); }
    // Everything written since the last call.
    std::string take_written() { return std::exchange(written, {}); }
    // What get_write_buffer_size() reports (bytes "not yet sent"), and pausing the protocol
    // as a transport above its high mark would.
    void set_buffered(std::size_t bytes) { buffered = bytes; }
    void pause_protocol() { protocol_->pause_writing(); }
    void resume_protocol() { protocol_->resume_writing(); }

    // ---- Transport ---------------------------------------------------------------------------
    void close() override {
        closed = true;
        lose(nullptr);
    }
    [[nodiscard]] bool is_closing() const override { return closed || aborted; }
    [[nodiscard]] std::any get_extra_info(std::string_view name) const override {
        if (name == "peername") return SocketAddress::loopback(AF_INET, 4433);
        return {};
    }
    void set_protocol(std::shared_ptr<Protocol> protocol) override {
        protocol_ = std::move(protocol);
    }
    [[nodiscard]] bool is_reading() const override { return reading; }
    void pause_reading() override { reading = false; }
    void resume_reading() override { reading = true; }
    void write(std::string_view data) override { written.append(data); }
    void write_eof() override {}
    [[nodiscard]] bool can_write_eof() const override { return true; }
    void abort() override {
        aborted = true;
        lose(nullptr);
    }
    [[nodiscard]] std::size_t get_write_buffer_size() const override { return buffered; }
    void set_write_buffer_limits(std::optional<std::size_t> high,
                                 std::optional<std::size_t> low) override {
        high_water = high.value_or(64 * 1024);
        low_water = low.value_or(high_water / 4);
    }
    [[nodiscard]] std::pair<std::size_t, std::size_t> get_write_buffer_limits() const override {
        return {low_water, high_water};
    }

    std::string written;  // bytes written and not yet taken
    std::size_t buffered = 0;
    std::size_t high_water = 64 * 1024;
    std::size_t low_water = 16 * 1024;
    bool reading = true;
    bool closed = false;
    bool aborted = false;
    bool lost = false;

private:
    // connection_lost from a callback of its own, once (the Protocol contract).
    void lose(std::exception_ptr error) {
        if (lost) return;
        lost = true;
        loop_.call_soon([protocol = protocol_, error] { protocol->connection_lost(error); });
    }

    EventLoop& loop_;
    std::shared_ptr<Protocol> protocol_;
};

// Moves what `from` had written into `to`'s protocol; returns the number of bytes.
inline std::size_t pump(ScriptedTransport& from, ScriptedTransport& to) {
    const std::string bytes = from.take_written();
    if (!bytes.empty() && !to.lost) to.receive(bytes);
    return bytes.size();
}

// Pumps both ways until neither side writes anything more.
inline void pump_both(ScriptedTransport& a, ScriptedTransport& b) {
    for (int i = 0; i < 50; ++i) {
        if (pump(a, b) + pump(b, a) == 0) return;
    }
}

}  // namespace looplab::net::tls::testing
