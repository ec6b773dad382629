// tests/net/socket_address_test.cpp: parsing, printing and comparing SocketAddress.
//
// Only text is parsed here; nothing connects anywhere, so documentation addresses (2001:db8::)
// are fine as strings.
#include "net/socket_address.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

#include "support/fd_leak_check.hpp"

namespace looplab::net {
namespace {

using namespace std::string_literals;

class SocketAddressTest : public testing::NoFdLeaks {};

TEST_F(SocketAddressTest, ParsesAndPrintsIpv4) {
    const auto address = parse_numeric("127.0.0.1", 8080);
    ASSERT_TRUE(address);
    EXPECT_EQ(address->family(), AF_INET);
    EXPECT_EQ(address->port(), 8080);
    EXPECT_EQ(address->host(), "127.0.0.1");
    EXPECT_EQ(address->to_string(), "127.0.0.1:8080");
    EXPECT_EQ(address->size(), sizeof(sockaddr_in));
}

TEST_F(SocketAddressTest, ParsesIpv6AndPrintsItInBracketsWithThePort) {
    const auto address = parse_numeric("::1", 8080);
    ASSERT_TRUE(address);
    EXPECT_EQ(address->family(), AF_INET6);
    EXPECT_EQ(address->port(), 8080);
    EXPECT_EQ(address->host(), "::1");
    EXPECT_EQ(address->to_string(), "[::1]:8080");
    EXPECT_EQ(address->size(), sizeof(sockaddr_in6));
}

TEST_F(SocketAddressTest, AcceptsBracketedIpv6HostsTheWayUrlsWriteThem) {
    const auto bracketed = parse_numeric("[::1]", 80);
    ASSERT_TRUE(bracketed);
    EXPECT_EQ(*bracketed, *parse_numeric("::1", 80));
}

TEST_F(SocketAddressTest, PrintsIpv6InItsCanonicalShortForm) {
    EXPECT_EQ(parse_numeric("0:0:0:0:0:0:0:1", 1)->host(), "::1");
    EXPECT_EQ(parse_numeric("2001:DB8:0:0:0:0:0:1", 1)->host(), "2001:db8::1");
    EXPECT_EQ(parse_numeric("::ffff:127.0.0.1", 1)->host(), "::ffff:127.0.0.1");
}

TEST_F(SocketAddressTest, RejectsHostsThatAreNotNumericAddresses) {
    for (const std::string& host :
         {""s, "localhost"s, "example.com"s, "127.0.0.256"s, "127.1"s, "1.2.3.4.5"s, "01.2.3.4"s,
          " 127.0.0.1"s, "127.0.0.1 "s, "[127.0.0.1]"s, "[::1"s, "::1]"s, "[]"s, "::g"s,
          "fe80::1%1"s, "127.0.0.1\0junk"s, std::string(100, '1')}) {
        EXPECT_FALSE(parse_numeric(host, 80)) << "accepted '" << host << "'";
    }
}

TEST_F(SocketAddressTest, PortRoundTripsThroughNetworkByteOrder) {
    for (const std::uint16_t port : {0, 1, 80, 0x1234, 8080, 65535}) {
        for (const char* host : {"127.0.0.1", "::1"}) {
            const auto address = parse_numeric(host, port);
            ASSERT_TRUE(address);
            EXPECT_EQ(address->port(), port);
            // In the struct the kernel reads, the port is big-endian: high byte first. Both
            // sin_port and sin6_port sit right after the 2-byte family.
            const auto* bytes = reinterpret_cast<const unsigned char*>(address->data());
            EXPECT_EQ(bytes[2], port >> 8);
            EXPECT_EQ(bytes[3], port & 0xff);
        }
    }
}

TEST_F(SocketAddressTest, ParseAcceptsWhatToStringPrints) {
    for (const char* host : {"127.0.0.1", "10.1.2.3", "::1", "::", "2001:db8::42"}) {
        const auto address = parse_numeric(host, 4242);
        ASSERT_TRUE(address);
        const auto reparsed = SocketAddress::parse(address->to_string());
        ASSERT_TRUE(reparsed) << address->to_string();
        EXPECT_EQ(*reparsed, *address);
    }
}

TEST_F(SocketAddressTest, ParseRejectsAmbiguousOrMalformedHostPortStrings) {
    for (const char* text : {"::1:80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                             "127.0.0.1:+1", "127.0.0.1:080", "127.0.0.1:8a", "localhost:80",
                             "[::1]80", "[::1]:", ":80", "[127.0.0.1]:80"}) {
        EXPECT_FALSE(SocketAddress::parse(text)) << "accepted '" << text << "'";
    }
}

TEST_F(SocketAddressTest, EqualityComparesFamilyAddressAndPort) {
    const auto a = *parse_numeric("127.0.0.1", 80);
    EXPECT_EQ(a, *parse_numeric("127.0.0.1", 80));
    EXPECT_NE(a, *parse_numeric("127.0.0.1", 81));
    EXPECT_NE(a, *parse_numeric("127.0.0.2", 80));
    // The same IPv4 address written as IPv4-mapped IPv6 is a different socket address.
    EXPECT_NE(a, *parse_numeric("::ffff:127.0.0.1", 80));
    EXPECT_EQ(*parse_numeric("::1", 80), SocketAddress::loopback(AF_INET6, 80));
    EXPECT_NE(*parse_numeric("::1", 80), *parse_numeric("::2", 80));
}

TEST_F(SocketAddressTest, EqualityIgnoresPaddingAndTheFlowLabel) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(80);
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::memset(v4.sin_zero, 0xab, sizeof v4.sin_zero);
    EXPECT_EQ(*SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&v4), sizeof v4),
              SocketAddress::loopback(AF_INET, 80));

    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(80);
    v6.sin6_addr = in6addr_loopback;
    v6.sin6_flowinfo = htonl(12345);
    EXPECT_EQ(*SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof v6),
              SocketAddress::loopback(AF_INET6, 80));
    v6.sin6_scope_id = 1;  // a scope id does change the endpoint
    EXPECT_NE(*SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof v6),
              SocketAddress::loopback(AF_INET6, 80));
}

