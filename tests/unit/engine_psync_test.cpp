#include <gtest/gtest.h>

#include "engine_test_util.h"
#include "test_util.h"

namespace qb {
namespace {

TEST(EnginePsync, WritesAndReadsBack) {
  test::ScratchFile f(1 << 20);
  ASSERT_FALSE(f.path().empty());
  test::write_then_read("psync", f.path(), false);
}

TEST(EnginePsync, DepthIsOne) {
  const PathInfo* p = find_path("psync");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->max_iodepth, 1u);
  EXPECT_FALSE(p->poll);
}

TEST(EnginePsync, CompletionsComeBackInOrder) {
  test::ScratchFile f(1 << 20);
  const PathInfo* p = find_path("psync");
  test::AlignedBuffers bufs(4096);
  auto e = p->create(*p);
  ASSERT_TRUE(e->setup(test::file_config(f.path(), 1, bufs.p)).ok());
  for (uint16_t i = 0; i < 4; i++) {
    auto done = test::submit_all(*e, {IoRequest{i * 4096ULL, bufs.p, 4096, 0, false}});
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].res, 4096);
  }
  std::vector<Completion> none(1);
  EXPECT_EQ(e->reap(none, 0), 0);
  e->teardown();
}

}  // namespace
}  // namespace qb
