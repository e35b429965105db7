#include "diff.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "report_test_util.h"
#include "test_util.h"

namespace qb {
namespace {

using nlohmann::json;

ReportData load(const json& doc, const char* name) {
  auto r = report_from_json(doc, name);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return *r;
}

// The text with its line breaks undone, for phrases the layout may wrap.
std::string flat(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != '\n' || (!out.empty() && out.back() != ' ')) out += c == '\n' ? ' ' : c;
  return out;
}

// The path whose IOPS the lab measured most steadily, for injected changes.
std::string steadiest_path(const ReportData& d) {
  const PathAggregate* best = &d.paths.front();
  for (const auto& p : d.paths)
    if (p.iops.spread < best->iops.spread) best = &p;
  return best->path;
}

TEST(Diff, UnchangedRunPasses) {
  ReportData base = load(test::lab_report_json(), "base.json");
  DiffResult d = diff_reports(base, base, DiffOptions{});
  EXPECT_TRUE(d.regressions().empty());
  EXPECT_FALSE(d.changes.empty());
  for (const auto& c : d.changes) EXPECT_DOUBLE_EQ(c.change, 0);
}

// Two rounds a side: the exact U test cannot get below 1/6, so a
// wall-clock drop, however large, is not testable; it is named and does
// not fail the gate (no bootstrap claiming a confidence it does not have).
TEST(Diff, WithTwoRoundsAWallClockDropIsNotTestable) {
  json doc = test::lab_report_json();
  ReportData base = load(doc, "base.json");
  std::string path = steadiest_path(base);
  test::scale_path_iops(doc, path, 0.8);
  ReportData now = load(doc, "new.json");
  DiffResult d = diff_reports(base, now, DiffOptions{});
  EXPECT_TRUE(d.regressions().empty());
  bool seen = false;
  for (const auto& c : d.changes)
    if (c.path == path && std::string(c.metric->key) == "iops") {
      EXPECT_EQ(c.test, GateTest::not_testable);
      EXPECT_EQ(c.verdict, Verdict::not_testable);
      seen = true;
    }
  EXPECT_TRUE(seen);
  std::string text = format_diff(d, base, now, DiffOptions{});
  EXPECT_EQ(d.not_testable.rounds_needed, 6u);         // 1 / C(12, 6) reaches 0.05 over the family, 1 / C(10, 5) not
  EXPECT_GE(d.not_testable.worse_than_threshold, 1u);  // the path's iops at least
  EXPECT_NE(flat(text).find(fmt::format("NOT TESTABLE: {} wall-clock comparison(s), {} of them worse than the "
                                        "threshold",
                                        d.not_testable.count, d.not_testable.worse_than_threshold)),
            std::string::npos)
      << text;
  EXPECT_NE(flat(text).find("Run at least 6 rounds a side to gate them."), std::string::npos) << text;
  EXPECT_TRUE(d.inconclusive());
  EXPECT_NE(text.find("INCONCLUSIVE: no regression found"), std::string::npos) << text;
}

// Worse by more than the threshold, but the rounds overlap: not
// significant, shown and not failed.
TEST(Diff, ChangeInsideTheNoiseIsNotSignificant) {
  json doc = test::lab_report_json();
  ReportData base = load(doc, "base.json");
  // The noisiest path, made worse by less than its spread but more than
  // the threshold.
  const PathAggregate* noisy = &base.paths.front();
  for (const auto& p : base.paths)
    if (p.iops.spread > noisy->iops.spread) noisy = &p;
  double drop = noisy->iops.spread * 0.8;
  ASSERT_GT(drop, 0.05) << "the fixture has no path noisier than the threshold";
  test::scale_path_iops(doc, noisy->path, 1 - drop);
  ReportData now = load(doc, "new.json");
  DiffResult d = diff_reports(base, now, DiffOptions{});
  EXPECT_TRUE(d.regressions().empty());
  bool seen = false;
  for (const auto& c : d.changes)
    if (c.path == noisy->path && std::string(c.metric->key) == "iops") {
      EXPECT_EQ(c.verdict, Verdict::not_testable);  // two rounds a side
      seen = true;
    }
  EXPECT_TRUE(seen);
}

TEST(Diff, ImprovementIsNotARegression) {
  json doc = test::lab_report_json();
  ReportData base = load(doc, "base.json");
  test::scale_path_iops(doc, steadiest_path(base), 1.5);
  DiffResult d = diff_reports(base, load(doc, "new.json"), DiffOptions{});
  EXPECT_TRUE(d.regressions().empty());
}

TEST(Diff, MissingPathIsARegression) {
  json doc = test::lab_report_json();
  ReportData base = load(doc, "base.json");
  json& runs = doc["runs"];
  for (size_t i = runs.size(); i-- > 0;)
    if (runs[i]["path"] == "ng-poll") runs.erase(i);
  DiffResult d = diff_reports(base, load(doc, "new.json"), DiffOptions{});
  ASSERT_EQ(d.regressions().size(), 1u);
  EXPECT_EQ(d.regressions()[0]->verdict, Verdict::missing);
}

// A metric the gate was told to check (--threshold kinsn-per-io=2) that
// neither report measured fails the gate and is named; it must never pass
// silently.
TEST(Diff, ARequestedMetricMissingFromBothReportsFails) {
  ReportData base = load(test::lab_report_json(), "base.json");
  ASSERT_FALSE(base.paths.front().instructions) << "the lab fixture has no instruction counts";
  auto o = parse_thresholds({"kinsn-per-io=2"});
  ASSERT_TRUE(o.ok());
  DiffResult d = diff_reports(base, base, *o);
  ASSERT_FALSE(d.regressions().empty());
  for (const auto* c : d.regressions()) {
    EXPECT_EQ(c->verdict, Verdict::missing);
    ASSERT_NE(c->metric, nullptr);
    EXPECT_STREQ(c->metric->key, "kinsn-per-io");
  }
  std::string text = format_diff(d, base, base, *o);
  EXPECT_NE(text.find("kinsn-per-io is missing from both reports"), std::string::npos) << text;
  EXPECT_EQ(text.find("PASS"), std::string::npos) << text;
}

// A gated metric the base measured and the new report lacks (instruction
// counts not attached this time) fails the gate, named.
TEST(Diff, AGatedMetricMissingFromTheNewReportFails) {
  std::ifstream in(test::data_file("../../../reports/example/compare.json"));
  json doc = json::parse(in);
  ReportData base = load(doc, "base.json");
  ASSERT_TRUE(base.find("uq-irq")->instructions);
  for (auto& r : doc["runs"]) r.erase("instructions");
  doc.erase("instructions");
  ReportData now = load(doc, "new.json");
  DiffResult d = diff_reports(base, now, DiffOptions{});
  bool named = false;
  for (const auto* c : d.regressions())
    if (c->verdict == Verdict::missing && c->metric && std::string(c->metric->key) == "kinsn-per-io") named = true;
  EXPECT_TRUE(named);
  std::string text = format_diff(d, base, now, DiffOptions{});
  EXPECT_NE(text.find("REGRESSION: uq-irq kinsn-per-io is missing from the new report"), std::string::npos) << text;
}

TEST(Diff, ThresholdValidation) {
  auto o = parse_thresholds({"10", "p99=25%"});
  ASSERT_TRUE(o.ok());
  EXPECT_DOUBLE_EQ(o->threshold, 0.10);
  EXPECT_DOUBLE_EQ(o->per_metric.at("p99"), 0.25);
  for (const char* bad : {"0", "-5", "abc", "5x", "", "2000", "nan", "p98=5", "iops=", "iops=0"}) {
    auto r = parse_thresholds({bad});
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, ErrorKind::usage);
    }
  }
  EXPECT_NE(parse_thresholds({"p98=5"}).error().message.find("metrics: iops"), std::string::npos);
}

