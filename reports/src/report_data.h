// A report read back from its JSON file, with every aggregate the renderers,
// diff and dashboard need computed once here (over rounds, with stats.h):
// per-path summaries, the device's ceiling and each path's and run's
// verdict. The renderers, diff and dashboard read ReportData, never the
// JSON document.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bound.h"
#include "result.h"
#include "schema.h"
#include "stats.h"

namespace qb {

struct SymbolShare {
  std::string symbol;
  double share = 0;  // fraction of the path's samples, averaged over rounds
};

// How a path ran, as its first run recorded it: what a reproduction with
// fio needs of it.
struct PathSetup {
  std::string node;                       // what it opened (thread 0's queue on user queues)
  std::vector<std::string> thread_nodes;  // each thread's own node; empty: every thread opened node
  std::string namespace_node;             // user queues: the /dev/ngXnY they were bound to; "" unknown
  bool passthrough = false;               // NVMe commands through IORING_OP_URING_CMD
  bool io_uring = true;                   // submits through io_uring
  bool user_space_wait = false;           // waits on the mapped CQ in user space
  unsigned iodepth = 0, submit_batch = 0, complete_batch = 0;  // as the path ran them (psync: depth 1)
};

struct PathAggregate {
  std::string path;
  PathSetup setup;
  // The path's traits as its runs recorded them: its engine family (psync,
  // block, ng, uq: uq is a user queue path) and whether it polls.
  std::string engine;
  bool user_queue = false;  // runs on a user queue (kernel-patch/)
  bool poll = false;
  unsigned rounds = 0;
  Summary iops, bw_bytes_s;
  // Latency. With histograms (schema version 2) a percentile's median is
  // that percentile of every round's I/Os pooled (the rounds' histograms
  // merged), its min and max the rounds' own; without (version 1) it is
  // the median of the rounds' percentiles.
  Summary lat_min_ns, lat_p50_ns, lat_p90_ns, lat_p99_ns, lat_p99_9_ns, lat_p99_99_ns, lat_max_ns;
  bool lat_merged = false;
  // Bound on a latency's error from stamping per batch, waits left out: the
  // largest over a run's I/Os, and their median and p99; n == 0: unknown.
  Summary stamp_error_ns, stamp_error_p50_ns, stamp_error_p99_ns;
  Summary ios_per_submit, ios_per_reap;
  Summary usr_ns_per_io, sys_ns_per_io, cpu_ns_per_io;
  Summary cpu_busy;          // CPU seconds / elapsed seconds / threads (thread CPU clock, or usr+sys in v1)
  Summary empty_reap_ratio;  // reap calls that found nothing / reap calls
  // From run.probes (nvme-qbench --probes); absent when not measured.
  bool probes = false;
  Summary useless_poll_ratio, block_calls_per_io;  // n == 0: nothing counted
  std::string poll_function;                       // whose useless ratio it is
  std::vector<SymbolShare> top_symbols;
  double ratio_to_baseline = 0;  // median IOPS / baseline median IOPS; 0 without a baseline
  uint64_t errors = 0;
  bool interrupted = false;  // a run of the path was cut short and left out
  std::vector<std::vector<double>> iops_series;  // one per round, IOPS each second
  Bound bound = Bound::undecided;
  std::string bound_reason;
  // Efficiency: I/Os per second of busy CPU (usr+sys of the I/O threads).
  Summary ios_per_cpu_s;
  // User queue paths: the kernel's poll counters (n == 0 elsewhere).
  Summary uq_empty_poll_share, uq_polls_per_io;
  // Guest instructions per I/O (runs[].instructions, the lab's TCG plugin);
  // n == 0 when not attached. useful = kernel minus marked empty polls.
  bool instructions = false;
  bool empty_polls_separated = false;  // every round marked its kernel polls
  Summary kinsn_per_io, uinsn_per_io, useful_kinsn_per_io, empty_kinsn_per_io, empty_polls_marked_per_io;
  Summary empty_poll_cpu_ns_per_io;  // CPU time in marked empty polls, by their share of instructions
  // --probes: calls per I/O of each available counted kernel function, over rounds.
  std::map<std::string, Summary> function_calls_per_io;
  // Schema version 2; n == 0 when not measured (or a version-1 report).
  Summary enters_per_io;  // io_uring_enter calls per I/O
  Summary irq_ns_per_io;  // the pinned CPU's irq + softirq time per I/O
  // Interrupts per I/O (runs[].interrupts): all of them, and the
  // controller's queue vectors; n == 0 when not recorded.
  Summary interrupts_per_io, device_interrupts_per_io;
  // MMIO stores per I/O (the top-level "mmio": the plugin's mmio=on, in
  // this boot or a separate one); mmio false when not counted.
  bool mmio = false;
  Summary mmio_doorbell_per_io, mmio_other_per_io;
  // Hardware counters (perf_event_open), when every run has them.
  bool hw_counters = false;
  std::string hw_scope;  // cpu or thread
  Summary cycles_per_io, hw_insn_per_io, hw_kinsn_per_io;
  // Little's law: IOPS x mean latency, the I/Os in flight on average, and
  // the depth the path was given (iodepth x threads).
  Summary in_flight;
  double depth = 0;
  // Each metric's value in every round (by metric key), for the diff's test.
  std::map<std::string, std::vector<double>, std::less<>> rounds_of;
  std::span<const double> round_values(std::string_view key) const;
};

// One run of the report, as the bound table shows it.
struct RunBound {
  std::string path;
  unsigned round = 0;
  unsigned order = 0;  // place in its round, from 1; 0: not recorded (version 1)
  double iops = 0, busy = 0, empty_poll_share = -1;
  double in_flight = -1;  // IOPS x mean latency; -1 unknown
  BoundVerdict verdict;
};

// The device's ceiling: the median IOPS of the ceiling runs (compare
// --ceiling) of the ceiling path whose median is highest, with their
// spread; not measured (iops 0) without ceiling runs.
struct CeilingInfo {
  double iops = 0;  // 0: not measured
  Summary runs;     // that path's ceiling runs' IOPS: median, min, max, spread
  std::string source;  // which runs set it
  bool confirmed = false;  // those runs were device-bound by busy or empty polls
  std::string evidence;
  std::string ceiling_runs;  // the ceiling runs' settings ("iodepth 256, batches 64/64"); empty without
  struct Candidate {
    std::string path;
    unsigned round = 0;
    double iops = 0, busy = 0, empty_poll_share = -1;
    bool ceiling_run = false;
  };
  std::vector<Candidate> candidates;  // every run: ceiling runs first
};

struct ReportData {
  std::string file;
  int schema_version = 0;
  std::string command;
  std::vector<std::string> argv;
  std::string created_at, tool_version, git_revision;
  std::string kernel_release, kernel_version, kernel_cmdline, hostname, machine, cpu_model;
  unsigned cpus_online = 0;
  std::vector<std::pair<std::string, std::string>> nvme_params;  // the ones that shape queues
  // device and queues
  std::string device_path, device_kind, device_model, device_firmware, device_transport, device_note;
  bool emulated = false;
  int lba_size = 0, hw_queues = -1, controller_queues = -1, nr_requests = -1;
  std::string poll_queues, write_queues, io_queue_depth;
  bool io_poll = false;
  // workload
  std::string rw;
  int bs = 0, iodepth = 0, submit_batch = 0, complete_batch = 0, threads = 1;
  bool fixed_buffers = false, registered_files = false, sqpoll = false, register_ring = false;
  std::vector<int> cpus;  // --cpus: thread t runs on cpus[t % size]; empty: not pinned
  double ramp_s = 0;
  uint64_t offset = 0, size = 0;  // the range the I/Os cover; size 0: to the device's end
  int rwmixread = 50;
  std::string ng_device;  // the namespace's /dev/ngXnY; "" without one
  double runtime_s = 0;
  uint64_t ios = 0;  // I/Os per run when runs end by count (runtime_s 0)
  std::string baseline;  // empty for a run report
  unsigned rounds = 1;
  int exit_code = 0;
  // Version 2: a report cut short (Ctrl-C) and the runs it lacks.
  bool partial = false;
  std::vector<std::pair<std::string, unsigned>> not_run;  // path, round
  std::string partial_line() const;  // "PARTIAL REPORT: ..."; empty when complete
  // Runs cut short (runs[].interrupted): left out of every aggregate, the
  // per-round values and the ceiling; path, round.
  std::vector<std::pair<std::string, unsigned>> interrupted_runs;
  std::vector<std::string> interrupted_lines() const;  // one per run, naming path and round
  // Version 2: the host settings that shape figures ("" when not recorded).
  std::string clocksource, cpu_governor, mitigations, irq_affinity, hw_counters_note;
  std::string irq_time_accounting;  // "on", "off", "unknown"; "" when not recorded
  bool run_order_recorded = false;  // runs carry order_in_round
  std::string cpu_clock;            // what busy time was read from
  std::vector<PathAggregate> paths;  // in the order the report lists them
  std::vector<RunBound> run_bounds;  // every run, in run order
  CeilingInfo ceiling;
  // Top-level "instructions": "" (never attached), "attached", "not_attached".
  std::string insn_status, insn_message;
  // Top-level "mmio": "" (MMIO not counted), "same" (this report's runs
  // counted it, under the memory callback), "separate" (a boot of its own,
  // mmio_source its report).
  std::string mmio_boot, mmio_source;

