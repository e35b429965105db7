// JSON for CI: what the other formats conclude from a report, as data: the
// device's ceiling, the verdict of every path and run, the efficiency,
// instruction, MMIO and interrupt figures, and the targets. The report itself stays the source.
#include <nlohmann/json.hpp>

#include "schema.h"
#include "reporter.h"
#include "targets.h"

namespace qb {

namespace {

using nlohmann::json;

json optional_summary(const Summary& s) { return s.n ? summary_json(s) : json(nullptr); }

// A path's aggregates and verdict.
json path_json(const PathAggregate& p) {
  return json{{"path", p.path},
                         {"poll", p.poll},
                         {"rounds", p.rounds},
                         {"iops", summary_json(p.iops)},
                         {"cpu_busy", summary_json(p.cpu_busy)},
                         {"cpu_ns_per_io", summary_json(p.cpu_ns_per_io)},
                         {"ios_per_cpu_s", summary_json(p.ios_per_cpu_s)},
                         {"uq_empty_poll_share", optional_summary(p.uq_empty_poll_share)},
                         {"kernel_insn_per_io", optional_summary(p.kinsn_per_io)},
                         {"user_insn_per_io", optional_summary(p.uinsn_per_io)},
                         {"useful_kernel_insn_per_io", optional_summary(p.useful_kinsn_per_io)},
                         {"empty_poll_kernel_insn_per_io", optional_summary(p.empty_kinsn_per_io)},
                         {"empty_poll_cpu_ns_per_io", optional_summary(p.empty_poll_cpu_ns_per_io)},
                         {"latency_from_merged_histograms", p.lat_merged},
                         {"lat_p99_ns", summary_json(p.lat_p99_ns)},
                         {"in_flight", optional_summary(p.in_flight)},
                         {"depth", p.depth},
                         {"enters_per_io", optional_summary(p.enters_per_io)},
                         {"irq_ns_per_io", optional_summary(p.irq_ns_per_io)},
                         {"interrupts_per_io", optional_summary(p.interrupts_per_io)},
                         {"device_interrupts_per_io", optional_summary(p.device_interrupts_per_io)},
                         {"mmio_doorbell_per_io", p.mmio ? summary_json(p.mmio_doorbell_per_io) : json(nullptr)},
                         {"mmio_other_per_io", p.mmio ? summary_json(p.mmio_other_per_io) : json(nullptr)},
                         {"cycles_per_io", optional_summary(p.cycles_per_io)},
                         {"hw_instructions_per_io", optional_summary(p.hw_insn_per_io)},
                         {"hw_kernel_instructions_per_io", optional_summary(p.hw_kinsn_per_io)},
                         {"bound", bound_name(p.bound)},
                         {"bound_reason", p.bound_reason}};
}

// A run's figures and verdict.
json run_bound_json(const RunBound& b) {
  return json{{"path", b.path},
                        {"round", b.round},
                        {"order_in_round", b.order ? json(b.order) : json(nullptr)},
                        {"in_flight", b.in_flight >= 0 ? json(b.in_flight) : json(nullptr)},
                        {"iops", b.iops},
                        {"busy", b.busy},
                        {"empty_poll_share", b.empty_poll_share >= 0 ? json(b.empty_poll_share) : json(nullptr)},
                        {"bound", bound_name(b.verdict.bound)},
                        {"bound_reason", b.verdict.reason}};
}

json target_json(const TargetResult& t) {
  return json{{"target", t.name},
              {"goal", t.goal},
              {"measured", t.measured},
              {"status", target_status_name(t.status)},
              {"verdict", t.verdict},
              {"note", t.note}};
}

json ceiling_json(const CeilingInfo& c) {
  return json{{"iops", c.iops},
              {"runs", c.runs.n ? summary_json(c.runs) : json(nullptr)},
              {"source", c.source},
              {"confirmed", c.confirmed},
              {"evidence", c.evidence}};
}

json analysis(const ReportData& r) {
  json paths = json::array(), runs = json::array(), targets = json::array();
  for (const auto& p : r.paths) paths.push_back(path_json(p));
  for (const auto& b : r.run_bounds) runs.push_back(run_bound_json(b));
  for (const auto& t : evaluate_targets(r)) targets.push_back(target_json(t));
  json not_run = json::array();
  for (const auto& [path, round] : r.not_run) not_run.push_back(json{{"path", path}, {"round", round}});
  return json{{"file", r.file},
              {"schema_version", r.schema_version},
              {"partial", r.partial},
              {"partial_note", r.partial ? json(r.partial_line()) : json(nullptr)},
              {"not_run", not_run},
              {"ceiling", ceiling_json(r.ceiling)},
              {"bound_rule", bound_rule()},
              {"instructions", r.insn_status.empty() ? json(nullptr)
                                                     : json{{"status", r.insn_status}, {"message", r.insn_message}}},
              {"mmio", r.mmio_boot.empty() ? json(nullptr) : json{{"boot", r.mmio_boot}, {"source", r.mmio_source}}},
              {"paths", paths},
              {"runs", runs},
              {"targets", targets}};
}

class JsonReporter final : public Reporter {
 public:
  Result<std::string> render(const std::vector<ReportData>& reports, const RenderOptions&) const override {
    json out{{"analysis_of", "nvme-qbench report"}, {"reports", json::array()}};
    for (const auto& r : reports) out["reports"].push_back(analysis(r));
    return out.dump(2) + "\n";
  }
};

}  // namespace

std::unique_ptr<Reporter> make_json_reporter() { return std::make_unique<JsonReporter>(); }

}  // namespace qb