TEST(Diff, ALargerThresholdLetsTheDropPass) {
  json doc = test::lab_report_json();
  ReportData base = load(doc, "base.json");
  test::scale_path_iops(doc, steadiest_path(base), 0.8);
  auto o = parse_thresholds({"iops=25", "bw=25"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(diff_reports(base, load(doc, "new.json"), *o).regressions().empty());
}

// The command: exit 0 unchanged, 1 on the injected regression, 2 on a bad
// threshold.
TEST(Diff, CommandExitStatus) {
  std::string fixture = test::data_file("lab-compare.json");
  std::string dir = QB_TEST_DIR;
  std::string out = dir + "/qb-diff-" + std::to_string(getpid()) + ".out";
  std::string bin = QB_BINARY;
  EXPECT_EQ(test::run_status(bin + " diff " + fixture + " " + fixture + " >" + out), 0);
  EXPECT_NE(test::read_text(out).find("PASS: no regression."), std::string::npos);

  json doc = test::lab_report_json();
  json& runs = doc["runs"];
  for (size_t i = runs.size(); i-- > 0;)
    if (runs[i]["path"] == "ng-poll") runs.erase(i);
  std::string worse = dir + "/qb-diff-" + std::to_string(getpid()) + ".json";
  std::ofstream(worse) << doc.dump();
  EXPECT_EQ(test::run_status(bin + " diff " + fixture + " " + worse + " >" + out), 1);
  EXPECT_NE(test::read_text(out).find("REGRESSION: path ng-poll is missing"), std::string::npos);
  EXPECT_EQ(test::run_status(bin + " diff --threshold -3 " + fixture + " " + worse + " >/dev/null 2>&1"), 2);

  doc["schema_version"] = 0;
  std::ofstream(worse) << doc.dump();
  EXPECT_EQ(test::run_status(bin + " diff " + fixture + " " + worse + " >/dev/null 2>" + out), 2);
  EXPECT_NE(test::read_text(out).find("schema version 0 is not supported"), std::string::npos);
  unlink(worse.c_str());
  unlink(out.c_str());
}

// The example report of the main job (a real lab run with instruction
// counts): against itself it passes; with uq-irq's kernel instructions per
// I/O made 10% worse, the one metric whose spread is small enough for that
// to stand out, the command fails and names exactly that metric.
TEST(Diff, ExampleReportInjectedInstructionRegression) {
  std::string example = test::data_file("../../../reports/example/compare.json");
  std::string dir = QB_TEST_DIR;
  std::string out = dir + "/qb-diff-ex-" + std::to_string(getpid()) + ".out";
  std::string worse = dir + "/qb-diff-ex-" + std::to_string(getpid()) + ".json";
  std::string bin = QB_BINARY;
  EXPECT_EQ(test::run_status(bin + " diff " + example + " " + example + " >" + out), 0);
  std::string text = test::read_text(out);
  EXPECT_NE(text.find("\nPASS: no regression.\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("REGRESSION"), std::string::npos) << text;

  std::ifstream in(example);
  json doc = json::parse(in);
  int scaled = 0;
  for (auto& r : doc["runs"])
    if (r["path"] == "uq-irq" && r["instructions"].is_object()) {
      for (const char* k : {"kernel", "kernel_per_io", "useful_kernel_per_io"})
        r["instructions"][k] = r["instructions"][k].get<double>() * 1.1;
      scaled++;
    }
  ASSERT_GT(scaled, 0) << "no uq-irq run with instruction counts in " << example;
  std::ofstream(worse) << doc.dump();
  EXPECT_EQ(test::run_status(bin + " diff " + example + " " + worse + " >" + out), 1);
  text = test::read_text(out);
  std::string verdict = text.substr(text.find("\nVerdict\n"));
  EXPECT_EQ(verdict,
            "\nVerdict\n-------\n\nNote: Measured in neither report, so not gated: cycles-per-io, hw-kinsn-per-io\n"
            "(give --threshold METRIC=PCT to require one).\n\n"
            "NOT TESTABLE: 48 wall-clock comparison(s), 0 of them worse than the threshold:\n"
            "with these rounds the Mann-Whitney U test cannot reach p <= 0.05 Holm-corrected\n"
            "over them, so nothing is known of them. Run at least 7 rounds a side to gate\n"
            "them.\n\n"
            "REGRESSION: uq-irq kinsn-per-io +10.0% (threshold 5.0%; every new round worse\n"
            "than every base round, 3 vs 3 rounds)\n\nFAIL: 1 regression(s).\n\n"
            "The rounds of a report come from one boot: a test over them says what holds\n"
            "within a boot, not between boots, which differ more (compare several boots'\n"
            "reports, e.g. with nvme-qbench dashboard).\n")
      << text;
  unlink(worse.c_str());
  unlink(out.c_str());
}

// Reports of one path per metric key and round values, for the gate's rules.
ReportData synthetic(const std::map<std::string, std::map<std::string, std::vector<double>>>& paths) {
  ReportData r;
  for (const auto& [path, metrics] : paths) {
    PathAggregate a;
    a.path = path;
    for (const auto& [key, v] : metrics) {
      a.rounds_of[key] = v;
      a.*(find_metric(key)->member) = summarize(v);
    }
    r.paths.push_back(a);
  }
  return r;
}

const MetricChange* change_of(const DiffResult& d, const std::string& path, const char* key) {
  for (const auto& x : d.changes)
    if (x.path == path && x.metric && std::string(x.metric->key) == key) return &x;
  return nullptr;
}

// A wall-clock metric, alone in its family: three rounds a side that do
// not overlap reach p = 0.05; overlapping ones do not.
TEST(Diff, TheUTestDecidesAWallClockMetric) {
  auto o = *parse_thresholds({"p99=5"});
  {
    DiffResult d = diff_reports(synthetic({{"uq-irq", {{"p99", {1580, 1583, 1584}}}}}),
                                synthetic({{"uq-irq", {{"p99", {1740, 1742, 1745}}}}}), o);
    const MetricChange* got = change_of(d, "uq-irq", "p99");
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->test, GateTest::mann_whitney);
    EXPECT_DOUBLE_EQ(got->p_worse, 0.05);
    EXPECT_EQ(got->verdict, Verdict::regression);
  }
  {
    // One new round as good as the base's: the rounds overlap, no regression.
    DiffResult d = diff_reports(synthetic({{"uq-irq", {{"p99", {1580, 1583, 1584}}}}}),
                                synthetic({{"uq-irq", {{"p99", {1582, 1900, 1950}}}}}), o);
    const MetricChange* got = change_of(d, "uq-irq", "p99");
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->verdict, Verdict::not_significant);
    EXPECT_DOUBLE_EQ(got->p_worse, 0.2);  // new ranks 2, 5, 6: 4 of the 20 splits reach 13
  }
}

// Holm over the family: two paths whose p = 2/70 each would both fail at
// 0.05 uncorrected; corrected (the smaller held to 0.025) neither does.
// With three rounds a side and two paths, 0.05 cannot reach 0.025: not
// testable, naming the rounds it needs.
TEST(Diff, TheWallClockFamilyIsCorrected) {
  auto o = *parse_thresholds({"p99=1"});
  std::vector<double> b4{100, 101, 102, 104}, n4{103, 105, 106, 107};
  DiffResult d = diff_reports(synthetic({{"a", {{"p99", b4}}}, {"b", {{"p99", b4}}}}),
                              synthetic({{"a", {{"p99", n4}}}, {"b", {{"p99", n4}}}}), o);
  for (const char* path : {"a", "b"}) {
    const MetricChange* c = change_of(d, path, "p99");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->test, GateTest::mann_whitney);
    EXPECT_NEAR(c->p_worse, 2.0 / 70, 1e-12);
    EXPECT_EQ(c->verdict, Verdict::not_significant) << c->evidence();
  }
  std::vector<double> b3{100, 101, 102}, n3{110, 111, 112};
  DiffResult u = diff_reports(synthetic({{"a", {{"p99", b3}}}, {"b", {{"p99", b3}}}}),
                              synthetic({{"a", {{"p99", n3}}}, {"b", {{"p99", n3}}}}), o);
  const MetricChange* c = change_of(u, "a", "p99");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->verdict, Verdict::not_testable);
  EXPECT_EQ(c->evidence(), "not testable with 3 vs 3 rounds (needs at least 4 a side)");
}

