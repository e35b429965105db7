// The reproduction lines as document blocks, for the report's setup and for
// the mail: text, Markdown, HTML and the mail lay out the same blocks.
#include <fmt/format.h>

#include "report_document.h"
#include "reproduction.h"

namespace qb {

namespace {

// The notes of every path, each naming its path.
Block notes_block(const std::vector<Reproduction>& reps) {
  std::vector<std::string> notes;
  for (const auto& rep : reps)
    for (const auto& n : rep.notes) notes.push_back(rep.path + ": " + n);
  return text(std::move(notes));
}

bool any_notes(const std::vector<Reproduction>& reps) {
  for (const auto& rep : reps)
    if (!rep.notes.empty()) return true;
  return false;
}

bool any_user_queue(const ReportData& r) {
  for (const auto& p : r.paths)
    if (p.user_queue) return true;
  return false;
}

std::string bind_paragraph() {
  return fmt::format("User-queue lines preload {} (built with nvme-qbench; fio-jobs --preload names its real path), "
                     "which binds each queue to its namespace from {}=UQDEV=NGDEV[,...], as fio cannot.",
                     default_uq_bind_library, uq_bind_variable);
}

std::string job_file_names(const std::vector<Reproduction>& reps) {
  std::string names;
  for (const auto& rep : reps) names += (names.empty() ? "" : ", ") + fio_job_file_name(rep);
  return names;
}

}  // namespace

std::vector<Block> reproduction_blocks(const ReportData& r) {
  std::vector<Reproduction> reps = reproductions(r);
  std::vector<Block> blocks;
  blocks.push_back(text({fmt::format(
      "Reproduction: per path, the fio job and the fio t/io_uring line that run this workload on the node the path "
      "used. `nvme-qbench fio-jobs {}` writes the jobs as files with a run.sh that runs them all.",
      r.file)}));
  if (any_user_queue(r)) blocks.push_back(text({bind_paragraph()}));
  std::vector<std::string> lines;
  for (const auto& rep : reps) {
    if (!lines.empty()) lines.push_back("");
    lines.push_back("# " + rep.path);
    lines.push_back(fio_command(rep));
    if (std::string t = io_uring_command(rep); !t.empty()) lines.push_back(t);
  }
  blocks.push_back(code(std::move(lines)));
  if (any_notes(reps)) blocks.push_back(notes_block(reps));
  return blocks;
}

std::vector<Block> reproduction_mail_blocks(const ReportData& r) {
  std::vector<Reproduction> reps = reproductions(r);
  std::vector<Block> blocks;
  blocks.push_back(text({"The same workload with fio's t/io_uring, per path (fio's source tree):"}));
  std::vector<std::string> lines;
  for (const auto& rep : reps)
    if (std::string t = io_uring_command(rep); !t.empty()) {
      lines.push_back("# " + rep.path);
      lines.push_back(t);
    }
  if (!lines.empty()) blocks.push_back(code(std::move(lines)));
  blocks.push_back(text({fmt::format("With fio: `nvme-qbench fio-jobs {}` writes one job file per path ({}) and a "
                                     "run.sh that runs them all.",
                                     r.file, job_file_names(reps))}));
  if (any_user_queue(r)) blocks.push_back(text({bind_paragraph()}));
  if (any_notes(reps)) blocks.push_back(notes_block(reps));
  return blocks;
}

}  // namespace qb
