// tests/runtime/selector_test.cpp: the selector contract, checked on every backend.
//
// asyncio: Lib/test/test_selectors.py (one base test class, run once per selector class).
// libuv:   test/test-poll.c and friends.
//
// The contract in runtime/selector/selector.hpp is written once, so it is tested once: the
// SelectorConformance suite is value-parameterized over every SelectorKind compiled into
// this build, and a backend joins it by being available. Tests use real pipes and
// socketpairs rather than a fake, because the point is what the kernel reports. They assert
// what select() returns, never how long it took: shared machines are too noisy for that.
// The fixture checks that every test closes every fd it opened, the selector's own included.

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/selector/choose_selector.hpp"
#include "runtime/selector/selector.hpp"
#include "runtime/selector/selector_detail.hpp"
#include "runtime/selector/selector_poll.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;

constexpr SelectorKind kAllKinds[] = {SelectorKind::epoll, SelectorKind::poll,
                                      SelectorKind::kqueue};

std::vector<SelectorKind> available_kinds() {
    std::vector<SelectorKind> kinds;
    for (SelectorKind kind : kAllKinds) {
        if (selector_available(kind)) kinds.push_back(kind);
    }
    return kinds;
}

// How many fds this process has open. /proc/self/fd on Linux, /dev/fd on macOS and the BSDs;
// the directory listing's own fd shows up in every count alike, so differences are exact.
std::size_t count_open_fds() {
    for (const char* dir : {"/proc/self/fd", "/dev/fd"}) {
        std::error_code ec;
        std::filesystem::directory_iterator it(dir, ec);
        if (ec) continue;
        return static_cast<std::size_t>(std::distance(it, std::filesystem::directory_iterator()));
    }
    ADD_FAILURE() << "cannot list open fds on this platform";
    return 0;
}

// An owned fd, closed on destruction, so a failing assertion cannot leak it.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        reset(std::exchange(other.fd_, -1));
        return *this;
    }
    ~Fd() { reset(); }

    int get() const { return fd_; }
    // Closes the current fd (if any) and owns `fd` instead.
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    ASSERT_GE(flags, 0);
    ASSERT_EQ(::fcntl(fd, F_SETFL, flags | O_NONBLOCK), 0);
}

// A connected pair of fds. For a pipe, `first` is the read end and `second` the write end.
struct FdPair {
    Fd first;
    Fd second;
};

// Both made non-blocking, so a test that gets its expectations wrong fails instead of hanging.
FdPair make_pipe() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::system_error(errno, std::system_category(), "pipe");
    FdPair pair{Fd(fds[0]), Fd(fds[1])};
    set_nonblocking(fds[0]);
    set_nonblocking(fds[1]);
    return pair;
}

FdPair make_socketpair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
        throw std::system_error(errno, std::system_category(), "socketpair");
    }
    FdPair pair{Fd(fds[0]), Fd(fds[1])};
    set_nonblocking(fds[0]);
    set_nonblocking(fds[1]);
    return pair;
}

void write_byte(int fd) {
    ASSERT_EQ(::write(fd, "x", 1), 1);
}

// Reads until the fd would block; returns how many bytes that was.
std::size_t drain(int fd) {
    std::size_t total = 0;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return total;
        total += static_cast<std::size_t>(n);
    }
}

// The event select() reported for fd, if any.
std::optional<SelectorEvent> event_for(const std::vector<SelectorEvent>& events, int fd) {
    for (const SelectorEvent& ev : events) {
        if (ev.fd == fd) return ev;
    }
    return std::nullopt;
}

// Sets or unsets an environment variable for one scope, then puts the old value back.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value != nullptr) {
            ::setenv(name, value, 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_.c_str(), old_->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::string name_;
    std::optional<std::string> old_;
};

