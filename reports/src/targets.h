// The targets of the headline comparison (user queues vs today's paths),
// evaluated from one report's own figures. Pure: ReportData in, verdicts out.
#pragma once

#include <string>
#include <vector>

#include "report_data.h"

namespace qb {

// not_a_target: measured and shown, but not a target on this machine
// (I/Os per busy CPU second without hardware counters).
enum class TargetStatus { met, missed, not_measured, not_a_target };
const char* target_status_name(TargetStatus s);

struct TargetResult {
  std::string name;      // what is compared, in words
  std::string goal;      // the target, with the figures it is computed from
  std::string measured;  // the value measured in this report
  TargetStatus status = TargetStatus::not_measured;
  std::string verdict;   // "met by 12%", "missed by 23%: ...", or why not measured
  std::string note;      // what else the reader needs (empty polls, spread)
  std::string label;     // short, for tables
};

// The limits, from the issue that set them.
struct TargetLimits {
  // uq-poll-check, I/Os per busy CPU second: a target only where the runs
  // carry hardware counters (busy time under TCG includes device emulation)
  double cpu_efficiency_vs_ng_poll = 2.0;
  double cpu_efficiency_vs_block_poll = 2.5;
  double kinsn_uq_irq_divisor = 2.0;          // uq-irq kernel instr/IO <= ng-irq / 2
  double kinsn_uq_poll_check_divisor = 2.5;   // uq-poll-check useful kernel instr/IO <= ng-irq / 2.5
  double empty_poll_share = 0.05;             // uq-poll-check kernel polls that found nothing
  double doorbell_mmio_per_io = 1.0 / 16;     // uq paths: doorbell MMIO writes per I/O
};

// Functions a user-queue path must never call (--probes counts them).
const std::vector<std::string>& block_layer_functions();

std::vector<TargetResult> evaluate_targets(const ReportData& r, const TargetLimits& lim = {});

// Whether the report has anything the targets compare (a user-queue path).
bool has_target_paths(const ReportData& r);

}  // namespace qb
