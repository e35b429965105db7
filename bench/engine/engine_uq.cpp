// uq: NVMe passthrough over io_uring on a user queue char device
// (/dev/nvmeXuqN, kernel-patch/): the ng engine's commands on a hardware
// queue blk-mq never sees. uq-irq and uq-poll enter the kernel as ng-irq and
// ng-poll do; uq-poll-check reads the queue's mapped CQ ring first and
// enters the kernel to poll only when a completion is pending there.
#include <fcntl.h>
#include <fmt/format.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <memory>

#include "clock.h"
#include "device.h"
#include "engine_factory.h"
#include "insn_marker.h"
#include "nvme_cmd.h"
#include "uq_queue.h"
#include "uring_ring.h"

namespace qb {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class UqEngine final : public UringEngine<UqEngine> {
 public:
  explicit UqEngine(const PathInfo& path) : path_(path), check_(path.user_space_wait) {}

  Result<void> setup(const EngineConfig& cfg) override {
    target_ = NvmeTarget{cfg.nsid, static_cast<unsigned>(std::countr_zero(cfg.lba_size)),
                         cfg.fixed_buffers};
    // A queue has one owner: each thread takes a queue of its own.
    auto node = user_queue_for_thread(cfg.node, cfg.thread);
    if (!node) return node.error();
    auto q = UqQueue::open(*node, cfg.ns_node, cfg.write_access, path_.name);
    if (!q) return q.error();
    queue_ = std::move(*q);
    if (auto d = check_uq_iodepth(path_.name, *node, cfg.iodepth, queue_->depth()); !d) {
      queue_.reset();
      return d.error();
    }
    // The ring submits on the queue's own open file: a second open would
    // find the queue owned.
    int fd = fcntl(queue_->fd(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      queue_.reset();
      return runtime_error(fmt::format("{}: dup of {}: {}", path_.name, *node, strerror(errno)), errno);
    }
    auto r = open_ring(cfg, fd, true, path_.name);
    if (!r) queue_.reset();
    return r;
  }

  void prep(io_uring_sqe* sqe, const IoRequest& r) { prep_nvme_rw(sqe, ring_.sqe_fd(), target_, r); }
  void decode(const io_uring_cqe* cqe, Completion& c) { decode_nvme_cqe(cqe, c); }

  int submit(std::span<const IoRequest> reqs, unsigned wait_nr) override {
    if (!check_) return UringEngine::submit(reqs, wait_nr);
    queue(reqs);
    return ring_.submit_no_poll();
  }

  int reap(std::span<Completion> out, unsigned wait_nr) override {
    if (!check_) return UringEngine::reap(out, wait_nr);
    auto dec = decoder();
    unsigned n = ring_.peek(out, dec);
    if (n > 0) return static_cast<int>(n);
    // Poll in the kernel only when the CQ shows a completion. The driver
    // completes the ring's commands where it polls, but io_uring posts
    // their CQEs as that pass ends, so one more pass may be due: owed counts
    // the passes still due. The check is a hint, and a reset zeroes the ring
    // (its commands fail from the kernel, unseen here), so after a quiet
    // spell the kernel is asked anyway.
    using clock = std::chrono::steady_clock;
    auto quiet_until = clock::now() + std::chrono::milliseconds(20);
    unsigned spins = 0, owed = 0;
    uint64_t spinning_since = 0;  // waiting in user space for a completion; 0 not
    auto stop_waiting = [&] {
      if (spinning_since) spun_ns_ += now_ns() - spinning_since;
      spinning_since = 0;
    };
    for (;;) {
      if (queue_->completion_pending()) {
        stop_waiting();
        owed = 2;
      } else if (owed == 0) {
        if (wait_nr == 0) return 0;
        if (!spinning_since) spinning_since = now_ns();
        if (++spins % 256 != 0 || clock::now() < quiet_until) {
          cpu_relax();
          continue;
        }
        owed = 1;
      }
      owed--;
      // Marked for the lab's instruction counter: a poll is empty when it
      // neither moved the driver's CQ head nor brought a completion.
      uint32_t head = queue_->head_phase();
      // After a quiet spell the wait ends at the forced poll, found or not:
      // counting the poll itself as stamping time keeps the bound a bound.
      stop_waiting();
      mark_poll_start();
      int ret = ring_.poll_once();
      if (ret < 0) return ret;
      n = ring_.peek(out, dec);
      if (n > 0) return static_cast<int>(n);
      if (queue_->head_phase() == head) mark_poll_empty();
      quiet_until = clock::now() + std::chrono::milliseconds(20);
    }
  }

  uint64_t waited_ns() const override { return UringEngine::waited_ns() + spun_ns_; }

  void teardown() override {
    UringEngine::teardown();
    queue_.reset();
  }

 private:
  const PathInfo& path_;
  const bool check_;
  NvmeTarget target_{};
  std::unique_ptr<UqQueue> queue_;
  uint64_t spun_ns_ = 0;  // spinning in user space for a completion
};

std::unique_ptr<Engine> create(const PathInfo& p) { return std::make_unique<UqEngine>(p); }
Result<std::string> irq_node(const DeviceInfo& dev, const std::string& override_node) {
  return uq_node_for(dev, "irq", override_node);
}
Result<std::string> poll_node(const DeviceInfo& dev, const std::string& override_node) {
  return uq_node_for(dev, "poll", override_node);
}

const bool registered =
    register_path(PathInfo{"uq-irq", "uq",
                           "io_uring NVMe passthrough on a user_irq queue /dev/nvmeXuqN (kernel-patch/), interrupts",
                           false, true, 0, 50, create, irq_node, true, true, false, /*unsplit=*/true}) &&
    register_path(PathInfo{"uq-poll", "uq",
                           "io_uring NVMe passthrough on a user_poll queue /dev/nvmeXuqN, polled (IOPOLL)",
                           true, true, 0, 60, create, poll_node, true, true, false, /*unsplit=*/true}) &&
    register_path(PathInfo{"uq-poll-check", "uq",
                           "uq-poll, but polls in the kernel only when the mmap'ed CQ shows a completion",
                           true, true, 0, 70, create, poll_node, true, true, /*user_space_wait=*/true,
                           /*unsplit=*/true});

}  // namespace
}  // namespace qb