// Holm's step-down over the family, where Bonferroni would hold both to
// 0.025: a = 1/70 meets 0.025, then b = 2/70 meets 0.05. Both fail.
TEST(Diff, HolmHoldsTheSecondSmallestToALooserLevel) {
  auto o = *parse_thresholds({"p99=1"});
  std::vector<double> base{100, 101, 102, 104};
  DiffResult d =
      diff_reports(synthetic({{"a", {{"p99", base}}}, {"b", {{"p99", base}}}}),
                   synthetic({{"a", {{"p99", {105, 106, 107, 108}}}}, {"b", {{"p99", {103, 105, 106, 107}}}}}), o);
  const MetricChange *a = change_of(d, "a", "p99"), *b = change_of(d, "b", "p99");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NEAR(a->p_worse, 1.0 / 70, 1e-12);
  EXPECT_DOUBLE_EQ(a->alpha, 0.025);
  EXPECT_EQ(a->verdict, Verdict::regression) << a->evidence();
  EXPECT_NEAR(b->p_worse, 2.0 / 70, 1e-12);
  EXPECT_DOUBLE_EQ(b->alpha, 0.05);
  EXPECT_EQ(b->verdict, Verdict::regression) << b->evidence();
}

// The metrics diff gates by default that are not optional, all wall-clock.
const char* const gated_wall_clock[] = {"iops", "p50", "p99", "cpu-per-io"};

