#include "histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace qb {
namespace {

TEST(Histogram, EveryValueLandsInABucketThatContainsIt) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200000; i++) {
    uint64_t v = rng() >> (rng() % 64);
    unsigned idx = Histogram::index_of(v);
    ASSERT_LT(idx, Histogram::bucket_count);
    ASSERT_LE(Histogram::lower_bound_of(idx), v);
    ASSERT_GE(Histogram::upper_bound_of(idx), v);
  }
  EXPECT_EQ(Histogram::index_of(UINT64_MAX), Histogram::bucket_count - 1);
}

TEST(Histogram, BucketsAreAtMostOnePercentWide) {
  for (unsigned i = 1; i < Histogram::bucket_count; i++) {
    double lo = static_cast<double>(Histogram::lower_bound_of(i));
    double hi = static_cast<double>(Histogram::upper_bound_of(i));
    ASSERT_LE((hi - lo) / lo, 0.01) << "bucket " << i;
    ASSERT_EQ(Histogram::lower_bound_of(i), Histogram::upper_bound_of(i - 1) + 1) << "gap before " << i;
  }
}

TEST(Histogram, PercentilesWithinOnePercentOfExact) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(11.0, 1.2);  // ~60 us median, long tail
  std::vector<uint64_t> values;
  Histogram h;
  for (int i = 0; i < 500000; i++) {
    auto v = static_cast<uint64_t>(dist(rng)) + 1;
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {50.0, 90.0, 99.0, 99.9, 99.99}) {
    auto rank = static_cast<size_t>(std::ceil(q / 100 * values.size()));
    double exact = static_cast<double>(values[rank - 1]);
    double got = static_cast<double>(h.percentile(q));
    EXPECT_LE(std::abs(got - exact) / exact, 0.01) << "p" << q << " exact " << exact << " got " << got;
  }
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.count(), values.size());
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 1; v <= 100; v++) h.record(v);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(100), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  Histogram a, b, all;
  for (uint64_t v = 1000; v < 200000; v += 7) {
    (v % 2 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (double q : {1.0, 50.0, 99.0}) EXPECT_EQ(a.percentile(q), all.percentile(q));
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
}

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.percentile(99), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
}

}  // namespace
}  // namespace qb
