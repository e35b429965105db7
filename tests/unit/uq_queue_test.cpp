// The user queue pieces that need no kernel: the pending test against a
// fake state page and CQ ring driven like the controller and driver drive
// the real ones, node derivation from a fake sysfs tree, and the uq paths
// as registered.
#include "uq_queue.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "device.h"
#include "engine_factory.h"

namespace qb {
namespace {

namespace fs = std::filesystem;

// A controller that posts CQEs with its phase and a driver that consumes
// them, wrapping and flipping the phase as nvme_update_cq_head does.
struct FakeQueue {
  explicit FakeQueue(uint32_t depth) : cq(depth * nvme_uq_cqe_size), depth(depth) {
    state.size = sizeof(state);
    state.depth = depth;
    state.cq_head_phase = 1u << 16;  // head 0, expects phase 1; the ring is zeroed
  }
  UqRingView view() const { return UqRingView{&state, cq.data(), depth}; }
  void post() {  // the controller writes the next entry with its phase
    unsigned char* e = cq.data() + static_cast<size_t>(tail) * nvme_uq_cqe_size;
    uint16_t status = static_cast<uint16_t>((0x0 << 1) | ctrl_phase);  // success, phase bit
    e[nvme_uq_cqe_status_offset] = static_cast<unsigned char>(status & 0xff);
    e[nvme_uq_cqe_status_offset + 1] = static_cast<unsigned char>(status >> 8);
    if (++tail == depth) tail = 0, ctrl_phase ^= 1;
  }
  void consume() {  // the driver takes the entry at its head
    uint32_t head = state.cq_head_phase & 0xffff, phase = (state.cq_head_phase >> 16) & 1;
    if (++head == depth) head = 0, phase ^= 1;
    state.cq_head_phase = head | (phase << 16);
  }
  std::vector<unsigned char> cq;
  nvme_uq_state state{};
  uint32_t depth, tail = 0, ctrl_phase = 1;
};

TEST(UqPending, EmptyZeroedRingIsNotPending) {
  FakeQueue q(8);
  EXPECT_FALSE(q.view().completion_pending());
}

TEST(UqPending, FollowsHeadAndPhaseAcrossSeveralWraps) {
  FakeQueue q(4);
  // Four laps of the ring: the phase flips every lap, and entries left over
  // from the previous lap (old phase) must not read as pending.
  for (int i = 0; i < 16; i++) {
    ASSERT_FALSE(q.view().completion_pending()) << "before post " << i;
    q.post();
    ASSERT_TRUE(q.view().completion_pending()) << "after post " << i;
    q.consume();
  }
  EXPECT_FALSE(q.view().completion_pending());
}

TEST(UqPending, BatchesAcrossTheWrapPoint) {
  FakeQueue q(4);
  q.post(), q.post(), q.post();  // entries 0..2, phase 1
  q.consume(), q.consume();      // head 2
  q.post(), q.post();            // entry 3 (phase 1), entry 0 (phase 0)
  EXPECT_TRUE(q.view().completion_pending());
  q.consume(), q.consume();      // head 0, expects phase 0
  EXPECT_TRUE(q.view().completion_pending()) << "entry 0 of the second lap";
  q.consume();                   // head 1: still holds phase 1 from lap one
  EXPECT_FALSE(q.view().completion_pending()) << "stale entry from the previous lap";
}

TEST(UqPending, StatusUpperBitsDoNotMatter) {
  FakeQueue q(4);
  q.cq[nvme_uq_cqe_status_offset + 1] = 0xff;  // status code bits, phase 0: not pending
  q.cq[nvme_uq_cqe_status_offset] = 0xfe;
  EXPECT_FALSE(q.view().completion_pending());
  q.cq[nvme_uq_cqe_status_offset] = 0x03;  // an error status with phase 1
  EXPECT_TRUE(q.view().completion_pending());
}

TEST(UqPending, HeadBeyondDepthIsNotTrusted) {
  FakeQueue q(4);
  q.state.cq_head_phase = 7 | (1u << 16);
  EXPECT_FALSE(q.view().completion_pending());
}

TEST(UqQueueOpen, MissingNodeSaysHowToGetUserQueues) {
  auto q = UqQueue::open("/nonexistent/nvme0uq0", "/dev/ng0n1", false, "uq-poll");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().kind, ErrorKind::usage);
  EXPECT_NE(q.error().message.find(no_user_queues_hint), std::string::npos) << q.error().message;
}

class FakeUqSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/qb-uq-sysfs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    sys_ = root_ / "sys";
    dev_ = root_ / "dev";
    fs::create_directories(dev_);
    fs::create_directories(sys_ / "class/nvme-generic/ng0n1");
    queue("nvme0uq0", 12, "irq", 64);
    queue("nvme0uq1", 13, "poll", 64);
    queue("nvme0uq2", 14, "poll", 32);
    queue("nvme1uq0", 5, "poll", 16);
    dev_info_.path = "/dev/nvme0n1";
    dev_info_.kind = TargetKind::nvme_namespace;
    NamespaceInfo n;
    n.name = "nvme0n1";
    n.controller = "nvme0";
    dev_info_.ns = n;
  }
  void TearDown() override { fs::remove_all(root_); }
  void queue(const std::string& name, int qid, const std::string& type, int depth) {
    fs::path d = sys_ / "class/nvme-generic" / name;
    fs::create_directories(d);
    std::ofstream(d / "qid") << qid << "\n";
    std::ofstream(d / "type") << type << "\n";
    std::ofstream(d / "depth") << depth << "\n";
  }
  // A char device node at dev_/name (root only; the test skips otherwise).
  bool node(const std::string& name) {
    return mknod((dev_ / name).c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0;
  }
  fs::path root_, sys_, dev_;
  DeviceInfo dev_info_;
};

