// Many reports over time (commits, kernels, machines) as trend charts on one
// self-contained page, for CI dashboards.
#pragma once

#include <string>
#include <vector>

#include "report_data.h"
#include "result.h"

namespace qb {

struct ReportSet {
  std::vector<ReportData> reports;  // oldest first
  std::vector<std::string> skipped;  // "FILE: why", for files that are not readable reports
  size_t other_json = 0;             // JSON documents that are not run reports (analysis.json, list.json)
  size_t mmio_boots = 0;             // reports whose runs counted MMIO under the memory callback (bench.sh --mmio's mmio/)
};

// Every *.json under dir, recursively; files that are not reports of a
// readable schema version are skipped with their reason. A results folder
// also holds JSON that is no run report (an analysis, an inventory: an
// object with neither schema_version nor runs): counted, not listed. So
// is the report of a boot that counted MMIO writes (bench.sh --mmio's
// mmio/compare.json): the memory callback slowed its guest severalfold,
// so its figures are no point on a trend; the main report carries its
// MMIO figures.
Result<ReportSet> collect_reports(const std::string& dir);
Result<std::string> render_dashboard(const ReportSet& set, const std::string& chart_js);

}  // namespace qb
