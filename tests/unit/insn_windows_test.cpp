// The lab's instruction windows onto a report's runs: parsing the plugin's
// lines, the one-to-one check, per-I/O figures and the schema.
#include "insn_windows.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "diff.h"
#include "report_data.h"
#include "report_test_util.h"

namespace qb {
namespace {

using nlohmann::json;

// One line per run of the lab fixture, kernel = 1000 x ios, user = 100 x ios;
// with mmio, ios / 4 doorbell and ios / 2 other MMIO writes.
std::string windows_for(const json& doc, bool with_polls = true, bool with_mmio = false) {
  std::string s;
  unsigned i = 1;
  for (const auto& r : doc["runs"]) {
    uint64_t ios = r["ios"].get<uint64_t>();
    s += fmt::format("window={} kernel={} user={}", i++, ios * 1000, ios * 100);
    if (with_polls) s += fmt::format(" polls=0 empty_polls=0 empty_kernel=0 empty_user=0");
    if (with_mmio) s += fmt::format(" mmio_doorbell={} mmio_other={}", ios / 4, ios / 2);
    s += "\n";
  }
  return s;
}

TEST(InsnWindows, ParsesOldAndNewLines) {
  auto f = parse_insn_windows("window=1 kernel=10 user=2\n"
                              "window=2 kernel=30 user=4 polls=5 empty_polls=3 empty_kernel=9 empty_user=1\n\n");
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_EQ(f->windows.size(), 2u);
  EXPECT_EQ(f->windows[0].kernel, 10u);
  EXPECT_FALSE(f->windows[0].polls.has_value());
  EXPECT_EQ(*f->windows[1].empty_kernel, 9u);
  EXPECT_FALSE(f->unclosed);
}

TEST(InsnWindows, ParsesMmioFieldsAndLinesWithout) {
  auto f = parse_insn_windows("window=1 kernel=10 user=2 polls=0 empty_polls=0 empty_kernel=0 empty_user=0\n"
                              "window=2 kernel=30 user=4 polls=0 empty_polls=0 empty_kernel=0 empty_user=0 "
                              "mmio_doorbell=7 mmio_other=11\n");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_FALSE(f->windows[0].mmio_doorbell.has_value());
  EXPECT_FALSE(f->windows[0].mmio_other.has_value());
  EXPECT_EQ(f->windows[1].mmio_doorbell, 7u);
  EXPECT_EQ(f->windows[1].mmio_other, 11u);
}

TEST(InsnWindows, RejectsOneMmioFieldWithoutTheOther) {
  auto f = parse_insn_windows("window=1 kernel=10 user=2\nwindow=2 kernel=10 user=2 mmio_doorbell=3\n");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("line 2: mmio_doorbell and mmio_other come together"), std::string::npos)
      << f.error().message;
  EXPECT_FALSE(parse_insn_windows("window=1 kernel=10 user=2 mmio_other=3\n").ok());
}

TEST(InsnWindows, RejectsOtherLinesNamingThem) {
  auto f = parse_insn_windows("window=1 kernel=10 user=2\nhello\n");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("line 2"), std::string::npos) << f.error().message;
  EXPECT_FALSE(parse_insn_windows("window=1 kernel=x user=2\n").ok());
  EXPECT_FALSE(parse_insn_windows("window=1 user=2\n").ok());
}

TEST(InsnWindows, NotesAnUnclosedWindow) {
  auto f = parse_insn_windows("window=1 kernel=10 user=2\nunclosed-window kernel=5 user=1\n");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->unclosed);
  EXPECT_EQ(f->windows.size(), 1u);
}

TEST(InsnWindows, AttachesOneWindowPerRunInOrder) {
  json doc = test::lab_report_json();
  auto f = parse_insn_windows(windows_for(doc));
  ASSERT_TRUE(f.ok());
  AttachOutcome a = attach_insn_windows(doc, *f, "insn-windows.txt");
  ASSERT_TRUE(a.attached) << a.message;
  for (size_t i = 0; i < doc["runs"].size(); i++) {
    const json& in = doc["runs"][i]["instructions"];
    EXPECT_EQ(in["window"], i + 1);
    EXPECT_DOUBLE_EQ(in["kernel_per_io"].get<double>(), 1000);
    EXPECT_DOUBLE_EQ(in["user_per_io"].get<double>(), 100);
    EXPECT_FALSE(in["empty_polls_separated"].get<bool>());  // no marked polls
  }
  EXPECT_EQ(doc["instructions"]["status"], "attached");
  EXPECT_EQ(doc["instructions"]["paths"].size(), 5u);
  EXPECT_EQ(test::validate_report(doc), 0);
  // The reader gets medians per path.
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok()) << d.error().message;
  const PathAggregate* ng = d->find("ng-irq");
  ASSERT_TRUE(ng && ng->instructions);
  EXPECT_DOUBLE_EQ(ng->kinsn_per_io.median, 1000);
  EXPECT_DOUBLE_EQ(ng->useful_kinsn_per_io.median, 1000);
  EXPECT_EQ(d->insn_status, "attached");
}

