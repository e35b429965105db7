#include <fmt/format.h>

#include <algorithm>

#include "cli.h"
#include "html_page.h"
#include "reporter.h"
#include "reproduction.h"

namespace qb {

void add_report_commands(CLI::App& app, ReportOptions& o, std::string& command) {
  auto* rep = app.add_subcommand("report", "render reports written by --json as text, markdown, html, json or the body "
                                           "of a mail (email)");
  rep->add_option("files", o.files, "report files (JSON, schema reports/schema/)")->required();
  std::vector<std::string> formats;
  std::string list = report_formats();  // "text, markdown, html, json"
  for (size_t pos = 0; pos <= list.size();) {
    size_t comma = std::min(list.find(", ", pos), list.size());
    formats.push_back(list.substr(pos, comma - pos));
    pos = comma + 2;
  }
  rep->add_option("--format", o.format, "output format: " + list)
      ->check(one_of(formats, "format"))
      ->capture_default_str();
  rep->add_option("-o,--output", o.output, "write here instead of stdout");
  rep->add_option("--chart-js", o.chart_js, fmt::format("html: Chart.js file to inline (default {}, Debian package {})",
                                                        default_chart_js, chart_js_package));
  rep->callback([&command] { command = "report"; });

  auto* diff = app.add_subcommand("diff", "compare two reports; exit 1 when a gated metric is worse beyond its threshold and a test over the rounds confirms it, 3 when one is worse but the rounds are too few to test it");
  diff->add_option("files", o.files, "BASE.json NEW.json")->required()->expected(2);
  diff->add_option("--threshold", o.thresholds,
                   "percent a metric may worsen (default 5), or METRIC=PCT for one metric; repeatable. Metrics: " +
                       metric_keys());
  diff->add_flag("--counted-only", o.counted_only,
                 "gate only the counted metrics (the lab's instruction counts, on the paths whose counts do not "
                 "include polling): the figures that compare between two boots, such as two kernels");
  diff->add_option("-o,--output", o.output, "write the verdict here too");
  diff->callback([&command] { command = "diff"; });

  auto* att = app.add_subcommand(
      "attach-windows",
      "attach the lab's instruction counts (the insn_window TCG plugin's output, one window per run, in run "
      "order) to a report's runs; exit 1 and attach nothing when windows and runs do not match");
  att->add_option("files", o.files, "REPORT.json WINDOWS")->required()->expected(2);
  att->add_option("-o,--output", o.output, "write the report here (default: rewrite REPORT.json)");
  att->callback([&command] { command = "attach-windows"; });

  auto* mmio = app.add_subcommand(
      "attach-mmio",
      "attach the MMIO writes per I/O that another report's runs counted (a boot of their own with the plugin's "
      "mmio=on, windows attached) to a report's paths; exit 1 and attach nothing when it counted none of them");
  mmio->add_option("files", o.files, "REPORT.json MMIO-REPORT.json")->required()->expected(2);
  mmio->add_option("-o,--output", o.output, "write the report here (default: rewrite REPORT.json)");
  mmio->callback([&command] { command = "attach-mmio"; });

  auto* fio = app.add_subcommand("fio-jobs", "write a report's workload as one fio job file per path (PATH.fio) and a "
                                             "run.sh that runs them all; it exits 1 if any fio run fails");
  fio->add_option("report", o.files, "the report (JSON) whose workload to write")->required()->expected(1);
  fio->add_option("-o,--output", o.output, "folder to write into (created; default: the current one)");
  fio->add_option("--preload", o.preload,
                  fmt::format("the user-queue bind library for the uq paths' jobs (default: the one built beside "
                              "nvme-qbench, else the placeholder {})",
                              default_uq_bind_library));
  fio->callback([&command] { command = "fio-jobs"; });

  auto* dash = app.add_subcommand("dashboard", "trend charts of every report under DIR, one self-contained page");
  dash->add_option("dir", o.dir, "folder searched for *.json reports, recursively")->required();
  dash->add_option("-o,--output", o.output, "the HTML page to write")->required();
  dash->add_option("--chart-js", o.chart_js, "Chart.js file to inline (default: Debian's)");
  dash->callback([&command] { command = "dashboard"; });
}

}  // namespace qb
