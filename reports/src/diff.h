// The regression gate: two reports, each path's metrics compared over
// their per-round values. A change fails when it is worse than the
// threshold (the effect size: the change of the median) and:
//  - a counted metric (MetricKind::counted): every new round is worse than every
//    base round (the rounds lie apart);
//  - a wall-clock metric: the one-sided exact Mann-Whitney U test finds the
//    new rounds worse, Holm-Bonferroni corrected over every wall-clock
//    metric tested on every path. A metric whose smallest possible p, given
//    its round counts, cannot reach the corrected level is not testable: it
//    is reported as such and does not fail the gate.
// Every change names the rule that decided it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "report_data.h"
#include "result.h"

namespace qb {

struct DiffOptions {
  double threshold = 0.05;                 // effect size, a fraction, for every checked metric
  std::map<std::string, double> per_metric;  // metric key -> fraction; adds the metric to the checks
  double alpha = 0.05;                     // significance level of the one-sided test
  // Gate only what compares between two boots: the counted metrics, on the
  // paths where they are counted (not a polled path's instruction counts).
  bool counted_only = false;
};

// Each argument is PCT (all metrics) or METRIC=PCT, e.g. "5", "p99=20%".
Result<DiffOptions> parse_thresholds(const std::vector<std::string>& args);

enum class Verdict { ok, improved, not_significant, not_testable, regression, missing };

// Which test decided a change.
enum class GateTest { mann_whitney, rounds_apart, not_testable };
const char* gate_test_name(GateTest t);
const char* verdict_name(Verdict v);

struct MetricChange {
  std::string path;
  const MetricDef* metric = nullptr;  // nullptr: the path is missing from the new report
  // How it is gated on this path: a counted metric that includes a polled
  // path's polling follows the timing and is gated as a wall-clock one.
  MetricKind kind = MetricKind::wall_clock;
  double base = 0, now = 0;
  double change = 0;     // (now - base) / base
  double worse = 0;      // change in the bad direction (negative: better)
  double threshold = 0;
  GateTest test = GateTest::not_testable;
  unsigned n_base = 0, n_new = 0;  // rounds on each side
  double p_worse = -1;   // Mann-Whitney U: one-sided p that the new rounds are worse; -1 not run
  double p_better = -1;  // ... that they are better
  double alpha = -1;     // Mann-Whitney U: the Holm-corrected level p_worse met or missed
  unsigned rounds_needed = 0;  // not testable: rounds a side the corrected level needs
  // "Mann-Whitney U p=0.004 <= 0.005 (Holm), 6 vs 6 rounds",
  // "every new round worse, 3 vs 3 rounds", "not testable with 3 vs 3 rounds (needs at least 6 a side)"
  std::string evidence() const;
  Verdict verdict = Verdict::ok;
  std::string missing_from;  // missing: "the new report", "the base report" or "both reports"
};

// The wall-clock comparisons the rounds were too few to test.
struct NotTestable {
  size_t count = 0;
  size_t worse_than_threshold = 0;
  unsigned rounds_needed = 0;  // rounds a side that would test every one of them
};

struct DiffResult {
  std::vector<MetricChange> changes;
  NotTestable not_testable;
  std::vector<std::string> notes;
  std::vector<const MetricChange*> regressions() const;
  // No regression, but a wall-clock metric worse than its threshold could
  // not be tested: the gate does not know, and does not say PASS.
  bool inconclusive() const { return regressions().empty() && not_testable.worse_than_threshold > 0; }
};

DiffResult diff_reports(const ReportData& base, const ReportData& now, const DiffOptions& opts);
std::string format_diff(const DiffResult& d, const ReportData& base, const ReportData& now,
                        const DiffOptions& opts);

}  // namespace qb
