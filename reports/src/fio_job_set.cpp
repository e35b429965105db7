#include "fio_job_set.h"

#include <fmt/format.h>

namespace qb {

namespace {

// One line per path: its environment, fio on its job file, JSON output
// next to it; a failure is counted, not fatal, so one path's failure
// leaves the others' results.
std::string run_line(const Reproduction& rep) {
  return fmt::format("{}fio --output-format=json --output=\"$dir/{}.json\" \"$dir/{}\" || {{ echo '{}: fio failed' "
                     ">&2; failed=1; }}\n",
                     environment_prefix(rep), rep.path, fio_job_file_name(rep), rep.path);
}

std::string run_script(const ReportData& r, const std::vector<Reproduction>& reps) {
  std::string s = fmt::format(
      "#!/bin/sh\n"
      "# Runs the fio jobs nvme-qbench fio-jobs wrote for {}, one per path,\n"
      "# each with the environment it needs; exits 1 if any fio run failed.\n"
      "dir=$(dirname \"$0\")\n"
      "failed=0\n",
      r.file);
  for (const auto& rep : reps) s += run_line(rep);
  return s + "exit $failed\n";
}

}  // namespace

std::vector<GeneratedFile> fio_job_set(const ReportData& r, const ReproductionOptions& opts) {
  std::vector<Reproduction> reps = reproductions(r, opts);
  std::vector<GeneratedFile> files;
  for (const auto& rep : reps) files.push_back(GeneratedFile{fio_job_file_name(rep), fio_job_file(rep), false});
  files.push_back(GeneratedFile{fio_run_script, run_script(r, reps), true});
  return files;
}

}  // namespace qb
