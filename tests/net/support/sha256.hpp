// tests/net/support/sha256.hpp: SHA-256 (FIPS 180-4), for checking large transfers end to end.
//
// asyncio's tests compare transferred bytes directly; with 64 MiB that means keeping two copies
// around. A digest computed incrementally on each side is constant-size and catches any lost,
// duplicated or reordered byte. Tests only: looplab itself needs no cryptography. Written for
// clarity, not speed (tens of MB/s is plenty here).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace looplab::net::testing {

class Sha256 {
public:
    Sha256() = default;

    void update(std::string_view data) {
        total_bytes_ += data.size();
        for (char c : data) {
            block_[block_used_++] = static_cast<std::uint8_t>(c);
            if (block_used_ == 64) {
                compress();
                block_used_ = 0;
            }
        }
    }

    // The digest as 64 lowercase hex digits. Ends this object's use.
    std::string hex_digest() {
        const std::uint64_t bit_length = total_bytes_ * 8;
        block_[block_used_++] = 0x80;
        if (block_used_ > 56) {
            while (block_used_ < 64) block_[block_used_++] = 0;
            compress();
            block_used_ = 0;
        }
        while (block_used_ < 56) block_[block_used_++] = 0;
        for (int i = 7; i >= 0; --i)
            block_[block_used_++] = static_cast<std::uint8_t>(bit_length >> (8 * i));
        compress();
        static constexpr char digits[] = "0123456789abcdef";
        std::string out;
        for (std::uint32_t word : state_) {
            for (int shift = 28; shift >= 0; shift -= 4) out += digits[(word >> shift) & 0xf];
        }
        return out;
    }

    static std::string of(std::string_view data) {
        Sha256 h;
        h.update(data);
        return h.hex_digest();
    }

private:
    static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

    void compress() {
        static constexpr std::array<std::uint32_t, 64> k = {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2};
        std::array<std::uint32_t, 64> w{};
        for (int i = 0; i < 16; ++i) {
            w[i] = (std::uint32_t{block_[4 * i]} << 24) | (std::uint32_t{block_[4 * i + 1]} << 16) |
                   (std::uint32_t{block_[4 * i + 2]} << 8) | std::uint32_t{block_[4 * i + 3]};
        }
        for (int i = 16; i < 64; ++i) {
            const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        auto [a, b, c, d, e, f, g, h] = state_;
        for (int i = 0; i < 64; ++i) {
            const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
            const std::uint32_t ch = (e & f) ^ (~e & g);
            const std::uint32_t t1 = h + s1 + ch + k[i] + w[i];
            const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
            const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
            const std::uint32_t t2 = s0 + maj;
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        const std::array<std::uint32_t, 8> add = {a, b, c, d, e, f, g, h};
        for (int i = 0; i < 8; ++i) state_[i] += add[i];
    }

    std::array<std::uint32_t, 8> state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                           0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::array<std::uint8_t, 64> block_{};  // the block being filled
    std::size_t block_used_ = 0;            // bytes of block_ filled
    std::uint64_t total_bytes_ = 0;         // message length so far
};

// Deterministic bytes for transfer tests: byte i of stream `seed` (xorshift, so no period in a
// test-sized transfer would let a shifted or repeated chunk go unnoticed).
class PatternSource {
public:
    explicit PatternSource(std::uint64_t seed = 0x9e3779b97f4a7c15ULL) : state_(seed | 1) {}
    std::string next(std::size_t n) {
        std::string out(n, '\0');
        for (char& c : out) {
            state_ ^= state_ << 13;
            state_ ^= state_ >> 7;
            state_ ^= state_ << 17;
            c = static_cast<char>(state_ >> 56);
        }
        return out;
    }

private:
    std::uint64_t state_;
};

}  // namespace looplab::net::testing
