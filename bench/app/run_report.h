// The report a run or compare writes: its results mapped to the JSON
// document (reports/src/schema.h, reports/schema/), and the tables printed
// as the runs end. Only what one invocation measured is computed here (the
// comparison rows); what a report shows when read back (aggregates,
// ceiling, verdicts) is computed by the loader in reports/src/.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "device.h"
#include "environment.h"
#include "probe_report.h"
#include "result.h"
#include "runner.h"
#include "schema.h"
#include "stats.h"
#include "uq_window.h"
#include "workload.h"

namespace qb {


struct CompareRow {
  std::string path;
  Summary iops;
  Summary bw_bytes_s;
  Summary lat_p50_ns;
  Summary lat_p99_ns;
  double ratio_to_baseline = 0;  // median IOPS / baseline median IOPS
};

// per_path[i] holds path i's result of every round.
std::vector<CompareRow> compare_rows(const std::vector<std::vector<const PathResult*>>& per_path,
                                     const std::string& baseline);

struct ReportInput {
  std::string command;  // run or compare
  std::vector<std::string> argv;
  Environment env;
  DeviceInfo device;
  WorkloadOptions workload;
  struct Run {
    const PathResult* result;
    const PathInfo* path;
    unsigned round;
    const ProbeWindow* probes = nullptr;  // --probes: this run's window
    const UqRunInfo* user_queue = nullptr;  // uq paths: queue and kernel counters
    unsigned order_in_round = 1;  // place in its round, from 1
  };
  // A planned run that did not run (the compare was stopped first).
  struct NotRun {
    std::string path;
    unsigned round;
  };
  std::vector<Run> runs;
  // compare --ceiling: the runs that measure the device's ceiling and
  // their workload (depth and batches); not part of runs.
  std::vector<Run> ceiling_runs;
  std::optional<WorkloadOptions> ceiling_workload;
  std::vector<CompareRow> comparison;
  std::string baseline;
  unsigned rounds = 1;
  int exit_code = 0;
  bool partial = false;         // stopped before every planned run had run in full
  std::vector<NotRun> not_run;  // measured runs planned but never started
  nlohmann::json probes;  // --probes: mode, status and figures per path
};

nlohmann::json build_report(const ReportInput& in);

std::string format_progress(const std::string& path, const ProgressSample& p);
std::string format_run_table(const std::vector<ReportInput::Run>& runs);
std::string format_compare_table(const std::vector<CompareRow>& rows, const std::string& baseline,
                                 unsigned rounds);
std::string format_errors(const PathResult& r);
std::string format_inventory(const Inventory& inv);
// Whether each path can run on a namespace: the node it would open, or why
// not and what would enable it.
struct PathSupport {
  std::string path;
  std::string node;    // empty when the path cannot run
  std::string reason;  // why not, with what would enable it
};
std::vector<PathSupport> path_support(const NamespaceInfo& n);
// One line: the user queue a uq run used and the kernel's counters over it.
std::string format_uq_run(const std::string& path, const UqRunInfo& u);
nlohmann::json inventory_json(const Inventory& inv);

}  // namespace qb
