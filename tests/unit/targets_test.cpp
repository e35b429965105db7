// The user-queue targets, computed from a report: met, missed by how much,
// or not measured and why.
#include "targets.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "insn_windows.h"
#include "report_document.h"
#include "report_test_util.h"
#include "reporter.h"

namespace qb {
namespace {

using nlohmann::json;

// The lab fixture plus uq-irq (ng-irq's runs) and uq-poll-check (ng-poll's
// runs at cpu_factor of the CPU time, with the user queue's counters).
// hw: the version-2 fixture with hardware counters on every run, as a
// machine with a PMU records them (cycles per I/O from the CPU time at
// 3 GHz); else the version-1 lab fixture, which has none.
json with_uq_paths(double cpu_factor, uint64_t polls, uint64_t empty_polls, bool hw = true) {
  json doc = hw ? test::lab_report_v2_json() : test::lab_report_json();
  json extra = json::array();
  for (const auto& r : doc["runs"]) {
    if (r["path"] == "ng-irq") {
      json u = r;
      u["path"] = "uq-irq";
      u["engine"] = "uq";
      extra.push_back(u);
    } else if (r["path"] == "ng-poll") {
      json u = r;
      u["path"] = "uq-poll-check";
      u["engine"] = "uq";
      for (auto& t : u["threads"]) {
        t["usr_s"] = t["usr_s"].get<double>() * cpu_factor;
        t["sys_s"] = t["sys_s"].get<double>() * cpu_factor;
        if (t.contains("cpu_ns")) t["cpu_ns"] = static_cast<int64_t>(t["cpu_ns"].get<double>() * cpu_factor);
      }
      u["user_queue"] = json{{"node", "/dev/nvme0uq1"}, {"name", "nvme0uq1"}, {"qid", 4}, {"type", "poll"},
                             {"depth", 1024},
                             {"counters", {{"submitted", u["ios"]}, {"completed", u["ios"]}, {"polls", polls},
                                           {"empty_polls", empty_polls}}},
                             {"empty_poll_share", static_cast<double>(empty_polls) / static_cast<double>(polls)},
                             {"counters_error", nullptr}};
      extra.push_back(u);
    }
  }
  for (auto& u : extra) doc["runs"].push_back(u);
  if (hw)
    for (auto& r : doc["runs"]) {
      double ios = r["ios"].get<double>(), cpu_ns = 0;
      for (const auto& t : r["threads"]) cpu_ns += t["cpu_ns"].get<double>();
      double cycles = cpu_ns * 3;  // 3 GHz
      r["hw_counters"] = json{{"scope", "thread"},
                              {"cycles_user", static_cast<uint64_t>(cycles * 0.2)},
                              {"cycles_kernel", static_cast<uint64_t>(cycles * 0.8)},
                              {"instructions_user", static_cast<uint64_t>(cycles * 0.3)},
                              {"instructions_kernel", static_cast<uint64_t>(cycles)},
                              {"cycles_per_io", cycles / ios},
                              {"instructions_per_io", cycles * 1.3 / ios},
                              {"kernel_instructions_per_io", cycles / ios}};
    }
  return doc;
}

// Kernel instructions per I/O by path (useful and empty for uq-poll-check).
void attach(json& doc, double ng_irq, double uq_irq, double uq_check_useful, double uq_check_empty) {
  std::string text;
  unsigned i = 1;
  for (const auto& r : doc["runs"]) {
    double ios = r["ios"].get<double>();
    std::string p = r["path"];
    double k = p == "ng-irq" ? ng_irq : p == "uq-irq" ? uq_irq : p == "uq-poll-check" ? uq_check_useful + uq_check_empty : 5000;
    double e = p == "uq-poll-check" ? uq_check_empty : 0;
    text += fmt::format("window={} kernel={:.0f} user={:.0f} polls={} empty_polls={} empty_kernel={:.0f} empty_user=0\n", i++,
                        k * ios, 100 * ios, e > 0 ? 1000 : 0, e > 0 ? 500 : 0, e * ios);
  }
  auto f = parse_insn_windows(text);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(attach_insn_windows(doc, *f, "w").attached);
}

std::vector<TargetResult> targets_of(const json& doc) {
  auto d = report_from_json(doc, "x.json");
  EXPECT_TRUE(d.ok()) << d.error().message;
  return evaluate_targets(*d);
}

TEST(Targets, AllMetWhenTheFiguresAreThere) {
  json doc = with_uq_paths(0.4, 1000, 20);
  attach(doc, 3400, 1600, 1200, 800);
  auto t = targets_of(doc);
  ASSERT_EQ(t.size(), 8u);
  for (size_t i = 0; i < 5; i++) EXPECT_EQ(t[i].status, TargetStatus::met) << t[i].name << ": " << t[i].verdict;
  EXPECT_NE(t[0].measured.find("2.50x"), std::string::npos) << t[0].measured;
  // Useful work excludes the empty polls, which are reported.
  EXPECT_EQ(t[3].measured, "1200");
  EXPECT_NE(t[3].note.find("empty polls excluded"), std::string::npos) << t[3].note;
  EXPECT_NE(t[3].note.find("800 kernel instr/IO (2000 in all)"), std::string::npos) << t[3].note;
  EXPECT_EQ(t[4].measured, "2.0%");
  // No probes: the block-layer target is not measured, and says how to measure it.
  EXPECT_EQ(t[5].status, TargetStatus::not_measured);
  EXPECT_NE(t[5].verdict.find("--probes"), std::string::npos);
  EXPECT_EQ(test::validate_report(doc), 0);
}

TEST(Targets, SayByHowMuchATargetIsMissed) {
  json doc = with_uq_paths(0.8, 1000, 870);
  attach(doc, 3400, 2200, 1500, 800);
  auto t = targets_of(doc);
  // 1.25x of the 2x asked: missed by 37.5%.
  EXPECT_EQ(t[0].status, TargetStatus::missed);
  EXPECT_NE(t[0].verdict.find("missed by 38% (1.25x of the 2.00x asked)"), std::string::npos) << t[0].verdict;
  // 2200 against 3400 / 2 = 1700.
  EXPECT_EQ(t[2].status, TargetStatus::missed);
  EXPECT_NE(t[2].verdict.find("missed by 29% (500 instr/IO over the limit of 1700)"), std::string::npos) << t[2].verdict;
  EXPECT_NE(t[2].goal.find("ng-irq 3400 / 2.0"), std::string::npos) << t[2].goal;
  // 1500 against 3400 / 2.5 = 1360.
  EXPECT_EQ(t[3].status, TargetStatus::missed);
  EXPECT_EQ(t[4].status, TargetStatus::missed);
  EXPECT_NE(t[4].verdict.find("missed by 82.0 points"), std::string::npos) << t[4].verdict;
}

// In the lab (no hardware counters) I/Os per busy CPU second is measured
// and shown, but it is not a target: busy time under TCG includes the
// vCPU's wait inside doorbell writes and uq-poll-check's spinning.
TEST(Targets, BusyCpuIsNotATargetWithoutHardwareCounters) {
  json doc = with_uq_paths(0.4, 1000, 20, false);
  attach(doc, 3400, 1600, 1200, 800);
  auto t = targets_of(doc);
  for (size_t i = 0; i < 2; i++) {
    EXPECT_EQ(t[i].status, TargetStatus::not_a_target) << t[i].name;
    EXPECT_NE(t[i].measured.find(i == 0 ? "2.50x" : "3.50x"), std::string::npos) << t[i].measured;
    EXPECT_NE(t[i].verdict.find("hardware counters"), std::string::npos) << t[i].verdict;
    EXPECT_NE(t[i].verdict.find("doorbell"), std::string::npos) << t[i].verdict;
  }
  EXPECT_STREQ(target_status_name(t[0].status), "not a target here");
  // The lab's targets are instruction counts.
  EXPECT_EQ(t[2].status, TargetStatus::met);
  EXPECT_EQ(t[3].status, TargetStatus::met);
}

TEST(Targets, NotMeasuredWithoutThePathsOrTheCounts) {
  auto t = targets_of(test::lab_report_json());
  for (const auto& g : t) EXPECT_EQ(g.status, TargetStatus::not_measured) << g.name;
  EXPECT_NE(t[0].verdict.find("not in this report: uq-poll-check"), std::string::npos) << t[0].verdict;
  json doc = with_uq_paths(0.4, 1000, 20);
  t = targets_of(doc);
  EXPECT_EQ(t[0].status, TargetStatus::met);
  EXPECT_EQ(t[2].status, TargetStatus::not_measured);
  EXPECT_NE(t[2].verdict.find("TCG plugin"), std::string::npos) << t[2].verdict;
}

TEST(Targets, BlockLayerCallsOnUserQueuesFromTheProbes) {
  auto probed = [](double start_request_per_io) {
    json doc = with_uq_paths(0.4, 1000, 20);
    for (auto& r : doc["runs"])
      r["probes"] = json{{"window_s", 3.0},
                         {"ios", r["ios"]},
                         {"functions",
                          {{{"name", "blk_stat_add"}, {"kind", "call"}, {"available", true}, {"calls", 0},
                            {"calls_per_io", 0.0}},
                           {{"name", "blk_mq_start_request"}, {"kind", "call"}, {"available", true},
                            {"calls", 1}, {"calls_per_io", start_request_per_io}}}},
                         {"profile", {{"available", false}}}};
    return targets_of(doc)[5];
  };
  TargetResult clean = probed(0);
  EXPECT_EQ(clean.status, TargetStatus::met) << clean.verdict;
  EXPECT_NE(clean.note.find("bio_associate_blkg"), std::string::npos) << "uncounted functions are named";
  TargetResult dirty = probed(1.0);
  EXPECT_EQ(dirty.status, TargetStatus::missed);
  EXPECT_NE(dirty.verdict.find("uq-irq blk_mq_start_request 1.000/IO"), std::string::npos) << dirty.verdict;
}

// Which paths run on a user queue is their runs' trait (on_user_queue), not
// the name of their engine family; only reports without the trait fall
// back on engine uq.
TEST(Targets, UserQueuePathsAreTheOnesWhoseRunsSaySo) {
  json doc = with_uq_paths(0.4, 1000, 20);
  for (auto& r : doc["runs"]) {
    bool uq = r["engine"] == "uq";
    r["on_user_queue"] = uq;
    if (uq) r["engine"] = "uq-next";  // a family the reports do not know
  }
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(has_target_paths(*d));
  ASSERT_TRUE(d->find("uq-irq") && d->find("ng-irq"));
  EXPECT_TRUE(d->find("uq-irq")->user_queue);
  EXPECT_FALSE(d->find("ng-irq")->user_queue);
  EXPECT_NE(evaluate_targets(*d)[5].verdict, "no user-queue path in this report");
  // Engine uq, but the runs say they are not on a user queue.
  for (auto& r : doc["runs"]) {
    if (r["engine"] == "uq-next") r["engine"] = "uq";
    r["on_user_queue"] = false;
  }
  d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_FALSE(has_target_paths(*d));
  TargetResult block = evaluate_targets(*d)[5];
  EXPECT_EQ(block.status, TargetStatus::not_measured);
  EXPECT_NE(block.verdict.find("no user-queue path"), std::string::npos) << block.verdict;
  // Without the trait (earlier reports): engine uq.
  for (auto& r : doc["runs"]) r.erase("on_user_queue");
  d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(has_target_paths(*d));
  EXPECT_TRUE(d->find("uq-irq")->user_queue);
}

// --probe-cost: every path runs with probes on and off. The probe figures
// come from the probed runs, the instruction counts from the others (the
// probes' own kernel work would inflate them).
TEST(Targets, ProbeCostRunsSplitProbeAndPerformanceFigures) {
  json doc = with_uq_paths(0.4, 1000, 20);
  attach(doc, 3400, 1600, 1200, 0);
  json probed = json::array();
  for (auto r : doc["runs"]) {
    auto& in = r["instructions"];  // the probes' own kernel work
    in["kernel"] = in["kernel"].get<double>() * 10;
    in["kernel_per_io"] = in["kernel_per_io"].get<double>() * 10;
    in["useful_kernel_per_io"] = in["useful_kernel_per_io"].get<double>() * 10;
    r["probes"] = json{{"window_s", 3.0},
                       {"ios", r["ios"]},
                       {"functions",
                        {{{"name", "blk_stat_add"}, {"kind", "call"}, {"available", true}, {"calls", 0},
                          {"calls_per_io", 0.0}}}},
                       {"profile", {{"available", false}}}};
    probed.push_back(r);
  }
  for (auto& r : probed) doc["runs"].push_back(r);
  auto t = targets_of(doc);
  EXPECT_EQ(t[2].status, TargetStatus::met) << t[2].verdict;
  EXPECT_EQ(t[2].measured, "1600");
  EXPECT_EQ(t[5].status, TargetStatus::met) << t[5].verdict;
}

// Doorbell MMIO writes per I/O on every uq path (a separate boot's, by
// path) and the controller's interrupts per I/O (each run's).
void add_mmio(json& doc, double uq_doorbell) {
  json paths = json::array();
  for (const char* p : {"ng-irq", "ng-poll", "uq-irq", "uq-poll-check"}) {
    double d = std::string(p).starts_with("uq") ? uq_doorbell : 0.3;
    paths.push_back(json{{"path", p},
                         {"doorbell_per_io", {{"median", d}, {"min", d}, {"max", d}, {"spread", 0}, {"n", 1}}},
                         {"other_per_io", {{"median", 0.1}, {"min", 0.1}, {"max", 0.1}, {"spread", 0}, {"n", 1}}}});
  }
  doc["mmio"] = json{{"boot", "separate"}, {"source", "mmio/compare.json"}, {"counter", "test"}, {"paths", paths}};
}

void add_interrupts(json& doc, double ng_irq, double uq) {
  for (auto& r : doc["runs"]) {
    std::string p = r["path"];
    double per_io = p == "ng-irq" ? ng_irq : p.starts_with("uq") ? uq : 0.5;
    double ios = r["ios"].get<double>();
    r["interrupts"] = json{{"total", static_cast<uint64_t>(per_io * ios) + 100},
                           {"device", static_cast<uint64_t>(per_io * ios)},
                           {"controller", "nvme0"},
                           {"total_per_io", per_io + 100 / ios},
                           {"device_per_io", per_io}};
  }
}

TEST(Targets, DoorbellWritesAndInterruptsOnUserQueues) {
  json doc = with_uq_paths(0.4, 1000, 20);
  attach(doc, 3400, 1600, 1200, 800);
  add_mmio(doc, 0.05);
  add_interrupts(doc, 0.3, 0.2);
  EXPECT_EQ(test::validate_report(doc), 0);
  auto t = targets_of(doc);
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[6].status, TargetStatus::met) << t[6].verdict;
  EXPECT_EQ(t[6].measured, "uq-irq 0.050, uq-poll-check 0.050");
  EXPECT_NE(t[6].note.find("separate boot (mmio/compare.json)"), std::string::npos) << t[6].note;
  EXPECT_EQ(t[7].status, TargetStatus::met) << t[7].verdict;
  EXPECT_EQ(t[7].goal, "<= 0.300 (ng-irq's)");

