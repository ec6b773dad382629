// tests/http/url_test.cpp: http:// URL parsing, valid and invalid.
#include <gtest/gtest.h>

#include <string>

#include "http/proto/url.hpp"

namespace looplab::http {
namespace {

std::string url_error(std::string_view text) {
    try {
        Url::parse(text);
    } catch (const InvalidUrl& error) {
        return error.what();
    }
    ADD_FAILURE() << "no InvalidUrl for " << text;
    return "";
}

bool mentions(const std::string& text, std::string_view needle) {
    return text.find(needle) != std::string::npos;
}

TEST(Url, PlainUrlDefaultsToPort80AndKeepsPathAndQuery) {
    const Url url = Url::parse("http://example.com/a/b?x=1&y=2");
    EXPECT_EQ(url.scheme(), "http");
    EXPECT_EQ(url.host(), "example.com");
    EXPECT_EQ(url.port(), 80);
    EXPECT_EQ(url.path(), "/a/b");
    EXPECT_EQ(url.query(), "x=1&y=2");
    EXPECT_EQ(url.target(), "/a/b?x=1&y=2");
    EXPECT_EQ(url.host_header(), "example.com");
    EXPECT_FALSE(url.is_ipv6());
}

TEST(Url, EmptyPathBecomesSlash) {
    EXPECT_EQ(Url::parse("http://example.com").target(), "/");
    EXPECT_EQ(Url::parse("http://example.com?q").target(), "/?q");
    EXPECT_EQ(Url::parse("http://example.com:8080").path(), "/");
}

TEST(Url, ExplicitPortAppearsInHostHeaderUnlessItIs80) {
    const Url url = Url::parse("http://127.0.0.1:8080/x");
    EXPECT_EQ(url.host(), "127.0.0.1");
    EXPECT_EQ(url.port(), 8080);
    EXPECT_EQ(url.host_header(), "127.0.0.1:8080");
    EXPECT_EQ(Url::parse("http://h:80/").host_header(), "h");
    EXPECT_EQ(Url::parse("http://h:65535/").port(), 65535);
}

TEST(Url, Ipv6LiteralsKeepBracketsOnlyInTheHostHeader) {
    const Url url = Url::parse("http://[::1]:8080/x");
    EXPECT_TRUE(url.is_ipv6());
    EXPECT_EQ(url.host(), "::1");
    EXPECT_EQ(url.port(), 8080);
    EXPECT_EQ(url.host_header(), "[::1]:8080");
    EXPECT_EQ(url.str(), "http://[::1]:8080/x");
    const Url plain = Url::parse("http://[2001:db8::ffff:1.2.3.4]/");
    EXPECT_EQ(plain.host(), "2001:db8::ffff:1.2.3.4");
    EXPECT_EQ(plain.host_header(), "[2001:db8::ffff:1.2.3.4]");
}

TEST(Url, FragmentIsDropped) {
    const Url url = Url::parse("http://h/p?q=1#section");
    EXPECT_EQ(url.target(), "/p?q=1");
    EXPECT_EQ(Url::parse("http://h#frag").target(), "/");
    EXPECT_EQ(Url::parse("http://h/p#a?b").target(), "/p");
}

TEST(Url, SchemeIsCaseInsensitive) {
    EXPECT_EQ(Url::parse("HTTP://Example.COM/").host(), "Example.COM");
}

TEST(Url, HttpsDefaultsToPort443AndLeavesItOutOfTheHostHeader) {
    const Url url = Url::parse("HTTPS://Example.COM/a?b");
    EXPECT_TRUE(url.is_tls());
    EXPECT_EQ(url.scheme(), "https");
    EXPECT_EQ(url.port(), 443);
    EXPECT_EQ(url.host_header(), "Example.COM");
    EXPECT_EQ(url.str(), "https://Example.COM/a?b");
    EXPECT_FALSE(Url::parse("http://h/").is_tls());
}

TEST(Url, TheOtherSchemesDefaultPortIsSpelledOut) {
    EXPECT_EQ(Url::parse("https://h:80/").host_header(), "h:80");
    EXPECT_EQ(Url::parse("http://h:443/").host_header(), "h:443");
    EXPECT_EQ(Url::parse("https://[::1]:8443/x").str(), "https://[::1]:8443/x");
    EXPECT_EQ(Url::parse("https://h:443/").str(), "https://h/");
}

TEST(Url, OtherSchemesAndMissingSchemesAreRejected) {
    EXPECT_EQ(url_error("ftp://example.com/"),
              "unsupported URL scheme 'ftp' (only http:// and https:// are supported)");
    EXPECT_TRUE(mentions(url_error("example.com/path"), "has no scheme and host"));
    EXPECT_TRUE(mentions(url_error("http:/example.com"), "has no scheme and host"));
    EXPECT_TRUE(mentions(url_error("example.com:8080/path"), "has no scheme and host"));
}

TEST(Url, InvalidPortsAreRejected) {
    EXPECT_TRUE(mentions(url_error("http://h:0/"), "port 0"));
    EXPECT_TRUE(mentions(url_error("http://h:65536/"), "out of range"));
    EXPECT_TRUE(mentions(url_error("http://h:99999999999999999999/"), "out of range"));
    EXPECT_TRUE(mentions(url_error("http://h:8o/"), "invalid port '8o'"));
    EXPECT_TRUE(mentions(url_error("http://h:-1/"), "invalid port"));
    EXPECT_TRUE(mentions(url_error("http://h:/"), "empty port"));
    EXPECT_TRUE(mentions(url_error("http://[::1]:x/"), "invalid port"));
}

TEST(Url, EmptyHostIsRejected) {
    EXPECT_TRUE(mentions(url_error("http:///path"), "has no host"));
    EXPECT_TRUE(mentions(url_error("http://:8080/"), "has no host"));
    EXPECT_TRUE(mentions(url_error("http://[]/"), "invalid IPv6 literal"));
}

TEST(Url, UserinfoIsRejectedWithAnExplanation) {
    EXPECT_TRUE(mentions(url_error("http://user:pw@example.com/"),
                         "userinfo (user:password@) in URLs is not supported"));
}

TEST(Url, ControlBytesAndSpacesAroundOrInTheHostAreRejected) {
    EXPECT_TRUE(mentions(url_error(" http://h/"), "invalid byte 0x20 at offset 0"));
    EXPECT_TRUE(mentions(url_error("http://h/ "), "invalid byte 0x20 at offset 9"));
    EXPECT_TRUE(mentions(url_error("http://a b/"), "invalid byte 0x20 at offset 8"));
    EXPECT_TRUE(mentions(url_error("http://h/\x01"), "invalid byte 0x01"));
    EXPECT_TRUE(mentions(url_error("http://h/\x7f"), "invalid byte 0x7f"));
    EXPECT_TRUE(mentions(url_error("http://h/\r\nX: y"), "invalid byte 0x0d"));
}

TEST(Url, UnsafeBytesInThePathAndQueryArePercentEncodedAsRequestsDoes) {
    EXPECT_EQ(Url::parse("http://h/a b").target(), "/a%20b");
    EXPECT_EQ(Url::parse("http://h/\"<>{}|^`\\").path(), "/%22%3C%3E%7B%7D%7C%5E%60%5C");
    EXPECT_EQ(Url::parse("http://h/caf\xc3\xa9?q=\xc3\xa9 x").target(), "/caf%C3%A9?q=%C3%A9%20x");
    // Valid escapes and everything RFC 3986 allows stay as they are; a stray '%' is quoted.
    EXPECT_EQ(Url::parse("http://h/a%2Fb;c=d@e:f!$&'()*+,?x=/?&y").target(),
              "/a%2Fb;c=d@e:f!$&'()*+,?x=/?&y");
    EXPECT_EQ(Url::parse("http://h/100%?p=5%zz%4").target(), "/100%25?p=5%25zz%254");
}

TEST(Url, DotSegmentsAreRemovedFromThePath) {
    EXPECT_EQ(Url::parse("http://h/dir/../up").path(), "/up");
    EXPECT_EQ(Url::parse("http://h/a/./b/../../c/").path(), "/c/");
    EXPECT_EQ(Url::parse("http://h/../../x?../y").target(), "/x?../y");
    EXPECT_EQ(Url::parse("http://h/a/..").path(), "/");
}

TEST(Url, ANonAsciiHostNamesIdna) {
    EXPECT_TRUE(mentions(url_error("http://b\xc3\xbc"
                                   "cher.example/"),
                         "IDNA"));
}

TEST(Url, ParamsAreFormEncodedAndAppendedToTheQuery) {
    const Url url = Url::parse("http://h/search?x=1");
    EXPECT_EQ(url.with_params({{"q", "a b&c=d"}, {"lang", "caf\xc3\xa9"}, {"q", "2"}}).target(),
              "/search?x=1&q=a+b%26c%3Dd&lang=caf%C3%A9&q=2");
    EXPECT_EQ(Url::parse("http://h/").with_params({{"*-._", "~"}}).target(), "/?*-._=%7E");
    EXPECT_EQ(url.with_params({}).target(), "/search?x=1");
    EXPECT_EQ(form_urlencode({{"a", ""}, {"", "b"}}), "a=&=b");
}

// ---- RFC 3986 section 5.4: reference resolution ---------------------------------------------

struct Example {
    const char* reference;
    const char* target;
};

// Section 5.4.1, "Normal Examples", and 5.4.2, "Abnormal Examples" (strict parser), with the
// base URI of section 5.4.
constexpr const char* kBase = "http://a/b/c/d;p?q";
constexpr Example kExamples[] = {
    {"g:h", "g:h"},
    {"g", "http://a/b/c/g"},
    {"./g", "http://a/b/c/g"},
    {"g/", "http://a/b/c/g/"},
    {"/g", "http://a/g"},
    {"//g", "http://g"},
    {"?y", "http://a/b/c/d;p?y"},
    {"g?y", "http://a/b/c/g?y"},
    {"#s", "http://a/b/c/d;p?q#s"},
    {"g#s", "http://a/b/c/g#s"},
    {"g?y#s", "http://a/b/c/g?y#s"},
    {";x", "http://a/b/c/;x"},
    {"g;x", "http://a/b/c/g;x"},
    {"g;x?y#s", "http://a/b/c/g;x?y#s"},
    {"", "http://a/b/c/d;p?q"},
    {".", "http://a/b/c/"},
    {"./", "http://a/b/c/"},
    {"..", "http://a/b/"},
    {"../", "http://a/b/"},
    {"../g", "http://a/b/g"},
    {"../..", "http://a/"},
    {"../../", "http://a/"},
    {"../../g", "http://a/g"},
    // 5.4.2
    {"../../../g", "http://a/g"},
    {"../../../../g", "http://a/g"},
    {"/./g", "http://a/g"},
    {"/../g", "http://a/g"},
    {"g.", "http://a/b/c/g."},
    {".g", "http://a/b/c/.g"},
    {"g..", "http://a/b/c/g.."},
    {"..g", "http://a/b/c/..g"},
    {"./../g", "http://a/b/g"},
    {"./g/.", "http://a/b/c/g/"},
    {"g/./h", "http://a/b/c/g/h"},
    {"g/../h", "http://a/b/c/h"},
    {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
    {"g;x=1/../y", "http://a/b/c/y"},
    {"g?y/./x", "http://a/b/c/g?y/./x"},
    {"g?y/../x", "http://a/b/c/g?y/../x"},
    {"g#s/./x", "http://a/b/c/g#s/./x"},
    {"g#s/../x", "http://a/b/c/g#s/../x"},
    {"http:g", "http:g"},
};

TEST(UrlReference, ResolvesEveryExampleOfRfc3986Section54) {
    for (const Example& e : kExamples) {
        EXPECT_EQ(resolve_reference(kBase, e.reference), e.target) << "reference " << e.reference;
    }
}

TEST(UrlReference, UrlResolveGivesTheSameUrlsWithoutTheFragment) {
    const Url base = Url::parse(kBase);
    for (const Example& e : kExamples) {
        const std::string_view target(e.target);
        if (!target.starts_with("http://")) continue;  // "g:h" and the strict "http:g"
        EXPECT_EQ(base.resolve(e.reference).str(), Url::parse(target).str())
            << "reference " << e.reference;
    }
    EXPECT_TRUE(mentions(url_error("g:h"), "has no scheme and host"));
}

TEST(UrlReference, ASchemeInTheQueryIsNotAnAbsoluteUrl) {
    const Url base = Url::parse("http://h:8080/dir/page?x=1");
    EXPECT_EQ(base.resolve("/anything?next=http://example.com/").str(),
              "http://h:8080/anything?next=http://example.com/");
    EXPECT_EQ(base.resolve("?q=1").str(), "http://h:8080/dir/page?q=1");
    EXPECT_EQ(base.resolve("../up").str(), "http://h:8080/up");
    EXPECT_EQ(base.resolve("//other/p").str(), "http://other/p");
    EXPECT_EQ(base.resolve("HTTP://Other:81").str(), "http://Other:81/");
}

TEST(UrlReference, AnHttpsBaseKeepsItsSchemeForSchemeRelativeAndPathReferences) {
    const Url base = Url::parse("https://h/a/b");
    EXPECT_EQ(base.resolve("//other/p").str(), "https://other/p");
    EXPECT_EQ(base.resolve("c").str(), "https://h/a/c");
    EXPECT_EQ(base.resolve("http://h/").str(), "http://h/");
    EXPECT_EQ(base.resolve("//other:443/").port(), 443);
}

TEST(UrlReference, RemoveDotSegmentsFollowsSection524) {
    EXPECT_EQ(remove_dot_segments("/a/b/c/./../../g"), "/a/g");
    EXPECT_EQ(remove_dot_segments("mid/content=5/../6"), "mid/6");
    EXPECT_EQ(remove_dot_segments("/.."), "/");
    EXPECT_EQ(remove_dot_segments(""), "");
}

TEST(Url, MalformedHostsAreRejected) {
    EXPECT_TRUE(mentions(url_error("http://::1/"), "must be in brackets"));
    EXPECT_TRUE(mentions(url_error("http://[::1/"), "unterminated IPv6 literal"));
    EXPECT_TRUE(mentions(url_error("http://[::1]x/"), "after IPv6 literal"));
    EXPECT_TRUE(mentions(url_error("http://[fe80::1%25eth0]/"), "zone identifiers"));
    EXPECT_TRUE(mentions(url_error("http://[example.com]/"), "invalid IPv6 literal"));
    EXPECT_TRUE(mentions(url_error("http://exa<mple.com/"), "invalid character '<' in host"));
}

}  // namespace
}  // namespace looplab::http
