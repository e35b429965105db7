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
    std::ofstream(dir / "notes.txt") << "not json";
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
  EXPECT_NE(skipped.find("not an nvme-qbench report"), std::string::npos) << skipped;
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

TEST(Dashboard, EmptyFolderIsAUsageError) {
  fs::path empty = fs::path(QB_TEST_DIR) / ("qb-dash-empty-" + std::to_string(getpid()));
  fs::create_directories(empty);
  auto set = collect_reports(empty.string());
  fs::remove_all(empty);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().kind, ErrorKind::usage);
}

}  // namespace
}  // namespace qb
