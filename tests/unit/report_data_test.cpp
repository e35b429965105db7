// Reading reports back: schema version 2 (histograms, thread CPU time,
// kernel entries, hardware counters, partial reports) and version 1 beside
// it, from the lab fixture in both layouts (data/make_v2.py).
#include "report_data.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>

#include "diff.h"
#include "reporter.h"
#include "report_test_util.h"
#include "statistics.h"

namespace qb {
namespace {

using nlohmann::json;

ReportData load(const json& doc, const char* name = "v2.json") {
  auto r = report_from_json(doc, name);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : ReportData{};
}

std::string render(const char* format, const ReportData& d) {
  auto out = create_reporter(format)->render({d}, RenderOptions{});
  if (!out.ok()) return "render failed: " + out.error().message;
  return *out;
}

TEST(ReportData, TheVersion2FixtureConformsAndReads) {
  json doc = test::lab_report_v2_json();
  EXPECT_EQ(test::validate_report(doc), 0);
  ReportData d = load(doc);
  EXPECT_EQ(d.schema_version, 2);
  EXPECT_FALSE(d.partial);
  EXPECT_EQ(d.clocksource, "tsc");
  EXPECT_NE(d.hw_counters_note.find("no hardware counters"), std::string::npos);
  for (const auto& p : d.paths) {
    EXPECT_TRUE(p.lat_merged) << p.path;
    EXPECT_FALSE(p.hw_counters) << p.path;
    EXPECT_EQ(p.enters_per_io.n, 2u) << p.path;
    EXPECT_EQ(p.depth, p.path == "psync" ? 1 : 128) << p.path;
  }
  // The fixture's histograms give back each run's own percentiles; with
  // two rounds pooled, p50 lies between the rounds' p50s.
  const PathAggregate* ng = d.find("ng-irq");
  EXPECT_GE(ng->lat_p50_ns.median, ng->lat_p50_ns.min);
  EXPECT_LE(ng->lat_p50_ns.median, ng->lat_p50_ns.max);
  std::string text = render("text", d);
  EXPECT_NE(text.find("those of every round's I/Os pooled"), std::string::npos);
  EXPECT_NE(text.find("clock:       tsc"), std::string::npos) << text;
  EXPECT_NE(text.find("Hardware counters: n/a (no hardware counters"), std::string::npos);
}

// Percentiles over rounds come from the merged histograms, not the median
// of the rounds' percentiles: one slow round's tail shows in the pooled
// p99, the median of two rounds' p99s hides half of it.
TEST(ReportData, PercentilesOverRoundsComeFromMergedHistograms) {
  json doc = test::lab_report_v2_json();
  std::vector<std::vector<LatencyBin>> bins;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (auto& r : doc["runs"]) {
    if (r["path"] != "ng-irq") continue;
    std::vector<LatencyBin> b;
    for (const auto& x : r["latency_ns"]["histogram"]["bins"])
      b.push_back(LatencyBin{x[0].get<uint64_t>(), x[1].get<uint64_t>(), x[2].get<uint64_t>()});
    bins.push_back(b);
    lo = std::min(lo, r["latency_ns"]["min"].get<uint64_t>());
    hi = std::max(hi, r["latency_ns"]["max"].get<uint64_t>());
  }
  ASSERT_EQ(bins.size(), 2u);
  ReportData d = load(doc);
  const PathAggregate* ng = d.find("ng-irq");
  auto merged = merge_bins(bins);
  EXPECT_DOUBLE_EQ(ng->lat_p99_ns.median, static_cast<double>(bin_percentile(merged, 99, lo, hi)));
  EXPECT_DOUBLE_EQ(ng->lat_p99_9_ns.median, static_cast<double>(bin_percentile(merged, 99.9, lo, hi)));
  // The rounds' own p99s stay for the spread and the diff's test.
  std::span<const double> rounds = ng->round_values("p99");
  ASSERT_EQ(rounds.size(), 2u);
  EXPECT_NE(ng->lat_p99_ns.median, median_of(rounds));
  // The same report in version 1 (no histograms): the median of the rounds' p99s.
  ReportData v1 = load(test::lab_report_json(), "v1.json");
  EXPECT_FALSE(v1.find("ng-irq")->lat_merged);
  EXPECT_DOUBLE_EQ(v1.find("ng-irq")->lat_p99_ns.median, median_of(rounds));
}

TEST(ReportData, AVersion2FieldMissingIsRefusedByName) {
  struct Case {
    const char* what;
    void (*edit)(json&);
    const char* field;
  } cases[] = {
      {"histogram", [](json& d) { d["runs"][2]["latency_ns"].erase("histogram"); }, "runs[2].latency_ns.histogram"},
      {"cpu", [](json& d) { d["runs"][0].erase("cpu"); }, "runs[0].cpu"},
      {"cpu_ns", [](json& d) { d["runs"][1]["threads"][0].erase("cpu_ns"); }, "runs[1].threads[0].cpu_ns"},
      {"order", [](json& d) { d["runs"][4].erase("order_in_round"); }, "runs[4].order_in_round"},
      {"hw", [](json& d) { d["runs"][3].erase("hw_counters"); }, "runs[3].hw_counters"},
      {"bin", [](json& d) { d["runs"][0]["latency_ns"]["histogram"]["bins"][0] = json::array({5, 3, 1}); },
       "runs[0].latency_ns.histogram.bins[0]"},
      {"partial", [](json& d) { d["status"].erase("partial"); }, "status.partial"},
  };
  for (const auto& c : cases) {
    json doc = test::lab_report_v2_json();
    c.edit(doc);
    auto r = report_from_json(doc, "broken.json");
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_NE(r.error().message.find(c.field), std::string::npos) << c.what << ": " << r.error().message;
    EXPECT_NE(r.error().message.find("schema version 2"), std::string::npos) << r.error().message;
  }
}

// A version-1 report still reads; what it cannot have is n/a.
TEST(ReportData, AVersion1ReportShowsVersion2FiguresAsNotAvailable) {
  ReportData d = load(test::lab_report_json(), "v1.json");
  EXPECT_EQ(d.schema_version, 1);
  for (const auto& p : d.paths) {
    EXPECT_EQ(p.enters_per_io.n, 0u);
    EXPECT_FALSE(p.hw_counters);
  }
  std::string text = render("text", d);
  EXPECT_NE(text.find("hw counters: n/a (schema version 1)"), std::string::npos);
  EXPECT_NE(text.find("hardware counters: n/a (schema version 1)"), std::string::npos);
  EXPECT_NE(text.find("run order:   n/a"), std::string::npos);
}

// A report cut short says so in every rendering, and in diff.
// A version 1 run without its engine family reads as "unknown", which no
// rule mistakes for a family (uq).
TEST(ReportData, AVersion1RunWithoutItsEngineIsUnknown) {
  json doc = test::lab_report_json();
  for (auto& r : doc["runs"]) r.erase("engine");
  ReportData d = load(doc, "v1.json");
  ASSERT_FALSE(d.paths.empty());
  for (const auto& p : d.paths) EXPECT_EQ(p.engine, "unknown") << p.path;
}

TEST(ReportData, APartialReportSaysSoInEveryRendering) {
  json doc = test::lab_report_v2_json();
  json& runs = doc["runs"];
  for (size_t i = runs.size(); i-- > 0;)
    if (runs[i]["round"] == 2 && (runs[i]["path"] == "ng-irq" || runs[i]["path"] == "ng-poll")) runs.erase(i);
  doc["status"]["partial"] = true;
  doc["status"]["not_run"] = json::array({json{{"path", "ng-irq"}, {"round", 2}}, json{{"path", "ng-poll"}, {"round", 2}}});
  EXPECT_EQ(test::validate_report(doc), 0);
  ReportData d = load(doc, "partial.json");
  EXPECT_TRUE(d.partial);
  const std::string line =
      "PARTIAL REPORT: the run was stopped before it finished; 2 run(s) did not run: ng-irq round 2, ng-poll round 2.";
  EXPECT_EQ(d.partial_line(), line);
  for (const char* f : {"text", "markdown", "html"}) {
    std::string out = render(f, d);
    if (out.rfind("render failed", 0) == 0 && out.find("libjs-chart.js") != std::string::npos) continue;
    EXPECT_NE(out.find("(PARTIAL)"), std::string::npos) << f;
    EXPECT_NE(out.find("PARTIAL REPORT"), std::string::npos) << f;
  }
  json j = json::parse(render("json", d));
  EXPECT_EQ(j["reports"][0]["partial"], true);
  EXPECT_EQ(j["reports"][0]["not_run"].size(), 2u);
  ReportData whole = load(test::lab_report_v2_json());
  DiffResult diff = diff_reports(whole, d, DiffOptions{});
  std::string text = format_diff(diff, whole, d, DiffOptions{});
  EXPECT_NE(text.find("The new report is partial."), std::string::npos) << text;
}

// A run cut short (Ctrl-C) measured part of a round: it enters no
// aggregate, no per-round value of the diff and no ceiling, and the report
// names it apart.
TEST(ReportData, AnInterruptedRunIsLeftOutAndNamed) {
  json doc = test::lab_report_v2_json();
  json without = doc;
  json& runs = doc["runs"];
  size_t cut = 0;
  for (size_t i = 0; i < runs.size(); i++)
    if (runs[i]["path"] == "ng-irq" && runs[i]["round"] == 2) cut = i;
  runs[cut]["interrupted"] = true;
  runs[cut]["iops"] = runs[cut]["iops"].get<double>() * 100;
  without["runs"].erase(cut);
  ReportData d = load(doc, "interrupted.json"), w = load(without, "without.json");
  const PathAggregate* ng = d.find("ng-irq");
  ASSERT_NE(ng, nullptr);
  EXPECT_EQ(ng->rounds, w.find("ng-irq")->rounds);
  EXPECT_DOUBLE_EQ(ng->iops.median, w.find("ng-irq")->iops.median);
  EXPECT_EQ(ng->round_values("iops").size(), w.find("ng-irq")->round_values("iops").size());
  EXPECT_TRUE(ng->interrupted);
  for (const auto& c : d.ceiling.candidates) EXPECT_FALSE(c.path == "ng-irq" && c.round == 2);
  ASSERT_EQ(d.interrupted_runs.size(), 1u);
  std::string text = render("text", d);
  EXPECT_NE(text.find("INTERRUPTED RUN: ng-irq round 2 was cut short; it is left out of every figure."),
            std::string::npos)
      << text;
}

// Hardware counters, where runs carry them, are metrics like any other,
// gated as wall-clock ones (their counts follow spinning, interrupts and
// stalls): with the fixture's two rounds a side a 20% rise is not
// testable, and missing from one report it fails.
// Interrupt time is a figure only where the kernel accounts it apart
// (cpu.irq_in_busy): then CPU per I/O is the busy time with it; where it
// does not, /proc/stat's tick-sampled irq time is shown as not measured;
// a report from before the field reads as it did.
TEST(ReportData, InterruptTimeCountsOnlyWhereTheKernelKeptItApart) {
  auto with_irq = [](std::optional<bool> apart) {
    json doc = test::lab_report_v2_json();
    for (auto& r : doc["runs"]) {
      double ios = r["ios"].get<double>();
      r["cpu"]["irq_ns"] = static_cast<uint64_t>(300 * ios);
      r["cpu"]["softirq_ns"] = static_cast<uint64_t>(200 * ios);
      r["cpu"]["busy_ns_per_io"] = r["cpu"]["thread_ns"].get<double>() / ios + 500;
      if (apart) r["cpu"]["irq_in_busy"] = *apart;
      else r["cpu"].erase("irq_in_busy");
    }
    return doc;
  };
  ReportData on = load(with_irq(true)), off = load(with_irq(false)), before = load(with_irq(std::nullopt));
  ReportData plain = load(test::lab_report_v2_json());
  for (const auto& p : plain.paths) {
    SCOPED_TRACE(p.path);
    EXPECT_NEAR(on.find(p.path)->irq_ns_per_io.median, 500, 1e-6);
    EXPECT_NEAR(on.find(p.path)->cpu_ns_per_io.median, p.cpu_ns_per_io.median + 500, 1);
    EXPECT_EQ(off.find(p.path)->irq_ns_per_io.n, 0u) << "tick-sampled: not measured";
    EXPECT_NEAR(off.find(p.path)->cpu_ns_per_io.median, p.cpu_ns_per_io.median, 1e-6);
    EXPECT_NEAR(before.find(p.path)->irq_ns_per_io.median, 500, 1e-6);
    EXPECT_NEAR(before.find(p.path)->cpu_ns_per_io.median, p.cpu_ns_per_io.median, 1e-6);
  }
}

TEST(ReportData, HardwareCountersAreReadAndGated) {
  auto with_hw = [](double ng_irq_factor) {
    json doc = test::lab_report_v2_json();
    for (auto& r : doc["runs"]) {
      double f = r["path"] == "ng-irq" ? ng_irq_factor : 1;
      double cycles = 20000 * f, insn = 9000 * f;
      double ios = r["ios"].get<double>();
      r["hw_counters"] = json{{"scope", "cpu"},
                              {"cycles_user", static_cast<uint64_t>(cycles * ios * 0.1)},
                              {"cycles_kernel", static_cast<uint64_t>(cycles * ios * 0.9)},
                              {"instructions_user", static_cast<uint64_t>(insn * ios * 0.1)},
                              {"instructions_kernel", static_cast<uint64_t>(insn * ios * 0.9)},
                              {"cycles_per_io", cycles + r["round"].get<int>()},
                              {"instructions_per_io", insn},
                              {"kernel_instructions_per_io", insn * 0.9}};
    }
    doc["hw_counters_note"] = nullptr;
    return doc;
  };
  json base = with_hw(1), worse = with_hw(1.2);
  EXPECT_EQ(test::validate_report(base), 0);
  ReportData b = load(base, "base.json"), n = load(worse, "new.json");
  const PathAggregate* ng = b.find("ng-irq");
  ASSERT_TRUE(ng->hw_counters);
  EXPECT_EQ(ng->hw_scope, "cpu");
  EXPECT_DOUBLE_EQ(ng->cycles_per_io.median, 20001.5);
  EXPECT_DOUBLE_EQ(ng->hw_kinsn_per_io.median, 8100);
  EXPECT_STREQ(find_metric("cycles-per-io")->unit, "cycles");
  EXPECT_STREQ(find_metric("hw-kinsn-per-io")->unit, "insn");
  DiffResult d = diff_reports(b, n, DiffOptions{});
  EXPECT_TRUE(d.regressions().empty());
  std::set<std::string> untested;
  for (const auto& c : d.changes)
    if (c.metric && c.verdict == Verdict::not_testable && c.worse > c.threshold)
      untested.insert(c.path + " " + c.metric->key);
  EXPECT_EQ(untested, (std::set<std::string>{"ng-irq cycles-per-io", "ng-irq hw-kinsn-per-io"}));
  // Counted in the base, not in the new report: the gate fails, named.
  DiffResult lost = diff_reports(b, load(test::lab_report_v2_json()), DiffOptions{});
  bool named = false;
  for (const auto* c : lost.regressions())
    named |= c->metric && std::string(c->metric->key) == "cycles-per-io" && c->missing_from == "the new report";
  EXPECT_TRUE(named);
  std::string text = render("text", b);
  EXPECT_NE(text.find("(perf_event_open, scope cpu)"), std::string::npos);
}

}  // namespace
}  // namespace qb
