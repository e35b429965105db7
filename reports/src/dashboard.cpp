#include "dashboard.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "html_page.h"
#include "report_document.h"

namespace qb {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A trend line: one path on one machine.
std::string series_key(const ReportData& r, const PathAggregate& p, bool many_hosts) {
  return many_hosts ? fmt::format("{} @ {}", p.path, r.hostname) : p.path;
}

ChartSpec trend_chart(const ReportSet& set, const std::string& title, const std::string& axis,
                      double (*value)(const PathAggregate&)) {
  std::set<std::string> hosts;
  for (const auto& r : set.reports) hosts.insert(r.hostname);
  bool many_hosts = hosts.size() > 1;
  std::vector<std::string> keys;
  std::map<std::string, json> series;
  json labels = json::array();
  for (size_t i = 0; i < set.reports.size(); i++) {
    const ReportData& r = set.reports[i];
    labels.push_back(json::array({r.created_at.substr(0, 16), "git " + r.git_revision, r.kernel_release}));
    for (const auto& p : r.paths) {
      std::string k = series_key(r, p, many_hosts);
      if (!series.count(k)) {
        keys.push_back(k);
        series[k] = json::array();
      }
      double v = value(p);
      series[k].push_back(json{{"x", i}, {"y", v > 0 ? json(v) : json(nullptr)}});
    }
  }
  json datasets = json::array();
  for (size_t i = 0; i < keys.size(); i++) {
    // Points sit at their report's index; a report without the path leaves a gap.
    json data = json::array();
    for (size_t x = 0; x < set.reports.size(); x++) data.push_back(nullptr);
    for (const auto& pt : series[keys[i]]) data[pt["x"].get<size_t>()] = pt["y"];
    datasets.push_back(json{{"label", keys[i]}, {"data", data}, {"borderColor", series_colour(i)},
                            {"backgroundColor", series_colour(i)}, {"spanGaps", true}});
  }
  return ChartSpec{title, json{{"type", "line"},
                               {"data", {{"labels", labels}, {"datasets", datasets}}},
                               {"options",
                                {{"scales", {{"y", {{"beginAtZero", true},
                                                    {"title", {{"display", true}, {"text", axis}}}}}}}}}}};
}

std::string reports_table(const ReportSet& set) {
  std::string s = "<h2>Reports, oldest first</h2>\n<table class=\"list\">\n<tr><th>#</th><th>created</th><th>git</th><th>kernel</th>"
                  "<th>host</th><th>device</th><th>workload</th><th>paths: median IOPS</th><th>file</th></tr>\n";
  for (size_t i = 0; i < set.reports.size(); i++) {
    const ReportData& r = set.reports[i];
    std::string paths;
    for (const auto& p : r.paths) paths += fmt::format("{}{} {}", paths.empty() ? "" : ", ", p.path, format_si(p.iops.median));
    s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                     "<td>{}</td></tr>\n",
                     r.partial ? fmt::format("{} (partial)", i) : std::to_string(i), html_escape(r.created_at),
                     html_escape(r.git_revision), html_escape(r.kernel_release),
                     html_escape(r.hostname), html_escape(r.device_model.empty() ? r.device_path : r.device_model),
                     html_escape(r.workload_line()), html_escape(paths), html_escape(r.file));
  }
  s += "</table>\n";
  if (!set.skipped.empty()) {
    s += "<h2>Skipped files</h2>\n<ul>\n";
    for (const auto& k : set.skipped) s += "<li>" + html_escape(k) + "</li>\n";
    s += "</ul>\n";
  }
  return s;
}

}  // namespace

Result<ReportSet> collect_reports(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return usage_error(fmt::format("dashboard {}: not a directory", dir));
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path().string());
  if (ec) return usage_error(fmt::format("dashboard {}: cannot list it: {}", dir, ec.message()));
  std::sort(files.begin(), files.end());
  ReportSet set;
  for (const auto& f : files) {
    std::ifstream in(f);
    json doc = json::parse(in, nullptr, false);
    // Unreadable or unparsable JSON could be a damaged report: load_report
    // says why. An object with neither schema_version nor runs is no run
    // report at all.
    if (!doc.is_discarded() && doc.is_object() && !doc.contains("schema_version") && !doc.contains("runs")) {
      set.other_json++;
      continue;
    }
    auto r = doc.is_discarded() ? load_report(f) : report_from_json(doc, f);
    if (r && r->mmio_boot == "same") {
      set.mmio_boots++;
    } else if (r) {
      r->file = fs::relative(f, dir, ec).string();  // names in the page are the folder's
      set.reports.push_back(std::move(*r));
    }
    else set.skipped.push_back(r.error().message);
  }
  if (set.reports.empty())
    return usage_error(fmt::format("dashboard {}: no readable nvme-qbench reports among {} JSON file(s)", dir,
                                   files.size()));
  std::stable_sort(set.reports.begin(), set.reports.end(),
                   [](const ReportData& a, const ReportData& b) { return a.created_at < b.created_at; });
  return set;
}

Result<std::string> render_dashboard(const ReportSet& set, const std::string& chart_js) {
  PagePart part;
  part.heading = fmt::format("nvme-qbench dashboard: {} reports, {} to {}", set.reports.size(),
                             set.reports.front().created_at, set.reports.back().created_at);
  part.charts = {
      trend_chart(set, "Median IOPS per path", "IOPS", [](const PathAggregate& p) { return p.iops.median; }),
      trend_chart(set, "Median p99 latency per path, us", "us",
                  [](const PathAggregate& p) { return p.lat_p99_ns.median / 1000; }),
      trend_chart(set, "CPU ns per I/O per path (usr+sys)", "ns",
                  [](const PathAggregate& p) { return p.cpu_ns_per_io.median; }),
      trend_chart(set, "IOPS ratio to each report's baseline path", "ratio",
                  [](const PathAggregate& p) { return p.ratio_to_baseline; }),
  };
  std::string partial;
  for (const auto& r : set.reports)
    if (r.partial) partial += "<p><strong>" + html_escape(r.file + ": " + r.partial_line()) + "</strong></p>\n";
  part.html = partial + "<p>One point per report, in the order they were created; a line is one path"
              " (and machine, when reports come from several). Figures from an emulated controller"
              " swing between boots: compare ratios, not absolute IOPS.</p>\n" +
              reports_table(set);
  return html_page("nvme-qbench dashboard", {part}, chart_js);
}

}  // namespace qb
