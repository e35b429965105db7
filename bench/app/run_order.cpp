#include "run_order.h"

#include "workload.h"

namespace qb {

namespace {

// Where round r's rotation of n items starts: a seeded offset, then one
// place further each round.
size_t rotation(size_t n, uint64_t seed, uint64_t salt, unsigned round) {
  return n ? static_cast<size_t>((mix64(seed ^ salt) + round - 1) % n) : 0;
}

}  // namespace

std::vector<PlannedRun> plan_run_order(size_t ceiling_specs, size_t path_specs, const std::vector<bool>& variants,
                                       unsigned rounds, uint64_t seed) {
  std::vector<PlannedRun> plan;
  constexpr uint64_t ceiling_salt = 0x6365696c696e67ULL, path_salt = 0x7061746873ULL, pair_salt = 0x7061697273ULL;
  for (unsigned r = 1; r <= rounds; r++) {
    unsigned place = 0;
    size_t start = rotation(ceiling_specs, seed, ceiling_salt, r);
    // Rotated right: round r starts with the item rotated in from the end.
    for (size_t i = 0; i < ceiling_specs; i++)
      plan.push_back(PlannedRun{(ceiling_specs - start + i) % ceiling_specs, true, false, r, ++place});
    start = rotation(path_specs, seed, path_salt, r);
    bool swap = variants.size() > 1 && (rotation(2, seed, pair_salt, r) == 1);
    for (size_t i = 0; i < path_specs; i++) {
      size_t spec = (path_specs - start + i) % path_specs;
      for (size_t v = 0; v < variants.size(); v++)
        plan.push_back(PlannedRun{spec, false, variants[swap ? variants.size() - 1 - v : v], r, ++place});
    }
  }
  return plan;
}

}  // namespace qb
