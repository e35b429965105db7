// The NVMe user queue ABI, from the kernel patch series in kernel-patch/
// (include/uapi/linux/nvme_ioctl.h and
// Documentation/userspace-api/nvme-user-queues.rst). Distribution headers
// do not have it yet; when they do, theirs is used and these definitions
// drop out. The only place the tool defines them.
#pragma once

#include <linux/nvme_ioctl.h>
#include <linux/types.h>
#include <sys/ioctl.h>

#ifndef NVME_UQ_IOCTL_BIND
// Binds a queue file to the namespace of an open /dev/ngXnY.
struct nvme_uq_bind {
  __u32 size;  // sizeof(struct nvme_uq_bind)
  __u32 flags;
  __s32 ns_fd;
  __u32 rsvd;
};

// The queue's identity and mmap layout.
struct nvme_uq_info {
  __u32 size;  // in: room for; out: bytes filled
  __u32 flags;  // NVME_UQ_INFO_POLLED
  __u32 qid;
  __u32 depth;
  __u32 nsid;
  __u32 rsvd;
  __u64 state_offset;
  __u64 state_size;
  __u64 cq_offset;
  __u64 cq_size;
};

// The state page, read-only, written by the driver.
struct nvme_uq_state {
  __u32 size;           // bytes the kernel fills
  __u32 flags;          // NVME_UQ_STATE_LIVE
  __u32 qid;            // hardware queue id, 0 while the queue is down
  __u32 depth;          // entries in the CQ ring
  __u32 cq_head_phase;  // bits 15:0 CQ head, bit 16 expected phase
  __u32 generation;     // incremented whenever the queue is created
  __u32 rsvd0[2];
  __u64 submitted;      // commands placed on the SQ
  __u64 completed;      // completions reaped, and commands cancelled
  __u64 polls;          // polls of a user_poll queue by its ring
  __u64 empty_polls;    // of those, polls that found no completion
  __u64 rsvd[4];
};

#define NVME_UQ_INFO_POLLED (1U << 0)
#define NVME_UQ_STATE_LIVE (1U << 0)
#define NVME_UQ_IOCTL_BIND _IOW('N', 0x60, struct nvme_uq_bind)
#define NVME_UQ_IOCTL_INFO _IOWR('N', 0x61, struct nvme_uq_info)
#endif

// A CQ entry is 16 bytes; the 16-bit status field (phase in bit 0, little
// endian) is its last two bytes.
inline constexpr unsigned nvme_uq_cqe_size = 16;
inline constexpr unsigned nvme_uq_cqe_status_offset = 14;
