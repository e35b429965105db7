// The regression gate: two reports, each path's metrics compared over
// their per-round values. A change fails when it is worse than the
// threshold (the effect size: the change of the median) and a one-sided
// test over the rounds says the new rounds are worse: the Mann-Whitney U
// test (as Google Benchmark's compare.py runs it) when both sides have
// rounds enough for it to reach the significance level, else a bootstrap
// confidence interval of the median ratio, else (one round) the threshold
// alone. Every change names the test that decided it.
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
};

// Each argument is PCT (all metrics) or METRIC=PCT, e.g. "5", "p99=20%".
Result<DiffOptions> parse_thresholds(const std::vector<std::string>& args);

enum class Verdict { ok, improved, not_significant, regression, missing };

// Which test decided a change.
enum class GateTest { mann_whitney, bootstrap, threshold_only };
const char* gate_test_name(GateTest t);
const char* verdict_name(Verdict v);

struct MetricChange {
  std::string path;
  const MetricDef* metric = nullptr;  // nullptr: the path is missing from the new report
  double base = 0, now = 0;
  double change = 0;     // (now - base) / base
  double worse = 0;      // change in the bad direction (negative: better)
  double threshold = 0;
  GateTest test = GateTest::threshold_only;
  unsigned n_base = 0, n_new = 0;  // rounds on each side
  double p_worse = -1;   // Mann-Whitney U: one-sided p that the new rounds are worse; -1 not run
  double p_better = -1;  // ... that they are better
  double ratio_low = -1;  // bootstrap: lower bound of the worse-way median ratio; -1 not run
  std::string evidence() const;  // "Mann-Whitney U p=0.050, 3 vs 3 rounds"
  Verdict verdict = Verdict::ok;
  std::string missing_from;  // missing: "the new report", "the base report" or "both reports"
};

struct DiffResult {
  std::vector<MetricChange> changes;
  std::vector<std::string> notes;
  std::vector<const MetricChange*> regressions() const;
};

DiffResult diff_reports(const ReportData& base, const ReportData& now, const DiffOptions& opts);
std::string format_diff(const DiffResult& d, const ReportData& base, const ReportData& now,
                        const DiffOptions& opts);

}  // namespace qb
