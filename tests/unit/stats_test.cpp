#include "stats.h"

#include <gtest/gtest.h>

#include <vector>

namespace qb {
namespace {

TEST(Stats, OddCountMedianIsTheMiddle) {
  std::vector<double> v{5, 1, 3};
  Summary s = summarize(v);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.spread, 4.0 / 3.0);
  EXPECT_EQ(s.n, 3u);
}

TEST(Stats, EvenCountMedianAveragesTheMiddlePair) {
  std::vector<double> v{10, 40, 20, 30};
  EXPECT_DOUBLE_EQ(summarize(v).median, 25);
}

TEST(Stats, EmptyIsAllZero) {
  Summary s = summarize({});
  EXPECT_EQ(s.n, 0u);
  EXPECT_DOUBLE_EQ(s.median, 0);
}

}  // namespace
}  // namespace qb
