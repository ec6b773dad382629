// tests/http/client_trace_test.cpp: what a ClientSession request records on the loop's tracer:
// one http_request slice, its phases inside it in order, and the phase a timeout hit.
//
// Against the in-process server (ServerThread, demo routes) and a ScriptedServer that never
// answers. No assertion is about how long anything took: only about which events exist, what
// they are called, and how they nest.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "http/client/client_session.hpp"
#include "http/server/demo_routes.hpp"
#include "http/server/server_thread.hpp"
#include "http/support/request_reader.hpp"
#include "http/support/scripted_server.hpp"
#include "net/support/fd_leak_check.hpp"
#include "runtime/observe/trace_recorder.hpp"
#include "runtime/run.hpp"
#include "runtime/timeout.hpp"

namespace looplab::http {
namespace {

using namespace std::chrono_literals;
using testing::read_request;
using testing::ScriptedServer;
using testing::wait_for_client_close;

class ClientTrace : public net::testing::NoFdLeaks {};

// Runs body on a fresh loop traced into `recorder` (30 s watchdog: a hang fails the test).
void run_traced(TraceRecorder& recorder, Coro<void> body) {
    auto traced = [](TraceRecorder& r, Coro<void> b) -> Coro<void> {
        EventLoop& loop = get_running_loop();
        loop.set_tracer(&r);
        co_await timeout(30s, std::move(b));
        loop.set_tracer(nullptr);
    };
    looplab::run(traced(recorder, std::move(body)));
}

std::vector<TraceEvent> of_kind(const std::vector<TraceEvent>& events, TraceKind kind) {
    std::vector<TraceEvent> out;
    for (const TraceEvent& e : events)
        if (e.kind == kind) out.push_back(e);
    return out;
}

// The http_phase events of request `id`, in the order they began.
std::vector<TraceEvent> phases_of(const std::vector<TraceEvent>& events, std::uint64_t id) {
    std::vector<TraceEvent> out;
    for (const TraceEvent& e : events)
        if (e.kind == TraceKind::http_phase && e.id == id) out.push_back(e);
    std::stable_sort(out.begin(), out.end(), [](const TraceEvent& a, const TraceEvent& b) {
        return a.start_ns < b.start_ns;
    });
    return out;
}

std::vector<std::string> names(const std::vector<TraceEvent>& events) {
    std::vector<std::string> out;
    for (const TraceEvent& e : events) out.push_back(e.name);
    return out;
}

std::int64_t end_of(const TraceEvent& e) {
    return e.start_ns + e.duration_ns;
}

// Each phase starts after the previous one ended, and all lie inside the request's slice.
void expect_nested_in_order(const TraceEvent& request, const std::vector<TraceEvent>& phases) {
    std::int64_t last_end = request.start_ns;
    for (const TraceEvent& p : phases) {
        EXPECT_GE(p.start_ns, last_end) << p.name;
        EXPECT_LE(end_of(p), end_of(request)) << p.name;
        last_end = end_of(p);
    }
}

TEST_F(ClientTrace, AGetIsOneRequestSliceContainingItsPhasesInOrder) {
    ServerThread server;
    TraceRecorder recorder;
    const std::string url = server.url("/bytes/5000");
    std::string body;
    run_traced(recorder, [&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(url);
        body = co_await r.text();
        co_await session.close();
    }());
    ASSERT_EQ(body, demo_bytes(5000));

    const std::vector<TraceEvent> all = recorder.events();
    const std::vector<TraceEvent> requests = of_kind(all, TraceKind::http_request);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].name, "GET " + url);
    EXPECT_EQ(requests[0].detail, "200");
    const std::vector<TraceEvent> phases = phases_of(all, requests[0].id);
    EXPECT_EQ(names(phases), (std::vector<std::string>{"connect", "send", "first byte", "body"}));
    for (const TraceEvent& p : phases) EXPECT_EQ(p.detail, "") << p.name;
    expect_nested_in_order(requests[0], phases);
}

TEST_F(ClientTrace, AReusedConnectionHasNoConnectPhase) {
    ServerThread server;
    TraceRecorder recorder;
    run_traced(recorder, [&]() -> Coro<void> {
        ClientSession session;
        for (int i = 0; i < 2; ++i) {
            ClientResponse r = co_await session.get(server.url("/"));
            co_await r.text();
        }
        EXPECT_EQ(session.connections_reused(), 1u);
        co_await session.close();
    }());
    const std::vector<TraceEvent> all = recorder.events();
    const std::vector<TraceEvent> requests = of_kind(all, TraceKind::http_request);
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_NE(requests[0].id, requests[1].id);
    EXPECT_EQ(names(phases_of(all, requests[0].id)),
              (std::vector<std::string>{"connect", "send", "first byte", "body"}));
    EXPECT_EQ(names(phases_of(all, requests[1].id)),
              (std::vector<std::string>{"send", "first byte", "body"}));
}

