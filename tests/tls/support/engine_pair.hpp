// tests/tls/support/engine_pair.hpp: two TLS engines wired back to back, with no socket.
//
// CPython: test_ssl.py's MemoryBIO tests (test_handshake, test_read_write_data), which drive an
//          SSLObject by hand against a peer.
//
// The wire is the test: transfer() moves one engine's ciphertext into the other in pieces the
// test chooses (whole, one byte, random sizes), so every way TCP may split a stream can be
// replayed exactly, and the same seed gives the same splits.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "net/tls/ssl_context.hpp"
#include "net/tls/ssl_object.hpp"

namespace looplab::net::tls::testing {

// How many bytes of `remaining` the next piece takes (at least 1).
using Split = std::function<std::size_t(std::size_t remaining)>;

inline std::size_t whole(std::size_t remaining) {
    return remaining;
}
inline std::size_t one_byte(std::size_t) {
    return 1;
}
// Pieces of 1..max_piece bytes, from a seeded generator (the seed is the test's to print).
inline Split random_split(unsigned seed, std::size_t max_piece = 700) {
    auto rng = std::make_shared<std::mt19937>(seed);
    return [rng, max_piece](std::size_t remaining) {
        std::uniform_int_distribution<std::size_t> size(1, max_piece);
        return std::min(remaining, size(*rng));
    };
}

// Moves everything `from` has to send into `to`, piece by piece; after each piece, on_piece
// (when given) lets the receiver act on what it has so far. Returns the bytes moved.
inline std::size_t transfer(SSLObject& from, SSLObject& to, const Split& split = whole,
                            const std::function<void()>& on_piece = nullptr) {
    const std::string bytes = from.take_outgoing();
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::size_t n = std::max<std::size_t>(1, split(bytes.size() - at));
        to.feed(std::string_view(bytes).substr(at, n));
        at += n;
        if (on_piece) on_piece();
    }
    return bytes.size();
}

struct EnginePair {
    std::unique_ptr<SSLObject> client;
    std::unique_ptr<SSLObject> server;

    EnginePair(const std::shared_ptr<SSLContext>& client_context,
               const std::shared_ptr<SSLContext>& server_context,
               WrapOptions client_options = {"localhost", std::nullopt, {}})
        : client(client_context->wrap_bio(std::move(client_options))),
          server(server_context->wrap_bio({})) {}

    // Runs both handshakes to the end, the bytes split by split, each side stepping its
    // handshake after every piece it receives. Throws what either side throws.
    void handshake(const Split& split = whole) {
        bool client_done = client->do_handshake();
        for (int round = 0; round < 100 && !(client_done && server->handshake_done()); ++round) {
            transfer(*client, *server, split, [&] { server->do_handshake(); });
            transfer(*server, *client, split, [&] { client_done = client->do_handshake(); });
        }
        // The server's last flight (session tickets) reaches the client's read side later.
        transfer(*server, *client, split);
    }
};

// Reads plaintext until the engine wants more ciphertext (or the peer closed).
inline std::string read_available(SSLObject& engine) {
    std::string out;
    char buffer[4096];
    for (;;) {
        const ReadResult r = engine.read(buffer);
        if (r.status != ReadStatus::data) return out;
        out.append(buffer, r.size);
    }
}

// Bytes 0..255 repeating, offset by seed: easy to see where a stream went wrong.
inline std::string pattern(std::size_t size, unsigned seed = 0) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 7 + seed) & 0xff);
    return out;
}

}  // namespace looplab::net::tls::testing
