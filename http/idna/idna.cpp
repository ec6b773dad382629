// http/idna/idna.cpp: see idna.hpp. LOOPLAB_HAVE_IDN2 is defined by CMake when libidn2 was
// found (pkg-config libidn2).
#include "http/idna/idna.hpp"

#include <cstdlib>

#ifdef LOOPLAB_HAVE_IDN2
#include <idn2.h>
#endif

namespace looplab::http {

namespace {

bool is_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

}  // namespace

bool has_idna() noexcept {
#ifdef LOOPLAB_HAVE_IDN2
    return true;
#else
    return false;
#endif
}

std::string idna_to_ascii(std::string_view host) {
    if (is_ascii(host)) return std::string(host);
#ifdef LOOPLAB_HAVE_IDN2
    const std::string input(host);
    char* output = nullptr;
    // NFC first, then UTS #46's non-transitional mapping (lowercases, keeps ß as ß): what
    // browsers and curl do.
    const int rc = idn2_to_ascii_8z(input.c_str(), &output, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
        throw InvalidUrl("host '" + input + "' is not a valid internationalized name (IDNA: " +
                         idn2_strerror(rc) + ")");
    }
    std::string ascii(output);
    idn2_free(output);
    return ascii;
#else
    throw InvalidUrl("host '" + std::string(host) +
                     "' is not ASCII and this looplab was built without libidn2: install "
                     "libidn2-dev and rebuild, or write the host in its xn-- (Punycode) form");
#endif
}

Url parse_url(std::string_view text) {
    if (is_ascii(text)) return Url::parse(text);
    // The host sits between "//" and the next '/', '?' or '#' (after any userinfo, which
    // Url::parse refuses with its own message, and before any port).
    const std::size_t start = text.find("//");
    if (start == std::string_view::npos) return Url::parse(text);
    const std::size_t end = text.find_first_of("/?#", start + 2);
    std::string_view authority = text.substr(
        start + 2, end == std::string_view::npos ? std::string_view::npos : end - start - 2);
    if (authority.find('@') != std::string_view::npos || authority.starts_with('['))
        return Url::parse(text);
    const std::string_view host = authority.substr(0, authority.find(':'));
    if (is_ascii(host)) return Url::parse(text);
    std::string rewritten(text.substr(0, start + 2));
    rewritten += idna_to_ascii(host);
    rewritten += text.substr(start + 2 + host.size());
    return Url::parse(rewritten);
}

}  // namespace looplab::http
