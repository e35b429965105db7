#include "diff.h"

#include <gtest/gtest.h>

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

TEST(Diff, InjectedIopsDropBeyondSpreadIsFlaggedAndNamed) {
  json doc = test::lab_report_json();
  ReportData base = load(doc, "base.json");
  std::string path = steadiest_path(base);
  ASSERT_LT(base.find(path)->iops.spread, 0.2) << "the fixture is too noisy for a 20% drop to stand out";
  test::scale_path_iops(doc, path, 0.8);
  ReportData now = load(doc, "new.json");
  DiffResult d = diff_reports(base, now, DiffOptions{});
  auto regs = d.regressions();
  ASSERT_EQ(regs.size(), 2u);  // iops and bw of that path, nothing else
  for (const auto* c : regs) EXPECT_EQ(c->path, path);
  EXPECT_STREQ(regs[0]->metric->key, "iops");
  EXPECT_NEAR(regs[0]->change, -0.2, 1e-9);
  // Two rounds a side: too few for the U test at 5%, so the bootstrap decides, and says so.
  EXPECT_EQ(regs[0]->test, GateTest::bootstrap);
  std::string text = format_diff(d, base, now, DiffOptions{});
  EXPECT_NE(text.find("REGRESSION: " + path + " iops -20.0% (threshold 5.0%; bootstrap CI"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Too few rounds for the Mann-Whitney U test"), std::string::npos) << text;
  EXPECT_NE(text.find("FAIL: 2 regression(s)."), std::string::npos);
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
      EXPECT_EQ(c.verdict, Verdict::not_significant);
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
  std::string path = steadiest_path(load(doc, "base.json"));
  test::scale_path_iops(doc, path, 0.8);
  std::string worse = dir + "/qb-diff-" + std::to_string(getpid()) + ".json";
  std::ofstream(worse) << doc.dump();
  EXPECT_EQ(test::run_status(bin + " diff " + fixture + " " + worse + " >" + out), 1);
  EXPECT_NE(test::read_text(out).find("REGRESSION: " + path + " iops"), std::string::npos);
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
            "REGRESSION: uq-irq kinsn-per-io +10.0% (threshold 5.0%; Mann-Whitney U p=0.050,\n"
            "3 vs 3 rounds)\n\nFAIL: 1 regression(s).\n")
      << text;
  unlink(worse.c_str());
  unlink(out.c_str());
}

// The U test over per-round values, the way compare.py runs it: three
// rounds a side that do not overlap reach p = 0.05; overlapping ones do not,
// however far apart the medians are.
TEST(Diff, TheUTestDecidesWithThreeRoundsASide) {
  const MetricDef& k = *find_metric("kinsn-per-io");
  MetricChange c;
  c.metric = &k;
  c.threshold = 0.05;
  auto run = [&](std::vector<double> base, std::vector<double> now) {
    PathAggregate b, n;
    b.rounds_of["kinsn-per-io"] = base;
    n.rounds_of["kinsn-per-io"] = now;
    b.kinsn_per_io = summarize(base);
    n.kinsn_per_io = summarize(now);
    b.path = n.path = "uq-irq";
    return std::make_pair(b, n);
  };
  {
    auto [b, n] = run({1580, 1583, 1584}, {1740, 1742, 1745});
    ReportData rb, rn;
    rb.paths = {b};
    rn.paths = {n};
    DiffResult d = diff_reports(rb, rn, *parse_thresholds({"kinsn-per-io=5"}));
    const MetricChange* got = nullptr;
    for (const auto& x : d.changes)
      if (x.metric == &k) got = &x;
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->test, GateTest::mann_whitney);
    EXPECT_DOUBLE_EQ(got->p_worse, 0.05);
    EXPECT_EQ(got->verdict, Verdict::regression);
  }
  {
    // One new round as good as the base's: the rounds overlap, no regression.
    auto [b, n] = run({1580, 1583, 1584}, {1582, 1900, 1950});
    ReportData rb, rn;
    rb.paths = {b};
    rn.paths = {n};
    DiffResult d = diff_reports(rb, rn, *parse_thresholds({"kinsn-per-io=5"}));
    for (const auto& x : d.changes)
      if (x.metric == &k) {
        EXPECT_EQ(x.verdict, Verdict::not_significant);
        EXPECT_DOUBLE_EQ(x.p_worse, 0.2);  // new ranks 2, 5, 6: 4 of the 20 splits reach 13
      }
  }
}

// Two real lab reports of the same build (scripts/bench.sh run twice,
// one boot each; tests/unit/data/README.md): nothing regresses, though
// wall-clock figures swing between boots.
TEST(Diff, TwoLabReportsOfTheSameBuildPass) {
  std::string out = std::string(QB_TEST_DIR) + "/qb-diff-same-" + std::to_string(getpid()) + ".out";
  EXPECT_EQ(test::run_status(std::string(QB_BINARY) + " diff " + test::data_file("lab-same-build-1.json") + " " +
                             test::data_file("lab-same-build-2.json") + " >" + out),
            0);
  std::string text = test::read_text(out);
  unlink(out.c_str());
  EXPECT_NE(text.find("\nPASS: no regression.\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Mann-Whitney U test"), std::string::npos) << text;
}

// A real regression without a kernel change: the example report's paths
// run with the BPF probes attached (--probe-cost ran each path with and
// without them, in the same boot) against the same paths without. The
// probes' own kernel work raises kernel instructions per I/O on the
// interrupt-driven paths, measured, not injected; the gate fails and
// names them, decided by the U test over three rounds.
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
      EXPECT_EQ(c->test, GateTest::mann_whitney);
      EXPECT_LE(c->p_worse, 0.05);
    }
  }
  for (const char* p : {"block-irq", "ng-irq", "psync"}) EXPECT_TRUE(regressed.count(p)) << p;
  // uq-irq's probes cost about 1%: under the 5% threshold.
  EXPECT_FALSE(regressed.count("uq-irq"));
}

}  // namespace
}  // namespace qb
