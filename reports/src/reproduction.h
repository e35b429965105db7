// The fio jobs and fio t/io_uring lines that run a report's workload on
// each of its paths, so that figures can be checked against fio's on a
// real machine. Everything comes from the report: the workload fields and
// each path's recorded traits and nodes (PathSetup), never its name.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "report_data.h"

namespace qb {

// The library that binds a user queue to its namespace under fio
// (NVME_UQ_IOCTL_BIND), as the build places it; fio-jobs --preload names
// the real one.
inline constexpr const char* default_uq_bind_library = "build/bench/uqbind/libnvme-qbench-uqbind.so";
// Its configuration: comma-separated UQDEV=NGDEV pairs.
inline constexpr const char* uq_bind_variable = "NVME_QBENCH_UQ_BIND";

struct ReproductionOptions {
  std::string preload = default_uq_bind_library;
};

using Options = std::vector<std::pair<std::string, std::string>>;  // name, value

struct FioJob {
  std::string name;
  Options options;  // what sets this job apart: its node, and its CPU or numjobs
};

struct Reproduction {
  std::string path;
  Options environment;             // what fio and t/io_uring need set (user queues: the bind library)
  Options global;                  // the workload, shared by every job
  std::vector<FioJob> jobs;        // one per thread where each opens its own node, else one
  std::vector<std::string> io_uring_argv;  // t/io_uring, pinned with taskset; empty when none fits
  std::vector<std::string> notes;  // what the lines cannot reproduce, one line each
};

std::vector<Reproduction> reproductions(const ReportData& r, const ReproductionOptions& opts = {});

std::string shell_quote(const std::string& word);
std::string fio_job_file_name(const Reproduction& rep);  // "<path>.fio"
std::string fio_job_file(const Reproduction& rep);       // the job file's text
// One shell line: the environment, then fio with every job on its command
// line (options before the first --name are fio's global section).
std::string fio_command(const Reproduction& rep);
// "NAME=value ..." with a trailing space, what a command line starts with.
std::string environment_prefix(const Reproduction& rep);
// One shell line: the environment, then t/io_uring; "" when none fits.
std::string io_uring_command(const Reproduction& rep);

}  // namespace qb
