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

struct PathAggregate {
  std::string path;
  // The path's traits as its runs recorded them: its engine family (psync,
  // block, ng, uq: uq is a user queue path) and whether it polls.
  std::string engine;
  bool poll = false;
  unsigned rounds = 0;
  Summary iops, bw_bytes_s;
  Summary lat_min_ns, lat_p50_ns, lat_p90_ns, lat_p99_ns, lat_p99_9_ns, lat_p99_99_ns, lat_max_ns;
  Summary ios_per_submit, ios_per_reap;
  Summary usr_ns_per_io, sys_ns_per_io, cpu_ns_per_io;
  Summary cpu_busy;          // CPU seconds (usr+sys) / elapsed seconds / threads
  Summary empty_reap_ratio;  // reap calls that found nothing / reap calls
  // From run.probes (nvme-qbench --probes); absent when not measured.
  bool probes = false;
  Summary useless_poll_ratio, block_calls_per_io;  // n == 0: nothing counted
  std::string poll_function;                       // whose useless ratio it is
  std::vector<SymbolShare> top_symbols;
  double ratio_to_baseline = 0;  // median IOPS / baseline median IOPS; 0 without a baseline
  uint64_t errors = 0;
  bool interrupted = false;
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
};

// One run of the report, as the bound table shows it.
struct RunBound {
  std::string path;
  unsigned round = 0;
  double iops = 0, busy = 0, empty_poll_share = -1;
  BoundVerdict verdict;
};

// The emulated device's ceiling: the highest IOPS of any run in the report,
// measured path or ceiling run (compare --ceiling).
struct CeilingInfo {
  double iops = 0;  // 0: no I/O at all
  std::string source;  // which run set it
  bool confirmed = false;  // that run was device-bound by busy or empty polls
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
  bool fixed_buffers = false, registered_files = false, sqpoll = false;
  double runtime_s = 0;
  uint64_t ios = 0;  // I/Os per run when runs end by count (runtime_s 0)
  std::string baseline;  // empty for a run report
  unsigned rounds = 1;
  int exit_code = 0;
  std::vector<PathAggregate> paths;  // in the order the report lists them
  std::vector<RunBound> run_bounds;  // every run, in run order
  CeilingInfo ceiling;
  // Top-level "instructions": "" (never attached), "attached", "not_attached".
  std::string insn_status, insn_message;

  const PathAggregate* find(const std::string& path) const;
  std::string workload_line() const;  // "randread bs=512 iodepth=128 ..."
};

// A metric every consumer names the same way: key on the command line and in
// the dashboard, label in tables, where it lives in PathAggregate.
struct MetricDef {
  const char* key;
  const char* label;
  bool higher_is_better;
  bool gated;    // diff checks it by default
  bool optional;  // measured only with --probes, the plugin or on user queues: n == 0 when absent
  double scale;  // multiply a Summary value by this for display
  const char* unit;
  Summary PathAggregate::*member;
};
std::span<const MetricDef> metric_defs();
const MetricDef* find_metric(std::string_view key);
std::string metric_keys();  // "iops, bw, ..."

Result<ReportData> load_report(const std::string& file);
// name is what messages call the document (its file name).
Result<ReportData> report_from_json(const nlohmann::json& doc, const std::string& name);

}  // namespace qb