// Raises the soft fd limit to at least `wanted` for one scope if the hard limit allows.
class ScopedFdLimit {
public:
    explicit ScopedFdLimit(rlim_t wanted) {
        if (::getrlimit(RLIMIT_NOFILE, &old_) != 0) return;
        if (old_.rlim_cur == RLIM_INFINITY || old_.rlim_cur >= wanted) {
            ok_ = true;
            return;
        }
        if (old_.rlim_max != RLIM_INFINITY && old_.rlim_max < wanted) return;
        rlimit raised = old_;
        raised.rlim_cur = wanted;
        ok_ = changed_ = ::setrlimit(RLIMIT_NOFILE, &raised) == 0;
    }
    ~ScopedFdLimit() {
        if (changed_) ::setrlimit(RLIMIT_NOFILE, &old_);
    }
    ScopedFdLimit(const ScopedFdLimit&) = delete;
    ScopedFdLimit& operator=(const ScopedFdLimit&) = delete;

    bool ok() const { return ok_; }

private:
    rlimit old_{};
    bool ok_ = false;
    bool changed_ = false;
};

// ---------------------------------------------------------------------------------------
// The contract, once per available backend.

class SelectorConformance : public testing::TestWithParam<SelectorKind> {
protected:
    void SetUp() override {
        fds_before_ = count_open_fds();
        selector_ = make_selector(GetParam());
        ASSERT_NE(selector_, nullptr);
    }

    void TearDown() override {
        selector_.reset();  // its own fd (epoll, kqueue) must go too
        EXPECT_EQ(count_open_fds(), fds_before_) << "the test or the selector leaked an fd";
    }

    // select() with a zero timeout: what is ready right now.
    int poll_now() { return selector_->select(0ns, events_); }

    std::unique_ptr<Selector> selector_;
    std::vector<SelectorEvent> events_;  // select()'s output, reused like the loop does

private:
    std::size_t fds_before_ = 0;
};

TEST_P(SelectorConformance, IsNamedAfterItsKind) {
    EXPECT_EQ(selector_->name(), to_string(GetParam()));
}

TEST_P(SelectorConformance, ReturnsNoEventsForAZeroTimeoutWhenNothingIsReady) {
    FdPair pipe = make_pipe();
    selector_->register_fd(pipe.first.get(), kRead, nullptr);
    EXPECT_EQ(poll_now(), 0);
    EXPECT_TRUE(events_.empty());
}

TEST_P(SelectorConformance, ReturnsNoEventsForAZeroTimeoutWithNothingRegistered) {
    EXPECT_EQ(poll_now(), 0);
    EXPECT_TRUE(events_.empty());
}

TEST_P(SelectorConformance, ClearsTheOutputVectorBeforeFillingIt) {
    events_.push_back(SelectorEvent{12345, kRead, nullptr});
    EXPECT_EQ(poll_now(), 0);
    EXPECT_TRUE(events_.empty());
}

TEST_P(SelectorConformance, ReturnsNoEventsWhenATwentyMillisecondTimeoutExpires) {
    FdPair pipe = make_pipe();
    selector_->register_fd(pipe.first.get(), kRead, nullptr);
    EXPECT_EQ(selector_->select(20ms, events_), 0);
    EXPECT_TRUE(events_.empty());
}

TEST_P(SelectorConformance, ReportsAPipeReadableOnceDataIsWritten) {
    FdPair pipe = make_pipe();
    selector_->register_fd(pipe.first.get(), kRead, nullptr);
    ASSERT_EQ(poll_now(), 0);

    write_byte(pipe.second.get());
    ASSERT_EQ(poll_now(), 1);
    ASSERT_EQ(events_.size(), 1u);
    EXPECT_EQ(events_[0].fd, pipe.first.get());
    EXPECT_EQ(events_[0].events, kRead);
}

TEST_P(SelectorConformance, WaitsWithoutATimeoutUntilAnotherThreadMakesAnFdReady) {
    FdPair pipe = make_pipe();
    selector_->register_fd(pipe.first.get(), kRead, nullptr);
    std::thread writer([fd = pipe.second.get()] {
        std::this_thread::sleep_for(10ms);
        EXPECT_EQ(::write(fd, "x", 1), 1);
    });
    const int n = selector_->select(std::nullopt, events_);
    writer.join();
    ASSERT_EQ(n, 1);
    EXPECT_EQ(events_[0].fd, pipe.first.get());
    EXPECT_EQ(events_[0].events, kRead);
}

