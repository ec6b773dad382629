// http/proto/protocol_error.hpp: the one exception the HTTP/1.1 engine throws for bytes that break
// the protocol.
//
// h11:     h11.RemoteProtocolError (with its error_status_hint)
// aiohttp: aiohttp.http_exceptions.BadHttpMessage and friends
//
// One type, not a hierarchy: a caller does the same thing for every malformed message (close the
// connection, and on the server side answer first), so a hierarchy would only be caught at its
// root. What differs is carried as data: `what()` says what was wrong in words a person can act
// on, and `status()` is the response a server should send before closing.
#pragma once

#include <stdexcept>
#include <string>

namespace looplab::http {

class ProtocolError : public std::runtime_error {
public:
    // `reason` names what was wrong ("invalid chunk size 'zz'"); `status` is the HTTP status a
    // server answers with: 400 by default, 413 (body too large), 414 (request line too long),
    // 431 (head too large), 501 (unknown transfer-coding), 505 (HTTP version not supported).
    // The response parser fills it in too, by the same rules; a client simply ignores it.
    explicit ProtocolError(const std::string& reason, int status = 400)
        : std::runtime_error(reason), status_(status) {}

    int status() const noexcept { return status_; }

private:
    int status_;  // what a server should answer with before it closes the connection
};

}  // namespace looplab::http
