// tests/net/resolver_test.cpp: the numeric fast path, the ".invalid" shortcut, getaddrinfo.
//
// Nothing here may reach a DNS server: the machine has no network, and traffic off the
// loopback is forbidden. So the only name given to getaddrinfo without AI_NUMERICHOST is
// "localhost", which /etc/hosts answers (nsswitch consults "files" before "dns" and stops at
// the first hit); failures are provoked with ".invalid" (answered by resolve_blocking itself)
// or with AI_NUMERICHOST (getaddrinfo refuses a non-numeric name without looking it up). Every
// failing case is therefore bounded by construction, and the tests check that too.
#include "net/resolver.hpp"

#include <gtest/gtest.h>
#include <netdb.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "net/errors.hpp"
#include "support/fd_leak_check.hpp"

namespace looplab::net {
namespace {

using Clock = std::chrono::steady_clock;

class ResolverTest : public testing::NoFdLeaks {};

// Resolves host and returns the NameResolutionError it must throw; fails the test otherwise or
// if it took longer than a second (a failure that involves no I/O must be immediate).
NameResolutionError resolution_error(const std::string& host, int family = AF_UNSPEC,
                                     int flags = 0) {
    const auto started = Clock::now();
    try {
        (void)resolve_blocking(host, 80, family, flags);
    } catch (const NameResolutionError& e) {
        EXPECT_LT(Clock::now() - started, std::chrono::seconds(1)) << host;
        return e;
    }
    ADD_FAILURE() << "'" << host << "' resolved";
    return NameResolutionError(0, host);
}

TEST_F(ResolverTest, NumericHostsAreReturnedWithoutCallingGetaddrinfo) {
    const auto calls_before = detail::getaddrinfo_calls();
    EXPECT_EQ(resolve_blocking("127.0.0.1", 8080),
              std::vector<SocketAddress>{SocketAddress::loopback(AF_INET, 8080)});
    EXPECT_EQ(resolve_blocking("::1", 8080),
              std::vector<SocketAddress>{SocketAddress::loopback(AF_INET6, 8080)});
    // getaddrinfo itself rejects brackets, so only the numeric parser can accept this one.
    EXPECT_EQ(resolve_blocking("[::1]", 8080),
              std::vector<SocketAddress>{SocketAddress::loopback(AF_INET6, 8080)});
    EXPECT_EQ(detail::getaddrinfo_calls(), calls_before);
}

TEST_F(ResolverTest, LocalhostResolvesToLoopbackAddressesWithThePort) {
    const auto calls_before = detail::getaddrinfo_calls();
    const auto addresses = resolve_blocking("localhost", 8080);
    EXPECT_EQ(detail::getaddrinfo_calls(), calls_before + 1) << "a name needs the resolver";
    ASSERT_FALSE(addresses.empty());
    for (const SocketAddress& address : addresses) {
        EXPECT_TRUE(address.is_loopback()) << address;
        EXPECT_EQ(address.port(), 8080);
    }
}

TEST_F(ResolverTest, FamilyLimitsTheAddressesOfAName) {
    for (const SocketAddress& address : resolve_blocking("localhost", 80, AF_INET)) {
        EXPECT_EQ(address.family(), AF_INET) << address;
    }
}

TEST_F(ResolverTest, ANumericHostOfTheOtherFamilyIsAResolutionError) {
    EXPECT_EQ(resolve_blocking("::1", 80, AF_INET6).size(), 1u);
    resolution_error("::1", AF_INET);
    resolution_error("127.0.0.1", AF_INET6);
}

TEST_F(ResolverTest, ReservedInvalidNamesFailAtOnceWithoutAskingTheResolver) {
    const auto calls_before = detail::getaddrinfo_calls();
    for (const char* host : {"no-such-host.invalid", "invalid", "x.y.INVALID", "host.Invalid."}) {
        const NameResolutionError e = resolution_error(host);
        EXPECT_EQ(e.code().value(), EAI_NONAME) << host;
        EXPECT_EQ(e.host(), host);
        EXPECT_NE(std::string(e.what()).find(host), std::string::npos) << e.what();
    }
    EXPECT_EQ(detail::getaddrinfo_calls(), calls_before);
}

TEST_F(ResolverTest, GetaddrinfoFailuresBecomeNameResolutionErrors) {
    // AI_NUMERICHOST makes getaddrinfo fail for any name without looking it up. "notinvalid"
    // also shows that the ".invalid" shortcut matches whole labels only.
    for (const char* host : {"no-such-host.example", "notinvalid"}) {
        const auto calls_before = detail::getaddrinfo_calls();
        const NameResolutionError e = resolution_error(host, AF_UNSPEC, AI_NUMERICHOST);
        EXPECT_EQ(detail::getaddrinfo_calls(), calls_before + 1) << host;
        EXPECT_EQ(e.code().category(), resolver_category());
        EXPECT_EQ(e.code().value(), EAI_NONAME);
        EXPECT_EQ(e.host(), host);
    }
}

TEST_F(ResolverTest, AnEmptyHostIsAResolutionError) {
    const NameResolutionError e = resolution_error("");
    EXPECT_STREQ(
        e.what(),
        (std::string("cannot resolve an empty host name: ") + ::gai_strerror(EAI_NONAME)).c_str());
}

TEST_F(ResolverTest, AHostWithAnEmbeddedNulIsAResolutionError) {
    resolution_error(std::string("localhost\0.invalid", 18));
}

TEST_F(ResolverTest, AFamilyThatIsNotIpIsRejected) {
    EXPECT_THROW((void)resolve_blocking("127.0.0.1", 80, AF_UNIX), std::invalid_argument);
}

}  // namespace
}  // namespace looplab::net