TEST(InsnWindows, SetsMarkedEmptyPollsApart) {
  json doc = test::lab_report_json();
  auto f = parse_insn_windows(windows_for(doc));
  ASSERT_TRUE(f.ok());
  // ng-poll's runs marked 10 polls each, 4 empty, of 200 * ios kernel instructions.
  for (size_t i = 0; i < doc["runs"].size(); i++)
    if (doc["runs"][i]["path"] == "ng-poll") {
      uint64_t ios = doc["runs"][i]["ios"].get<uint64_t>();
      f->windows[i].polls = 10;
      f->windows[i].empty_polls = 4;
      f->windows[i].empty_kernel = 200 * ios;
      f->windows[i].empty_user = 0;
    }
  ASSERT_TRUE(attach_insn_windows(doc, *f, "w").attached);
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok());
  const PathAggregate* p = d->find("ng-poll");
  ASSERT_TRUE(p->empty_polls_separated);
  EXPECT_DOUBLE_EQ(p->kinsn_per_io.median, 1000);
  EXPECT_DOUBLE_EQ(p->useful_kinsn_per_io.median, 800);
  EXPECT_DOUBLE_EQ(p->empty_kinsn_per_io.median, 200);
  // CPU in empty polls: their share of instructions (200 of 1100) of the CPU per I/O.
  EXPECT_NEAR(p->empty_poll_cpu_ns_per_io.median, p->cpu_ns_per_io.median * 200 / 1100, p->cpu_ns_per_io.median * 0.1);
  EXPECT_EQ(test::validate_report(doc), 0);
}

TEST(InsnWindows, RefusesACountThatDoesNotMatchTheRuns) {
  json doc = test::lab_report_json();
  std::string text = windows_for(doc);
  text += "window=11 kernel=1 user=1\n";  // one window too many
  auto f = parse_insn_windows(text);
  ASSERT_TRUE(f.ok());
  AttachOutcome a = attach_insn_windows(doc, *f, "insn-windows.txt");
  EXPECT_FALSE(a.attached);
  EXPECT_NE(a.message.find("11 window(s) for 10 run(s)"), std::string::npos) << a.message;
  for (const auto& r : doc["runs"]) EXPECT_FALSE(r.contains("instructions"));
  EXPECT_EQ(doc["instructions"]["status"], "not_attached");
  EXPECT_EQ(test::validate_report(doc), 0);
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->find("ng-irq")->instructions);
  EXPECT_EQ(d->insn_status, "not_attached");
}

TEST(InsnWindows, RefusesWindowsOutOfOrder) {
  json doc = test::lab_report_json();
  auto f = parse_insn_windows(windows_for(doc));
  ASSERT_TRUE(f.ok());
  std::swap(f->windows[0], f->windows[1]);
  AttachOutcome a = attach_insn_windows(doc, *f, "w");
  EXPECT_FALSE(a.attached);
  EXPECT_NE(a.message.find("not numbered"), std::string::npos);
}

TEST(InsnWindows, AttachesMmioCountsAsThisBoots) {
  json doc = test::lab_report_json();
  auto f = parse_insn_windows(windows_for(doc, true, true));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(attach_insn_windows(doc, *f, "insn-windows.txt").attached);
  const json& in = doc["runs"][0]["instructions"];
  double ios = doc["runs"][0]["ios"].get<double>();
  EXPECT_EQ(in["mmio"]["doorbell_writes"], doc["runs"][0]["ios"].get<uint64_t>() / 4);
  EXPECT_DOUBLE_EQ(in["mmio"]["doorbell_per_io"].get<double>(), (doc["runs"][0]["ios"].get<uint64_t>() / 4) / ios);
  EXPECT_EQ(doc["mmio"]["boot"], "same");
  EXPECT_EQ(doc["mmio"]["source"], "insn-windows.txt");
  EXPECT_EQ(doc["mmio"]["paths"].size(), 5u);
  EXPECT_EQ(test::validate_report(doc), 0);
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->mmio_boot, "same");
  const PathAggregate* ng = d->find("ng-irq");
  ASSERT_TRUE(ng && ng->mmio);
  EXPECT_NEAR(ng->mmio_doorbell_per_io.median, 0.25, 0.001);
  EXPECT_NEAR(ng->mmio_other_per_io.median, 0.5, 0.001);
}

TEST(InsnWindows, WithoutMmioFieldsNothingSaysMmioWasCounted) {
  json doc = test::lab_report_json();
  auto f = parse_insn_windows(windows_for(doc));
  ASSERT_TRUE(attach_insn_windows(doc, *f, "w").attached);
  EXPECT_FALSE(doc.contains("mmio"));
  EXPECT_FALSE(doc["runs"][0]["instructions"].contains("mmio")) << "an older document's layout is kept";
  EXPECT_EQ(test::validate_report(doc), 0);
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->mmio_boot, "");
  EXPECT_FALSE(d->find("ng-irq")->mmio);
}

