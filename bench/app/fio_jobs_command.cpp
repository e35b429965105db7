// fio-jobs: a report's workload as fio job files and a run.sh, written
// whole or not at all.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "commands.h"
#include "fio_job_set.h"
#include "report_data.h"

namespace qb {

namespace fs = std::filesystem;

namespace {

// A file written under a temporary name and renamed when complete, so a
// failure never leaves half a job file under its real name.
Result<void> write_whole(const fs::path& path, const GeneratedFile& file) {
  fs::path partial = path;
  partial += fmt::format(".partial-{}", getpid());
  bool ok;
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    ok = static_cast<bool>(out << file.content) && static_cast<bool>(out.flush());
  }
  ok = ok && chmod(partial.c_str(), file.executable ? 0755 : 0644) == 0;
  std::error_code ec;
  if (ok) fs::rename(partial, path, ec);
  if (!ok || ec) {
    fs::remove(partial, ec);
    return runtime_error(fmt::format("fio-jobs: cannot write {}", path.string()));
  }
  return Ok{};
}

Result<void> make_folder(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    return usage_error(fmt::format("fio-jobs -o {}: exists and is not a folder", dir));
  fs::create_directories(dir, ec);
  if (ec) return usage_error(fmt::format("fio-jobs -o {}: cannot create the folder: {}", dir, ec.message()));
  return Ok{};
}

// The bind library as the jobs will name it: absolute, since fio runs from
// wherever run.sh is started. Not given: the one built beside this binary
// (build/bench/uqbind/), else the placeholder.
Result<std::string> preload_path(const std::string& given) {
  std::error_code ec;
  if (given.empty()) {
    fs::path beside = fs::read_symlink("/proc/self/exe", ec).parent_path() / "uqbind" /
                      fs::path(default_uq_bind_library).filename();
    return !ec && fs::is_regular_file(beside, ec) ? beside.string() : std::string(default_uq_bind_library);
  }
  if (!fs::is_regular_file(given, ec))
    return usage_error(fmt::format("fio-jobs --preload {}: no such file (the user-queue bind library)", given));
  return fs::absolute(given, ec).string();
}

}  // namespace

Result<int> cmd_fio_jobs(const ReportOptions& o) {
  auto report = load_report(o.files.at(0));
  if (!report) return report.error();
  auto preload = preload_path(o.preload);
  if (!preload) return preload.error();
  std::string dir = o.output.empty() ? "." : o.output;
  if (auto made = make_folder(dir); !made) return made.error();
  for (const auto& file : fio_job_set(*report, ReproductionOptions{*preload})) {
    auto w = write_whole(fs::path(dir) / file.name, file);
    if (!w) return w.error();
    fmt::print("{}\n", (fs::path(dir) / file.name).string());
  }
  return exit_ok;
}

}  // namespace qb
