// One interface for every output format of `nvme-qbench report`; a factory
// maps the format name to its reporter. The JSON report itself is written by
// report.h when the run ends.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "report_data.h"
#include "result.h"

namespace qb {

struct RenderOptions {
  std::string chart_js;  // html: Chart.js file to inline (default: Debian's libjs-chart.js)
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual Result<std::string> render(const std::vector<ReportData>& reports, const RenderOptions& opts) const = 0;
};

// nullptr for an unknown name; report_formats() lists the accepted ones.
std::unique_ptr<Reporter> create_reporter(std::string_view format);
std::string report_formats();  // "text, markdown, html, json, email"

// Each renderer's constructor, defined in render_<format>.cpp.
std::unique_ptr<Reporter> make_text_reporter();
std::unique_ptr<Reporter> make_markdown_reporter();
std::unique_ptr<Reporter> make_html_reporter();
// The conclusions (ceiling, verdicts, targets) as data, for CI.
std::unique_ptr<Reporter> make_json_reporter();
// The text body of a mail to a kernel list: summary, conditions, ratios,
// targets and the reproduction lines.
std::unique_ptr<Reporter> make_email_reporter();

}  // namespace qb
