// ng: NVMe passthrough over io_uring on the generic char device /dev/ngXnY,
// interrupt-driven or polled.
#include <fcntl.h>
#include <fmt/format.h>

#include <bit>

#include "device.h"
#include "engine_factory.h"
#include "nvme_cmd.h"
#include "uring_ring.h"

namespace qb {

namespace {

class NgEngine final : public UringEngine<NgEngine> {
 public:
  explicit NgEngine(const PathInfo& path) : path_(path) {}

  Result<void> setup(const EngineConfig& cfg) override {
    target_ = NvmeTarget{cfg.nsid, static_cast<unsigned>(std::countr_zero(cfg.lba_size)),
                         cfg.fixed_buffers};
    return open_node_and_ring(cfg, cfg.write_access ? O_RDWR : O_RDONLY, true, path_.name);
  }

  void prep(io_uring_sqe* sqe, const IoRequest& r) { prep_nvme_rw(sqe, ring_.sqe_fd(), target_, r); }
  void decode(const io_uring_cqe* cqe, Completion& c) { decode_nvme_cqe(cqe, c); }

 private:
  const PathInfo& path_;
  NvmeTarget target_{};
};

std::unique_ptr<Engine> create(const PathInfo& p) { return std::make_unique<NgEngine>(p); }
Result<std::string> node_for(const DeviceInfo& dev, const std::string& override_node) {
  return ng_node_for(dev, override_node);
}

const bool registered =
    register_path(PathInfo{"ng-irq", "ng", "io_uring NVMe passthrough (uring_cmd) on /dev/ngXnY, interrupts",
                           false, true, 0, 30, create, node_for, false, true, false, /*unsplit=*/true}) &&
    register_path(PathInfo{"ng-poll", "ng", "io_uring NVMe passthrough (uring_cmd) on /dev/ngXnY, polled",
                           true, true, 0, 40, create, node_for, false, true, false, /*unsplit=*/true});

}  // namespace
}  // namespace qb