// A wall-clock regression with rounds enough survives the correction over
// a realistic family: 5 paths of the 4 wall-clock metrics gated by default, 8 rounds a
// side, rounds of the same build overlapping, and one path's p99 worse by
// 20% in every round.
TEST(Diff, AWallClockRegressionWithEightRoundsFailsAfterHolm) {
  std::map<std::string, std::map<std::string, std::vector<double>>> base, now;
  for (int p = 0; p < 5; p++) {
    std::string path = "path-" + std::to_string(p);
    for (const char* key : gated_wall_clock) {
      for (int r = 0; r < 8; r++) {
        // The same build: the rounds of both interleave.
        base[path][key].push_back(1000 + 10 * r + p);
        now[path][key].push_back(1005 + 10 * r + p);
      }
    }
  }
  for (double& v : now["path-3"]["p99"]) v *= 1.2;
  DiffResult d = diff_reports(synthetic(base), synthetic(now), DiffOptions{});
  auto regs = d.regressions();
  ASSERT_EQ(regs.size(), 1u);
  EXPECT_EQ(regs[0]->path, "path-3");
  EXPECT_STREQ(regs[0]->metric->key, "p99");
  EXPECT_EQ(regs[0]->test, GateTest::mann_whitney);
  EXPECT_NEAR(regs[0]->p_worse, 1.0 / 12870, 1e-12);  // 1 / C(16, 8)
  EXPECT_DOUBLE_EQ(regs[0]->alpha, 0.05 / 20);
  EXPECT_EQ(d.not_testable.count, 0u);
  std::string text = format_diff(d, synthetic(base), synthetic(now), DiffOptions{});
  EXPECT_NE(text.find("REGRESSION: path-3 p99 +"), std::string::npos) << text;
  EXPECT_NE(flat(text).find("(Holm), 8 vs 8 rounds"), std::string::npos) << text;
  EXPECT_NE(text.find("FAIL: 1 regression(s)."), std::string::npos) << text;
}

