#include "nvme_status.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace qb {
namespace {

TEST(NvmeStatus, NamesGenericCodes) {
  EXPECT_EQ(nvme_status_name(0x80), "LBA Out of Range");
  EXPECT_EQ(nvme_status_name(0x02), "Invalid Field in Command");
  EXPECT_EQ(nvme_status_name(0x0b), "Invalid Namespace or Format");
}

TEST(NvmeStatus, UsesTheStatusCodeType) {
  EXPECT_EQ(nvme_status_name(0x281), "Unrecovered Read Error");
  EXPECT_EQ(nvme_status_name(0x180), "Conflicting Attributes");
  EXPECT_EQ(nvme_status_name(0x371), "Command Aborted By Host");
}

TEST(NvmeStatus, IgnoresDnrMoreAndCrdBits) {
  EXPECT_EQ(nvme_status_name(0x4000 | 0x2000 | 0x0800 | 0x80), "LBA Out of Range");
  NvmeStatus s = split_status(0x4281);
  EXPECT_TRUE(s.dnr);
  EXPECT_FALSE(s.more);
  EXPECT_EQ(s.sct, 2);
  EXPECT_EQ(s.sc, 0x81);
}

TEST(NvmeStatus, UnknownCodesShowTheirFields) {
  EXPECT_EQ(nvme_status_name(0x1ff), "SCT 0x1 SC 0xff");
  EXPECT_EQ(nvme_status_name(0x7c0), "Vendor Specific (SC 0xc0)");
}

TEST(NvmeStatus, ErrnoNames) {
  EXPECT_EQ(errno_name(EIO), "EIO (Input/output error)");
  EXPECT_EQ(errno_name(EOPNOTSUPP).rfind("EOPNOTSUPP", 0), 0u);
}

}  // namespace
}  // namespace qb
