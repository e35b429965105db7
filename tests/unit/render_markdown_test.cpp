#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "report_test_util.h"
#include "reporter.h"

namespace qb {
namespace {

size_t pipes(const std::string& l) {
  size_t n = 0;
  for (size_t i = 0; i < l.size(); i++)
    if (l[i] == '|' && (i == 0 || l[i - 1] != '\\')) n++;
  return n;
}

TEST(RenderMarkdown, TablesHaveAHeaderAnAlignmentRowAndEvenRows) {
  auto data = report_from_json(test::lab_report_json(), "lab-compare.json");
  ASSERT_TRUE(data.ok());
  auto md = create_reporter("markdown")->render({*data}, RenderOptions{});
  ASSERT_TRUE(md.ok());
  std::istringstream in(*md);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  int tables = 0;
  for (size_t i = 0; i < lines.size(); i++) {
    if (lines[i].rfind("|", 0) != 0 || (i > 0 && lines[i - 1].rfind("|", 0) == 0)) continue;
    tables++;
    ASSERT_LT(i + 1, lines.size());
    size_t cols = pipes(lines[i]);
    EXPECT_NE(lines[i + 1].find(":---"), std::string::npos) << "no alignment row after " << lines[i];
    EXPECT_EQ(pipes(lines[i + 1]), cols);
    size_t rows = 0;
    for (size_t j = i + 2; j < lines.size() && lines[j].rfind("|", 0) == 0; j++, rows++)
      EXPECT_EQ(pipes(lines[j]), cols) << lines[j];
    EXPECT_GT(rows, 0u);
    if (i > 0) {
      EXPECT_EQ(lines[i - 1], "") << "a table needs a blank line before it";
    }
  }
  // summary, ratios, CPU per I/O and its version-2 figures, MMIO writes
  // and interrupts, bound per path and per run, one per path (5)
  EXPECT_EQ(tables, 12);
  EXPECT_NE(md->find("## Summary"), std::string::npos);
  EXPECT_NE(md->find("```sh\n$ nvme-qbench compare"), std::string::npos);
}

}  // namespace
}  // namespace qb
