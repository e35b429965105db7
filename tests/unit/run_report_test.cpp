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

// The schema of the version this build writes. Until it is in the tree
// (the report side of issue 14 brings version 2), the tests check the
// written fields against the contract only and say that the schema
// check was skipped.
std::string schema_file() {
  return std::string(QB_SCHEMA_DIR) + "/nvme-qbench-report.v" + std::to_string(report_schema_version) +
         ".schema.json";
}
bool have_schema() { return std::ifstream(schema_file()).good(); }
#define SKIP_WITHOUT_SCHEMA()                                                                     \
  if (!have_schema())                                                                             \
  GTEST_SKIP() << "no " << schema_file() << ": the written fields were checked, the schema was not"

// 0 valid, 1 invalid (against the schema of the written version).
int validate(const json& j) {
  std::string path = std::string(QB_TEST_DIR) + "/qb-run-report-" + std::to_string(getpid()) + ".json";
  EXPECT_TRUE(write_report(path, j).ok());
  int rc = test::run_status(std::string("python3 ") + QB_VALIDATOR + " " + schema_file() + " " + path + " >/dev/null");
  unlink(path.c_str());
  return rc;
}

TEST(Report, RunReportConformsToTheSchema) {
  Fixture fx;
  run_paths(fx, {"block-irq"}, 1);
  json j = build_report(input_for(fx, "run"));
  EXPECT_EQ(j["schema_version"], report_schema_version);
  EXPECT_EQ(j["device"]["is_nvme"], false);
  EXPECT_TRUE(j["device"]["note"].is_string()) << "a file must be labeled as not NVMe";
  EXPECT_EQ(j["runs"][0]["ios"], 500);
  EXPECT_EQ(j["runs"][0]["latency_ns"]["count"], 500);
  SKIP_WITHOUT_SCHEMA();
  EXPECT_EQ(validate(j), 0);
}

