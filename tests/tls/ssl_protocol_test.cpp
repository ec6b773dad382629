// tests/tls/ssl_protocol_test.cpp: SSLProtocol over scripted transports, on virtual time.
//
// asyncio: test_sslproto.py (SSLProtocol with mock transports: handshake timeout, close during
//          the handshake, flow control, get_extra_info).
//
// No socket: each SSLProtocol sits on a ScriptedTransport, and the test moves the ciphertext
// (pump_both), so every step is explicit and the timeouts are exact loop times.
#include "net/tls/ssl_protocol.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/errors.hpp"
#include "net/support/net_test_loop.hpp"
#include "net/support/recording_protocol.hpp"
#include "net/tls/ssl_errors.hpp"
#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "tls/support/engine_pair.hpp"
#include "tls/support/scripted_transport.hpp"
#include "tls/support/test_certs.hpp"

namespace looplab::net::tls {
namespace {

using namespace std::chrono_literals;
using net::testing::RecordingProtocol;
using testing::pump;
using testing::pump_both;
using testing::ScriptedTransport;

// One end: the app's protocol, the SSLProtocol under it, and the scripted transport under that.
struct Side {
    std::shared_ptr<RecordingProtocol> app;
    std::shared_ptr<SSLProtocol> ssl;
    std::shared_ptr<ScriptedTransport> below;
    Future<void> handshake;

    Transport& app_transport() const { return *ssl->app_transport(); }
};

class SSLProtocolTest : public ::testing::Test {
protected:
    SSLProtocolTest() : loop_(options()) {}

    EventLoopOptions options() {
        EventLoopOptions o;
        o.clock = &clock_;
        return o;
    }

    // Every side a test made is ended here: an SSLProtocol and its SSLTransport hold each
    // other until connection_lost (ssl_protocol.hpp), as a live connection should.
    void TearDown() override {
        for (Side& side : sides_) {
            if (!side.below->lost) side.below->abort();
        }
        run_until([] { return false; }, 10);
        sides_.clear();
    }

    Side make_side(const std::shared_ptr<SSLContext>& context, SSLProtocolOptions options = {}) {
        Side side;
        side.app = std::make_shared<RecordingProtocol>(loop_);
        side.handshake = loop_.create_future<void>();
        side.ssl = std::make_shared<SSLProtocol>(loop_, side.app, context, side.handshake, options);
        side.below = std::make_shared<ScriptedTransport>(loop_, side.ssl);
        sides_.push_back(side);
        return side;
    }
    Side client(SSLProtocolOptions options = {}) {
        options.server_hostname = "localhost";
        return make_side(testing::client_context(), std::move(options));
    }
    Side server(SSLProtocolOptions options = {}) {
        return make_side(testing::server_context(), std::move(options));
    }
    // A client and a server with the handshake done.
    std::pair<Side, Side> connected() {
        Side c = client();
        Side s = server();
        c.below->connect();
        s.below->connect();
        pump_both(*c.below, *s.below);
        EXPECT_EQ(c.ssl->state(), SSLProtocolState::wrapped);
        EXPECT_EQ(s.ssl->state(), SSLProtocolState::wrapped);
        return {c, s};
    }
    // Runs the loop until done() or `iterations` have passed (virtual time may jump). A far
    // timer keeps an iteration with nothing to do from blocking in the selector: with a
    // virtual clock the loop never sleeps while a timer is pending.
    // (With auto-advance the loop may jump to that timer too; it is then set again.)
    void run_until(const std::function<bool()>& done, int iterations = 100) {
        bool fired = true;
        TimerHandle keep_polling;
        for (int i = 0; i < iterations && !done(); ++i) {
            if (fired) {
                fired = false;
                keep_polling = loop_.call_later(std::chrono::hours(24), [&fired] { fired = true; });
            }
            loop_.run_once();
        }
        keep_polling.cancel();
    }
    std::exception_ptr failure_of(Future<void>& future) {
        run_until([&] { return future.done(); });
        EXPECT_TRUE(future.done());
        return future.done() ? future.exception() : nullptr;
    }

