#include "html_page.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace qb {

namespace {

const char* style = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1150px; color: #222; }
h1 { font-size: 1.4em; border-bottom: 2px solid #444; margin-top: 1.6em; }
h2 { font-size: 1.15em; margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f2f2f2; }
table.list td, table.list th { text-align: left; vertical-align: top; }
pre { background: #f6f6f6; padding: 0.6em; white-space: pre-wrap; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
dt { font-weight: 600; } dd { margin: 0; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.chart { border: 1px solid #ddd; padding: 8px; }
.chart h3 { font-size: 1em; margin: 0 0 4px 0; }
.chart .box { position: relative; height: 320px; }
)";

// Draws every chart, then records how many drew.
const char* draw_script = R"(
(function () {
  var specs = JSON.parse(document.getElementById('qb-chart-specs').textContent);
  var drawn = 0;
  specs.forEach(function (s, i) {
    var canvas = document.getElementById('qb-chart-' + i);
    try {
      s.options = s.options || {};
      s.options.animation = false;
      s.options.responsive = true;
      s.options.maintainAspectRatio = false;
      var c = new Chart(canvas, s);
      if (c.chartArea && c.chartArea.width > 0 && c.data.datasets.length > 0) drawn++;
    } catch (e) {
      canvas.insertAdjacentText('afterend', 'chart failed: ' + e);
    }
  });
  document.documentElement.setAttribute('data-charts-drawn', String(drawn));
  document.documentElement.setAttribute('data-charts-expected', String(specs.length));
  document.title += ' [' + drawn + '/' + specs.length + ' charts drawn]';
})();
)";

Result<std::string> read_chart_js(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return usage_error(fmt::format("cannot read the chart library {}: {}; install Debian's {} package "
                                   "(scripts/setup.sh) or give --chart-js FILE",
                                   path, strerror(errno), chart_js_package),
                       errno);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string js = ss.str();
  if (js.find("Chart") == std::string::npos)
    return usage_error(fmt::format("{} does not look like Chart.js (Debian package {})", path, chart_js_package));
  return js;
}

// JSON inside <script> must not close the element.
std::string script_safe(std::string s) {
  for (size_t p = s.find("</"); p != std::string::npos; p = s.find("</", p + 3)) s.replace(p, 2, "<\\/");
  return s;
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string series_colour(size_t i, double alpha) {
  static const int rgb[][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
                               {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                               {188, 189, 34}, {23, 190, 207}};
  const int* c = rgb[i % (sizeof rgb / sizeof rgb[0])];
  return fmt::format("rgba({},{},{},{})", c[0], c[1], c[2], alpha);
}

Result<std::string> html_page(const std::string& title, const std::vector<PagePart>& parts,
                              const std::string& chart_js) {
  auto js = read_chart_js(chart_js.empty() ? default_chart_js : chart_js);
  if (!js) return js.error();
  nlohmann::json specs = nlohmann::json::array();
  std::string body;
  for (const auto& part : parts) {
    if (!part.heading.empty()) body += "<h1>" + html_escape(part.heading) + "</h1>\n";
    if (!part.charts.empty()) {
      body += "<div class=\"charts\">\n";
      for (const auto& c : part.charts) {
        body += fmt::format("<div class=\"chart\"><h3>{}</h3><div class=\"box\"><canvas id=\"qb-chart-{}\">"
                            "</canvas></div></div>\n",
                            html_escape(c.title), specs.size());
        specs.push_back(c.config);
      }
      body += "</div>\n";
    }
    body += part.html;
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n"
      "<style>{}</style>\n<script>\n{}\n</script>\n</head>\n<body>\n{}"
      "<script type=\"application/json\" id=\"qb-chart-specs\">{}</script>\n<script>{}</script>\n</body>\n</html>\n",
      html_escape(title), style, script_safe(*js), body, script_safe(specs.dump()), draw_script);
}

}  // namespace qb
