// tests/reliability/support/client_outcome.hpp: one request made with each looplab client,
// and what happened, as a short string a test compares.
//
// The hostile-server tests ask the same question of many scripted failures: did the client
// report the failure as the right kind of error (and never as a success)? Turning the result
// into "ok 200 <body>", "payload", "timeout:sock_read"... keeps each case to one line and makes
// a failure message say exactly what the client did instead.
#pragma once

#include <chrono>
#include <string>

#include "http/client/blocking_client.hpp"
#include "http/client/client_errors.hpp"
#include "http/client/client_session.hpp"
#include "net/support/net_test_loop.hpp"
#include "runtime/looplab.hpp"

namespace looplab::reliability {

// The kind of a client exception, most specific first.
inline std::string classify(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const http::ClientTimeoutError& e) {
        return e.phase() == http::ClientTimeoutError::Phase::sock_read ? "timeout:sock_read"
               : e.phase() == http::ClientTimeoutError::Phase::total   ? "timeout:total"
                                                                       : "timeout:connect";
    } catch (const http::ClientPayloadError&) {
        return "payload";
    } catch (const http::ClientProtocolError&) {
        return "protocol";
    } catch (const http::ServerDisconnectedError&) {
        return "disconnected";
    } catch (const http::ClientConnectionError&) {
        return "connection";
    } catch (const std::exception& e) {
        return std::string("unexpected: ") + e.what();
    }
}

// GET `url` with a ClientSession on a fresh loop, body read in full. `timeout` as given.
inline std::string session_outcome(const std::string& url, http::ClientTimeout timeout,
                                   http::ParserLimits limits = {}) {
    auto main = [&](EventLoop&) -> Coro<std::string> {
        http::ClientSessionOptions options;
        options.timeout = timeout;
        options.limits = limits;
        http::ClientSession session(options);
        std::string outcome;
        try {
            http::ClientResponse response = co_await session.get(url);
            const std::string body = co_await response.text();
            outcome = "ok " + std::to_string(response.status) + " " + body;
        } catch (...) {
            outcome = classify(std::current_exception());
        }
        co_await session.close();
        co_return outcome;
    };
    return net::testing::run_net_test(main, std::chrono::seconds(20));
}

// The same request with the blocking client (requests.get's twin), with these options.
inline std::string blocking_outcome(const std::string& url,
                                    const http::blocking::Options& options) {
    try {
        const http::blocking::Response response = http::blocking::get(url, options);
        return "ok " + std::to_string(response.status) + " " + response.body;
    } catch (...) {
        return classify(std::current_exception());
    }
}

// ... with a read timeout and parser limits, everything else the client's defaults.
inline std::string blocking_outcome(const std::string& url, std::chrono::milliseconds read_timeout,
                                    http::ParserLimits limits = {}) {
    http::blocking::Options options;
    options.read_timeout = read_timeout;
    options.limits = limits;
    return blocking_outcome(url, options);
}

}  // namespace looplab::reliability
