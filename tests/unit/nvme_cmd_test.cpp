// The ng engine cannot run here (no NVMe), but the commands it sends can be
// checked field by field.
#include "nvme_cmd.h"

#include <gtest/gtest.h>

#include <vector>

namespace qb {
namespace {

struct BigSqe {
  io_uring_sqe sqe;
  uint8_t cmd_area[64];
};

TEST(NvmeCmd, ReadCommandFields) {
  BigSqe big;
  memset(&big, 0xa5, sizeof big);  // stale contents must all be overwritten
  char buf[8192];
  NvmeTarget t{3, 12, false};
  IoRequest r{uint64_t{0x123456789} << 12, buf, 8192, 17, false};
  prep_nvme_rw(&big.sqe, 5, t, r);
  EXPECT_EQ(big.sqe.opcode, IORING_OP_URING_CMD);
  EXPECT_EQ(big.sqe.cmd_op, NVME_URING_CMD_IO);
  EXPECT_EQ(big.sqe.fd, 5);
  EXPECT_EQ(big.sqe.flags, 0);
  EXPECT_EQ(big.sqe.uring_cmd_flags, 0u);
  auto* cmd = reinterpret_cast<const nvme_uring_cmd*>(big.sqe.cmd);
  EXPECT_EQ(cmd->opcode, nvme_cmd_read);
  EXPECT_EQ(cmd->nsid, 3u);
  EXPECT_EQ(cmd->cdw10, 0x23456789u);
  EXPECT_EQ(cmd->cdw11, 0x1u);
  EXPECT_EQ(cmd->cdw12, 1u);  // two 4 KiB LBAs, 0's based
  EXPECT_EQ(cmd->addr, reinterpret_cast<uintptr_t>(buf));
  EXPECT_EQ(cmd->data_len, 8192u);
  EXPECT_EQ(cmd->metadata, 0u);
  EXPECT_EQ(cmd->timeout_ms, 0u);
}

TEST(NvmeCmd, WriteWithFixedBufferUsesTheSlotIndex) {
  BigSqe big{};
  char buf[512];
  NvmeTarget t{1, 9, true};
  IoRequest r{512 * 10, buf, 512, 42, true};
  prep_nvme_rw(&big.sqe, 0, t, r);
  auto* cmd = reinterpret_cast<const nvme_uring_cmd*>(big.sqe.cmd);
  EXPECT_EQ(cmd->opcode, nvme_cmd_write);
  EXPECT_EQ(cmd->cdw10, 10u);
  EXPECT_EQ(cmd->cdw12, 0u);
  EXPECT_EQ(big.sqe.uring_cmd_flags, IORING_URING_CMD_FIXED);
  EXPECT_EQ(big.sqe.buf_index, 42);
}

TEST(NvmeCmd, DecodesStatusErrnoAndSuccess) {
  io_uring_cqe cqe{};
  Completion c{};
  cqe.user_data = 9;
  cqe.res = 0x80;
  decode_nvme_cqe(&cqe, c);
  EXPECT_EQ(c.tag, 9u);
  EXPECT_EQ(c.nvme_status, 0x80);
  EXPECT_LT(c.res, 0);
  cqe.res = -EACCES;
  decode_nvme_cqe(&cqe, c);
  EXPECT_EQ(c.nvme_status, 0);
  EXPECT_EQ(c.res, -EACCES);
  cqe.res = 0;
  decode_nvme_cqe(&cqe, c);
  EXPECT_EQ(c.res, 0);
  EXPECT_EQ(c.nvme_status, 0);
}

}  // namespace
}  // namespace qb
