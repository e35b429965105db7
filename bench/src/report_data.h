// A report read back from its JSON file, with every aggregate the renderers,
// diff and dashboard need computed once here (over rounds, with stats.h).
// Nothing downstream reads the JSON document itself.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "result.h"
#include "stats.h"

namespace qb {

// Versions this build reads; any other is rejected with a message naming it.
inline constexpr int readable_schema_versions[] = {1};

enum class Bound { cpu, device, undecided };
const char* bound_name(Bound b);

struct SymbolShare {
  std::string symbol;
  double share = 0;  // fraction of the path's samples, averaged over rounds
};

struct PathAggregate {
  std::string path;
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
  bool probes;   // measured only with --probes
  double scale;  // multiply a Summary value by this for display
  const char* unit;
  Summary PathAggregate::*member;
};
std::span<const MetricDef> metric_defs();
const MetricDef* find_metric(std::string_view key);
std::string metric_keys();  // "iops, bw, ..."

// How Bound is decided, stated in every report that shows it.
const char* bound_rule();

Result<ReportData> load_report(const std::string& file);
// name is what messages call the document (its file name).
Result<ReportData> report_from_json(const nlohmann::json& doc, const std::string& name);

}  // namespace qb
