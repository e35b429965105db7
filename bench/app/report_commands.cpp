// report, diff and dashboard: read reports, write renderings.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "dashboard.h"
#include "diff.h"
#include "insn_windows.h"
#include "run_report.h"
#include "reporter.h"

namespace qb {

namespace {

// stdout, or a file written whole: a temporary name, renamed when complete.
Result<void> emit(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    fmt::print("{}", text);
    return Ok{};
  }
  std::string partial = fmt::format("{}.partial-{}", path, getpid());
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!(out << text) || !out.flush()) {
      std::error_code ignore;
      std::filesystem::remove(partial, ignore);
      return usage_error(fmt::format("-o {}: cannot write {}", path, partial));
    }
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    return runtime_error(fmt::format("-o {}: cannot rename {} to it", path, partial));
  }
  return Ok{};
}

}  // namespace

Result<int> cmd_report(const ReportOptions& o) {
  auto reporter = create_reporter(o.format);
  if (!reporter)
    return usage_error(fmt::format("--format {}: unknown format; accepted: {}", o.format, report_formats()));
  std::vector<ReportData> reports;
  for (const auto& f : o.files) {
    auto r = load_report(f);
    if (!r) return r.error();
    reports.push_back(std::move(*r));
  }
  auto text = reporter->render(reports, RenderOptions{o.chart_js});
  if (!text) return text.error();
  auto w = emit(o.output, *text);
  if (!w) return w.error();
  return exit_ok;
}

Result<int> cmd_diff(const ReportOptions& o) {
  auto opts = parse_thresholds(o.thresholds);
  if (!opts) return opts.error();
  opts->counted_only = o.counted_only;
  auto base = load_report(o.files.at(0));
  if (!base) return base.error();
  auto now = load_report(o.files.at(1));
  if (!now) return now.error();
  DiffResult d = diff_reports(*base, *now, *opts);
  std::string text = format_diff(d, *base, *now, *opts);
  fmt::print("{}", text);
  if (!o.output.empty()) {
    auto w = emit(o.output, text);
    if (!w) return w.error();
  }
  if (!d.regressions().empty()) return exit_regression;
  return d.inconclusive() ? exit_inconclusive : exit_ok;
}

namespace {

// A report as attach-windows and attach-mmio rewrite it: checked like any
// report first (a file report cannot read is refused), then as JSON.
Result<nlohmann::json> read_report_json(const std::string& file) {
  auto check = load_report(file);
  if (!check) return check.error();
  std::ifstream in(file);
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded()) return usage_error(fmt::format("{}: not valid JSON", file));
  return doc;
}

// Writes the rewritten report and says what was attached; exit 1 when
// nothing was.
Result<int> finish_attach(const char* command, const ReportOptions& o, const nlohmann::json& doc,
                          const AttachOutcome& a) {
  const std::string& out = o.output.empty() ? o.files.at(0) : o.output;
  auto w = write_report(out, doc);
  if (!w) return w.error();
  if (!a.attached) {
    fmt::print(stderr, "nvme-qbench: {}: {}\n", command, a.message);
    return exit_not_attached;
  }
  fmt::print("{}: {}\n", out, a.message);
  return exit_ok;
}

}  // namespace

Result<int> cmd_attach_windows(const ReportOptions& o) {
  const std::string& windows_file = o.files.at(1);
  auto doc = read_report_json(o.files.at(0));
  if (!doc) return doc.error();
  std::ifstream win(windows_file);
  if (!win) return usage_error(fmt::format("{}: cannot read the instruction windows", windows_file));
  std::stringstream text;
  text << win.rdbuf();
  auto windows = parse_insn_windows(text.str());
  if (!windows) return usage_error(fmt::format("{}: {}", windows_file, windows.error().message));
  std::string source = std::filesystem::path(windows_file).filename().string();
  AttachOutcome a = attach_insn_windows(*doc, *windows, source);
  return finish_attach("attach-windows", o, *doc, a);
}

Result<int> cmd_attach_mmio(const ReportOptions& o) {
  auto doc = read_report_json(o.files.at(0));
  if (!doc) return doc.error();
  auto counted = read_report_json(o.files.at(1));
  if (!counted) return counted.error();
  AttachOutcome a = attach_separate_mmio(*doc, *counted, o.files.at(1));
  return finish_attach("attach-mmio", o, *doc, a);
}

Result<int> cmd_dashboard(const ReportOptions& o) {
  auto set = collect_reports(o.dir);
  if (!set) return set.error();
  for (const auto& s : set->skipped) fmt::print(stderr, "nvme-qbench: dashboard: skipped {}\n", s);
  auto page = render_dashboard(*set, o.chart_js);
  if (!page) return page.error();
  auto w = emit(o.output, *page);
  if (!w) return w.error();
  fmt::print("{}: {} report(s), {} skipped, {} other JSON file(s) and {} MMIO-counting boot(s) passed over\n",
             o.output, set->reports.size(), set->skipped.size(), set->other_json, set->mmio_boots);
  return exit_ok;
}

}  // namespace qb