TEST_P(SelectorConformance, ReportsAnEmptySocketpairWritableImmediately) {
    FdPair sockets = make_socketpair();
    selector_->register_fd(sockets.first.get(), kWrite, nullptr);
    ASSERT_EQ(poll_now(), 1);
    EXPECT_EQ(events_[0].fd, sockets.first.get());
    EXPECT_EQ(events_[0].events, kWrite);
}

TEST_P(SelectorConformance, DoesNotReportASocketWritableWhileItsSendBufferIsFull) {
    FdPair sockets = make_socketpair();
    // Fill the send buffer (and the peer's receive buffer) until the kernel says EAGAIN.
    std::vector<char> chunk(4096, 'x');
    std::size_t written = 0;
    for (;;) {
        const ssize_t n = ::write(sockets.first.get(), chunk.data(), chunk.size());
        if (n < 0) {
            ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << "write: errno " << errno;
            break;
        }
        written += static_cast<std::size_t>(n);
        ASSERT_LT(written, std::size_t{256} << 20) << "the send buffer never filled up";
    }

    selector_->register_fd(sockets.first.get(), kWrite, nullptr);
    EXPECT_EQ(poll_now(), 0);

    // Once the peer reads everything, the space comes back and so does writability.
    EXPECT_EQ(drain(sockets.second.get()), written);
    ASSERT_EQ(selector_->select(10s, events_), 1);
    EXPECT_EQ(events_[0].fd, sockets.first.get());
    EXPECT_EQ(events_[0].events, kWrite);
}

TEST_P(SelectorConformance, ReportsASocketWhosePeerClosedAsReadable) {
    FdPair sockets = make_socketpair();
    selector_->register_fd(sockets.first.get(), kRead, nullptr);
    ASSERT_EQ(poll_now(), 0);

    sockets.second.reset();
    ASSERT_EQ(poll_now(), 1);
    EXPECT_EQ(events_[0].fd, sockets.first.get());
    EXPECT_EQ(events_[0].events, kRead);
    char c;
    EXPECT_EQ(::read(sockets.first.get(), &c, 1), 0) << "the read the loop then makes sees EOF";
}

TEST_P(SelectorConformance, ReportsAHungUpSocketAsBothReadableAndWritable) {
    FdPair sockets = make_socketpair();
    selector_->register_fd(sockets.first.get(), kRead | kWrite, nullptr);
    sockets.second.reset();
    ASSERT_EQ(poll_now(), 1);
    EXPECT_EQ(events_[0].events, kRead | kWrite);
}

TEST_P(SelectorConformance, ReportsAPipeWhoseWriterClosedAsReadableOnly) {
    FdPair pipe = make_pipe();
    selector_->register_fd(pipe.first.get(), kRead, nullptr);
    pipe.second.reset();
    ASSERT_EQ(poll_now(), 1);
    // Hang-up means "readable and writable", but masked by the interest: only kRead here.
    EXPECT_EQ(events_[0].events, kRead);
}

TEST_P(SelectorConformance, ReportsAPipeWhoseReaderClosedAsWritableSoTheWriteSeesEpipe) {
    FdPair pipe = make_pipe();
    selector_->register_fd(pipe.second.get(), kWrite, nullptr);
    pipe.first.reset();
    ASSERT_EQ(poll_now(), 1);
    EXPECT_EQ(events_[0].fd, pipe.second.get());
    EXPECT_EQ(events_[0].events, kWrite);
}

TEST_P(SelectorConformance, ReturnsTheDataPointerGivenAtRegistration) {
    FdPair a = make_pipe();
    FdPair b = make_pipe();
    int data_a = 0;
    int data_b = 0;
    selector_->register_fd(a.first.get(), kRead, &data_a);
    selector_->register_fd(b.first.get(), kRead, &data_b);
    write_byte(a.second.get());
    write_byte(b.second.get());

    ASSERT_EQ(poll_now(), 2);
    const auto ev_a = event_for(events_, a.first.get());
    const auto ev_b = event_for(events_, b.first.get());
    ASSERT_TRUE(ev_a && ev_b);
    EXPECT_EQ(ev_a->data, &data_a);
    EXPECT_EQ(ev_b->data, &data_b);
}

