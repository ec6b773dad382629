// net/tls/ssl_transport.hpp: SSLTransport, the Transport the protocol above TLS writes
// plaintext into.
//
// asyncio: _SSLProtocolTransport (sslproto.py): a thin object whose every method is its
//          SSLProtocol's (ssl_protocol.hpp says what each does, and where it differs).
//
// Why a separate object rather than SSLProtocol being both: SSLProtocol is a Protocol to the
// transport below and must not also be a Transport, or a call such as close() would be
// ambiguous between the two layers. Two objects, two roles, one state (in SSLProtocol).
//
// What it adds to the Transport contract:
//   - get_extra_info: "ssl_object" (SSLObject*, valid while this transport exists),
//     "sslcontext" (shared_ptr<SSLContext>), "peercert" (PeerCertificate; empty when the
//     peer sent none), "cipher" (Cipher), "server_hostname" (std::string: the name asked
//     for on a client, the SNI received on a server); any other name is the transport
//     below's ("peername", "sockname", "socket"), while it exists;
//   - the write buffer and its marks count plaintext and ciphertext (ssl_protocol.hpp);
//     defaults 512 KiB / 128 KiB, as asyncio's for SSL;
//   - write_eof() throws std::logic_error and can_write_eof() is false (no TLS half-close);
//   - close() sends close_notify, then closes the transport below.
#pragma once

#include <any>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "net/tls/ssl_protocol.hpp"
#include "net/transport/transport.hpp"

namespace looplab::net::tls {

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
