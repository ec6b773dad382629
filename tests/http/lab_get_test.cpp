// tests/http/lab_get_test.cpp: the lab-get tool, run as a separate process, against scripted
// servers: what it writes to stdout, the one line it writes to stderr, and its exit code for
// each class of failure (the table in tools/lab_get.cpp).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/server/demo_routes.hpp"
#include "http/server/server_thread.hpp"
#include "http/support/compress.hpp"
#include "http/support/request_reader.hpp"
#include "http/support/scripted_server.hpp"
#include "http/support/tls_peer.hpp"
#include "net/support/fd_leak_check.hpp"
#include "net/support/loopback.hpp"
#include "tls/support/test_certs.hpp"

extern char** environ;

// tests/CMakeLists.txt defines LAB_GET_PATH when the lab-get target exists.
#ifndef LAB_GET_PATH
TEST(LabGet, IsNotBuilt) {
    GTEST_SKIP() << "lab-get is not part of this build";
}
#else

namespace looplab::http {
namespace {

using testing::ok_response;
using testing::read_request;
using testing::ScriptedRequest;
using testing::ScriptedServer;
using testing::wait_for_client_close;
using testing::write_all;

struct Outcome {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs lab-get with `args`, capturing stdout and stderr; a run longer than 30 s is killed
// (and reported as exit code 128 + SIGKILL).
Outcome run_lab_get(const std::vector<std::string>& args) {
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ADD_FAILURE() << "pipe2 failed";
        return {};
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    std::vector<std::string> storage{LAB_GET_PATH};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int spawned = ::posix_spawn(&pid, LAB_GET_PATH, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    Outcome outcome;
    if (spawned == 0) {
        pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
        std::string* sinks[2] = {&outcome.out, &outcome.err};
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        int open_pipes = 2;
        while (open_pipes > 0) {
            if (std::chrono::steady_clock::now() > give_up) {
                ::kill(pid, SIGKILL);
                break;
            }
            if (::poll(fds, 2, 100) <= 0) continue;
            for (int i = 0; i < 2; ++i) {
                if (fds[i].fd < 0 || fds[i].revents == 0) continue;
                char buf[4096];
                const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                if (n > 0) {
                    sinks[i]->append(buf, static_cast<std::size_t>(n));
                } else {
                    fds[i].fd = -1;  // poll ignores negative fds
                    --open_pipes;
                }
            }
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
        outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    } else {
        ADD_FAILURE() << "posix_spawn " << LAB_GET_PATH << " failed: " << spawned;
    }
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return outcome;
}

// The tool's contract: exactly one line on stderr for a failure.
bool is_one_line(const std::string& text) {
    return !text.empty() && text.back() == '\n' && std::count(text.begin(), text.end(), '\n') == 1;
}

void serve(int fd, std::string reply) {
    while (read_request(fd)) write_all(fd, reply);
}

class LabGet : public net::testing::NoFdLeaks {};

// ---- Success --------------------------------------------------------------------------------

TEST_F(LabGet, WritesTheBodyAndNothingElse) {
    ScriptedServer server([](int fd, int) { serve(fd, ok_response("hello")); });
    for (bool blocking : {false, true}) {
        std::vector<std::string> args{server.url()};
        if (blocking) args.insert(args.begin(), "--blocking");
        const Outcome o = run_lab_get(args);
        EXPECT_EQ(o.exit_code, 0) << "blocking=" << blocking << ": " << o.err;
        EXPECT_EQ(o.out, "hello") << "blocking=" << blocking;
        EXPECT_EQ(o.err, "") << "blocking=" << blocking;
    }
}

TEST_F(LabGet, IncludeWritesTheStatusLineAndHeadersBeforeTheBody) {
    ScriptedServer server([](int fd, int) { serve(fd, ok_response("hello", "X-Demo: yes\r\n")); });
    for (bool blocking : {false, true}) {
        std::vector<std::string> args{"-i", server.url()};
        if (blocking) args.insert(args.begin(), "--blocking");
        const Outcome o = run_lab_get(args);
        EXPECT_EQ(o.exit_code, 0) << o.err;
        EXPECT_EQ(o.out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Demo: yes\r\n\r\nhello")
            << "blocking=" << blocking;
        EXPECT_EQ(o.err, "");
    }
}

TEST_F(LabGet, HeadWritesTheHeadersOnly) {
    ScriptedServer server([](int fd, int) {
        serve(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");  // a HEAD answer
    });
    const Outcome o = run_lab_get({"-I", server.url()});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    EXPECT_EQ(o.out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
}

TEST_F(LabGet, SendsTheMethodBodyAndHeadersItWasGiven) {
    std::optional<ScriptedRequest> seen;
    ScriptedServer server([&](int fd, int) {
        seen = read_request(fd);
        write_all(fd, ok_response("ok"));
        wait_for_client_close(fd, 5000);
    });
    const Outcome o = run_lab_get({"-X", "PUT", "-d", "payload", "-H", "X-One: 1", "-H",
                                   "X-Two:  two words", server.url("/thing")});
    server.stop();
    EXPECT_EQ(o.exit_code, 0) << o.err;
    ASSERT_TRUE(seen);
    EXPECT_TRUE(seen->head.starts_with("PUT /thing HTTP/1.1\r\n")) << seen->head;
    EXPECT_EQ(seen->body, "payload");
    EXPECT_NE(seen->head.find("\r\nX-One: 1\r\n"), std::string::npos) << seen->head;
    EXPECT_NE(seen->head.find("\r\nX-Two: two words\r\n"), std::string::npos) << seen->head;
}

TEST_F(LabGet, A404IsAResponseLikeAnyOtherWithoutFail) {
    ScriptedServer server([](int fd, int) {
        serve(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
    });
    const Outcome o = run_lab_get({server.url()});
    EXPECT_EQ(o.exit_code, 0);
    EXPECT_EQ(o.out, "not found");
}

TEST_F(LabGet, FollowsRedirectsOnlyWithL) {
    ScriptedServer server([](int fd, int) {
        while (std::optional<ScriptedRequest> r = read_request(fd)) {
            write_all(fd, r->target() == "/final"
                              ? ok_response("arrived")
                              : std::string("HTTP/1.1 302 Found\r\nLocation: /final\r\n"
                                            "Content-Length: 5\r\n\r\nmoved"));
        }
    });
    for (bool blocking : {false, true}) {
        std::vector<std::string> follow{"-L", server.url("/start")};
        std::vector<std::string> stay{server.url("/start")};
        if (blocking) {
            follow.insert(follow.begin(), "--blocking");
            stay.insert(stay.begin(), "--blocking");
        }
        const Outcome followed = run_lab_get(follow);
        EXPECT_EQ(followed.exit_code, 0) << followed.err;
        EXPECT_EQ(followed.out, "arrived") << "blocking=" << blocking;
        const Outcome stayed = run_lab_get(stay);
        EXPECT_EQ(stayed.exit_code, 0) << stayed.err;
        EXPECT_EQ(stayed.out, "moved") << "blocking=" << blocking;
    }
}

// ---- One exit code per class of failure ---------------------------------------------------

TEST_F(LabGet, FailTurnsA404IntoExit22WithNoOutput) {
    ScriptedServer server([](int fd, int) {
        serve(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
    });
    for (bool blocking : {false, true}) {
        std::vector<std::string> args{"--fail", server.url("/missing")};
        if (blocking) args.insert(args.begin(), "--blocking");
        const Outcome o = run_lab_get(args);
        EXPECT_EQ(o.exit_code, 22);
        EXPECT_EQ(o.out, "");
        EXPECT_TRUE(is_one_line(o.err)) << o.err;
        EXPECT_NE(o.err.find("404"), std::string::npos) << o.err;
    }
}

TEST_F(LabGet, ARefusedConnectionExits7) {
    const std::string url = "http://" + net::testing::closed_loopback_port().to_string() + "/";
    for (bool blocking : {false, true}) {
        std::vector<std::string> args{url};
        if (blocking) args.insert(args.begin(), "--blocking");
        const Outcome o = run_lab_get(args);
        EXPECT_EQ(o.exit_code, 7) << o.err;
        EXPECT_EQ(o.out, "");
        EXPECT_TRUE(is_one_line(o.err)) << o.err;
        EXPECT_NE(o.err.find("refused"), std::string::npos) << o.err;
    }
}

TEST_F(LabGet, AServerThatNeverAnswersExits28) {
    ScriptedServer server([](int fd, int) {
        read_request(fd);
        wait_for_client_close(fd, 10000);
    });
    for (bool blocking : {false, true}) {
        std::vector<std::string> args{"--timeout", "0.3", server.url()};
        if (blocking) args.insert(args.begin(), "--blocking");
        const Outcome o = run_lab_get(args);
        EXPECT_EQ(o.exit_code, 28) << o.err;
        EXPECT_EQ(o.out, "");
        EXPECT_TRUE(is_one_line(o.err)) << o.err;
        EXPECT_NE(o.err.find("timeout"), std::string::npos) << o.err;
    }
}

TEST_F(LabGet, AMalformedResponseExits8) {
    ScriptedServer server([](int fd, int) {
        read_request(fd);
        write_all(fd, "HTTP/1.1 abc Nope\r\n\r\n");
        wait_for_client_close(fd, 5000);
    });
    for (bool blocking : {false, true}) {
        std::vector<std::string> args{server.url()};
        if (blocking) args.insert(args.begin(), "--blocking");
        const Outcome o = run_lab_get(args);
        EXPECT_EQ(o.exit_code, 8) << o.err;
        EXPECT_EQ(o.out, "");
        EXPECT_TRUE(is_one_line(o.err)) << o.err;
        EXPECT_NE(o.err.find("malformed"), std::string::npos) << o.err;
    }
}

TEST_F(LabGet, ATruncatedBodyExits18AndSaysTheOutputIsIncomplete) {
    ScriptedServer server([](int fd, int) {
        read_request(fd);
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this much");
    });
    const Outcome o = run_lab_get({server.url()});
    EXPECT_EQ(o.exit_code, 18) << o.err;
    EXPECT_EQ(o.out, "only this much");  // streamed before the end was known to be missing
    EXPECT_TRUE(is_one_line(o.err)) << o.err;
    EXPECT_NE(o.err.find("14 bytes were already written"), std::string::npos) << o.err;
    EXPECT_NE(o.err.find("incomplete"), std::string::npos) << o.err;

    // The blocking client returns nothing until the body is complete: nothing was written.
    const Outcome b = run_lab_get({"--blocking", server.url()});
    EXPECT_EQ(b.exit_code, 18) << b.err;
    EXPECT_EQ(b.out, "");
    EXPECT_TRUE(is_one_line(b.err)) << b.err;
}

TEST_F(LabGet, AServerThatClosesWithoutAnsweringExits52) {
    ScriptedServer server([](int fd, int) { read_request(fd); });
    const Outcome o = run_lab_get({server.url()});
    EXPECT_EQ(o.exit_code, 52) << o.err;
    EXPECT_TRUE(is_one_line(o.err)) << o.err;
}

TEST_F(LabGet, TooManyRedirectsExits47) {
    ScriptedServer server([](int fd, int) {
        serve(fd, "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n");
    });
    const Outcome o = run_lab_get({"-L", "--max-redirects", "2", server.url()});
    EXPECT_EQ(o.exit_code, 47) << o.err;
    EXPECT_TRUE(is_one_line(o.err)) << o.err;
}

TEST_F(LabGet, UsageErrorsExit2AndABadUrlExits3) {
    EXPECT_EQ(run_lab_get({}).exit_code, 2);
    EXPECT_EQ(run_lab_get({"--no-such-option", "http://127.0.0.1:9/"}).exit_code, 2);
    EXPECT_EQ(run_lab_get({"-H", "no colon", "http://127.0.0.1:9/"}).exit_code, 2);
    const Outcome o = run_lab_get({"ftp://example.com/"});
    EXPECT_EQ(o.exit_code, 3);
    EXPECT_TRUE(is_one_line(o.err)) << o.err;
}

// ---- https ------------------------------------------------------------------------------------

using net::tls::testing::pki;

// The demo routes over TLS with `credentials`, on 127.0.0.1.
ServerThread tls_server(const net::tls::Credentials& credentials = pki().localhost) {
    HttpServerOptions options;
    options.ssl = net::tls::testing::server_context(credentials);
    options.ssl->set_alpn_protocols({"http/1.1"});
    return ServerThread(demo_routes(), "127.0.0.1", 0, options);
}

std::string ca_file() {
    return pki().ca.cert_file().string();
}

TEST_F(LabGet, HttpsWithCacertGivesTheBodyByteForByte) {
    ServerThread server = tls_server();
    ServerThread plain;  // the same routes without TLS: the body to compare with
    const Outcome expected = run_lab_get({plain.url("/bytes/100000")});
    ASSERT_EQ(expected.exit_code, 0) << expected.err;
    for (bool blocking : {false, true}) {
        std::vector<std::string> args{"--cacert", ca_file(), server.url("/bytes/100000")};
        if (blocking) args.insert(args.begin(), "--blocking");
        const Outcome o = run_lab_get(args);
        EXPECT_EQ(o.exit_code, 0) << "blocking=" << blocking << ": " << o.err;
        EXPECT_EQ(o.err, "");
        EXPECT_EQ(o.out.size(), 100000u);
        EXPECT_TRUE(o.out == expected.out) << "blocking=" << blocking << ": not the same bytes";
    }
}

TEST_F(LabGet, VerboseShowsTheHandshakeAsCurlDoes) {
    ServerThread server = tls_server();
    const Outcome o = run_lab_get({"-v", "--cacert", ca_file(), server.url("/")});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    EXPECT_EQ(o.out, "Hello World!");
    for (const char* line :
         {"* SSL connection using TLSv1.3 / TLS_", "* ALPN: server accepted http/1.1",
          "*  subject: CN=localhost", "*  issuer: CN=looplab test CA", "< HTTP/1.1 200 OK"}) {
        EXPECT_NE(o.err.find(line), std::string::npos) << line << " in:\n" << o.err;
    }
}

TEST_F(LabGet, ACertificateThatDoesNotVerifyExits60WithCurlsWords) {
    struct Case {
        const net::tls::Credentials* credentials;
        bool cacert;
        std::string words;
        bool by_name = false;  // the URL names localhost rather than 127.0.0.1
    };
    const Case cases[] = {
        {&pki().self_signed, false, "certificate verify failed: self-signed certificate"},
        {&pki().other_host, true,
         "certificate verify failed: hostname mismatch: certificate is for other.example", true},
        {&pki().expired, true, "certificate verify failed: certificate has expired"},
    };
    for (const Case& c : cases) {
        ServerThread server = tls_server(*c.credentials);
        const std::string url = c.by_name ? testing::by_name(server.url("/")) : server.url("/");
        for (bool blocking : {false, true}) {
            std::vector<std::string> args{url};
            if (c.cacert) args.insert(args.begin(), {"--cacert", ca_file()});
            if (blocking) args.insert(args.begin(), "--blocking");
            const Outcome o = run_lab_get(args);
            EXPECT_EQ(o.exit_code, 60) << c.words << ": " << o.err;
            EXPECT_EQ(o.out, "");
            EXPECT_TRUE(is_one_line(o.err)) << o.err;
            EXPECT_NE(o.err.find(c.words), std::string::npos) << o.err;
        }
        // -k checks nothing: the same server answers.
        const Outcome insecure = run_lab_get({"-k", server.url("/")});
        EXPECT_EQ(insecure.exit_code, 0) << insecure.err;
        EXPECT_EQ(insecure.out, "Hello World!");
    }
}

TEST_F(LabGet, AHandshakeFailureExits35AndAStalledOneExits28NamingThePhase) {
    ScriptedServer garbage([](int fd, int) {
        testing::read_client_hello(fd);
        write_all(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    const Outcome g = run_lab_get({"--cacert", ca_file(), testing::https_url(garbage)});
    EXPECT_EQ(g.exit_code, 35) << g.err;
    EXPECT_TRUE(is_one_line(g.err)) << g.err;
    EXPECT_NE(g.err.find("is this port plain http://?"), std::string::npos) << g.err;

    ScriptedServer stalled([](int fd, int) { wait_for_client_close(fd, 10000); });
    for (bool blocking : {false, true}) {
        std::vector<std::string> args{"--timeout", "0.3", "--cacert", ca_file(),
                                      testing::https_url(stalled)};
        if (blocking) args.insert(args.begin(), "--blocking");
        const Outcome o = run_lab_get(args);
        EXPECT_EQ(o.exit_code, 28) << o.err;
        EXPECT_TRUE(is_one_line(o.err)) << o.err;
        EXPECT_NE(o.err.find("tls handshake"), std::string::npos) << o.err;
    }
}

TEST_F(LabGet, ABodyCutWithoutCloseNotifyExits18) {
    ScriptedServer server([](int fd, int) {
        testing::TlsPeer tls(fd, net::tls::testing::server_context());
        if (!tls.handshake() || tls.read_head().empty()) return;
        tls.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart of it");
    });
    const Outcome o = run_lab_get({"--cacert", ca_file(), testing::https_url(server)});
    EXPECT_EQ(o.exit_code, 18) << o.err;
    EXPECT_TRUE(is_one_line(o.err)) << o.err;
    EXPECT_NE(o.err.find("close_notify"), std::string::npos) << o.err;
}

TEST_F(LabGet, PlainHttpToATlsPortAndBadCaFilesAreNamedAsSuch) {
    ServerThread server = tls_server();
    const Outcome plain = run_lab_get({"--fail", "http" + server.url("/").substr(5)});
    EXPECT_EQ(plain.exit_code, 22) << plain.err;
    EXPECT_EQ(plain.out, "");
    const Outcome told = run_lab_get({"http" + server.url("/").substr(5)});
    EXPECT_EQ(told.exit_code, 0) << told.err;
    EXPECT_NE(told.out.find("the plain HTTP request was sent to an HTTPS port"), std::string::npos)
        << told.out;

    const Outcome missing = run_lab_get({"--cacert", "/nonexistent/ca.pem", server.url("/")});
    EXPECT_EQ(missing.exit_code, 77) << missing.err;
    EXPECT_TRUE(is_one_line(missing.err)) << missing.err;
    const Outcome bad_cert =
        run_lab_get({"--cacert", ca_file(), "--cert", "/nonexistent/c.pem", server.url("/")});
    EXPECT_EQ(bad_cert.exit_code, 58) << bad_cert.err;
}

// ---- The options for the real web (issue 18) -------------------------------------------------

// Serves one response to every request, remembering the last request head.
class LabGetWeb : public LabGet {
protected:
    void serve_all(std::string reply) {
        server_ = std::make_unique<ScriptedServer>([this, reply](int fd, int) {
            while (auto request = read_request(fd)) {
                {
                    std::lock_guard lock(mutex_);
                    heads_.push_back(request->head);
                }
                write_all(fd, reply);
            }
        });
    }
    std::vector<std::string> heads() {
        std::lock_guard lock(mutex_);
        return heads_;
    }
    void TearDown() override {
        server_.reset();  // joins the connection threads before the descriptors are counted
        LabGet::TearDown();
    }
    std::unique_ptr<ScriptedServer> server_;
    std::mutex mutex_;
    std::vector<std::string> heads_;
};

TEST_F(LabGetWeb, CompressedAsksForAndDecodesTheBodyAndWithoutItNeither) {
    const std::string text(3000, 'x');
    const std::string gzipped = testing::gzip(text);
    serve_all("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
              std::to_string(gzipped.size()) + "\r\n\r\n" + gzipped);
    for (bool blocking : {false, true}) {
        std::vector<std::string> args{"--compressed", server_->url()};
        if (blocking) args.insert(args.begin(), "--blocking");
        const Outcome decoded = run_lab_get(args);
        EXPECT_EQ(decoded.exit_code, 0) << decoded.err;
        EXPECT_EQ(decoded.out, text) << "blocking=" << blocking;
        EXPECT_NE(heads().back().find("\r\nAccept-Encoding: gzip, deflate"), std::string::npos)
            << heads().back();
        args.erase(std::find(args.begin(), args.end(), "--compressed"));
        const Outcome raw = run_lab_get(args);
        EXPECT_EQ(raw.exit_code, 0) << raw.err;
        EXPECT_EQ(raw.out, gzipped) << "blocking=" << blocking;
        EXPECT_EQ(heads().back().find("Accept-Encoding"), std::string::npos) << heads().back();
    }
}

TEST_F(LabGetWeb, CookiesCrossRedirectsAndRoundTripThroughCurlsCookieFile) {
    server_ = std::make_unique<ScriptedServer>([](int fd, int) {
        while (auto request = read_request(fd)) {
            const std::size_t at = request->head.find("\r\nCookie: ");
            const std::string cookie =
                at == std::string::npos
                    ? "-"
                    : request->head.substr(at + 10, request->head.find("\r\n", at + 2) - at - 10);
            if (request->target() == "/set") {
                write_all(fd,
                          "HTTP/1.1 302 Found\r\nSet-Cookie: k=v; Path=/\r\n"
                          "Location: /show\r\nContent-Length: 0\r\n\r\n");
            } else {
                write_all(fd, ok_response(cookie));
            }
        }
    });
    for (bool blocking : {false, true}) {
        const std::string file =
            ::testing::TempDir() + "lab_get_cookies_" + std::to_string(blocking) + ".txt";
        std::remove(file.c_str());
        std::vector<std::string> first{"-L", "-b", file, "-c", file, server_->url("/set")};
        std::vector<std::string> second{"-b", file, server_->url("/show")};
        std::vector<std::string> literal{"-b", "a=1; b=2", server_->url("/show")};
        if (blocking) {
            for (auto* args : {&first, &second, &literal})
                args->insert(args->begin(), "--blocking");
        }
        const Outcome set = run_lab_get(first);  // -b names a file that does not exist yet
        EXPECT_EQ(set.exit_code, 0) << set.err;
        EXPECT_EQ(set.out, "k=v") << "blocking=" << blocking;
        const Outcome again = run_lab_get(second);
        EXPECT_EQ(again.out, "k=v") << "blocking=" << blocking << ": " << again.err;
        EXPECT_EQ(run_lab_get(literal).out, "a=1; b=2") << "blocking=" << blocking;
        std::remove(file.c_str());
    }
}

TEST_F(LabGetWeb, AMalformedCookieFileIsAnErrorAndIsNotOverwritten) {
    serve_all(ok_response("ok"));
    const std::string file = ::testing::TempDir() + "lab_get_bad_cookies.txt";
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs("this is not a cookie line\n", f);
        std::fclose(f);
    }
    const Outcome o = run_lab_get({"-b", file, "-c", file, server_->url()});
    EXPECT_EQ(o.exit_code, 1);
    EXPECT_TRUE(is_one_line(o.err)) << o.err;
    EXPECT_NE(o.err.find("line 1: not a cookie line"), std::string::npos) << o.err;
    std::FILE* f = std::fopen(file.c_str(), "r");
    ASSERT_NE(f, nullptr);
    char line[64] = {};
    EXPECT_NE(std::fgets(line, sizeof line, f), nullptr);
    std::fclose(f);
    EXPECT_EQ(std::string(line), "this is not a cookie line\n");
    std::remove(file.c_str());
}

// A file in the test's temporary directory with `content`; its path.
std::string temp_file(const std::string& name, const std::string& content) {
    const std::string path = ::testing::TempDir() + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return path;
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
    return path;
}

// Runs lab-get with its stdin read from `path` (the test process's fd 0 is swapped for the
// spawn and put back, so the child inherits the file).
Outcome run_lab_get_with_stdin(const std::string& path, const std::vector<std::string>& args) {
    const int saved = ::dup(STDIN_FILENO);
    const int file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ::dup2(file, STDIN_FILENO);
    ::close(file);
    Outcome o = run_lab_get(args);
    ::dup2(saved, STDIN_FILENO);
    ::close(saved);
    return o;
}

// Remembers each request whole, and answers "ok".
class LabGetUpload : public LabGet {
protected:
    void TearDown() override {
        server_.stop();
        LabGet::TearDown();
    }
    std::vector<ScriptedRequest> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    std::mutex mutex_;
    std::vector<ScriptedRequest> requests_;
    ScriptedServer server_{[this](int fd, int) {
        while (auto request = read_request(fd)) {
            {
                std::lock_guard lock(mutex_);
                requests_.push_back(*request);
            }
            write_all(fd, ok_response("ok"));
        }
    }};
};

TEST_F(LabGetUpload, UserDataFilesStdinAndUploadsAreSentAsCurlSendsThem) {
    const std::string lines = temp_file("lab_get_lines.txt", "a=1\r\n&b=2\n");
    const std::string binary = temp_file("lab_get_binary.bin", std::string("x\0y\nz", 5));
    for (bool blocking : {false, true}) {
        std::vector<std::vector<std::string>> runs{
            {"-u", "user:pass", server_.url("/auth")},
            {"-d", "@" + lines, server_.url("/form")},
            {"--data-binary", "@" + binary, "-H", "Content-Type: application/octet-stream",
             server_.url("/binary")},
            {"-T", binary, server_.url("/dir/")},
        };
        for (auto& args : runs) {
            if (blocking) args.insert(args.begin(), "--blocking");
            const Outcome o = run_lab_get(args);
            EXPECT_EQ(o.exit_code, 0) << o.err;
        }
        std::vector<std::string> piped{"--data-binary", "@-", server_.url("/stdin")};
        if (blocking) piped.insert(piped.begin(), "--blocking");
        EXPECT_EQ(run_lab_get_with_stdin(binary, piped).exit_code, 0);
    }
    const std::vector<ScriptedRequest> seen = requests();
    ASSERT_EQ(seen.size(), 10u);
    for (std::size_t i = 0; i < seen.size(); i += 5) {
        EXPECT_TRUE(seen[i].head.starts_with("GET /auth ")) << seen[i].head;
        EXPECT_NE(seen[i].head.find("\r\nAuthorization: Basic dXNlcjpwYXNz"), std::string::npos);
        EXPECT_TRUE(seen[i + 1].head.starts_with("POST /form ")) << seen[i + 1].head;
        EXPECT_EQ(seen[i + 1].body, "a=1&b=2");  // -d @file drops CR and LF, as curl
        EXPECT_NE(seen[i + 1].head.find("Content-Type: application/x-www-form-urlencoded"),
                  std::string::npos);
        EXPECT_EQ(seen[i + 2].body, std::string("x\0y\nz", 5));  // --data-binary keeps them
        EXPECT_NE(seen[i + 2].head.find("Content-Type: application/octet-stream"),
                  std::string::npos);
        EXPECT_EQ(seen[i + 2].head.find("x-www-form-urlencoded"), std::string::npos);
        EXPECT_TRUE(seen[i + 3].head.starts_with("PUT /dir/lab_get_binary.bin "))
            << seen[i + 3].head;
        EXPECT_EQ(seen[i + 3].body, std::string("x\0y\nz", 5));
        EXPECT_TRUE(seen[i + 4].head.starts_with("POST /stdin ")) << seen[i + 4].head;
        EXPECT_EQ(seen[i + 4].body, std::string("x\0y\nz", 5));
    }
    std::remove(lines.c_str());
    std::remove(binary.c_str());
}

TEST_F(LabGetUpload, AFileThatCannotBeReadExits26AndABadUserExits2) {
    const Outcome missing = run_lab_get({"-d", "@/nonexistent/file", server_.url()});
    EXPECT_EQ(missing.exit_code, 26) << missing.err;
    EXPECT_TRUE(is_one_line(missing.err)) << missing.err;
    EXPECT_NE(missing.err.find("/nonexistent/file"), std::string::npos) << missing.err;
    const Outcome user = run_lab_get({"-u", "nocolon", server_.url()});
    EXPECT_EQ(user.exit_code, 2) << user.err;
    EXPECT_TRUE(requests().empty());
}

TEST_F(LabGetWeb, TakesBigHeadsByDefaultAndRefusesPastALimitTheUserSets) {
    std::string head = "HTTP/1.1 200 OK\r\nSet-Cookie: big=" + std::string(8 * 1024, 'c') + "\r\n";
    for (int i = 0; i < 118; ++i) head += "X-Field-" + std::to_string(i) + ": value\r\n";
    serve_all(head + "Content-Length: 2\r\n\r\nok");
    for (bool blocking : {false, true}) {
        std::vector<std::string> args{server_->url()};
        if (blocking) args.insert(args.begin(), "--blocking");
        const Outcome fine = run_lab_get(args);
        EXPECT_EQ(fine.exit_code, 0) << "blocking=" << blocking << ": " << fine.err;
        EXPECT_EQ(fine.out, "ok");
        std::vector<std::string> few = args;
        few.insert(few.begin(), {"--max-headers", "100"});
        const Outcome fields = run_lab_get(few);
        EXPECT_EQ(fields.exit_code, 8) << "blocking=" << blocking << ": " << fields.err;
        EXPECT_NE(fields.err.find("(limit 100)"), std::string::npos) << fields.err;
        std::vector<std::string> short_lines = args;
        short_lines.insert(short_lines.begin(), {"--max-header-size", "8192"});
        const Outcome line = run_lab_get(short_lines);
        EXPECT_EQ(line.exit_code, 8) << "blocking=" << blocking << ": " << line.err;
        EXPECT_NE(line.err.find("(limit 8192 bytes)"), std::string::npos) << line.err;
    }
}

// ---- Issue 18: --blocking as safe as the async client ------------------------------------------

TEST_F(LabGet, BlockingFollowsRedirectsOnOneConnection) {
    ScriptedServer server([](int fd, int) {
        while (std::optional<ScriptedRequest> r = read_request(fd)) {
            write_all(fd, r->target() == "/final"
                              ? ok_response("arrived")
                              : std::string("HTTP/1.1 302 Found\r\nLocation: /final\r\n"
                                            "Content-Length: 5\r\n\r\nmoved"));
        }
    });
    const Outcome o = run_lab_get({"--blocking", "-L", server.url("/start")});
    server.stop();
    EXPECT_EQ(o.exit_code, 0) << o.err;
    EXPECT_EQ(o.out, "arrived");
    EXPECT_EQ(server.connections(), 1);
}

// A byte of body a second never trips a 1 s read timeout; --timeout is the total as well.
TEST_F(LabGet, BlockingTimeoutIsATotalDeadlineAndABodyCap) {
    ScriptedServer dripping([](int fd, int) {
        read_request(fd);
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n");
        for (char c : std::string("abcd")) {
            if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(700));
        }
        wait_for_client_close(fd, 5000);
    });
    const Outcome slow = run_lab_get({"--blocking", "--timeout", "1", dripping.url()});
    EXPECT_EQ(slow.exit_code, 28) << slow.err;
    EXPECT_EQ(slow.out, "");
    EXPECT_TRUE(is_one_line(slow.err)) << slow.err;
    EXPECT_NE(slow.err.find("the total timeout of 1000 ms passed"), std::string::npos) << slow.err;

    ScriptedServer big([](int fd, int) { serve(fd, ok_response(std::string(5000, 'x'))); });
    for (bool blocking : {false, true}) {
        std::vector<std::string> args{"--max-filesize", "1000", big.url()};
        if (blocking) args.insert(args.begin(), "--blocking");
        const Outcome o = run_lab_get(args);
        EXPECT_EQ(o.exit_code, 8) << "blocking=" << blocking << ": " << o.err;  // Content-Length
        EXPECT_NE(o.err.find("1000"), std::string::npos) << o.err;
    }
}

// Item 8's messages: the peer named (peer_hint.hpp), exit 8 as any reply that is not HTTP/1.x.
TEST_F(LabGet, ATlsPortAndAnHttp2OnlyServerAreNamedAsSuch) {
    const std::string tls_alert("\x15\x03\x01\x00\x02\x02\x46", 7);
    const std::string h2_settings("\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64",
                                  15);
    ScriptedServer tls([&](int fd, int) {
        read_request(fd);
        write_all(fd, tls_alert);
    });
    ScriptedServer h2([&](int fd, int) {
        read_request(fd);
        write_all(fd, h2_settings);
    });
    for (bool blocking : {false, true}) {
        std::vector<std::string> to_tls{tls.url("/")};
        std::vector<std::string> to_h2{h2.url("/")};
        if (blocking) {
            to_tls.insert(to_tls.begin(), "--blocking");
            to_h2.insert(to_h2.begin(), "--blocking");
        }
        const Outcome t = run_lab_get(to_tls);
        EXPECT_EQ(t.exit_code, 8) << t.err;
        EXPECT_TRUE(is_one_line(t.err)) << t.err;
        EXPECT_NE(t.err.find("answered with TLS, not HTTP: use https://"), std::string::npos)
            << t.err;
        const Outcome h = run_lab_get(to_h2);
        EXPECT_EQ(h.exit_code, 8) << h.err;
        EXPECT_TRUE(is_one_line(h.err)) << h.err;
        EXPECT_NE(h.err.find("speaks HTTP/2 only"), std::string::npos) << h.err;
    }
}

// ---- Issue 18: proxies -----------------------------------------------------------------------

TEST_F(LabGet, ProxyOptionsSendThroughTheProxyOrAroundIt) {
    ScriptedServer proxy([](int fd, int) {
        while (std::optional<ScriptedRequest> r = read_request(fd)) {
            write_all(fd, r->target().starts_with("http://")
                              ? ok_response(r->has_header("Proxy-Authorization") ? "proxied+auth"
                                                                                 : "proxied")
                              : ok_response("direct"));
        }
    });
    const std::string x = proxy.url().substr(7, proxy.url().size() - 8);  // host:port
    for (bool blocking : {false, true}) {
        std::vector<std::vector<std::string>> runs{
            {"-x", x, proxy.url()},
            {"--proxy", "http://" + x, "--proxy-user", "u:p", proxy.url()},
            {"-x", x, "--noproxy", "*", proxy.url()},
        };
        const std::vector<std::string> expected{"proxied", "proxied+auth", "direct"};
        for (std::size_t i = 0; i < runs.size(); ++i) {
            if (blocking) runs[i].insert(runs[i].begin(), "--blocking");
            const Outcome o = run_lab_get(runs[i]);
            EXPECT_EQ(o.exit_code, 0) << "blocking=" << blocking << " run " << i << ": " << o.err;
            EXPECT_EQ(o.out, expected[i]) << "blocking=" << blocking << " run " << i;
        }
    }
}

TEST_F(LabGet, ARefusedTunnelExits56AndAnUnreachableProxyExits7NamingTheProxy) {
    ScriptedServer proxy([](int fd, int) {
        testing::read_request_head(fd);
        write_all(fd, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
    });
    const std::string x = proxy.url().substr(7, proxy.url().size() - 8);
    const std::string closed = net::testing::closed_loopback_port().to_string();
    for (bool blocking : {false, true}) {
        std::vector<std::string> refused{"-x", x, "https://origin.invalid/"};
        std::vector<std::string> unreachable{"-x", closed, "http://origin.invalid/"};
        if (blocking) {
            refused.insert(refused.begin(), "--blocking");
            unreachable.insert(unreachable.begin(), "--blocking");
        }
        const Outcome r = run_lab_get(refused);
        EXPECT_EQ(r.exit_code, 56) << "blocking=" << blocking << ": " << r.err;
        EXPECT_TRUE(is_one_line(r.err)) << r.err;
        EXPECT_NE(r.err.find("proxy " + x + " refused the tunnel"), std::string::npos) << r.err;
        const Outcome u = run_lab_get(unreachable);
        EXPECT_EQ(u.exit_code, 7) << "blocking=" << blocking << ": " << u.err;
        EXPECT_NE(u.err.find("cannot connect to proxy " + closed), std::string::npos) << u.err;
    }
}

}  // namespace
}  // namespace looplab::http

#endif  // LAB_GET_PATH