TEST_P(SelectorConformance, ModifyReplacesBothTheInterestAndTheData) {
    FdPair sockets = make_socketpair();
    int reader = 0;
    int writer = 0;
    selector_->register_fd(sockets.first.get(), kRead, &reader);
    ASSERT_EQ(poll_now(), 0) << "nothing to read, and writability is not asked for yet";

    selector_->modify(sockets.first.get(), kWrite, &writer);
    write_byte(sockets.second.get());  // now readable too, but reading is no longer asked for
    ASSERT_EQ(poll_now(), 1);
    EXPECT_EQ(events_[0].fd, sockets.first.get());
    EXPECT_EQ(events_[0].events, kWrite);
    EXPECT_EQ(events_[0].data, &writer);
}

TEST_P(SelectorConformance, ModifyWithTheSameInterestStillReplacesTheData) {
    FdPair pipe = make_pipe();
    int before = 0;
    int after = 0;
    selector_->register_fd(pipe.first.get(), kRead, &before);
    selector_->modify(pipe.first.get(), kRead, &after);
    write_byte(pipe.second.get());
    ASSERT_EQ(poll_now(), 1);
    EXPECT_EQ(events_[0].data, &after);
}

TEST_P(SelectorConformance, ModifyCanWidenAndNarrowTheInterest) {
    FdPair sockets = make_socketpair();
    write_byte(sockets.second.get());  // readable and (empty send buffer) writable
    selector_->register_fd(sockets.first.get(), kRead, nullptr);
    ASSERT_EQ(poll_now(), 1);
    EXPECT_EQ(events_[0].events, kRead);

    selector_->modify(sockets.first.get(), kRead | kWrite, nullptr);
    ASSERT_EQ(poll_now(), 1);
    EXPECT_EQ(events_[0].events, kRead | kWrite) << "one event per fd, both directions merged";

    selector_->modify(sockets.first.get(), kRead, nullptr);
    ASSERT_EQ(poll_now(), 1);
    EXPECT_EQ(events_[0].events, kRead);
}

TEST_P(SelectorConformance, UnregisterStopsReports) {
    FdPair pipe = make_pipe();
    selector_->register_fd(pipe.first.get(), kRead, nullptr);
    write_byte(pipe.second.get());
    ASSERT_EQ(poll_now(), 1);

    selector_->unregister(pipe.first.get());
    EXPECT_EQ(poll_now(), 0);
    EXPECT_EQ(selector_->size(), 0u);
}

TEST_P(SelectorConformance, UnregisterOfAnFdTheCallerAlreadyClosedDoesNotThrow) {
    FdPair pipe = make_pipe();
    const int fd = pipe.first.get();
    selector_->register_fd(fd, kRead, nullptr);
    pipe.first.reset();

    EXPECT_NO_THROW(selector_->unregister(fd));
    EXPECT_EQ(selector_->size(), 0u);
    EXPECT_THROW(selector_->unregister(fd), std::invalid_argument) << "and it is forgotten";
}

TEST_P(SelectorConformance, ForgetsAClosedFdEvenAfterItsNumberWasReused) {
    FdPair old_pipe = make_pipe();
    const int fd = old_pipe.first.get();
    selector_->register_fd(fd, kRead, nullptr);
    old_pipe.first.reset();

    // A newer open takes the same number before the caller gets round to unregistering.
    FdPair new_pipe = make_pipe();
    ASSERT_EQ(::dup2(new_pipe.first.get(), fd), fd);
    Fd reused(fd);

    EXPECT_NO_THROW(selector_->unregister(fd));
    // The number is free to register afresh and reports the new file.
    int data = 0;
    selector_->register_fd(fd, kRead, &data);
    write_byte(new_pipe.second.get());
    ASSERT_EQ(poll_now(), 1);
    EXPECT_EQ(events_[0].fd, fd);
    EXPECT_EQ(events_[0].data, &data);
    selector_->unregister(fd);
}

