// http/server/middlewares.cpp: see middlewares.hpp.
#include "http/server/middlewares.hpp"

#include <chrono>
#include <cstdio>
#include <exception>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::http {

namespace {

double milliseconds_since(TimePoint start) {
    return std::chrono::duration<double, std::milli>(get_running_loop().time() - start).count();
}

std::string_view reason_of(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 413:
            return "Content Too Large";
        case 416:
            return "Range Not Satisfiable";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        default:
            return status < 500 ? "Client Error" : "Server Error";
    }
}

ServerResponse error_page(ServerResponse response) {
    const std::string title =
        std::to_string(response.status) + " " + std::string(reason_of(response.status));
    response.body = "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" +
                    title + "</h1><p>looplab</p></body></html>\n";
    response.headers.set("Content-Type", "text/html; charset=utf-8");
    response.chunked = false;
    return response;
}

bool plain_or_empty(const ServerResponse& response) {
    if (response.body.empty()) return true;
    const auto type = response.headers.get("Content-Type");
    return type && type->starts_with("text/plain");
}

}  // namespace

Middleware logging(std::function<void(std::string_view line)> sink) {
    return [sink = std::move(sink)](ServerRequest& request,
                                    const Handler& next) -> Coro<ServerResponse> {
        const TimePoint start = get_running_loop().time();
        ServerResponse response = co_await next(request);
        char took[32];
        std::snprintf(took, sizeof took, " (%.1f ms)", milliseconds_since(start));
        sink(request.method + " " + request.target + " -> " + std::to_string(response.status) +
             took);
        co_return response;
    };
}

Middleware timing() {
    return [](ServerRequest& request, const Handler& next) -> Coro<ServerResponse> {
        const TimePoint start = get_running_loop().time();
        ServerResponse response = co_await next(request);
        if (!response.streamed) {
            char value[48];
            std::snprintf(value, sizeof value, "handler;dur=%.3f", milliseconds_since(start));
            response.headers.set("Server-Timing", value);
        }
        co_return response;
    };
}

Middleware error_pages() {
    return [](ServerRequest& request, const Handler& next) -> Coro<ServerResponse> {
        ServerResponse response;
        std::exception_ptr failure;
        try {
            response = co_await next(request);
        } catch (const CancelledError&) {
            throw;  // the client went away: nobody to show a page to
        } catch (...) {
            failure = std::current_exception();
        }
        if (failure) {
            get_running_loop().call_exception_handler(
                {"HTTP handler failed for " + request.method + " " + request.target, failure,
                 request.peer});
            ServerResponse page;
            page.status = 500;
            co_return error_page(std::move(page));
        }
        if (response.streamed || response.status < 400 || !plain_or_empty(response))
            co_return response;
        co_return error_page(std::move(response));
    };
}

}  // namespace looplab::http
