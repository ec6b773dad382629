// net/errors.cpp: messages for net/'s exceptions, and the errno -> type mapping.
//
// Python: the errno -> subclass table of PEP 3151 (Objects/exceptions.c builds it at startup).
// libuv:  uv_strerror() / uv_err_name(), which give text but no types.
//
// Each message says what happened, to which address, and, where a student would otherwise go
// searching, the usual reason in parentheses. The strerror text ("Connection refused") alone
// names the symptom but never the address, and the address is the first thing to check.
#include "net/errors.hpp"

#include <netdb.h>

#include <cassert>

#include <cerrno>
#include "runtime/invariant.hpp"

namespace looplab::net {

namespace {

std::error_code os_code(int err) {
    return {err, std::system_category()};
}

// " during send" for anything but the operation a message already implies.
std::string during(std::string_view operation, std::string_view implied) {
    if (operation.empty() || operation == implied) return {};
    return " during " + std::string(operation);
}

// The peer's address, or a stand-in when the caller had none to give.
std::string peer(const std::string& address) {
    return address.empty() ? "the peer" : address;
}

// The usual cause of the errors students meet most, for the generic message.
std::string_view hint(int err, std::string_view operation) {
    switch (err) {
        case EADDRINUSE:
            return " (another socket is already bound to that address and port)";
        case EADDRNOTAVAIL:
            return " (that address does not belong to any interface of this machine)";
        case EACCES:
            if (operation == "bind") return " (ports below 1024 need privileges)";
            return {};
        case EMFILE:
        case ENFILE:
            return " (too many open files: is a descriptor leaking?)";
        default:
            return {};
    }
}

std::string generic_message(int err, std::string_view operation, const std::string& address) {
    std::string message(operation);
    message += " failed";
    if (!address.empty()) message += " for " + address;
    message += ": " + os_code(err).message();
    message += hint(err, operation);
    return message;
}

std::string timeout_message(std::string_view operation, const std::string& address) {
    std::string message(operation);
    if (!address.empty()) message += " with " + address;
    return message + " timed out (the kernel gave up waiting for the peer)";
}

class ResolverCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "getaddrinfo"; }
    std::string message(int code) const override { return ::gai_strerror(code); }
};

}  // namespace

const std::error_category& resolver_category() noexcept {
    static const ResolverCategory category;
    return category;
}

// In the constructors below, address is passed on by copy, never std::move: the message built
// in the same argument list reads it, and C++ leaves the order in which arguments are evaluated
// unspecified (g++ goes right to left and would build the message from a moved-from string).
NetError::NetError(int err, std::string_view operation, std::string address)
    : NetError(os_code(err), generic_message(err, operation, address), operation, address) {}

NetError::NetError(std::error_code code, std::string message, std::string_view operation,
                   std::string address)
    : std::system_error(code, message),
      details_(std::make_shared<const Details>(
          Details{std::move(message), std::string(operation), std::move(address)})) {}

const char* NetError::what() const noexcept {
    return details_->message.c_str();
}
const std::string& NetError::operation() const noexcept {
    return details_->operation;
}
const std::string& NetError::address() const noexcept {
    return details_->address;
}

BrokenPipeError::BrokenPipeError(int err, std::string_view operation, std::string address)
    : ConnectionError(os_code(err),
                      "broken pipe: " + std::string(operation) + " to " + peer(address) +
                          " after the connection was closed (the peer has gone away, or this "
                          "side shut down writing)",
                      operation, address) {
    assert(err == EPIPE || err == ESHUTDOWN);
}

ConnectionAbortedError::ConnectionAbortedError(std::string_view operation, std::string address)
    : ConnectionError(os_code(ECONNABORTED),
                      "connection to " + peer(address) + " aborted" + during(operation, "") +
                          " (it was torn down before it could be used)",
                      operation, address) {}

ConnectionRefusedError::ConnectionRefusedError(std::string address, std::string_view operation)
    : ConnectionError(os_code(ECONNREFUSED),
                      "connection refused by " + peer(address) + during(operation, "connect") +
                          " (nothing is listening there)",
                      operation, address) {}

ConnectionResetError::ConnectionResetError(std::string_view operation, std::string address)
    : ConnectionError(os_code(ECONNRESET),
                      "connection reset by " + peer(address) + during(operation, "") +
                          " (the peer aborted the connection: it crashed, or closed it with "
                          "data still unread)",
                      operation, address) {}

