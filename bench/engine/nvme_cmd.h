// NVMe read/write commands over io_uring's uring_cmd (NVME_URING_CMD_IO):
// the ABI the ng char devices speak, and the one the per-queue user
// devices will speak too, so both engines build commands here.
#pragma once

#include <linux/nvme_ioctl.h>
#include <liburing.h>

#include <cstdint>
#include <cstring>

#include "engine.h"

namespace qb {

inline constexpr uint8_t nvme_cmd_write = 0x01;
inline constexpr uint8_t nvme_cmd_read = 0x02;

struct NvmeTarget {
  uint32_t nsid;
  unsigned lba_shift;  // log2 of the LBA size
  bool fixed_buffers;
};

// Fills a 128-byte SQE for one read or write. Every field the kernel reads
// is written, so SQEs need no clearing between uses.
inline void prep_nvme_rw(io_uring_sqe* sqe, int fd, const NvmeTarget& t, const IoRequest& r) {
  sqe->opcode = IORING_OP_URING_CMD;
  sqe->flags = 0;
  sqe->ioprio = 0;
  sqe->fd = fd;
  sqe->off = 0;
  sqe->cmd_op = NVME_URING_CMD_IO;
  sqe->addr = 0;
  sqe->len = 0;
  sqe->uring_cmd_flags = t.fixed_buffers ? IORING_URING_CMD_FIXED : 0;
  sqe->buf_index = t.fixed_buffers ? r.tag : 0;
  sqe->personality = 0;
  sqe->splice_fd_in = 0;
  auto* cmd = reinterpret_cast<nvme_uring_cmd*>(sqe->cmd);
  uint64_t slba = r.offset >> t.lba_shift;
  *cmd = nvme_uring_cmd{};
  cmd->opcode = r.write ? nvme_cmd_write : nvme_cmd_read;
  cmd->nsid = t.nsid;
  cmd->addr = reinterpret_cast<uintptr_t>(r.buf);
  cmd->data_len = r.len;
  cmd->cdw10 = static_cast<uint32_t>(slba);
  cmd->cdw11 = static_cast<uint32_t>(slba >> 32);
  cmd->cdw12 = (r.len >> t.lba_shift) - 1;  // 0's based number of LBAs
}

// Passthrough CQEs carry 0, a positive NVMe status, or -errno.
inline void decode_nvme_cqe(const io_uring_cqe* cqe, Completion& c) {
  c.tag = cqe->user_data;
  c.short_io = false;
  if (cqe->res > 0) {
    c.nvme_status = static_cast<uint16_t>(cqe->res);
    c.res = -EIO;
  } else {
    c.nvme_status = 0;
    c.res = cqe->res;
  }
}

}  // namespace qb
