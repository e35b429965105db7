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
};

// Every *.json under dir, recursively; files that are not reports of a
// readable schema version are skipped with their reason.
Result<ReportSet> collect_reports(const std::string& dir);
Result<std::string> render_dashboard(const ReportSet& set, const std::string& chart_js);

}  // namespace qb