// The same family with three rounds a side: the correction cannot be met,
// so nothing wall-clock is testable, however large the change, and the
// gate passes saying so once.
TEST(Diff, ThreeRoundsASideAreNotTestable) {
  std::map<std::string, std::map<std::string, std::vector<double>>> base, now;
  for (int p = 0; p < 5; p++)
    for (const char* key : gated_wall_clock) {
      base["path-" + std::to_string(p)][key] = {1000, 1010, 1020};
      now["path-" + std::to_string(p)][key] = {1005, 1015, 1025};
    }
  now["path-3"]["p99"] = {2000, 2010, 2020};
  DiffResult d = diff_reports(synthetic(base), synthetic(now), DiffOptions{});
  EXPECT_TRUE(d.regressions().empty());
  const MetricChange* c = change_of(d, "path-3", "p99");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->test, GateTest::not_testable);
  EXPECT_EQ(c->verdict, Verdict::not_testable);
  EXPECT_EQ(c->evidence(), "not testable with 3 vs 3 rounds (needs at least 6 a side)");
  EXPECT_EQ(d.not_testable.count, 20u);
  std::string text = format_diff(d, synthetic(base), synthetic(now), DiffOptions{});
  size_t at = flat(text).find("NOT TESTABLE: 20 wall-clock comparison(s), 1 of them worse than the threshold");
  EXPECT_NE(at, std::string::npos) << text;
  EXPECT_EQ(flat(text).find("NOT TESTABLE", at + 1), std::string::npos) << "said more than once:\n" << text;
  EXPECT_EQ(text.find("PASS"), std::string::npos) << "a gate that tested nothing does not pass:\n" << text;
  EXPECT_TRUE(d.inconclusive());
  EXPECT_NE(flat(text).find("INCONCLUSIVE: no regression found, but 1 wall-clock metric(s) worse than their "
                            "threshold could not be tested."),
            std::string::npos)
      << text;
  // nothing worse than its threshold: untested, yet a pass
  now["path-3"]["p99"] = {1005, 1015, 1025};
  DiffResult same = diff_reports(synthetic(base), synthetic(now), DiffOptions{});
  EXPECT_FALSE(same.inconclusive());
  EXPECT_NE(format_diff(same, synthetic(base), synthetic(now), DiffOptions{}).find("PASS: no regression."),
            std::string::npos);
}

