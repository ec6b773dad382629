// http/server/request_target.hpp: the path and query a request asks for, from whichever of the
// four request-target forms it was sent in.
//
// RFC:     9112 section 3.2 (origin-form, absolute-form, authority-form, asterisk-form)
// aiohttp: web_request.BaseRequest.path / .query_string, from yarl.URL of the target
// nginx:   ngx_http_parse_request_line's "schema://host" branch, then routing by the path
//
//   origin-form     GET /users/1?x=2 HTTP/1.1        what every client sends to a server
//   absolute-form   GET http://host/users/1 HTTP/1.1  what a client sends to a proxy; a server
//                                                    MUST accept it (RFC 9112 3.2.2) and use
//                                                    its authority instead of Host
//   authority-form  CONNECT host:443 HTTP/1.1         CONNECT only (3.2.3)
//   asterisk-form   OPTIONS * HTTP/1.1                OPTIONS only: "the server as a whole"
//
// The parser (http/proto/) only checks that a target is printable ASCII without spaces, which
// is all framing needs; which form it is, and whether the method may use it, is the server's
// question, answered here before routing. Routes see only the path: an absolute-form request
// reaches the same handler as its origin-form twin.
#pragma once

#include <string>
#include <string_view>

namespace looplab::http {

struct RequestTarget {
    enum class Form { origin, absolute, authority, asterisk };
    Form form = Form::origin;
    // Origin and absolute form: the path, "/" when an absolute-form target has none.
    // Asterisk form: "*". Authority form: empty (there is no path; CONNECT names a host).
    std::string path;
    std::string query;  // after '?', without it; empty if there is none
};

// Throws ProtocolError (400) for a target in none of the forms ("index.html", "ftp://h/x", a
// fragment "#..."), and for a form the method may not use ("GET *", "GET host:80",
// "CONNECT /").
RequestTarget parse_request_target(std::string_view method, std::string_view target);

}  // namespace looplab::http