NetworkUnreachableError::NetworkUnreachableError(int err, std::string_view operation,
                                                 std::string address)
    : NetError(os_code(err),
               (err == EHOSTUNREACH ? "host unreachable: no route to "
                                    : "network unreachable: no route to the network of ") +
                   peer(address) + during(operation, "connect") +
                   " (is the address right, and is this machine on a network that reaches it?)",
               operation, address) {
    assert(err == ENETUNREACH || err == EHOSTUNREACH);
}

SocketTimeoutError::SocketTimeoutError(std::string_view operation, std::string address)
    : SocketTimeoutError(timeout_message(operation, address), operation, address) {}

SocketTimeoutError::SocketTimeoutError(std::string message, std::string_view operation,
                                       std::string address)
    : NetError(os_code(ETIMEDOUT), std::move(message), operation, address) {}

ConnectTimeoutError::ConnectTimeoutError(std::string address, std::chrono::milliseconds waited)
    : SocketTimeoutError("connect to " + peer(address) + " did not finish within " +
                             std::to_string(waited.count()) +
                             " ms (no answer: the host may be down or dropping packets, or its "
                             "listen backlog is full)",
                         "connect", address),
      waited_(waited) {}

ReadTimeoutError::ReadTimeoutError(std::string address, std::chrono::milliseconds waited)
    : SocketTimeoutError("no data from " + peer(address) + " within " +
                             std::to_string(waited.count()) +
                             " ms (read timeout; the connection is still open)",
                         "recv", address),
      waited_(waited) {}

NameResolutionError::NameResolutionError(int gai_error, std::string host, int system_errno)
    : NetError(std::error_code(gai_error, resolver_category()),
               (host.empty() ? std::string("cannot resolve an empty host name")
                             : "cannot resolve host '" + host + "'") +
                   ": " + ::gai_strerror(gai_error) +
                   (gai_error == EAI_SYSTEM && system_errno != 0
                        ? " (" + os_code(system_errno).message() + ")"
                        : std::string()),
               "getaddrinfo", host) {}

TransportClosedError::TransportClosedError(std::string_view operation, std::string address)
    : NetError(os_code(ENOTCONN),
               std::string(operation) + " on a closed transport" +
                   (address.empty() ? std::string() : " (to " + address + ")"),
               operation, address) {}

std::exception_ptr make_os_error(int err, std::string_view operation, std::string_view address) {
    // "Try again" is not an error: the caller waits for readiness (EAGAIN) or retries the call
    // (EINTR) right where it happened. Reaching here with one of them is a bug in that caller.
    looplab::detail::check_invariant(err != 0, "make_os_error called without an error");
    looplab::detail::check_invariant(err != EAGAIN && err != EWOULDBLOCK,
                                     "EAGAIN must be handled by waiting, not thrown");
    looplab::detail::check_invariant(err != EINTR, "EINTR must be handled by retrying, not thrown");

    std::string where(address);
    switch (err) {
        case EPIPE:
        case ESHUTDOWN:
            return std::make_exception_ptr(BrokenPipeError(err, operation, std::move(where)));
        case ECONNABORTED:
            return std::make_exception_ptr(ConnectionAbortedError(operation, std::move(where)));
        case ECONNREFUSED:
            return std::make_exception_ptr(ConnectionRefusedError(std::move(where), operation));
        case ECONNRESET:
            return std::make_exception_ptr(ConnectionResetError(operation, std::move(where)));
        case ENETUNREACH:
        case EHOSTUNREACH:
            return std::make_exception_ptr(
                NetworkUnreachableError(err, operation, std::move(where)));
        case ETIMEDOUT:
            return std::make_exception_ptr(SocketTimeoutError(operation, std::move(where)));
        default:
            return std::make_exception_ptr(NetError(err, operation, std::move(where)));
    }
}

void throw_os_error(int err, std::string_view operation, std::string_view address) {
    std::rethrow_exception(make_os_error(err, operation, address));
}

IncompleteReadError::IncompleteReadError(std::string partial, std::optional<std::size_t> expected)
    : std::runtime_error(std::to_string(partial.size()) + " bytes read on a total of " +
                         (expected ? std::to_string(*expected) : std::string("undefined")) +
                         " expected bytes (the stream ended first)"),
      partial_(std::make_shared<const std::string>(std::move(partial))),
      expected_(expected) {}

LimitOverrunError::LimitOverrunError(const std::string& message, std::size_t consumed)
    : std::runtime_error(message), consumed_(consumed) {}

}  // namespace looplab::net
