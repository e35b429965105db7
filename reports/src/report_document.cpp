#include "report_document.h"

#include <fmt/format.h>

#include "reproduction.h"
#include "targets.h"

#include <string_view>

namespace qb {

namespace {

constexpr double noisy_spread = 0.10;  // IOPS spread above this is flagged as noisy
constexpr size_t top_symbols_shown = 5;

std::string command_line(const std::vector<std::string>& argv) {
  std::string s;
  for (size_t i = 0; i < argv.size(); i++) {
    std::string a = argv[i];
    if (i == 0) a = a.substr(a.rfind('/') == std::string::npos ? 0 : a.rfind('/') + 1);
    if (a.find_first_of(" \t'\"$") != std::string::npos) a = "'" + a + "'";
    s += (i ? " " : "") + a;
  }
  return s;
}

std::string ratio(double num, double den) { return den > 0 ? fmt::format("{:.3f}x", num / den) : "-"; }

bool any_hw_counters(const ReportData& r) {
  for (const auto& p : r.paths)
    if (p.hw_counters) return true;
  return false;
}

std::string hw_counters_line(const ReportData& r) {
  if (any_hw_counters(r)) {
    std::string scope;
    for (const auto& p : r.paths)
      if (p.hw_counters) scope = p.hw_scope;
    return fmt::format("cycles and instructions per I/O, user and kernel apart (perf_event_open, scope {})", scope);
  }
  if (r.schema_version < 2) return "n/a (schema version 1)";
  return r.hw_counters_note.empty() ? "n/a (none recorded)" : "n/a (" + r.hw_counters_note + ")";
}

std::string irq_time_line(const std::string& accounting) {
  if (accounting == "on") return "on: irq and softirq time kept out of the threads' CPU time";
  if (accounting == "off")
    return "off: irq time is sampled at the tick, which an interrupt rarely holds, and interrupts that hit a "
           "running thread are in its CPU time";
  return accounting + ": not known whether irq time is in the threads' CPU time";
}

}  // namespace

std::string kernel_line(const ReportData& r) {
  return fmt::format("{} {} {}", r.kernel_release, r.machine, r.kernel_version);
}

std::string device_line(const ReportData& r) {
  std::string device = r.device_path;
  if (!r.device_model.empty())
    device += fmt::format(": {}, firmware {}, {}", r.device_model, r.device_firmware, r.device_transport);
  return device + fmt::format(", LBA {} bytes ({})", r.lba_size, r.device_kind);
}

std::string workload_field(const ReportData& r) {
  return r.runtime_s > 0 ? fmt::format("{}, {} s per run", r.workload_line(), r.runtime_s)
                         : fmt::format("{}, {} I/Os per run", r.workload_line(), r.ios);
}

std::string rounds_line(const ReportData& r) {
  return r.baseline.empty() ? std::string("one run, no comparison")
                            : fmt::format("{} rounds, paths interleaved; baseline {}", r.rounds, r.baseline);
}

namespace {

Section setup_section(const ReportData& r) {
  Section s{2, "Setup", {}};
  s.blocks.push_back(code({"$ " + command_line(r.argv)}));
  std::string params;
  for (const auto& [k, v] : r.nvme_params) params += (params.empty() ? "" : " ") + k + "=" + v;
  std::string queues = fmt::format("{} blk-mq hw queues, controller {} queues, poll_queues={}, write_queues={}, "
                                   "io_queue_depth={}, io_poll {}{}",
                                   r.hw_queues, r.controller_queues, r.poll_queues, r.write_queues, r.io_queue_depth,
                                   r.io_poll ? "on" : "off",
                                   r.nr_requests >= 0 ? fmt::format(", nr_requests {}", r.nr_requests) : "");
  s.blocks.push_back(fields({
      {"created", r.created_at},
      {"tool", fmt::format("nvme-qbench {} (git {})", r.tool_version, r.git_revision)},
      {"kernel", kernel_line(r)},
      {"cmdline", r.kernel_cmdline},
      {"nvme params", params.empty() ? "nvme module not loaded" : params},
      {"CPU", fmt::format("{}, {} online", r.cpu_model, r.cpus_online)},
      {"device", device_line(r)},
      {"queues", queues},
      {"workload", workload_field(r)},
      {"rounds", rounds_line(r)},
      {"run order", r.run_order_recorded ? "shuffled within each round from the seed (order_in_round)"
                                         : "n/a (schema version 1: the same order every round)"},
      {"CPU time", r.cpu_clock},
      {"clock", r.clocksource.empty() ? "n/a" : r.clocksource},
      {"governor", r.cpu_governor.empty() ? "n/a" : r.cpu_governor},
      {"mitigations", r.mitigations.empty() ? "n/a" : r.mitigations},
      {"nvme irqs", r.irq_affinity.empty() ? "n/a" : r.irq_affinity},
      {"irq time", r.irq_time_accounting.empty() ? "n/a" : irq_time_line(r.irq_time_accounting)},
      {"hw counters", hw_counters_line(r)},
  }));
  if (!r.device_note.empty()) s.blocks.push_back(text({"Note: " + r.device_note + "."}));
  for (auto& b : reproduction_blocks(r)) s.blocks.push_back(std::move(b));
  return s;
}

Section summary_section(const ReportData& r) {
  Section s{2, "Summary", {}};
  const MetricDef& iops = *find_metric("iops");
  const MetricDef& bw = *find_metric("bw");
  const MetricDef& p50 = *find_metric("p50");
  const MetricDef& p99 = *find_metric("p99");
  const MetricDef& cpu = *find_metric("cpu-per-io");
  Table t{{"path", "IOPS", "spread", "MiB/s", "p50 us", "p99 us", "CPU ns/IO", "vs base"}, {}};
  for (const auto& p : r.paths)
    t.rows.push_back({p.path, format_metric(iops, p.iops.median), format_percent(p.iops.spread),
                      format_metric(bw, p.bw_bytes_s.median), format_metric(p50, p.lat_p50_ns.median),
                      format_metric(p99, p.lat_p99_ns.median), format_metric(cpu, p.cpu_ns_per_io.median),
                      p.ratio_to_baseline > 0 ? fmt::format("{:.3f}x", p.ratio_to_baseline) : "-"});
  bool merged = !r.paths.empty() && r.paths.front().lat_merged;
  s.blocks.push_back(text({fmt::format(
      "Medians over {} round(s). Spread is (max - min) / median of IOPS over the rounds. Latency percentiles are "
      "{}. {}",
      r.paths.empty() ? 0 : r.paths.front().rounds,
      merged ? "those of every round's I/Os pooled (the rounds' histograms merged)"
             : "the median of the rounds' percentiles (schema version 1 has no histograms)",
      r.baseline.empty() ? "A run report has no baseline."
                         : fmt::format("vs base is median IOPS over {}'s.", r.baseline))}));
  s.blocks.push_back(table(std::move(t)));
  return s;
}

}  // namespace

Section ratio_section(const ReportData& r, const PathAggregate& base) {
  Section s{2, fmt::format("Ratios to the baseline, {}", base.path), {}};
  Table t{{"path", "IOPS", "MiB/s", "p50 lat", "p99 lat", "CPU per I/O"}, {}};
  for (const auto& p : r.paths)
    t.rows.push_back({p.path, ratio(p.iops.median, base.iops.median),
                      ratio(p.bw_bytes_s.median, base.bw_bytes_s.median),
                      ratio(p.lat_p50_ns.median, base.lat_p50_ns.median),
                      ratio(p.lat_p99_ns.median, base.lat_p99_ns.median),
                      ratio(p.cpu_ns_per_io.median, base.cpu_ns_per_io.median)});
  s.blocks.push_back(text({"Each path's median over the baseline's median; above 1 is more IOPS or "
                           "bandwidth, but also more latency or CPU per I/O."}));
  s.blocks.push_back(table(std::move(t)));
  return s;
}

namespace {

Section path_section(const ReportData& r, const PathAggregate& p) {
  Section s{2, fmt::format("Path {}{}", p.path, p.path == r.baseline ? " (baseline)" : ""), {}};
  Table t{{"metric", "median", "min", "max", "spread"}, {}};
  for (const auto& m : metric_defs()) {
    const Summary& v = p.*(m.member);
    if (m.optional && v.n == 0) continue;
    t.rows.push_back({m.label, format_metric(m, v.median), format_metric(m, v.min), format_metric(m, v.max),
                      format_percent(v.spread)});
  }
  s.blocks.push_back(table(std::move(t)));
  if (r.schema_version < 2)
    s.blocks.push_back(text({"io_uring_enter calls per I/O, irq time per I/O, the latency stamping error and "
                             "hardware counters: n/a (schema version 1)."}));
  else if (!p.hw_counters)
    s.blocks.push_back(text({"Hardware counters: n/a" +
                             (r.hw_counters_note.empty() ? std::string(".") : " (" + r.hw_counters_note + ").")}));
  if (!p.probes) {
    s.blocks.push_back(text({"Useless-poll ratio, block-layer calls per I/O, top kernel symbols: not measured "
                             "(run with --probes)."}));
  } else if (p.useless_poll_ratio.n == 0 || p.block_calls_per_io.n == 0) {
    std::string missing = p.useless_poll_ratio.n ? "" : "no poll function was called";
    if (!p.block_calls_per_io.n) missing += (missing.empty() ? "" : "; ") + std::string("no block-layer function was counted");
    s.blocks.push_back(text({"Probes ran: " + missing + "."}));
  }
  if (p.probes && !p.poll_function.empty())
    s.blocks.push_back(text({fmt::format("Useless-poll ratio of {}, the poll function called most.",
                                         p.poll_function)}));
  if (p.probes && p.top_symbols.empty()) {
    s.blocks.push_back(text({"Top kernel symbols: none recorded."}));
  } else if (p.probes) {
    Table sym{{"top kernel symbol (self)", "share"}, {}};
    for (size_t i = 0; i < p.top_symbols.size() && i < top_symbols_shown; i++)
      sym.rows.push_back({p.top_symbols[i].symbol, format_percent(p.top_symbols[i].share)});
    s.blocks.push_back(table(std::move(sym)));
  }
  std::vector<std::pair<std::string, std::string>> f{
      {"bound", fmt::format("{} ({})", bound_name(p.bound), p.bound_reason)}};
  if (p.errors) f.emplace_back("I/O errors", std::to_string(p.errors));
  if (p.interrupted) f.emplace_back("interrupted", "yes: a round was cut short and left out");
  s.blocks.push_back(fields(std::move(f)));
  return s;
}

std::string share_or_dash(double share) { return share >= 0 ? format_percent(share) : "-"; }

// I/Os in flight by Little's law over the depth given: "99.8/128".
std::string in_flight(double l, double depth) {
  return l >= 0 && depth > 0 ? fmt::format("{:.1f}/{:.0f}", l, depth) : "-";
}

std::string of_ceiling(const ReportData& r, double iops) {
  return r.ceiling.iops > 0 ? fmt::format("{:.0f}%", iops / r.ceiling.iops * 100) : "-";
}

Section bound_section(const ReportData& r) {
  Section s{2, "Device ceiling; CPU-bound, device-bound or latency-bound", {}};
  const MetricDef& iops = *find_metric("iops");
  if (r.ceiling.iops > 0)
    s.blocks.push_back(text({fmt::format("Ceiling: {} IOPS, {}; {} ({}).", format_si(r.ceiling.iops),
                                         r.ceiling.source, r.ceiling.confirmed ? "confirmed" : "a lower bound",
                                         r.ceiling.evidence)}));
  else
    s.blocks.push_back(text({"Ceiling: unknown, " + r.ceiling.evidence + "."}));
  Table c{{"ceiling run", "IOPS", "busy", "empty polls"}, {}};
  for (const auto& k : r.ceiling.candidates)
    if (k.ceiling_run)
      c.rows.push_back({fmt::format("{} #{}", k.path, k.round), format_metric(iops, k.iops),
                        fmt::format("{:.2f}", k.busy), share_or_dash(k.empty_poll_share)});
  if (!c.rows.empty()) {
    s.blocks.push_back(text({fmt::format("Ceiling runs (compare --ceiling, {}), first in every round:",
                                         r.ceiling.ceiling_runs)}));
    s.blocks.push_back(table(std::move(c)));
  }
  s.blocks.push_back(text({"Rule: " + bound_rule()}));
  Table t{{"path", "IOPS", "of ceil", "busy", "in flight", "empty polls", "verdict"}, {}};
  for (const auto& p : r.paths) {
    double share = p.uq_empty_poll_share.n ? p.uq_empty_poll_share.median
                   : p.probes && p.useless_poll_ratio.n ? p.useless_poll_ratio.median
                                                         : -1;
    t.rows.push_back({p.path, format_metric(iops, p.iops.median), of_ceiling(r, p.iops.median),
                      fmt::format("{:.2f}", p.cpu_busy.median),
                      in_flight(p.in_flight.n ? p.in_flight.median : -1, p.depth), share_or_dash(share),
                      bound_name(p.bound)});
  }
  s.blocks.push_back(text({"Per path (medians over rounds):"}));
  s.blocks.push_back(table(std::move(t)));
  std::vector<std::string> why;
  for (const auto& p : r.paths) why.push_back(fmt::format("{}: {} ({}).", p.path, bound_name(p.bound), p.bound_reason));
  s.blocks.push_back(text(std::move(why)));
  Table runs{{"run", "IOPS", "of ceil", "busy", "in flight", "empty polls", "verdict"}, {}};
  for (const auto& b : r.run_bounds)
    runs.rows.push_back({b.order ? fmt::format("{} #{}.{}", b.path, b.round, b.order) : fmt::format("{} #{}", b.path, b.round),
                         format_metric(iops, b.iops), of_ceiling(r, b.iops), fmt::format("{:.2f}", b.busy),
                         in_flight(b.in_flight, r.find(b.path) ? r.find(b.path)->depth : 0),
                         share_or_dash(b.empty_poll_share), bound_name(b.verdict.bound)});
  s.blocks.push_back(text({r.run_order_recorded ? "Per run (round.place in the round):" : "Per run:"}));
  s.blocks.push_back(table(std::move(runs)));
  return s;
}

Section cpu_section(const ReportData& r) {
  Section s{2, "Busy CPU per I/O", {}};
  s.blocks.push_back(text({"CPU is the I/O thread's CPU time over the measured window (" + r.cpu_clock +
                           "); I/Os per busy CPU second is its inverse. Empty "
                           "polls: the user queue's kernel counters (polls that found nothing); for paths that mark "
                           "their polls (uq-poll-check), the CPU time in empty polls is estimated by their share of "
                           "the window's instructions (needs the instruction counts)."}));
  Table t{{"path", "CPU ns/IO", "spread", "IO/CPU s", "spread", "empty polls", "empty ns/IO"}, {}};
  for (const auto& p : r.paths)
    t.rows.push_back({p.path, fmt::format("{:.0f}", p.cpu_ns_per_io.median), format_percent(p.cpu_ns_per_io.spread),
                      format_si(p.ios_per_cpu_s.median), format_percent(p.ios_per_cpu_s.spread),
                      p.uq_empty_poll_share.n ? format_percent(p.uq_empty_poll_share.median) : "-",
                      p.empty_poll_cpu_ns_per_io.n ? fmt::format("{:.0f}", p.empty_poll_cpu_ns_per_io.median) : "-"});
  s.blocks.push_back(table(std::move(t)));
  if (!any_hw_counters(r))
    s.blocks.push_back(text({"I/Os per busy CPU second is shown, not a target, without hardware counters: under "
                             "TCG the guest's busy time includes the vCPU waiting inside every doorbell write "
                             "(nvme_write_sq_db took 38-61% of every path's profile samples in the example "
                             "report), most likely on QEMU's global lock while the emulated controller runs, and "
                             "uq-poll-check's busy time includes its spinning on the mapped CQ while it waits. "
                             "Compare instruction counts instead; where runs carry hardware counters, cycles per "
                             "I/O."}));
  Table k{{"path", "irq ns/IO", "enters/IO", "cycles/IO", "hw insn/IO", "hw kernel/IO"}, {}};
  auto or_na = [](const Summary& v, const char* f) { return v.n ? fmt::format(fmt::runtime(f), v.median) : "n/a"; };
  for (const auto& p : r.paths)
    k.rows.push_back({p.path, or_na(p.irq_ns_per_io, "{:.0f}"), or_na(p.enters_per_io, "{:.3f}"),
                      or_na(p.cycles_per_io, "{:.0f}"), or_na(p.hw_insn_per_io, "{:.0f}"),
                      or_na(p.hw_kinsn_per_io, "{:.0f}")});
  s.blocks.push_back(text({"Interrupt time is the irq and softirq time of the thread's CPU (/proc/stat), which a "
                           "path costs even while its thread sleeps. It is measured only where the kernel accounts "
                           "irq time (irq time " +
                           (r.irq_time_accounting.empty() ? std::string("not recorded") : r.irq_time_accounting) +
                           " here); elsewhere /proc/stat samples it at the tick, which an interrupt rarely holds, so "
                           "it is near zero or noise, and interrupts that hit the running thread are in the CPU "
                           "time above. Enters counts "
                           "io_uring_enter calls, kernel polls included; cycles and instructions come from the hardware counters "
                           "(perf_event_open). n/a: none recorded, or a version-1 report."}));
  s.blocks.push_back(table(std::move(k)));
  return s;
}

Section instructions_section(const ReportData& r) {
  Section s{2, "Guest instructions per I/O", {}};
  bool any = false;
  for (const auto& p : r.paths) any |= p.instructions;
  if (r.insn_status == "not_attached") {
    s.blocks.push_back(text({"Not attached: " + r.insn_message + "."}));
    return s;
  }
  if (!any) {
    s.blocks.push_back(text({"Not measured (counted in the lab by the TCG plugin: scripts/bench.sh, or "
                             "nvme-qbench attach-windows REPORT WINDOWS)."}));
    return s;
  }
  s.blocks.push_back(text({"Counted by the lab's TCG plugin over each run's measured window, all guest code "
                           "(kernel and user apart) divided by the run's I/Os. Useful kernel work excludes kernel "
                           "polls that found nothing, for paths that mark their polls; '-' where polls are not "
                           "marked (their empty polls are inside the kernel count). " +
                           r.insn_message + "."}));
  Table t{{"path", "kernel/IO", "spread", "user/IO", "spread", "useful k/IO", "empty k/IO"}, {}};
  for (const auto& p : r.paths) {
    if (!p.instructions) {
      t.rows.push_back({p.path, "-", "-", "-", "-", "-", "-"});
      continue;
    }
    t.rows.push_back({p.path, fmt::format("{:.0f}", p.kinsn_per_io.median), format_percent(p.kinsn_per_io.spread),
                      fmt::format("{:.0f}", p.uinsn_per_io.median), format_percent(p.uinsn_per_io.spread),
                      p.empty_polls_separated ? fmt::format("{:.0f}", p.useful_kinsn_per_io.median) : "-",
                      p.empty_polls_separated ? fmt::format("{:.0f}", p.empty_kinsn_per_io.median) : "-"});
  }
  s.blocks.push_back(table(std::move(t)));
  return s;
}

// Where the MMIO figures come from, or that there are none.
std::string mmio_origin(const ReportData& r) {
  if (r.mmio_boot == "separate")
    return "MMIO writes come from a separate boot (" + r.mmio_source +
           ") whose TCG plugin counted every guest store to device memory (mmio=on); that memory callback slows "
           "the guest severalfold, so it ran apart and this report's instruction counts ran without it.";
  if (r.mmio_boot == "same")
    return "MMIO writes were counted in this report's own runs (the plugin's mmio=on): the memory callback on "
           "every guest store slowed the guest severalfold and shifted the instruction counts above; compare "
           "instruction counts from a boot without it.";
  return "MMIO writes not counted (scripts/bench.sh --mmio counts them in a boot of its own).";
}

Section mmio_section(const ReportData& r) {
  Section s{2, "MMIO writes and interrupts per I/O", {}};
  s.blocks.push_back(text(
      {mmio_origin(r) +
           " Doorbell writes are stores to the NVMe controller's doorbells (BAR0 from 0x1000); other writes are "
           "every other store to device memory, the local APIC's end-of-interrupt above all. Under a hypervisor "
           "each one is an exit.",
       "Interrupts are /proc/interrupts over each measured window: device counts the controller's queue vectors, "
       "all counts every line, timer ticks included (which follow wall-clock time). '-': no figure recorded."}));
  Table t{{"path", "doorbell/IO", "other MMIO/IO", "device irq/IO", "all irq/IO"}, {}};
  auto or_dash = [](bool have, const Summary& v) { return have ? fmt::format("{:.3f}", v.median) : "-"; };
  for (const auto& p : r.paths)
    t.rows.push_back({p.path, or_dash(p.mmio, p.mmio_doorbell_per_io), or_dash(p.mmio, p.mmio_other_per_io),
                      or_dash(p.device_interrupts_per_io.n > 0, p.device_interrupts_per_io),
                      or_dash(p.interrupts_per_io.n > 0, p.interrupts_per_io)});
  s.blocks.push_back(table(std::move(t)));
  return s;
}

}  // namespace

Section targets_section(const ReportData& r) {
  Section s{2, "Targets", {}};
  s.blocks.push_back(text({"The user-queue targets, computed from this report's own figures (medians over "
                           "rounds, side by side in one boot)."}));
  Table t{{"target", "measured", "status"}, {}};
  std::vector<std::string> details;
  int i = 1;
  for (const auto& g : evaluate_targets(r)) {
    t.rows.push_back({fmt::format("{}. {}", i, g.label), g.measured, target_status_name(g.status)});
    details.push_back(fmt::format("{}. {}, goal {}: {}{}", i, g.name, g.goal, g.verdict,
                                  g.note.empty() ? "." : ". " + g.note + "."));
    i++;
  }
  s.blocks.push_back(table(std::move(t)));
  s.blocks.push_back(text(std::move(details)));
  return s;
}

namespace {

Section notes_section(const ReportData& r) {
  Section s{2, "Notes", {}};
  std::vector<std::string> notes;
  std::string noisy;
  for (const auto& p : r.paths)
    if (p.iops.spread > noisy_spread) noisy += fmt::format("{}{} {}", noisy.empty() ? "" : ", ", p.path,
                                                           format_percent(p.iops.spread));
  if (!noisy.empty())
    notes.push_back(fmt::format("Noisy host: IOPS spread above {} on {}; differences smaller than the spread "
                                "are not results.",
                                format_percent(noisy_spread), noisy));
  if (!r.paths.empty() && r.paths.front().rounds < 2)
    notes.push_back("One round per path: the spread is unknown.");
  if (r.emulated)
    notes.push_back("Emulated controller: only ratios inside this report mean anything; absolute figures "
                    "swing between boots.");
  if (r.exit_code != 0) notes.push_back(fmt::format("The run exited {}: it saw I/O errors.", r.exit_code));
  if (r.partial) notes.push_back(r.partial_line());
  for (auto& line : r.interrupted_lines()) notes.push_back(std::move(line));
  if (notes.empty()) notes.push_back("None.");
  s.blocks.push_back(text(std::move(notes)));
  return s;
}

}  // namespace

Block text(std::vector<std::string> paragraphs) {
  Block b;
  b.kind = Block::Kind::text;
  b.lines = std::move(paragraphs);
  return b;
}

Block code(std::vector<std::string> lines) {
  Block b;
  b.kind = Block::Kind::code;
  b.lines = std::move(lines);
  return b;
}

Block fields(std::vector<std::pair<std::string, std::string>> f) {
  Block b;
  b.kind = Block::Kind::fields;
  b.fields = std::move(f);
  return b;
}

Block table(Table t) {
  Block b;
  b.kind = Block::Kind::table;
  b.table = std::move(t);
  return b;
}

std::string format_si(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.2f}K", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string format_percent(double fraction) { return fmt::format("{:.1f}%", fraction * 100); }

std::string format_metric(const MetricDef& m, double raw) {
  double v = raw * m.scale;
  std::string_view unit = m.unit;
  if (std::string_view(m.key) == "iops") return format_si(v);
  if (std::string_view(m.key) == "ios-per-cpu-s") return format_si(v);
  if (unit == "ns" || unit == "insn") return fmt::format("{:.0f}", v);
  if (unit == "us" || unit == "MiB/s") return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

Document build_document(const std::vector<ReportData>& reports) {
  Document d;
  for (const auto& r : reports) {
    std::vector<std::string> head{fmt::format("Report {} (schema version {}).", r.file, r.schema_version)};
    if (r.partial) head.insert(head.begin(), r.partial_line());
    d.sections.push_back(Section{1, fmt::format("nvme-qbench {}{} on {}, {}", r.command, r.partial ? " (PARTIAL)" : "",
                                                r.kernel_release, r.created_at),
                                 {text(std::move(head))}});
    d.sections.push_back(setup_section(r));
    d.sections.push_back(summary_section(r));
    if (const PathAggregate* base = r.find(r.baseline)) d.sections.push_back(ratio_section(r, *base));
    if (has_target_paths(r)) d.sections.push_back(targets_section(r));
    d.sections.push_back(cpu_section(r));
    d.sections.push_back(instructions_section(r));
    d.sections.push_back(mmio_section(r));
    d.sections.push_back(bound_section(r));
    for (const auto& p : r.paths) d.sections.push_back(path_section(r, p));
    d.sections.push_back(notes_section(r));
  }
  return d;
}

}  // namespace qb
