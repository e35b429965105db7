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
  bool counted_only = false;       // diff
  std::string dir;                 // dashboard
  std::string preload;             // fio-jobs: the user-queue bind library
};

struct CliOptions {
  std::string command;  // run, compare, list
  WorkloadOptions w;
  std::string rw = "randread";
  // --bs, --offset and --size go to w as bytes; --cpus as given, one CPU or
  // range a-b per item (validate_options expands them into w.cpus).
  std::vector<std::string> cpus;
  double runtime_s = -1;  // -1: not given
  std::string device;
  std::string ng_device;
  std::string uq_device;
  std::string path;                // run
  std::vector<std::string> paths;  // compare
  std::string baseline;
  unsigned rounds = 3;
  std::vector<std::string> ceiling;  // compare --ceiling: paths run to measure the device's ceiling
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
// One of names (CLI::IsMember), or a message naming the value, what kind
// of thing it should be, and every accepted one.
CLI::Validator one_of(std::vector<std::string> names, std::string kind);
// What went wrong in app.parse, in one line naming the subcommand whose
// --help to read.
std::string usage_message(const CLI::App& app, const CLI::ParseError& e);
// The report, diff and dashboard subcommands (report_cli.cpp).
void add_report_commands(CLI::App& app, ReportOptions& o, std::string& command);

// Checks that need no device; fills o.w from the option strings.
Result<void> validate_options(CliOptions& o);
// Checks against the target: bs and offset alignment, range inside it.
Result<void> validate_for_device(CliOptions& o, const DeviceInfo& dev);
// The paths named by --path or --paths, in order.
Result<std::vector<const PathInfo*>> selected_paths(const CliOptions& o);
// The paths of these names, in order; opt names the option in messages.
Result<std::vector<const PathInfo*>> find_paths(const std::vector<std::string>& names, std::string_view opt);
// The workload of the --ceiling runs: the given one with their depth and batches.
WorkloadOptions ceiling_workload(const CliOptions& o);

}  // namespace qb
