// psync: one pread/pwrite per I/O on the O_DIRECT block device, what users
// of the block path do without io_uring. Synchronous, so its depth is 1.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "clock.h"
#include "engine_factory.h"
#include "node.h"

namespace qb {

namespace {

class PsyncEngine final : public Engine {
 public:
  explicit PsyncEngine(const PathInfo& path) : path_(path) {}

  Result<void> setup(const EngineConfig& cfg) override {
    auto fd = open_node(cfg.node, O_DIRECT | (cfg.write_access ? O_RDWR : O_RDONLY), path_.name);
    if (!fd) return fd.error();
    fd_ = *fd;
    return Ok{};
  }

  int submit(std::span<const IoRequest> reqs, unsigned) override {
    for (const IoRequest& r : reqs) {
      // The call blocks until the device is done: a wait, submission
      // included (Engine::waited_ns).
      uint64_t began = now_ns();
      ssize_t n = r.write ? pwrite(fd_, r.buf, r.len, static_cast<off_t>(r.offset))
                          : pread(fd_, r.buf, r.len, static_cast<off_t>(r.offset));
      waited_ns_ += now_ns() - began;
      Completion& c = done_[ndone_++];
      c.tag = r.tag;
      c.res = n < 0 ? -errno : static_cast<int32_t>(n);
      c.nvme_status = 0;
      c.short_io = n >= 0 && static_cast<uint32_t>(n) != r.len;
    }
    return 0;
  }

  int reap(std::span<Completion> out, unsigned) override {
    unsigned n = ndone_ < out.size() ? ndone_ : static_cast<unsigned>(out.size());
    for (unsigned i = 0; i < n; i++) out[i] = done_[i];
    for (unsigned i = n; i < ndone_; i++) done_[i - n] = done_[i];
    ndone_ -= n;
    return static_cast<int>(n);
  }

  uint64_t waited_ns() const override { return waited_ns_; }

  void teardown() override {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  static constexpr unsigned max_depth = 1;
  const PathInfo& path_;
  int fd_ = -1;
  Completion done_[max_depth]{};
  unsigned ndone_ = 0;
  uint64_t waited_ns_ = 0;
};

std::unique_ptr<Engine> create(const PathInfo& p) { return std::make_unique<PsyncEngine>(p); }

const bool registered = register_path(PathInfo{
    "psync", "psync", "pread/pwrite on the O_DIRECT block device (depth 1)", false, false, 1, 0,
    create, nullptr, false, /*io_uring=*/false});

}  // namespace
}  // namespace qb
