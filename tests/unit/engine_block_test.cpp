#include <gtest/gtest.h>


#include "engine_test_util.h"
#include "test_util.h"

namespace qb {
namespace {

using test::AlignedBuffers;
using test::ScratchFile;

TEST(EngineBlock, IrqWritesAndReadsBack) {
  ScratchFile f(1 << 20);
  ASSERT_FALSE(f.path().empty());
  test::write_then_read("block-irq", f.path(), false);
}

TEST(EngineBlock, IrqWithFixedBuffersWritesAndReadsBack) {
  ScratchFile f(1 << 20);
  test::write_then_read("block-irq", f.path(), true);
}

TEST(EngineBlock, BatchOfManyCompletesEveryTag) {
  ScratchFile f(1 << 20);
  const PathInfo* p = find_path("block-irq");
  AlignedBuffers bufs(16 * 4096);
  auto e = p->create(*p);
  EngineConfig cfg = test::file_config(f.path(), 16, bufs.p);
  cfg.registered_files = true;
  cfg.register_ring = true;
  ASSERT_TRUE(e->setup(cfg).ok());
  std::vector<IoRequest> reqs;
  for (uint16_t i = 0; i < 16; i++) reqs.push_back(IoRequest{i * 4096ULL, bufs.p + i * 4096, 4096, i, false});
  auto done = test::submit_all(*e, reqs);
  ASSERT_EQ(done.size(), 16u);
  std::vector<bool> seen(16);
  for (const auto& c : done) {
    ASSERT_LT(c.tag, 16u);
    seen[c.tag] = true;
    EXPECT_EQ(c.res, 4096);
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 16);
  e->teardown();
}

TEST(EngineBlock, ReadPastTheEndIsShort) {
  ScratchFile f(8192 + 512);
  const PathInfo* p = find_path("block-irq");
  AlignedBuffers bufs(2 * 4096);
  auto e = p->create(*p);
  ASSERT_TRUE(e->setup(test::file_config(f.path(), 2, bufs.p)).ok());
  auto done = test::submit_all(*e, {IoRequest{8192, bufs.p, 4096, 0, false}});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].short_io);
  e->teardown();
}

TEST(EngineBlock, MissingNodeIsAUsageError) {
  const PathInfo* p = find_path("block-irq");
  AlignedBuffers bufs(4096);
  auto e = p->create(*p);
  auto r = e->setup(test::file_config(std::string(QB_TEST_DIR) + "/qb-does-not-exist", 1, bufs.p));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  EXPECT_NE(r.error().message.find("block-irq"), std::string::npos);
  EXPECT_NE(r.error().message.find("No such file"), std::string::npos);
}

}  // namespace
}  // namespace qb
