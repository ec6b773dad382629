// runtime/observe/watchdog.cpp: see watchdog.hpp (and its proof of what each thread touches).
#include "runtime/observe/watchdog.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <system_error>

#include "runtime/event_loop.hpp"
#include "runtime/task.hpp"

namespace looplab {

namespace {

template <std::size_t N>
void store_text(std::atomic<char> (&to)[N], const std::string& text) {
    const std::size_t n = std::min(text.size(), N - 1);
    for (std::size_t i = 0; i < n; ++i) to[i].store(text[i], std::memory_order_relaxed);
    to[n].store('\0', std::memory_order_relaxed);
}

template <std::size_t N>
std::string load_text(const std::atomic<char> (&from)[N]) {
    std::string text;
    for (std::size_t i = 0; i < N; ++i) {
        const char c = from[i].load(std::memory_order_relaxed);
        if (c == '\0') break;
        text += c;
    }
    return text;
}

void set_non_blocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// The task a callback will step, if its label says (a first step, a sleep(0) step, or the
// wake-up of the task that awaits the done future).
const TaskBase* task_of(const Handle& handle, const observe::AwaitedBy& awaited) {
    const Label& label = handle.label();
    if (!label || label.describe != &labels::describe_about) return nullptr;
    const auto* future =
        static_cast<const detail::FutureStateBase*>(static_cast<const Describable*>(label.subject));
    if (labels::is_done_callback(label)) return awaited.task_of(future);
    return const_cast<detail::FutureStateBase*>(future)->as_task();
}

std::string origin_of(const Handle& handle, const TaskBase* task) {
    if (task) {
        return "Task '" + task->get_name() + "' was created at " +
               observe::site_text(task->created_at());
    }
    return "scheduled at " + observe::site_text(handle.where());
}

void write_to_stderr(const Watchdog::Report& report) {
    const std::string text = report.text() + "\n";
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

}  // namespace

std::string Watchdog::Report::text() const {
    const std::string took = labels::duration_text(Duration(at_ns - since_ns));
    std::string text = signalled ? "looplab watchdog (SIGUSR1): the loop is busy: for "
                                 : "looplab watchdog: the loop is stuck: for ";
    text += took + " (iteration " + std::to_string(iteration) + ") it has been inside " + inside;
    if (!origin.empty()) text += "; " + origin;
    return text;
}

Watchdog::Watchdog(std::optional<Duration> threshold, Sink sink)
    : threshold_(threshold), sink_(sink ? std::move(sink) : Sink(write_to_stderr)) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "watchdog pipe");
    pipe_read_ = fds[0];
    pipe_write_ = fds[1];
    set_non_blocking(pipe_read_);
    set_non_blocking(pipe_write_);
    thread_ = std::thread([this] { run(); });
}

Watchdog::~Watchdog() {
    stop();
    ::close(pipe_read_);
    ::close(pipe_write_);
}

void Watchdog::stop() noexcept {
    if (!thread_.joinable()) return;
    stopping_.store(true, std::memory_order_relaxed);
    poke();
    thread_.join();
}

void Watchdog::poke() noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(pipe_write_, &one, sizeof one);  // full: already poked
}

// ---- the loop thread -------------------------------------------------------------------------

void Watchdog::before_callback(EventLoop& loop, const Handle& handle) {
    const TaskBase* task = task_of(handle, awaited_);
    publish(loop.iteration_count(), observe::callback_text(loop, handle, &awaited_),
            origin_of(handle, task));
}

void Watchdog::callback_ran(EventLoop&, const CallbackRecord&) {
    publish_idle();
}

void Watchdog::task_stepped(TaskBase& task, const StepRecord& record) {
    awaited_.task_stepped(task, record);
}

void Watchdog::task_done(TaskBase& task) {
    awaited_.task_done(task);
}