TEST_F(FakeUqSysfs, ListsQueuesOfEachControllerInOrder) {
  auto qs = user_queues(sys_.string(), dev_.string());
  ASSERT_EQ(qs.size(), 4u);
  EXPECT_EQ(qs[0].name, "nvme0uq0");
  EXPECT_EQ(qs[0].type, "irq");
  EXPECT_EQ(qs[0].qid, 12);
  EXPECT_EQ(qs[0].depth, 64);
  EXPECT_EQ(qs[2].name, "nvme0uq2");
  EXPECT_EQ(qs[3].controller, "nvme1");
  EXPECT_FALSE(qs[0].dev_node);
  EXPECT_EQ(user_queues(sys_.string(), dev_.string(), "nvme1").size(), 1u);
}

TEST_F(FakeUqSysfs, EachThreadTakesTheNextQueueOfItsType) {
  std::string first = (dev_ / "nvme0uq1").string();
  auto t0 = user_queue_for_thread(first, 0, sys_.string(), dev_.string());
  ASSERT_TRUE(t0.ok()) << t0.error().message;
  EXPECT_EQ(*t0, first);
  auto t1 = user_queue_for_thread(first, 1, sys_.string(), dev_.string());
  ASSERT_TRUE(t1.ok()) << t1.error().message;
  EXPECT_EQ(*t1, (dev_ / "nvme0uq2").string()) << "the next poll queue of nvme0, not nvme1's";
  auto t2 = user_queue_for_thread(first, 2, sys_.string(), dev_.string());
  ASSERT_FALSE(t2.ok());
  EXPECT_EQ(t2.error().message,
            "3 threads need 3 user_poll queues of nvme0 from nvme0uq1 on, and it has 2; a queue has one owner: "
            "boot with nvme.user_poll_queues=3 or more, or use fewer --threads");
  auto irq = user_queue_for_thread((dev_ / "nvme0uq0").string(), 1, sys_.string(), dev_.string());
  ASSERT_FALSE(irq.ok());
  EXPECT_NE(irq.error().message.find("nvme.user_irq_queues=2 or more"), std::string::npos) << irq.error().message;
}

TEST_F(FakeUqSysfs, PicksTheFirstQueueOfTheTypeOnTheNamespacesController) {
  if (!node("nvme0uq0") || !node("nvme0uq1") || !node("nvme0uq2") || !node("nvme1uq0"))
    GTEST_SKIP() << "creating char device nodes needs root";
  auto irq = uq_node_for(dev_info_, "irq", "", sys_.string(), dev_.string());
  ASSERT_TRUE(irq.ok()) << irq.error().message;
  EXPECT_EQ(*irq, (dev_ / "nvme0uq0").string());
  auto poll = uq_node_for(dev_info_, "poll", "", sys_.string(), dev_.string());
  ASSERT_TRUE(poll.ok()) << poll.error().message;
  EXPECT_EQ(*poll, (dev_ / "nvme0uq1").string()) << "first poll queue of nvme0, not nvme1's";
  auto over = uq_node_for(dev_info_, "poll", (dev_ / "nvme0uq2").string(), sys_.string(), dev_.string());
  ASSERT_TRUE(over.ok()) << over.error().message;
  EXPECT_EQ(*over, (dev_ / "nvme0uq2").string());
  auto wrong = uq_node_for(dev_info_, "irq", (dev_ / "nvme0uq2").string(), sys_.string(), dev_.string());
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("is a user_poll queue, but this path needs a user_irq queue"), std::string::npos) << wrong.error().message;
}

