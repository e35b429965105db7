// What `nvme-qbench fio-jobs` writes for a report: one fio job file per
// path and a run.sh that runs them all, as names and contents; the command
// writes them.
#pragma once

#include <string>
#include <vector>

#include "report_data.h"
#include "reproduction.h"

namespace qb {

struct GeneratedFile {
  std::string name;  // inside the output folder
  std::string content;
  bool executable = false;
};

inline constexpr const char* fio_run_script = "run.sh";

std::vector<GeneratedFile> fio_job_set(const ReportData& r, const ReproductionOptions& opts);

}  // namespace qb
