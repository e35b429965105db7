#include "workload.h"

#include <gtest/gtest.h>

#include <set>

namespace qb {
namespace {

WorkloadOptions base(RwMode rw, uint64_t seed = 7) {
  WorkloadOptions w;
  w.rw = rw;
  w.bs = 4096;
  w.size = 1ULL << 30;
  w.seed = seed;
  return w;
}

TEST(Workload, SameSeedSameSequenceWhateverTheQueueSetup) {
  WorkloadOptions a = base(RwMode::randrw);
  WorkloadOptions b = a;
  b.iodepth = 1;  // depth, batches and buffers must not change the sequence
  b.submit_batch = 1;
  b.fixed_buffers = true;
  auto ra = split_range(a), rb = split_range(b);
  ASSERT_TRUE(ra.ok() && rb.ok());
  IoSequence sa(a, 0, (*ra)[0]), sb(b, 0, (*rb)[0]);
  for (int i = 0; i < 10000; i++) {
    IoOp x = sa.next(), y = sb.next();
    ASSERT_EQ(x.offset, y.offset) << i;
    ASSERT_EQ(x.write, y.write) << i;
  }
}

TEST(Workload, RandomAccessByIndexMatchesStreaming) {
  WorkloadOptions w = base(RwMode::randread);
  auto r = split_range(w);
  ASSERT_TRUE(r.ok());
  IoSequence s(w, 0, (*r)[0]);
  IoSequence t(w, 0, (*r)[0]);
  for (uint64_t i = 0; i < 1000; i++) ASSERT_EQ(s.next().offset, t.at(i).offset);
}

TEST(Workload, DifferentSeedsAndThreadsGiveDifferentSequences) {
  WorkloadOptions a = base(RwMode::randread, 1), b = base(RwMode::randread, 2);
  auto r = split_range(a);
  ASSERT_TRUE(r.ok());
  IoSequence sa(a, 0, (*r)[0]), sb(b, 0, (*r)[0]), sc(a, 1, (*r)[0]);
  int same_seed = 0, same_thread = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = sa.next().offset;
    same_seed += x == sb.next().offset;
    same_thread += x == sc.next().offset;
  }
  EXPECT_LT(same_seed, 5);
  EXPECT_LT(same_thread, 5);
}

TEST(Workload, OffsetsAreAlignedAndInsideTheThreadSlice) {
  WorkloadOptions w = base(RwMode::randwrite);
  w.offset = 1 << 20;
  w.size = 64 << 20;
  w.threads = 3;
  auto r = split_range(w);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  for (unsigned t = 0; t < 3; t++) {
    const ThreadRange& tr = (*r)[t];
    if (t) {
      EXPECT_EQ(tr.start, (*r)[t - 1].start + (*r)[t - 1].blocks * w.bs) << "slices must not overlap";
    }
    IoSequence s(w, t, tr);
    std::set<uint64_t> seen;
    for (int i = 0; i < 20000; i++) {
      IoOp op = s.next();
      ASSERT_TRUE(op.write);
      ASSERT_EQ(op.offset % w.bs, 0u);
      ASSERT_GE(op.offset, tr.start);
      ASSERT_LT(op.offset, tr.start + tr.blocks * w.bs);
      seen.insert(op.offset);
    }
    // 20000 draws from ~5461 blocks must cover nearly all of them.
    EXPECT_GT(seen.size(), tr.blocks * 95 / 100);
  }
  EXPECT_LE((*r)[2].start + (*r)[2].blocks * w.bs, w.offset + w.size);
}

TEST(Workload, SequentialWrapsAround) {
  WorkloadOptions w = base(RwMode::read);
  w.size = 4 * 4096;
  auto r = split_range(w);
  ASSERT_TRUE(r.ok());
  IoSequence s(w, 0, (*r)[0]);
  uint64_t expect[] = {0, 4096, 8192, 12288, 0, 4096};
  for (uint64_t e : expect) {
    IoOp op = s.next();
    EXPECT_EQ(op.offset, e);
    EXPECT_FALSE(op.write);
  }
}

TEST(Workload, RwMixHonoursThePercentage) {
  for (unsigned mix : {0u, 30u, 70u, 100u}) {
    WorkloadOptions w = base(RwMode::randrw);
    w.rwmixread = mix;
    auto r = split_range(w);
    ASSERT_TRUE(r.ok());
    IoSequence s(w, 0, (*r)[0]);
    int reads = 0, n = 100000;
    for (int i = 0; i < n; i++) reads += !s.next().write;
    EXPECT_NEAR(100.0 * reads / n, mix, 1.0) << "rwmixread " << mix;
  }
}

TEST(Workload, TooSmallRangeForThreadsIsAUsageError) {
  WorkloadOptions w = base(RwMode::randread);
  w.size = 2 * 4096;
  w.threads = 3;
  auto r = split_range(w);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  EXPECT_NE(r.error().message.find("--threads"), std::string::npos);
}

TEST(Workload, ParsesEveryModeName) {
  for (auto name : {"randread", "randwrite", "read", "write", "randrw"}) {
    auto m = parse_rw(name);
    ASSERT_TRUE(m.ok()) << name;
    EXPECT_EQ(rw_name(*m), name);
  }
  EXPECT_FALSE(parse_rw("trim").ok());
}

}  // namespace
}  // namespace qb