// A polled path's instruction counts include its polling, which follows
// the timing: they are gated as wall-clock metrics there (three rounds a
// side cannot show anything in a family), while the same rounds on a path
// that does not poll fail on the rounds lying apart. Useful kernel work
// with the empty polls left out stays counted on a polled path.
TEST(Diff, PolledPathsInstructionCountsAreGatedAsWallClock) {
  auto o = *parse_thresholds({"kinsn-per-io=5", "useful-kinsn-per-io=5"});
  std::vector<double> base = {4400, 4450, 4500}, now = {4900, 5000, 5100};
  auto with_poll = [](ReportData r, bool poll, bool separated) {
    for (auto& p : r.paths) {
      p.poll = poll;
      p.empty_polls_separated = separated;
    }
    return r;
  };
  auto reports = [&](bool poll, bool separated) {
    std::map<std::string, std::map<std::string, std::vector<double>>> b, n;
    for (const char* path : {"a", "b"}) {
      b[path] = {{"kinsn-per-io", base}, {"useful-kinsn-per-io", base}};
      n[path] = {{"kinsn-per-io", now}, {"useful-kinsn-per-io", now}};
    }
    return diff_reports(with_poll(synthetic(b), poll, separated), with_poll(synthetic(n), poll, separated), o);
  };
  DiffResult irq = reports(false, false);
  EXPECT_EQ(change_of(irq, "a", "kinsn-per-io")->test, GateTest::rounds_apart);
  EXPECT_EQ(change_of(irq, "a", "kinsn-per-io")->verdict, Verdict::regression);
  DiffResult polled = reports(true, false);
  for (const char* key : {"kinsn-per-io", "useful-kinsn-per-io"}) {
    const MetricChange* c = change_of(polled, "a", key);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->kind, MetricKind::wall_clock) << key;
    EXPECT_EQ(c->verdict, Verdict::not_testable) << key;
  }
  EXPECT_EQ(polled.not_testable.worse_than_threshold, 4u) << "two metrics on two paths, untested";
  DiffResult marked = reports(true, true);
  EXPECT_EQ(change_of(marked, "a", "kinsn-per-io")->kind, MetricKind::wall_clock);
  EXPECT_EQ(change_of(marked, "a", "useful-kinsn-per-io")->kind, MetricKind::counted);
  EXPECT_EQ(change_of(marked, "a", "useful-kinsn-per-io")->verdict, Verdict::regression);
}

