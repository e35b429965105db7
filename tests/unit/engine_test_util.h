// Drives one engine directly: a write then a read of the same block.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "engine_factory.h"

namespace qb::test {

struct AlignedBuffers {
  explicit AlignedBuffers(size_t len) : p(static_cast<char*>(std::aligned_alloc(4096, len))) {}
  ~AlignedBuffers() { free(p); }
  char* p;
};

inline EngineConfig file_config(const std::string& node, unsigned depth, void* bufs) {
  EngineConfig c;
  c.node = node;
  c.write_access = true;
  c.iodepth = depth;
  c.bs = 4096;
  c.lba_size = 4096;
  c.buffers = bufs;
  return c;
}

// Submits reqs and reaps until all completed; returns the completions.
inline std::vector<Completion> submit_all(Engine& e, std::vector<IoRequest> reqs) {
  std::vector<Completion> out(reqs.size()), got;
  EXPECT_EQ(e.submit(reqs, 0), 0);
  while (got.size() < reqs.size()) {
    int n = e.reap(out, 1);
    EXPECT_GE(n, 0);
    if (n < 0) break;
    got.insert(got.end(), out.begin(), out.begin() + n);
  }
  return got;
}

// Writes distinct patterns to two blocks, reads them back and compares.
inline void write_then_read(const char* path_name, const std::string& file, bool fixed) {
  const PathInfo* p = find_path(path_name);
  ASSERT_NE(p, nullptr);
  AlignedBuffers bufs(4 * 4096);
  EngineConfig cfg = file_config(file, 4, bufs.p);
  cfg.fixed_buffers = fixed;
  unsigned depth = p->max_iodepth ? p->max_iodepth : 2;
  cfg.iodepth = std::max(depth, 2u);
  auto e = p->create(*p);
  auto r = e->setup(cfg);
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (unsigned b = 0; b < 2; b++) memset(bufs.p + b * 4096, 'a' + b, 4096);
  for (unsigned b = 0; b < 2; b++) {
    auto done = submit_all(*e, {IoRequest{(b + 3) * 4096ULL, bufs.p + b * 4096, 4096, uint16_t(b), true}});
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].tag, b);
    EXPECT_EQ(done[0].res, 4096);
    EXPECT_FALSE(done[0].short_io);
  }
  memset(bufs.p, 0, 4 * 4096);
  for (unsigned b = 0; b < 2; b++) {
    auto done = submit_all(*e, {IoRequest{(b + 3) * 4096ULL, bufs.p + b * 4096, 4096, uint16_t(b), false}});
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].res, 4096);
  }
  for (unsigned b = 0; b < 2; b++)
    for (unsigned i = 0; i < 4096; i++) ASSERT_EQ(bufs.p[b * 4096 + i], char('a' + b)) << "block " << b << " byte " << i;
  e->teardown();
}

}  // namespace qb::test
