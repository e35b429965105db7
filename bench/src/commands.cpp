#include "commands.h"

#include <fmt/format.h>
#include <signal.h>

#include <deque>

#include "device.h"
#include "environment.h"
#include "insn_marker.h"
#include "probe_session.h"
#include "report.h"
#include "runner.h"
#include "uq_window.h"

namespace qb {

namespace {

void on_sigint(int) { request_stop(); }

double sys_ns_per_io(const std::vector<const PathResult*>& rs) {
  double sys = 0, ios = 0;
  for (const auto* r : rs)
    for (const auto& t : r->threads) sys += t.stime_s, ios += static_cast<double>(t.ios);
  return ios > 0 ? sys * 1e9 / ios : 0;
}

std::vector<PathProbeSummary> summarize_probes(const std::vector<ReportInput::Run>& runs,
                                               const std::vector<RunSpec>& specs, bool cost) {
  std::vector<PathProbeSummary> out;
  for (const auto& spec : specs) {
    PathProbeSummary p;
    p.path = std::string(spec.path->name);
    std::vector<const ProbeWindow*> ws;
    std::vector<const PathResult*> off, on;
    for (const auto& run : runs) {
      if (run.path != spec.path) continue;
      if (run.probes) {
        ws.push_back(run.probes);
        on.push_back(run.result);
        p.iops_on.push_back(run.result->iops);
      } else {
        off.push_back(run.result);
        p.iops_off.push_back(run.result->iops);
      }
    }
    if (ws.empty()) continue;
    p.rounds = static_cast<unsigned>(ws.size());
    p.merged = merge_windows(ws);
    p.cost_measured = cost && !off.empty();
    p.sys_ns_per_io_off = sys_ns_per_io(off);
    p.sys_ns_per_io_on = sys_ns_per_io(on);
    out.push_back(std::move(p));
  }
  return out;
}

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
    auto node = resolve_node(*p, *dev, p->engine == "uq" ? o.uq_device : o.ng_device);
    if (!node) return node.error();
    specs.push_back(RunSpec{o.w, p, *dev, *node});
  }
  // compare --ceiling: runs that measure the device's ceiling, first in
  // every round, reported apart from the paths.
  std::vector<RunSpec> ceiling_specs;
  if (!o.ceiling.empty()) {
    auto cpaths = parse_path_list(o.ceiling, "--ceiling");
    if (!cpaths) return cpaths.error();
    for (const PathInfo* p : *cpaths) {
      auto node = resolve_node(*p, *dev, p->engine == "uq" ? o.uq_device : o.ng_device);
      if (!node) return node.error();
      ceiling_specs.push_back(RunSpec{ceiling_workload(o), p, *dev, *node});
    }
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

  // Probes: loaded once, attached for each measured window. Without them
  // one line says why and the run goes on, unless --probes=required.
  std::unique_ptr<ProbeSession> probes;
  std::string probe_status = "on", probe_message;
  if (!o.probes.empty()) {
    auto ps = ProbeSession::open(o.probes_verbose);
    if (!ps) {
      if (o.probes == "required") return usage_error(probe_unavailable_line(ps.error(), true), ps.error().errnum);
      probe_message = probe_unavailable_line(ps.error(), false);
      probe_status = "unavailable";
      fmt::print(stderr, "{}\n", probe_message);
    } else {
      probes = std::move(*ps);
    }
  }
  // --probe-cost runs each path twice per round, without then with probes.
  std::vector<bool> variants{probes != nullptr};
  if (probes && o.probe_cost) variants = {false, true};

  unsigned rounds = o.command == "compare" ? o.rounds : 1;
  std::vector<PathResult> results;
  results.reserve(rounds * specs.size() * variants.size());
  std::deque<UqRunInfo> uq_runs;  // stable addresses for the report
  std::vector<ProbeWindow> windows;
  windows.reserve(rounds * specs.size() * variants.size());
  ReportInput in;
  in.command = o.command;
  in.argv = argv;
  in.env = capture_environment();
  in.device = *dev;
  in.workload = o.w;
  in.rounds = rounds;
  in.baseline = o.baseline;
  if (!ceiling_specs.empty()) in.ceiling_workload = ceiling_specs.front().workload;
  if (dev->kind != TargetKind::nvme_namespace)
    fmt::print("note: {} is {}, not an NVMe namespace\n", dev->path, target_kind_name(dev->kind));
  bool interrupted = false;
  std::deque<PathResult> ceiling_results;
  // One run: the uq counters and the probes over its window; marked (the
  // lab's instruction counter) unless it is a ceiling run, so the counter's
  // windows are exactly the report's runs.
  auto run_one = [&](const RunSpec& spec, unsigned r, bool probed, bool ceiling) -> Result<void> {
    RunSpec s = spec;
    s.hooks = probed ? probes.get() : nullptr;
    // uq paths: the queue's own counters over the same window.
    std::unique_ptr<UqWindow> uqw;
    if (s.path->engine == "uq") {
      uqw = std::make_unique<UqWindow>(s.node, s.hooks);
      s.hooks = uqw.get();
    }
    // Innermost: the lab's instruction counter sees only the measured window.
    InsnMarker marker(s.hooks);
    if (!ceiling) s.hooks = &marker;
    if (!o.quiet)
      fmt::print("{} {}{}{}: {} bs={} qd={} on {}\n",
                 o.command == "compare" ? fmt::format("round {}/{}", r, rounds) : "run", s.path->name,
                 ceiling ? " (ceiling)" : "",
                 variants.size() > 1 && !ceiling ? (probed ? " (probes on)" : " (probes off)") : "", rw_name(s.workload.rw),
                 s.workload.bs, effective_depth(s.workload, *s.path).iodepth, s.node);
    std::string name(s.path->name);
    ProgressFn progress;
    if (!o.quiet) progress = [&name](const ProgressSample& p) { fmt::print("{}\n", format_progress(name, p)); std::fflush(stdout); };
    auto res = run_path(s, progress);
    if (!res) return res.error();
    std::vector<ReportInput::Run>& list = ceiling ? in.ceiling_runs : in.runs;
    if (ceiling) {
      ceiling_results.push_back(std::move(*res));
      list.push_back(ReportInput::Run{&ceiling_results.back(), s.path, r});
    } else {
      results.push_back(std::move(*res));
      list.push_back(ReportInput::Run{&results.back(), s.path, r});
    }
    if (uqw) {
      uq_runs.push_back(uqw->result());
      list.back().user_queue = &uq_runs.back();
      if (!o.quiet) fmt::print("{}\n", format_uq_run(name, uq_runs.back()));
    }
    if (probed) {
      if (auto w = probes->take()) {
        w->ios = list.back().result->ios;
        windows.push_back(std::move(*w));
        list.back().probes = &windows.back();
      }
    }
    interrupted |= list.back().result->interrupted;
    return Ok{};
  };
  for (unsigned r = 1; r <= rounds && !interrupted; r++) {
    for (const RunSpec& spec : ceiling_specs) {
      auto res = run_one(spec, r, false, true);
      if (!res) return res.error();
      if (interrupted) break;
    }
    for (const RunSpec& spec : specs) {
      for (bool probed : variants) {
        if (interrupted) break;
        auto res = run_one(spec, r, probed, false);
        if (!res) return res.error();
      }
      if (interrupted) break;
    }
  }

  int code = exit_ok;
  fmt::print("\n{}", format_run_table(in.runs));
  if (!in.ceiling_runs.empty()) fmt::print("\nceiling runs:\n{}", format_run_table(in.ceiling_runs));
  for (const auto& run : in.ceiling_runs) {
    std::string e = format_errors(*run.result);
    if (!e.empty()) fmt::print(stderr, "ceiling run: {}", e);
  }
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
        if (run.path == specs[i].path && !(variants.size() > 1 && run.probes)) per_path[i].push_back(run.result);
    in.comparison = compare_rows(per_path, o.baseline);
    fmt::print("\n{}", format_compare_table(in.comparison, o.baseline, rounds));
  }
  if (!o.probes.empty()) {
    std::vector<PathProbeSummary> sums = summarize_probes(in.runs, specs, variants.size() > 1);
    if (probes) fmt::print("\n{}", format_probe_tables(sums));
    in.probes = probe_summary_json(o.probes, probe_status, probe_message, sums);
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