TEST_P(SelectorConformance, RegisteringAnFdTwiceThrowsAndKeepsTheFirstRegistration) {
    FdPair pipe = make_pipe();
    int first = 0;
    int second = 0;
    selector_->register_fd(pipe.first.get(), kRead, &first);
    EXPECT_THROW(selector_->register_fd(pipe.first.get(), kRead, &second), std::invalid_argument);
    EXPECT_EQ(selector_->size(), 1u);

    write_byte(pipe.second.get());
    ASSERT_EQ(poll_now(), 1);
    EXPECT_EQ(events_[0].data, &first);
}

TEST_P(SelectorConformance, ModifyOfAnUnregisteredFdThrows) {
    FdPair pipe = make_pipe();
    EXPECT_THROW(selector_->modify(pipe.first.get(), kRead, nullptr), std::invalid_argument);
    EXPECT_THROW(selector_->modify(100000, kRead, nullptr), std::invalid_argument);
    EXPECT_EQ(selector_->size(), 0u);
}

TEST_P(SelectorConformance, UnregisterOfAnUnregisteredFdThrows) {
    FdPair pipe = make_pipe();
    EXPECT_THROW(selector_->unregister(pipe.first.get()), std::invalid_argument);
    EXPECT_THROW(selector_->unregister(100000), std::invalid_argument);
    EXPECT_THROW(selector_->unregister(-1), std::invalid_argument);
}

TEST_P(SelectorConformance, RejectsAnEmptyOrUnknownInterestAndNegativeFds) {
    FdPair pipe = make_pipe();
    EXPECT_THROW(selector_->register_fd(pipe.first.get(), 0, nullptr), std::invalid_argument);
    EXPECT_THROW(selector_->register_fd(pipe.first.get(), 1u << 5, nullptr), std::invalid_argument);
    EXPECT_THROW(selector_->register_fd(-1, kRead, nullptr), std::invalid_argument);
    EXPECT_EQ(selector_->size(), 0u);

    selector_->register_fd(pipe.first.get(), kRead, nullptr);
    EXPECT_THROW(selector_->modify(pipe.first.get(), 0, nullptr), std::invalid_argument);
    EXPECT_EQ(selector_->size(), 1u);
}

TEST_P(SelectorConformance, IsLevelTriggeredReportingAnUndrainedFdAgain) {
    FdPair pipe = make_pipe();
    selector_->register_fd(pipe.first.get(), kRead, nullptr);
    write_byte(pipe.second.get());
    write_byte(pipe.second.get());

    EXPECT_EQ(poll_now(), 1);
    EXPECT_EQ(poll_now(), 1) << "still unread, so still reported";
    char c;
    ASSERT_EQ(::read(pipe.first.get(), &c, 1), 1);
    EXPECT_EQ(poll_now(), 1) << "one byte is left";
    ASSERT_EQ(::read(pipe.first.get(), &c, 1), 1);
    EXPECT_EQ(poll_now(), 0);
}

TEST_P(SelectorConformance, ReportsExactlyTheTenReadySocketsOutOfAThousand) {
    constexpr std::size_t kPairs = 1000;
    ScopedFdLimit limit(2 * kPairs + 256);
    if (!limit.ok()) GTEST_SKIP() << "the fd limit is too low for 1000 socketpairs";

    std::vector<FdPair> pairs;
    std::vector<int> data(kPairs);
    pairs.reserve(kPairs);
    for (std::size_t i = 0; i < kPairs; ++i) {
        pairs.push_back(make_socketpair());
        selector_->register_fd(pairs[i].first.get(), kRead, &data[i]);
    }
    std::set<int> written;
    for (std::size_t i = 7; i < kPairs; i += 100) {
        write_byte(pairs[i].second.get());
        written.insert(pairs[i].first.get());
    }
    ASSERT_EQ(written.size(), 10u);

    ASSERT_EQ(poll_now(), 10);
    std::set<int> reported;
    for (const SelectorEvent& ev : events_) {
        reported.insert(ev.fd);
        EXPECT_EQ(ev.events, kRead);
        const auto index = static_cast<std::size_t>(static_cast<int*>(ev.data) - data.data());
        ASSERT_LT(index, kPairs);
        EXPECT_EQ(pairs[index].first.get(), ev.fd) << "data belongs to the fd it came with";
    }
    EXPECT_EQ(reported, written);

    for (FdPair& pair : pairs) selector_->unregister(pair.first.get());
    EXPECT_EQ(selector_->size(), 0u);
}

