#include "verify.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace qb {
namespace {

TEST(Verify, StampedBlockChecksClean) {
  std::vector<uint64_t> buf(8192 / 8);
  stamp_block(buf.data(), 8192, 512 * 100, 512, 9);
  VerifyMismatch m;
  EXPECT_EQ(check_block(buf.data(), 8192, 512 * 100, 512, 9, &m), 0u);
}

TEST(Verify, DetectsWrongLbaSeedAndData) {
  std::vector<uint64_t> buf(4096 / 8);
  stamp_block(buf.data(), 4096, 4096 * 7, 4096, 3);
  VerifyMismatch m;
  // The same content read back for another LBA: a misdirected write.
  EXPECT_EQ(check_block(buf.data(), 4096, 4096 * 8, 4096, 3, &m), 1u);
  EXPECT_EQ(m.fault, VerifyFault::lba);
  EXPECT_EQ(m.lba, 8u);
  EXPECT_EQ(m.found_lba, 7u);
  EXPECT_EQ(check_block(buf.data(), 4096, 4096 * 7, 4096, 4, &m), 1u);
  EXPECT_EQ(m.fault, VerifyFault::seed);
  buf[100] ^= 1;
  EXPECT_EQ(check_block(buf.data(), 4096, 4096 * 7, 4096, 3, &m), 1u);
  EXPECT_EQ(m.fault, VerifyFault::data);
}

TEST(Verify, ReportsTheFirstBadSectorOfABlock) {
  std::vector<uint64_t> buf(4096 / 8);
  stamp_block(buf.data(), 4096, 0, 512, 1);
  memset(reinterpret_cast<char*>(buf.data()) + 3 * 512, 0, 2 * 512);
  VerifyMismatch m;
  EXPECT_EQ(check_block(buf.data(), 4096, 0, 512, 1, &m), 2u);
  EXPECT_EQ(m.lba, 3u);
  EXPECT_EQ(m.fault, VerifyFault::magic);
}

}  // namespace
}  // namespace qb
