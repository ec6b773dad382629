// http/idna/idna.hpp: internationalized host names (IDNA) for both clients: "bücher.example"
// becomes "xn--bcher-kva.example" before Url::parse sees it.
//
// Python:  the "idna" codec that requests applies to a URL's host (urllib3's _idna_encode)
// curl:    its libidn2 build, which converts a non-ASCII host before resolving it
//
// DNS and the Host header carry ASCII only, so a name written in another script travels in its
// Punycode form (RFC 5891, with UTS #46's mapping that also lowercases it, as browsers do).
// This is a room of its own (looplab::http_idna) and not part of http/proto/url.cpp because it
// needs libidn2 (Debian: libidn2-dev), and http/proto links nothing but the standard library;
// the clients link it. Built without libidn2, a non-ASCII
// host is an InvalidUrl that says what to install; every ASCII URL works either way.
#pragma once

#include <string>
#include <string_view>

#include "http/proto/url.hpp"

namespace looplab::http {

// The ASCII form of a host name ("Bücher.example" -> "xn--bcher-kva.example"); an ASCII name
// comes back as it is. Throws InvalidUrl for a name IDNA refuses, or when looplab was built
// without libidn2.
std::string idna_to_ascii(std::string_view host);

// Whether idna_to_ascii can convert non-ASCII names in this build.
bool has_idna() noexcept;

// Url::parse, after the host (if it is not ASCII) went through idna_to_ascii: what both clients
// call on every URL they are given and every redirect target they follow.
Url parse_url(std::string_view text);

}  // namespace looplab::http
