#include "commands.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <deque>

#include "device.h"
#include "environment.h"
#include "clock.h"
#include "insn_marker.h"
#include "probe_session.h"
#include "progress.h"
#include "run_order.h"
#include "run_report.h"
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

// The runs of the given paths, every node resolved before any I/O, so an
// unsupported path costs nothing and leaves no report.
Result<std::vector<RunSpec>> plan_runs(const std::vector<const PathInfo*>& paths, const CliOptions& o,
                                       const DeviceInfo& dev, const WorkloadOptions& w) {
  std::vector<RunSpec> specs;
  for (const PathInfo* p : paths) {
    if (auto m = check_buffer_memory(w, *p, buffer_memory_limit()); !m) return m.error();
    if (auto t = check_transfer_size(*p, dev, w.bs); !t) return t.error();
    auto node = resolve_node(*p, dev, p->user_queue ? o.uq_device : o.ng_device);
    if (!node) return node.error();
    auto ns_node = resolve_namespace_node(*p, dev, *node, o.ng_device, w.threads);
    if (!ns_node) return ns_node.error();
    specs.push_back(RunSpec{w, p, dev, *node, nullptr, *ns_node});
  }
  return specs;
}

void stop_on_sigint() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  // A second Ctrl-C kills at once, for a device that stopped completing.
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
}

// Probes: loaded once, attached for each measured window. Without them
// one line says why and the run goes on, unless --probes=required.
struct Probes {
  std::unique_ptr<ProbeSession> session;
  std::string status = "on", message;
};

Result<Probes> open_probes(const CliOptions& o) {
  Probes p;
  if (o.probes.empty()) return p;
  auto ps = ProbeSession::open(o.probes_verbose);
  if (ps) {
    p.session = std::move(*ps);
    return p;
  }
  if (o.probes == "required") return usage_error(probe_unavailable_line(ps.error(), true), ps.error().errnum);
  p.message = probe_unavailable_line(ps.error(), false);
  p.status = "unavailable";
  fmt::print(stderr, "{}\n", p.message);
  return p;
}

// The runs of one run or compare, in their planned order (run_order.h):
// it owns their results, and the report input points into them (deques:
// adding a run moves none).
class Session {
 public:
  Session(const CliOptions& o, ReportInput& in, ProbeSession* probes, unsigned rounds, ProgressMode progress)
      : o_(o), in_(in), probes_(probes), rounds_(rounds), progress_mode_(progress) {
    // --probe-cost runs each path twice per round, without and with probes.
    variants_ = {probes != nullptr};
    if (probes && o.probe_cost) variants_ = {false, true};
  }

  // Every planned run, until the plan is done or the user interrupts:
  // a stop request, during a run or between two, ends the session, and
  // the measured runs that never started are listed as not run.
  Result<void> run_rounds(const std::vector<RunSpec>& specs, const std::vector<RunSpec>& ceiling_specs) {
    auto plan = plan_run_order(ceiling_specs.size(), specs.size(), variants_, rounds_, o_.w.seed);
    const WorkloadOptions& w = o_.w;
    std::optional<double> planned_s;
    if (w.ios == 0) planned_s = w.ramp_s + w.runtime_s;
    ProgressDisplay progress(progress_mode_, planned_s, plan.size());
    for (size_t i = 0; i < plan.size(); i++) {
      const PlannedRun& p = plan[i];
      const RunSpec& spec = p.ceiling ? ceiling_specs[p.spec] : specs[p.spec];
      if (stop_requested()) {
        in_.partial = true;
        if (!p.ceiling) in_.not_run.push_back(ReportInput::NotRun{std::string(spec.path->name), p.round});
        continue;
      }
      progress.run_started(p.round, rounds_, i + 1, run_label(spec, p), seconds_now());
      auto res = run_one(spec, p, progress);
      progress.run_ended(seconds_now());
      if (!res) {
        progress.finish();
        return res.error();
      }
    }
    progress.finish();
    in_.partial |= interrupted_;
    return Ok{};
  }

  bool interrupted() const { return interrupted_ || in_.partial; }
  // Each path ran with and without probes (--probe-cost).
  bool cost_variants() const { return variants_.size() > 1; }

 private:
  static double seconds_now() { return static_cast<double>(now_ns()) / 1e9; }

  std::string run_label(const RunSpec& s, const PlannedRun& p) const {
    return fmt::format("{}{}{}", s.path->name, p.ceiling ? " (ceiling)" : "",
                       cost_variants() && !p.ceiling ? (p.probed ? " (probes on)" : " (probes off)") : "");
  }