  add_mmio(doc, 0.07);  // over 1/16
  add_interrupts(doc, 0.3, 0.31);
  t = targets_of(doc);
  EXPECT_EQ(t[6].status, TargetStatus::missed);
  EXPECT_EQ(t[6].verdict, "missed: uq-irq 0.070, uq-poll-check 0.070 over 0.062");
  EXPECT_EQ(t[7].status, TargetStatus::missed);
  EXPECT_NE(t[7].verdict.find("uq-irq 0.310"), std::string::npos) << t[7].verdict;
}

// Absent figures are never a pass.
TEST(Targets, DoorbellWritesAndInterruptsNotMeasuredWhenAbsent) {
  json doc = with_uq_paths(0.4, 1000, 20);
  attach(doc, 3400, 1600, 1200, 800);
  auto t = targets_of(doc);
  EXPECT_EQ(t[6].status, TargetStatus::not_measured);
  EXPECT_NE(t[6].verdict.find("MMIO writes not counted on uq-irq, uq-poll-check"), std::string::npos)
      << t[6].verdict;
  EXPECT_EQ(t[7].status, TargetStatus::not_measured);
  EXPECT_NE(t[7].verdict.find("interrupts not recorded on ng-irq, uq-irq, uq-poll-check"), std::string::npos)
      << t[7].verdict;
  // Counted on one uq path only: still not measured.
  add_mmio(doc, 0.01);
  json paths = json::array();
  for (const auto& p : doc["mmio"]["paths"])
    if (p["path"] != "uq-poll-check") paths.push_back(p);
  doc["mmio"]["paths"] = paths;
  t = targets_of(doc);
  EXPECT_EQ(t[6].status, TargetStatus::not_measured);
  EXPECT_NE(t[6].verdict.find("not counted on uq-poll-check"), std::string::npos) << t[6].verdict;
  json no_uq = test::lab_report_json();
  t = targets_of(no_uq);
  EXPECT_EQ(t[6].status, TargetStatus::not_measured);
  EXPECT_EQ(t[7].status, TargetStatus::not_measured);
}

TEST(Targets, TheReportShowsThem) {
  json doc = with_uq_paths(0.4, 1000, 20);
  attach(doc, 3400, 1600, 1200, 800);
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok());
  std::string text = layout_text(build_document({*d}));
  EXPECT_NE(text.find("Targets\n-------"), std::string::npos);
  EXPECT_NE(text.find("3. uq-irq: kernel instructions per I/O, goal <= 1700 (ng-irq 3400 / 2.0): met"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("1. IO/CPU s, uq-poll-check / ng-poll"), std::string::npos) << text;
}

}  // namespace
}  // namespace qb

namespace qb {
namespace {

// report --format json: the same conclusions as data, for CI to gate on.
TEST(Targets, TheJsonFormatCarriesVerdictsAndTargets) {
  json doc = with_uq_paths(0.4, 1000, 20);
  attach(doc, 3400, 1600, 1200, 800);
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok());
  auto out = create_reporter("json")->render({*d}, RenderOptions{});
  ASSERT_TRUE(out.ok());
  json j = json::parse(*out);
  const json& r = j["reports"][0];
  EXPECT_EQ(r["targets"].size(), 8u);
  EXPECT_EQ(r["targets"][2]["status"], "met");
  EXPECT_EQ(r["runs"].size(), doc["runs"].size());
  EXPECT_DOUBLE_EQ(r["ceiling"]["iops"].get<double>(), 0);  // no ceiling runs: not measured
  EXPECT_EQ(r["partial"], false);
  EXPECT_EQ(r["instructions"]["status"], "attached");
  for (const auto& p : r["paths"]) EXPECT_TRUE(p["kernel_insn_per_io"].is_object()) << p["path"];
}

}  // namespace
}  // namespace qb