  const PathAggregate* find(const std::string& path) const;
  std::string workload_line() const;  // "randread bs=512 iodepth=128 ..."
};

// A metric every consumer names the same way: key on the command line and in
// the dashboard, label in tables, where it lives in PathAggregate.
// How a metric varies between rounds of one build, which decides the test
// diff holds a change of it to.
enum class MetricKind {
  // Follows timing: rates, latencies, CPU time, and counts of events whose
  // number depends on when completions arrive (polls, reaps, enters,
  // block-layer calls that include polls) or on stalls and frequency (the
  // hardware counters, whose instructions include spinning and interrupts).
  // Rounds swing between boots, so only a test over many rounds shows a
  // change.
  wall_clock,
  // The lab's instruction counter (TCG plugin): the same code path counts
  // the same instructions each boot, its rounds spread well under 1%, so
  // rounds lying apart show a change.
  counted,
};

struct MetricDef {
  const char* key;
  const char* label;
  bool higher_is_better;
  bool gated;    // diff checks it by default
  bool optional;  // measured only with --probes, the plugin or on user queues: n == 0 when absent
  double scale;  // multiply a Summary value by this for display
  const char* unit;
  Summary PathAggregate::*member;
  MetricKind kind;
};
std::span<const MetricDef> metric_defs();
const MetricDef* find_metric(std::string_view key);
std::string metric_keys();  // "iops, bw, ..."

Result<ReportData> load_report(const std::string& file);
// name is what messages call the document (its file name).
Result<ReportData> report_from_json(const nlohmann::json& doc, const std::string& name);

}  // namespace qb
