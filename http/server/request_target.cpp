// http/server/request_target.cpp: the four request-target forms (request_target.hpp).
#include "http/server/request_target.hpp"

#include "http/proto/detail/grammar.hpp"
#include "http/proto/protocol_error.hpp"

namespace looplab::http {

namespace {

constexpr int kBadRequest = 400;

[[noreturn]] void fail(std::string_view target, std::string_view why) {
    throw ProtocolError(
        "invalid request target " + detail::quote(target) + " (" + std::string(why) + ")",
        kBadRequest);
}

// "/a/b?x=1" -> path "/a/b", query "x=1".
RequestTarget split_path(RequestTarget::Form form, std::string_view path_and_query) {
    RequestTarget out;
    out.form = form;
    const std::size_t question = path_and_query.find('?');
    out.path.assign(path_and_query.substr(0, question));
    if (out.path.empty()) out.path = "/";
    if (question != std::string_view::npos) out.query.assign(path_and_query.substr(question + 1));
    return out;
}

// "http://host:8080/a?b" -> "/a?b"; "http://host" -> "". False if `target` is not an absolute
// http or https URI with an authority.
bool absolute_path_and_query(std::string_view target, std::string_view& path_and_query) {
    const std::size_t colon_slashes = target.find("://");
    if (colon_slashes == std::string_view::npos) return false;
    const std::string_view scheme = target.substr(0, colon_slashes);
    if (!detail::iequals(scheme, "http") && !detail::iequals(scheme, "https")) return false;
    const std::string_view rest = target.substr(colon_slashes + 3);
    const std::size_t authority_end = rest.find_first_of("/?");
    if (authority_end == 0 || rest.empty()) return false;  // "http:///x": no authority
    path_and_query =
        authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
    return true;
}

}  // namespace

RequestTarget parse_request_target(std::string_view method, std::string_view target) {
    // A fragment is the client's own business and never part of a request (RFC 9112 3.2).
    if (target.find('#') != std::string_view::npos) fail(target, "a fragment is never sent");
    if (method == "CONNECT") {
        // authority-form = uri-host ":" port: CONNECT names where to tunnel, nothing else.
        const std::size_t colon = target.rfind(':');
        if (target.find('/') != std::string_view::npos || colon == std::string_view::npos ||
            colon == 0 || colon + 1 == target.size())
            fail(target, "CONNECT takes host:port");
        RequestTarget out;
        out.form = RequestTarget::Form::authority;
        return out;
    }
    if (target == "*") {
        if (method != "OPTIONS") fail(target, "'*' is only for OPTIONS");
        RequestTarget out;
        out.form = RequestTarget::Form::asterisk;
        out.path = "*";
        return out;
    }
    if (target.front() == '/') return split_path(RequestTarget::Form::origin, target);
    std::string_view path_and_query;
    if (absolute_path_and_query(target, path_and_query))
        return split_path(RequestTarget::Form::absolute, path_and_query);
    fail(target, "expected /path, http://host/path, or * for OPTIONS");
}

}  // namespace looplab::http
