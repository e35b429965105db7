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

// A rotation keeps each path's neighbour (B always after A); a shuffle
// per round does not.
TEST(RunOrder, EachRoundIsShuffledSoNeighboursVary) {
  constexpr size_t n = 5;
  constexpr unsigned rounds = 30;
  auto plan = plan_run_order(0, n, {false}, rounds, 1);
  ASSERT_EQ(plan.size(), n * rounds);
  std::map<size_t, std::set<size_t>> predecessors, places;
  for (unsigned r = 1; r <= rounds; r++) {
    auto order = paths_of_round(plan, r);
    ASSERT_EQ(order.size(), n);
    EXPECT_EQ(std::set<size_t>(order.begin(), order.end()).size(), n) << "each path once in round " << r;
    for (size_t i = 0; i < n; i++) {
      places[order[i]].insert(i);
      if (i > 0) predecessors[order[i]].insert(order[i - 1]);
    }
  }
  for (size_t p = 0; p < n; p++) {
    EXPECT_GT(places[p].size(), 1u) << "path " << p << " always holds the same place";
    EXPECT_GT(predecessors[p].size(), 1u) << "path " << p << " always follows the same path";
  }
}

TEST(RunOrder, ARoundsOrderFollowsFromTheSeedAndItsNumberAlone) {
  auto short_plan = plan_run_order(2, 4, {false, true}, 3, 11), long_plan = plan_run_order(2, 4, {false, true}, 6, 11);
  ASSERT_LT(short_plan.size(), long_plan.size());
  for (size_t i = 0; i < short_plan.size(); i++) {
    EXPECT_EQ(short_plan[i].spec, long_plan[i].spec) << i;
    EXPECT_EQ(short_plan[i].ceiling, long_plan[i].ceiling) << i;
    EXPECT_EQ(short_plan[i].probed, long_plan[i].probed) << i;
  }
  bool rounds_differ = false;
  for (unsigned r = 2; r <= 6; r++) rounds_differ |= paths_of_round(long_plan, r) != paths_of_round(long_plan, 1);
  EXPECT_TRUE(rounds_differ);
}

TEST(RunOrder, SameSeedSameOrderAndTheSeedMovesIt) {
  auto a = plan_run_order(2, 5, {false}, 4, 7), b = plan_run_order(2, 5, {false}, 4, 7);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); i++) EXPECT_EQ(a[i].spec, b[i].spec);
  std::set<size_t> firsts;
  for (uint64_t seed = 1; seed <= 20; seed++) firsts.insert(paths_of_round(plan_run_order(0, 5, {false}, 1, seed), 1)[0]);
  EXPECT_GT(firsts.size(), 1u) << "the first round's order depends on the seed";
}

TEST(RunOrder, CeilingRunsFirstShuffledAndPlacesNumbered) {
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
  std::set<size_t> first_ceiling;
  auto many = plan_run_order(3, 1, {false}, 20, 3);
  for (size_t i = 0; i < many.size(); i += 4) {
    ASSERT_TRUE(many[i].ceiling);
    first_ceiling.insert(many[i].spec);
  }
  EXPECT_GT(first_ceiling.size(), 1u) << "the ceiling runs are shuffled too";
}

TEST(RunOrder, ProbeCostPairsStayTogetherAndSwapEveryRound) {
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
