// The statistics behind percentiles over rounds and the diff gate, checked
// against values worked out by hand (and by scipy.stats.mannwhitneyu).
#include "statistics.h"

#include <gtest/gtest.h>

#include <vector>

namespace qb {
namespace {

TEST(Statistics, MergedBinsSumIdenticalRanges) {
  std::vector<std::vector<LatencyBin>> h{{{100, 101, 2}, {200, 202, 3}}, {{200, 202, 1}, {50, 51, 4}}};
  auto m = merge_bins(h);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].lower, 50u);
  EXPECT_EQ(m[0].count, 4u);
  EXPECT_EQ(m[2].lower, 200u);
  EXPECT_EQ(m[2].count, 4u);
}

// Percentiles of the pooled I/Os, not the median of each round's: a slow
// round's tail shows in the merged p99 though it is one round of three.
TEST(Statistics, PercentileOfMergedRounds) {
  std::vector<LatencyBin> fast{{1000, 1002, 99}, {2000, 2016, 1}};
  std::vector<LatencyBin> slow{{1000, 1002, 50}, {9000, 9064, 50}};
  EXPECT_EQ(bin_percentile(fast, 50, 1000, 2015), 1000u);
  EXPECT_EQ(bin_percentile(fast, 99.5, 1000, 2015), 2007u);  // midpoint of [2000, 2015]
  std::vector<std::vector<LatencyBin>> rounds{fast, fast, slow};
  auto m = merge_bins(rounds);
  // 300 I/Os, 50 of them at 9000: p90 lands there; every round's own p90 median does not.
  EXPECT_EQ(bin_percentile(m, 90, 1000, 9063), 9031u);
  EXPECT_EQ(bin_percentile(m, 50, 1000, 9063), 1000u);
  // Clamped to the observed extremes, and 0 without I/Os.
  EXPECT_EQ(bin_percentile(m, 100, 1000, 9040), 9031u);
  EXPECT_EQ(bin_percentile(m, 100, 1000, 9020), 9020u);
  EXPECT_EQ(bin_percentile({}, 50, 0, 0), 0u);
}

TEST(Statistics, MannWhitneyExact) {
  std::vector<double> a{1, 2, 3}, b{4, 5, 6};
  EXPECT_DOUBLE_EQ(mann_whitney_greater_p(a, b), 1.0 / 20);  // scipy: 0.05
  EXPECT_DOUBLE_EQ(mann_whitney_greater_p(b, a), 1.0);
  std::vector<double> c{1, 2, 3, 4, 5}, d{6, 7, 8, 9, 10};
  EXPECT_NEAR(mann_whitney_greater_p(c, d), 1.0 / 252, 1e-12);  // scipy: 0.003968
  // Interleaved: no evidence either way.
  std::vector<double> e{1, 4, 5}, f{2, 3, 6};
  EXPECT_DOUBLE_EQ(mann_whitney_greater_p(e, f), 0.5);
  EXPECT_DOUBLE_EQ(mann_whitney_min_p(3, 3), 0.05);
  EXPECT_NEAR(mann_whitney_min_p(2, 2), 1.0 / 6, 1e-12);
}

TEST(Statistics, MannWhitneyTiesAndLargeSamples) {
  // Every value equal: every split ties, p 1.
  std::vector<double> same{7, 7, 7};
  EXPECT_DOUBLE_EQ(mann_whitney_greater_p(same, same), 1.0);
  // Ties at mid-ranks (1, 3, 3, 3, 5, 6): {2,3,4} has rank sum 3+5+6 = 14,
  // which 3 of the 20 splits reach.
  std::vector<double> a{1, 2, 2}, b{2, 3, 4};
  EXPECT_DOUBLE_EQ(mann_whitney_greater_p(a, b), 3.0 / 20);
  // 30 against 30: the normal approximation.
  std::vector<double> lo, hi;
  for (int i = 0; i < 30; i++) lo.push_back(i), hi.push_back(i + 20);
  EXPECT_LT(mann_whitney_greater_p(lo, hi), 1e-5);
  EXPECT_GT(mann_whitney_greater_p(hi, lo), 0.99);
}

// Holm steps down from the smallest p: the k-th smallest (from 0) is held to
// alpha / (m - k), and the first miss stops it.
TEST(Statistics, HolmStepsDownInOrder) {
  std::vector<double> level;
  // Each under 0.05, so each would pass uncorrected; the smallest misses
  // 0.05 / 3, and with it every other.
  std::vector<double> near{0.04, 0.02, 0.03};
  EXPECT_EQ(holm_rejected(near, 0.05, &level), (std::vector<bool>{false, false, false}));
  EXPECT_DOUBLE_EQ(level[1], 0.05 / 3);
  EXPECT_DOUBLE_EQ(level[2], 0.05 / 2);
  EXPECT_DOUBLE_EQ(level[0], 0.05);
  // Bonferroni (0.05 / 3 for all) would reject only the first; Holm holds
  // the second smallest to 0.05 / 2 and the largest to 0.05.
  std::vector<double> steps{0.045, 0.01, 0.02};
  EXPECT_EQ(holm_rejected(steps, 0.05), (std::vector<bool>{true, true, true}));
  // A miss in the middle stops the rest, though the last would meet 0.05.
  std::vector<double> stop{0.01, 0.03, 0.04};
  EXPECT_EQ(holm_rejected(stop, 0.05), (std::vector<bool>{true, false, false}));
  EXPECT_TRUE(holm_rejected(std::vector<double>{}, 0.05).empty());
}

}  // namespace
}  // namespace qb