// bench.sh --mmio: a second boot's report with MMIO counts onto the main one.
TEST(InsnWindows, AttachesASeparateBootsMmioCountsPerPath) {
  json counted = test::lab_report_json();
  auto fm = parse_insn_windows(windows_for(counted, true, true));
  ASSERT_TRUE(attach_insn_windows(counted, *fm, "insn-windows.txt").attached);
  // That boot ran only some paths: block-poll is not among them.
  json runs = json::array();
  for (const auto& r : counted["runs"])
    if (r["path"] != "block-poll") runs.push_back(r);
  counted["runs"] = runs;
  json mmio_paths = json::array();
  for (const auto& p : counted["mmio"]["paths"])
    if (p["path"] != "block-poll") mmio_paths.push_back(p);
  counted["mmio"]["paths"] = mmio_paths;

  json doc = test::lab_report_json();
  auto f = parse_insn_windows(windows_for(doc));
  ASSERT_TRUE(attach_insn_windows(doc, *f, "insn-windows.txt").attached);
  AttachOutcome a = attach_separate_mmio(doc, counted, "mmio/compare.json");
  ASSERT_TRUE(a.attached) << a.message;
  EXPECT_NE(a.message.find("not counted there: block-poll"), std::string::npos) << a.message;
  EXPECT_EQ(doc["mmio"]["boot"], "separate");
  EXPECT_EQ(doc["mmio"]["source"], "mmio/compare.json");
  EXPECT_EQ(doc["mmio"]["paths"].size(), 4u);
  // The main boot's own runs and counts are untouched.
  EXPECT_FALSE(doc["runs"][0]["instructions"].contains("mmio"));
  EXPECT_DOUBLE_EQ(doc["runs"][0]["instructions"]["kernel_per_io"].get<double>(), 1000);
  EXPECT_EQ(test::validate_report(doc), 0);
  auto d = report_from_json(doc, "x.json");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->mmio_boot, "separate");
  EXPECT_EQ(d->mmio_source, "mmio/compare.json");
  EXPECT_TRUE(d->find("ng-irq")->mmio);
  EXPECT_FALSE(d->find("block-poll")->mmio);
  // Attaching the main boot's windows again keeps a separate boot's counts.
  ASSERT_TRUE(attach_insn_windows(doc, *f, "insn-windows.txt").attached);
  EXPECT_EQ(doc["mmio"]["boot"], "separate");
}

TEST(InsnWindows, ASeparateBootWithoutMmioCountsAttachesNothing) {
  json counted = test::lab_report_json();
  auto f = parse_insn_windows(windows_for(counted));
  ASSERT_TRUE(attach_insn_windows(counted, *f, "w").attached);
  json doc = test::lab_report_json();
  AttachOutcome a = attach_separate_mmio(doc, counted, "mmio/compare.json");
  EXPECT_FALSE(a.attached);
  EXPECT_NE(a.message.find("mmio/compare.json has no MMIO counts"), std::string::npos) << a.message;
  EXPECT_FALSE(doc.contains("mmio"));
}

TEST(InsnWindows, ReattachingReplacesEarlierCounts) {
  json doc = test::lab_report_json();
  auto f = parse_insn_windows(windows_for(doc));
  ASSERT_TRUE(attach_insn_windows(doc, *f, "w").attached);
  f->windows.pop_back();
  EXPECT_FALSE(attach_insn_windows(doc, *f, "w").attached);
  for (const auto& r : doc["runs"]) EXPECT_FALSE(r.contains("instructions"));
}

}  // namespace
}  // namespace qb

namespace qb {
namespace {

// diff gates on kernel instructions per I/O when both reports carry them.
TEST(InsnWindows, DiffGatesOnKernelInstructions) {
  auto with_kernel = [](double per_io_ng_irq) {
    json doc = test::lab_report_json();
    std::string text;
    unsigned i = 1;
    for (const auto& r : doc["runs"]) {
      double ios = r["ios"].get<double>();
      text += fmt::format("window={} kernel={:.0f} user=0\n", i++, (r["path"] == "ng-irq" ? per_io_ng_irq : 3000) * ios);
    }
    auto f = parse_insn_windows(text);
    EXPECT_TRUE(attach_insn_windows(doc, *f, "w").attached);
    auto d = report_from_json(doc, "x.json");
    EXPECT_TRUE(d.ok());
    return *d;
  };
  auto opts = parse_thresholds({});
  ASSERT_TRUE(opts.ok());
  DiffResult d = diff_reports(with_kernel(3000), with_kernel(3300), *opts);
  bool flagged = false;
  for (const auto* c : d.regressions())
    flagged |= c->path == "ng-irq" && c->metric && std::string(c->metric->key) == "kinsn-per-io";
  EXPECT_TRUE(flagged) << "10% more kernel instructions per I/O on ng-irq is a regression";
  // Without counts on one side the metric cannot be compared: it fails as
  // missing from that report, never passes unseen.
  DiffResult none = diff_reports(*report_from_json(test::lab_report_json(), "a.json"), with_kernel(3300), *opts);
  for (const auto* c : none.regressions())
    if (c->metric && std::string(c->metric->key) == "kinsn-per-io") {
      EXPECT_EQ(c->verdict, Verdict::missing);
      EXPECT_EQ(c->missing_from, "the base report");
    }
}

}  // namespace
}  // namespace qb
