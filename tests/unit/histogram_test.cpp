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

// A bound read from a histogram must not come out below the values it
// bounds: the upper edge of the rank's bucket, not its midpoint.
TEST(Histogram, UpperPercentileIsNeverBelowTheExactOne) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> dist(1000, 5000000);
  std::vector<uint64_t> values;
  Histogram h;
  for (int i = 0; i < 100000; i++) {
    values.push_back(dist(rng));
    h.record(values.back());
  }
  std::sort(values.begin(), values.end());
  for (double q : {1.0, 50.0, 99.0, 99.99, 100.0}) {
    auto rank = static_cast<size_t>(std::ceil(q / 100 * values.size()));
    uint64_t exact = values[rank - 1];
    EXPECT_GE(h.percentile_upper(q), exact) << "p" << q;
    EXPECT_LE(static_cast<double>(h.percentile_upper(q)), exact * (1 + 1.0 / 64)) << "p" << q;
    EXPECT_LE(h.percentile_upper(q), h.max());
  }
  EXPECT_EQ(Histogram().percentile_upper(50), 0u);
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

TEST(Histogram, BinsAreSparseAscendingAndHoldEveryValue) {
  Histogram h;
  for (uint64_t v : {5ull, 5ull, 300ull, 1000000ull, 1000001ull, 250ull}) h.record(v);
  auto bins = h.bins();
  ASSERT_EQ(bins.size(), 4u) << "only non-empty bins; 1000000 and 1000001 share one";
  uint64_t total = 0, prev_upper = 0;
  for (const auto& b : bins) {
    EXPECT_LT(b.lower, b.upper_exclusive);
    EXPECT_GE(b.lower, prev_upper);
    prev_upper = b.upper_exclusive;
    total += b.count;
  }
  EXPECT_EQ(total, h.count());
  EXPECT_EQ(bins[0].lower, 5u);
  EXPECT_EQ(bins[0].upper_exclusive, 6u);
  EXPECT_EQ(bins[0].count, 2u);
  EXPECT_LE(bins[3].lower, 1000000u);
  EXPECT_GT(bins[3].upper_exclusive, 1000001u);
  EXPECT_EQ(bins[3].count, 2u);
}

// Merging by summing identical bins gives the histogram of all the values.
TEST(Histogram, BinsOfTwoRunsSumToTheMergedHistogram) {
  Histogram a, b, all;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; i++) {
    uint64_t v = rng() % 5000000;
    (i % 3 ? a : b).record(v);
    all.record(v);
  }
  std::vector<HistogramBin> merged = a.bins();
  for (const auto& x : b.bins()) {
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&](const HistogramBin& m) { return m.lower == x.lower && m.upper_exclusive == x.upper_exclusive; });
    if (it == merged.end()) merged.push_back(x);
    else it->count += x.count;
  }
  std::sort(merged.begin(), merged.end(), [](const auto& l, const auto& r) { return l.lower < r.lower; });
  auto want = all.bins();
  ASSERT_EQ(merged.size(), want.size());
  for (size_t i = 0; i < want.size(); i++) {
    EXPECT_EQ(merged[i].lower, want[i].lower);
    EXPECT_EQ(merged[i].count, want[i].count);
  }
}

}  // namespace
}  // namespace qb
