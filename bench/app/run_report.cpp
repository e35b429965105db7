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

json controller_json(const ControllerInfo& c) {
  return json{{"name", c.name},           {"model", c.model},         {"firmware", c.firmware},
              {"serial", c.serial},       {"transport", c.transport}, {"address", c.address},
              {"queue_count", c.queue_count}, {"sqsize", c.sqsize},   {"emulated_qemu", c.emulated_qemu}};
}

json namespace_json(const NamespaceInfo& n) {
  return json{{"name", n.name},
              {"controller", n.controller},
              {"nsid", n.nsid},
              {"lba_size", n.lba_size},
              {"metadata_bytes", n.metadata_bytes},
              {"size_bytes", n.size_bytes},
              {"io_poll", n.io_poll},
              {"hw_queues", n.hw_queues},
              {"nr_requests", n.nr_requests},
              {"ng_device", n.ng_name.empty() ? json(nullptr) : json("/dev/" + n.ng_name)},
              {"ng_dev_node", n.ng_dev_node}};
}

json param_or_null(const std::map<std::string, std::string>& m, const char* k) {
  auto it = m.find(k);
  return it == m.end() ? json(nullptr) : json(it->second);
}

json device_json(const DeviceInfo& d, const Environment& env) {
  json j{{"path", d.path},
         {"kind", target_kind_name(d.kind)},
         {"is_nvme", d.kind == TargetKind::nvme_namespace},
         {"emulated_controller", d.ctrl && d.ctrl->emulated_qemu},
         {"lba_size", d.lba_size},
         {"size_bytes", d.size_bytes},
         {"io_poll", d.io_poll},
         {"controller", d.ctrl ? controller_json(*d.ctrl) : json(nullptr)},
         {"namespace", d.ns ? namespace_json(*d.ns) : json(nullptr)}};
  if (d.kind != TargetKind::nvme_namespace)
    j["note"] = fmt::format("not an NVMe device ({}): figures do not describe NVMe paths",
                            target_kind_name(d.kind));
  else if (d.ctrl && d.ctrl->emulated_qemu)
    j["note"] = "emulated controller (QEMU NVMe Ctrl): figures describe the emulation, not hardware";
  else
    j["note"] = nullptr;
  json q;
  q["poll_queues"] = param_or_null(env.nvme_module_params, "poll_queues");
  q["write_queues"] = param_or_null(env.nvme_module_params, "write_queues");
  q["io_queue_depth"] = param_or_null(env.nvme_module_params, "io_queue_depth");
  q["hw_queues"] = d.ns ? d.ns->hw_queues : -1;
  q["controller_queue_count"] = d.ctrl ? d.ctrl->queue_count : -1;
  q["io_poll"] = d.io_poll;
  j["queues"] = q;
  json lbaf{{"data_size", d.lba_size}, {"metadata_bytes", d.ns ? d.ns->metadata_bytes : -1}};
  j["lba_format"] = lbaf;
  return j;
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

json errors_json(const std::vector<ErrorCount>& errs) {
  json errors = json::array();
  for (const auto& e : errs)
    errors.push_back(json{{"kind", e.short_io ? "short" : e.nvme_status ? "nvme" : "errno"},
                          {"code", e.short_io ? 0 : e.nvme_status ? e.nvme_status : e.errnum},
                          {"name", error_name(e)},
                          {"count", e.count},
                          {"first_lba", e.first_lba}});
  return errors;
}

json verify_json(const VerifyResult& v) {
  json mismatches = json::array();
  for (const auto& m : v.first_mismatches)
    mismatches.push_back(json{{"lba", m.lba},
                              {"fault", verify_fault_name(m.fault)},
                              {"found_lba", m.found_lba},
                              {"found_seed", m.found_seed}});
  return json{{"enabled", v.enabled},
              {"blocks_checked", v.blocks_checked},
              {"bad_sectors", v.bad_sectors},
              {"mismatches", mismatches}};
}

json histogram_json(const Histogram& h) {
  json bins = json::array();
  for (const auto& b : h.bins()) bins.push_back(json::array({b.lower, b.upper_exclusive, b.count}));
  return json{{"bins", bins}};
}

// The distribution of the per-I/O stamp error bounds; null where the run
// recorded none.
json latency_json(const Histogram& h, const Histogram* stamp_error) {
  bool errors = h.count() && stamp_error && stamp_error->count();
  auto at = [&](double q) { return errors ? json(stamp_error->percentile_upper(q)) : json(nullptr); };
  return json{{"count", h.count()},
              {"min", h.min()},
              {"mean", h.mean()},
              {"p50", h.percentile(50)},
              {"p90", h.percentile(90)},
              {"p99", h.percentile(99)},
              {"p99_9", h.percentile(99.9)},
              {"p99_99", h.percentile(99.99)},
              {"max", h.max()},
              {"max_relative_error", 1.0 / (2 * Histogram::sub_buckets)},
              {"histogram", histogram_json(h)},
              {"stamp_error_ns", errors ? json(stamp_error->max()) : json(nullptr)},
              {"stamp_error_p50_ns", at(50)},
              {"stamp_error_p99_ns", at(99)}};
}

json per_io_or_null(double v, uint64_t ios) { return ios ? json(v / static_cast<double>(ios)) : json(nullptr); }

// Busy CPU: the threads' own clock, and the pinned CPUs' interrupt work
// where the kernel keeps that out of the threads' clock; otherwise the
// interrupts that hit a running thread would count twice.
json cpu_json(const PathResult& r, IrqTimeAccounting irq_time) {
  uint64_t thread_ns = 0;
  for (const auto& t : r.threads) thread_ns += t.cpu_ns;
  json irq = r.cpu_irq ? json(r.cpu_irq->irq_ns) : json(nullptr);
  json softirq = r.cpu_irq ? json(r.cpu_irq->softirq_ns) : json(nullptr);
  bool irq_in_busy = r.cpu_irq && irq_time == IrqTimeAccounting::on;
  uint64_t busy = thread_ns + (irq_in_busy ? r.cpu_irq->irq_ns + r.cpu_irq->softirq_ns : 0);
  return json{{"thread_ns", thread_ns},
              {"irq_ns", irq},
              {"softirq_ns", softirq},
              {"irq_in_busy", irq_in_busy},
              {"busy_ns_per_io", per_io_or_null(static_cast<double>(busy), r.ios)}};
}

json kernel_entries_json(const PathResult& r, bool io_uring) {
  uint64_t n = 0;
  for (const auto& t : r.threads) n += t.kernel_entries;
  return json{{"io_uring_enter", n},
              {"per_io", io_uring ? per_io_or_null(static_cast<double>(n), r.ios) : json(nullptr)}};
}

json hw_counters_json(const PathResult& r) {
  if (!r.hw) return nullptr;
  const HwCounts& c = *r.hw;
  return json{{"scope", hw_scope_name(r.hw_scope)},
              {"cycles_user", c.cycles_user},
              {"cycles_kernel", c.cycles_kernel},
              {"instructions_user", c.instructions_user},
              {"instructions_kernel", c.instructions_kernel},
              {"cycles_per_io", per_io_or_null(static_cast<double>(c.cycles_user + c.cycles_kernel), r.ios)},
              {"instructions_per_io",
               per_io_or_null(static_cast<double>(c.instructions_user + c.instructions_kernel), r.ios)},
              {"kernel_instructions_per_io", per_io_or_null(static_cast<double>(c.instructions_kernel), r.ios)}};
}

json run_json(const ReportInput::Run& run, IrqTimeAccounting irq_time) {
  const PathResult& r = *run.result;
  json threads = json::array();
  uint64_t sc = 0, sub = 0, rc = 0, reaped = 0, empty = 0;
  for (const auto& t : r.threads) {
    sc += t.submit_calls, sub += t.submitted, rc += t.reap_calls, reaped += t.reaped, empty += t.empty_reaps;
    double ios = static_cast<double>(t.ios);
    threads.push_back(json{{"thread", t.thread},
                           {"cpu", t.cpu},
                           {"ios", t.ios},
                           {"reads", t.reads},
                           {"writes", t.writes},
                           {"elapsed_s", t.elapsed_s},
                           {"usr_s", t.utime_s},
                           {"sys_s", t.stime_s},
                           {"usr_ns_per_io", t.ios ? t.utime_s * 1e9 / ios : 0.0},
                           {"sys_ns_per_io", t.ios ? t.stime_s * 1e9 / ios : 0.0},
                           {"cpu_ns", t.cpu_ns},
                           {"vol_ctx_switches", t.vol_ctx_switches},
                           {"invol_ctx_switches", t.invol_ctx_switches},
                           {"submit_calls", t.submit_calls},
                           {"reap_calls", t.reap_calls},
                           {"empty_reaps", t.empty_reaps}});
  }
  json j{
      {"path", r.path},
      {"engine", run.path->engine},
      {"poll", run.path->poll},
      {"user_space_wait", run.path->user_space_wait},
      {"node", r.node},
      {"round", run.round},
      {"order_in_round", run.order_in_round},
      {"iodepth", r.iodepth},
      {"submit_batch", r.submit_batch},
      {"complete_batch", r.complete_batch},
      {"elapsed_s", r.elapsed_s},
      {"ios", r.ios},
      {"bytes", r.bytes},
      {"iops", r.iops},
      {"bw_bytes_per_s", r.bw_bytes_s},
      {"latency_ns", latency_json(*r.hist, r.stamp_error.get())},
      {"iops_series", r.iops_series},
      {"submit", {{"calls", sc}, {"ios", sub}, {"ios_per_call", per_call(sub, sc)}}},
      {"reap", {{"calls", rc}, {"ios", reaped}, {"ios_per_call", per_call(reaped, rc)}, {"empty_calls", empty}}},
      {"threads", threads},
      {"errors", errors_json(r.errors)},
      {"error_count", r.error_count},
      {"verify", verify_json(r.verify)},
      {"interrupted", r.interrupted},
      {"cpu", cpu_json(r, irq_time)},
      {"kernel_entries", kernel_entries_json(r, run.path->io_uring)},
      {"hw_counters", hw_counters_json(r)}};
  if (run.probes) j["probes"] = probe_window_json(*run.probes);
  if (run.user_queue) j["user_queue"] = user_queue_record(*run.user_queue);
  return j;
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

}  // namespace

nlohmann::json build_report(const ReportInput& in) {
  json env{{"kernel_release", in.env.kernel_release},
           {"kernel_version", in.env.kernel_version},
           {"machine", in.env.machine},
           {"hostname", in.env.hostname},
           {"kernel_cmdline", in.env.kernel_cmdline},
           {"cpu_model", in.env.cpu_model},
           {"cpus_online", in.env.cpus_online},
           {"nvme_module_parameters", in.env.nvme_module_params},
           {"clocksource", in.env.clocksource},
           {"cpu_governor", in.env.cpu_governor ? json(*in.env.cpu_governor) : json(nullptr)},
           {"mitigations", in.env.mitigations},
           {"nvme_irq_affinity", irq_affinity_json(in.env.nvme_irq_affinity)},
           {"irq_time_accounting", irq_time_accounting_name(in.env.irq_time)}};
  json runs = json::array();
  uint64_t errors = 0, bad = 0;
  for (const auto& r : in.runs) {
    runs.push_back(run_json(r, in.env.irq_time));
    errors += r.result->error_count;
    bad += r.result->verify.bad_sectors;
  }
  json comparison = nullptr;
  if (in.command == "compare") {
    json paths = json::array();
    for (const auto& row : in.comparison)
      paths.push_back(json{{"path", row.path},
                           {"iops", summary_json(row.iops)},
                           {"bw_bytes_per_s", summary_json(row.bw_bytes_s)},
                           {"lat_p50_ns", summary_json(row.lat_p50_ns)},
                           {"lat_p99_ns", summary_json(row.lat_p99_ns)},
                           {"ratio_to_baseline", row.ratio_to_baseline}});
    comparison = json{{"rounds", in.rounds}, {"baseline", in.baseline}, {"order", "interleaved"}, {"paths", paths}};
  }
  json not_run = json::array();
  for (const auto& n : in.not_run) not_run.push_back(json{{"path", n.path}, {"round", n.round}});
  json report{{"schema_version", report_schema_version},
              {"tool", ToolInfo{.version = in.env.tool_version, .git_revision = in.env.git_revision}},
              {"command", in.command},
              {"argv", in.argv},
              {"created_at", utc_now()},
              {"environment", env},
              {"device", device_json(in.device, in.env)},
              {"workload", workload_json(in.workload)},
              {"runs", runs},
              {"comparison", comparison},
              {"status",
               {{"exit_code", in.exit_code},
                {"errors", errors},
                {"verify_bad_sectors", bad},
                {"partial", in.partial},
                {"not_run", not_run}}},
              {"hw_counters_note", hw_counters_note(in)}};
  if (!in.probes.is_null()) report["probes"] = in.probes;
  if (in.ceiling_workload) {
    json cruns = json::array();
    std::vector<std::string> cpaths;
    for (const auto& r : in.ceiling_runs) {
      cruns.push_back(run_json(r, in.env.irq_time));
      if (std::find(cpaths.begin(), cpaths.end(), r.result->path) == cpaths.end()) cpaths.push_back(r.result->path);
    }
    report["ceiling"] = json{{"paths", cpaths},
                             {"iodepth", in.ceiling_workload->iodepth},
                             {"submit_batch", in.ceiling_workload->submit_batch},
                             {"complete_batch", in.ceiling_workload->complete_batch},
                             {"runs", cruns}};
  }
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

nlohmann::json inventory_json(const Inventory& inv) {
  json c = json::array(), n = json::array();
  for (const auto& x : inv.controllers) c.push_back(controller_json(x));
  for (const auto& x : inv.namespaces) n.push_back(namespace_json(x));
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
    // Each path as a run on this namespace would resolve it: the node it
    // opens, or the reason it cannot, in the words the run would print
    // (less their leading "block-poll: ", "ng: " or "uq-irq: "). The uq
    // paths look their queues up in sysfs, where discover() found them.
    DeviceInfo dev;
    dev.path = "/dev/" + n.name;
    dev.kind = TargetKind::nvme_namespace;
    dev.lba_size = n.lba_size;
    dev.size_bytes = n.size_bytes;
    dev.io_poll = n.io_poll;
    dev.ns = n;
    for (const auto* p : all_paths()) {
      auto node = resolve_node(*p, dev, "");
      std::string name = fmt::format("{}:", p->name);
      if (!node) {
        std::string why = node.error().message;
        size_t colon = why.find(": ");
        if (colon != std::string::npos && why.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == colon)
          why.erase(0, colon + 2);
        s += fmt::format("    {:<15} no: {}\n", name, why);
      } else {
        s += fmt::format("    {:<15} yes{}\n", name, *node == dev.path ? "" : " (" + *node + ")");
      }
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
