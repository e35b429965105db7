// block: io_uring reads and writes on the O_DIRECT block device,
// interrupt-driven or polled.
#include <fcntl.h>

#include "engine_factory.h"
#include "uring_ring.h"

namespace qb {

namespace {

class BlockEngine final : public UringEngine<BlockEngine> {
 public:
  explicit BlockEngine(const PathInfo& path) : path_(path) {}

  Result<void> setup(const EngineConfig& cfg) override {
    fixed_ = cfg.fixed_buffers;
    bs_ = cfg.bs;
    return open_node_and_ring(cfg, O_DIRECT | (cfg.write_access ? O_RDWR : O_RDONLY), false, path_.name);
  }

  void prep(io_uring_sqe* sqe, const IoRequest& r) {
    int fd = ring_.sqe_fd();
    if (fixed_) {
      if (r.write)
        io_uring_prep_write_fixed(sqe, fd, r.buf, r.len, r.offset, r.tag);
      else
        io_uring_prep_read_fixed(sqe, fd, r.buf, r.len, r.offset, r.tag);
    } else {
      if (r.write)
        io_uring_prep_write(sqe, fd, r.buf, r.len, r.offset);
      else
        io_uring_prep_read(sqe, fd, r.buf, r.len, r.offset);
    }
  }

  void decode(const io_uring_cqe* cqe, Completion& c) {
    c.tag = cqe->user_data;
    c.res = cqe->res;
    c.nvme_status = 0;
    c.short_io = cqe->res >= 0 && static_cast<uint32_t>(cqe->res) != bs_;
  }

 private:
  const PathInfo& path_;
  bool fixed_ = false;
  uint32_t bs_ = 0;
};

std::unique_ptr<Engine> create(const PathInfo& p) { return std::make_unique<BlockEngine>(p); }

const bool registered =
    register_path(PathInfo{"block-irq", "block", "io_uring on the O_DIRECT block device, interrupts",
                           false, false, 0, 10, create, nullptr}) &&
    register_path(PathInfo{"block-poll", "block", "io_uring on the O_DIRECT block device, polled (IOPOLL)",
                           true, false, 0, 20, create, nullptr});

}  // namespace
}  // namespace qb
