// http/proto/message.cpp: the persistence rule of RFC 9112 9.3, shared by both parsers and the
// future client and server.
#include "http/proto/message.hpp"

namespace looplab::http {

bool keep_alive(HttpVersion version, const Headers& headers) {
    if (headers.contains_token("Connection", "close")) return false;
    if (version.major == 1 && version.minor == 0)
        return headers.contains_token("Connection", "keep-alive");
    return true;
}

}  // namespace looplab::http
