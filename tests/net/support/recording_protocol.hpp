// tests/net/support/recording_protocol.hpp: a Protocol that records every callback it gets.
//
// asyncio: test_utils / the MyProto classes of test_events.py, which keep a state string
// ("INITIAL" -> "CONNECTED" -> "EOF" -> "CLOSED") and futures to await each step.
//
// Tests await the futures (made, eof, lost) instead of sleeping, and then check the order of
// events and the data. Hooks (on_made, on_data, on_eof) let a test act at a precise point.
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"

namespace looplab::net::testing {

class RecordingProtocol : public Protocol {
public:
    explicit RecordingProtocol(EventLoop& loop)
        : made(loop.create_future<void>()),
          eof(loop.create_future<void>()),
          lost(loop.create_future<void>()) {}

    void connection_made(Transport& t) override {
        transport = &t;
        events.push_back("made");
        if (!made.done()) made.set_result();
        if (on_made) on_made(t);
    }
    void data_received(std::string_view data) override {
        if (events.empty() || events.back() != "data") events.push_back("data");
        if (keep_received) received.append(data);
        if (on_data) on_data(*transport, data);
    }
    bool eof_received() override {
        events.push_back("eof");
        if (!eof.done()) eof.set_result();
        if (on_eof) on_eof(*transport);
        return keep_open_on_eof;
    }
    void connection_lost(std::exception_ptr e) override {
        events.push_back("lost");
        ++lost_count;
        error = e;
        transport = nullptr;
        if (!lost.done()) lost.set_result();
    }
    void pause_writing() override {
        events.push_back("pause");
        ++pause_count;
        if (on_pause) on_pause();
    }
    void resume_writing() override {
        events.push_back("resume");
        ++resume_count;
        if (on_resume) on_resume();
    }

    Transport* transport = nullptr;   // from connection_made until connection_lost
    std::vector<std::string> events;  // "made", "data" (runs collapsed), "eof", "pause", ...
    std::string received;             // every byte data_received got
    std::exception_ptr error;         // connection_lost's argument
    int lost_count = 0;
    int pause_count = 0;
    int resume_count = 0;
    bool keep_open_on_eof = false;  // eof_received's answer
    bool keep_received = true;      // false: do not store the data (large transfers)
    Future<void> made, eof, lost;   // completed by the callbacks of those names

    std::function<void(Transport&)> on_made;
    std::function<void(Transport&, std::string_view)> on_data;
    std::function<void(Transport&)> on_eof;
    std::function<void()> on_pause;
    std::function<void()> on_resume;
};

}  // namespace looplab::net::testing
