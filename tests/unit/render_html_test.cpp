#include <gtest/gtest.h>

#include <regex>

#include <fmt/format.h>

#include "html_page.h"
#include "insn_windows.h"
#include "report_test_util.h"
#include "reporter.h"

namespace qb {
namespace {

Result<std::string> render_html(const std::string& chart_js) {
  auto data = report_from_json(test::lab_report_json(), "lab-compare.json");
  EXPECT_TRUE(data.ok());
  return create_reporter("html")->render({*data}, RenderOptions{chart_js});
}

TEST(RenderHtml, InlinesChartJsAndLoadsNothingFromOutside) {
  auto html = render_html("");
  if (!html.ok() && html.error().message.find(chart_js_package) != std::string::npos)
    GTEST_SKIP() << html.error().message;
  ASSERT_TRUE(html.ok()) << html.error().message;
  EXPECT_NE(html->find("Chart.js v"), std::string::npos);
  // Outside the inlined scripts, nothing refers to another file or URL.
  std::string markup = *html;
  for (size_t a = markup.find("<script"); a != std::string::npos; a = markup.find("<script", a)) {
    size_t b = markup.find("</script>", a);
    ASSERT_NE(b, std::string::npos);
    markup.erase(a, b + 9 - a);
  }
  EXPECT_FALSE(std::regex_search(markup, std::regex(R"(\b(src|href)\s*=)"))) << "the page must open offline";
  // One canvas per chart: IOPS, latency CDF, IOPS over time, overhead.
  EXPECT_EQ(test::count_of(*html, "<canvas"), 4u);
  EXPECT_NE(html->find("run with --probes"), std::string::npos);
}

// With instruction counts attached, a fifth chart shows them.
TEST(RenderHtml, ChartsInstructionsWhenAttached) {
  nlohmann::json doc = test::lab_report_json();
  std::string text;
  for (size_t i = 0; i < doc["runs"].size(); i++) text += fmt::format("window={} kernel=3000000 user=200000\n", i + 1);
  auto f = parse_insn_windows(text);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(attach_insn_windows(doc, *f, "w").attached);
  auto data = report_from_json(doc, "lab-compare.json");
  ASSERT_TRUE(data.ok());
  auto html = create_reporter("html")->render({*data}, RenderOptions{""});
  if (!html.ok() && html.error().message.find(chart_js_package) != std::string::npos)
    GTEST_SKIP() << html.error().message;
  ASSERT_TRUE(html.ok()) << html.error().message;
  EXPECT_EQ(test::count_of(*html, "<canvas"), 5u);
  EXPECT_NE(html->find("Guest instructions per I/O (TCG plugin)"), std::string::npos);
}

TEST(RenderHtml, MissingChartLibraryNamesThePackage) {
  auto html = render_html("/nonexistent/chart.min.js");
  ASSERT_FALSE(html.ok());
  EXPECT_NE(html.error().message.find("libjs-chart.js"), std::string::npos) << html.error().message;
}

TEST(RenderHtml, EscapesMarkup) { EXPECT_EQ(html_escape("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;"); }

}  // namespace
}  // namespace qb
