// The order of a compare's runs: every round runs the ceiling runs first,
// then each path (with --probe-cost, each path without and with probes,
// side by side). Each round shuffles the ceiling runs and the paths anew
// (Fisher-Yates, drawn from the seed and the round number), so that no
// path always runs first, or always after the same neighbour's warm-up,
// and order is not confounded with path. The pairs of --probe-cost swap
// places every round (which goes first in round 1 is drawn from the
// seed). Deterministic: the same seed and plan give the same order, and
// each run records its place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qb {

struct PlannedRun {
  size_t spec = 0;        // index into the ceiling specs or the path specs
  bool ceiling = false;
  bool probed = false;    // this run attaches the probes
  unsigned round = 1;     // from 1
  unsigned order_in_round = 1;  // place in its round, from 1
};

// variants: the probe setting of each path's runs in a round ({false},
// {true}, or {false, true} for --probe-cost).
std::vector<PlannedRun> plan_run_order(size_t ceiling_specs, size_t path_specs, const std::vector<bool>& variants,
                                       unsigned rounds, uint64_t seed);

}  // namespace qb
