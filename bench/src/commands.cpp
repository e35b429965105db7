#include "commands.h"

#include <fmt/format.h>
#include <signal.h>

#include "device.h"
#include "environment.h"
#include "report.h"
#include "runner.h"

namespace qb {

namespace {

void on_sigint(int) { request_stop(); }

}  // namespace

Result<int> cmd_run_or_compare(CliOptions& o, const std::vector<std::string>& argv) {
  auto v = validate_options(o);
  if (!v) return v.error();
  auto paths = selected_paths(o);
  if (!paths) return paths.error();
  auto dev = probe_device(o.device);
  if (!dev) return dev.error();
  v = validate_for_device(o, *dev);
  if (!v) return v.error();

  // Every path is checked before any I/O, so an unsupported one costs
  // nothing and leaves no report.
  std::vector<RunSpec> specs;
  for (const PathInfo* p : *paths) {
    auto node = resolve_node(*p, *dev, o.ng_device);
    if (!node) return node.error();
    specs.push_back(RunSpec{o.w, p, *dev, *node});
  }
  if (rw_has_writes(o.w)) {
    v = check_write_safety(*dev, o.allow_destructive);
    if (!v) return v.error();
  }

  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  // A second Ctrl-C kills at once, for a device that stopped completing.
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);

  unsigned rounds = o.command == "compare" ? o.rounds : 1;
  std::vector<PathResult> results;
  results.reserve(rounds * specs.size());
  ReportInput in;
  in.command = o.command;
  in.argv = argv;
  in.env = capture_environment();
  in.device = *dev;
  in.workload = o.w;
  in.rounds = rounds;
  in.baseline = o.baseline;
  if (dev->kind != TargetKind::nvme_namespace)
    fmt::print("note: {} is {}, not an NVMe namespace\n", dev->path, target_kind_name(dev->kind));
  bool interrupted = false;
  for (unsigned r = 1; r <= rounds && !interrupted; r++) {
    for (const RunSpec& s : specs) {
      if (!o.quiet)
        fmt::print("{} {}: {} bs={} qd={} on {}\n", o.command == "compare" ? fmt::format("round {}/{}", r, rounds) : "run",
                   s.path->name, rw_name(o.w.rw), o.w.bs, effective_depth(o.w, *s.path).iodepth, s.node);
      std::string name(s.path->name);
      ProgressFn progress;
      if (!o.quiet) progress = [&name](const ProgressSample& p) { fmt::print("{}\n", format_progress(name, p)); std::fflush(stdout); };
      auto res = run_path(s, progress);
      if (!res) return res.error();
      results.push_back(std::move(*res));
      in.runs.push_back(ReportInput::Run{&results.back(), s.path, r});
      if (results.back().interrupted) {
        interrupted = true;
        break;
      }
    }
  }

  int code = exit_ok;
  fmt::print("\n{}", format_run_table(in.runs));
  for (const auto& run : in.runs) {
    std::string e = format_errors(*run.result);
    if (!e.empty()) {
      fmt::print(stderr, "{}", e);
      code = exit_io_errors;
    }
  }
  if (o.command == "compare") {
    std::vector<std::vector<const PathResult*>> per_path(specs.size());
    for (const auto& run : in.runs)
      for (size_t i = 0; i < specs.size(); i++)
        if (run.path == specs[i].path) per_path[i].push_back(run.result);
    in.comparison = compare_rows(per_path, o.baseline);
    fmt::print("\n{}", format_compare_table(in.comparison, o.baseline, rounds));
  }
  if (interrupted) fmt::print(stderr, "interrupted: results cover the part that ran\n");
  in.exit_code = code;
  if (!o.json.empty()) {
    auto w = write_report(o.json, build_report(in));
    if (!w) return w.error();
  }
  return code;
}

Result<int> cmd_list(const CliOptions& o) {
  Inventory inv = discover();
  fmt::print("{}", format_inventory(inv));
  fmt::print("paths:\n");
  for (const auto* p : all_paths()) fmt::print("  {:<11} {}\n", p->name, p->description);
  if (!o.json.empty()) {
    nlohmann::json j = inventory_json(inv);
    j["tool"] = {{"name", "nvme-qbench"}, {"version", tool_version()}, {"git_revision", git_revision()}};
    auto w = write_report(o.json, j);
    if (!w) return w.error();
  }
  return exit_ok;
}

}  // namespace qb
