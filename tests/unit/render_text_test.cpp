#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "report_test_util.h"
#include "reporter.h"
#include "test_util.h"

namespace qb {
namespace {

using nlohmann::json;

std::string render(const std::string& format, const json& doc) {
  auto data = report_from_json(doc, "lab-compare.json");
  EXPECT_TRUE(data.ok()) << (data.ok() ? "" : data.error().message);
  auto text = create_reporter(format)->render({*data}, RenderOptions{});
  EXPECT_TRUE(text.ok());
  return *text;
}

TEST(RenderText, NoLineOver80Columns) {
  std::istringstream in(render("text", test::lab_report_json()));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    n++;
    EXPECT_LE(line.size(), 80u) << "line " << n << ": " << line;
    for (unsigned char c : line) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "non-ASCII on line " << n;
  }
  EXPECT_GT(n, 50);
}

// The lab fixture rendered; QB_UPDATE_GOLDEN=1 rewrites the golden file.
TEST(RenderText, MatchesTheGoldenFile) {
  std::string out = render("text", test::lab_report_json());
  std::string golden = test::data_file("lab-compare.txt");
  if (std::getenv("QB_UPDATE_GOLDEN")) std::ofstream(golden) << out;
  EXPECT_EQ(out, test::read_text(golden));
}

TEST(RenderText, SaysWhatWasNotMeasured) {
  std::string out = render("text", test::lab_report_json());
  EXPECT_NE(out.find("not measured\n(run with --probes)"), std::string::npos);
  EXPECT_NE(out.find("Rule: busy is the I/O thread's CPU seconds"), std::string::npos);
  EXPECT_NE(out.find("Guest instructions per I/O\n--------------------------\n\nNot measured"), std::string::npos);
  EXPECT_NE(out.find("block-poll (baseline)"), std::string::npos);
}

TEST(RenderText, SaysWhenMmioWasNotCountedAndWhereItWas) {
  json doc = test::lab_report_json();
  // Paragraphs wrap: sentences are looked for with lines joined.
  auto flat = [](std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
  };
  std::string out = render("text", doc);
  EXPECT_NE(out.find("MMIO writes and interrupts per I/O\n"), std::string::npos) << out;
  EXPECT_NE(flat(out).find("MMIO writes not counted (scripts/bench.sh --mmio"), std::string::npos) << out;
  json paths = json::array();
  for (const char* p : {"ng-irq", "ng-poll"})
    paths.push_back(json{{"path", p},
                         {"doorbell_per_io", {{"median", 0.125}, {"min", 0.1}, {"max", 0.2}, {"spread", 0}, {"n", 1}}},
                         {"other_per_io", {{"median", 0.25}, {"min", 0.25}, {"max", 0.25}, {"spread", 0}, {"n", 1}}}});
  doc["mmio"] = json{{"boot", "separate"}, {"source", "mmio/compare.json"}, {"counter", "test"}, {"paths", paths}};
  for (auto& r : doc["runs"])
    r["interrupts"] = json{{"total", 0}, {"device", 0}, {"controller", "nvme0"}, {"total_per_io", 1.5},
                           {"device_per_io", 0.375}};
  for (const char* format : {"text", "markdown", "html"}) {
    out = flat(render(format, doc));
    EXPECT_NE(out.find("separate boot (mmio/compare.json)"), std::string::npos) << format;
    EXPECT_EQ(out.find("MMIO writes not counted"), std::string::npos) << format;
  }
  out = render("text", doc);
  EXPECT_TRUE(std::regex_search(out, std::regex("ng-irq +0\\.125 +0\\.250 +0\\.375 +1\\.500"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("block-poll +- +- +0\\.375 +1\\.500"))) << out;
  doc["mmio"]["boot"] = "same";
  out = flat(render("text", doc));
  EXPECT_NE(out.find("counted in this report's own runs"), std::string::npos) << out;
}

TEST(RenderText, ShowsProbesWhenPresent) {
  json doc = test::lab_report_json();
  for (auto& r : doc["runs"])
    r["probes"] = json{{"window_s", 3.0},
                       {"ios", r["ios"]},
                       {"functions",
                        {{{"name", "nvme_poll"}, {"kind", "poll"}, {"available", true}, {"calls", 1000},
                          {"calls_per_io", 0.5}, {"empty_calls", 700}, {"useless_ratio", 0.7}},
                         {{"name", "blk_stat_add"}, {"kind", "call"}, {"available", true}, {"calls", 2000},
                          {"calls_per_io", 1.25}}}},
                       {"profile",
                        {{"available", true},
                         {"top_symbols", {{{"symbol", "nvme_queue_rqs"}, {"self_samples", 10}, {"self_share", 0.25}}}}}}};
  std::string out = render("text", doc);
  EXPECT_EQ(out.find("not measured"), std::string::npos);
  EXPECT_NE(out.find("useless-poll ratio"), std::string::npos);
  EXPECT_TRUE(std::regex_search(out, std::regex("block-layer calls per I/O +1.25 ")));
  EXPECT_NE(out.find("nvme_queue_rqs"), std::string::npos);
  // A polled path whose polls were mostly empty waited, but far below the
  // ceiling it did not wait on the device's limit.
  EXPECT_TRUE(std::regex_search(out, std::regex("block-poll +[0-9.]+K +- +0\\.99 +[0-9.]+/128 +70\\.0% +cannot tell")))
      << out;
  EXPECT_NE(out.find("block-poll: cannot tell (70% of kernel polls found nothing"), std::string::npos);
}

TEST(RenderText, RejectsOtherSchemaVersionsNamingThem) {
  json doc = test::lab_report_json();
  doc["schema_version"] = 3;
  auto r = report_from_json(doc, "new.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("schema version 3 is not supported"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("reads schema versions 1, 2"), std::string::npos) << r.error().message;
  // A version-1 document that claims version 2 lacks what version 2 requires: refused, the field named.
  doc["schema_version"] = 2;
  r = report_from_json(doc, "claims-2.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("field status.partial is missing"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("schema version 2"), std::string::npos) << r.error().message;
  doc.erase("schema_version");
  EXPECT_FALSE(report_from_json(doc, "x.json").ok());
}

TEST(RenderText, NamesAMissingField) {
  json doc = test::lab_report_json();
  doc["runs"][3]["latency_ns"].erase("p99");
  auto r = report_from_json(doc, "broken.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("runs[3].latency_ns.p99"), std::string::npos) << r.error().message;
}

TEST(RenderText, UnknownFormatExitsTwoListingTheFormats) {
  EXPECT_EQ(create_reporter("pdf"), nullptr);
  std::string err = std::string(QB_TEST_DIR) + "/qb-fmt-" + std::to_string(getpid()) + ".err";
  int st = test::run_status(std::string(QB_BINARY) + " report --format pdf " + test::data_file("lab-compare.json") +
                            " >/dev/null 2>" + err);
  std::string msg = test::read_text(err);
  unlink(err.c_str());
  EXPECT_EQ(st, 2);
  EXPECT_NE(msg.find("--format: pdf is not a format; known formats: text, markdown, html"), std::string::npos) << msg;
  EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 1);
}

}  // namespace
}  // namespace qb