// A controller that granted blk-mq its queues and nothing more keeps the
// user queue nodes, with qid 0: the path cannot run there.
TEST_F(FakeUqSysfs, AQueueWithoutHardwareQueueIsRefusedWithWhy) {
  if (!node("nvme0uq0")) GTEST_SKIP() << "creating char device nodes needs root";
  queue("nvme0uq0", 0, "irq", 64);
  auto irq = uq_node_for(dev_info_, "irq", "", sys_.string(), dev_.string());
  ASSERT_FALSE(irq.ok());
  EXPECT_EQ(irq.error().message,
            fmt::format("uq-irq: {} has no hardware queue (qid 0): nvme0 did not grant I/O queues beyond blk-mq's "
                        "for it (see dmesg); ask for fewer nvme.poll_queues, nvme.write_queues or user queues",
                        (dev_ / "nvme0uq0").string()));
}

TEST_F(FakeUqSysfs, MissingNodeOrQueueTypeIsOneClearLine) {
  auto r = uq_node_for(dev_info_, "poll", "", sys_.string(), dev_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("nvme0uq1 is missing"), std::string::npos) << r.error().message;
  fs::remove_all(sys_ / "class/nvme-generic/nvme0uq0");
  auto irq = uq_node_for(dev_info_, "irq", "", sys_.string(), dev_.string());
  ASSERT_FALSE(irq.ok());
  EXPECT_NE(irq.error().message.find("none of type irq"), std::string::npos) << irq.error().message;
  dev_info_.ns->controller = "nvme7";
  // A kernel without the series: the fix is another kernel, not a parameter.
  auto unpatched = uq_node_for(dev_info_, "irq", "", sys_.string(), dev_.string());
  ASSERT_FALSE(unpatched.ok());
  EXPECT_EQ(unpatched.error().message,
            "uq-irq: this kernel has no NVMe user queues (nvme has no user_irq_queues parameter): they need a "
            "kernel with the series of kernel-patch/ (scripts/build-kernel.sh --flavor host)");
  fs::create_directories(sys_ / "module/nvme/parameters");
  std::ofstream(sys_ / "module/nvme/parameters/user_irq_queues") << "0\n";
  auto none = uq_node_for(dev_info_, "irq", "", sys_.string(), dev_.string());
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find(no_user_queues_hint), std::string::npos) << none.error().message;
  auto missing = uq_node_for(dev_info_, "irq", (dev_ / "nvme0uq9").string(), sys_.string(), dev_.string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(no_user_queues_hint), std::string::npos) << missing.error().message;
  EXPECT_EQ(missing.error().kind, ErrorKind::usage);
}

TEST(UqOptions, PathsAreRegisteredWithTheirTraits) {
  for (const char* p : {"uq-irq", "uq-poll", "uq-poll-check"}) {
    const PathInfo* info = find_path(p);
    ASSERT_NE(info, nullptr) << p;
    EXPECT_EQ(info->engine, "uq");
    EXPECT_TRUE(info->user_queue);
  }
  EXPECT_FALSE(find_path("uq-irq")->poll);
  EXPECT_TRUE(find_path("uq-poll-check")->poll);
  EXPECT_FALSE(find_path("uq-poll")->user_space_wait);
  EXPECT_TRUE(find_path("uq-poll-check")->user_space_wait);
  EXPECT_FALSE(find_path("ng-poll")->user_queue);
  EXPECT_FALSE(find_path("psync")->io_uring);
  EXPECT_TRUE(find_path("block-irq")->io_uring);
}

TEST(UqOptions, PollPathNeedsNoBlkMqPollQueues) {
  DeviceInfo d;
  d.path = "/dev/nvme0n1";
  d.kind = TargetKind::nvme_namespace;
  d.io_poll = false;
  auto r = resolve_node(*find_path("uq-poll"), d, "/nonexistent/nvme0uq1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("poll_queues=N (N >= 1)"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("--uq-device"), std::string::npos) << r.error().message;
  DeviceInfo f;
  f.path = "/var/tmp/img";
  f.kind = TargetKind::regular_file;
  EXPECT_FALSE(resolve_node(*find_path("uq-irq"), f, "").ok());
}

// Issue 14, bug 1: every thread owns a queue, so the limit is the queue's
// depth less one per thread, and the message must say so, not that the
// depth is shared by all --threads (which would send the user to divide it).
TEST(UqDepth, LimitIsPerThreadAndTheMessageSaysSo) {
  EXPECT_TRUE(check_uq_iodepth("uq-poll", "/dev/nvme0uq1", 1023, 1024).ok());
  auto r = check_uq_iodepth("uq-poll", "/dev/nvme0uq1", 1024, 1024);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("--iodepth 1024"), std::string::npos) << m;
  EXPECT_NE(m.find("use --iodepth 1023 or less"), std::string::npos) << m;
  EXPECT_NE(m.find("each thread"), std::string::npos) << m;
  EXPECT_EQ(m.find("all --threads"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

}  // namespace
}  // namespace qb