  // One run: the uq counters and the probes over its window; marked (the
  // lab's instruction counter) unless it is a ceiling run, so the counter's
  // windows are exactly the report's runs.
  Result<void> run_one(const RunSpec& spec, const PlannedRun& plan, ProgressDisplay& display) {
    RunSpec s = spec;
    s.hooks = plan.probed ? probes_ : nullptr;
    // uq paths: the queue's own counters over the same window.
    std::unique_ptr<UqWindow> uqw;
    if (s.path->user_queue) {
      uqw = std::make_unique<UqWindow>(s.node, s.hooks);
      s.hooks = uqw.get();
    }
    // Innermost: the lab's instruction counter sees only the measured window.
    InsnMarker marker(s.hooks);
    if (!plan.ceiling) s.hooks = &marker;
    if (!o_.quiet) display.print_line(stdout, start_line(s, plan));
    std::string name(s.path->name);
    ProgressFn progress = [this, &name, &display](const ProgressSample& p) {
      if (!o_.quiet) display.print_line(stdout, format_progress(name, p));
      display.second(p.iops, seconds_now());
    };
    auto res = run_path(s, progress);
    if (!res) return res.error();
    std::deque<PathResult>& results = plan.ceiling ? ceiling_results_ : results_;
    std::vector<ReportInput::Run>& list = plan.ceiling ? in_.ceiling_runs : in_.runs;
    results.push_back(std::move(*res));
    list.push_back(ReportInput::Run{&results.back(), s.path, plan.round});
    list.back().order_in_round = plan.order_in_round;
    if (uqw) {
      uq_runs_.push_back(uqw->result());
      list.back().user_queue = &uq_runs_.back();
      if (!o_.quiet) display.print_line(stdout, format_uq_run(name, uq_runs_.back()));
    }
    if (plan.probed) {
      if (auto w = probes_->take()) {
        w->ios = list.back().result->ios;
        windows_.push_back(std::move(*w));
        list.back().probes = &windows_.back();
      }
    }
    const PathResult& r = *list.back().result;
    // No hardware counters: one line, once, and the runs go on.
    if (!r.hw && !hw_note_shown_) {
      display.note("hw counters: off: " + r.hw_note);
      hw_note_shown_ = true;
    }
    // No thread CPU clock: one line, once; busy time is then rusage's.
    bool clock = std::all_of(r.threads.begin(), r.threads.end(), [](const ThreadResult& t) { return t.cpu_clock; });
    if (!clock && !cpu_clock_note_shown_) {
      display.note("cpu: no CLOCK_THREAD_CPUTIME_ID on this kernel (CONFIG_POSIX_TIMERS off): busy time is "
                   "getrusage's usr + sys, sampled at the tick");
      cpu_clock_note_shown_ = true;
    }
    interrupted_ |= r.interrupted;
    return Ok{};
  }

  std::string start_line(const RunSpec& s, const PlannedRun& p) const {
    return fmt::format("{} {}: {} bs={} qd={} on {}",
               o_.command == "compare" ? fmt::format("round {}/{}", p.round, rounds_) : "run", run_label(s, p),
               rw_name(s.workload.rw), s.workload.bs, effective_depth(s.workload, *s.path).iodepth, s.node);
  }

  const CliOptions& o_;
  ReportInput& in_;
  ProbeSession* probes_;
  unsigned rounds_;
  ProgressMode progress_mode_;
  std::vector<bool> variants_;
  bool interrupted_ = false;
  bool hw_note_shown_ = false;
  bool cpu_clock_note_shown_ = false;
  std::deque<PathResult> results_, ceiling_results_;
  std::deque<UqRunInfo> uq_runs_;
  std::deque<ProbeWindow> windows_;
};

ReportInput report_input(const CliOptions& o, const std::vector<std::string>& argv, const DeviceInfo& dev,
                         unsigned rounds, const std::vector<RunSpec>& ceiling_specs) {
  ReportInput in;
  in.command = o.command;
  in.argv = argv;
  in.env = capture_environment();
  in.device = dev;
  in.workload = o.w;
  in.rounds = rounds;
  in.baseline = o.baseline;
  if (!ceiling_specs.empty()) in.ceiling_workload = ceiling_specs.front().workload;
  return in;
}

// The tables after the runs, and the errors: exit_io_errors when a
// measured run saw any (a ceiling run's are shown but do not count).
int print_results(const CliOptions& o, ReportInput& in, const std::vector<RunSpec>& specs, bool cost_variants) {
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
        if (run.path == specs[i].path && !(cost_variants && run.probes)) per_path[i].push_back(run.result);
    in.comparison = compare_rows(per_path, o.baseline);
    fmt::print("\n{}", format_compare_table(in.comparison, o.baseline, in.rounds));
  }
  return code;
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
  auto specs = plan_runs(*paths, o, *dev, o.w);
  if (!specs) return specs.error();
  // compare --ceiling: runs that measure the device's ceiling, first in
  // every round, reported apart from the paths.
  std::vector<RunSpec> ceiling_specs;
  if (!o.ceiling.empty()) {
    auto cpaths = find_paths(o.ceiling, "--ceiling");
    if (!cpaths) return cpaths.error();
    auto c = plan_runs(*cpaths, o, *dev, ceiling_workload(o));
    if (!c) return c.error();
    ceiling_specs = std::move(*c);
  }
  if (rw_has_writes(o.w)) {
    v = check_write_safety(*dev, o.allow_destructive);
    if (!v) return v.error();
  }
  stop_on_sigint();
  auto probes = open_probes(o);
  if (!probes) return probes.error();

  unsigned rounds = o.command == "compare" ? o.rounds : 1;
  ReportInput in = report_input(o, argv, *dev, rounds, ceiling_specs);
  if (dev->kind != TargetKind::nvme_namespace)
    fmt::print("note: {} is {}, not an NVMe namespace\n", dev->path, target_kind_name(dev->kind));
  auto progress = parse_progress_mode(o.progress, isatty(STDERR_FILENO) == 1);
  if (!progress) return progress.error();
  Session session(o, in, probes->session.get(), rounds, *progress);
  auto ran = session.run_rounds(*specs, ceiling_specs);
  if (!ran) return ran.error();

  int code = print_results(o, in, *specs, session.cost_variants());
  if (!o.probes.empty()) {
    std::vector<PathProbeSummary> sums = summarize_probes(in.runs, *specs, session.cost_variants());
    if (probes->session) fmt::print("\n{}", format_probe_tables(sums));
    in.probes = probe_summary_json(o.probes, probes->status, probes->message, sums);
  }
  if (session.interrupted())
    fmt::print(stderr, "interrupted: results cover the part that ran ({} measured run(s) not run); the report "
                       "says partial\n", in.not_run.size());
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
    j["tool"] = ToolInfo{.version = tool_version(), .git_revision = git_revision()};
    auto w = write_report(o.json, j);
    if (!w) return w.error();
  }
  return exit_ok;
}

}  // namespace qb
