// tests/http/client_compression_test.cpp: both clients ask for compressed bodies and hand them
// out decoded: Content-Encoding gzip / deflate / br, with Content-Length or chunked, a
// transfer-coding before chunked, decoding turned off, and a decompression bomb refused.
#include <gtest/gtest.h>

#include <mutex>
#include <string>

#include "http/client/blocking_client.hpp"
#include "http/client/client_session.hpp"
#include "http/codings/supported_codings.hpp"
#include "http/support/compress.hpp"
#include "http/support/request_reader.hpp"
#include "http/support/scripted_server.hpp"
#include "net/support/fd_leak_check.hpp"
#include "runtime/run.hpp"

namespace looplab::http {
namespace {

using testing::chunked;
using testing::compress;
using testing::gzip;
using testing::read_request;
using testing::ScriptedServer;
using testing::Wrapper;
using testing::write_all;

const std::string kText = [] {
    std::string s;
    for (int i = 0; i < 500; ++i) s += "row " + std::to_string(i) + ": compressible text\n";
    return s;
}();

struct Case {
    const char* name;
    std::string response;
    std::string expected;
};

std::string with_length(std::string_view headers, const std::string& body) {
    return "HTTP/1.1 200 OK\r\n" + std::string(headers) +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string with_chunks(std::string_view headers, const std::string& body) {
    return "HTTP/1.1 200 OK\r\n" + std::string(headers) + "Transfer-Encoding: chunked\r\n\r\n" +
           chunked(body, 333);
}

std::vector<Case> cases() {
    std::vector<Case> out{
        {"GzipWithLength", with_length("Content-Encoding: gzip\r\n", gzip(kText)), kText},
        {"GzipChunked", with_chunks("Content-Encoding: gzip\r\n", gzip(kText)), kText},
        {"DeflateWithLength",
         with_length("Content-Encoding: deflate\r\n", compress(kText, Wrapper::zlib)), kText},
        {"RawDeflateChunked",
         with_chunks("Content-Encoding: deflate\r\n", compress(kText, Wrapper::raw)), kText},
        {"TransferCodingGzipBeforeChunked",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + chunked(gzip(kText), 50),
         kText},
        {"Identity", with_length("", kText), kText},
    };
    if (codings::can_decode("br")) {
        out.push_back({"BrWithLength",
                       with_length("Content-Encoding: br\r\n", testing::kBrotliBody),
                       testing::kBrotliText});
        out.push_back({"BrChunked", with_chunks("Content-Encoding: br\r\n", testing::kBrotliBody),
                       testing::kBrotliText});
    }
    return out;
}

// Serves `response` to every request on every connection, remembering the last request head.
class CompressedServer : public net::testing::NoFdLeaks {
protected:
    void serve(std::string response) {
        server_ = std::make_unique<ScriptedServer>([this, response](int fd, int) {
            while (auto request = read_request(fd)) {
                {
                    std::lock_guard lock(mutex_);
                    head_ = request->head;
                }
                write_all(fd, response);
            }
        });
    }
    std::string head() {
        std::lock_guard lock(mutex_);
        return head_;
    }
    // The server's connection threads close their descriptors as the clients hang up: join
    // them before counting descriptors, or the count races with the last close.
    void TearDown() override {
        server_.reset();
        NoFdLeaks::TearDown();
    }
    std::unique_ptr<ScriptedServer> server_;
    std::mutex mutex_;
    std::string head_;
};

std::string session_body(const std::string& url, ClientSessionOptions options = {}) {
    std::string body;
    looplab::run([&]() -> Coro<void> {
        ClientSession session(options);
        std::exception_ptr error;
        try {
            ClientResponse r = co_await session.get(url);
            body = co_await r.read();
        } catch (...) {
            error = std::current_exception();
        }
        co_await session.close();
        if (error) std::rethrow_exception(error);
    }());
    return body;
}

TEST_F(CompressedServer, BothClientsDecodeEveryCodingWithLengthOrChunked) {
    for (const Case& c : cases()) {
        serve(c.response);
        EXPECT_EQ(session_body(server_->url()), c.expected) << c.name;
        EXPECT_NE(
            head().find(std::string("Accept-Encoding: ") + std::string(codings::accept_encoding())),
            std::string::npos)
            << head();
        blocking::Session session;
        EXPECT_EQ(session.get(server_->url()).body, c.expected) << c.name;
        EXPECT_NE(head().find("Accept-Encoding: gzip, deflate"), std::string::npos) << head();
        session.close();
        server_.reset();
    }
}

TEST_F(CompressedServer, WithAutoDecompressOffTheBodyComesAsSentAndNothingIsAskedFor) {
    const std::string body = gzip(kText);
    serve(with_length("Content-Encoding: gzip\r\n", body));
    ClientSessionOptions options;
    options.auto_decompress = false;
    EXPECT_EQ(session_body(server_->url(), options), body);
    EXPECT_EQ(head().find("Accept-Encoding"), std::string::npos) << head();
    blocking::Options blocking_options;
    blocking_options.auto_decompress = false;
    EXPECT_EQ(blocking::get(server_->url(), blocking_options).body, body);
}

TEST_F(CompressedServer, ABombIsAPayloadErrorInBothClients) {
    serve(with_chunks("Content-Encoding: gzip\r\n", gzip(std::string(8 * 1024 * 1024, 'z'))));
    ClientSessionOptions options;
    options.decode_limits.max_size = 1024 * 1024;
    try {
        session_body(server_->url(), options);
        ADD_FAILURE() << "no ClientPayloadError";
    } catch (const ClientPayloadError& e) {
        EXPECT_NE(std::string(e.what()).find("decompression bomb"), std::string::npos) << e.what();
    }
    blocking::Options blocking_options;
    blocking_options.decode_limits.max_size = 1024 * 1024;
    EXPECT_THROW(blocking::get(server_->url(), blocking_options), ClientPayloadError);
}

TEST_F(CompressedServer, CorruptGzipIsAPayloadErrorInBothClients) {
    std::string body = gzip(kText);
    body.resize(body.size() / 2);
    serve(with_length("Content-Encoding: gzip\r\n", body));
    EXPECT_THROW(session_body(server_->url()), ClientPayloadError);
    EXPECT_THROW(blocking::get(server_->url()), ClientPayloadError);
}

}  // namespace
}  // namespace looplab::http
