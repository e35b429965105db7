#include "dashboard.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "html_page.h"
#include "report_test_util.h"

namespace qb {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ReportDir {
  fs::path dir = fs::path(QB_TEST_DIR) / ("qb-dash-" + std::to_string(getpid()));
  ReportDir() {
    fs::create_directories(dir / "older");
    json doc = test::lab_report_json();
    std::ofstream(dir / "b.json") << doc.dump();
    doc["created_at"] = "2026-01-02T03:04:05Z";
    doc["tool"]["git_revision"] = "0123456789ab";
    test::scale_path_iops(doc, "ng-irq", 0.9);
    std::ofstream(dir / "older" / "a.json") << doc.dump();
    doc["schema_version"] = 7;
    std::ofstream(dir / "future.json") << doc.dump();
    std::ofstream(dir / "inventory.json") << json{{"controllers", json::array()}}.dump();
    std::ofstream(dir / "cut.json") << test::lab_report_json().dump().substr(0, 200);
    std::ofstream(dir / "notes.txt") << "not json";
    // bench.sh --mmio's second boot: its runs ran under the memory callback.
    fs::create_directories(dir / "older" / "mmio");
    json counted = test::lab_report_json();
    counted["mmio"] = json{{"boot", "same"}, {"source", "insn-windows.txt"}, {"counter", "test"},
                           {"paths", json::array()}};
    std::ofstream(dir / "older" / "mmio" / "compare.json") << counted.dump();
  }
  ~ReportDir() { fs::remove_all(dir); }
};

TEST(Dashboard, ReadsReportsOldestFirstAndSkipsTheRestWithReasons) {
  ReportDir d;
  auto set = collect_reports(d.dir.string());
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_EQ(set->reports.size(), 2u);
  EXPECT_EQ(set->reports[0].git_revision, "0123456789ab");
  ASSERT_EQ(set->skipped.size(), 2u);
  std::string skipped = set->skipped[0] + "\n" + set->skipped[1];
  EXPECT_NE(skipped.find("schema version 7 is not supported"), std::string::npos) << skipped;
  EXPECT_NE(skipped.find("cut.json"), std::string::npos) << "a damaged report is named: " << skipped;
  EXPECT_EQ(set->other_json, 1u) << "the inventory is no run report: passed over, not listed";
  EXPECT_EQ(set->mmio_boots, 1u) << "an MMIO-counting boot is no trend point: passed over, not listed";
}

TEST(Dashboard, RendersFourTrendCharts) {
  ReportDir d;
  auto set = collect_reports(d.dir.string());
  ASSERT_TRUE(set.ok());
  auto page = render_dashboard(*set, "");
  if (!page.ok() && page.error().message.find(chart_js_package) != std::string::npos)
    GTEST_SKIP() << page.error().message;
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(test::count_of(*page, "<canvas"), 4u);
  EXPECT_NE(page->find("0123456789ab"), std::string::npos);
  EXPECT_NE(page->find("Skipped files"), std::string::npos);
}

// The chart configurations a dashboard page carries, in page order.
json chart_specs(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"qb-chart-specs\">";
  size_t from = page.find(open);
  if (from == std::string::npos) return json::array();
  from += open.size();
  return json::parse(page.substr(from, page.find("</script>", from) - from));
}

// The data of one path's line in the chart whose y axis reads axis.
json trend(const json& specs, const std::string& axis, const std::string& path) {
  for (const auto& c : specs)
    if (c["options"]["scales"]["y"]["title"]["text"] == axis)
      for (const auto& d : c["data"]["datasets"])
        if (d["label"] == path) return d["data"];
  return nullptr;
}

// Three real lab reports: the lab fixture, the example report of the main
// job (a later build, with the user-queue paths) and the fixture again a
// day later with ng-irq's IOPS halved. Each point of a trend is its
// report's own figure (the comparison block the tool wrote when it ran),
// oldest first, whatever the file names; a report without the path leaves
// a gap.
TEST(Dashboard, TrendValuesOfThreeLabReports) {
  fs::path dir = fs::path(QB_TEST_DIR) / ("qb-dash3-" + std::to_string(getpid()));
  fs::create_directories(dir);
  json first = test::lab_report_json();
  std::ifstream in(test::data_file("../../../reports/example/compare.json"));
  json second = json::parse(in);
  json third = first;
  third["created_at"] = "2099-01-01T00:00:00Z";  // after the example report, whenever that was made
  third["tool"]["git_revision"] = "fedcba987654";
  test::scale_path_iops(third, "ng-irq", 0.5);
  ASSERT_LT(first["created_at"], second["created_at"]);
  ASSERT_LT(second["created_at"], third["created_at"]);
  std::ofstream(dir / "c.json") << first.dump();
  std::ofstream(dir / "a.json") << second.dump();
  std::ofstream(dir / "b.json") << third.dump();

  auto set = collect_reports(dir.string());
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_EQ(set->reports.size(), 3u);
  EXPECT_EQ(set->reports[2].git_revision, "fedcba987654");
  auto page = render_dashboard(*set, "");
  fs::remove_all(dir);
  if (!page.ok() && page.error().message.find(chart_js_package) != std::string::npos)
    GTEST_SKIP() << page.error().message;
  ASSERT_TRUE(page.ok()) << page.error().message;
  json specs = chart_specs(*page);
  ASSERT_EQ(specs.size(), 4u);

  // median IOPS and ratio to the baseline, as each report's comparison has them
  auto figure = [](const json& doc, const std::string& path, const char* key) -> json {
    for (const auto& p : doc["comparison"]["paths"])
      if (p["path"] == path)
        return std::string(key) == "iops" ? p["iops"]["median"] : p["ratio_to_baseline"];
    return nullptr;
  };
  for (const char* path : {"psync", "block-irq", "block-poll", "ng-poll", "uq-irq", "uq-poll-check"}) {
    json want = json::array({figure(first, path, "iops"), figure(second, path, "iops"), figure(first, path, "iops")});
    json got = trend(specs, "IOPS", path);
    ASSERT_TRUE(got.is_array()) << path;
    ASSERT_EQ(got.size(), 3u) << path;
    for (size_t i = 0; i < 3; i++) {
      if (want[i].is_null()) {
        EXPECT_TRUE(got[i].is_null()) << path << " report " << i << ": " << got[i];
      } else {
        ASSERT_TRUE(got[i].is_number()) << path << " report " << i << ": " << got[i];
        EXPECT_NEAR(got[i].get<double>(), want[i].get<double>(), want[i].get<double>() * 1e-9) << path << " report " << i;
      }
    }
  }
  json ng = trend(specs, "IOPS", "ng-irq");
  ASSERT_TRUE(ng.is_array() && ng.size() == 3u) << ng;
  EXPECT_NEAR(ng[0].get<double>(), figure(first, "ng-irq", "iops").get<double>(), 1e-6);
  EXPECT_NEAR(ng[1].get<double>(), figure(second, "ng-irq", "iops").get<double>(), 1e-6);
  EXPECT_NEAR(ng[2].get<double>(), figure(first, "ng-irq", "iops").get<double>() * 0.5, 1e-6) << "the halved report";
  json ratio = trend(specs, "ratio", "uq-irq");
  ASSERT_TRUE(ratio.is_array() && ratio.size() == 3u) << ratio;
  EXPECT_TRUE(ratio[0].is_null());
  EXPECT_NEAR(ratio[1].get<double>(), figure(second, "uq-irq", "ratio").get<double>(), 1e-9);
  EXPECT_TRUE(ratio[2].is_null());
}

TEST(Dashboard, EmptyFolderIsAUsageError) {
  fs::path empty = fs::path(QB_TEST_DIR) / ("qb-dash-empty-" + std::to_string(getpid()));
  fs::create_directories(empty);
  auto set = collect_reports(empty.string());
  fs::remove_all(empty);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().kind, ErrorKind::usage);
}

