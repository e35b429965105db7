#include "run_order.h"

#include <numeric>

#include "workload.h"

namespace qb {

namespace {

// A stream of 64-bit draws (splitmix64) keyed by the seed, what is being
// ordered and the round, so that each round's order follows from those
// alone.
class RoundDraws {
 public:
  RoundDraws(uint64_t seed, uint64_t salt, unsigned round)
      : state_(mix64(seed ^ salt) ^ mix64(salt + round * 0x9e3779b97f4a7c15ULL)) {}
  // Uniform in [0, n) (multiply-shift; its bias, n / 2^64, is nil here).
  size_t below(size_t n) {
    state_ += 0x9e3779b97f4a7c15ULL;
    return static_cast<size_t>((static_cast<unsigned __int128>(mix64(state_)) * n) >> 64);
  }

 private:
  uint64_t state_;
};

// 0 .. n-1 in round r's order: a Fisher-Yates shuffle.
std::vector<size_t> shuffled(size_t n, uint64_t seed, uint64_t salt, unsigned round) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  RoundDraws draws(seed, salt, round);
  for (size_t i = n; i > 1; i--) std::swap(order[i - 1], order[draws.below(i)]);
  return order;
}

}  // namespace

std::vector<PlannedRun> plan_run_order(size_t ceiling_specs, size_t path_specs, const std::vector<bool>& variants,
                                       unsigned rounds, uint64_t seed) {
  std::vector<PlannedRun> plan;
  constexpr uint64_t ceiling_salt = 0x6365696c696e67ULL, path_salt = 0x7061746873ULL, pair_salt = 0x7061697273ULL;
  // Which of a pair's runs goes first in round 1, from the seed; then
  // they swap places every round, so each goes first equally often.
  const bool swap_first = RoundDraws(seed, pair_salt, 0).below(2) == 1;
  for (unsigned r = 1; r <= rounds; r++) {
    unsigned place = 0;
    for (size_t spec : shuffled(ceiling_specs, seed, ceiling_salt, r))
      plan.push_back(PlannedRun{spec, true, false, r, ++place});
    bool swap = variants.size() > 1 && (swap_first != (r % 2 == 0));
    for (size_t spec : shuffled(path_specs, seed, path_salt, r))
      for (size_t v = 0; v < variants.size(); v++)
        plan.push_back(PlannedRun{spec, false, variants[swap ? variants.size() - 1 - v : v], r, ++place});
  }
  return plan;
}

}  // namespace qb
