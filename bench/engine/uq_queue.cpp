#include "uq_queue.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "device.h"

namespace qb {

Result<std::unique_ptr<UqQueue>> UqQueue::open(const std::string& node, bool write, std::string_view name) {
  std::unique_ptr<UqQueue> q(new UqQueue);
  q->node_ = node;
  int fd = ::open(node.c_str(), (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT) return usage_error(fmt::format("{}: {} does not exist; {}", name, node, no_user_queues_hint), e);
    if (e == EACCES || e == EPERM)
      return usage_error(fmt::format("{}: cannot open {}: {}; user queue nodes are root only (mode 0600)", name,
                                     node, strerror(e)), e);
    return usage_error(fmt::format("{}: cannot open {}: {}", name, node, strerror(e)), e);
  }
  q->fd_ = fd;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode))
    return usage_error(fmt::format("{}: {} is not a character device; give a user queue node /dev/nvmeXuqN", name,
                                   node));
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* s = mmap(nullptr, page, PROT_READ, MAP_SHARED, fd, NVME_UQ_OFF_STATE);
  if (s == MAP_FAILED) {
    int e = errno;
    return runtime_error(fmt::format("{}: mapping the state page of {} failed: {}; the kernel lacks the user "
                                     "queue mmap (kernel-patch/ 0005)", name, node, strerror(e)), e);
  }
  q->state_map_ = s;
  q->state_len_ = page;
  const auto* state = static_cast<const nvme_uq_state*>(s);
  if (state->version != NVME_UQ_STATE_VERSION)
    return runtime_error(fmt::format("{}: {} has state page version {}, this build knows {}", name, node,
                                     state->version, NVME_UQ_STATE_VERSION));
  uint32_t depth = state->depth;
  if (depth < 2 || depth > 65536)
    return runtime_error(fmt::format("{}: {} reports queue depth {}", name, node, depth));
  size_t cq_len = (static_cast<size_t>(depth) * nvme_uq_cqe_size + page - 1) / page * page;
  void* c = mmap(nullptr, cq_len, PROT_READ, MAP_SHARED, fd, NVME_UQ_OFF_CQ);
  if (c == MAP_FAILED) {
    int e = errno;
    return runtime_error(fmt::format("{}: mapping the CQ ring of {} ({} bytes) failed: {}", name, node, cq_len,
                                     strerror(e)), e);
  }
  q->cq_map_ = c;
  q->cq_len_ = cq_len;
  q->view_ = UqRingView{state, static_cast<const unsigned char*>(c), depth};
  return q;
}

UqQueue::~UqQueue() {
  if (cq_map_) munmap(cq_map_, cq_len_);
  if (state_map_) munmap(state_map_, state_len_);
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace qb