    ManualClock clock_{/*auto_advance=*/false};
    EventLoop loop_;
    std::vector<Side> sides_;
};

// The exception in error if it is an E (a copy), else nothing.
template <class E>
std::optional<E> as(const std::exception_ptr& error) {
    try {
        if (error) std::rethrow_exception(error);
    } catch (const E& e) {
        return e;
    } catch (...) {
    }
    return std::nullopt;
}

TEST_F(SSLProtocolTest, TheAppIsConnectedOnlyOnceTheHandshakeIsDone) {
    Side c = client();
    Side s = server();
    EXPECT_EQ(c.ssl->state(), SSLProtocolState::unwrapped);
    c.below->connect();
    EXPECT_EQ(c.ssl->state(), SSLProtocolState::do_handshake);
    EXPECT_FALSE(c.below->written.empty()) << "the ClientHello";
    s.below->connect();
    EXPECT_TRUE(c.app->events.empty());
    pump_both(*c.below, *s.below);
    EXPECT_EQ(c.ssl->state(), SSLProtocolState::wrapped);
    EXPECT_EQ(c.app->events, (std::vector<std::string>{"made"}));
    EXPECT_EQ(s.app->events, (std::vector<std::string>{"made"}));
    EXPECT_TRUE(c.handshake.done());
    EXPECT_EQ(c.app->transport, &c.app_transport());
    EXPECT_EQ(to_string(c.ssl->state()), "WRAPPED");
}

TEST_F(SSLProtocolTest, TheHandshakeTimesOutAfterSixtySecondsOfLoopTime) {
    clock_.set_auto_advance(true);
    Side c = client();
    const TimePoint start = loop_.time();
    c.below->connect();  // the ClientHello goes out; no answer ever comes
    const std::exception_ptr error = failure_of(c.handshake);
    const auto timeout = as<SSLTimeoutError>(error);
    ASSERT_TRUE(timeout) << describe(error);
    EXPECT_EQ(timeout->phase(), "tls handshake");
    EXPECT_STREQ(timeout->what(), "tls handshake timed out after 60000 ms (127.0.0.1:4433)");
    EXPECT_EQ(loop_.time() - start, 60s) << "asyncio's ssl_handshake_timeout";
    EXPECT_TRUE(c.below->aborted);
    EXPECT_TRUE(c.app->events.empty()) << "an app never connected is never told";
}

TEST_F(SSLProtocolTest, AShorterHandshakeTimeoutIsHonoured) {
    clock_.set_auto_advance(true);
    SSLProtocolOptions options;
    options.ssl_handshake_timeout = 5s;
    Side s = server(options);  // a client that connects and says nothing
    const TimePoint start = loop_.time();
    s.below->connect();
    run_until([&] { return s.below->lost; });
    EXPECT_TRUE(s.below->aborted);
    EXPECT_EQ(loop_.time() - start, 5s);
    EXPECT_THROW(SSLProtocol(loop_, s.app, testing::server_context(), {},
                             SSLProtocolOptions{{}, {}, 0s, 30s, true, {}}),
                 std::invalid_argument);
}

TEST_F(SSLProtocolTest, TheShutdownTimesOutAfterThirtySecondsWhenThePeerNeverAnswers) {
    auto sides = connected();  // not a structured binding: clang 14 cannot capture those
    Side& c = sides.first;
    c.app_transport().close();
    EXPECT_EQ(c.ssl->state(), SSLProtocolState::shutdown);
    EXPECT_FALSE(c.below->written.empty()) << "our close_notify";
    clock_.set_auto_advance(true);
    const TimePoint start = loop_.time();
    const std::exception_ptr error = failure_of(c.app->lost);
    EXPECT_FALSE(error) << "the future itself succeeds";
    const auto timeout = as<SSLTimeoutError>(c.app->error);
    ASSERT_TRUE(timeout) << describe(c.app->error);
    EXPECT_EQ(timeout->phase(), "tls shutdown");
    EXPECT_EQ(loop_.time() - start, 30s) << "asyncio's ssl_shutdown_timeout";
    EXPECT_TRUE(c.below->aborted);
}

TEST_F(SSLProtocolTest, ACleanShutdownEndsBothSidesWithoutError) {
    auto sides = connected();  // not a structured binding: clang 14 cannot capture those
    Side& c = sides.first;
    Side& s = sides.second;
    c.app_transport().close();
    EXPECT_TRUE(c.app_transport().is_closing());
    pump(*c.below, *s.below);  // the server reads our close_notify and answers with its own
    EXPECT_TRUE(s.below->closed);
    pump(*s.below, *c.below);  // we read the server's: both are accounted for
    EXPECT_TRUE(c.below->closed);
    run_until([&] { return c.app->lost.done() && s.app->lost.done(); });
    EXPECT_EQ(c.app->events, (std::vector<std::string>{"made", "lost"}));
    EXPECT_EQ(s.app->events, (std::vector<std::string>{"made", "eof", "lost"}));
    EXPECT_EQ(c.app->error, nullptr);
    EXPECT_EQ(s.app->error, nullptr);
    EXPECT_EQ(c.ssl->state(), SSLProtocolState::unwrapped);
    EXPECT_EQ(c.ssl->app_transport(), nullptr) << "released: nobody else held it";
}

TEST_F(SSLProtocolTest, EndOfStreamWithoutCloseNotifyReachesTheAppAsSSLEOFErrorAfterTheData) {
    auto sides = connected();  // not a structured binding: clang 14 cannot capture those
    Side& c = sides.first;
    Side& s = sides.second;
    s.app_transport().write("partial body");
    pump(*s.below, *c.below);
    c.below->receive_eof();  // the server's TCP FIN, with no close_notify before it
    run_until([&] { return c.app->lost.done(); });
    EXPECT_EQ(c.app->received, "partial body");
    EXPECT_EQ(c.app->events, (std::vector<std::string>{"made", "data", "lost"}))
        << "no eof_received: this end is not a real one";
    EXPECT_TRUE(as<SSLEOFError>(c.app->error)) << describe(c.app->error);
    EXPECT_TRUE(c.below->aborted);
}

TEST_F(SSLProtocolTest, KeepingTheConnectionOpenAfterTheCloseNotifyLetsTheAppStillWrite) {
    // The peer is a bare engine that closes its side and goes on reading (a TLS 1.3
    // half-close); the app's eof_received returns true, as for a TCP half-close.
    Side c = client();
    c.app->keep_open_on_eof = true;
    auto peer = testing::server_context()->wrap_bio({});
    c.below->connect();
    for (int i = 0; i < 5 && c.ssl->state() != SSLProtocolState::wrapped; ++i) {
        peer->feed(c.below->take_written());
        peer->do_handshake();
        c.below->receive(peer->take_outgoing());
    }
    ASSERT_EQ(c.ssl->state(), SSLProtocolState::wrapped);
    peer->feed(c.below->take_written());  // the client's Finished
    ASSERT_TRUE(peer->do_handshake());
    EXPECT_FALSE(peer->unwrap());
    c.below->receive(peer->take_outgoing());
    EXPECT_EQ(c.app->events, (std::vector<std::string>{"made", "eof"}));
    EXPECT_FALSE(c.app_transport().is_closing());
    EXPECT_FALSE(c.app_transport().is_reading());
    c.app_transport().write("the reply");
    peer->feed(c.below->take_written());
    EXPECT_EQ(testing::read_available(*peer), "the reply");
    c.app_transport().close();
    EXPECT_TRUE(c.below->closed) << "both close_notify alerts are accounted for";
}

TEST_F(SSLProtocolTest, PlaintextWrittenBeforeTheHandshakeIsCountedAndSentAfterIt) {
    SSLProtocolOptions options;
    options.call_connection_made = false;  // start_tls: the app is connected already
    Side c = client(options);
    Side s = server();
    c.below->connect();
    s.below->connect();
    Transport& app = c.app_transport();
    const std::string big(600 * 1024, 'p');
    app.write(big);
    EXPECT_EQ(app.get_write_buffer_size(), big.size());
    EXPECT_EQ(c.app->pause_count, 1) << "600 KiB is above the 512 KiB mark";
    pump_both(*c.below, *s.below);
    EXPECT_EQ(app.get_write_buffer_size(), 0u) << "all handed to the transport";
    EXPECT_EQ(c.app->resume_count, 1);
    EXPECT_EQ(s.app->received, big);
    EXPECT_EQ(std::count(c.app->events.begin(), c.app->events.end(), "made"), 0)
        << "start_tls: no second connection_made";
}

TEST_F(SSLProtocolTest, CiphertextHeldForAPausedTransportCountsTowardTheAppsMarks) {
    auto sides = connected();  // not a structured binding: clang 14 cannot capture those
    Side& c = sides.first;
    Side& s = sides.second;
    Transport& app = c.app_transport();
    c.below->set_buffered(400 * 1024);  // the socket's own buffer
    app.write(std::string(64 * 1024, 'a'));
    EXPECT_EQ(app.get_write_buffer_size(), 400u * 1024);
    EXPECT_EQ(c.app->pause_count, 0);
    c.below->pause_protocol();  // the transport is above its high mark
    app.write(std::string(200 * 1024, 'b'));
    EXPECT_GT(app.get_write_buffer_size(), 600u * 1024) << "400 KiB below + 200 KiB held here";
    EXPECT_EQ(c.app->pause_count, 1);
    c.below->set_buffered(0);
    c.below->resume_protocol();  // drained: what we held goes out
    EXPECT_EQ(app.get_write_buffer_size(), 0u);
    EXPECT_EQ(c.app->resume_count, 1);
    pump(*c.below, *s.below);
    EXPECT_EQ(s.app->received.size(), 264u * 1024);
}

TEST_F(SSLProtocolTest, TheTransportsHighMarkIsKeptAtOrBelowTheAppsLowMark) {
    auto sides = connected();  // not a structured binding: clang 14 cannot capture those
    Side& c = sides.first;
    Transport& app = c.app_transport();
    EXPECT_EQ(app.get_write_buffer_limits(),
              (std::pair<std::size_t, std::size_t>{128 * 1024, 512 * 1024}));
    EXPECT_EQ(c.below->high_water, 64u * 1024) << "already below 128 KiB: left alone";
    app.set_write_buffer_limits(8 * 1024);
    EXPECT_EQ(app.get_write_buffer_limits(), (std::pair<std::size_t, std::size_t>{2048, 8192}));
    EXPECT_EQ(c.below->high_water, 2048u);
    EXPECT_LE(c.below->low_water, 2048u);
    EXPECT_THROW(app.set_write_buffer_limits(1, 2), std::invalid_argument);
}

TEST_F(SSLProtocolTest, PauseReadingPausesTheTransportBelowAndResumingDeliversWhatWasHeld) {
    auto sides = connected();  // not a structured binding: clang 14 cannot capture those
    Side& c = sides.first;
    Side& s = sides.second;
    Transport& app = c.app_transport();
    app.pause_reading();
    EXPECT_FALSE(c.below->reading);
    EXPECT_FALSE(app.is_reading());
    s.app_transport().write("held");
    pump(*s.below, *c.below);  // bytes that were already on their way
    EXPECT_EQ(c.app->received, "");
    app.resume_reading();
    EXPECT_TRUE(c.below->reading);
    EXPECT_EQ(c.app->received, "") << "delivered from the loop, not inside resume_reading";
    loop_.run_once();
    EXPECT_EQ(c.app->received, "held");
}

TEST_F(SSLProtocolTest, ExtraInfoDescribesTheSessionAndFallsBackToTheTransportBelow) {
    auto sides = connected();  // not a structured binding: clang 14 cannot capture those
    Side& c = sides.first;
    Side& s = sides.second;
    const Transport& app = c.app_transport();
    const auto cert = std::any_cast<PeerCertificate>(app.get_extra_info("peercert"));
    EXPECT_EQ(cert.subject, "CN=localhost,O=looplab tests");
    const auto cipher = std::any_cast<Cipher>(app.get_extra_info("cipher"));
    EXPECT_EQ(cipher.version, "TLSv1.3");
    auto* object = std::any_cast<SSLObject*>(app.get_extra_info("ssl_object"));
    EXPECT_EQ(object, &c.ssl->ssl_object());
    EXPECT_EQ(object->version(), "TLSv1.3");
    EXPECT_EQ(std::any_cast<std::string>(app.get_extra_info("server_hostname")), "localhost");
    EXPECT_EQ(std::any_cast<std::string>(s.app_transport().get_extra_info("server_hostname")),
              "localhost")
        << "the server: the SNI it received";
    EXPECT_TRUE(app.get_extra_info("sslcontext").has_value());
    EXPECT_EQ(std::any_cast<SocketAddress>(app.get_extra_info("peername")).to_string(),
              "127.0.0.1:4433");
    EXPECT_FALSE(s.app_transport().get_extra_info("peercert").has_value()) << "no client cert";
    EXPECT_FALSE(app.get_extra_info("no such thing").has_value());
}

TEST_F(SSLProtocolTest, CloseDuringTheHandshakeAbortsAndTheWaiterFails) {
    Side c = client();
    c.below->connect();
    c.app_transport().close();
    EXPECT_TRUE(c.below->aborted);
    const std::exception_ptr error = failure_of(c.handshake);
    EXPECT_TRUE(as<ConnectionAbortedError>(error)) << describe(error);
}

TEST_F(SSLProtocolTest, WriteEofIsRefusedAndWritesAfterCloseThrow) {
    auto sides = connected();  // not a structured binding: clang 14 cannot capture those
    Side& c = sides.first;
    Transport& app = c.app_transport();
    EXPECT_FALSE(app.can_write_eof());
    EXPECT_THROW(app.write_eof(), std::logic_error);
    app.close();
    EXPECT_THROW(app.write("late"), TransportClosedError);
}

TEST_F(SSLProtocolTest, AnAppProtocolThatThrowsIsReportedAndItsConnectionAborted) {
    net::testing::ExceptionLog log;
    log.install(loop_);
    auto sides = connected();  // not a structured binding: clang 14 cannot capture those
    Side& c = sides.first;
    Side& s = sides.second;
    s.app->on_data = [](Transport&, std::string_view) { throw std::runtime_error("bug"); };
    c.app_transport().write("boom");
    pump(*c.below, *s.below);
    EXPECT_TRUE(s.below->aborted);
    run_until([&] { return s.app->lost.done(); });
    ASSERT_EQ(log.messages.size(), 1u);
    EXPECT_EQ(log.messages[0], "Fatal error on SSL protocol: protocol.data_received() call failed");
    EXPECT_EQ(describe(s.app->error), "bug");
}

}  // namespace
}  // namespace looplab::net::tls
