// demos/context/request_id.cpp: a request id that follows each request through its awaits and
// into the executor, with a ContextVar, next to the same program with a thread_local.
// Lesson: docs/course.md#lesson-5-coroutines-and-tasks (context variables)
//
// asyncio: contextvars.ContextVar, as a web framework uses it for a request id in its logs:
//
//     request_id = ContextVar("request_id", default="-")
//     async def handle(rid, delay):
//         request_id.set(rid)
//         log("start"); await asyncio.sleep(delay); log("queried")
//         await asyncio.to_thread(log, "hashing on a worker thread"); log("done")
//     await asyncio.gather(handle("req-1", 0.03), handle("req-2", 0.01), handle("req-3", 0.02))
//
// The three requests run on one thread and interleave at every await. A thread_local is one
// variable for all of them: whichever request set it last is what every other one reads, so
// their log lines name the wrong request. A ContextVar is read in the current context, which
// the loop switches for each task (runtime/context.hpp): each request reads its own id, also on
// the executor's worker thread, where run_in_executor carries a copy of the caller's context.
//
// Each log line shows the request that wrote it, then the id the log function read. The demo
// counts the lines where the two differ and says so; it is not a benchmark, the sleeps only
// decide the order in which the requests interleave (10 ms apart, so the order holds on a busy
// machine).
//
// Usage: looplab-request-id
// Exit status: 0 if every ContextVar line named its own request, 1 otherwise.
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/context.hpp"
#include "runtime/looplab.hpp"

using namespace looplab;
using namespace std::chrono_literals;

namespace {

ContextVar<std::string> request_id("request_id", "-");
thread_local std::string thread_request_id = "-";

struct Tally {
    int lines = 0;
    int wrong = 0;
};

// What a logging library does: read "the current request" from somewhere global.
void log_line(Tally& tally, const std::string& writer, const std::string& read, const char* what) {
    ++tally.lines;
    if (read != writer) ++tally.wrong;
    std::printf("  %-6s [%s] %s%s\n", writer.c_str(), read.c_str(), what,
                read == writer ? "" : "   <- not this request's id");
}

Coro<void> handle_with_context_var(Tally& tally, std::string rid, Duration delay) {
    request_id.set(rid);
    log_line(tally, rid, request_id.get(), "start");
    co_await sleep(delay);
    log_line(tally, rid, request_id.get(), "queried");
    // The worker thread reads the variable in the copy of this task's context it was given.
    std::string on_worker = co_await to_thread([] { return request_id.get(); });
    log_line(tally, rid, on_worker, "read on the executor's worker thread");
}

Coro<void> handle_with_thread_local(Tally& tally, std::string rid, Duration delay) {
    thread_request_id = rid;
    log_line(tally, rid, thread_request_id, "start");
    co_await sleep(delay);
    log_line(tally, rid, thread_request_id, "queried");
    // A thread_local of the worker thread: another variable, never set there.
    std::string on_worker = co_await to_thread([] { return thread_request_id; });
    log_line(tally, rid, on_worker, "read on the executor's worker thread");
}

template <class Handler>
Coro<Tally> three_requests(Handler handle) {
    Tally tally;
    std::vector<Coro<void>> requests;
    requests.push_back(handle(tally, "req-1", 30ms));
    requests.push_back(handle(tally, "req-2", 10ms));
    requests.push_back(handle(tally, "req-3", 20ms));
    co_await gather(std::move(requests));
    co_return tally;
}

Coro<int> async_main() {
    std::printf(
        "request-id: three requests on one loop, each sets its id and logs at every "
        "step\n(the column is the request that wrote the line, [..] the id the log "
        "read)\n\n");
    std::printf("1. thread_local std::string\n");
    const Tally by_thread = co_await three_requests(handle_with_thread_local);
    std::printf("\n2. ContextVar<std::string> (runtime/context.hpp)\n");
    const Tally by_context = co_await three_requests(handle_with_context_var);
    std::printf("\nthread_local: %d of %d lines named the wrong request\n", by_thread.wrong,
                by_thread.lines);
    std::printf("ContextVar:   %d of %d lines named the wrong request\n", by_context.wrong,
                by_context.lines);
    std::printf(
        "\nThe requests share one thread, so a thread_local is shared by all of them: "
        "each\nreads whatever the request that ran last set. A ContextVar lives in each "
        "task's\nown context, which run_in_executor copies to the worker thread.\n");
    co_return by_context.wrong == 0 ? 0 : 1;
}

}  // namespace

int main() {
    return looplab::run(async_main());
}
