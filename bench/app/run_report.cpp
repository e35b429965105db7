#include "run_report.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "nvme_status.h"

namespace qb {

using nlohmann::json;

namespace {

std::string si(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.2f}K", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string mib(double bytes) { return fmt::format("{:.1f}MiB/s", bytes / (1024.0 * 1024.0)); }

std::string usec(double ns) { return fmt::format("{:.1f}", ns / 1000.0); }

std::string error_name(const ErrorCount& e) {
  if (e.short_io) return "short transfer";
  if (e.nvme_status) return nvme_status_name(e.nvme_status);
  return errno_name(e.errnum);
}

std::string utc_now() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

ControllerRecord controller_record(const ControllerInfo& c) {
  return ControllerRecord{c.name,      c.model,       c.firmware, c.serial,       c.transport,
                          c.address,   c.queue_count, c.sqsize,   c.emulated_qemu};
}

NamespaceRecord namespace_record(const NamespaceInfo& n) {
  NamespaceRecord r;
  r.name = n.name;
  r.controller = n.controller;
  r.nsid = n.nsid;
  r.lba_size = n.lba_size;
  r.metadata_bytes = n.metadata_bytes;
  r.size_bytes = n.size_bytes;
  r.io_poll = n.io_poll;
  r.hw_queues = n.hw_queues;
  r.nr_requests = n.nr_requests;
  if (!n.ng_name.empty()) r.ng_device = "/dev/" + n.ng_name;
  r.ng_dev_node = n.ng_dev_node;
  return r;
}

std::optional<std::string> param_of(const std::map<std::string, std::string>& m, const char* k) {
  auto it = m.find(k);
  return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
}

// Why the figures may not describe NVMe hardware; none when they do.
std::optional<std::string> device_note(const DeviceInfo& d) {
  if (d.kind != TargetKind::nvme_namespace)
    return fmt::format("not an NVMe device ({}): figures do not describe NVMe paths", target_kind_name(d.kind));
  if (d.ctrl && d.ctrl->emulated_qemu)
    return "emulated controller (QEMU NVMe Ctrl): figures describe the emulation, not hardware";
  return std::nullopt;
}

DeviceRecord device_record(const DeviceInfo& d, const Environment& env) {
  DeviceRecord r;
  r.path = d.path;
  r.kind = target_kind_name(d.kind);
  r.is_nvme = d.kind == TargetKind::nvme_namespace;
  r.emulated_controller = d.ctrl && d.ctrl->emulated_qemu;
  r.lba_size = d.lba_size;
  r.size_bytes = d.size_bytes;
  r.io_poll = d.io_poll;
  if (d.ctrl) r.controller = controller_record(*d.ctrl);
  if (d.ns) r.namespace_ = namespace_record(*d.ns);
  r.note = device_note(d);
  r.queues.poll_queues = param_of(env.nvme_module_params, "poll_queues");
  r.queues.write_queues = param_of(env.nvme_module_params, "write_queues");
  r.queues.io_queue_depth = param_of(env.nvme_module_params, "io_queue_depth");
  r.queues.hw_queues = d.ns ? d.ns->hw_queues : -1;
  r.queues.controller_queue_count = d.ctrl ? d.ctrl->queue_count : -1;
  r.queues.io_poll = d.io_poll;
  r.lba_format = LbaFormatRecord{d.lba_size, d.ns ? d.ns->metadata_bytes : -1};
  return r;
}

json workload_json(const WorkloadOptions& w) {
  return json{{"rw", rw_name(w.rw)},
              {"rwmixread", w.rwmixread},
              {"bs", w.bs},
              {"iodepth", w.iodepth},
              {"submit_batch", w.submit_batch},
              {"complete_batch", w.complete_batch},
              {"fixed_buffers", w.fixed_buffers},
              {"registered_files", w.registered_files},
              {"register_ring", w.register_ring},
              {"sqpoll", w.sqpoll},
              {"offset", w.offset},
              {"size", w.size},
              {"runtime_s", w.runtime_s},
              {"ios", w.ios},
              {"ramp_s", w.ramp_s},
              {"threads", w.threads},
              {"cpus", w.cpus},
              {"seed", w.seed},
              {"verify", w.verify}};
}

double per_call(uint64_t ios, uint64_t calls) { return calls ? static_cast<double>(ios) / calls : 0; }

UserQueueRecord user_queue_record(const UqRunInfo& u) {
  UserQueueRecord r{u.node, u.queue.name, u.queue.qid, u.queue.type, u.queue.depth, {}, {}, {}};
  if (u.delta) {
    r.counters = UserQueueCountersRecord{u.delta->submitted, u.delta->completed, u.delta->polls, u.delta->empty_polls};
    if (u.delta->polls)
      r.empty_poll_share = static_cast<double>(u.delta->empty_polls) / static_cast<double>(u.delta->polls);
  } else {
    r.counters_error = u.error;
  }
  return r;
}

std::vector<ErrorRecord> error_records(const std::vector<ErrorCount>& errs) {
  std::vector<ErrorRecord> out;
  for (const auto& e : errs)
    out.push_back(ErrorRecord{e.short_io ? "short" : e.nvme_status ? "nvme" : "errno",
                              e.short_io ? 0 : e.nvme_status ? e.nvme_status : e.errnum, error_name(e), e.count,
                              e.first_lba});
  return out;
}

VerifyRecord verify_record(const VerifyResult& v) {
  VerifyRecord r{v.enabled, v.blocks_checked, v.bad_sectors, {}};
  for (const auto& m : v.first_mismatches)
    r.mismatches.push_back(MismatchRecord{m.lba, verify_fault_name(m.fault), m.found_lba, m.found_seed});
  return r;
}

// The distribution of the per-I/O stamp error bounds; null where the run
// recorded none.
LatencyRecord latency_record(const Histogram& h, const Histogram* stamp_error) {
  LatencyRecord r;
  r.count = h.count();
  r.min = h.min();
  r.mean = h.mean();
  r.p50 = h.percentile(50);
  r.p90 = h.percentile(90);
  r.p99 = h.percentile(99);
  r.p99_9 = h.percentile(99.9);
  r.p99_99 = h.percentile(99.99);
  r.max = h.max();
  r.max_relative_error = 1.0 / (2 * Histogram::sub_buckets);
  for (const auto& b : h.bins()) r.histogram.bins.push_back({b.lower, b.upper_exclusive, b.count});
  if (h.count() && stamp_error && stamp_error->count()) {
    r.stamp_error_ns = stamp_error->max();
    r.stamp_error_p50_ns = stamp_error->percentile_upper(50);
    r.stamp_error_p99_ns = stamp_error->percentile_upper(99);
  }
  return r;
}

std::optional<double> per_io_or_null(double v, uint64_t ios) {
  return ios ? std::optional<double>(v / static_cast<double>(ios)) : std::nullopt;
}

// Busy CPU: the threads' own clock, and the pinned CPUs' interrupt work
// where the kernel keeps that out of the threads' clock; otherwise the
// interrupts that hit a running thread would count twice.
CpuRecord cpu_record(const PathResult& r, IrqTimeAccounting irq_time) {
  CpuRecord c;
  for (const auto& t : r.threads) c.thread_ns += t.cpu_ns;
  if (r.cpu_irq) {
    c.irq_ns = r.cpu_irq->irq_ns;
    c.softirq_ns = r.cpu_irq->softirq_ns;
  }
  bool irq_in_busy = r.cpu_irq && irq_time == IrqTimeAccounting::on;
  c.irq_in_busy = irq_in_busy;
  uint64_t busy = c.thread_ns + (irq_in_busy ? r.cpu_irq->irq_ns + r.cpu_irq->softirq_ns : 0);
  c.busy_ns_per_io = per_io_or_null(static_cast<double>(busy), r.ios);
  return c;
}

KernelEntriesRecord kernel_entries_record(const PathResult& r, bool io_uring) {
  KernelEntriesRecord k;
  for (const auto& t : r.threads) k.io_uring_enter += t.kernel_entries;
  if (io_uring) k.per_io = per_io_or_null(static_cast<double>(k.io_uring_enter), r.ios);
  return k;
}

std::optional<HwCountersRecord> hw_counters_record(const PathResult& r) {
  if (!r.hw) return std::nullopt;
  const HwCounts& c = *r.hw;
  return HwCountersRecord{hw_scope_name(r.hw_scope),
                          c.cycles_user,
                          c.cycles_kernel,
                          c.instructions_user,
                          c.instructions_kernel,
                          per_io_or_null(static_cast<double>(c.cycles_user + c.cycles_kernel), r.ios),
                          per_io_or_null(static_cast<double>(c.instructions_user + c.instructions_kernel), r.ios),
                          per_io_or_null(static_cast<double>(c.instructions_kernel), r.ios)};
}

std::optional<InterruptsRecord> interrupts_record(const PathResult& r) {
  if (!r.interrupts) return std::nullopt;
  const InterruptCounts& c = *r.interrupts;
  return InterruptsRecord{c.total, c.device, r.irq_controller, per_io_or_null(static_cast<double>(c.total), r.ios),
                          r.irq_controller.empty() ? std::nullopt
                                                   : per_io_or_null(static_cast<double>(c.device), r.ios)};
}

ThreadRecord thread_record(const ThreadResult& t) {
  double ios = static_cast<double>(t.ios);
  return ThreadRecord{t.thread,
                      t.cpu,
                      t.ios,
                      t.reads,
                      t.writes,
                      t.elapsed_s,
                      t.utime_s,
                      t.stime_s,
                      t.ios ? t.utime_s * 1e9 / ios : 0.0,
                      t.ios ? t.stime_s * 1e9 / ios : 0.0,
                      t.cpu_ns,
                      t.vol_ctx_switches,
                      t.invol_ctx_switches,
                      t.submit_calls,
                      t.reap_calls,
                      t.empty_reaps};
}

RunRecord run_record(const ReportInput::Run& run, IrqTimeAccounting irq_time) {
  const PathResult& r = *run.result;
  RunRecord rec;
  rec.path = r.path;
  rec.engine = run.path->engine;
  rec.poll = run.path->poll;
  rec.user_space_wait = run.path->user_space_wait;
  rec.on_user_queue = run.path->user_queue;
  rec.passthrough = run.path->unsplit;
  rec.io_uring = run.path->io_uring;
  if (!r.ns_node.empty()) rec.namespace_node = r.ns_node;
  if (!r.thread_nodes.empty()) rec.thread_nodes = r.thread_nodes;
  rec.node = r.node;
  rec.round = run.round;
  rec.order_in_round = run.order_in_round;
  rec.iodepth = r.iodepth;
  rec.submit_batch = r.submit_batch;
  rec.complete_batch = r.complete_batch;
  rec.elapsed_s = r.elapsed_s;
  rec.ios = r.ios;
  rec.bytes = r.bytes;
  rec.iops = r.iops;
  rec.bw_bytes_per_s = r.bw_bytes_s;
  rec.latency_ns = latency_record(*r.hist, r.stamp_error.get());
  rec.iops_series = r.iops_series;
  for (const auto& t : r.threads) {
    rec.submit.calls += t.submit_calls, rec.submit.ios += t.submitted;
    rec.reap.calls += t.reap_calls, rec.reap.ios += t.reaped, rec.reap.empty_calls += t.empty_reaps;
    rec.threads.push_back(thread_record(t));
  }
  rec.submit.ios_per_call = per_call(rec.submit.ios, rec.submit.calls);
  rec.reap.ios_per_call = per_call(rec.reap.ios, rec.reap.calls);
  rec.errors = error_records(r.errors);
  rec.error_count = r.error_count;
  rec.verify = verify_record(r.verify);
  rec.interrupted = r.interrupted;
  rec.cpu = cpu_record(r, irq_time);
  rec.kernel_entries = kernel_entries_record(r, run.path->io_uring);
  rec.hw_counters = hw_counters_record(r);
  rec.interrupts = interrupts_record(r);
  if (run.probes) rec.probes = probe_window_json(*run.probes);
  if (run.user_queue) rec.user_queue = user_queue_record(*run.user_queue);
  return rec;
}

}  // namespace

std::vector<CompareRow> compare_rows(const std::vector<std::vector<const PathResult*>>& per_path,
                                     const std::string& baseline) {
  std::vector<CompareRow> rows;
  for (const auto& rounds : per_path) {
    if (rounds.empty()) continue;
    std::vector<double> iops, bw, p50, p99;
    for (const auto* r : rounds) {
      iops.push_back(r->iops);
      bw.push_back(r->bw_bytes_s);
      p50.push_back(static_cast<double>(r->hist->percentile(50)));
      p99.push_back(static_cast<double>(r->hist->percentile(99)));
    }
    rows.push_back(CompareRow{rounds.front()->path, summarize(iops), summarize(bw), summarize(p50),
                              summarize(p99), 0});
  }
  double base = 0;
  for (const auto& r : rows)
    if (r.path == baseline) base = r.iops.median;
  for (auto& r : rows) r.ratio_to_baseline = base > 0 ? r.iops.median / base : 0;
  return rows;
}

namespace {

json irq_affinity_json(const std::vector<IrqAffinity>& irqs) {
  json a = json::array();
  for (const auto& i : irqs)
    a.push_back(json{{"irq", i.irq},
                     {"name", i.name},
                     {"cpus", i.cpus},
                     {"effective_cpus", i.effective_cpus.empty() ? json(nullptr) : json(i.effective_cpus)}});
  return a;
}

// Why a run has no hardware counts: the first reason given, or null when
// every run has them.
json hw_counters_note(const ReportInput& in) {
  for (const auto* list : {&in.ceiling_runs, &in.runs})
    for (const auto& r : *list)
      if (!r.result->hw) return r.result->hw_note;
  return nullptr;
}

json environment_json(const Environment& env) {
  return json{{"kernel_release", env.kernel_release},
              {"kernel_version", env.kernel_version},
              {"machine", env.machine},
              {"hostname", env.hostname},
              {"kernel_cmdline", env.kernel_cmdline},
              {"cpu_model", env.cpu_model},
              {"cpus_online", env.cpus_online},
              {"nvme_module_parameters", env.nvme_module_params},
              {"clocksource", env.clocksource},
              {"cpu_governor", env.cpu_governor ? json(*env.cpu_governor) : json(nullptr)},
              {"mitigations", env.mitigations},
              {"nvme_irq_affinity", irq_affinity_json(env.nvme_irq_affinity)},
              {"irq_time_accounting", irq_time_accounting_name(env.irq_time)}};
}

// compare: the aggregates over rounds; run: null.
json comparison_json(const ReportInput& in) {
  if (in.command != "compare") return nullptr;
  json paths = json::array();
  for (const auto& row : in.comparison)
    paths.push_back(json{{"path", row.path},
                         {"iops", summary_json(row.iops)},
                         {"bw_bytes_per_s", summary_json(row.bw_bytes_s)},
                         {"lat_p50_ns", summary_json(row.lat_p50_ns)},
                         {"lat_p99_ns", summary_json(row.lat_p99_ns)},
                         {"ratio_to_baseline", row.ratio_to_baseline}});
  return json{{"rounds", in.rounds}, {"baseline", in.baseline}, {"order", "interleaved"}, {"paths", paths}};
}

// How the invocation ended: its exit code, the measured runs' errors and
// bad sectors, and the runs that did not run.
json status_json(const ReportInput& in) {
  uint64_t errors = 0, bad = 0;
  for (const auto& r : in.runs) {
    errors += r.result->error_count;
    bad += r.result->verify.bad_sectors;
  }
  json not_run = json::array();
  for (const auto& n : in.not_run) not_run.push_back(json{{"path", n.path}, {"round", n.round}});
  return json{{"exit_code", in.exit_code},
              {"errors", errors},
              {"verify_bad_sectors", bad},
              {"partial", in.partial},
              {"not_run", not_run}};
}

// compare --ceiling: the ceiling runs, their paths in the order they
// first ran, and their workload.
CeilingRecord ceiling_record(const ReportInput& in) {
  CeilingRecord c{{}, in.ceiling_workload->iodepth, in.ceiling_workload->submit_batch,
                  in.ceiling_workload->complete_batch, {}};
  for (const auto& r : in.ceiling_runs) {
    c.runs.push_back(run_record(r, in.env.irq_time));
    if (std::find(c.paths.begin(), c.paths.end(), r.result->path) == c.paths.end()) c.paths.push_back(r.result->path);
  }
  return c;
}

}  // namespace

nlohmann::json build_report(const ReportInput& in) {
  std::vector<RunRecord> runs;
  for (const auto& r : in.runs) runs.push_back(run_record(r, in.env.irq_time));
  json report{{"schema_version", report_schema_version},
              {"tool", ToolInfo{.version = in.env.tool_version, .git_revision = in.env.git_revision}},
              {"command", in.command},
              {"argv", in.argv},
              {"created_at", utc_now()},
              {"environment", environment_json(in.env)},
              {"device", device_record(in.device, in.env)},
              {"workload", workload_json(in.workload)},
              {"runs", runs},
              {"comparison", comparison_json(in)},
              {"status", status_json(in)},
              {"hw_counters_note", hw_counters_note(in)}};
  if (!in.probes.is_null()) report["probes"] = in.probes;
  if (in.ceiling_workload) report["ceiling"] = ceiling_record(in);
  return report;
}

std::string format_progress(const std::string& path, const ProgressSample& p) {
  return fmt::format("{}: IOPS={}, BW={}, IOS/call={:.1f}/{:.1f}", path, si(p.iops), mib(p.bw_bytes_s),
                     p.ios_per_submit, p.ios_per_reap);
}

std::string format_run_table(const std::vector<ReportInput::Run>& runs) {
  std::string s = fmt::format("{:<11} {:>5} {:>9} {:>12} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>11} {:>7} {:>8} {:>7} {:>7} {:>7} {:>6}\n",
                              "path", "round", "IOPS", "BW", "p50us", "p90us", "p99us", "p99.9us",
                              "p99.99us", "max_us", "IOS/call", "empty%", "enter/IO", "usr/IO", "sys/IO", "cpu/IO",
                              "errors");
  for (const auto& run : runs) {
    const PathResult& r = *run.result;
    const Histogram& h = *r.hist;
    uint64_t sc = 0, sub = 0, rc = 0, reaped = 0, empty = 0, ios = 0, enters = 0, cpu_ns = 0;
    double usr = 0, sys = 0;
    for (const auto& t : r.threads) {
      sc += t.submit_calls, sub += t.submitted, rc += t.reap_calls, reaped += t.reaped, empty += t.empty_reaps;
      usr += t.utime_s, sys += t.stime_s, ios += t.ios, enters += t.kernel_entries, cpu_ns += t.cpu_ns;
    }
    double nio = ios ? static_cast<double>(ios) : 1;
    s += fmt::format("{:<11} {:>5} {:>9} {:>12} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>11} {:>7.1f} {:>8.3f} {:>6.0f}n {:>6.0f}n {:>6.0f}n {:>6}\n",
                     r.path, run.round, si(r.iops), mib(r.bw_bytes_s), usec(h.percentile(50)),
                     usec(h.percentile(90)), usec(h.percentile(99)), usec(h.percentile(99.9)),
                     usec(h.percentile(99.99)), usec(h.max()),
                     fmt::format("{:.1f}/{:.1f}", per_call(sub, sc), per_call(reaped, rc)),
                     rc ? 100.0 * empty / rc : 0.0, static_cast<double>(enters) / nio, usr * 1e9 / nio,
                     sys * 1e9 / nio, static_cast<double>(cpu_ns) / nio, r.error_count);
  }
  return s;
}

std::string format_compare_table(const std::vector<CompareRow>& rows, const std::string& baseline,
                                 unsigned rounds) {
  std::string s = fmt::format("{} rounds, interleaved; ratios are median IOPS over {}'s\n", rounds, baseline);
  s += fmt::format("{:<11} {:>10} {:>10} {:>10} {:>7} {:>9} {:>9} {:>9}\n", "path", "IOPS med", "min", "max",
                   "spread", "p50us", "p99us", "ratio");
  for (const auto& r : rows)
    s += fmt::format("{:<11} {:>10} {:>10} {:>10} {:>6.1f}% {:>9} {:>9} {:>8.3f}x\n", r.path, si(r.iops.median),
                     si(r.iops.min), si(r.iops.max), r.iops.spread * 100, usec(r.lat_p50_ns.median),
                     usec(r.lat_p99_ns.median), r.ratio_to_baseline);
  return s;
}

std::string format_errors(const PathResult& r) {
  std::string s;
  for (const auto& e : r.errors)
    s += fmt::format("{}: {} I/O error(s): {} (first at LBA {})\n", r.path, e.count, error_name(e), e.first_lba);
  if (r.verify.enabled && r.verify.bad_sectors) {
    s += fmt::format("{}: verify: {} bad sector(s) in {} block(s) checked\n", r.path, r.verify.bad_sectors,
                     r.verify.blocks_checked);
    for (const auto& m : r.verify.first_mismatches)
      s += fmt::format("{}: verify: LBA {}: {} (stamp says LBA {}, seed {})\n", r.path, m.lba,
                       verify_fault_name(m.fault), m.found_lba, m.found_seed);
  }
  return s;
}

std::vector<PathSupport> path_support(const NamespaceInfo& n) {
  // Each path as a run on this namespace would resolve it: the node it
  // opens, or the reason it cannot, in the words the run would print (less
  // their leading "block-poll: ", "ng: " or "uq-irq: "). The uq paths look
  // their queues up in sysfs, where discover() found them.
  DeviceInfo dev;
  dev.path = "/dev/" + n.name;
  dev.kind = TargetKind::nvme_namespace;
  dev.lba_size = n.lba_size;
  dev.size_bytes = n.size_bytes;
  dev.io_poll = n.io_poll;
  dev.ns = n;
  std::vector<PathSupport> out;
  for (const auto* p : all_paths()) {
    auto node = resolve_node(*p, dev, "");
    PathSupport ps;
    ps.path = p->name;
    if (node) {
      ps.node = *node;
    } else {
      ps.reason = node.error().message;
      size_t colon = ps.reason.find(": ");
      if (colon != std::string::npos && ps.reason.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == colon)
        ps.reason.erase(0, colon + 2);
    }
    out.push_back(std::move(ps));
  }
  return out;
}

nlohmann::json inventory_json(const Inventory& inv) {
  json c = json::array(), n = json::array();
  for (const auto& x : inv.controllers) c.push_back(controller_record(x));
  for (const auto& x : inv.namespaces) {
    json paths = json::object();
    for (const auto& ps : path_support(x))
      paths[ps.path] = ps.node.empty() ? json{{"available", false}, {"reason", ps.reason}}
                                       : json{{"available", true}, {"node", ps.node}};
    json rec = namespace_record(x);
    rec["paths"] = paths;
    n.push_back(std::move(rec));
  }
  json uq = json::array();
  for (const auto& q : inv.user_queues)
    uq.push_back(json{{"name", q.name}, {"controller", q.controller}, {"index", q.index}, {"qid", q.qid},
                      {"type", q.type}, {"depth", q.depth}, {"dev_node", q.dev_node}});
  return json{{"controllers", c},
              {"namespaces", n},
              {"user_queues", uq},
              {"nvme_module_parameters", inv.module_params}};
}

std::string format_uq_run(const std::string& path, const UqRunInfo& u) {
  std::string s = fmt::format("{}: {} (qid {}, {} queue, depth {})", path, u.node, u.queue.qid, u.queue.type,
                              u.queue.depth);
  if (!u.delta) return s + ": kernel counters not read: " + u.error;
  s += fmt::format(": kernel submitted {} completed {} polls {} empty_polls {}", u.delta->submitted,
                   u.delta->completed, u.delta->polls, u.delta->empty_polls);
  if (u.delta->polls)
    s += fmt::format(" ({:.1f}% empty)", 100.0 * static_cast<double>(u.delta->empty_polls) /
                                            static_cast<double>(u.delta->polls));
  return s;
}

std::string format_inventory(const Inventory& inv) {
  std::string s;
  if (inv.controllers.empty() && inv.namespaces.empty()) return "no NVMe controllers found in sysfs\n";
  s += "controllers:\n";
  for (const auto& c : inv.controllers)
    s += fmt::format("  {:<8} model \"{}\" fw {} serial {} transport {} queues {}{}\n", c.name, c.model,
                     c.firmware, c.serial, c.transport, c.queue_count,
                     c.emulated_qemu ? " (emulated: QEMU)" : "");
  s += "namespaces:\n";
  for (const auto& n : inv.namespaces) {
    s += fmt::format("  /dev/{:<9} ctrl {} nsid {} lba {} size {} hw_queues {}\n", n.name, n.controller, n.nsid,
                     n.lba_size, n.size_bytes, n.hw_queues);
    for (const auto& ps : path_support(n)) {
      std::string name = fmt::format("{}:", ps.path);
      if (ps.node.empty())
        s += fmt::format("    {:<15} no: {}\n", name, ps.reason);
      else
        s += fmt::format("    {:<15} yes{}\n", name, ps.node == "/dev/" + n.name ? "" : " (" + ps.node + ")");
    }
  }
  if (!inv.user_queues.empty()) {
    s += "user queues:\n";
    for (const auto& q : inv.user_queues)
      s += fmt::format("  /dev/{:<10} type {:<4} qid {} depth {}{}\n", q.name, q.type, q.qid, q.depth,
                       q.dev_node ? "" : " (node missing)");
  }
  auto param = [&inv](const char* k) {
    auto it = inv.module_params.find(k);
    return it == inv.module_params.end() ? std::string("(none)") : it->second;
  };
  auto pq = inv.module_params.find("poll_queues");
  s += fmt::format("nvme module: poll_queues={}", pq == inv.module_params.end() ? "(module not loaded)" : pq->second);
  if (inv.module_params.count("user_irq_queues") || inv.module_params.count("user_poll_queues"))
    s += fmt::format(" user_irq_queues={} user_poll_queues={}", param("user_irq_queues"), param("user_poll_queues"));
  s += "\n";
  return s;
}

}  // namespace qb
