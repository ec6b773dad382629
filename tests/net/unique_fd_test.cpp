// tests/net/unique_fd_test.cpp: UniqueFd closes what it owns, exactly once.
//
// The "exactly once" tests rely on the kernel handing out the lowest free descriptor number:
// after a close, the next open reuses the number, so a second close by a stale owner would hit
// the new, unrelated file. That is the real-world failure a double close causes, and the tests
// check for it directly.
#include "net/unique_fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <utility>

#include "support/fd_leak_check.hpp"

namespace looplab::net {
namespace {

class UniqueFdTest : public testing::NoFdLeaks {};

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

struct Pipe {
    int read_end = -1;
    int write_end = -1;
};

Pipe make_pipe() {
    int ends[2];
    EXPECT_EQ(::pipe2(ends, O_CLOEXEC), 0);
    return Pipe{ends[0], ends[1]};
}

TEST_F(UniqueFdTest, DefaultConstructedOwnsNothingAndIsFalse) {
    const UniqueFd fd;
    EXPECT_FALSE(fd);
    EXPECT_EQ(fd.get(), -1);
}

TEST_F(UniqueFdTest, ClosesItsDescriptorWhenDestroyed) {
    const Pipe pipe = make_pipe();
    UniqueFd write_end(pipe.write_end);
    {
        const UniqueFd read_end(pipe.read_end);
        EXPECT_TRUE(read_end);
        EXPECT_TRUE(is_open(pipe.read_end));
    }
    EXPECT_FALSE(is_open(pipe.read_end));
}

TEST_F(UniqueFdTest, MovingTransfersOwnershipSoTheDescriptorIsClosedExactlyOnce) {
    const Pipe pipe = make_pipe();
    const UniqueFd write_end(pipe.write_end);
    std::optional<UniqueFd> moved_from(std::in_place, pipe.read_end);
    {
        const UniqueFd owner(std::move(*moved_from));
        EXPECT_FALSE(*moved_from);
        EXPECT_EQ(owner.get(), pipe.read_end);
    }
    EXPECT_FALSE(is_open(pipe.read_end));

    // The number is free again, so the next descriptor gets it.
    const UniqueFd unrelated(::dup(write_end.get()));
    ASSERT_EQ(unrelated.get(), pipe.read_end);
    moved_from.reset();  // a stale owner would close `unrelated` here
    EXPECT_TRUE(is_open(unrelated.get()));
}

TEST_F(UniqueFdTest, MoveAssignmentClosesTheDescriptorItReplaces) {
    const Pipe first = make_pipe();
    const Pipe second = make_pipe();
    const UniqueFd keep_first_write(first.write_end);
    const UniqueFd keep_second_write(second.write_end);

    UniqueFd target(first.read_end);
    UniqueFd source(second.read_end);
    target = std::move(source);

    EXPECT_FALSE(is_open(first.read_end));
    EXPECT_EQ(target.get(), second.read_end);
    EXPECT_FALSE(source);
    EXPECT_TRUE(is_open(second.read_end));
}

TEST_F(UniqueFdTest, SelfMoveAssignmentKeepsTheDescriptorOpen) {
    const Pipe pipe = make_pipe();
    const UniqueFd write_end(pipe.write_end);
    UniqueFd fd(pipe.read_end);
    UniqueFd& alias = fd;  // through a reference, as self-moves happen in real code
    fd = std::move(alias);
    EXPECT_EQ(fd.get(), pipe.read_end);
    EXPECT_TRUE(is_open(pipe.read_end));
}

TEST_F(UniqueFdTest, ReleaseHandsTheDescriptorOverWithoutClosingIt) {
    const Pipe pipe = make_pipe();
    const UniqueFd write_end(pipe.write_end);
    int released = -1;
    {
        UniqueFd fd(pipe.read_end);
        released = fd.release();
        EXPECT_FALSE(fd);
    }
    EXPECT_EQ(released, pipe.read_end);
    EXPECT_TRUE(is_open(released));
    ::close(released);
}

TEST_F(UniqueFdTest, ResetClosesTheOldDescriptorAndAdoptsTheNewOne) {
    const Pipe pipe = make_pipe();
    UniqueFd fd(pipe.read_end);
    fd.reset(pipe.write_end);
    EXPECT_FALSE(is_open(pipe.read_end));
    EXPECT_EQ(fd.get(), pipe.write_end);

    fd.reset();
    EXPECT_FALSE(fd);
    EXPECT_FALSE(is_open(pipe.write_end));
}

TEST_F(UniqueFdTest, SwapExchangesOwnership) {
    const Pipe pipe = make_pipe();
    UniqueFd a(pipe.read_end);
    UniqueFd b(pipe.write_end);
    swap(a, b);
    EXPECT_EQ(a.get(), pipe.write_end);
    EXPECT_EQ(b.get(), pipe.read_end);
}

TEST_F(UniqueFdTest, ClosingADescriptorSomeoneElseAlreadyClosedIsCaughtAsABug) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const Pipe pipe = make_pipe();
    const UniqueFd write_end(pipe.write_end);
    const UniqueFd read_end(pipe.read_end);
    // In the child: close behind the owner's back, then let the owner close again.
    EXPECT_DEATH(
        {
            UniqueFd second_owner(::dup(pipe.read_end));
            ::close(second_owner.get());
        },
        "not open");
}

}  // namespace
}  // namespace looplab::net
