// tests/net/sha256_test.cpp: the test helper that the transfer tests trust must itself be right.
#include "support/sha256.hpp"

#include <gtest/gtest.h>

#include <string>

namespace looplab::net::testing {
namespace {

TEST(Sha256, MatchesTheFips180Examples) {
    EXPECT_EQ(Sha256::of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(Sha256::of("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(Sha256::of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(Sha256::of(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FeedingInPiecesGivesTheSameDigestAsAllAtOnce) {
    const std::string data = PatternSource().next(10000);
    Sha256 pieces;
    for (std::size_t at = 0; at < data.size(); at += 777) pieces.update(data.substr(at, 777));
    EXPECT_EQ(pieces.hex_digest(), Sha256::of(data));
    EXPECT_NE(Sha256::of(data), Sha256::of(data.substr(1)));
}

}  // namespace
}  // namespace looplab::net::testing
