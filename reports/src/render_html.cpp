// One self-contained HTML file: charts drawn by Chart.js (inlined), then the
// same document the text and Markdown reports show.
#include <fmt/format.h>

#include "html_page.h"
#include "report_document.h"
#include "reporter.h"

namespace qb {

namespace {

using nlohmann::json;

std::string layout_block(const Block& b) {
  std::string s;
  switch (b.kind) {
    case Block::Kind::text:
      for (const auto& p : b.lines) s += "<p>" + html_escape(p) + "</p>\n";
      break;
    case Block::Kind::code:
      s += "<pre>";
      for (const auto& l : b.lines) s += html_escape(l) + "\n";
      s += "</pre>\n";
      break;
    case Block::Kind::fields:
      s += "<dl>\n";
      for (const auto& [name, value] : b.fields)
        s += fmt::format("<dt>{}</dt><dd>{}</dd>\n", html_escape(name), html_escape(value));
      s += "</dl>\n";
      break;
    case Block::Kind::table:
      s += "<table>\n<tr>";
      for (const auto& h : b.table.header) s += "<th>" + html_escape(h) + "</th>";
      s += "</tr>\n";
      for (const auto& row : b.table.rows) {
        s += "<tr>";
        for (const auto& c : row) s += "<td>" + html_escape(c) + "</td>";
        s += "</tr>\n";
      }
      s += "</table>\n";
      break;
  }
  return s;
}

json axis_title(const std::string& text) { return json{{"display", true}, {"text", text}}; }

json labels(const ReportData& r) {
  json l = json::array();
  for (const auto& p : r.paths) l.push_back(p.path);
  return l;
}

ChartSpec iops_chart(const ReportData& r) {
  json median = json::array(), range = json::array();
  for (const auto& p : r.paths) {
    median.push_back(p.iops.median);
    range.push_back(json::array({p.iops.min, p.iops.max}));
  }
  json data{{"labels", labels(r)},
            {"datasets",
             {{{"type", "bar"}, {"label", "median IOPS"}, {"data", median}, {"backgroundColor", series_colour(0, 0.6)},
               {"order", 2}},
              {{"type", "bar"}, {"label", "min-max over rounds"}, {"data", range}, {"grouped", false},
               {"barPercentage", 0.15}, {"backgroundColor", "rgba(20,20,20,0.85)"}, {"order", 1}}}}};
  return ChartSpec{fmt::format("IOPS per path, median and spread over {} round(s)", r.rounds),
                   json{{"type", "bar"},
                        {"data", data},
                        {"options", {{"scales", {{"y", {{"beginAtZero", true}, {"title", axis_title("IOPS")}}}}}}}}};
}

ChartSpec latency_chart(const ReportData& r) {
  json datasets = json::array();
  for (size_t i = 0; i < r.paths.size(); i++) {
    const PathAggregate& p = r.paths[i];
    std::pair<const Summary*, double> points[] = {{&p.lat_min_ns, 0},     {&p.lat_p50_ns, 50},
                                                  {&p.lat_p90_ns, 90},    {&p.lat_p99_ns, 99},
                                                  {&p.lat_p99_9_ns, 99.9}, {&p.lat_p99_99_ns, 99.99},
                                                  {&p.lat_max_ns, 100}};
    json pts = json::array();
    for (const auto& [s, pct] : points) pts.push_back(json{{"x", std::max(s->median / 1000.0, 0.01)}, {"y", pct}});
    datasets.push_back(json{{"label", p.path}, {"data", pts}, {"showLine", true},
                            {"borderColor", series_colour(i)}, {"backgroundColor", series_colour(i)}});
  }
  return ChartSpec{"Latency CDF per path (median of each percentile over rounds)",
                   json{{"type", "scatter"},
                        {"data", {{"datasets", datasets}}},
                        {"options",
                         {{"scales",
                           {{"x", {{"type", "logarithmic"}, {"title", axis_title("latency, us (log)")}}},
                            {"y", {{"min", 0}, {"max", 100}, {"title", axis_title("percentile")}}}}}}}}};
}

ChartSpec timeline_chart(const ReportData& r) {
  json datasets = json::array();
  size_t longest = 0;
  for (size_t i = 0; i < r.paths.size(); i++)
    for (size_t round = 0; round < r.paths[i].iops_series.size(); round++) {
      const auto& series = r.paths[i].iops_series[round];
      longest = std::max(longest, series.size());
      json d{{"label", fmt::format("{} round {}", r.paths[i].path, round + 1)},
             {"data", series},
             {"borderColor", series_colour(i)},
             {"backgroundColor", series_colour(i)},
             {"pointRadius", 2}};
      if (round > 0) d["borderDash"] = json::array({6, 4});
      datasets.push_back(d);
    }
  json seconds = json::array();
  for (size_t s = 1; s <= longest; s++) seconds.push_back(s);
  return ChartSpec{"IOPS over time, each second of each run",
                   json{{"type", "line"},
                        {"data", {{"labels", seconds}, {"datasets", datasets}}},
                        {"options",
                         {{"scales",
                           {{"x", {{"title", axis_title("second of the run")}}},
                            {"y", {{"beginAtZero", true}, {"title", axis_title("IOPS")}}}}}}}}};
}

ChartSpec overhead_chart(const ReportData& r) {
  json usr = json::array(), sys = json::array(), calls = json::array();
  bool probes = false;
  for (const auto& p : r.paths) {
    usr.push_back(p.usr_ns_per_io.median);
    sys.push_back(p.sys_ns_per_io.median);
    calls.push_back(p.probes ? json(p.block_calls_per_io.median) : json(nullptr));
    probes |= p.probes;
  }
  json datasets{{{"label", "user ns per I/O"}, {"data", usr}, {"backgroundColor", series_colour(2, 0.7)},
                 {"stack", "cpu"}, {"yAxisID", "y"}},
                {{"label", "kernel ns per I/O"}, {"data", sys}, {"backgroundColor", series_colour(3, 0.7)},
                 {"stack", "cpu"}, {"yAxisID", "y"}}};
  json scales{{"x", {{"stacked", true}}},
              {"y", {{"stacked", true}, {"beginAtZero", true}, {"title", axis_title("CPU ns per I/O")}}}};
  std::string title = "Overhead: CPU ns per I/O, user and kernel";
  if (probes) {
    datasets.push_back(json{{"type", "line"}, {"label", "block-layer calls per I/O"}, {"data", calls},
                            {"yAxisID", "calls"}, {"borderColor", series_colour(4)}});
    scales["calls"] = json{{"position", "right"}, {"beginAtZero", true}, {"title", axis_title("calls per I/O")},
                           {"grid", {{"drawOnChartArea", false}}}};
    title += ", and block-layer calls per I/O";
  } else {
    title += " (block-layer calls: not measured, run with --probes)";
  }
  return ChartSpec{title, json{{"type", "bar"},
                               {"data", {{"labels", labels(r)}, {"datasets", datasets}}},
                               {"options", {{"scales", scales}}}}};
}

// Guest instructions per I/O (attach-windows), useful kernel work, kernel
// empty polls and user apart, with the I/Os per busy CPU second beside them.
ChartSpec instructions_chart(const ReportData& r) {
  json useful = json::array(), empty = json::array(), user = json::array(), eff = json::array();
  for (const auto& p : r.paths) {
    useful.push_back(p.instructions ? json(p.useful_kinsn_per_io.median) : json(nullptr));
    empty.push_back(p.empty_polls_separated ? json(p.empty_kinsn_per_io.median) : json(0));
    user.push_back(p.instructions ? json(p.uinsn_per_io.median) : json(nullptr));
    eff.push_back(p.ios_per_cpu_s.median);
  }
  // Every dataset names its axis: without yAxisID Chart.js takes the first
  // y scale in key order, and the keys are written sorted ("eff" < "y").
  json datasets{{{"label", "kernel, useful"}, {"data", useful}, {"backgroundColor", series_colour(3, 0.7)},
                 {"stack", "insn"}, {"yAxisID", "y"}},
                {{"label", "kernel, empty polls"}, {"data", empty}, {"backgroundColor", series_colour(5, 0.7)},
                 {"stack", "insn"}, {"yAxisID", "y"}},
                {{"label", "user"}, {"data", user}, {"backgroundColor", series_colour(2, 0.7)}, {"stack", "insn"},
                 {"yAxisID", "y"}},
                {{"type", "line"}, {"label", "I/Os per busy CPU second"}, {"data", eff}, {"yAxisID", "eff"},
                 {"borderColor", series_colour(4)}}};
  json scales{{"x", {{"stacked", true}}},
              {"y", {{"stacked", true}, {"beginAtZero", true}, {"title", axis_title("guest instructions per I/O")}}},
              {"eff", {{"position", "right"}, {"beginAtZero", true}, {"title", axis_title("I/Os per busy CPU second")},
                       {"grid", {{"drawOnChartArea", false}}}}}};
  return ChartSpec{"Guest instructions per I/O (TCG plugin) and I/Os per busy CPU second",
                   json{{"type", "bar"},
                        {"data", {{"labels", labels(r)}, {"datasets", datasets}}},
                        {"options", {{"scales", scales}}}}};
}

class HtmlReporter : public Reporter {
 public:
  Result<std::string> render(const std::vector<ReportData>& reports, const RenderOptions& opts) const override {
    Document doc = build_document(reports);
    std::vector<PagePart> parts;
    size_t next = 0;  // sections of report i follow its level-1 section
    for (const auto& r : reports) {
      PagePart part;
      part.charts = {iops_chart(r), latency_chart(r), timeline_chart(r), overhead_chart(r)};
      bool insn = false;
      for (const auto& p : r.paths) insn |= p.instructions;
      if (insn) part.charts.push_back(instructions_chart(r));
      for (bool first = true; next < doc.sections.size(); next++, first = false) {
        const Section& sec = doc.sections[next];
        if (sec.level == 1 && !first) break;
        if (sec.level == 1) part.heading = sec.title;
        else part.html += "<h2>" + html_escape(sec.title) + "</h2>\n";
        for (const auto& b : sec.blocks) part.html += layout_block(b);
      }
      parts.push_back(std::move(part));
    }
    return html_page("nvme-qbench report", parts, opts.chart_js);
  }
};

}  // namespace

std::unique_ptr<Reporter> make_html_reporter() { return std::make_unique<HtmlReporter>(); }

}  // namespace qb
