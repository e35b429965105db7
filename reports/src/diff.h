// The regression gate: two reports, each path's metrics compared, a change
// flagged when it is worse than the threshold and larger than the measured
// spread of either report.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "report_data.h"
#include "result.h"

namespace qb {

struct DiffOptions {
  double threshold = 0.05;                 // fraction, for every checked metric
  std::map<std::string, double> per_metric;  // metric key -> fraction; adds the metric to the checks
};

// Each argument is PCT (all metrics) or METRIC=PCT, e.g. "5", "p99=20%".
Result<DiffOptions> parse_thresholds(const std::vector<std::string>& args);

enum class Verdict { ok, improved, within_spread, regression, missing };
const char* verdict_name(Verdict v);

struct MetricChange {
  std::string path;
  const MetricDef* metric = nullptr;  // nullptr: the path is missing from the new report
  double base = 0, now = 0;
  double change = 0;     // (now - base) / base
  double worse = 0;      // change in the bad direction (negative: better)
  double spread = 0;     // max of both reports' spreads
  double threshold = 0;
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