TEST_F(ClientTrace, RedirectsRepeatThePhasesInsideOneRequest) {
    ServerThread server;
    TraceRecorder recorder;
    run_traced(recorder, [&]() -> Coro<void> {
        ClientSession session;
        ClientResponse r = co_await session.get(server.url("/redirect/2"));
        EXPECT_EQ(co_await r.text(), "redirected");
        co_await session.close();
    }());
    const std::vector<TraceEvent> all = recorder.events();
    const std::vector<TraceEvent> requests = of_kind(all, TraceKind::http_request);
    ASSERT_EQ(requests.size(), 1u);
    const std::vector<TraceEvent> phases = phases_of(all, requests[0].id);
    const std::vector<std::string> hop = {"send", "first byte", "body"};
    std::vector<std::string> expected = {"connect"};
    for (int i = 0; i < 3; ++i) expected.insert(expected.end(), hop.begin(), hop.end());
    EXPECT_EQ(names(phases), expected);
    expect_nested_in_order(requests[0], phases);
}

TEST_F(ClientTrace, ASockReadTimeoutIsNamedOnTheFirstBytePhase) {
    ScriptedServer server([](int fd, int) {
        read_request(fd);
        wait_for_client_close(fd, 10000);
    });
    TraceRecorder recorder;
    bool timed_out = false;
    run_traced(recorder, [&]() -> Coro<void> {
        ClientSessionOptions options;
        options.timeout.sock_read = 100ms;
        ClientSession session(options);
        try {
            co_await session.get(server.url());
        } catch (const ClientTimeoutError&) {
            timed_out = true;
        }
        co_await session.close();
    }());
    ASSERT_TRUE(timed_out);
    const std::vector<TraceEvent> all = recorder.events();
    const std::vector<TraceEvent> requests = of_kind(all, TraceKind::http_request);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_NE(requests[0].detail.find("sock_read"), std::string::npos) << requests[0].detail;
    const std::vector<TraceEvent> phases = phases_of(all, requests[0].id);
    ASSERT_EQ(names(phases), (std::vector<std::string>{"connect", "send", "first byte"}));
    EXPECT_EQ(phases.back().detail, "timeout");
    EXPECT_EQ(phases.front().detail, "");
    expect_nested_in_order(requests[0], phases);
}

TEST_F(ClientTrace, APoolTimeoutIsNamedOnThePoolWaitPhase) {
    ServerThread server;
    TraceRecorder recorder;
    bool timed_out = false;
    run_traced(recorder, [&]() -> Coro<void> {
        ClientSessionOptions options;
        options.limit = 1;
        options.timeout.connect = 100ms;
        ClientSession session(options);
        ClientResponse holding = co_await session.get(server.url("/"));  // body unread: in use
        try {
            co_await session.get(server.url("/bytes/10"));
        } catch (const ClientTimeoutError&) {
            timed_out = true;
        }
        co_await holding.text();
        co_await session.close();
    }());
    ASSERT_TRUE(timed_out);
    const std::vector<TraceEvent> all = recorder.events();
    const std::vector<TraceEvent> requests = of_kind(all, TraceKind::http_request);
    ASSERT_EQ(requests.size(), 2u);
    const auto waited = std::find_if(requests.begin(), requests.end(), [](const TraceEvent& e) {
        return e.name.find("/bytes/10") != std::string::npos;
    });
    ASSERT_NE(waited, requests.end());
    const std::vector<TraceEvent> phases = phases_of(all, waited->id);
    ASSERT_EQ(names(phases), (std::vector<std::string>{"pool wait"}));
    EXPECT_EQ(phases[0].detail, "timeout");
    EXPECT_NE(waited->detail.find("timed out"), std::string::npos) << waited->detail;
}

TEST_F(ClientTrace, AResponseDroppedUnreadEndsItsRequestAsNotFinished) {
    ServerThread server;
    TraceRecorder recorder;
    run_traced(recorder, [&]() -> Coro<void> {
        ClientSession session;
        { ClientResponse r = co_await session.get(server.url("/bytes/100000")); }
        co_await session.close();
    }());
    const std::vector<TraceEvent> requests = of_kind(recorder.events(), TraceKind::http_request);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_NE(requests[0].detail.find("not finished"), std::string::npos) << requests[0].detail;
}

}  // namespace
}  // namespace looplab::http
