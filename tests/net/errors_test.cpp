// tests/net/errors_test.cpp: errno -> exception type, and messages a person can act on.
#include "net/errors.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netdb.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <system_error>
#include <type_traits>
#include <typeinfo>

#include "support/fd_leak_check.hpp"

namespace looplab::net {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

class ErrorsTest : public testing::NoFdLeaks {};

// Throws err through throw_os_error and returns a copy of the exception. Fails the test unless
// its dynamic type is exactly Expected (not a subclass, not a base) with err as its code.
template <typename Expected>
Expected thrown_as(int err, const char* operation = "connect",
                   const char* address = "127.0.0.1:9") {
    try {
        throw_os_error(err, operation, address);
    } catch (const Expected& e) {
        EXPECT_EQ(typeid(e), typeid(Expected)) << "errno " << err << ": " << e.what();
        EXPECT_EQ(e.code().value(), err);
        EXPECT_EQ(e.code().category(), std::system_category());
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "errno " << err << " was thrown as the wrong type: " << e.what();
    }
    throw std::logic_error("unreachable");
}

TEST_F(ErrorsTest, EachConnectionErrnoMapsToThePythonNamedType) {
    thrown_as<ConnectionRefusedError>(ECONNREFUSED);
    thrown_as<ConnectionResetError>(ECONNRESET);
    thrown_as<ConnectionAbortedError>(ECONNABORTED);
    thrown_as<BrokenPipeError>(EPIPE);
    thrown_as<BrokenPipeError>(ESHUTDOWN);
}

TEST_F(ErrorsTest, ConnectionErrorsShareTheConnectionErrorBase) {
    // As in Python: `except ConnectionError` catches all four.
    static_assert(std::is_base_of_v<ConnectionError, BrokenPipeError>);
    static_assert(std::is_base_of_v<ConnectionError, ConnectionAbortedError>);
    static_assert(std::is_base_of_v<ConnectionError, ConnectionRefusedError>);
    static_assert(std::is_base_of_v<ConnectionError, ConnectionResetError>);
    static_assert(std::is_base_of_v<NetError, ConnectionError>);
    static_assert(std::is_base_of_v<std::system_error, NetError>);
    EXPECT_THROW(throw_os_error(ECONNRESET, "recv", "127.0.0.1:1"), ConnectionError);
}

TEST_F(ErrorsTest, UnreachableAndTimeoutErrnosMapToTheirTypes) {
    thrown_as<NetworkUnreachableError>(ENETUNREACH);
    thrown_as<NetworkUnreachableError>(EHOSTUNREACH);
    thrown_as<SocketTimeoutError>(ETIMEDOUT);
}

TEST_F(ErrorsTest, OtherErrnosArePlainNetErrorsNotConnectionErrors) {
    thrown_as<NetError>(EADDRINUSE, "bind", "127.0.0.1:8080");
    thrown_as<NetError>(EACCES, "bind", "127.0.0.1:80");
    try {
        throw_os_error(ENETUNREACH, "connect", "127.0.0.1:1");
    } catch (const ConnectionError&) {
        ADD_FAILURE() << "an unreachable network is not a ConnectionError (Python: plain OSError)";
    } catch (const NetError&) {
    }
}

TEST_F(ErrorsTest, RefusedMessageNamesTheAddressAndTheUsualCause) {
    const auto e = thrown_as<ConnectionRefusedError>(ECONNREFUSED, "connect", "127.0.0.1:9");
    EXPECT_STREQ(e.what(), "connection refused by 127.0.0.1:9 (nothing is listening there)");
    EXPECT_EQ(e.address(), "127.0.0.1:9");
    EXPECT_EQ(e.operation(), "connect");
}

TEST_F(ErrorsTest, MessagesContainTheAddressAndTheOperation) {
    const auto reset = thrown_as<ConnectionResetError>(ECONNRESET, "recv", "[::1]:8080");
    EXPECT_THAT(reset.what(), HasSubstr("connection reset by [::1]:8080 during recv"));
    const auto pipe = thrown_as<BrokenPipeError>(EPIPE, "send", "127.0.0.1:80");
    EXPECT_THAT(pipe.what(), HasSubstr("send to 127.0.0.1:80"));
    const auto unreachable = thrown_as<NetworkUnreachableError>(EHOSTUNREACH);
    EXPECT_THAT(unreachable.what(), HasSubstr("no route to 127.0.0.1:9"));
    const auto generic = thrown_as<NetError>(EADDRINUSE, "bind", "127.0.0.1:8080");
    EXPECT_THAT(generic.what(), HasSubstr("bind failed for 127.0.0.1:8080"));
    EXPECT_THAT(generic.what(), HasSubstr("already bound"));
}

TEST_F(ErrorsTest, MessagesStillReadWellWithoutAnAddress) {
    const auto e = thrown_as<ConnectionRefusedError>(ECONNREFUSED, "connect", "");
    EXPECT_STREQ(e.what(), "connection refused by the peer (nothing is listening there)");
    const auto generic = thrown_as<NetError>(EBADF, "getsockopt(SO_ERROR)", "");
    EXPECT_THAT(generic.what(), HasSubstr("getsockopt(SO_ERROR) failed: "));
}

TEST_F(ErrorsTest, CodesCompareEqualToTheStandardErrcValues) {
    const auto e = thrown_as<ConnectionRefusedError>(ECONNREFUSED);
    EXPECT_EQ(e.code(), std::errc::connection_refused);
    EXPECT_EQ(ConnectTimeoutError("127.0.0.1:1", milliseconds(5)).code(), std::errc::timed_out);
    EXPECT_EQ(TransportClosedError().code(), std::errc::not_connected);
}

TEST_F(ErrorsTest, MakeOsErrorHandsTheTypedExceptionOnWithoutThrowing) {
    const std::exception_ptr error = make_os_error(ECONNRESET, "recv", "127.0.0.1:80");
    ASSERT_TRUE(error);
    EXPECT_THROW(std::rethrow_exception(error), ConnectionResetError);
}

TEST_F(ErrorsTest, ConnectTimeoutSaysHowLongItWaitedAndIsASocketTimeout) {
    const ConnectTimeoutError e("127.0.0.1:80", milliseconds(200));
    EXPECT_THAT(e.what(), HasSubstr("connect to 127.0.0.1:80 did not finish within 200 ms"));
    EXPECT_EQ(e.waited(), milliseconds(200));
    EXPECT_EQ(e.operation(), "connect");
    static_assert(std::is_base_of_v<SocketTimeoutError, ConnectTimeoutError>);
}

TEST_F(ErrorsTest, ReadTimeoutIsASocketTimeoutButNotAConnectTimeout) {
    const ReadTimeoutError e("127.0.0.1:80", milliseconds(100));
    EXPECT_THAT(e.what(), HasSubstr("no data from 127.0.0.1:80 within 100 ms"));
    EXPECT_EQ(e.code(), std::errc::timed_out);
    static_assert(std::is_base_of_v<SocketTimeoutError, ReadTimeoutError>);
    static_assert(!std::is_base_of_v<ConnectTimeoutError, ReadTimeoutError>);
}

TEST_F(ErrorsTest, NameResolutionErrorCarriesTheHostAndTheResolversOwnText) {
    const NameResolutionError e(EAI_NONAME, "no-such-host.invalid");
    EXPECT_EQ(e.host(), "no-such-host.invalid");
    EXPECT_EQ(e.code().value(), EAI_NONAME);
    EXPECT_EQ(e.code().category(), resolver_category());
    EXPECT_STREQ(resolver_category().name(), "getaddrinfo");
    EXPECT_THAT(e.what(), HasSubstr("cannot resolve host 'no-such-host.invalid'"));
    EXPECT_THAT(e.what(), HasSubstr(::gai_strerror(EAI_NONAME)));
    // Not an errno: EAI_NONAME's value means something else entirely as an errno.
    EXPECT_NE(e.code(), std::error_code(EAI_NONAME, std::system_category()));
}

TEST_F(ErrorsTest, NameResolutionSystemErrorsExplainTheErrno) {
    const NameResolutionError e(EAI_SYSTEM, "example.test", EMFILE);
    EXPECT_THAT(e.what(), HasSubstr(std::system_category().message(EMFILE)));
}

TEST_F(ErrorsTest, TransportClosedErrorSaysWriteOnAClosedTransport) {
    EXPECT_STREQ(TransportClosedError().what(), "write on a closed transport");
    EXPECT_STREQ(TransportClosedError("recv", "127.0.0.1:80").what(),
                 "recv on a closed transport (to 127.0.0.1:80)");
}

TEST_F(ErrorsTest, CopyingAnErrorCannotThrow) {
    // A copy made while throwing must not throw (that would call std::terminate).
    static_assert(std::is_nothrow_copy_constructible_v<NetError>);
    static_assert(std::is_nothrow_copy_constructible_v<ConnectionRefusedError>);
    static_assert(std::is_nothrow_copy_constructible_v<ConnectTimeoutError>);
    static_assert(std::is_nothrow_copy_constructible_v<NameResolutionError>);
    const ConnectionResetError original("recv", "127.0.0.1:1");
    const ConnectionResetError copy = original;  // NOLINT(performance-unnecessary-copy-*)
    EXPECT_STREQ(copy.what(), original.what());
    EXPECT_EQ(copy.address(), "127.0.0.1:1");
}

TEST_F(ErrorsTest, TryAgainErrnosAreNeverThrown) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(throw_os_error(EAGAIN, "recv", "127.0.0.1:1"), "EAGAIN must be handled");
    EXPECT_DEATH(throw_os_error(EINTR, "recv", "127.0.0.1:1"), "EINTR must be handled");
}

}  // namespace
}  // namespace looplab::net
