// The body of a mail to a kernel list: what was compared and what came
// out, the conditions, the ratios and targets as the report computes them,
// and how to run the same workload. Built of the report's own sections, so
// the mail never says anything the report does not.
#include <fmt/format.h>

#include <algorithm>

#include "report_document.h"
#include "targets.h"

namespace qb {

namespace {

std::string path_list(const ReportData& r) {
  std::string s;
  for (const auto& p : r.paths) s += (s.empty() ? "" : ", ") + p.path;
  return s;
}

std::string where_it_ran(const ReportData& r) {
  return r.emulated ? "in the lab (an emulated controller under QEMU)" : "on a real machine";
}

// The paths with the lowest and highest IOPS against the baseline.
std::string ratio_range(const ReportData& r) {
  const PathAggregate* base = r.find(r.baseline);
  if (!base) return "";
  const PathAggregate *low = nullptr, *high = nullptr;
  for (const auto& p : r.paths) {
    if (&p == base || p.ratio_to_baseline <= 0) continue;
    if (!low || p.ratio_to_baseline < low->ratio_to_baseline) low = &p;
    if (!high || p.ratio_to_baseline > high->ratio_to_baseline) high = &p;
  }
  if (!low) return "";
  return fmt::format(" Against {}, IOPS ranged from {:.3f}x ({}) to {:.3f}x ({}).", base->path,
                     low->ratio_to_baseline, low->path, high->ratio_to_baseline, high->path);
}

std::string target_count(const ReportData& r) {
  if (!has_target_paths(r)) return "";
  int met = 0, missed = 0, other = 0;
  for (const auto& t : evaluate_targets(r)) {
    if (t.status == TargetStatus::met) met++;
    else if (t.status == TargetStatus::missed) missed++;
    else other++;
  }
  return fmt::format(" Of the user-queue targets, {} met, {} missed, {} not measured or not a target here.", met,
                     missed, other);
}

Section summary(const ReportData& r) {
  Section s{2, "Summary", {}};
  s.blocks.push_back(text({fmt::format("nvme-qbench {} ran {} on Linux {} {}: {}, {}.{}{}", r.command,
                                       path_list(r), r.kernel_release, where_it_ran(r), workload_field(r),
                                       rounds_line(r), ratio_range(r), target_count(r))}));
  if (r.partial) s.blocks.push_back(text({r.partial_line()}));
  return s;
}

double largest_spread(const ReportData& r) {
  double spread = 0;
  for (const auto& p : r.paths) spread = std::max(spread, p.iops.spread);
  return spread;
}

std::string caveat(const ReportData& r) {
  std::string spread = fmt::format("IOPS spread over rounds up to {}.", format_percent(largest_spread(r)));
  if (r.emulated)
    return "Lab figures: the controller is emulated, and wall-clock figures (IOPS, latency, CPU time) swing with "
           "the host's load between boots and rounds. Compare paths within this report, never across reports; "
           "instruction counts are the steadier measure. " +
           spread;
  return "Wall-clock figures swing with the machine's load; paths ran interleaved in one boot. " + spread;
}

Section conditions(const ReportData& r) {
  Section s{2, "Conditions", {}};
  s.blocks.push_back(fields({
      {"kernel", kernel_line(r)},
      {"machine", fmt::format("{}, {}, {} CPUs online", where_it_ran(r), r.cpu_model, r.cpus_online)},
      {"device", device_line(r)},
      {"workload", workload_field(r)},
      {"rounds", rounds_line(r)},
      {"tool", fmt::format("nvme-qbench {} (git {})", r.tool_version, r.git_revision)},
  }));
  s.blocks.push_back(text({caveat(r)}));
  return s;
}

Section reproduction(const ReportData& r) {
  Section s{2, "Reproducing", {}};
  s.blocks = reproduction_mail_blocks(r);
  return s;
}

}  // namespace

Document build_email_document(const std::vector<ReportData>& reports) {
  Document d;
  for (const auto& r : reports) {
    d.sections.push_back(summary(r));
    d.sections.push_back(conditions(r));
    if (const PathAggregate* base = r.find(r.baseline)) d.sections.push_back(ratio_section(r, *base));
    if (has_target_paths(r)) d.sections.push_back(targets_section(r));
    d.sections.push_back(reproduction(r));
  }
  return d;
}

}  // namespace qb
