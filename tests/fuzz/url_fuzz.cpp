// tests/fuzz/url_fuzz.cpp: libFuzzer target for Url::parse.
//
// Python: urllib.parse.urlsplit's round-trip property (urlunsplit(urlsplit(u)) == u, for the
//         parts it keeps)
//
// The whole input is the URL. Invariants, besides memory safety:
//   1. parse() either returns or throws InvalidUrl (anything else escapes and aborts);
//   2. what it returns is usable as documented: a non-empty host, a port in 1..65535, a path
//      that starts with '/', a target that is path plus "?query";
//   3. str() parses back to the same host, port, path and query (the URL a client logs is the
//      one it fetched).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/proto/url.hpp"
#include "support/fuzz_check.hpp"

namespace looplab::http::fuzz {
namespace {

std::string describe(const Url& url) {
    return "host [" + url.host() + "] ipv6 " + std::to_string(url.is_ipv6()) + " port " +
           std::to_string(url.port()) + " path [" + url.path() + "] query [" + url.query() + "]";
}

void check_usable(const Url& url) {
    check(!url.host().empty(), "a parsed URL has a host");
    check(url.port() != 0, "a parsed URL has a port in 1..65535");
    check(!url.path().empty() && url.path().front() == '/', "the path starts with '/'");
    const std::string expected = url.query().empty() ? url.path() : url.path() + "?" + url.query();
    check_equal("target() is path and query", expected, url.target());
}

}  // namespace
}  // namespace looplab::http::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace looplab::http;
    using namespace looplab::http::fuzz;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    Url url;
    try {
        url = Url::parse(text);
    } catch (const InvalidUrl&) {
        return 0;
    }
    check_usable(url);
    Url again;
    try {
        again = Url::parse(url.str());
    } catch (const InvalidUrl& e) {
        fail("str() parses back", url.str(), e.what());
    }
    check_equal("round trip through str()", describe(url), describe(again));
    return 0;
}
