// The NVMe user queue ABI, from the kernel patch series in kernel-patch/
// (0005: include/uapi/linux/nvme_ioctl.h and
// Documentation/userspace-api/nvme-user-queues.rst). Distribution headers
// do not have it yet; when they do, theirs is used and these definitions
// drop out. The only place the tool defines them.
#pragma once

#include <linux/nvme_ioctl.h>
#include <linux/types.h>

#ifndef NVME_UQ_OFF_STATE
// mmap offsets of /dev/nvme<X>uq<Y>; both mappings are read-only.
#define NVME_UQ_OFF_STATE 0x0ULL
#define NVME_UQ_OFF_CQ 0x100000ULL

// The state page of a user queue, written by the driver.
struct nvme_uq_state {
  __u32 version;        // NVME_UQ_STATE_VERSION
  __u32 qid;            // hardware queue id, 0 while the queue is down
  __u32 depth;          // entries in the CQ ring
  __u32 cq_head_phase;  // bits 15:0 CQ head, bit 16 expected phase
  __u32 generation;     // incremented whenever the queue is created
  __u32 flags;          // NVME_UQ_STATE_LIVE
};

#define NVME_UQ_STATE_VERSION 1
#define NVME_UQ_STATE_LIVE (1U << 0)
#endif

// A CQ entry is 16 bytes; the 16-bit status field (phase in bit 0, little
// endian) is its last two bytes.
inline constexpr unsigned nvme_uq_cqe_size = 16;
inline constexpr unsigned nvme_uq_cqe_status_offset = 14;
