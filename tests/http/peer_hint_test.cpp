// tests/http/peer_hint_test.cpp: a response head that is a TLS record or an HTTP/2 frame is
// reported as what the peer is (peer_hint.hpp), by both clients, not as a parser detail.
#include "http/client/peer_hint.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "http/client/blocking_client.hpp"
#include "http/client/client_errors.hpp"
#include "http/client/client_session.hpp"
#include "http/support/scripted_server.hpp"
#include "net/support/fd_leak_check.hpp"
#include "net/support/net_test_loop.hpp"
#include "runtime/looplab.hpp"

namespace looplab::http {
namespace {

using detail::peer_kind;
using detail::PeerKind;
using testing::read_request_head;
using testing::ScriptedServer;
using testing::wait_for_client_close;
using testing::write_all;

// What an https port sends to a plain-text request: a fatal alert (protocol_version) ...
const std::string kTlsAlert("\x15\x03\x01\x00\x02\x02\x46", 7);
// ... or the start of a handshake record (a ServerHello would follow).
const std::string kTlsHandshake("\x16\x03\x03\x00\x5a\x02\x00\x00\x56\x03\x03", 11);
// An HTTP/2 server's preface: an empty SETTINGS frame, then (to an HTTP/1.1 request) a
// GOAWAY with PROTOCOL_ERROR, and the server closes.
const std::string kHttp2Settings("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9);
const std::string kHttp2SettingsWithValues(
    "\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64", 15);
const std::string kHttp2Goaway(
    "\x00\x00\x08\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 17);

TEST(PeerKind, RecognisesTlsRecords) {
    EXPECT_EQ(peer_kind(kTlsAlert), PeerKind::tls);
    EXPECT_EQ(peer_kind(kTlsHandshake), PeerKind::tls);
    EXPECT_EQ(peer_kind(kTlsHandshake.substr(0, 2)), PeerKind::tls);
}

TEST(PeerKind, RecognisesAnHttp2SettingsFrameAndThePreface) {
    EXPECT_EQ(peer_kind(kHttp2Settings), PeerKind::http2);
    EXPECT_EQ(peer_kind(kHttp2SettingsWithValues), PeerKind::http2);
    EXPECT_EQ(peer_kind(std::string("\x00\x00\x00\x04\x01\x00\x00\x00\x00", 9)), PeerKind::http2)
        << "a SETTINGS ACK";
    EXPECT_EQ(peer_kind("PRI * HTTP/2.0\r\n\r\nSM"), PeerKind::http2);
}

TEST(PeerKind, LeavesHttp1AndOtherBytesAlone) {
    EXPECT_EQ(peer_kind("HTTP/1.1 200 OK\r\n"), PeerKind::unknown);
    EXPECT_EQ(peer_kind("SSH-2.0-OpenSSH_9.2"), PeerKind::unknown);
    EXPECT_EQ(peer_kind(""), PeerKind::unknown);
    EXPECT_EQ(peer_kind(kHttp2Settings.substr(0, 8)), PeerKind::unknown) << "too few to tell";
    EXPECT_EQ(peer_kind(kHttp2Goaway), PeerKind::unknown) << "a frame, but not the preface's";
    EXPECT_EQ(peer_kind(std::string("\x00\x00\x05\x04\x00\x00\x00\x00\x00", 9)), PeerKind::unknown)
        << "a SETTINGS length must be a multiple of 6";
}

TEST(MalformedHeadMessage, NamesThePeerAndTheFixThenTheParsersDetail) {
    const Url url = Url::parse("http://127.0.0.1:8443/x?y=1");
    EXPECT_EQ(detail::malformed_head_message(url, "NUL byte in response head", kTlsAlert),
              "the server at 127.0.0.1:8443 answered with TLS, not HTTP: use "
              "https://127.0.0.1:8443/x?y=1 (NUL byte in response head)");
    const std::string h2 = detail::malformed_head_message(url, "detail", kHttp2Settings);
    EXPECT_TRUE(h2.starts_with("the server at 127.0.0.1:8443 speaks HTTP/2 only")) << h2;
    EXPECT_EQ(detail::malformed_head_message(url, "bad status", "HTTP/1.1 2x0"),
              "malformed response from http://127.0.0.1:8443/x?y=1: bad status");
}

// ---- Both clients ---------------------------------------------------------------------------

class PeerHint : public net::testing::NoFdLeaks {};

ScriptedServer::Handler answer_with(const std::string& bytes, bool close_after) {
    return [&bytes, close_after](int fd, int) {
        read_request_head(fd);
        write_all(fd, bytes);
        if (!close_after) wait_for_client_close(fd, 5000);
    };
}

std::string blocking_error(const std::string& url) {
    blocking::Options options;
    options.read_timeout = std::chrono::milliseconds(2000);
    try {
        blocking::get(url, options);
        return "no error";
    } catch (const ClientProtocolError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("unexpected: ") + e.what();
    }
}

std::string session_error(const std::string& url) {
    auto main = [&](EventLoop&) -> Coro<std::string> {
        ClientSessionOptions options;
        options.timeout.sock_read = std::chrono::milliseconds(2000);
        ClientSession session(options);
        std::string outcome = "no error";
        try {
            ClientResponse r = co_await session.get(url);
        } catch (const ClientProtocolError& e) {
            outcome = e.what();
        } catch (const std::exception& e) {
            outcome = std::string("unexpected: ") + e.what();
        }
        co_await session.close();
        co_return outcome;
    };
    return net::testing::run_net_test(main, std::chrono::seconds(20));
}

TEST_F(PeerHint, BothClientsSayATlsPortAnsweredWithTls) {
    for (const std::string* bytes : {&kTlsAlert, &kTlsHandshake}) {
        ScriptedServer server(answer_with(*bytes, /*close_after=*/true));
        const std::string port_url = server.url("/path");
        const std::string https = "use https://" + port_url.substr(7);
        for (const std::string& message : {blocking_error(port_url), session_error(port_url)}) {
            EXPECT_NE(message.find("answered with TLS, not HTTP"), std::string::npos) << message;
            EXPECT_NE(message.find(https), std::string::npos) << message;
        }
    }
}

TEST_F(PeerHint, BothClientsSayAnHttp2OnlyServerSpeaksHttp2) {
    const std::string settings_then_goaway = kHttp2SettingsWithValues + kHttp2Goaway;
    for (bool close_after : {true, false}) {
        ScriptedServer server(answer_with(settings_then_goaway, close_after));
        for (const std::string& message :
             {blocking_error(server.url()), session_error(server.url())}) {
            EXPECT_NE(message.find("speaks HTTP/2 only"), std::string::npos)
                << "close_after=" << close_after << ": " << message;
        }
    }
}

}  // namespace
}  // namespace looplab::http
