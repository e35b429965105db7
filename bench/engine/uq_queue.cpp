#include "uq_queue.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/ioctl.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "device.h"

namespace qb {

namespace {

// The queues open in this process, for the window's counters: a queue has
// one owner, so nobody else can map its state page.
std::mutex open_mutex;
std::vector<const UqQueue*> open_queues;
// The last counters of the queues closed so far: a window may end after
// its run closed its queues (the kernel resets them when a queue is
// closed).
UserQueueCounters closed_sum;
bool any_opened = false;
// Queue nodes this process owned and closed: see open_owned().
std::set<std::string> closed_nodes;

// io_uring tears a ring down in a workqueue after its last close, and its
// registered files and requests hold the queue's file until then: a queue
// this process just closed may refuse the next open with EBUSY for a
// moment. Wait for that (2 s at most); a queue another program owns is
// refused at once.
int open_owned(const std::string& node) {
  bool ours;
  {
    std::lock_guard lock(open_mutex);
    ours = closed_nodes.count(node) > 0;
  }
  int fd = ::open(node.c_str(), O_RDWR | O_CLOEXEC);
  for (int i = 0; fd < 0 && errno == EBUSY && ours && i < 200; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    fd = ::open(node.c_str(), O_RDWR | O_CLOEXEC);
  }
  return fd;
}

void add(UserQueueCounters& sum, const UserQueueCounters& c) {
  sum.submitted += c.submitted;
  sum.completed += c.completed;
  sum.polls += c.polls;
  sum.empty_polls += c.empty_polls;
}

}  // namespace

Result<std::unique_ptr<UqQueue>> UqQueue::open(const std::string& node, const std::string& ns_node, bool write,
                                               std::string_view name) {
  std::unique_ptr<UqQueue> q(new UqQueue);
  q->node_ = node;
  // Owning a queue takes a read-write open; the rights come from ns_node.
  int fd = open_owned(node);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT) return usage_error(fmt::format("{}: {} does not exist; {}", name, node, no_user_queues_hint), e);
    if (e == EBUSY)
      return usage_error(fmt::format("{}: {} is owned by another open file (a user queue has one owner); stop "
                                     "that program or give another queue with --uq-device", name, node), e);
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
  int ns_fd = ::open(ns_node.c_str(), (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (ns_fd < 0) {
    int e = errno;
    return usage_error(fmt::format("{}: cannot open {} to bind {} to its namespace: {}", name, ns_node, node,
                                   strerror(e)), e);
  }
  nvme_uq_bind bind{};
  bind.size = sizeof(bind);
  bind.ns_fd = ns_fd;
  int rc = ioctl(fd, NVME_UQ_IOCTL_BIND, &bind);
  int e = errno;
  ::close(ns_fd);
  if (rc != 0)
    return runtime_error(fmt::format("{}: binding {} to the namespace of {} failed: {}{}", name, node, ns_node,
                                     strerror(e), e == ENOTTY ? "; the kernel has an older user queue ABI" : ""),
                         e);
  nvme_uq_info info{};
  info.size = sizeof(info);
  if (ioctl(fd, NVME_UQ_IOCTL_INFO, &info) != 0) {
    e = errno;
    return runtime_error(fmt::format("{}: NVME_UQ_IOCTL_INFO on {} failed: {}", name, node, strerror(e)), e);
  }
  void* s = mmap(nullptr, info.state_size, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(info.state_offset));
  if (s == MAP_FAILED) {
    e = errno;
    return runtime_error(fmt::format("{}: mapping the state page of {} failed: {}", name, node, strerror(e)), e);
  }
  q->state_map_ = s;
  q->state_len_ = info.state_size;
  const auto* state = static_cast<const nvme_uq_state*>(s);
  if (state->size < sizeof(nvme_uq_state))
    return runtime_error(fmt::format("{}: {} has a {}-byte state page, this build needs {}", name, node,
                                     state->size, sizeof(nvme_uq_state)));
  uint32_t depth = info.depth;
  if (depth < 2 || depth > 65536 || static_cast<uint64_t>(depth) * nvme_uq_cqe_size > info.cq_size)
    return runtime_error(fmt::format("{}: {} reports queue depth {} and a {}-byte CQ", name, node, depth,
                                     info.cq_size));
  void* c = mmap(nullptr, info.cq_size, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(info.cq_offset));
  if (c == MAP_FAILED) {
    e = errno;
    return runtime_error(fmt::format("{}: mapping the CQ ring of {} ({} bytes) failed: {}", name, node,
                                     info.cq_size, strerror(e)), e);
  }
  q->cq_map_ = c;
  q->cq_len_ = info.cq_size;
  q->view_ = UqRingView{state, static_cast<const unsigned char*>(c), depth};
  std::lock_guard lock(open_mutex);
  open_queues.push_back(q.get());
  any_opened = true;
  return q;
}

UserQueueCounters UqQueue::counters() const {
  const nvme_uq_state* s = view_.state;
  return UserQueueCounters{__atomic_load_n(&s->submitted, __ATOMIC_RELAXED),
                           __atomic_load_n(&s->completed, __ATOMIC_RELAXED),
                           __atomic_load_n(&s->polls, __ATOMIC_RELAXED),
                           __atomic_load_n(&s->empty_polls, __ATOMIC_RELAXED)};
}

std::optional<UserQueueCounters> open_user_queue_counters() {
  std::lock_guard lock(open_mutex);
  if (!any_opened) return std::nullopt;
  UserQueueCounters sum = closed_sum;
  for (const UqQueue* q : open_queues) add(sum, q->counters());
  return sum;
}

UqQueue::~UqQueue() {
  {
    std::lock_guard lock(open_mutex);
    if (std::erase(open_queues, this) && view_.state) add(closed_sum, counters());
    if (fd_ >= 0) closed_nodes.insert(node_);
  }
  if (cq_map_) munmap(cq_map_, cq_len_);
  if (state_map_) munmap(state_map_, state_len_);
  if (fd_ >= 0) ::close(fd_);
}

Result<void> check_uq_iodepth(std::string_view path, const std::string& node, unsigned iodepth,
                              uint32_t queue_depth) {
  if (iodepth <= queue_depth - 1) return Ok{};
  return usage_error(fmt::format("{}: --iodepth {} exceeds what {} takes at a time (depth {} less one); "
                                 "each thread has a queue of its own, so the limit is per thread: use "
                                 "--iodepth {} or less (any --threads)",
                                 path, iodepth, node, queue_depth, queue_depth - 1));
}

}  // namespace qb
