// The subcommands: run, compare, list; report, diff, dashboard. Each
// returns the exit status or an error for main to print.
#pragma once

#include <string>
#include <vector>

#include "cli.h"
#include "result.h"

namespace qb {

inline constexpr int exit_ok = 0;
inline constexpr int exit_io_errors = 1;  // the run finished but saw I/O errors or verify mismatches
inline constexpr int exit_usage = 2;      // invalid option or unsupported setup; nothing was written
inline constexpr int exit_regression = 1;  // diff: a metric regressed
inline constexpr int exit_inconclusive = 3;  // diff: no regression, but a worse metric could not be tested
inline constexpr int exit_not_attached = 1;  // attach-windows, attach-mmio: nothing attached

Result<int> cmd_run_or_compare(CliOptions& o, const std::vector<std::string>& argv);
Result<int> cmd_list(const CliOptions& o);
// report_commands.cpp
Result<int> cmd_report(const ReportOptions& o);
Result<int> cmd_diff(const ReportOptions& o);
Result<int> cmd_dashboard(const ReportOptions& o);
Result<int> cmd_attach_windows(const ReportOptions& o);
Result<int> cmd_attach_mmio(const ReportOptions& o);
// fio_jobs_command.cpp
Result<int> cmd_fio_jobs(const ReportOptions& o);

}  // namespace qb
