// The typed objects of the report schema: what they write is what the
// schema documents (keys, nulls), what they read back is what was written,
// and a value of the wrong shape reads as absent.
#include "schema.h"

#include <gtest/gtest.h>

#include <fstream>

namespace qb {
namespace {

using nlohmann::json;

TEST(Schema, SummaryWritesItsFiveFieldsAndReadsThemBack) {
  Summary s{2.5, 1, 4, 1.2, 3};
  json j = summary_json(s);
  EXPECT_EQ(j, (json{{"median", 2.5}, {"min", 1.0}, {"max", 4.0}, {"spread", 1.2}, {"n", 3}}));
  Summary back = j.get<Summary>();
  EXPECT_DOUBLE_EQ(back.median, 2.5);
  EXPECT_DOUBLE_EQ(back.spread, 1.2);
  EXPECT_EQ(back.n, 3u);
}

TEST(Schema, UnmeasuredFiguresAreNull) {
  RunInstructions ri;
  ri.window = 1;
  ri.kernel = 10;
  ri.user = 20;
  json j = ri;
  EXPECT_TRUE(j["kernel_per_io"].is_null());
  EXPECT_TRUE(j["empty_polls"].is_null());
  EXPECT_EQ(j["kernel"], 10);
  EXPECT_EQ(j["empty_polls_separated"], false);
  auto back = read_typed<RunInstructions>(j);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kernel, 10u);
  EXPECT_FALSE(back->kernel_per_io);

  UserQueueRecord uq{"/dev/nvme0uq1", "nvme0uq1", 3, "poll", 1024, {}, {}, "cannot read"};
  json u = uq;
  EXPECT_TRUE(u["counters"].is_null());
  EXPECT_TRUE(u["empty_poll_share"].is_null());
  EXPECT_EQ(u["counters_error"], "cannot read");
}

TEST(Schema, AWrongShapeReadsAsAbsent) {
  EXPECT_FALSE(read_typed<RunInstructions>(json{{"kernel", "many"}}));
  EXPECT_FALSE(read_typed<UserQueueRecord>(json::array()));
  EXPECT_FALSE(read_typed<ToolInfo>(json(nullptr)));
}

// The example report's typed objects (reports/example/, from a lab run with
// user queues and instruction counts) read back and write out as they stand
// in the file: the types name every field the writer writes.
TEST(Schema, TheExampleReportRoundTrips) {
  std::ifstream in(QB_EXAMPLE_REPORT);
  json doc = json::parse(in);
  auto tool = read_typed<ToolInfo>(doc["tool"]);
  ASSERT_TRUE(tool);
  EXPECT_EQ(json(*tool), doc["tool"]);
  for (const auto& r : doc["runs"]) {
    if (!r.contains("instructions")) continue;
    auto ri = read_typed<RunInstructions>(r["instructions"]);
    ASSERT_TRUE(ri);
    EXPECT_EQ(json(*ri), r["instructions"]);
  }
  unsigned uq_runs = 0;
  for (const auto& r : doc["runs"]) {
    if (!r.contains("user_queue")) continue;
    auto uq = read_typed<UserQueueRecord>(r["user_queue"]);
    ASSERT_TRUE(uq);
    EXPECT_EQ(json(*uq), r["user_queue"]);
    uq_runs++;
  }
  EXPECT_GT(uq_runs, 0u);
  ASSERT_TRUE(doc.contains("instructions"));
  auto insn = read_typed<Instructions>(doc["instructions"]);
  ASSERT_TRUE(insn);
  EXPECT_EQ(json(*insn), doc["instructions"]);
}

}  // namespace
}  // namespace qb