// The schema must be able to fail, or the test above proves nothing.
TEST(Report, SchemaRejectsBrokenReports) {
  Fixture fx;
  run_paths(fx, {"psync"}, 1);
  json good = build_report(input_for(fx, "run"));
  SKIP_WITHOUT_SCHEMA();
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
  j["schema_version"] = report_schema_version + 1;
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
  std::string table = format_compare_table(in.comparison, "psync", 2);
  EXPECT_TRUE(std::regex_search(table, std::regex("block-irq +[0-9.]+[KM]? ")));
  std::string runs = format_run_table(in.runs);
  EXPECT_NE(runs.find("p99.99us"), std::string::npos);
  EXPECT_TRUE(std::regex_search(runs, std::regex("enter/IO +usr/IO +sys/IO +cpu/IO")));
  EXPECT_TRUE(std::regex_search(runs, std::regex("\\npsync .* 0\\.000 ")))
      << "psync makes no io_uring_enter calls:\n" << runs;
  SKIP_WITHOUT_SCHEMA();
  EXPECT_EQ(validate(j), 0);
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

// The fields of schema version 2, as docs/schema-v2-contract.md states
// them for the readers.
void expect_number_or_null(const json& v, const std::string& what) {
  EXPECT_TRUE(v.is_number() || v.is_null()) << what << ": " << v.dump();
}

void expect_v2_run(const json& r, bool io_uring) {
  const json& h = r["latency_ns"]["histogram"]["bins"];
  ASSERT_TRUE(h.is_array());
  uint64_t total = 0, prev_upper = 0;
  for (const auto& b : h) {
    ASSERT_TRUE(b.is_array() && b.size() == 3) << b.dump();
    EXPECT_LT(b[0].get<uint64_t>(), b[1].get<uint64_t>());
    EXPECT_GE(b[0].get<uint64_t>(), prev_upper) << "ascending, disjoint";
    EXPECT_GT(b[2].get<uint64_t>(), 0u) << "only non-empty bins";
    prev_upper = b[1].get<uint64_t>();
    total += b[2].get<uint64_t>();
  }
  EXPECT_EQ(total, r["latency_ns"]["count"].get<uint64_t>());
  const json& lat = r["latency_ns"];
  ASSERT_TRUE(lat["stamp_error_ns"].is_number());
  ASSERT_TRUE(lat["stamp_error_p50_ns"].is_number());
  ASSERT_TRUE(lat["stamp_error_p99_ns"].is_number());
  EXPECT_LE(lat["stamp_error_p50_ns"].get<uint64_t>(), lat["stamp_error_p99_ns"].get<uint64_t>());
  EXPECT_LE(lat["stamp_error_p99_ns"].get<uint64_t>(), lat["stamp_error_ns"].get<uint64_t>());
  const json& cpu = r["cpu"];
  EXPECT_TRUE(cpu["thread_ns"].is_number_integer());
  EXPECT_TRUE(cpu["irq_ns"].is_null()) << "not pinned";
  EXPECT_TRUE(cpu["softirq_ns"].is_null());
  expect_number_or_null(cpu["busy_ns_per_io"], "busy_ns_per_io");
  uint64_t thread_ns = 0;
  for (const auto& t : r["threads"]) thread_ns += t["cpu_ns"].get<uint64_t>();
  EXPECT_EQ(thread_ns, cpu["thread_ns"].get<uint64_t>());
  EXPECT_TRUE(r["threads"][0].contains("usr_s") && r["threads"][0].contains("sys_s")) << "usr_s/sys_s stay";
  const json& k = r["kernel_entries"];
  EXPECT_TRUE(k["io_uring_enter"].is_number_integer());
  if (io_uring) {
    EXPECT_GT(k["io_uring_enter"].get<uint64_t>(), 0u);
    EXPECT_TRUE(k["per_io"].is_number());
  } else {
    EXPECT_EQ(k["io_uring_enter"], 0);
    EXPECT_TRUE(k["per_io"].is_null());
  }
  const json& hw = r["hw_counters"];
  if (!hw.is_null()) {
    EXPECT_TRUE(hw["scope"] == "cpu" || hw["scope"] == "thread");
    for (const char* f : {"cycles_user", "cycles_kernel", "instructions_user", "instructions_kernel"})
      EXPECT_TRUE(hw[f].is_number_integer()) << f;
    for (const char* f : {"cycles_per_io", "instructions_per_io", "kernel_instructions_per_io"})
      expect_number_or_null(hw[f], f);
  }
  EXPECT_GE(r["order_in_round"].get<int>(), 1);
}

TEST(Report, WritesTheVersion2Contract) {
  Fixture fx;
  run_paths(fx, {"psync", "block-irq"}, 1);
  ReportInput in = input_for(fx, "compare");
  in.runs[1].order_in_round = 2;
  in.partial = true;
  in.not_run.push_back(ReportInput::NotRun{"psync", 2});
  in.env.nvme_irq_affinity.push_back(IrqAffinity{25, "nvme0q1", "0-1", "1"});
  in.env.mitigations["meltdown"] = "Not affected";
  json j = build_report(in);
  EXPECT_EQ(j["schema_version"], 2);
  expect_v2_run(j["runs"][0], false);
  expect_v2_run(j["runs"][1], true);
  EXPECT_EQ(j["runs"][1]["order_in_round"], 2);
  EXPECT_EQ(j["runs"][0]["user_space_wait"], false);
  EXPECT_EQ(j["runs"][1]["user_space_wait"], false);
  const json& env = j["environment"];
  EXPECT_TRUE(env["clocksource"].is_string());
  EXPECT_TRUE(env["cpu_governor"].is_string() || env["cpu_governor"].is_null());
  EXPECT_EQ(env["mitigations"]["meltdown"], "Not affected");
  EXPECT_EQ(env["nvme_irq_affinity"][0],
            (json{{"irq", 25}, {"name", "nvme0q1"}, {"cpus", "0-1"}, {"effective_cpus", "1"}}));
  EXPECT_TRUE(env["irq_time_accounting"].is_string());
  EXPECT_EQ(j["status"]["partial"], true);
  EXPECT_EQ(j["status"]["not_run"], json::parse(R"([{"path": "psync", "round": 2}])"));
  bool all_counted = !j["runs"][0]["hw_counters"].is_null() && !j["runs"][1]["hw_counters"].is_null();
  EXPECT_EQ(j["hw_counters_note"].is_null(), all_counted) << "a reason exactly when counts are missing";
  if (!all_counted) {
    EXPECT_TRUE(j["hw_counters_note"].is_string());
  }
}

// The path's trait, so that the reports need not guess it from the engine
// and polling (uq-poll polls in the kernel; uq-poll-check spins in user
// space). The runs here ran psync; the trait comes from the path alone.
TEST(Report, RunsRecordWhetherTheirPathWaitsInUserSpace) {
  Fixture fx;
  run_paths(fx, {"psync", "psync"}, 1);
  ReportInput in = input_for(fx, "compare");
  in.runs[0].path = find_path("uq-poll");
  in.runs[1].path = find_path("uq-poll-check");
  ASSERT_TRUE(in.runs[0].path && in.runs[1].path);
  json j = build_report(in);
  EXPECT_EQ(j["runs"][0]["user_space_wait"], false);
  EXPECT_EQ(j["runs"][1]["user_space_wait"], true);
  EXPECT_EQ(j["runs"][1]["engine"], "uq");
  EXPECT_EQ(j["runs"][0]["on_user_queue"], true);
  in.runs[0].path = find_path("ng-poll");
  EXPECT_EQ(build_report(in)["runs"][0]["on_user_queue"], false);
}

TEST(Report, PinnedRunsCarryTheirCpusInterruptTime) {
  Fixture fx;
  fx.w.cpus = {0};
  run_paths(fx, {"block-irq"}, 1);
  json j = build_report(input_for(fx, "run"));
  const json& cpu = j["runs"][0]["cpu"];
  EXPECT_TRUE(cpu["irq_ns"].is_number_integer());
  EXPECT_TRUE(cpu["softirq_ns"].is_number_integer());
  EXPECT_TRUE(cpu["irq_in_busy"].is_boolean());
  EXPECT_EQ(j["status"]["partial"], false);
  EXPECT_TRUE(j["status"]["not_run"].empty());
}

// Interrupt time joins the threads' clock in busy only where the kernel
// keeps it out of that clock; elsewhere it would count twice.
TEST(Report, BusyAddsInterruptTimeOnlyWhereTheKernelKeepsItApart) {
  Fixture fx;
  run_paths(fx, {"block-irq"}, 1);
  fx.results[0].cpu_irq = CpuIrqTimes{3000000, 2000000};
  for (auto accounting : {IrqTimeAccounting::on, IrqTimeAccounting::off, IrqTimeAccounting::unknown}) {
    ReportInput in = input_for(fx, "run");
    in.env.irq_time = accounting;
    json j = build_report(in);
    EXPECT_EQ(j["environment"]["irq_time_accounting"], irq_time_accounting_name(accounting));
    const json& cpu = j["runs"][0]["cpu"];
    bool added = accounting == IrqTimeAccounting::on;
    EXPECT_EQ(cpu["irq_in_busy"], added) << irq_time_accounting_name(accounting);
    double busy = (cpu["thread_ns"].get<double>() + (added ? 5000000.0 : 0.0)) / j["runs"][0]["ios"].get<double>();
    EXPECT_DOUBLE_EQ(cpu["busy_ns_per_io"].get<double>(), busy) << irq_time_accounting_name(accounting);
    EXPECT_EQ(cpu["irq_ns"], 3000000) << "recorded either way";
  }
}

}  // namespace
}  // namespace qb