// --counted-only, the gate between two boots (scripts/bench.sh --against):
// an IOPS drop and a polled path's instruction counts, which follow the
// timing, are left out and named; an interrupt path's count still fails.
TEST(Diff, CountedOnlyGatesWhatComparesBetweenBoots) {
  auto o = *parse_thresholds({"2"});
  o.counted_only = true;
  std::vector<double> base = {1580, 1583, 1584}, slower = {1740, 1742, 1745};
  std::vector<double> iops = {100000, 101000, 99000, 100500, 100200, 99800, 100100, 99900};
  std::vector<double> fewer = {50000, 51000, 49000, 50500, 50200, 49800, 50100, 49900};
  ReportData b = synthetic({{"ng-irq", {{"kinsn-per-io", base}, {"iops", iops}}},
                            {"ng-poll", {{"kinsn-per-io", base}, {"iops", iops}}}});
  ReportData n = synthetic({{"ng-irq", {{"kinsn-per-io", base}, {"iops", fewer}}},
                            {"ng-poll", {{"kinsn-per-io", slower}, {"iops", fewer}}}});
  for (auto* r : {&b, &n})
    for (auto& p : r->paths) p.poll = p.path == "ng-poll";
  DiffResult d = diff_reports(b, n, o);
  EXPECT_TRUE(d.regressions().empty()) << format_diff(d, b, n, o);
  EXPECT_FALSE(d.inconclusive());
  EXPECT_EQ(change_of(d, "ng-irq", "iops"), nullptr);
  EXPECT_EQ(change_of(d, "ng-poll", "kinsn-per-io"), nullptr);
  ASSERT_NE(change_of(d, "ng-irq", "kinsn-per-io"), nullptr);
  std::string text = flat(format_diff(d, b, n, o));
  EXPECT_NE(text.find("nor the instruction counts that include polling, which follow the timing: ng-poll "
                      "kinsn-per-io"),
            std::string::npos)
      << text;
  ReportData worse = synthetic({{"ng-irq", {{"kinsn-per-io", slower}, {"iops", iops}}},
                                {"ng-poll", {{"kinsn-per-io", base}, {"iops", iops}}}});
  for (auto& p : worse.paths) p.poll = p.path == "ng-poll";
  DiffResult r = diff_reports(b, worse, o);
  ASSERT_EQ(r.regressions().size(), 1u) << format_diff(r, b, worse, o);
  EXPECT_EQ(r.regressions().front()->path, "ng-irq");
  o.counted_only = false;
  EXPECT_FALSE(diff_reports(b, n, o).regressions().empty()) << "without the option the IOPS drop fails";
}

