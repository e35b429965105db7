#include "run_report.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "report_test_util.h"
#include "test_util.h"

namespace qb {
namespace {

using nlohmann::json;
using test::ScratchFile;

struct Fixture {
  ScratchFile file{16 << 20};
  DeviceInfo dev;
  WorkloadOptions w;
  std::vector<PathResult> results;
};

void run_paths(Fixture& fx, std::vector<const char*> paths, unsigned rounds) {
  fx.dev = *probe_device(fx.file.path());
  fx.w.ios = 500;
  fx.w.size = fx.dev.size_bytes;
  fx.results.reserve(paths.size() * rounds);
  for (unsigned r = 0; r < rounds; r++)
    for (const char* p : paths) {
      auto res = run_path(RunSpec{fx.w, find_path(p), fx.dev, fx.file.path()}, nullptr);
      ASSERT_TRUE(res.ok()) << res.error().message;
      fx.results.push_back(std::move(*res));
    }
}

ReportInput input_for(Fixture& fx, const std::string& command) {
  ReportInput in;
  in.command = command;
  in.argv = {"nvme-qbench", command};
  in.env = capture_environment();
  in.device = fx.dev;
  in.workload = fx.w;
  for (size_t i = 0; i < fx.results.size(); i++)
    in.runs.push_back(ReportInput::Run{&fx.results[i], find_path(fx.results[i].path), 1});
  return in;
}

int validate(const json& j) { return test::validate_report(j); }

TEST(Report, RunReportConformsToTheSchema) {
  Fixture fx;
  run_paths(fx, {"block-irq"}, 1);
  json j = build_report(input_for(fx, "run"));
  EXPECT_EQ(j["schema_version"], report_schema_version);
  EXPECT_EQ(j["device"]["is_nvme"], false);
  EXPECT_TRUE(j["device"]["note"].is_string()) << "a file must be labeled as not NVMe";
  EXPECT_EQ(j["runs"][0]["ios"], 500);
  EXPECT_EQ(j["runs"][0]["latency_ns"]["count"], 500);
  EXPECT_EQ(validate(j), 0);
}

// The schema must be able to fail, or the test above proves nothing.
TEST(Report, SchemaRejectsBrokenReports) {
  Fixture fx;
  run_paths(fx, {"psync"}, 1);
  json good = build_report(input_for(fx, "run"));
  json j = good;
  j.erase("runs");
  EXPECT_EQ(validate(j), 1);
  j = good;
  j["runs"][0]["path"] = "spdk-poll";  // not a path of this tool
  EXPECT_EQ(validate(j), 1);
  j = good;
  j["runs"][0]["path"] = "uq-poll-check";
  EXPECT_EQ(validate(j), 0);
  j = good;
  j["schema_version"] = 2;
  EXPECT_EQ(validate(j), 1);
  j = good;
  j["runs"][0]["latency_ns"].erase("p99_9");
  EXPECT_EQ(validate(j), 1);
  j = good;
  j["command"] = "compare";  // a comparison report needs its comparison block
  EXPECT_EQ(validate(j), 1);
}

TEST(Report, CompareRowsUseMediansAndTheBaseline) {
  std::vector<PathResult> rs(4);
  double iops[] = {100, 300, 200, 600};
  for (int i = 0; i < 4; i++) {
    rs[i].path = i < 2 ? "block-irq" : "psync";
    rs[i].iops = iops[i];
    rs[i].hist = std::make_unique<Histogram>();
    rs[i].hist->record(1000 * (i + 1));
  }
  auto rows = compare_rows({{&rs[0], &rs[1]}, {&rs[2], &rs[3]}}, "block-irq");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_DOUBLE_EQ(rows[0].iops.median, 200);
  EXPECT_DOUBLE_EQ(rows[1].iops.median, 400);
  EXPECT_DOUBLE_EQ(rows[0].ratio_to_baseline, 1.0);
  EXPECT_DOUBLE_EQ(rows[1].ratio_to_baseline, 2.0);
  EXPECT_DOUBLE_EQ(rows[1].iops.min, 200);
  EXPECT_DOUBLE_EQ(rows[1].iops.max, 600);
}

TEST(Report, CompareReportConformsAndTablesName) {
  Fixture fx;
  run_paths(fx, {"psync", "block-irq"}, 2);
  ReportInput in = input_for(fx, "compare");
  in.rounds = 2;
  in.baseline = "psync";
  in.comparison = compare_rows({{&fx.results[0], &fx.results[2]}, {&fx.results[1], &fx.results[3]}}, "psync");
  json j = build_report(in);
  EXPECT_EQ(j["comparison"]["paths"].size(), 2u);
  EXPECT_EQ(j["comparison"]["paths"][0]["ratio_to_baseline"], 1.0);
  EXPECT_EQ(validate(j), 0);
  std::string table = format_compare_table(in.comparison, "psync", 2);
  EXPECT_TRUE(std::regex_search(table, std::regex("block-irq +[0-9.]+[KM]? ")));
  std::string runs = format_run_table(in.runs);
  EXPECT_NE(runs.find("p99.99us"), std::string::npos);
}

TEST(Report, ProgressLineLooksLikeTIoUring) {
  ProgressSample p{3, 123450, 123450.0 * 4096, 8, 7.5};
  EXPECT_EQ(format_progress("ng-poll", p), "ng-poll: IOPS=123.45K, BW=482.2MiB/s, IOS/call=8.0/7.5");
}

TEST(Report, WriteLeavesNoTempFileOnFailure) {
  auto r = write_report("/nonexistent-dir/report.json", json{{"a", 1}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--json"), std::string::npos);
}

TEST(Report, ErrorsAreNamed) {
  PathResult r;
  r.path = "ng-poll";
  r.errors.push_back(ErrorCount{0x80, 5, false, 3, 1234});
  EXPECT_NE(format_errors(r).find("LBA Out of Range (first at LBA 1234)"), std::string::npos);
}

}  // namespace
}  // namespace qb