TEST_F(SocketAddressTest, LoopbackAndAnyAreTheWellKnownAddresses) {
    EXPECT_EQ(SocketAddress::loopback(AF_INET, 5).to_string(), "127.0.0.1:5");
    EXPECT_EQ(SocketAddress::loopback(AF_INET6, 5).to_string(), "[::1]:5");
    EXPECT_EQ(SocketAddress::any(AF_INET, 5).to_string(), "0.0.0.0:5");
    EXPECT_EQ(SocketAddress::any(AF_INET6, 5).to_string(), "[::]:5");
    EXPECT_TRUE(SocketAddress::loopback(AF_INET6, 5).is_loopback());
    EXPECT_FALSE(SocketAddress::any(AF_INET, 5).is_loopback());
}

TEST_F(SocketAddressTest, LoopbackAndAnyRejectFamiliesThatAreNotIp) {
    EXPECT_THROW(SocketAddress::loopback(AF_UNIX, 1), std::invalid_argument);
    EXPECT_THROW(SocketAddress::any(AF_UNSPEC, 1), std::invalid_argument);
}

TEST_F(SocketAddressTest, IsLoopbackCoversAllOf127Slash8AndOnlyColonColon1) {
    EXPECT_TRUE(parse_numeric("127.255.0.1", 1)->is_loopback());
    EXPECT_FALSE(parse_numeric("128.0.0.1", 1)->is_loopback());
    EXPECT_FALSE(parse_numeric("126.255.255.255", 1)->is_loopback());
    EXPECT_FALSE(parse_numeric("::2", 1)->is_loopback());
}

TEST_F(SocketAddressTest, FromSockaddrRejectsOtherFamiliesAndShortLengths) {
    sockaddr_un unix_address{};
    unix_address.sun_family = AF_UNIX;
    EXPECT_FALSE(SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&unix_address),
                                              sizeof unix_address));

    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    EXPECT_FALSE(
        SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof(sockaddr_in)));
    EXPECT_FALSE(SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&v6), 1));
    EXPECT_FALSE(SocketAddress::from_sockaddr(nullptr, sizeof v6));
    EXPECT_TRUE(SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof v6));
}

TEST_F(SocketAddressTest, PrintsScopeIdsNumerically) {
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(80);
    ASSERT_EQ(::inet_pton(AF_INET6, "fe80::1", &v6.sin6_addr), 1);
    v6.sin6_scope_id = 2;
    const auto address = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof v6);
    EXPECT_EQ(address->to_string(), "[fe80::1%2]:80");
}

TEST_F(SocketAddressTest, StreamsAsToString) {
    std::ostringstream out;
    out << SocketAddress::loopback(AF_INET6, 443);
    EXPECT_EQ(out.str(), "[::1]:443");
}

}  // namespace
}  // namespace looplab::net