// A counted metric (instructions per I/O) is gated on the effect size with
// the rounds apart: every new round worse than every base round, at any
// number of rounds, and in no family.
TEST(Diff, ACountedMetricIsGatedOnRoundsApart) {
  ASSERT_EQ(find_metric("kinsn-per-io")->kind, MetricKind::counted);
  ASSERT_EQ(find_metric("iops")->kind, MetricKind::wall_clock);
  auto o = *parse_thresholds({"kinsn-per-io=5"});
  auto run = [&](std::vector<double> base, std::vector<double> now) {
    DiffResult d = diff_reports(synthetic({{"uq-irq", {{"kinsn-per-io", base}}}}),
                                synthetic({{"uq-irq", {{"kinsn-per-io", now}}}}), o);
    const MetricChange* c = change_of(d, "uq-irq", "kinsn-per-io");
    EXPECT_NE(c, nullptr);
    if (!c) return Verdict::missing;
    EXPECT_EQ(c->test, GateTest::rounds_apart);
    return c->verdict;
  };
  EXPECT_EQ(run({1580, 1583, 1584}, {1740, 1742, 1745}), Verdict::regression);
  EXPECT_EQ(run({1580, 1583, 1584}, {1582, 1900, 1950}), Verdict::not_significant);
  EXPECT_EQ(run({1580}, {1740}), Verdict::regression);
  EXPECT_EQ(run({1580, 1583}, {1590, 1592}), Verdict::ok);  // under the threshold
  EXPECT_EQ(run({1740, 1742, 1745}, {1580, 1583, 1584}), Verdict::improved);
}

// Two real lab reports of the same build (scripts/bench.sh run twice,
// one boot each; tests/unit/data/README.md): nothing regresses, though
// wall-clock figures swing between boots.
TEST(Diff, TwoLabReportsOfTheSameBuildPassEitherWay) {
  std::string out = std::string(QB_TEST_DIR) + "/qb-diff-same-" + std::to_string(getpid()) + ".out";
  std::string one = test::data_file("lab-same-build-1.json"), two = test::data_file("lab-same-build-2.json");
  for (const auto& [base, now] : {std::pair{one, two}, std::pair{two, one}}) {
    // IOPS differ by 20-40% between the two boots, which three rounds a
    // side cannot test: inconclusive (status 3), never a regression.
    int status = test::run_status(std::string(QB_BINARY) + " diff " + base + " " + now + " >" + out);
    std::string text = test::read_text(out);
    EXPECT_TRUE(status == 0 || status == 3) << base << ": status " << status << "\n" << text;
    EXPECT_EQ(text.find("REGRESSION"), std::string::npos) << text;
    EXPECT_NE(text.find(status == 0 ? "\nPASS: no regression.\n" : "\nINCONCLUSIVE: no regression found"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("Mann-Whitney U test"), std::string::npos) << text;
    EXPECT_NE(text.find("not testable"), std::string::npos) << text;
  }
  unlink(out.c_str());
}

// A real regression without a kernel change: the example report's paths
// run with the BPF probes attached (--probe-cost ran each path with and
// without them, in the same boot) against the same paths without. The
// probes' own kernel work raises kernel instructions per I/O on the
// interrupt-driven paths, measured, not injected; the gate fails and
// names them, decided by the rounds lying apart (a counted metric).
TEST(Diff, ARealRegressionFails) {
  std::ifstream in(test::data_file("../../../reports/example/compare.json"));
  json doc = json::parse(in);
  json base = doc, slow = doc;
  base["runs"] = json::array();
  slow["runs"] = json::array();
  for (const auto& r : doc["runs"]) {
    json plain = r;
    plain.erase("probes");
    (r.contains("probes") ? slow : base)["runs"].push_back(plain);
  }
  for (json* d : {&base, &slow}) {
    d->erase("probes");
    d->erase("instructions");
  }
  ASSERT_EQ(base["runs"].size(), slow["runs"].size());
  DiffResult d = diff_reports(load(base, "without-probes.json"), load(slow, "with-probes.json"), DiffOptions{});
  std::set<std::string> regressed;
  for (const auto* c : d.regressions()) {
    ASSERT_NE(c->metric, nullptr);
    if (std::string(c->metric->key) == "kinsn-per-io") {
      regressed.insert(c->path);
      EXPECT_EQ(c->test, GateTest::rounds_apart);
    }
  }
  for (const char* p : {"block-irq", "ng-irq", "psync"}) EXPECT_TRUE(regressed.count(p)) << p;
  // uq-irq's probes cost about 1%: under the 5% threshold.
  EXPECT_FALSE(regressed.count("uq-irq"));
}

}  // namespace
}  // namespace qb
