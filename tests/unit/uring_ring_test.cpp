// The io_uring ring every io_uring path shares: a short submit must not
// strand SQEs, and every io_uring_enter is counted.
#include "uring_ring.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

namespace qb {
namespace {

struct NopRing {
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  UringRing ring;
  NopRing() {
    UringOptions o;
    o.entries = 8;
    auto r = ring.open(fd, o, nullptr, 0, 0, "test");
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
  ~NopRing() {
    ring.close();
    ::close(fd);
  }
  void queue_nop(uint64_t tag, bool invalid = false) {
    io_uring_sqe* sqe = ring.next_sqe();
    ASSERT_NE(sqe, nullptr);
    io_uring_prep_nop(sqe);
    // An opcode no kernel knows: the kernel fails it as it prepares it and
    // stops consuming the batch there (a short submit).
    if (invalid) sqe->opcode = 0xfe;
    sqe->user_data = tag;
  }
};

auto decode = [](const io_uring_cqe* c, Completion& o) {
  o = Completion{c->user_data, c->res, 0, false};
};

// Issue 14, bug 6: the kernel stops at an SQE it cannot prepare and
// returns how many it consumed; the SQEs after it must still reach the
// kernel, or the runner waits forever for I/Os it counts as in flight.
TEST(UringRing, ShortSubmitLeavesNoSqeBehind) {
  NopRing t;
  t.queue_nop(1);
  t.queue_nop(2, true);
  t.queue_nop(3);
  t.queue_nop(4);
  ASSERT_EQ(t.ring.submit(0), 0);
  std::vector<Completion> out(8);
  std::vector<Completion> seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (seen.size() < 4 && std::chrono::steady_clock::now() < deadline) {
    // Never waits, so that a stranded SQE fails the test instead of hanging it.
    int n = t.ring.reap(out, 0, decode);
    ASSERT_GE(n, 0);
    for (int i = 0; i < n; i++) seen.push_back(out[i]);
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(seen.size(), 4u) << "SQEs left in the ring after a short submit";
  for (const auto& c : seen) {
    if (c.tag == 2) EXPECT_LT(c.res, 0) << "the invalid SQE completes with an error";
    else EXPECT_EQ(c.res, 0) << "nop " << c.tag;
  }
}

TEST(UringRing, CountsEveryKernelEntry) {
  NopRing t;
  EXPECT_EQ(t.ring.enters(), 0u);
  std::vector<Completion> out(8);
  EXPECT_EQ(t.ring.reap(out, 0, decode), 0);
  EXPECT_EQ(t.ring.enters(), 0u) << "nothing to submit or wait for: no system call";
  t.queue_nop(1);
  t.queue_nop(2);
  ASSERT_EQ(t.ring.submit(2), 0);
  EXPECT_EQ(t.ring.enters(), 1u) << "submit and wait in one call";
  EXPECT_EQ(t.ring.reap(out, 2, decode), 2);
  EXPECT_EQ(t.ring.enters(), 1u) << "completions already in the CQ ring";
  t.queue_nop(3);
  ASSERT_EQ(t.ring.submit_no_poll(), 0);
  EXPECT_EQ(t.ring.reap(out, 1, decode), 1);
  EXPECT_LE(t.ring.enters(), 3u);
  EXPECT_GE(t.ring.enters(), 2u);
}

}  // namespace
}  // namespace qb
