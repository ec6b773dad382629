// runtime/observe/trace_points.cpp: see trace_points.hpp.
#include "runtime/observe/trace_points.hpp"

#include <atomic>
#include <chrono>
#include <cstring>
#include <utility>

namespace looplab::trace {

namespace {

std::atomic<std::uint64_t> id_counter{0};

TraceEvent instant(TraceKind kind, std::uint64_t id) {
    TraceEvent e;
    e.kind = kind;
    e.start_ns = trace_now();
    e.id = id;
    return e;
}

TraceEvent slice(TraceKind kind, std::uint64_t id, std::int64_t start_ns, std::int64_t end_ns) {
    TraceEvent e;
    e.kind = kind;
    e.start_ns = start_ns;
    e.duration_ns = end_ns > start_ns ? end_ns - start_ns : 0;
    e.id = id;
    return e;
}

const char* base_name(const char* path) {
    const char* slash = std::strrchr(path, '/');
    return slash ? slash + 1 : path;
}

}  // namespace

std::uint64_t new_id() noexcept {
    return id_counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

std::string where_text(const SourceLocation& where) {
    std::string text = base_name(where.file_name());
    text += ':';
    text += std::to_string(where.line());
    if (*where.function_name()) {
        text += ' ';
        text += where.function_name();
    }
    return text;
}

// ---- the loop ----

void iteration(Tracer& t, std::int64_t start_ns, std::int64_t end_ns, std::uint64_t number,
               std::size_t callbacks) {
    TraceEvent e = slice(TraceKind::iteration, 0, start_ns, end_ns);
    e.a = static_cast<std::int64_t>(number);
    e.b = static_cast<std::int64_t>(callbacks);
    e.name = "iteration";
    t.record(std::move(e));
}

void poll(Tracer& t, std::int64_t start_ns, std::int64_t end_ns, std::optional<Duration> timeout,
          std::size_t events) {
    TraceEvent e = slice(TraceKind::poll, 0, start_ns, end_ns);
    e.a = timeout ? std::chrono::duration_cast<std::chrono::nanoseconds>(*timeout).count() : -1;
    e.b = static_cast<std::int64_t>(events);
    e.name = "poll";
    t.record(std::move(e));
}

void callback(Tracer& t, std::int64_t start_ns, std::int64_t end_ns, const SourceLocation& where,
              std::string name) {
    TraceEvent e = slice(TraceKind::callback, 0, start_ns, end_ns);
    e.name = std::move(name);
    e.where = where;
    t.record(std::move(e));
}

// ---- tasks ----

void task_created(Tracer& t, std::uint64_t id, const std::string& name, SourceLocation where) {
    TraceEvent e = instant(TraceKind::task_created, id);
    e.name = name;
    e.where = where;
    t.record(std::move(e));
}

void task_step(Tracer& t, std::uint64_t id, const std::string& name, std::int64_t start_ns,
               std::int64_t end_ns) {
    TraceEvent e = slice(TraceKind::task_step, id, start_ns, end_ns);
    e.name = name;
    t.record(std::move(e));
}

void task_wait(Tracer& t, std::uint64_t id, std::string what) {
    TraceEvent e = instant(TraceKind::task_wait, id);
    e.name = std::move(what);
    t.record(std::move(e));
}

void task_done(Tracer& t, std::uint64_t id, const std::string& name, TaskOutcome outcome) {
    TraceEvent e = instant(TraceKind::task_done, id);
    e.a = static_cast<std::int64_t>(outcome);
    e.name = name;
    t.record(std::move(e));
}

// ---- the executor ----

void executor_queued(Tracer& t, std::uint64_t id, std::size_t queue_length, std::int64_t at_ns) {
    TraceEvent e = instant(TraceKind::executor_queued, id);
    e.start_ns = at_ns;
    e.a = static_cast<std::int64_t>(queue_length);
    e.name = "queued";
    t.record(std::move(e));
}

void executor_run(Tracer& t, std::uint64_t id, std::int64_t start_ns, std::size_t worker) {
    TraceEvent e = slice(TraceKind::executor_run, id, start_ns, trace_now());
    e.a = static_cast<std::int64_t>(worker);
    e.name = "run_in_executor";
    t.record(std::move(e));
}

void executor_returned(Tracer& t, std::uint64_t id) {
    TraceEvent e = instant(TraceKind::executor_returned, id);
    e.name = "returned";
    t.record(std::move(e));
}

// ---- the HTTP client ----

void http_request(Tracer& t, std::uint64_t id, std::int64_t start_ns, std::string name,
                  std::string detail) {
    TraceEvent e = slice(TraceKind::http_request, id, start_ns, trace_now());
    e.name = std::move(name);
    e.detail = std::move(detail);
    t.record(std::move(e));
}

void http_phase(Tracer& t, std::uint64_t id, std::int64_t start_ns, const char* phase,
                std::string detail) {
    TraceEvent e = slice(TraceKind::http_phase, id, start_ns, trace_now());
    e.name = phase;
    e.detail = std::move(detail);
    t.record(std::move(e));
}

}  // namespace looplab::trace