TEST_P(SelectorConformance, ReportsEveryReadyFdEvenWhenThereAreMoreThanABufferful) {
    // More than any backend's initial buffer, so one select() must cope with a burst.
    constexpr std::size_t kPipes = 300;
    ScopedFdLimit limit(2 * kPipes + 256);
    if (!limit.ok()) GTEST_SKIP() << "the fd limit is too low for 300 pipes";

    std::vector<FdPair> pipes;
    pipes.reserve(kPipes);
    for (std::size_t i = 0; i < kPipes; ++i) {
        pipes.push_back(make_pipe());
        selector_->register_fd(pipes[i].first.get(), kRead, nullptr);
        write_byte(pipes[i].second.get());
    }
    for (int round = 0; round < 2; ++round) {  // the second round runs on the grown buffer
        ASSERT_EQ(poll_now(), static_cast<int>(kPipes));
        std::set<int> reported;
        for (const SelectorEvent& ev : events_) reported.insert(ev.fd);
        EXPECT_EQ(reported.size(), kPipes) << "each ready fd exactly once";
    }
}

TEST_P(SelectorConformance, SizeTracksRegistrations) {
    FdPair a = make_pipe();
    FdPair b = make_socketpair();
    EXPECT_EQ(selector_->size(), 0u);
    selector_->register_fd(a.first.get(), kRead, nullptr);
    selector_->register_fd(b.first.get(), kRead | kWrite, nullptr);
    selector_->register_fd(b.second.get(), kWrite, nullptr);
    EXPECT_EQ(selector_->size(), 3u);
    selector_->modify(b.first.get(), kRead, nullptr);
    EXPECT_EQ(selector_->size(), 3u);
    selector_->unregister(a.first.get());
    EXPECT_EQ(selector_->size(), 2u);
    selector_->unregister(b.first.get());
    selector_->unregister(b.second.get());
    EXPECT_EQ(selector_->size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AvailableBackends, SelectorConformance,
                         testing::ValuesIn(available_kinds()),
                         [](const testing::TestParamInfo<SelectorKind>& info) {
                             return std::string(to_string(info.param));
                         });

// ---------------------------------------------------------------------------------------
// Backend-specific behaviour, where the kernels genuinely differ.

TEST(PollSelector, ReportsAnFdClosedWhileStillRegisteredSoTheLoopDoesNotSpinSilently) {
    const std::size_t fds_before = count_open_fds();
    {
        PollSelector selector;
        FdPair pipe = make_pipe();
        const int fd = pipe.first.get();
        int data = 0;
        selector.register_fd(fd, kRead, &data);
        pipe.first.reset();  // closed behind the selector's back: poll() says POLLNVAL

        std::vector<SelectorEvent> events;
        ASSERT_EQ(selector.select(0ns, events), 1);
        EXPECT_EQ(events[0].fd, fd);
        EXPECT_EQ(events[0].events, kRead) << "read and write, masked by the interest";
        EXPECT_EQ(events[0].data, &data);
        selector.unregister(fd);
    }
    EXPECT_EQ(count_open_fds(), fds_before);
}

// ---------------------------------------------------------------------------------------
// Choosing a backend.

TEST(SelectorTimeout, RoundsUpToWholeMillisecondsSoShortTimersDoNotBusyLoop) {
    using detail::timeout_to_milliseconds;
    EXPECT_EQ(timeout_to_milliseconds(std::nullopt), -1);
    EXPECT_EQ(timeout_to_milliseconds(0ns), 0);
    EXPECT_EQ(timeout_to_milliseconds(-5ms), 0);
    EXPECT_EQ(timeout_to_milliseconds(1ns), 1);
    EXPECT_EQ(timeout_to_milliseconds(500us), 1);
    EXPECT_EQ(timeout_to_milliseconds(1ms), 1);
    EXPECT_EQ(timeout_to_milliseconds(1ms + 1ns), 2);
    EXPECT_EQ(timeout_to_milliseconds(20ms), 20);
    EXPECT_EQ(timeout_to_milliseconds(std::chrono::nanoseconds::max()), INT_MAX);
}

TEST(DefaultSelectorKind, IsAvailableAndIsEpollOnLinux) {
    EXPECT_TRUE(selector_available(default_selector_kind()));
#if defined(__linux__)
    EXPECT_EQ(default_selector_kind(), SelectorKind::epoll);
#endif
}

TEST(MakeSelector, BuildsEveryAvailableKindUnderItsOwnName) {
    for (SelectorKind kind : available_kinds()) {
        const std::unique_ptr<Selector> selector = make_selector(kind);
        ASSERT_NE(selector, nullptr);
        EXPECT_EQ(selector->name(), to_string(kind));
        EXPECT_EQ(selector->size(), 0u);
    }
}

TEST(MakeSelector, RejectsAKindNotCompiledIntoThisBuild) {
    bool any = false;
    for (SelectorKind kind : kAllKinds) {
        if (selector_available(kind)) continue;
        any = true;
        EXPECT_THROW(make_selector(kind), std::invalid_argument) << to_string(kind);
    }
    if (!any) GTEST_SKIP() << "every backend is available here";
}

TEST(SelectorKindFromEnv, UsesTheDefaultWhenUnsetOrEmpty) {
    {
        ScopedEnv env("LOOPLAB_SELECTOR", nullptr);
        EXPECT_EQ(selector_kind_from_env(), default_selector_kind());
    }
    {
        ScopedEnv env("LOOPLAB_SELECTOR", "");
        EXPECT_EQ(selector_kind_from_env(), default_selector_kind());
    }
}

TEST(SelectorKindFromEnv, ParsesTheNameOfEveryAvailableKind) {
    for (SelectorKind kind : available_kinds()) {
        const std::string name(to_string(kind));
        ScopedEnv env("LOOPLAB_SELECTOR", name.c_str());
        EXPECT_EQ(selector_kind_from_env(), kind) << name;
    }
}

TEST(SelectorKindFromEnv, RejectsAnUnknownNameNamingItAndTheValidOnes) {
    for (const char* bad : {"bogus", "EPOLL", "poll ", "devpoll"}) {
        ScopedEnv env("LOOPLAB_SELECTOR", bad);
        try {
            selector_kind_from_env();
            ADD_FAILURE() << "no exception for '" << bad << "'";
        } catch (const std::invalid_argument& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(bad), std::string::npos) << what;
            EXPECT_NE(what.find("poll"), std::string::npos) << "lists the valid names: " << what;
        }
    }
}

TEST(SelectorKindFromEnv, RejectsAKindNotCompiledIntoThisBuild) {
    bool any = false;
    for (SelectorKind kind : kAllKinds) {
        if (selector_available(kind)) continue;
        any = true;
        const std::string name(to_string(kind));
        ScopedEnv env("LOOPLAB_SELECTOR", name.c_str());
        EXPECT_THROW(selector_kind_from_env(), std::invalid_argument) << name;
    }
    if (!any) GTEST_SKIP() << "every backend is available here";
}

TEST(SelectorKind, HasAStringForEveryKind) {
    EXPECT_EQ(to_string(SelectorKind::epoll), "epoll");
    EXPECT_EQ(to_string(SelectorKind::poll), "poll");
    EXPECT_EQ(to_string(SelectorKind::kqueue), "kqueue");
}

}  // namespace
}  // namespace looplab
