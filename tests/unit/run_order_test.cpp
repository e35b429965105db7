#include "run_order.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace qb {
namespace {

std::vector<size_t> paths_of_round(const std::vector<PlannedRun>& plan, unsigned round) {
  std::vector<size_t> out;
  for (const auto& p : plan)
    if (p.round == round && !p.ceiling) out.push_back(p.spec);
  return out;
}

TEST(RunOrder, RotatesFromRoundToRound) {
  auto plan = plan_run_order(0, 3, {false}, 3, 1);
  ASSERT_EQ(plan.size(), 9u);
  auto r1 = paths_of_round(plan, 1), r2 = paths_of_round(plan, 2), r3 = paths_of_round(plan, 3);
  // A B C, then C A B: each round is the previous one rotated right by one.
  for (size_t i = 0; i < 3; i++) {
    EXPECT_EQ(r2[(i + 1) % 3], r1[i]);
    EXPECT_EQ(r3[(i + 1) % 3], r2[i]);
  }
  // With as many rounds as paths, every path holds every place once.
  for (size_t place = 0; place < 3; place++) {
    std::set<size_t> at{r1[place], r2[place], r3[place]};
    EXPECT_EQ(at.size(), 3u) << "place " << place;
  }
}

TEST(RunOrder, SameSeedSameOrderAndTheSeedMovesIt) {
  auto a = plan_run_order(2, 5, {false}, 4, 7), b = plan_run_order(2, 5, {false}, 4, 7);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); i++) EXPECT_EQ(a[i].spec, b[i].spec);
  std::set<size_t> firsts;
  for (uint64_t seed = 1; seed <= 20; seed++) firsts.insert(paths_of_round(plan_run_order(0, 5, {false}, 1, seed), 1)[0]);
  EXPECT_GT(firsts.size(), 1u) << "the first round's order depends on the seed";
}

TEST(RunOrder, CeilingRunsFirstRotatedAndPlacesNumbered) {
  auto plan = plan_run_order(2, 3, {false}, 2, 3);
  ASSERT_EQ(plan.size(), 10u);
  for (unsigned r = 1; r <= 2; r++) {
    std::vector<PlannedRun> round;
    for (const auto& p : plan)
      if (p.round == r) round.push_back(p);
    ASSERT_EQ(round.size(), 5u);
    EXPECT_TRUE(round[0].ceiling && round[1].ceiling && !round[2].ceiling);
    for (unsigned i = 0; i < 5; i++) EXPECT_EQ(round[i].order_in_round, i + 1);
  }
  EXPECT_NE(plan[0].spec, plan[5].spec) << "the two ceiling runs swap places between rounds";
}

TEST(RunOrder, ProbeCostPairsSwapEveryOtherRound) {
  auto plan = plan_run_order(0, 2, {false, true}, 4, 9);
  ASSERT_EQ(plan.size(), 16u);
  std::map<unsigned, bool> probed_first;
  for (size_t i = 0; i < plan.size(); i += 2) {
    EXPECT_EQ(plan[i].spec, plan[i + 1].spec) << "a path's two runs stay side by side";
    EXPECT_NE(plan[i].probed, plan[i + 1].probed);
    probed_first[plan[i].round] = plan[i].probed;
  }
  EXPECT_NE(probed_first[1], probed_first[2]);
  EXPECT_NE(probed_first[2], probed_first[3]);
}

}  // namespace
}  // namespace qb
