#include "uring_ring.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "clock.h"

namespace qb {

namespace {

// Why io_uring_queue_init_params() refused a ring, and what would work.
Error setup_error(int ret, const UringOptions& o, std::string_view name) {
  if (ret == -EPERM && o.sqpoll)
    return usage_error(fmt::format("{}: --sqpoll needs privilege on this kernel: {}; run as root "
                                   "or drop --sqpoll", name, strerror(-ret)), -ret);
  if (ret == -EINVAL && o.big_entries)
    return usage_error(fmt::format("{}: the kernel rejects SQE128/CQE32 rings: NVMe passthrough "
                                   "over io_uring needs Linux 5.19 or later", name), -ret);
  if (ret == -EPERM)
    return usage_error(fmt::format("{}: io_uring is disabled for this user (kernel.io_uring_disabled); "
                                   "run as root or enable it", name), -ret);
  return runtime_error(fmt::format("{}: io_uring setup failed: {}", name, strerror(-ret)), -ret);
}

}  // namespace

Result<void> UringRing::open(int fd, const UringOptions& o, void* buffers, uint32_t slot_len,
                             unsigned slots, std::string_view name) {
  io_uring_params p{};
  if (o.iopoll) p.flags |= IORING_SETUP_IOPOLL;
  if (o.big_entries) p.flags |= IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
  if (o.sqpoll) {
    p.flags |= IORING_SETUP_SQPOLL;
    p.sq_thread_idle = 1000;
  } else {
    // One thread owns each ring; these spare the kernel IPIs and locking
    // (6.0+). Older kernels reject them and we retry without.
    p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
  }
  int ret = io_uring_queue_init_params(o.entries, &ring_, &p);
  if (ret == -EINVAL && (p.flags & IORING_SETUP_SINGLE_ISSUER)) {
    unsigned flags = p.flags & ~(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN);
    p = io_uring_params{};
    p.flags = flags;
    ret = io_uring_queue_init_params(o.entries, &ring_, &p);
  }
  if (ret < 0) return setup_error(ret, o, name);
  open_ = true;
  sqpoll_ = o.sqpoll;
  iopoll_ = o.iopoll;
  enters_ = 0;
  registered_ring_ = false;
  sqe_fd_ = fd;
  sqe_flags_ = 0;
  if (o.registered_files) {
    ret = io_uring_register_files(&ring_, &fd, 1);
    if (ret < 0) {
      close();
      return runtime_error(fmt::format("{}: registering the file failed: {}", name, strerror(-ret)), -ret);
    }
    sqe_fd_ = 0;
    sqe_flags_ |= IOSQE_FIXED_FILE;
  }
  if (o.fixed_buffers) {
    std::vector<iovec> iov(slots);
    for (unsigned i = 0; i < slots; i++)
      iov[i] = iovec{static_cast<char*>(buffers) + static_cast<size_t>(i) * slot_len, slot_len};
    ret = io_uring_register_buffers(&ring_, iov.data(), slots);
    if (ret < 0) {
      close();
      if (ret == -ENOMEM)
        return usage_error(fmt::format("{}: registering {} fixed buffers failed: out of locked memory "
                                       "(RLIMIT_MEMLOCK); raise ulimit -l or drop --fixed-buffers",
                                       name, slots), -ret);
      return runtime_error(fmt::format("{}: registering fixed buffers failed: {}", name, strerror(-ret)), -ret);
    }
  }
  if (o.register_ring) {
    ret = io_uring_register_ring_fd(&ring_);
    if (ret < 0) {
      close();
      return usage_error(fmt::format("{}: --register-ring is not supported by this kernel (5.18+ "
                                     "needed): {}", name, strerror(-ret)), -ret);
    }
    registered_ring_ = true;
  }
  return Ok{};
}

int UringRing::enter(unsigned wait_nr, bool getevents) {
  // What liburing's submit does before entering: publish the new tail.
  io_uring_sq& sq = ring_.sq;
  unsigned tail = sq.sqe_tail;
  if (sq.sqe_head != tail) {
    sq.sqe_head = tail;
    io_uring_smp_store_release(sq.ktail, tail);
  }
  unsigned pending = unsubmitted();
  unsigned flags = getevents ? IORING_ENTER_GETEVENTS : 0;
  bool needed = getevents;
  if (sqpoll_) {
    // The SQ thread consumes the entries; enter only to wake it.
    io_uring_smp_mb();
    if (pending && (IO_URING_READ_ONCE(*sq.kflags) & IORING_SQ_NEED_WAKEUP)) {
      flags |= IORING_ENTER_SQ_WAKEUP;
      needed = true;
    }
  } else {
    needed |= pending > 0;
  }
  if (!needed) return 0;
  if (registered_ring_) flags |= IORING_ENTER_REGISTERED_RING;
  unsigned fd = registered_ring_ ? static_cast<unsigned>(ring_.enter_ring_fd) : static_cast<unsigned>(ring_.ring_fd);
  enters_++;
  // Only a wait is timed: the clock stays out of plain submits and polls.
  uint64_t began = wait_nr ? now_ns() : 0;
  int ret = io_uring_enter(fd, sqpoll_ ? 0 : pending, wait_nr, flags, nullptr);
  if (wait_nr) waited_ns_ += now_ns() - began;
  // A short submit, EAGAIN or EBUSY leave SQEs queued: unsubmitted() sees
  // them and the next call hands them over.
  if (ret >= 0 || ret == -EAGAIN || ret == -EBUSY || ret == -EINTR) return 0;
  return ret;
}

void UringRing::close() {
  if (open_) io_uring_queue_exit(&ring_);
  open_ = false;
}

}  // namespace qb
