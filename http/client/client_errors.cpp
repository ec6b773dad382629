// http/client/client_errors.cpp: messages of http/client/client_errors.hpp.
#include "http/client/client_errors.hpp"

namespace looplab::http {

std::string_view ClientTimeoutError::phase_name(Phase p) {
    switch (p) {
        case Phase::pool:
            return "waiting for a free connection in the pool";
        case Phase::connect:
            return "connecting";
        case Phase::tls_handshake:
            return "tls handshake";
        case Phase::sock_read:
            return "waiting for the server to send data";
        case Phase::total:
            return "the whole request";
    }
    return "unknown";
}

ClientResponseError::ClientResponseError(int status, std::string reason, std::string url)
    : ClientError(std::to_string(status) + " " + reason + " for " + url),
      status_(status),
      url_(std::move(url)) {}

TooManyRedirects::TooManyRedirects(int max_redirects, const std::string& url)
    : ClientError("more than " + std::to_string(max_redirects) + " redirects, last to " + url) {}

}  // namespace looplab::http