// The writer's half of the seqlock (watchdog.hpp).
void Watchdog::publish(std::uint64_t iteration, const std::string& inside,
                       const std::string& origin) {
    const std::uint64_t seq = slot_.seq.load(std::memory_order_relaxed);
    slot_.seq.store(seq + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    store_text(slot_.inside, inside);
    store_text(slot_.origin, origin);
    slot_.iteration.store(iteration, std::memory_order_relaxed);
    slot_.callback.store(++callbacks_begun_, std::memory_order_relaxed);
    slot_.since_ns.store(monotonic_ns(), std::memory_order_relaxed);
    slot_.seq.store(seq + 2, std::memory_order_release);
}

void Watchdog::publish_idle() {
    const std::uint64_t seq = slot_.seq.load(std::memory_order_relaxed);
    slot_.seq.store(seq + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    slot_.since_ns.store(0, std::memory_order_relaxed);
    slot_.seq.store(seq + 2, std::memory_order_release);
}

// ---- the watchdog thread ---------------------------------------------------------------------

// The reader's half of the seqlock.
bool Watchdog::read_slot(Seen& seen) const {
    const std::uint64_t before = slot_.seq.load(std::memory_order_acquire);
    if (before % 2 != 0) return false;
    seen.since_ns = slot_.since_ns.load(std::memory_order_relaxed);
    seen.callback = slot_.callback.load(std::memory_order_relaxed);
    seen.iteration = slot_.iteration.load(std::memory_order_relaxed);
    seen.inside = load_text(slot_.inside);
    seen.origin = load_text(slot_.origin);
    std::atomic_thread_fence(std::memory_order_acquire);
    return slot_.seq.load(std::memory_order_relaxed) == before;
}

void Watchdog::run() {
    // Wake every quarter threshold, so a stuck callback is reported at most 1.25 thresholds
    // after it began; with no threshold, only when poked.
    const int period_ms =
        threshold_
            ? std::max<int>(
                  1,
                  static_cast<int>(
                      std::chrono::duration_cast<std::chrono::milliseconds>(*threshold_).count() /
                      4))
            : -1;
    while (!stopping_.load(std::memory_order_relaxed)) {
        pollfd p{pipe_read_, POLLIN, 0};
        const int ready = ::poll(&p, 1, period_ms);
        bool poked = false;
        if (ready > 0) {
            std::uint64_t bytes[16];
            while (::read(pipe_read_, bytes, sizeof bytes) > 0) poked = true;
        }
        if (stopping_.load(std::memory_order_relaxed)) break;
        check(poked);
    }
}

void Watchdog::check(bool poked) {
    Seen seen;
    if (!read_slot(seen) || seen.since_ns == 0) return;  // writing, or not inside a callback
    const std::int64_t now = monotonic_ns();
    const bool overdue = threshold_ && Duration(now - seen.since_ns) >= *threshold_ &&
                         seen.callback != last_reported_;
    if (!poked && !overdue) return;
    if (overdue) last_reported_ = seen.callback;
    sink_(Report{seen.inside, seen.origin, seen.since_ns, now, seen.iteration, poked && !overdue});
}

// ---- LOOPLAB_DEBUG_WATCHDOG --------------------------------------------------------------------

namespace debug {

std::optional<Duration> parse_watchdog_threshold(std::string_view text) {
    if (text.empty() || text == "0" || text == "off") return std::nullopt;
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    const std::string_view unit = text.substr(digits);
    if (digits == 0 || digits > 12) {
        throw std::invalid_argument("LOOPLAB_DEBUG_WATCHDOG='" + std::string(text) +
                                    "': expected a duration such as 200ms, 1s or 500us, or off");
    }
    const std::int64_t n = std::stoll(std::string(text.substr(0, digits)));
    if (n == 0) return std::nullopt;
    using namespace std::chrono;
    if (unit == "ns") return nanoseconds(n);
    if (unit == "us") return microseconds(n);
    if (unit == "ms") return milliseconds(n);
    if (unit == "s") return seconds(n);
    throw std::invalid_argument("LOOPLAB_DEBUG_WATCHDOG='" + std::string(text) +
                                "': the unit must be ns, us, ms or s (as in 200ms)");
}

}  // namespace debug
}  // namespace looplab
