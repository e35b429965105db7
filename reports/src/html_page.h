// The shell of a self-contained HTML page: styles, the Chart.js library
// inlined from the installed Debian package, chart specs as JSON and the
// script that draws them. The report and the dashboard both use it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace qb {

inline constexpr const char* default_chart_js = "/usr/share/javascript/chart.js/chart.min.js";
inline constexpr const char* chart_js_package = "libjs-chart.js";

struct ChartSpec {
  std::string title;
  nlohmann::json config;  // a Chart.js configuration: type, data, options
};

// One page part: a heading, charts, then HTML.
struct PagePart {
  std::string heading;  // h1; empty for none
  std::vector<ChartSpec> charts;
  std::string html;
};

// chart_js: the library file to inline; empty for the Debian package's.
// The page marks <html data-charts-drawn="N" data-charts-expected="M"> once
// the charts are drawn, so a headless browser can tell they were.
Result<std::string> html_page(const std::string& title, const std::vector<PagePart>& parts,
                              const std::string& chart_js);

std::string html_escape(std::string_view s);
// A colour per series index, the same in every chart of a page.
std::string series_colour(size_t i, double alpha = 1.0);

}  // namespace qb
