// Command line: subcommands, options and their validation. Every problem is
// one line naming the option and what would work; main maps it to exit 2.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "device.h"
#include "engine_factory.h"
#include "result.h"
#include "workload.h"

namespace qb {

// Options of the commands that read reports rather than run I/O.
struct ReportOptions {
  std::vector<std::string> files;  // report: reports; diff: BASE NEW
  std::string format = "text";
  std::string output;              // -o; empty: stdout
  std::string chart_js;
  std::vector<std::string> thresholds;
  std::string dir;                 // dashboard
};

struct CliOptions {
  std::string command;  // run, compare, list
  WorkloadOptions w;
  std::string rw = "randread";
  std::string bs = "4k";
  std::string offset = "0";
  std::string size = "0";
  std::string cpus;
  double runtime_s = -1;  // -1: not given
  std::string device;
  std::string ng_device;
  std::string uq_device;
  std::string path;   // run
  std::string paths;  // compare
  std::string baseline;
  unsigned rounds = 3;
  std::string ceiling;            // compare --ceiling: paths run to measure the device's ceiling
  unsigned ceiling_iodepth = 0;   // 0: the workload's
  unsigned ceiling_batch = 0;
  std::string json;
  bool allow_destructive = false;
  bool quiet = false;
  std::string progress = "off";  // --progress: auto, tty, run, second or off
  std::string probes;       // "": off, "auto" (--probes) or "required"
  bool probe_cost = false;  // also run every path without probes, side by side
  bool probes_verbose = false;
  ReportOptions report;  // report, diff, dashboard
};

void build_cli(CLI::App& app, CliOptions& o);
// The report, diff and dashboard subcommands (report_cli.cpp).
void add_report_commands(CLI::App& app, ReportOptions& o, std::string& command);

// Checks that need no device; fills o.w from the option strings.
Result<void> validate_options(CliOptions& o);
// Checks against the target: bs and offset alignment, range inside it.
Result<void> validate_for_device(CliOptions& o, const DeviceInfo& dev);
// The paths named by --path or --paths, in order.
Result<std::vector<const PathInfo*>> selected_paths(const CliOptions& o);
// A comma list of path names; opt names the option in messages.
Result<std::vector<const PathInfo*>> parse_path_list(std::string_view list, std::string_view opt);
// The workload of the --ceiling runs: the given one with their depth and batches.
WorkloadOptions ceiling_workload(const CliOptions& o);

Result<uint64_t> parse_size(std::string_view text, std::string_view option);
Result<std::vector<int>> parse_cpu_list(std::string_view text);

}  // namespace qb
