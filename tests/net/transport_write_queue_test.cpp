// tests/net/transport_write_queue_test.cpp: WriteQueue, the socket transport's write buffer as
// a chain of pieces (net/transport/write_queue.hpp).
//
// asyncio: _SelectorSocketTransport's deque of buffers and _adjust_leftover_buffer
//
// No sockets: the queue is fed, gathered into iovecs as sendmsg would be, and consumed by as
// many bytes as a kernel might take, checking that the bytes come out in order and whole.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "net/transport/write_queue.hpp"

namespace looplab::net {
namespace {

// What a kernel taking at most `take` bytes per call would receive, gathered as sendmsg does.
std::string send_all(WriteQueue& queue, std::size_t take) {
    std::string out;
    while (!queue.empty()) {
        std::array<iovec, WriteQueue::kMaxIov> iov{};
        const std::size_t count = queue.gather(iov);
        std::size_t taken = 0;
        for (std::size_t i = 0; i < count && taken < take; ++i) {
            const std::size_t n = std::min(iov[i].iov_len, take - taken);
            out.append(static_cast<const char*>(iov[i].iov_base), n);
            taken += n;
        }
        queue.consume(taken);
    }
    return out;
}

std::string pattern(std::size_t n, char seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i % 23);
    return s;
}

TEST(WriteQueue, BytesComeOutInTheOrderTheyWentInWhateverTheKernelTakes) {
    for (std::size_t take : {1u, 7u, 4096u, 16384u, 100000u}) {
        WriteQueue queue;
        std::string expected;
        for (std::size_t n : {5u, 20000u, 1u, 16384u, 3000u, 70000u}) {
            const std::string part = pattern(n, static_cast<char>('a' + n % 7));
            queue.append(part);
            expected += part;
        }
        EXPECT_EQ(queue.size(), expected.size());
        EXPECT_EQ(send_all(queue, take), expected) << "taking " << take << " bytes a call";
        EXPECT_TRUE(queue.empty());
    }
}

TEST(WriteQueue, AppendingWhilePartlySentKeepsTheUnsentBytesInOrder) {
    WriteQueue queue;
    const std::string first = pattern(50000, 'a');
    const std::string second = pattern(30000, 'k');
    queue.append(first);
    std::array<iovec, WriteQueue::kMaxIov> iov{};
    ASSERT_GT(queue.gather(iov), 0u);
    queue.consume(12345);
    queue.append(second);
    EXPECT_EQ(queue.size(), first.size() + second.size() - 12345);
    EXPECT_EQ(send_all(queue, 9999), first.substr(12345) + second);
}

TEST(WriteQueue, NoGatheredPieceIsLargerThanAPiece) {
    WriteQueue queue;
    queue.append(pattern(5 * WriteQueue::kPiece + 17, 'x'));
    std::array<iovec, WriteQueue::kMaxIov> iov{};
    const std::size_t count = queue.gather(iov);
    EXPECT_EQ(count, 6u);
    for (std::size_t i = 0; i < count; ++i) EXPECT_LE(iov[i].iov_len, WriteQueue::kPiece);
}

TEST(WriteQueue, ManySmallAppendsShareAPiece) {
    WriteQueue queue;
    for (int i = 0; i < 100; ++i) queue.append("0123456789");
    std::array<iovec, WriteQueue::kMaxIov> iov{};
    EXPECT_EQ(queue.gather(iov), 1u) << "1,000 bytes in ten-byte appends took several pieces";
    EXPECT_EQ(iov[0].iov_len, 1000u);
}

TEST(WriteQueue, AGatherOffersAtMostTheIovecsItIsGiven) {
    WriteQueue queue;
    queue.append(pattern(40 * WriteQueue::kPiece, 'q'));
    std::array<iovec, WriteQueue::kMaxIov> iov{};
    EXPECT_EQ(queue.gather(iov), WriteQueue::kMaxIov);
    EXPECT_EQ(queue.gather(std::span<iovec>(iov).first(3)), 3u);
}

TEST(WriteQueue, ClearDropsEverything) {
    WriteQueue queue;
    queue.append(pattern(100000, 'c'));
    queue.consume(10);
    queue.clear();
    EXPECT_TRUE(queue.empty());
    std::array<iovec, WriteQueue::kMaxIov> iov{};
    EXPECT_EQ(queue.gather(iov), 0u);
    queue.append("after");
    EXPECT_EQ(send_all(queue, 100), "after");
}

}  // namespace
}  // namespace looplab::net