// Version 1 and version 2 reports side by side; a partial one is marked.
TEST(Dashboard, ReadsBothSchemaVersionsAndMarksAPartialReport) {
  fs::path dir = fs::path(QB_TEST_DIR) / ("qb-dash-v2-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "v1.json") << test::lab_report_json().dump();
  json v2 = test::lab_report_v2_json();
  v2["created_at"] = "2026-11-25T00:00:00Z";
  v2["status"]["partial"] = true;
  v2["status"]["not_run"] = json::array({json{{"path", "ng-poll"}, {"round", 2}}});
  std::ofstream(dir / "v2.json") << v2.dump();
  auto set = collect_reports(dir.string());
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_TRUE(set->skipped.empty());
  ASSERT_EQ(set->reports.size(), 2u);
  EXPECT_EQ(set->reports[0].schema_version, 1);
  EXPECT_EQ(set->reports[1].schema_version, 2);
  auto page = render_dashboard(*set, "");
  fs::remove_all(dir);
  if (!page.ok() && page.error().message.find(chart_js_package) != std::string::npos)
    GTEST_SKIP() << page.error().message;
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_NE(page->find("1 (partial)"), std::string::npos);
  EXPECT_NE(page->find("v2.json: PARTIAL REPORT"), std::string::npos);
}

}  // namespace
}  // namespace qb
