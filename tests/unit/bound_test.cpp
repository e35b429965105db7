// CPU-bound or device-bound: the rule, case by case, and the ceiling a
// report finds.
#include "bound.h"

#include <gtest/gtest.h>

#include "report_data.h"
#include "report_test_util.h"

namespace qb {
namespace {

using nlohmann::json;

BoundInput in(bool poll, double busy, double iops, double ceiling, bool confirmed = true, double empty = -1) {
  return BoundInput{poll, busy, iops, ceiling, confirmed, empty};
}

TEST(Bound, ASleepingThreadIsDeviceBound) {
  EXPECT_EQ(classify_bound(in(false, 0.55, 50e3, 100e3)).bound, Bound::device);
  EXPECT_EQ(classify_bound(in(false, 0.60, 50e3, 0)).bound, Bound::device);
}

TEST(Bound, BusyBelowTheCeilingIsCpuBound) {
  BoundVerdict v = classify_bound(in(false, 0.99, 60e3, 100e3));
  EXPECT_EQ(v.bound, Bound::cpu);
  EXPECT_NE(v.reason.find("IOPS 60% of the ceiling"), std::string::npos) << v.reason;
  // Still CPU-bound when the ceiling is only a lower bound: the true one is higher.
  EXPECT_EQ(classify_bound(in(false, 0.99, 60e3, 100e3, false)).bound, Bound::cpu);
  // A polled path whose kernel polls mostly found something did work, not wait.
  EXPECT_EQ(classify_bound(in(true, 0.99, 60e3, 100e3, true, 0.1)).bound, Bound::cpu);
}

// A polled path is busy whether it works or waits: without empty-poll data
// its busy time says nothing, ceiling or not.
TEST(Bound, APolledPathWithoutEmptyPollDataIsNotCpuBound) {
  BoundVerdict v = classify_bound(in(true, 0.99, 60e3, 100e3));
  EXPECT_EQ(v.bound, Bound::undecided) << v.reason;
  EXPECT_NE(v.reason.find("no empty-poll data"), std::string::npos) << v.reason;
  EXPECT_EQ(classify_bound(in(true, 0.99, 60e3, 100e3, false)).bound, Bound::undecided);
}

TEST(Bound, NearAConfirmedCeilingIsDeviceBound) {
  EXPECT_EQ(classify_bound(in(true, 0.99, 95e3, 100e3)).bound, Bound::device);
  EXPECT_EQ(classify_bound(in(false, 0.95, 90e3, 100e3)).bound, Bound::device);
  // At an unconfirmed ceiling the data cannot tell.
  BoundVerdict v = classify_bound(in(true, 0.99, 100e3, 100e3, false));
  EXPECT_EQ(v.bound, Bound::undecided);
  EXPECT_NE(v.reason.find("lower bound"), std::string::npos);
}

TEST(Bound, MostlyEmptyPollsNearTheCeilingAreDeviceBound) {
  // Near a ceiling that is only a lower bound, empty polls decide.
  EXPECT_EQ(classify_bound(in(true, 0.99, 95e3, 100e3, false, 0.7)).bound, Bound::device);
  EXPECT_EQ(classify_bound(in(true, 0.99, 95e3, 100e3, false, 0.2)).bound, Bound::undecided);
  // Far below it the path waited on something slower than the device.
  BoundVerdict v = classify_bound(in(true, 0.99, 40e3, 100e3, true, 0.97));
  EXPECT_EQ(v.bound, Bound::undecided);
  EXPECT_NE(v.reason.find("97% of kernel polls found nothing"), std::string::npos) << v.reason;
  EXPECT_EQ(classify_bound(in(true, 0.99, 60e3, 100e3, true, 0.2)).bound, Bound::cpu);
  // Only polled paths have polls.
  EXPECT_EQ(classify_bound(in(false, 0.99, 60e3, 100e3, true, 0.7)).bound, Bound::cpu);
}

TEST(Bound, WithoutACeilingOnlyInterruptPathsAreCpuBound) {
  EXPECT_EQ(classify_bound(in(false, 0.95, 60e3, 0)).bound, Bound::cpu);
  EXPECT_EQ(classify_bound(in(true, 0.95, 60e3, 0)).bound, Bound::undecided);
}

TEST(Bound, SpinningInUserSpaceIsNotCpuBound) {
  BoundInput i = in(true, 0.98, 50e3, 100e3);
  i.spins_in_user_space = true;
  BoundVerdict v = classify_bound(i);
  EXPECT_EQ(v.bound, Bound::undecided);
  EXPECT_NE(v.reason.find("spinning in user space"), std::string::npos) << v.reason;
  i.iops = 95e3;  // at a confirmed ceiling it is the device's limit all the same
  EXPECT_EQ(classify_bound(i).bound, Bound::device);
}

// uq-poll-check waits by spinning on its mapped CQ, so its busy time
// includes the wait. On a machine without the lab's instruction counter
// (no instruction marks attached) that must still keep it from being called
// CPU-bound: the report knows it from the run's traits (a polled user-queue
// run, or the recorded user_space_wait), not from the marks.
TEST(Bound, SpinningInUserSpaceIsKnownWithoutInstructionMarks) {
  json doc = test::lab_report_json();
  json ceiling_run = doc["runs"][3];  // ng-irq round 1, made the sleeping ceiling run
  ceiling_run["iops"] = 200e3;
  for (auto& t : ceiling_run["threads"]) t["usr_s"] = 0.1, t["sys_s"] = 0.4;
  doc["ceiling"] = json{{"paths", {"ng-irq"}}, {"iodepth", 256}, {"submit_batch", 64}, {"complete_batch", 64},
                        {"runs", {ceiling_run}}};
  json extra = json::array();
  for (const auto& r : doc["runs"])
    if (r["path"] == "ng-poll") {
      json u = r;
      u["path"] = "uq-poll-check";
      u["engine"] = "uq";
      for (auto& t : u["threads"]) t["usr_s"] = 0.5, t["sys_s"] = 2.47;  // busy 0.99
      u["user_queue"] = json{{"node", "/dev/nvme0uq1"}, {"name", "nvme0uq1"}, {"qid", 4}, {"type", "poll"},
                             {"depth", 1024},
                             {"counters", {{"submitted", u["ios"]}, {"completed", u["ios"]}, {"polls", u["ios"]},
                                           {"empty_polls", 0}}},
                             {"empty_poll_share", 0.0}, {"counters_error", nullptr}};
      extra.push_back(u);
    }
  for (auto& u : extra) doc["runs"].push_back(u);
  ASSERT_EQ(test::validate_report(doc), 0);
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok()) << d.error().message;
  const PathAggregate* p = d->find("uq-poll-check");
  ASSERT_NE(p, nullptr);
  ASSERT_FALSE(p->instructions);
  EXPECT_EQ(p->bound, Bound::undecided) << p->bound_reason;
  EXPECT_NE(p->bound_reason.find("spinning in user space"), std::string::npos) << p->bound_reason;
  for (const auto& b : d->run_bounds)
    if (b.path == "uq-poll-check") {
      EXPECT_NE(b.verdict.bound, Bound::cpu) << b.verdict.reason;
    }
}

TEST(Bound, InBetweenCannotTell) {
  BoundVerdict v = classify_bound(in(false, 0.75, 60e3, 100e3));
  EXPECT_EQ(v.bound, Bound::undecided);
  EXPECT_NE(v.reason.find("between 0.60 and 0.90"), std::string::npos);
}

TEST(Bound, TheRuleNamesItsLimits) {
  std::string r = bound_rule();
  for (const char* s : {"0.60", "0.90", "90%", "50%", "lower bound"}) EXPECT_NE(r.find(s), std::string::npos) << s;
}

// A ceiling run far above every path sets the ceiling; when its thread
// slept it is confirmed, and the busy paths below it are CPU-bound.
TEST(Bound, ACeilingRunSetsAndConfirmsTheCeiling) {
  json doc = test::lab_report_json();
  json run = doc["runs"][4];  // ng-poll round 1
  run["iops"] = 200e3;
  for (auto& t : run["threads"]) t["usr_s"] = 0.1, t["sys_s"] = 0.4;  // busy ~0.17 of 3 s
  doc["ceiling"] = json{{"paths", {"ng-poll"}}, {"iodepth", 256}, {"submit_batch", 64}, {"complete_batch", 64},
                        {"runs", {run}}};
  EXPECT_EQ(test::validate_report(doc), 0);
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_DOUBLE_EQ(d->ceiling.iops, 200e3);
  EXPECT_TRUE(d->ceiling.confirmed) << d->ceiling.evidence;
  EXPECT_EQ(d->ceiling.source,
            "the median of 1 ng-poll ceiling run(s) (iodepth 256, batches 64/64), min 200000, max 200000, spread 0.0%");
  // A busy polled path below it without empty-poll data (no probes, no
  // user queue) cannot be told: its busy time includes the wait.
  EXPECT_EQ(d->find("block-poll")->bound, Bound::undecided) << d->find("block-poll")->bound_reason;
  for (const auto& b : d->run_bounds)
    if (b.path == "ng-poll") {
      EXPECT_EQ(b.verdict.bound, Bound::undecided) << b.verdict.reason;
    }
  // The ceiling runs are not paths.
  EXPECT_EQ(d->paths.size(), 5u);
  EXPECT_EQ(d->run_bounds.size(), 10u);
}

// Without ceiling runs there is no ceiling: no path's best round stands in
// for the device's limit. psync kept its one I/O in flight and slept, which
// is latency-bound or device-bound; the data cannot tell which.
TEST(Bound, WithoutCeilingRunsThereIsNoCeiling) {
  auto d = report_from_json(test::lab_report_json(), "x.json");
  ASSERT_TRUE(d.ok());
  EXPECT_DOUBLE_EQ(d->ceiling.iops, 0);
  EXPECT_NE(d->ceiling.evidence.find("--ceiling"), std::string::npos) << d->ceiling.evidence;
  const PathAggregate* psync = d->find("psync");
  EXPECT_EQ(psync->bound, Bound::undecided) << psync->bound_reason;
  EXPECT_NE(psync->bound_reason.find("latency-bound or device-bound"), std::string::npos) << psync->bound_reason;
}

// The ceiling is the median of the ceiling runs, with their spread: one
// lucky run does not move it. Against it psync at depth 1, its one I/O
// always in flight (Little's law), is latency-bound, not device-bound.
TEST(Bound, TheCeilingIsTheMedianOfItsRunsAndPsyncIsLatencyBound) {
  json doc = test::lab_report_json();
  json runs = json::array();
  const double iops[] = {90e3, 95e3, 134e3};
  for (int i = 0; i < 3; i++) {
    json run = doc["runs"][3];  // ng-irq: the thread sleeps
    run["round"] = i + 1;
    run["iops"] = iops[i];
    for (auto& t : run["threads"]) t["usr_s"] = 0.3, t["sys_s"] = 1.2;  // busy 0.5 of 3 s
    runs.push_back(run);
  }
  doc["ceiling"] = json{{"paths", {"ng-irq"}}, {"iodepth", 256}, {"submit_batch", 64}, {"complete_batch", 64},
                        {"runs", runs}};
  ASSERT_EQ(test::validate_report(doc), 0);
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_DOUBLE_EQ(d->ceiling.iops, 95e3);
  EXPECT_DOUBLE_EQ(d->ceiling.runs.max, 134e3);
  EXPECT_NEAR(d->ceiling.runs.spread, 44e3 / 95e3, 1e-12);
  EXPECT_TRUE(d->ceiling.confirmed) << d->ceiling.evidence;
  const PathAggregate* psync = d->find("psync");
  ASSERT_NE(psync, nullptr);
  // 5868 IOPS x 169.6 us and 7760 x 128.3 us: about one I/O in flight, of one.
  EXPECT_NEAR(psync->in_flight.median, 0.995, 0.01);
  EXPECT_EQ(psync->bound, Bound::latency) << psync->bound_reason;
  EXPECT_NE(psync->bound_reason.find("I/Os in flight"), std::string::npos) << psync->bound_reason;
  // A path that kept fewer in flight than its depth is not latency-bound.
  EXPECT_NE(d->find("block-irq")->bound, Bound::latency) << d->find("block-irq")->bound_reason;
}

}  // namespace
}  // namespace qb
